//! Files the CLI exchanges (`docs/proof-format.md`): every write goes to a temporary file that is
//! renamed into place, so nothing half-written is ever left on disk; every read validates.
//!
//! - `model.json`: the [`QuantizedModel`] (weights: keep it private).
//! - `pk.bin`: `"zkt-eth.pk.v3"` word, vk digest, monomial point count `k`, Lagrange point count `n`,
//!   the 32-byte seed of the weight-commitment blinding ([`crate::keys::WeightBlinds`]: secret),
//!   then `k` G1 points `[τ^i]₁` and `n` points `[L_j(τ)]₁`, each `x ‖ y`.
//! - `vk.bin`: [`VerifyingKey::to_bytes`].
//! - `proof.bin`: `"zkt-eth.proof.v1"` word, vk digest, `n_in`, `n_out`, inputs and outputs as
//!   int256 words (two's complement), then the proof bytes exactly as `verify(bytes, …)` takes them.

use crate::field::{g1_from_words, g1_to_words, Word};
use crate::keys::{
    check_model_against_vk, check_model_shape_against_vk, domain_of, srs_len_for, ProvingKey, VerifyingKey,
    WeightBlinds,
};
use crate::model::QuantizedModel;
use crate::protocol::Public;
use crate::transcript::word_u64;
use std::path::{Path, PathBuf};

