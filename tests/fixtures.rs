//! Committed proof fixtures (`contracts/test/fixtures/`) against the current Rust verifier.
//!
//! `script/gen-fixtures.sh` runs the CLI (compile, setup --dev --seed 1, prove, create-verifier,
//! encode-calldata) for the `sample` (public input), `mlp784` (private input), `lenet` (a CNN),
//! `glu` (a product), `lenet-pool` (LeNet's pooling as CosetSum layers), `rescnn` (its max
//! pooling as a CosetMax layer), the Copy models and `lenet-im2col` (a patch layer), then the
//! ignored test [`regenerate_fixtures`] here, which reads those outputs and writes
//! `contracts/test/fixtures/<model>/fixture.json` and the shared `contracts/test/fixtures/corpus.json`.
//! Every invalid variant carries the Solidity custom error it must revert with: the name comes from
//! the Rust verifier's error (mapped one to one, see [`solidity_error`]), the selector and full
//! revert data from the `error` declarations of the generated verifier itself.
//!
//! The other tests check the COMMITTED fixtures against the current code: valid proofs are
//! accepted, every variant and every single-word flip is rejected with the recorded error, the
//! committed verifiers equal what the template renders now. They fail when the proof format, the
//! verifier or the template changed without regenerating: run `script/gen-fixtures.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use alloy::primitives::{keccak256, U256};
use ark_ff::{BigInteger, PrimeField};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use zkt_eth::artifacts::ProofFile;
use zkt_eth::field::EncodingError;
use zkt_eth::keys::{VerifyingKey, Visibility};
use zkt_eth::proof::DecodeError;
use zkt_eth::protocol::{AlgebraError, Layout};
use zkt_eth::verifier::{self, VerifyError};

const REGEN: &str = "the committed fixtures do not match the current code: run script/gen-fixtures.sh";

type Word = [u8; 32];

/// A fixture model.
struct Model {
    name: &'static str,
    contract: &'static str,
    visibility: Visibility,
    /// The ONNX file and input `script/gen-fixtures.sh` compiles and proves.
    source: (&'static str, &'static str),
    /// Extra `compile` flags (`COMPILE=` in the script).
    flags: &'static str,
}

const SAMPLE: Model = Model {
    name: "sample",
    contract: "SampleVerifier",
    visibility: Visibility::Public,
    source: ("models/sample/sample.onnx", "models/sample/input.json"),
    flags: "",
};
const MLP784: Model = Model {
    name: "mlp784",
    contract: "Mlp784Verifier",
    visibility: Visibility::Private,
    source: ("models/mlp784/mlp784.onnx", "models/mlp784/input.json"),
    flags: "",
};
const LENET: Model = Model {
    name: "lenet",
    contract: "LenetVerifier",
    visibility: Visibility::Public,
    source: ("models/lenet/lenet.onnx", "models/lenet/input.json"),
    flags: "",
};
const GLU: Model = Model {
    name: "glu",
    contract: "GluVerifier",
    visibility: Visibility::Public,
    source: ("models/testdata/glu.onnx", "models/testdata/glu.json"),
    flags: "",
};
const LENET_POOL: Model = Model {
    name: "lenet-pool",
    contract: "LenetPoolVerifier",
    visibility: Visibility::Public,
    source: ("models/lenet/lenet.onnx", "models/lenet/input.json"),
    flags: "--pool cosetsum",
};
const RESCNN: Model = Model {
    name: "rescnn",
    contract: "RescnnVerifier",
    visibility: Visibility::Public,
    source: ("models/rescnn/rescnn.onnx", "models/rescnn/input.json"),
    flags: "",
};
const POOL_POOL: Model = Model {
    name: "pool-pool",
    contract: "PoolPoolVerifier",
    visibility: Visibility::Public,
    source: ("models/testdata/pool_pool.onnx", "models/testdata/pool_pool.json"),
    flags: "",
};
const INPUT_POOL: Model = Model {
    name: "input-pool",
    contract: "InputPoolVerifier",
    visibility: Visibility::Private,
    source: ("models/testdata/input_pool.onnx", "models/testdata/input_pool.json"),
    flags: "--pool coset",
};
const INPUT_MAX: Model = Model {
    name: "input-max",
    contract: "InputMaxVerifier",
    visibility: Visibility::Public,
    source: ("models/testdata/input_max.onnx", "models/testdata/input_max.json"),
    flags: "",
};
const LENET_IM2COL: Model = Model {
    name: "lenet-im2col",
    contract: "LenetIm2colVerifier",
    visibility: Visibility::Public,
    source: ("models/lenet/lenet.onnx", "models/lenet/input.json"),
    flags: "--conv im2col",
};
const MODELS: [&Model; 10] = [
    &SAMPLE,
    &MLP784,
    &LENET,
    &GLU,
    &LENET_POOL,
    &RESCNN,
    &POOL_POOL,
    &INPUT_POOL,
    &INPUT_MAX,
    &LENET_IM2COL,
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures_dir() -> PathBuf {
    root().join("contracts/test/fixtures")
}

impl Model {
    fn dir(&self) -> PathBuf {
        fixtures_dir().join(self.name)
    }
    fn build_dir(&self) -> PathBuf {
        root().join("build/fixtures").join(self.name)
    }
    fn verifier_rel(&self) -> String {
        format!("contracts/generated/{}.sol", self.contract)
    }
    fn vk(&self) -> VerifyingKey {
        let path = self.dir().join("vk.bin");
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}; {REGEN}", path.display()));
        VerifyingKey::from_bytes(&bytes).unwrap_or_else(|e| panic!("{}: {e}; {REGEN}", path.display()))
    }
    fn proof_file(&self) -> ProofFile {
        let path = self.dir().join("proof.bin");
        ProofFile::load(&path).unwrap_or_else(|e| panic!("{e}; {REGEN}"))
    }
    fn verifier_source(&self) -> String {
        let path = root().join(self.verifier_rel());
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}; {REGEN}", path.display()))
    }
    fn fixture_json(&self) -> Value {
        read_json(&self.dir().join("fixture.json"))
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}; {REGEN}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}; {REGEN}", path.display()))
}

fn hex0x(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

fn unhex(v: &Value) -> Vec<u8> {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("expected a hex string, got {v}; {REGEN}"));
    hex::decode(s.trim().trim_start_matches("0x")).unwrap_or_else(|e| panic!("bad hex ({e}); {REGEN}"))
}

