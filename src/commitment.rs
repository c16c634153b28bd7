//! Committed inputs: the data owner's hiding commitment to a model input, and its opening
//! (`docs/protocols/input_binding.md`).
//!
//! `C = [c(τ)]₁` with `c = x̂ + r·Z_{N₀}`: `x̂` interpolates the quantized input on its tensor
//! domain `H_{N₀}` (zero padding included, so the padding is bound too) and `r` is a secret
//! uniformly random scalar. `C` is **binding** (KZG: two inputs with one `C` would break the
//! discrete-log assumption on the SRS) and **perfectly hiding** (`r·[Z_{N₀}(τ)]₁` is a uniform group
//! element whatever the input, so even a two-element input space stays hidden). It costs the
//! verifier one ecMul and 64 calldata bytes per proof. The owner keeps the opening (input and `r`)
//! and gives it to the prover; the commitment is public (published, signed, or stored on chain).

use crate::field::{fr_from_word, fr_to_word, g1_from_words, g1_to_words};
use crate::keys::{VerifyingKey, Visibility};
use crate::kzg::{commit, KzgError};
use crate::poly::random_fr;
use crate::protocol::tensor_domain;
use ark_bn254::{Fr, G1Affine};
use ark_poly::univariate::DensePolynomial;
use rand::RngCore;
use serde::{Deserialize, Serialize};

/// Format tag of an opening file.
pub const OPENING_FORMAT: &str = "zkt-eth.input-opening.v1";

/// Why an input cannot be committed, or an opening does not match.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommitmentError {
    /// The vk's input is not committed.
    #[error("this verifying key's input is {0}, not committed: run `zkt-eth setup --visibility committed`")]
    NotCommitted(&'static str),
    /// Wrong input length.
    #[error("the input has {got} values, the model takes {expected}")]
    InputLength {
        /// Model input length.
        expected: usize,
        /// Given.
        got: usize,
    },
    /// A value outside the lookup window.
    #[error("input value {index} is {value}, outside the model's window [{lo}, {hi}): no proof could use it")]
    OutOfWindow {
        /// Position.
        index: usize,
        /// Value.
        value: i64,
        /// Window start.
        lo: i64,
        /// Window end (exclusive).
        hi: i64,
    },
    /// A committed-input proof without the input's opening.
    #[error("this verifying key's input is committed: give the input's opening (`zkt-eth commit-input`, then `prove --opening`)")]
    MissingOpening,
    /// The SRS is too short.
    #[error(transparent)]
    Kzg(#[from] KzgError),
    /// The opening does not open the commitment.
    #[error("the opening does not match its commitment (wrong input, blinding or SRS): commit again with `zkt-eth commit-input`")]
    Mismatch,
    /// The opening file is malformed.
    #[error("malformed opening: {0}; make it again with `zkt-eth commit-input`")]
    Malformed(String),
}

/// A committed input's opening: the secret input and blinding, and the public commitment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputOpening {
    /// The quantized input.
    pub input: Vec<i64>,
    /// The blinding `r` (one scalar).
    pub blind: Vec<Fr>,
    /// `C`.
    pub commitment: G1Affine,
}

/// `c = x̂ + r·Z_{N₀}` ([`crate::poly::Domain::blinded_by`]), the input placed as the proof lays out the model
/// input ([`crate::blocks::Tensor::place`]: value `i` at `bitrev(i)`).
fn polynomial(vk: &VerifyingKey, input: &[i64], blind: &[Fr]) -> DensePolynomial<Fr> {
    let (tensors, _) = crate::blocks::lower(vk);
    let x = &tensors[0];
    let values: Vec<Fr> = x.place(input).into_iter().map(crate::field::fr_from_i64).collect();
    x.dom.blinded_by(&values, blind.to_vec()).poly
}

fn check_input(vk: &VerifyingKey, input: &[i64]) -> Result<(), CommitmentError> {
    if vk.input != Visibility::Committed {
        return Err(CommitmentError::NotCommitted(vk.input.name()));
    }
    if input.len() != vk.input_len() {
        return Err(CommitmentError::InputLength {
            expected: vk.input_len(),
            got: input.len(),
        });
    }
    let half = 1i64 << (vk.lookup_bits - 1);
    if let Some((index, value)) = input.iter().enumerate().find(|(_, v)| !(-half..half).contains(*v)) {
        return Err(CommitmentError::OutOfWindow {
            index,
            value: *value,
            lo: -half,
            hi: half,
        });
    }
    Ok(())
}

/// The number of G1 powers a commitment needs: `N₀ + 1`.
pub fn srs_len(vk: &VerifyingKey) -> usize {
    tensor_domain(vk.input_len()).size() + 1
}

/// Commit to `input` for `vk` with the SRS powers `g1` (the vk's SRS).
pub fn commit_input(
    vk: &VerifyingKey,
    g1: &[G1Affine],
    input: &[i64],
    rng: &mut impl RngCore,
) -> Result<InputOpening, CommitmentError> {
    check_input(vk, input)?;
    let blind = vec![random_fr(rng)];
    let commitment = commit(g1, &polynomial(vk, input, &blind))?;
    Ok(InputOpening {
        input: input.to_vec(),
        blind,
        commitment,
    })
}

impl InputOpening {
    /// The committed polynomial `c` on `vk`'s input domain.
    pub fn polynomial(&self, vk: &VerifyingKey) -> DensePolynomial<Fr> {
        polynomial(vk, &self.input, &self.blind)
    }

    /// Check that the opening is a valid input for `vk` and opens its commitment under `g1`.
    pub fn check(&self, vk: &VerifyingKey, g1: &[G1Affine]) -> Result<(), CommitmentError> {
        check_input(vk, &self.input)?;
        if commit(g1, &self.polynomial(vk))? != self.commitment {
            return Err(CommitmentError::Mismatch);
        }
        Ok(())
    }