/// Errors reading or writing artifacts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArtifactError {
    /// I/O failure (the cause is the error's source).
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not what it should be.
    #[error("{}: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ArtifactError + '_ {
    move |source| ArtifactError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn malformed(path: &Path, reason: impl Into<String>) -> ArtifactError {
    ArtifactError::Malformed {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Write `bytes` to `path` atomically (temporary file in the same directory, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ArtifactError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Read a whole file.
pub fn read(path: &Path) -> Result<Vec<u8>, ArtifactError> {
    std::fs::read(path).map_err(io(path))
}

fn magic(tag: &str) -> Word {
    let mut w = [0u8; 32];
    w[..tag.len()].copy_from_slice(tag.as_bytes());
    w
}

fn words(path: &Path, bytes: &[u8]) -> Result<Vec<Word>, ArtifactError> {
    if !bytes.len().is_multiple_of(32) {
        return Err(malformed(
            path,
            format!("length {} is not a multiple of 32 bytes (truncated?)", bytes.len()),
        ));
    }
    Ok(bytes
        .chunks_exact(32)
        .map(|c| c.try_into().unwrap_or([0u8; 32]))
        .collect())
}

fn small(w: &Word) -> Option<usize> {
    w[..24]
        .iter()
        .all(|b| *b == 0)
        .then(|| u64::from_be_bytes(w[24..].try_into().unwrap_or([0xff; 8])) as usize)
}

/// Paths of a build directory.
#[derive(Clone, Debug)]
pub struct BuildDir(pub PathBuf);

impl BuildDir {
    /// `model.json`.
    pub fn model(&self) -> PathBuf {
        self.0.join("model.json")
    }
    /// `pk.bin`.
    pub fn pk(&self) -> PathBuf {
        self.0.join("pk.bin")
    }
    /// `vk.bin`.
    pub fn vk(&self) -> PathBuf {
        self.0.join("vk.bin")
    }
    /// `compile.json` (the compile report).
    pub fn report(&self) -> PathBuf {
        self.0.join("compile.json")
    }
    /// `deployment.json`.
    pub fn deployment(&self) -> PathBuf {
        self.0.join("deployment.json")
    }
    /// The generated verifier source.
    pub fn verifier(&self) -> PathBuf {
        self.0.join("ModelVerifier.sol")
    }
}

/// Save the quantized model.
pub fn save_model(path: &Path, model: &QuantizedModel) -> Result<(), ArtifactError> {
    let json = serde_json::to_vec_pretty(model).map_err(|e| malformed(path, e.to_string()))?;
    write_atomic(path, &json)
}

/// The build directory of a `model.json`/`pk.bin`/`vk.bin` path, for hints (`.` when none).
fn dir_of(path: &Path) -> String {
    match path.parent().map(Path::display) {
        Some(d) if !d.to_string().is_empty() => format!("{d}/"),
        _ => "./".into(),
    }
}

/// Load the quantized model and validate it ([`QuantizedModel::validate`]: ranges, shapes,
/// accumulator bounds), so that nothing downstream can overflow or allocate without bound.
pub fn load_model(path: &Path) -> Result<QuantizedModel, ArtifactError> {
    let recompile = |what: String| {
        malformed(
            path,
            format!("{what}; re-run `zkt-eth compile MODEL.onnx -o {}`", dir_of(path)),
        )
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(malformed(
                path,
                format!(
                    "no compiled model in {}: run `zkt-eth compile MODEL.onnx -o {}` first",
                    dir_of(path),
                    dir_of(path)
                ),
            ))
        }
        Err(e) => return Err(io(path)(e)),
    };
    let model: QuantizedModel =
        serde_json::from_slice(&bytes).map_err(|e| recompile(format!("not a zkt-eth model.json ({e})")))?;
    model.validate().map_err(|e| recompile(e.to_string()))?;
    Ok(model)
}

/// The first word of `pk.bin` (v5: with the digest of the model it was set up for).
const PK_MAGIC: &str = "zkt-eth.pk.v5";
/// Header words of `pk.bin`: magic, vk digest, `k`, `n`, blinding seed, model digest.
const HEADER_WORDS: usize = 6;

/// The digest `pk.bin` records of the model it was set up for: Keccak-256 of its JSON
/// serialisation (`serde_json`, fields in declaration order, so equal models give equal bytes).
pub fn model_digest(model: &QuantizedModel) -> Word {
    crate::transcript::keccak256(&serde_json::to_vec(model).unwrap_or_default())
}

/// Save `pk.bin` and `vk.bin`.
pub fn save_keys(dir: &BuildDir, pk: &ProvingKey) -> Result<(), ArtifactError> {
    // Bytes written straight into one buffer of the file's size (no intermediate word vector:
    // this buffer is setup's peak allocation).
    let mut out = Vec::with_capacity(32 * HEADER_WORDS + 64 * (pk.g1.len() + pk.lagrange.len()));
    for w in [
        magic(PK_MAGIC),
        pk.vk.digest(),
        word_u64(pk.g1.len() as u64),
        word_u64(pk.lagrange.len() as u64),
        pk.blinds.seed,
        model_digest(&pk.model),
    ] {
        out.extend_from_slice(&w);
    }
    for p in pk.g1.iter().chain(&pk.lagrange) {
        for w in g1_to_words(p) {
            out.extend_from_slice(&w);
        }
    }
    write_atomic(&dir.pk(), &out)?;
    write_atomic(&dir.vk(), &pk.vk.to_bytes())
}

/// Load a vk file.
pub fn load_vk(path: &Path) -> Result<VerifyingKey, ArtifactError> {
    let bytes = read(path)?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| {
        malformed(
            path,
            format!("{e}; the file is damaged or not a zkt-eth vk.bin: take it again from `zkt-eth setup`"),
        )
    })
}

/// The exact size of `pk.bin` for `model`: 5 header words, then `k + n` points of 64 bytes.
pub fn pk_file_len(model: &QuantizedModel) -> u64 {
    let (k, n) = (srs_len_for(model) as u64, domain_of(model).size() as u64);
    32 * HEADER_WORDS as u64 + 64 * (k + n)
}

/// Load the proving key of a build directory, checking that its three files belong together:
/// `model.json` is validated first, `pk.bin` must have exactly the size the model implies (checked
/// before it is read), its header must match `vk.bin`, the model's shapes the vk's and the SRS the
/// model's ([`check_model_shape_against_vk`]), and `model.json` must be the model setup recorded
/// ([`model_digest`]) or have the weights behind the vk's commitments ([`check_model_against_vk`],
/// one MSM per layer, run only when the digests differ).
pub fn load_pk(dir: &BuildDir) -> Result<ProvingKey, ArtifactError> {
    let model = load_model(&dir.model())?;
    let path = dir.pk();
    let resetup = |what: &str| {
        malformed(
            &path,
            format!(
                "{what}: re-run `zkt-eth setup {}` (with --dev or --srs FILE)",
                dir.0.display()
            ),
        )
    };
    let len = match std::fs::metadata(&path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(malformed(
                &path,
                format!(
                    "no proving key in {}/: run `zkt-eth setup {} --dev` (or --srs FILE) first",
                    dir.0.display(),
                    dir.0.display()
                ),
            ))
        }
        Err(e) => return Err(io(&path)(e)),
    };
    let expected = pk_file_len(&model);
    if len != expected {
        return Err(resetup(&format!(
            "is {len} bytes but model.json needs exactly {expected} (another model, another version, or truncated)"
        )));
    }
    let vk_path = dir.vk();
    if !vk_path.exists() {
        return Err(malformed(
            &vk_path,
            format!(
                "missing (pk.bin is there): re-run `zkt-eth setup {}` (with --dev or --srs FILE)",
                dir.0.display()
            ),
        ));
    }
    let vk = load_vk(&vk_path)?;
    let bytes = read(&path)?;
    if bytes.len() as u64 != expected || !bytes.len().is_multiple_of(32) {
        return Err(resetup("changed while it was read"));
    }
    // Words are read in place from the file's bytes (no copy: the file is most of prove's load).
    let word = |i: usize| -> Word { bytes[32 * i..32 * i + 32].try_into().unwrap_or([0u8; 32]) };
    let n_words = bytes.len() / 32;
    if word(0) != magic(PK_MAGIC) {
        return Err(resetup("not a zkt-eth proving key (or from another version)"));
    }
    if word(1) != vk.digest() {
        return Err(resetup("belongs to a different vk.bin"));
    }
    let (k, n) = small(&word(2))
        .zip(small(&word(3)))
        .filter(|(k, n)| {
            k.checked_add(*n)
                .and_then(|t| t.checked_mul(2))
                .and_then(|t| t.checked_add(HEADER_WORDS))
                == Some(n_words)
        })
        .ok_or_else(|| resetup("header point counts do not match the file length"))?;
    let points = |range: std::ops::Range<usize>| {
        use rayon::prelude::*;
        range
            .into_par_iter()
            .map(|i| {
                let at = HEADER_WORDS + 2 * i;
                g1_from_words(&word(at), &word(at + 1), at)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| resetup(&e.to_string()))
    };
    let g1 = points(0..k)?;
    let lagrange = points(k..k + n)?;
    let blinds = WeightBlinds::derive(word(4), &model);
    let set_up_for = word(5);
    drop(bytes);
    // The model setup committed to, byte for byte: then its weights are the vk's (setup computed
    // the vk from them). Otherwise (an edited model.json, a renamed layer) the weights are checked
    // against the vk's hiding commitments, which names what differs.
    let mismatch = |e: crate::keys::KeyError| {
        malformed(
            &dir.model(),
            format!(
                "{e}: model.json, pk.bin and vk.bin do not belong together; re-run `zkt-eth setup {}`",
                dir.0.display()
            ),
        )
    };
    check_model_shape_against_vk(&model, &vk, &g1, &lagrange).map_err(mismatch)?;
    if set_up_for != model_digest(&model) {
        check_model_against_vk(&model, &vk, &g1, &lagrange, &blinds).map_err(mismatch)?;
    }
    Ok(ProvingKey {
        model,
        g1,
        lagrange,
        blinds,
        vk,
    })
}

/// A proof file: the proof and its public statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofFile {
    /// Digest of the vk the proof was made for.
    pub vk_digest: Word,
    /// Public inputs (empty when private or committed).
    pub inputs: Vec<i64>,
    /// Public outputs (fixed point, scale `2^s`).
    pub outputs: Vec<i64>,
    /// The input commitment (committed input only).
    pub commitment: Option<ark_bn254::G1Affine>,
    /// The proof bytes.
    pub proof: Vec<u8>,
}

