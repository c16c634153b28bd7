//! Seeded, bounded fuzzing of every loader: mutated `model.json`, `pk.bin`, `vk.bin`, `proof.bin`
//! (public and committed input), input openings (`commit-input`), `.ptau` and ONNX files must give a clean `Err` (or a valid value that the next stage handles
//! without panicking), never a panic, and the whole run must stay small in memory.
//!
//! Each case writes one mutated file, calls the library loader inside `catch_unwind`, and, when the
//! loader accepts it, runs the stage that consumes it (prove after a model or pk, verify after a vk or
//! proof, the SRS checks after a ptau). Defaults: seed 1 and 80 cases per file type, about ten
//! seconds in the dev profile. Longer local run (README, Development):
//!
//! ```sh
//! ZKT_FUZZ_SEED=$RANDOM ZKT_FUZZ_CASES=2000 cargo test --test fuzz_loaders -- --nocapture
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use rand::{seq::SliceRandom, Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use zkt_eth::artifacts::{self, BuildDir, ProofFile};
use zkt_eth::keys::{srs_len_for, ProvingKey, Visibility};
use zkt_eth::model::QuantizedModel;
use zkt_eth::onnx::{self, QuantizeOptions};
use zkt_eth::resources::{self, MemorySize};
use zkt_eth::srs::Srs;
use zkt_eth::{prover, verifier};

/// No case may get near this much resident memory (the default limit is 8 GiB).
const MAX_RSS: u64 = 1 << 30;
/// The memory limit given to setup/prove estimates in this suite: keeps every case small.
const CASE_LIMIT: MemorySize = MemorySize(256 << 20);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Peak resident set size of this process (`VmHWM`), bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Results of one file type.
#[derive(Default)]
struct Tally {
    cases: usize,
    accepted: usize,
    rejected: usize,
    panics: Vec<String>,
}

impl Tally {
    /// Run one case: `f` returns `Ok(true)` when the file was accepted (and the next stage ran),
    /// `Ok(false)` when it was rejected with an error, `Err(msg)` for a bad error message.
    fn case(&mut self, what: &str, f: impl FnOnce() -> Result<bool, String>) {
        self.cases += 1;
        let start = std::time::Instant::now();
        let result = catch_unwind(AssertUnwindSafe(f));
        if start.elapsed().as_secs_f64() > 0.5 {
            eprintln!("  slow case ({:.1} s): {what}", start.elapsed().as_secs_f64());
        }
        match result {
            Ok(Ok(true)) => self.accepted += 1,
            Ok(Ok(false)) => self.rejected += 1,
            Ok(Err(msg)) => self.panics.push(format!("{what}: bad error: {msg}")),
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                self.panics.push(format!("{what}: PANIC {msg}"));
            }
        }
    }
}