/// A JSON array of integers as `i128` (a wide output's out-of-range variants reach `±2^63`).
fn ints128(v: &Value) -> Vec<i128> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    x.as_i64()
                        .map(i128::from)
                        .or_else(|| x.as_u64().map(i128::from))
                        .unwrap_or_else(|| panic!("not an integer of at most 64 bits: {x}{REGEN}"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an integer array, got {v}; {REGEN}"))
        .iter()
        .map(|x| {
            x.as_i64()
                .unwrap_or_else(|| panic!("expected an integer, got {x}; {REGEN}"))
        })
        .collect()
}

// ─────────────────────────────────────────────────────────── Solidity errors ──

/// The custom errors declared by a generated verifier: name → canonical signature.
fn solidity_errors(src: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in src.lines() {
        let Some(rest) = line.trim().strip_prefix("error ") else {
            continue;
        };
        let (Some(open), Some(close)) = (rest.find('('), rest.find(')')) else {
            continue;
        };
        let name = rest[..open].trim().to_string();
        let types: Vec<String> = rest[open + 1..close]
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_whitespace().next().unwrap_or("") {
                "uint" => "uint256".to_string(),
                "int" => "int256".to_string(),
                t => t.to_string(),
            })
            .collect();
        out.insert(name.clone(), format!("{name}({})", types.join(",")));
    }
    out
}

fn selector(signature: &str) -> [u8; 4] {
    keccak256(signature.as_bytes())[..4].try_into().unwrap()
}

/// The Solidity custom error (name and arguments) the generated verifier reverts with for a Rust
/// verifier error: the verifiers check the same things in the same order. `None`: no known mapping.
fn solidity_error(e: &VerifyError, vk: &VerifyingKey) -> Option<(&'static str, Vec<usize>)> {
    Some(match e {
        VerifyError::Malformed(DecodeError::Length { expected, got, .. }) => ("ProofLength", vec![*expected, *got]),
        VerifyError::Malformed(DecodeError::Element(EncodingError::ScalarNotCanonical { word })) => {
            ("ScalarNotCanonical", vec![*word])
        }
        VerifyError::Malformed(DecodeError::Element(EncodingError::CoordinateNotCanonical { word })) => {
            ("CoordinateNotCanonical", vec![*word])
        }
        VerifyError::Malformed(DecodeError::Element(EncodingError::NotOnCurve { word })) => {
            ("PointNotOnCurve", vec![*word])
        }
        VerifyError::PublicLength { .. } => {
            let n_in = if vk.input == Visibility::Public {
                vk.input_len()
            } else {
                0
            };
            ("PublicLength", vec![n_in, vk.output_len()])
        }
        VerifyError::InputOutOfWindow { index } => ("InputOutOfWindow", vec![*index]),
        VerifyError::OutputOutOfWindow { index } => ("OutputOutOfWindow", vec![*index]),
        VerifyError::Algebra(AlgebraError::DegenerateChallenge) => ("DegenerateChallenge", vec![]),
        VerifyError::PairingFailed => ("PairingFailed", vec![]),
        VerifyError::InverseMismatch => ("InverseMismatch", vec![]),
        _ => return None,
    })
}

/// The Rust verifier's verdict, expressed as the Solidity verifier's expected behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Verdict {
    valid: bool,
    /// Solidity custom error name ("" when valid or unknown).
    error: String,
    /// Expected full revert data (empty when valid or unknown).
    revert_data: Vec<u8>,
    /// The Rust verifier's message.
    rust_error: String,
}

/// The public values of `inputs` and `outputs` (outputs as `i128`: a wide output's out-of-range
/// variant is `2^63`, which no `i64` holds).
fn public_values(inputs: &[i64], outputs: &[i128]) -> zkt_eth::protocol::Public {
    let fr = |v: i128| {
        let m = ark_bn254::Fr::from(v.unsigned_abs());
        if v < 0 {
            -m
        } else {
            m
        }
    };
    let mut public = verifier::public_from_ints(inputs, &[]);
    public.outputs = outputs.iter().map(|v| fr(*v)).collect();
    public
}

fn wide(v: &[i64]) -> Vec<i128> {
    v.iter().map(|x| i128::from(*x)).collect()
}

fn verdict(
    vk: &VerifyingKey,
    errors: &BTreeMap<String, String>,
    proof: &[u8],
    inputs: &[i64],
    outputs: &[i128],
) -> Verdict {
    let public = public_values(inputs, outputs);
    match verifier::verify(vk, &public, proof) {
        Ok(()) => Verdict {
            valid: true,
            error: String::new(),
            revert_data: vec![],
            rust_error: String::new(),
        },
        Err(e) => {
            let (error, revert_data) = match solidity_error(&e, vk) {
                Some((name, args)) => {
                    let sig = errors.get(name).unwrap_or_else(|| {
                        panic!("the Rust verifier fails with {e:?} but the generated verifier declares no `error {name}`: Rust and Solidity verifiers disagree")
                    });
                    let mut data = selector(sig).to_vec();
                    for a in args {
                        data.extend_from_slice(&U256::from(a).to_be_bytes::<32>());
                    }
                    (name.to_string(), data)
                }
                None => (String::new(), vec![]),
            };
            Verdict {
                valid: false,
                error,
                revert_data,
                rust_error: e.to_string(),
            }
        }
    }
}

// ─────────────────────────────────────────────────────────── proof variants ──

/// What a proof word encodes, found by probing the Rust verifier (set the word to r: a scalar word
/// then fails as non-canonical, a coordinate as a point off the curve).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Scalar,
    X,
    Y,
}

fn classify(vk: &VerifyingKey, file: &ProofFile) -> Vec<Kind> {
    let r = modulus::<ark_bn254::Fr>().to_be_bytes::<32>();
    let public = file.public();
    (0..file.proof.len() / 32)
        .map(|w| {
            let mut b = file.proof.clone();
            b[32 * w..32 * w + 32].copy_from_slice(&r);
            match verifier::verify(vk, &public, &b) {
                Err(VerifyError::Malformed(DecodeError::Element(EncodingError::ScalarNotCanonical { word }))) if word == w => Kind::Scalar,
                Err(VerifyError::Malformed(DecodeError::Element(EncodingError::NotOnCurve { word }))) if word == w => Kind::X,
                Err(VerifyError::Malformed(DecodeError::Element(EncodingError::NotOnCurve { word }))) if word + 1 == w => Kind::Y,
                other => panic!("cannot classify proof word {w}: setting it to r gives {other:?}; {REGEN} (or update tests/fixtures.rs)"),
            }
        })
        .collect()
}

/// A run of proof words of one kind.
#[derive(Clone, Debug)]
struct Section {
    name: String,
    kind: &'static str,
    first: usize,
    words: usize,
}