/// Magic of a proof file whose input is public or private.
pub const PROOF_MAGIC: &str = "zkt-eth.proof.v1";
/// Magic of a proof file whose input is committed: the two input words are the commitment's `x`, `y`.
pub const PROOF_MAGIC_COMMITTED: &str = "zkt-eth.proof.c1";

fn int_word(v: i64) -> Word {
    let mut w = if v < 0 { [0xffu8; 32] } else { [0u8; 32] };
    w[24..].copy_from_slice(&v.to_be_bytes());
    w
}

fn word_int(w: &Word) -> Option<i64> {
    let v = i64::from_be_bytes(w[24..].try_into().ok()?);
    let fill = if v < 0 { 0xff } else { 0 };
    w[..24].iter().all(|b| *b == fill).then_some(v)
}

impl ProofFile {
    /// Encode.
    pub fn to_bytes(&self) -> Vec<u8> {
        let (tag, n_in) = match self.commitment {
            Some(_) => (PROOF_MAGIC_COMMITTED, 2),
            None => (PROOF_MAGIC, self.inputs.len()),
        };
        let mut w = vec![
            magic(tag),
            self.vk_digest,
            word_u64(n_in as u64),
            word_u64(self.outputs.len() as u64),
        ];
        match &self.commitment {
            Some(c) => w.extend(crate::field::g1_to_words(c)),
            None => w.extend(self.inputs.iter().map(|v| int_word(*v))),
        }
        w.extend(self.outputs.iter().map(|v| int_word(*v)));
        let mut out = w.concat();
        out.extend_from_slice(&self.proof);
        out
    }