/// A valid build directory for the toy model: model.json, pk.bin, vk.bin and proof.bin.
struct Fixture {
    dir: tempfile::TempDir,
    /// A dev SRS big enough for every model whose setup fits in [`CASE_LIMIT`] at the toy's sizes.
    srs: Srs,
    model: Vec<u8>,
    pk: Vec<u8>,
    vk: Vec<u8>,
    proof: Vec<u8>,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let m = common::model();
        let srs = Srs::dev(3, 4 * srs_len_for(&m));
        let pk = ProvingKey::setup(&m, &srs, Visibility::Public).unwrap();
        let b = BuildDir(dir.path().to_path_buf());
        artifacts::save_model(&b.model(), &m).unwrap();
        artifacts::save_keys(&b, &pk).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(0);
        let out = prover::prove(&pk, &[16, -8, 24], &mut rng).unwrap();
        let (inputs, outputs) = zkt_eth::calldata::public_ints(&out.public);
        let file = ProofFile {
            vk_digest: pk.vk.digest(),
            inputs,
            outputs,
            commitment: None,
            proof: out.proof.to_bytes(),
        };
        let read = |p: PathBuf| std::fs::read(p).unwrap();
        Self {
            model: read(b.model()),
            pk: read(b.pk()),
            vk: read(b.vk()),
            proof: file.to_bytes(),
            dir,
            srs,
        }
    }
    fn build(&self) -> BuildDir {
        BuildDir(self.dir.path().to_path_buf())
    }
    /// Restore the valid files.
    fn reset(&self) {
        let b = self.build();
        std::fs::write(b.model(), &self.model).unwrap();
        std::fs::write(b.pk(), &self.pk).unwrap();
        std::fs::write(b.vk(), &self.vk).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Generic byte mutations
// ---------------------------------------------------------------------------------------------

/// A byte-level mutation: flips, truncation, extension, or a 32-byte word overwritten with a
/// boundary value (for the length and count fields of the binary formats), `hot` marking the
/// header range where such fields live.
fn mutate_bytes(rng: &mut ChaCha20Rng, bytes: &[u8], hot: usize, word: usize) -> (Vec<u8>, String) {
    let mut b = bytes.to_vec();
    let pos = |rng: &mut ChaCha20Rng, len: usize| {
        if rng.gen_bool(0.5) {
            rng.gen_range(0..hot.min(len).max(1))
        } else {
            rng.gen_range(0..len.max(1))
        }
    };
    match rng.gen_range(0..6) {
        0 => {
            let n = rng.gen_range(1..=4);
            let mut at = vec![];
            for _ in 0..n {
                let i = pos(rng, b.len());
                if let Some(x) = b.get_mut(i) {
                    *x ^= 1 << rng.gen_range(0..8);
                }
                at.push(i);
            }
            (b, format!("bit flips at {at:?}"))
        }
        1 => {
            let cut = rng.gen_range(0..b.len());
            b.truncate(cut);
            (b, format!("truncated to {cut}"))
        }
        2 => {
            let n = *[1usize, 31, 32, 64, 1000].choose(rng).unwrap();
            b.extend((0..n).map(|_| rng.gen::<u8>()));
            (b, format!("{n} bytes appended"))
        }
        3 if word > 0 => {
            // Overwrite one aligned word in the header with a boundary value (big-endian words).
            let w = rng.gen_range(0..(hot / word).max(1));
            let v: u64 = *[
                0,
                1,
                2,
                3,
                20,
                21,
                30,
                64,
                65,
                1 << 20,
                (1 << 20) + 1,
                1 << 40,
                u64::MAX,
            ]
            .choose(rng)
            .unwrap();
            let start = w * word;
            if start + word <= b.len() {
                b[start..start + word].fill(0);
                b[start + word - 8..start + word].copy_from_slice(&v.to_be_bytes());
                if rng.gen_bool(0.2) {
                    b[start] = 0xff;
                }
            }
            (b, format!("word {w} := {v}"))
        }
        4 => {
            let i = pos(rng, b.len());
            let v: u8 = rng.gen();
            b[i] = v;
            (b, format!("byte {i} := {v:#04x}"))
        }
        _ => {
            let i = pos(rng, b.len());
            let n = rng.gen_range(1..=64).min(b.len() - i);
            b.drain(i..i + n);
            (b, format!("{n} bytes removed at {i}"))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// model.json
// ---------------------------------------------------------------------------------------------

fn leaf_paths(v: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(prefix.clone());
    match v {
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                prefix.push(json!(i));
                leaf_paths(x, prefix, out);
                prefix.pop();
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                prefix.push(json!(k));
                leaf_paths(x, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |v, seg| match seg {
        Value::Number(n) => &mut v[n.as_u64().unwrap() as usize],
        Value::String(s) => &mut v[s.as_str()],
        _ => unreachable!(),
    })
}

fn mutate_model(rng: &mut ChaCha20Rng, original: &[u8]) -> (Vec<u8>, String) {
    if rng.gen_bool(0.15) {
        return mutate_bytes(rng, original, original.len(), 0);
    }
    let mut v: Value = serde_json::from_slice(original).unwrap();
    let mut paths = vec![];
    leaf_paths(&v, &mut vec![], &mut paths);
    // Half the time a top-level or layer-level field, otherwise any value (mostly weights).
    let path = if rng.gen_bool(0.5) {
        let fields = [
            vec![json!("scale_bits")],
            vec![json!("lookup_bits")],
            vec![json!("layers")],
            vec![json!("input_shape")],
            vec![json!("name")],
            vec![json!("layers"), json!(0), json!("weights")],
            vec![json!("layers"), json!(1), json!("weights")],
            vec![json!("layers"), json!(0), json!("bias")],
            vec![json!("layers"), json!(1), json!("bias")],
            vec![json!("layers"), json!(0), json!("activation")],
            vec![json!("layers"), json!(1), json!("weights"), json!(0)],
        ];
        fields.choose(rng).unwrap().clone()
    } else {
        paths.choose(rng).unwrap().clone()
    };
    let values = [
        json!(0),
        json!(-1),
        json!(1),
        json!(12345),
        json!(20),
        json!(21),
        json!(30),
        json!(63),
        json!(64),
        json!(1u64 << 31),
        json!(1i64 << 62),
        json!(-(1i64 << 62)),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(1e300),
        json!(0.5),
        json!("Relu"),
        json!("x"),
        json!(null),
        json!([]),
        json!([[1]]),
        json!({}),
    ];
    let target = at(&mut v, &path);
    let what = match (rng.gen_range(0..4), &mut *target) {
        (0, Value::Array(a)) if !a.is_empty() => {
            let n = rng.gen_range(0..a.len());
            a.truncate(n);
            format!("{path:?} truncated to {n}")
        }
        (1, Value::Array(a)) if !a.is_empty() => {
            let x = a[rng.gen_range(0..a.len())].clone();
            a.push(x);
            format!("{path:?} one more element")
        }
        (2, Value::Object(o)) if !o.is_empty() => {
            let k = o.keys().nth(rng.gen_range(0..o.len())).unwrap().clone();
            o.remove(&k);
            format!("{path:?}.{k} removed")
        }
        _ => {
            let x = values.choose(rng).unwrap().clone();
            let what = format!("{path:?} := {x}");
            *target = x;
            what
        }
    };
    (serde_json::to_vec(&v).unwrap(), what)
}

/// Prove the accepted model (or pk) end to end; `Ok(true)` when a proof came out.
fn try_prove(b: &BuildDir) -> Result<bool, String> {
    if resources::check_prove_dir(b, CASE_LIMIT).is_err() {
        return Ok(false);
    }
    let pk = match artifacts::load_pk(b) {
        Ok(pk) => pk,
        Err(e) => return named(&e.to_string(), &["pk.bin", "vk.bin", "model.json"]).map(|_| false),
    };
    let input: Vec<i64> = (0..pk.model.input_len() as i64).map(|i| i % 5 - 2).collect();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    match prover::prove(&pk, &input, &mut rng) {
        Ok(out) => {
            verifier::verify(&pk.vk, &out.public, &out.proof.to_bytes())
                .map_err(|e| format!("accepted files gave a proof that does not verify: {e}"))?;
            Ok(true)
        }
        Err(_) => Ok(false),
    }
}

/// An error message must name one of `files`.
fn named(msg: &str, files: &[&str]) -> Result<(), String> {
    if files.iter().any(|f| msg.contains(f)) {
        Ok(())
    } else {
        Err(format!("error does not name the file ({files:?}): {msg}"))
    }
}

fn fuzz_model(f: &Fixture, rng: &mut ChaCha20Rng, cases: u64, t: &mut Tally) {
    let b = f.build();
    let mut setups = (cases / 20).max(2);
    for _ in 0..cases {
        f.reset();
        let (bytes, what) = mutate_model(rng, &f.model);
        std::fs::write(b.model(), &bytes).unwrap();
        let setups = &mut setups;
        t.case(&format!("model.json {what}"), || {
            let model = match artifacts::load_model(&b.model()) {
                Ok(m) => m,
                Err(e) => {
                    let msg = e.to_string();
                    named(&msg, &["model.json"])?;
                    if !msg.contains("zkt-eth compile") {
                        return Err(format!("no fix in: {msg}"));
                    }
                    return Ok(false);
                }
            };
            // An accepted model goes through setup (when small; with a too short SRS it must
            // fail cleanly) and prove.
            if resources::check_setup(&model, Visibility::Public, CASE_LIMIT).is_ok() {
                // (about a second each in the dev profile: a budget keeps the default run short)
                if *setups > 0 {
                    *setups -= 1;
                    let _ = ProvingKey::setup(&model, &f.srs, Visibility::Public);
                }
            }
            try_prove(&b)
        });
    }
}

fn fuzz_pk(f: &Fixture, rng: &mut ChaCha20Rng, cases: u64, t: &mut Tally) {
    let b = f.build();
    for _ in 0..cases {
        f.reset();
        let (bytes, what) = mutate_bytes(rng, &f.pk, 4 * 32, 32);
        std::fs::write(b.pk(), &bytes).unwrap();
        t.case(&format!("pk.bin {what}"), || try_prove(&b));
    }
}

fn fuzz_vk(f: &Fixture, rng: &mut ChaCha20Rng, cases: u64, t: &mut Tally) {
    let b = f.build();
    let proof = ProofFile::from_bytes(Path::new("proof.bin"), &f.proof).unwrap();
    for _ in 0..cases {
        f.reset();
        // The header (6 words) and the first layer's (3 words) hold every count.
        let (bytes, what) = mutate_bytes(rng, &f.vk, 9 * 32, 32);
        std::fs::write(b.vk(), &bytes).unwrap();
        t.case(&format!("vk.bin {what}"), || match artifacts::load_vk(&b.vk()) {
            Ok(vk) => {
                let _ = verifier::verify(&vk, &proof.public(), &proof.proof);
                let _ = zkt_eth::protocol::Layout::new(&vk).proof_words();
                // The pk no longer matches this vk (or does, if the flip was a no-op).
                try_prove(&b).map(|_| true)
            }
            Err(e) => named(&e.to_string(), &["vk.bin"]).map(|_| false),
        });
    }
}

fn fuzz_proof(f: &Fixture, rng: &mut ChaCha20Rng, cases: u64, t: &mut Tally) {
    f.reset();
    let vk = artifacts::load_vk(&f.build().vk()).unwrap();
    let path = f.dir.path().join("proof.bin");
    for _ in 0..cases {
        let (bytes, what) = mutate_bytes(rng, &f.proof, 4 * 32, 32);
        std::fs::write(&path, &bytes).unwrap();
        t.case(&format!("proof.bin {what}"), || match ProofFile::load(&path) {
            Ok(p) => {
                let ok = p.vk_digest == vk.digest() && verifier::verify(&vk, &p.public(), &p.proof).is_ok();
                if ok && bytes != f.proof {
                    return Err("a mutated proof verified".into());
                }
                Ok(true)
            }
            Err(e) => named(&e.to_string(), &["proof.bin"]).map(|_| false),
        });
    }
}

/// A committed-input key: the opening file (`zkt-eth commit-input`) and the committed proof file
/// (`zkt-eth.proof.c1`, which carries the commitment) are mutated; a mutated opening may only be
/// accepted if it still opens to a valid input for the vk, and a mutated proof file never verifies.
fn fuzz_committed(f: &Fixture, rng: &mut ChaCha20Rng, cases: u64, t: &mut Tally) {
    use zkt_eth::commitment::{commit_input, InputOpening};
    let pk = ProvingKey::setup(&common::model(), &f.srs, Visibility::Committed).unwrap();
    let vk = &pk.vk;
    let input = [16i64, -8, 24];
    let opening = commit_input(vk, &pk.g1, &input, rng).unwrap();
    let text = serde_json::to_vec(&opening.to_json(vk)).unwrap();
    let out = prover::prove_with(&pk, &input, Some(&opening), rng).unwrap();
    let file = ProofFile {
        vk_digest: vk.digest(),
        inputs: vec![],
        outputs: zkt_eth::calldata::public_ints(&out.public).1,
        commitment: out.public.commitment,
        proof: out.proof.to_bytes(),
    };
    let proof = file.to_bytes();
    let proof_path = f.dir.path().join("committed-proof.bin");
    for k in 0..cases {
        if k % 2 == 0 {
            let (bytes, what) = if rng.gen_bool(0.3) {
                mutate_bytes(rng, &text, text.len(), 0)
            } else {
                let mut v: Value = serde_json::from_slice(&text).unwrap();
                let mut paths = vec![];
                leaf_paths(&v, &mut vec![], &mut paths);
                let path = paths.choose(rng).unwrap().clone();
                let value = [
                    json!(0),
                    json!(-1),
                    json!(1u64 << 40),
                    json!("0x"),
                    json!("0x00"),
                    json!(null),
                    json!([]),
                ]
                .choose(rng)
                .unwrap()
                .clone();
                *at(&mut v, &path) = value.clone();
                (serde_json::to_vec(&v).unwrap(), format!("{path:?} = {value}"))
            };
            t.case(&format!("opening {what}"), || {
                match InputOpening::from_json(&String::from_utf8_lossy(&bytes), vk) {
                    Ok(o) => match o.check(vk, &pk.g1) {
                        Ok(()) if o != opening => Err("a mutated opening opened the commitment".into()),
                        Ok(()) => Ok(true),
                        Err(_) => Ok(false),
                    },
                    Err(e) => {
                        let msg = e.to_string();
                        if msg.contains("commit-input") || msg.contains("input") {
                            Ok(false)
                        } else {
                            Err(format!("error names no fix: {msg}"))
                        }
                    }
                }
            });
        } else {
            let (bytes, what) = mutate_bytes(rng, &proof, 6 * 32, 32);
            std::fs::write(&proof_path, &bytes).unwrap();
            t.case(&format!("committed proof.bin {what}"), || {
                match ProofFile::load(&proof_path) {
                    Ok(p) => {
                        let ok = p.vk_digest == vk.digest() && verifier::verify(vk, &p.public(), &p.proof).is_ok();
                        if ok && bytes != proof {
                            return Err("a mutated committed proof verified".into());
                        }
                        Ok(true)
                    }
                    Err(e) => named(&e.to_string(), &["committed-proof.bin"]).map(|_| false),
                }
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// .ptau
// ---------------------------------------------------------------------------------------------

/// `(type, offset of the 12-byte section header)` of every section of a ptau file.
fn ptau_sections(b: &[u8]) -> Vec<(u32, usize)> {
    let n = u32::from_le_bytes(b[8..12].try_into().unwrap());
    let mut pos = 12;
    let mut out = vec![];
    for _ in 0..n {
        let kind = u32::from_le_bytes(b[pos..pos + 4].try_into().unwrap());
        let size = u64::from_le_bytes(b[pos + 4..pos + 12].try_into().unwrap()) as usize;
        out.push((kind, pos));
        pos += 12 + size;
    }
    out
}

fn mutate_ptau(rng: &mut ChaCha20Rng, original: &[u8]) -> (Vec<u8>, String) {
    let sections = ptau_sections(original);
    let header = sections.iter().find(|s| s.0 == 1).unwrap().1 + 12;
    let mut b = original.to_vec();
    let put32 = |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let put64 = |b: &mut Vec<u8>, at: usize, v: u64| b[at..at + 8].copy_from_slice(&v.to_le_bytes());
    let u32s = [0u32, 1, 2, 7, 8, 9, 28, 29, 32, 48, 255, 1 << 16, u32::MAX];
    let what = match rng.gen_range(0..9) {
        0 => {
            let v = *u32s.choose(rng).unwrap();
            put32(&mut b, 4, v);
            format!("version := {v}")
        }
        1 => {
            let v = *u32s.choose(rng).unwrap();
            put32(&mut b, 8, v);
            format!("nSections := {v}")
        }
        2 => {
            let (kind, at) = *sections.choose(rng).unwrap();
            let v = *u32s.choose(rng).unwrap();
            put32(&mut b, at, v);
            format!("section {kind} type := {v}")
        }
        3 => {
            let (kind, at) = *sections.choose(rng).unwrap();
            let old = u64::from_le_bytes(b[at + 4..at + 12].try_into().unwrap());
            let v = *[
                0,
                1,
                63,
                64,
                old.saturating_sub(64),
                old + 64,
                old + 1,
                1 << 40,
                u64::MAX,
            ]
            .choose(rng)
            .unwrap();
            put64(&mut b, at + 4, v);
            format!("section {kind} size {old} := {v}")
        }
        4 => {
            let v = *u32s.choose(rng).unwrap();
            put32(&mut b, header, v);
            format!("n8 := {v}")
        }
        5 => {
            let i = rng.gen_range(0..32);
            b[header + 4 + i] ^= 1 << rng.gen_range(0..8);
            format!("q byte {i} flipped")
        }
        6 => {
            let v = *u32s.choose(rng).unwrap();
            let field = rng.gen_range(0..2);
            put32(&mut b, header + 36 + 4 * field, v);
            format!("{} := {v}", ["power", "ceremonyPower"][field])
        }
        7 => {
            // A point coordinate in tauG1 or tauG2 (the first points are the ones read).
            let (kind, at) = *sections
                .iter()
                .filter(|s| s.0 == 2 || s.0 == 3)
                .collect::<Vec<_>>()
                .choose(rng)
                .unwrap();
            let i = at + 12 + rng.gen_range(0..2048);
            b[i] ^= 1 << rng.gen_range(0..8);
            format!("section {kind} byte {i} flipped")
        }
        _ => return mutate_bytes(rng, original, 128, 0),
    };
    (b, what)
}

fn fuzz_ptau(rng: &mut ChaCha20Rng, cases: u64, t: &mut Tally) {
    let original = std::fs::read(root().join("tests/fixtures/pot8.ptau")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pot.ptau");
    for _ in 0..cases {
        let (bytes, what) = mutate_ptau(rng, &original);
        std::fs::write(&path, &bytes).unwrap();
        let n = *[1usize, 2, 33, 511, 512].choose(rng).unwrap();
        t.case(&format!("ptau {what} (n = {n})"), || match Srs::from_ptau(&path, n) {
            Ok(srs) => {
                if srs.g1.len() != n {
                    return Err(format!("asked for {n} powers, got {}", srs.g1.len()));
                }
                Ok(true)
            }
            Err(_) => Ok(false),
        });
    }
}

// ---------------------------------------------------------------------------------------------
// ONNX
// ---------------------------------------------------------------------------------------------

fn fuzz_onnx(rng: &mut ChaCha20Rng, cases: u64, t: &mut Tally) {
    let original = std::fs::read(root().join("models/sample/sample.onnx")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.onnx");
    for _ in 0..cases {
        let (bytes, what) = mutate_bytes(rng, &original, original.len(), 0);
        std::fs::write(&path, &bytes).unwrap();
        t.case(&format!("onnx {what}"), || {
            match onnx::load_model(&path, &QuantizeOptions::default()) {
                Ok(m) => {
                    m.validate()
                        .map_err(|e| format!("front end produced an invalid model: {e}"))?;
                    resources::check_compile(&m, CASE_LIMIT).map(|_| true).or(Ok(false))
                }
                Err(_) => Ok(false),
            }
        });
    }
}

#[test]
fn every_loader_fails_cleanly_on_mutated_files() {
    let seed = env_u64("ZKT_FUZZ_SEED", 1);
    let cases = env_u64("ZKT_FUZZ_CASES", 80);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let f = Fixture::new();
    // One line per panic instead of the default hook's backtrace notes; panics are collected and
    // reported below with their case.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| eprintln!("  panic: {info}")));
    let mut report = vec![];
    type Run<'a> = Box<dyn FnMut(&mut ChaCha20Rng, &mut Tally) + 'a>;
    let runs: Vec<(&str, Run)> = vec![
        ("model.json", Box::new(|rng, t| fuzz_model(&f, rng, cases, t))),
        ("pk.bin", Box::new(|rng, t| fuzz_pk(&f, rng, cases, t))),
        ("vk.bin", Box::new(|rng, t| fuzz_vk(&f, rng, cases, t))),
        ("proof.bin", Box::new(|rng, t| fuzz_proof(&f, rng, cases, t))),
        ("committed", Box::new(|rng, t| fuzz_committed(&f, rng, cases, t))),
        (".ptau", Box::new(|rng, t| fuzz_ptau(rng, cases, t))),
        ("onnx", Box::new(|rng, t| fuzz_onnx(rng, cases, t))),
    ];
    for (name, mut run) in runs {
        let start = std::time::Instant::now();
        let mut t = Tally::default();
        run(&mut rng, &mut t);
        eprintln!(
            "fuzz_loaders seed {seed}: {name:<10} {:>5} cases, {:>4} accepted, {:>5} rejected, {} failures ({:.1} s)",
            t.cases,
            t.accepted,
            t.rejected,
            t.panics.len(),
            start.elapsed().as_secs_f64()
        );
        report.extend(t.panics);
    }
    std::panic::set_hook(hook);
    let rss = peak_rss();
    eprintln!("fuzz_loaders: peak RSS {:?} MiB", rss.map(|r| r >> 20));
    assert!(report.is_empty(), "{} failures:\n{}", report.len(), report.join("\n"));
    if let Some(rss) = rss {
        assert!(rss < MAX_RSS, "peak RSS {rss} bytes: a loader ran away");
    }
}

/// The model mutations named in the issue, one by one (regressions of the panics found by fuzzing).
#[test]
fn model_json_regressions_are_errors_naming_field_value_and_range() {
    let f = Fixture::new();
    let b = f.build();
    let cases: [(&str, Value, &str); 7] = [
        ("lookup_bits", json!(0), "lookup_bits is 0, allowed 5..=20"),
        ("lookup_bits", json!(12345), "lookup_bits is 12345, allowed 5..=20"),
        ("lookup_bits", json!(30), "lookup_bits is 30"),
        ("scale_bits", json!(0), "scale_bits is 0, allowed 1..=19"),
        ("scale_bits", json!(64), "scale_bits is 64"),
        ("layers", json!([]), "number of layers is 0"),
        ("lookup_bits", json!(-1), "not a zkt-eth model.json"),
    ];
    for (field, value, needle) in cases {
        let mut m: Value = serde_json::from_slice(&f.model).unwrap();
        m[field] = value.clone();
        std::fs::write(b.model(), serde_json::to_vec(&m).unwrap()).unwrap();
        let err = artifacts::load_model(&b.model()).unwrap_err().to_string();
        assert!(err.contains(needle), "{field} = {value}: {err}");
        assert!(err.contains("model.json") && err.contains("zkt-eth compile"), "{err}");
    }
    // A weight of 2^62: the accumulator bound, with the layer and row.
    let mut m: QuantizedModel = serde_json::from_slice(&f.model).unwrap();
    m.layers[1].weights[1][2] = 1 << 62;
    std::fs::write(b.model(), serde_json::to_vec(&m).unwrap()).unwrap();
    let err = artifacts::load_model(&b.model()).unwrap_err().to_string();
    assert!(
        err.contains("layers[1] row 1") && err.contains("allowed < 2^62"),
        "{err}"
    );
    // Ragged rows and a short bias.
    let mut m: QuantizedModel = serde_json::from_slice(&f.model).unwrap();
    m.layers[0].weights[3].pop();
    std::fs::write(b.model(), serde_json::to_vec(&m).unwrap()).unwrap();
    let err = artifacts::load_model(&b.model()).unwrap_err().to_string();
    assert!(err.contains("layers[0].weights[3] has length 2, expected 3"), "{err}");
    let mut m: QuantizedModel = serde_json::from_slice(&f.model).unwrap();
    m.layers[1].bias.pop();
    std::fs::write(b.model(), serde_json::to_vec(&m).unwrap()).unwrap();
    let err = artifacts::load_model(&b.model()).unwrap_err().to_string();
    assert!(err.contains("layers[1].bias has length 1, expected 2"), "{err}");
    // A valid model edited after setup: caught against the vk's commitments, before proving.
    let mut m: QuantizedModel = serde_json::from_slice(&f.model).unwrap();
    m.layers[0].weights[2][1] += 1;
    std::fs::write(b.model(), serde_json::to_vec(&m).unwrap()).unwrap();
    let err = artifacts::load_pk(&b).unwrap_err().to_string();
    assert!(
        err.contains("weights or bias of layers[0]") && err.contains("zkt-eth setup"),
        "{err}"
    );
    // A cosmetic edit (a layer's name) is not the model setup recorded (pk.bin's model digest),
    // so its weights are checked against the vk's commitments instead, and they match.
    let mut m: QuantizedModel = serde_json::from_slice(&f.model).unwrap();
    m.layers[0].name = "renamed".into();
    std::fs::write(b.model(), serde_json::to_vec(&m).unwrap()).unwrap();
    assert_ne!(
        artifacts::model_digest(&m),
        artifacts::model_digest(&serde_json::from_slice(&f.model).unwrap())
    );
    artifacts::load_pk(&b).unwrap();
    let mut m: QuantizedModel = serde_json::from_slice(&f.model).unwrap();
    m.lookup_bits = 9;
    std::fs::write(b.model(), serde_json::to_vec(&m).unwrap()).unwrap();
    let err = artifacts::load_pk(&b).unwrap_err().to_string();
    assert!(err.contains("pk.bin") && err.contains("zkt-eth setup"), "{err}");
}