/// The proof's sections (`docs/proof-format.md`): maximal runs of G1 points (split by commitment
/// round: `Layout::r1_end`, `r2_end`; the points after the `n_commits` commitments are openings)
/// and of scalars (the last scalar run holds the evaluations).
struct Sections {
    list: Vec<Section>,
    words: usize,
}

impl Sections {
    fn new(vk: &VerifyingKey, file: &ProofFile) -> Self {
        let layout = Layout::new(vk);
        let kinds = classify(vk, file);
        assert_eq!(
            kinds.len(),
            layout.proof_words(),
            "proof length differs from Layout::proof_words; {REGEN}"
        );
        let n_points = kinds.iter().filter(|k| **k == Kind::X).count();
        assert_eq!(
            n_points,
            layout.n_commits + zkt_eth::protocol::OPENINGS,
            "G1 points in the proof: commitments + one opening per point"
        );
        let point_section = |i: usize| -> String {
            if i < layout.r1_end {
                "round1_commitments".into()
            } else if i < layout.r2_end {
                "round2_commitments".into()
            } else if i < layout.n_commits {
                "later_commitments".into()
            } else {
                "openings".into()
            }
        };
        let mut list: Vec<Section> = vec![];
        let mut point = 0usize;
        for (w, k) in kinds.iter().enumerate() {
            let (name, kind) = match k {
                // The last word: the inversion hint (Proof::inverse).
                Kind::Scalar if w + 1 == kinds.len() => ("inverse".to_string(), "fr"),
                Kind::Scalar => ("scalars".to_string(), "fr"),
                Kind::X => {
                    point += 1;
                    (point_section(point - 1), "g1")
                }
                Kind::Y => (point_section(point - 1), "g1"),
            };
            match list.last_mut() {
                Some(s) if s.name == name && s.first + s.words == w => s.words += 1,
                _ => list.push(Section {
                    name,
                    kind,
                    first: w,
                    words: 1,
                }),
            }
        }
        let scalar_runs: Vec<usize> = (0..list.len())
            .filter(|i| list[*i].kind == "fr" && list[*i].name != "inverse")
            .collect();
        if let Some(last) = scalar_runs.last() {
            assert_eq!(
                list[*last].words, layout.n_evals,
                "the last scalar run should be the evaluations"
            );
            list[*last].name = "evaluations".into();
        }
        let scalar_runs: Vec<usize> = scalar_runs.into_iter().filter(|i| list[*i].name == "scalars").collect();
        if scalar_runs.len() > 1 {
            for (n, i) in scalar_runs.iter().enumerate() {
                list[*i].name = format!("scalars_{n}");
            }
        }
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for s in &list {
            *seen.entry(s.name.clone()).or_default() += 1;
        }
        let mut count: BTreeMap<String, usize> = BTreeMap::new();
        for s in &mut list {
            if seen[&s.name] > 1 {
                let n = count.entry(s.name.clone()).or_default();
                *n += 1;
                s.name = format!("{}_{}", s.name, *n - 1);
            }
        }
        Self {
            list,
            words: kinds.len(),
        }
    }

    fn section_of(&self, word: usize) -> &str {
        self.list
            .iter()
            .find(|s| (s.first..s.first + s.words).contains(&word))
            .map_or("?", |s| s.name.as_str())
    }

    fn find(&self, prefix: &str) -> Option<&Section> {
        self.list.iter().find(|s| s.name.starts_with(prefix))
    }

    fn json(&self) -> Value {
        Value::Array(
            self.list
                .iter()
                .map(|s| json!({"name": s.name, "kind": s.kind, "first_word": s.first, "words": s.words}))
                .collect(),
        )
    }
}

fn to_words(proof: &[u8]) -> Vec<Word> {
    proof.chunks_exact(32).map(|c| c.try_into().unwrap()).collect()
}

fn u(w: &Word) -> U256 {
    U256::from_be_bytes(*w)
}

fn modulus<F: PrimeField>() -> U256 {
    U256::from_be_slice(&F::MODULUS.to_bytes_be())
}

/// What a variant is built to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Intent {
    Valid,
    /// Rejected; which check fires depends on the protocol (recorded from the Rust verifier).
    Invalid,
    /// Rejected by this check.
    Error(&'static str),
}

/// One proof submission and what it is built to trigger.
struct Variant {
    name: String,
    description: String,
    proof: Vec<u8>,
    inputs: Vec<i64>,
    outputs: Vec<i128>,
    intent: Intent,
}