    /// Decode (the proof bytes themselves are validated by the verifier).
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self, ArtifactError> {
        let w = words(path, bytes)?;
        let committed = w.first() == Some(&magic(PROOF_MAGIC_COMMITTED));
        if w.len() < 4 || !(committed || w[0] == magic(PROOF_MAGIC)) {
            return Err(malformed(path, "not a zkt-eth proof file (made by `zkt-eth prove`)"));
        }
        let (ni, no) = (small(&w[2]), small(&w[3]));
        let (ni, no) = ni
            .zip(no)
            .filter(|(a, b)| {
                a.checked_add(*b)
                    .and_then(|s| s.checked_add(4))
                    .is_some_and(|s| s <= w.len())
            })
            .ok_or_else(|| {
                malformed(
                    path,
                    format!(
                        "header words 2 and 3 (input and output counts) are 0x{} and 0x{}, allowed at most {} together (the words after the header): truncated or damaged; make it again with `zkt-eth prove`",
                        hex::encode(w[2]),
                        hex::encode(w[3]),
                        w.len() - 4
                    ),
                )
            })?;
        let ints = |r: std::ops::Range<usize>| {
            let start = r.start;
            w[r].iter()
                .enumerate()
                .map(|(i, x)| {
                    word_int(x).ok_or_else(|| {
                        malformed(
                            path,
                            format!(
                                "public value word {} is 0x{}, allowed a signed 64-bit integer (sign-extended): damaged; make it again with `zkt-eth prove`",
                                start + i,
                                hex::encode(x)
                            ),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        };
        let (inputs, commitment) = if committed {
            if ni != 2 {
                return Err(malformed(path, format!("a committed-input proof file has 2 commitment words, the header says {ni}: damaged; make it again with `zkt-eth prove`")));
            }
            let c = crate::field::g1_from_words(&w[4], &w[5], 4).map_err(|e| {
                malformed(
                    path,
                    format!("input commitment: {e}; make it again with `zkt-eth prove`"),
                )
            })?;
            (vec![], Some(c))
        } else {
            (ints(4..4 + ni)?, None)
        };
        Ok(Self {
            vk_digest: w[1],
            inputs,
            outputs: ints(4 + ni..4 + ni + no)?,
            commitment,
            proof: bytes[32 * (4 + ni + no)..].to_vec(),
        })
    }

    /// Read from disk.
    pub fn load(path: &Path) -> Result<Self, ArtifactError> {
        Self::from_bytes(path, &read(path)?)
    }

    /// The public values as field elements.
    pub fn public(&self) -> Public {
        Public {
            commitment: self.commitment,
            ..crate::verifier::public_from_ints(&self.inputs, &self.outputs)
        }
    }

    /// The `int256[] inputs` argument of `verify` ([`crate::calldata::abi_inputs`]).
    pub fn abi_inputs(&self) -> Vec<alloy::primitives::I256> {
        crate::calldata::abi_inputs(&self.public())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_file_round_trip_and_errors() {
        let f = ProofFile {
            vk_digest: [7u8; 32],
            inputs: vec![-3, 5],
            outputs: vec![1, -1, 0],
            commitment: None,
            proof: vec![9u8; 64],
        };
        let p = Path::new("p.bin");
        assert_eq!(ProofFile::from_bytes(p, &f.to_bytes()).unwrap(), f);
        let b = f.to_bytes();
        assert!(ProofFile::from_bytes(p, &b[..b.len() - 1]).is_err());
        assert!(ProofFile::from_bytes(p, &b[..96]).is_err());
        assert!(ProofFile::from_bytes(p, &[0u8; 128]).is_err());

        // A committed input: the two input words are the commitment, checked on the curve.
        use ark_ec::AffineRepr;
        let c = ProofFile {
            inputs: vec![],
            commitment: Some(ark_bn254::G1Affine::generator()),
            ..f
        };
        let b = c.to_bytes();
        assert_eq!(ProofFile::from_bytes(p, &b).unwrap(), c);
        assert_eq!(c.abi_inputs().len(), 2);
        let mut bad = b.clone();
        bad[32 * 5 + 31] ^= 1;
        assert!(ProofFile::from_bytes(p, &bad).is_err(), "a commitment off the curve");
    }
}