    /// `0x` + 128 hex digits: `x ‖ y` of `C` (the two `int256` words `verify` takes as inputs).
    pub fn commitment_hex(&self) -> String {
        commitment_hex(&self.commitment)
    }

    /// The opening file (JSON; the blinding is secret).
    pub fn to_json(&self, vk: &VerifyingKey) -> serde_json::Value {
        serde_json::json!({
            "format": OPENING_FORMAT,
            "vk_digest": format!("0x{}", hex::encode(vk.digest())),
            "commitment": self.commitment_hex(),
            "input": self.input,
            "blinding": self.blind.iter().map(|b| format!("0x{}", hex::encode(fr_to_word(b)))).collect::<Vec<_>>(),
        })
    }

    /// Parse an opening file and check it belongs to `vk`.
    pub fn from_json(text: &str, vk: &VerifyingKey) -> Result<Self, CommitmentError> {
        #[derive(Deserialize, Serialize)]
        struct File {
            format: String,
            vk_digest: String,
            commitment: String,
            input: Vec<i64>,
            blinding: Vec<String>,
        }
        let bad = |s: String| CommitmentError::Malformed(s);
        let f: File = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        if f.format != OPENING_FORMAT {
            return Err(bad(format!("format is {:?}, expected {OPENING_FORMAT:?}", f.format)));
        }
        let digest = format!("0x{}", hex::encode(vk.digest()));
        if f.vk_digest != digest {
            return Err(bad(format!("it was made for vk {}, this vk is {digest}", f.vk_digest)));
        }
        if f.blinding.len() != 1 {
            return Err(bad(format!("{} blinding scalars, expected 1", f.blinding.len())));
        }
        let word = |s: &str, what: &str| -> Result<[u8; 32], CommitmentError> {
            let b = hex::decode(s.trim_start_matches("0x")).map_err(|e| bad(format!("{what}: {e}")))?;
            <[u8; 32]>::try_from(b.as_slice()).map_err(|_| bad(format!("{what}: not 32 bytes")))
        };
        let blind = f
            .blinding
            .iter()
            .map(|s| fr_from_word(&word(s, "blinding")?, 0).map_err(|e| bad(format!("blinding: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let commitment = parse_commitment(&f.commitment).map_err(bad)?;
        check_input(vk, &f.input)?;
        Ok(Self {
            input: f.input,
            blind,
            commitment,
        })
    }
}

/// `0x` + `x ‖ y` (128 hex digits).
pub fn commitment_hex(c: &G1Affine) -> String {
    let [x, y] = g1_to_words(c);
    format!("0x{}{}", hex::encode(x), hex::encode(y))
}

/// Parse `0x` + 128 hex digits into a point on the curve (not the identity).
pub fn parse_commitment(s: &str) -> Result<G1Affine, String> {
    let b = hex::decode(s.trim_start_matches("0x")).map_err(|e| format!("commitment: {e}"))?;
    if b.len() != 64 {
        return Err(format!("commitment: {} bytes, expected 64 (x ‖ y)", b.len()));
    }
    let (x, y) = (<[u8; 32]>::try_from(&b[..32]), <[u8; 32]>::try_from(&b[32..]));
    let (Ok(x), Ok(y)) = (x, y) else {
        return Err("commitment: expected 64 bytes".into());
    };
    let p = g1_from_words(&x, &y, 0).map_err(|e| format!("commitment: {e}"))?;
    if ark_ec::AffineRepr::is_zero(&p) {
        return Err("commitment: the point at infinity is no input's commitment".into());
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn tiny_model() -> crate::model::QuantizedModel {
        use crate::model::{Activation, DenseLayer, QuantizedModel};
        QuantizedModel {
            name: "tiny".into(),
            scale_bits: 2,
            lookup_bits: 6,
            input_shape: vec![1, 3],
            dropped: None,
            fold_log: crate::blocks::fold::DEFAULT_FOLD_LOG,
            layers: vec![DenseLayer {
                name: "fc".into(),
                weights: vec![vec![1, -2, 3], vec![0, 1, 1]],
                bias: vec![0, 4],
                activation: Activation::Identity,
                op: Default::default(),
                mixed: false,
                map: vec![],
            }],
        }
    }

    #[test]
    fn commitments_bind_hide_and_round_trip() {
        let model = tiny_model();
        let srs = crate::srs::Srs::dev(1, crate::keys::srs_len_for(&model));
        let pk = crate::keys::ProvingKey::setup(&model, &srs, Visibility::Committed).unwrap();
        let vk = &pk.vk;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let input: Vec<i64> = (0..vk.input_len() as i64).collect();
        let a = commit_input(vk, &pk.g1, &input, &mut rng).unwrap();
        let b = commit_input(vk, &pk.g1, &input, &mut rng).unwrap();
        assert_ne!(a.commitment, b.commitment, "hiding: fresh blinding, fresh commitment");
        a.check(vk, &pk.g1).unwrap();
        let mut other = a.clone();
        other.input[0] += 1;
        assert!(matches!(other.check(vk, &pk.g1), Err(CommitmentError::Mismatch)));
        let text = a.to_json(vk).to_string();
        assert_eq!(InputOpening::from_json(&text, vk).unwrap(), a);
        assert!(InputOpening::from_json(&text.replace("input-opening", "x"), vk).is_err());
        assert!(matches!(
            commit_input(vk, &pk.g1, &input[1..], &mut rng),
            Err(CommitmentError::InputLength { .. })
        ));
    }
}