/// The valid proof and its invalid variants; `other` is another model's proof file.
fn variants(vk: &VerifyingKey, file: &ProofFile, s: &Sections, other: (&str, &ProofFile)) -> Vec<Variant> {
    let words = to_words(&file.proof);
    let p = modulus::<ark_bn254::Fq>();
    let r = modulus::<ark_bn254::Fr>();
    let window = 1i64 << (vk.lookup_bits - 1);
    let public_input = vk.input == Visibility::Public;
    let mut out = vec![];
    let mut push =
        |name: &str, description: String, proof: Vec<u8>, inputs: Vec<i64>, outputs: Vec<i128>, intent: Intent| {
            out.push(Variant {
                name: name.into(),
                description,
                proof,
                inputs,
                outputs,
                intent,
            })
        };
    let with = |f: &dyn Fn(&mut Vec<Word>)| {
        let mut w = words.clone();
        f(&mut w);
        w.concat()
    };
    let (ins, outs) = (file.inputs.clone(), wide(&file.outputs));
    let flip = |w: usize| with(&|v: &mut Vec<Word>| v[w][31] ^= 1);
    let set = |w: usize, x: U256| with(&|v: &mut Vec<Word>| v[w] = x.to_be_bytes::<32>());
    let sec = |prefix: &str| {
        s.find(prefix)
            .unwrap_or_else(|| panic!("the proof has no {prefix} section: update tests/fixtures.rs"))
            .clone()
    };
    let (r1, r2, later, evals, openings, inverse) = (
        sec("round1_commitments"),
        sec("round2_commitments"),
        sec("later_commitments"),
        sec("evaluations"),
        sec("openings"),
        sec("inverse"),
    );
    // Proofs carry no scalars besides the evaluations (every sum claim has total zero).
    let scalars = s.find("scalars").cloned().unwrap_or_else(|| evals.clone());
    // The last commitment before the openings: a quotient commitment.
    let quotient = s
        .list
        .iter()
        .rev()
        .find(|x| x.kind == "g1" && x.name != "openings" && !x.name.starts_with("openings"))
        .unwrap()
        .clone();
    let q = quotient.first + quotient.words - 2;

    push(
        "valid",
        "the honest proof".into(),
        file.proof.clone(),
        ins.clone(),
        outs.clone(),
        Intent::Valid,
    );

    // One flipped bit (the lowest bit of a word) in every section.
    let point = Intent::Error("PointNotOnCurve");
    let flips: Vec<(&str, usize, String, Intent)> = vec![
        (
            "flip_round1_commitment_x",
            r1.first,
            "x of the first round-1 commitment".into(),
            point,
        ),
        (
            "flip_round1_commitment_y",
            r1.first + 1,
            "y of the first round-1 commitment".into(),
            point,
        ),
        (
            "flip_round2_commitment",
            r2.first,
            "x of the first round-2 commitment".into(),
            point,
        ),
        (
            "flip_later_commitment",
            later.first,
            format!("x of the first commitment of the {} section", later.name),
            point,
        ),
        (
            "flip_quotient",
            q,
            "x of the last commitment (a quotient)".into(),
            point,
        ),
        (
            "flip_scalar",
            scalars.first,
            format!("the first word of the {} section", scalars.name),
            Intent::Invalid,
        ),
        (
            "flip_last_scalar",
            scalars.first + scalars.words - 1,
            format!("the last word of the {} section", scalars.name),
            Intent::Invalid,
        ),
        (
            "flip_evaluation",
            evals.first,
            "the first evaluation".into(),
            Intent::Invalid,
        ),
        (
            "flip_last_evaluation",
            evals.first + evals.words - 1,
            "the last evaluation".into(),
            Intent::Invalid,
        ),
        (
            "flip_inverse",
            inverse.first,
            "the inversion hint (the last word)".into(),
            Intent::Invalid,
        ),
        (
            "flip_opening",
            openings.first,
            "x of the first opening proof".into(),
            point,
        ),
        (
            "flip_last_opening_y",
            openings.first + openings.words - 1,
            "y of the last opening proof".into(),
            point,
        ),
    ];
    for (name, w, what, intent) in flips {
        push(
            name,
            format!("lowest bit of word {w} flipped: {what}"),
            flip(w),
            ins.clone(),
            outs.clone(),
            intent,
        );
    }

    // Well-formed but wrong group elements.
    let negate = |w: usize| with(&|v: &mut Vec<Word>| v[w + 1] = (p - u(&v[w + 1])).to_be_bytes::<32>());
    push(
        "negated_round1_commitment",
        format!("first round-1 commitment negated (x, p − y) at word {}", r1.first),
        negate(r1.first),
        ins.clone(),
        outs.clone(),
        Intent::Invalid,
    );
    push(
        "negated_opening",
        format!("first opening proof negated (x, p − y) at word {}", openings.first),
        negate(openings.first),
        ins.clone(),
        outs.clone(),
        Intent::Invalid,
    );
    push(
        "swapped_round1_commitments",
        "the first two round-1 commitments swapped".into(),
        with(&|v: &mut Vec<Word>| {
            v.swap(r1.first, r1.first + 2);
            v.swap(r1.first + 1, r1.first + 3);
        }),
        ins.clone(),
        outs.clone(),
        Intent::Invalid,
    );
    push(
        "generator_as_quotient",
        format!("the last commitment (a quotient) replaced by the generator (1, 2) at word {q}"),
        with(&|v: &mut Vec<Word>| {
            v[q] = U256::from(1).to_be_bytes::<32>();
            v[q + 1] = U256::from(2).to_be_bytes::<32>();
        }),
        ins.clone(),
        outs.clone(),
        Intent::Invalid,
    );

    // Encodings: non-canonical coordinates and scalars, points off the curve, the identity.
    let e0 = evals.first;
    let s0 = scalars.first;
    let o = openings.first;
    let coord = Intent::Error("CoordinateNotCanonical");
    let scalar = Intent::Error("ScalarNotCanonical");
    push(
        "coordinate_x_plus_p",
        format!(
            "x of the first commitment + p (same residue mod p) at word {}",
            r1.first
        ),
        set(r1.first, u(&words[r1.first]) + p),
        ins.clone(),
        outs.clone(),
        coord,
    );
    push(
        "coordinate_y_equals_p",
        format!("y of the first opening proof set to p at word {}", o + 1),
        set(o + 1, p),
        ins.clone(),
        outs.clone(),
        coord,
    );
    push(
        "evaluation_equals_r",
        format!("first evaluation set to r at word {e0}"),
        set(e0, r),
        ins.clone(),
        outs.clone(),
        scalar,
    );
    push(
        "evaluation_plus_r",
        format!("second evaluation + r (same residue mod r) at word {}", e0 + 1),
        set(e0 + 1, u(&words[e0 + 1]) + r),
        ins.clone(),
        outs.clone(),
        scalar,
    );
    push(
        "scalar_plus_r",
        format!(
            "first word of the {} section + r (same residue mod r) at word {s0}",
            scalars.name
        ),
        set(s0, u(&words[s0]) + r),
        ins.clone(),
        outs.clone(),
        scalar,
    );
    push(
        "inverse_plus_r",
        format!("the inversion hint + r (same residue mod r) at word {}", inverse.first),
        set(inverse.first, u(&words[inverse.first]) + r),
        ins.clone(),
        outs.clone(),
        scalar,
    );
    push(
        "scalar_max",
        format!(
            "first word of the {} section set to 2^256 − 1 at word {s0}",
            scalars.name
        ),
        set(s0, U256::MAX),
        ins.clone(),
        outs.clone(),
        scalar,
    );
    push(
        "point_off_curve",
        format!("y of the last commitment (a quotient) + 1 at word {}", q + 1),
        set(q + 1, (u(&words[q + 1]) + U256::from(1)) % p),
        ins.clone(),
        outs.clone(),
        point,
    );
    push(
        "identity_opening",
        format!("first opening proof replaced by the identity (0, 0) at word {o}"),
        with(&|v: &mut Vec<Word>| {
            v[o] = [0u8; 32];
            v[o + 1] = [0u8; 32];
        }),
        ins.clone(),
        outs.clone(),
        point,
    );

    // Lengths.
    let n = file.proof.len();
    let len = Intent::Error("ProofLength");
    push(
        "truncated_last_word",
        "the last 32 bytes removed".into(),
        file.proof[..n - 32].to_vec(),
        ins.clone(),
        outs.clone(),
        len,
    );
    push(
        "truncated_last_byte",
        "the last byte removed".into(),
        file.proof[..n - 1].to_vec(),
        ins.clone(),
        outs.clone(),
        len,
    );
    push(
        "truncated_half",
        "only the first half of the proof".into(),
        file.proof[..n / 2].to_vec(),
        ins.clone(),
        outs.clone(),
        len,
    );
    push(
        "empty_proof",
        "no proof bytes at all".into(),
        vec![],
        ins.clone(),
        outs.clone(),
        len,
    );
    push(
        "extra_word",
        "a zero word appended".into(),
        [file.proof.clone(), vec![0u8; 32]].concat(),
        ins.clone(),
        outs.clone(),
        len,
    );

    // Public values.
    let best = argmax(&file.outputs);
    let bump = |v: i64| if v + 1 < window { v + 1 } else { v - 1 };
    let mut wrong = outs.clone();
    wrong[best] = i128::from(bump(file.outputs[best]));
    push(
        "wrong_output",
        format!("output {best} (the argmax) changed by one unit"),
        file.proof.clone(),
        ins.clone(),
        wrong.clone(),
        Intent::Invalid,
    );
    push(
        "wrong_output_rehinted",
        format!("output {best} changed by one unit, the inversion hint recomputed for it (reaches the pairing)"),
        common::rehint(vk, &public_values(&ins, &wrong), &file.proof),
        ins.clone(),
        wrong,
        Intent::Invalid,
    );
    // Grouped commitments (`Layout::groups`): a group claim binds each member's value, and an
    // extra evaluation (read by no block) is bound by its group claim alone.
    let layout = Layout::new(vk);
    let w_eval = 2 * layout.n_commits;
    let honest = public_values(&ins, &outs);
    if let Some(g) = layout.claims.iter().find(|c| c.evals.len() > 1) {
        let (a, b) = (g.evals[0], g.evals[1]);
        push(
            "group_members_swapped_rehinted",
            format!(
                "evaluations {a} and {b} (two members of one group commitment, at one point) swapped, the inversion hint recomputed (reaches the pairing)"
            ),
            common::rehint(vk, &honest, &with(&|w| w.swap(w_eval + a, w_eval + b))),
            ins.clone(),
            outs.clone(),
            Intent::Error("PairingFailed"),
        );
    }
    if layout.n_block_evals < layout.n_evals {
        let e = layout.n_block_evals;
        push(
            "extra_evaluation_changed_rehinted",
            format!(
                "evaluation {e} (a group member's extra evaluation, read by no block) changed, the inversion hint recomputed (reaches the pairing)"
            ),
            common::rehint(vk, &honest, &with(&|w| w[w_eval + e][31] ^= 1)),
            ins.clone(),
            outs.clone(),
            Intent::Error("PairingFailed"),
        );
    }
    let mut wrong = outs.clone();
    wrong.swap(0, outs.len() - 1);
    if wrong != outs {
        push(
            "swapped_outputs",
            "first and last outputs swapped".into(),
            file.proof.clone(),
            ins.clone(),
            wrong,
            Intent::Invalid,
        );
    }
    // Every output is range-checked to [−2^63, 2^63) (a wide output's only range check): the
    // edges convert like Rust's and reach the pairing; 2^63 and 2^63 + 1 are refused.
    // (Below −2^63 is refused alike on chain; serde_json without arbitrary precision cannot
    // read such a value back, so the corpus does not carry one.)
    let mut wrong = outs.clone();
    let (lo, hi) = (-(1i128 << 63), (1i128 << 63) - 1);
    let last = outs.len() - 1;
    let mut edges = outs.clone();
    edges[0] = lo;
    edges[last] = hi;
    push(
        "output_window_edges_rehinted",
        format!("output 0 set to −2^63 and output {last} to 2^63 − 1, both inside the 64-bit output range, the inversion hint recomputed for them (reaches the pairing)"),
        common::rehint(vk, &public_values(&ins, &edges), &file.proof),
        ins.clone(),
        edges,
        Intent::Error("PairingFailed"),
    );
    wrong[0] = 1i128 << 63;
    push(
        "output_out_of_window",
        "output 0 set to 2^63, just outside its 64-bit range".into(),
        file.proof.clone(),
        ins.clone(),
        wrong.clone(),
        Intent::Error("OutputOutOfWindow"),
    );
    wrong[0] = outs[0];
    wrong[last] = (1i128 << 63) + 1;
    push(
        "last_output_out_of_window",
        format!("output {last} set to 2^63 + 1, above its 64-bit range: the failing index is the last"),
        file.proof.clone(),
        ins.clone(),
        wrong,
        Intent::Error("OutputOutOfWindow"),
    );
    push(
        "missing_output",
        "the last output dropped".into(),
        file.proof.clone(),
        ins.clone(),
        outs[..outs.len() - 1].to_vec(),
        Intent::Error("PublicLength"),
    );
    if public_input {
        let mut wrong = ins.clone();
        wrong[0] = bump(wrong[0]);
        push(
            "wrong_input",
            "input 0 changed by one unit".into(),
            file.proof.clone(),
            wrong,
            outs.clone(),
            Intent::Invalid,
        );
        // The window's edges convert like Rust's (`_toField`): with the hint recomputed for them,
        // the statement reaches the pairing (a wrong conversion would stop at InverseMismatch).
        let last = ins.len() - 1;
        let mut edges = ins.clone();
        edges[0] = -window;
        edges[last] = window - 1;
        push(
            "input_window_edges_rehinted",
            format!(
                "input 0 set to −2^(B−1) = {} and input {last} to 2^(B−1) − 1, both inside the window, the inversion hint recomputed for them (reaches the pairing)",
                -window
            ),
            common::rehint(vk, &public_values(&edges, &outs), &file.proof),
            edges,
            outs.clone(),
            Intent::Error("PairingFailed"),
        );
        let mut above = ins.clone();
        above[last] = window;
        push(
            "last_input_out_of_window",
            format!("input {last} set to {window} = 2^(B−1), just above the window: the failing index is the last"),
            file.proof.clone(),
            above,
            outs.clone(),
            Intent::Error("InputOutOfWindow"),
        );
        let mut wrong = ins.clone();
        wrong[0] = -window - 1;
        push(
            "input_out_of_window",
            format!("input 0 set to {}, just below the lookup window", -window - 1),
            file.proof.clone(),
            wrong,
            outs.clone(),
            Intent::Error("InputOutOfWindow"),
        );
        push(
            "missing_input",
            "the last input dropped".into(),
            file.proof.clone(),
            ins[..ins.len() - 1].to_vec(),
            outs.clone(),
            Intent::Error("PublicLength"),
        );
    } else {
        push(
            "unexpected_input",
            "one public input given although the input is private".into(),
            file.proof.clone(),
            vec![0],
            outs.clone(),
            Intent::Error("PublicLength"),
        );
    }

    // Another model's valid proof with its own public values: refused by its length, else by its
    // public values' shape, else by the algebra.
    let foreign = if other.1.proof.len() != file.proof.len() {
        len
    } else if other.1.inputs.len() != ins.len() || other.1.outputs.len() != outs.len() {
        Intent::Error("PublicLength")
    } else {
        Intent::Error("InverseMismatch")
    };
    push(
        &format!("{}_proof", other.0),
        format!(
            "the valid {} proof (with its own inputs and outputs) sent to this verifier",
            other.0
        ),
        other.1.proof.clone(),
        other.1.inputs.clone(),
        wide(&other.1.outputs),
        foreign,
    );
    out
}

/// Index of the largest value, first on ties (as `MLOracle.argmax`).
fn argmax(v: &[i64]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}

fn entry_json(v: &Variant, d: &Verdict, errors: &BTreeMap<String, String>) -> Value {
    json!({
        "name": v.name,
        "description": v.description,
        "expected": if d.valid { "valid" } else { "invalid" },
        "error": d.error,
        "selector": if d.error.is_empty() { "0x".to_string() } else { hex0x(&selector(&errors[&d.error])) },
        "revert_data": hex0x(&d.revert_data),
        "rust_error": d.rust_error,
        "proof": hex0x(&v.proof),
        "inputs": v.inputs,
        "outputs": v.outputs,
    })
}

/// The Rust verdict for `v`, which must be the one it was built for.
fn checked_verdict(vk: &VerifyingKey, errors: &BTreeMap<String, String>, v: &Variant) -> Verdict {
    let d = verdict(vk, errors, &v.proof, &v.inputs, &v.outputs);
    match v.intent {
        Intent::Valid => assert!(d.valid, "variant {}: the valid proof is rejected: {}", v.name, d.rust_error),
        Intent::Invalid => assert!(!d.valid, "variant {} ({}) is accepted by the Rust verifier", v.name, v.description),
        Intent::Error(err) => assert!(
            !d.valid && d.error == err,
            "variant {} ({}) was built to fail with {err} but the Rust verifier says {:?}; fix the variant or the verifier",
            v.name,
            v.description,
            d
        ),
    }
    d
}

fn word_flips(vk: &VerifyingKey, errors: &BTreeMap<String, String>, file: &ProofFile) -> Vec<Verdict> {
    (0..file.proof.len() / 32)
        .map(|w| {
            let mut b = file.proof.clone();
            b[32 * w + 31] ^= 1;
            verdict(vk, errors, &b, &file.inputs, &wide(&file.outputs))
        })
        .collect()
}

// ─────────────────────────────────────────────────────────────── regenerate ──

/// Writes `fixture.json` per model and `corpus.json` from the CLI outputs of `script/gen-fixtures.sh`.
#[test]
#[ignore = "run by script/gen-fixtures.sh after the CLI steps"]
fn regenerate_fixtures() {
    let files: Vec<ProofFile> = MODELS.iter().map(|m| m.proof_file()).collect();
    let mut sample_entries = None;
    for (i, m) in MODELS.iter().enumerate() {
        let vk = m.vk();
        let file = &files[i];
        let j = (i + 1) % MODELS.len();
        let other = (MODELS[j].name, &files[j]);
        assert_eq!(vk.input, m.visibility, "{}: wrong input visibility in vk.bin", m.name);
        assert_eq!(
            file.vk_digest,
            vk.digest(),
            "{}: proof.bin was made for another vk",
            m.name
        );
        let src = m.verifier_source();
        let rendered = zkt_eth::solidity::render(&vk, m.contract, m.name, "../IZkTorchVerifier.sol").unwrap();
        let raw_path = m.build_dir().join(format!("{}.sol", m.contract));
        let raw = std::fs::read_to_string(&raw_path).unwrap_or_else(|e| panic!("{}: {e}", raw_path.display()));
        assert!(
            rendered == raw,
            "{}: `zkt-eth create-verifier` output differs from solidity::render(vk, {}, {}): update tests/fixtures.rs",
            raw_path.display(),
            m.contract,
            m.name
        );
        assert!(
            forge_fmt(&rendered) == src,
            "{} is not `forge fmt` of {}",
            m.verifier_rel(),
            raw_path.display()
        );
        let errors = solidity_errors(&src);
        let cli_path = m.build_dir().join("create-verifier.json");
        let cli = read_json(&cli_path);
        let runtime_bytes = cli["runtime_bytes"]
            .as_u64()
            .unwrap_or_else(|| panic!("{}: no runtime_bytes", cli_path.display()));
        assert_eq!(
            cli["vk_digest"].as_str(),
            Some(hex0x(&vk.digest()).as_str()),
            "{}: another vk",
            cli_path.display()
        );
        let calldata = std::fs::read_to_string(m.dir().join("calldata.hex")).unwrap();
        let encoded = zkt_eth::calldata::encode_verify(&file.proof, &file.inputs, &file.outputs);
        assert_eq!(
            calldata.trim(),
            hex0x(&encoded),
            "{}: calldata.hex is not encode_verify(proof.bin)",
            m.name
        );

        let sections = Sections::new(&vk, file);
        let vs = variants(&vk, file, &sections, other);
        let entries: Vec<(Variant, Verdict)> = vs
            .into_iter()
            .map(|v| {
                let d = checked_verdict(&vk, &errors, &v);
                (v, d)
            })
            .collect();
        let flips = word_flips(&vk, &errors, file);
        for (w, d) in flips.iter().enumerate() {
            assert!(
                !d.valid,
                "{}: flipping word {w} ({}) leaves the proof valid",
                m.name,
                sections.section_of(w)
            );
        }
        let window = 1i64 << (vk.lookup_bits - 1);
        let scale = (1u64 << vk.scale_bits) as f64;
        let packed: Vec<u8> = file
            .inputs
            .iter()
            .flat_map(|x| alloy::primitives::I256::try_from(*x).unwrap().to_be_bytes::<32>())
            .collect();
        let fixture = json!({
            "format": "zkt-eth proof fixture v1",
            "regenerate": "script/gen-fixtures.sh",
            "model": m.name,
            "onnx": m.source.0,
            "input_file": m.source.1,
            "compile_flags": m.flags,
            "contract": m.contract,
            "verifier_source": m.verifier_rel(),
            "input_visibility": if vk.input == Visibility::Public { "public" } else { "private" },
            "insecure_dev_srs": vk.insecure,
            "vk_digest": hex0x(&vk.digest()),
            "scale_bits": vk.scale_bits,
            "lookup_bits": vk.lookup_bits,
            "window": window,
            "output_bits": zkt_eth::verifier::OUTPUT_BITS,
            "wide_output": vk.wide_output(),
            "public_inputs": if vk.input == Visibility::Public { vk.input_len() } else { 0 },
            "output_count": vk.output_len(),
            "runtime_bytes": runtime_bytes,
            "proof_words": sections.words,
            "proof_bytes": file.proof.len(),
            "calldata_bytes": encoded.len(),
            "sections": sections.json(),
            "proof": hex0x(&file.proof),
            "inputs": file.inputs,
            "outputs": file.outputs,
            "outputs_real": file.outputs.iter().map(|o| *o as f64 / scale).collect::<Vec<_>>(),
            "argmax": argmax(&file.outputs),
            "input_hash": hex0x(keccak256(&packed).as_slice()),
            "selectors": errors.iter().map(|(n, s)| (n.clone(), Value::String(hex0x(&selector(s))))).collect::<serde_json::Map<_, _>>(),
            "signatures": errors,
            "invalid_count": entries.len() - 1,
            "invalid": entries.iter().skip(1).map(|(v, d)| entry_json(v, d, &errors)).collect::<Vec<_>>(),
            "word_flip_errors": flips.iter().map(|d| d.error.clone()).collect::<Vec<_>>(),
            "word_flip_revert_data": flips.iter().map(|d| hex0x(&d.revert_data)).collect::<Vec<_>>(),
        });
        write_json(&m.dir().join("fixture.json"), &fixture);
        println!(
            "{}: {} invalid variants, {} word flips, runtime {runtime_bytes} bytes",
            m.name,
            entries.len() - 1,
            flips.len()
        );
        if m.name == SAMPLE.name {
            sample_entries = Some((
                entries
                    .iter()
                    .map(|(v, d)| entry_json(v, d, &errors))
                    .collect::<Vec<_>>(),
                errors.clone(),
                hex0x(&vk.digest()),
            ));
        }
    }
    let (entries, errors, digest) = sample_entries.unwrap();
    let corpus = json!({
        "format": "zkt-eth verifier corpus v1",
        "regenerate": "script/gen-fixtures.sh",
        "about": "Proof submissions for the sample model's verifier (contracts/generated/SampleVerifier.sol) with the verdict both the Rust and the Solidity verifier must give: expected is valid or invalid; error/selector/revert_data give the Solidity custom error (empty when valid).",
        "model": SAMPLE.name,
        "contract": SAMPLE.contract,
        "vk_digest": digest,
        "selectors": errors.iter().map(|(n, s)| (n.clone(), Value::String(hex0x(&selector(s))))).collect::<serde_json::Map<_, _>>(),
        "count": entries.len(),
        "entries": entries,
    });
    write_json(&fixtures_dir().join("corpus.json"), &corpus);
}

/// `src` formatted by `forge fmt` with the repository's foundry.toml: the committed verifiers are
/// formatted so that `forge fmt --check` passes on the whole project.
fn forge_fmt(src: &str) -> String {
    // forge 1.7's formatter is not idempotent on long literals: format until it is a fixed point.
    let mut cur = forge_fmt_once(src);
    for _ in 0..4 {
        let next = forge_fmt_once(&cur);
        if next == cur {
            return cur;
        }
        cur = next;
    }
    panic!("forge fmt does not reach a fixed point")
}

fn forge_fmt_once(src: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let forge = zkt_eth::toolchain::forge_path().unwrap_or_else(|e| panic!("forge not found ({e}): run `npm ci`"));
    let mut child = Command::new(forge)
        .current_dir(root())
        .args(["fmt", "--raw", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(src.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "forge fmt failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn write_json(path: &Path, v: &Value) {
    let mut text = serde_json::to_string_pretty(v).unwrap();
    text.push('\n');
    zkt_eth::artifacts::write_atomic(path, text.as_bytes()).unwrap();
}

// ──────────────────────────────────────────────────── checks of the committed ──

/// Compares a committed entry with the current Rust verdict.
fn check_entry(vk: &VerifyingKey, errors: &BTreeMap<String, String>, e: &Value, context: &str) -> Result<(), String> {
    let name = e["name"].as_str().unwrap_or("?");
    let d = verdict(
        vk,
        errors,
        &unhex(&e["proof"]),
        &ints(&e["inputs"]),
        &ints128(&e["outputs"]),
    );
    let expected = e["expected"].as_str().unwrap_or("?");
    let got = if d.valid { "valid" } else { "invalid" };
    if expected != got {
        return Err(format!(
            "{context} {name}: expected {expected}, the Rust verifier says {got} ({})",
            d.rust_error
        ));
    }
    if e["error"].as_str() != Some(d.error.as_str()) || unhex(&e["revert_data"]) != d.revert_data {
        return Err(format!(
            "{context} {name}: recorded error {} ({}), the Rust verifier now maps to {} ({}) [{}]",
            e["error"],
            e["revert_data"],
            d.error,
            hex0x(&d.revert_data),
            d.rust_error
        ));
    }
    let sel = unhex(&e["selector"]);
    if !d.error.is_empty() && sel != selector(&errors[&d.error]) {
        return Err(format!(
            "{context} {name}: selector {} is not that of {}",
            e["selector"], errors[&d.error]
        ));
    }
    Ok(())
}

fn fail_on(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{} problem(s):\n  {}\n{REGEN}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn committed_fixtures_verify() {
    let mut problems = vec![];
    for m in MODELS {
        let vk = m.vk();
        let file = m.proof_file();
        let fx = m.fixture_json();
        let errors = solidity_errors(&m.verifier_source());
        let words = Layout::new(&vk).proof_words();
        let digest = hex0x(&vk.digest());
        let mut expect = |what: &str, ok: bool| {
            if !ok {
                problems.push(format!("{}: {what}", m.name));
            }
        };
        expect(
            "vk digest in fixture.json differs from vk.bin",
            fx["vk_digest"].as_str() == Some(digest.as_str()),
        );
        expect("proof.bin was made for another vk", file.vk_digest == vk.digest());
        expect(
            "proof in fixture.json differs from proof.bin",
            unhex(&fx["proof"]) == file.proof,
        );
        expect(
            "inputs in fixture.json differ from proof.bin",
            ints(&fx["inputs"]) == file.inputs,
        );
        expect(
            "outputs in fixture.json differ from proof.bin",
            ints(&fx["outputs"]) == file.outputs,
        );
        expect(
            "scale_bits differ from vk.bin",
            fx["scale_bits"].as_u64() == Some(vk.scale_bits.into()),
        );
        expect(
            "lookup_bits differ from vk.bin",
            fx["lookup_bits"].as_u64() == Some(vk.lookup_bits.into()),
        );
        expect(
            "argmax differs",
            fx["argmax"].as_u64() == Some(argmax(&file.outputs) as u64),
        );
        expect(
            &format!(
                "the proof layout changed: fixture has {} words, Layout now says {words}",
                fx["proof_words"]
            ),
            fx["proof_words"].as_u64() == Some(words as u64) && file.proof.len() == 32 * words,
        );
        if file.proof.len() == 32 * words {
            expect(
                "proof sections changed",
                fx["sections"] == Sections::new(&vk, &file).json(),
            );
        }
        let calldata = std::fs::read_to_string(m.dir().join("calldata.hex")).unwrap_or_default();
        let encoded = zkt_eth::calldata::encode_verify(&file.proof, &file.inputs, &file.outputs);
        expect(
            "calldata.hex is not encode_verify(proof.bin)",
            calldata.trim() == hex0x(&encoded),
        );
        match verifier::verify(&vk, &file.public(), &file.proof) {
            Ok(()) => {}
            Err(e) => problems.push(format!(
                "{}: the valid proof is rejected by the current Rust verifier: {e}",
                m.name
            )),
        }
        let invalid = fx["invalid"].as_array().cloned().unwrap_or_default();
        if invalid.len() < 20 || fx["invalid_count"].as_u64() != Some(invalid.len() as u64) {
            problems.push(format!(
                "{}: fixture.json lists {} invalid variants",
                m.name,
                invalid.len()
            ));
        }
        for e in &invalid {
            if e["expected"] != "invalid" {
                problems.push(format!(
                    "{}: invalid list holds {} expected {}",
                    m.name, e["name"], e["expected"]
                ));
            }
            if let Err(p) = check_entry(&vk, &errors, e, m.name) {
                problems.push(p);
            }
        }
    }
    fail_on(problems);
}

#[test]
fn corpus_matches_rust_verifier() {
    let corpus = read_json(&fixtures_dir().join("corpus.json"));
    let vk = SAMPLE.vk();
    let errors = solidity_errors(&SAMPLE.verifier_source());
    let entries = corpus["entries"].as_array().cloned().unwrap_or_default();
    let mut problems = vec![];
    if corpus["vk_digest"].as_str() != Some(hex0x(&vk.digest()).as_str()) {
        problems.push("corpus vk_digest differs from contracts/test/fixtures/sample/vk.bin".into());
    }
    if corpus["count"].as_u64() != Some(entries.len() as u64) || entries.len() < 13 {
        problems.push(format!(
            "corpus has {} entries (count {})",
            entries.len(),
            corpus["count"]
        ));
    }
    let valid: Vec<_> = entries.iter().filter(|e| e["expected"] == "valid").collect();
    if valid.len() != 1 || unhex(&valid[0]["proof"]) != SAMPLE.proof_file().proof {
        problems.push("the corpus must hold exactly one valid entry: the sample proof.bin".into());
    }
    let names: Vec<&str> = entries.iter().filter_map(|e| e["name"].as_str()).collect();
    for required in [
        "flip_round1_commitment_x",
        "flip_round2_commitment",
        "flip_scalar",
        "flip_quotient",
        "flip_evaluation",
        "flip_opening",
        "coordinate_x_plus_p",
        "evaluation_equals_r",
        "point_off_curve",
        "truncated_last_word",
        "wrong_output",
        "wrong_output_rehinted",
        "flip_inverse",
        "inverse_plus_r",
        "wrong_input",
        "mlp784_proof",
    ] {
        if !names.contains(&required) {
            problems.push(format!("corpus lacks the {required} entry"));
        }
    }
    for e in &entries {
        if let Err(p) = check_entry(&vk, &errors, e, "corpus") {
            problems.push(p);
        }
    }
    fail_on(problems);
}

#[test]
fn every_word_flip_is_rejected_as_recorded() {
    let mut problems = vec![];
    for m in MODELS {
        let vk = m.vk();
        let file = m.proof_file();
        let fx = m.fixture_json();
        let errors = solidity_errors(&m.verifier_source());
        let names = fx["word_flip_errors"].as_array().cloned().unwrap_or_default();
        let data = fx["word_flip_revert_data"].as_array().cloned().unwrap_or_default();
        let flips = word_flips(&vk, &errors, &file);
        if names.len() != flips.len() || data.len() != flips.len() {
            problems.push(format!(
                "{}: {} recorded word flips, the proof has {} words",
                m.name,
                names.len(),
                flips.len()
            ));
            continue;
        }
        let sections = Sections::new(&vk, &file);
        for (w, d) in flips.iter().enumerate() {
            if d.valid {
                problems.push(format!(
                    "{}: flipping word {w} ({}) leaves the proof VALID",
                    m.name,
                    sections.section_of(w)
                ));
            } else if names[w].as_str() != Some(d.error.as_str()) || unhex(&data[w]) != d.revert_data {
                problems.push(format!(
                    "{}: word {w} ({}): recorded {}, now {} ({})",
                    m.name,
                    sections.section_of(w),
                    names[w],
                    d.error,
                    d.rust_error
                ));
            }
        }
    }
    fail_on(problems);
}

#[test]
fn generated_verifiers_match_template() {
    let mut problems = vec![];
    for m in MODELS {
        let vk = m.vk();
        let src = m.verifier_source();
        let rendered = zkt_eth::solidity::render(&vk, m.contract, m.name, "../IZkTorchVerifier.sol").unwrap();
        if forge_fmt(&rendered) != src {
            problems.push(format!(
                "{} differs from what the template renders (then `forge fmt`) for contracts/test/fixtures/{}/vk.bin now",
                m.verifier_rel(),
                m.name
            ));
        }
        let fx = m.fixture_json();
        let errors = solidity_errors(&src);
        for (name, sig) in &errors {
            if fx["selectors"][name].as_str() != Some(hex0x(&selector(sig)).as_str()) {
                problems.push(format!("{}: selector of {sig} not recorded in fixture.json", m.name));
            }
        }
        for name in [
            "ProofLength",
            "ScalarNotCanonical",
            "CoordinateNotCanonical",
            "PointNotOnCurve",
            "PublicLength",
            "InverseMismatch",
            "PairingFailed",
        ] {
            if !errors.contains_key(name) {
                problems.push(format!("{}: declares no `error {name}`", m.verifier_rel()));
            }
        }
    }
    fail_on(problems);
}
