//! The `zkt-eth` binary on bad input: a clear message naming the problem, a non-zero exit, no panic,
//! and nothing half-written on disk.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zkt-eth"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).current_dir(root()).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fails_with(o: &Output, needle: &str) {
    let err = stderr(o);
    assert!(!o.status.success(), "expected failure, got success: {err}");
    assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
    assert!(!err.contains("panicked"), "panic:\n{err}");
}

#[test]
fn unsupported_op_names_the_op_and_the_supported_list() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&[
        "compile",
        "models/testdata/unsupported.onnx",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    fails_with(&o, "unsupported");
    assert!(stderr(&o).contains("MatMul"), "{}", stderr(&o));
    assert!(!dir.path().join("model.json").exists(), "nothing written on failure");
}

#[test]
fn until_logits_compiles_a_softmax_classifier_up_to_its_logits() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let o = run(&["compile", "models/testdata/softmax.onnx", "-o", out]);
    fails_with(&o, "--until-logits");
    assert!(!dir.path().join("model.json").exists(), "nothing written on failure");
    let o = run(&[
        "compile",
        "models/testdata/softmax.onnx",
        "-o",
        out,
        "--until-logits",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["dropped"], "Softmax (node `prob/Softmax`)");
    let model = std::fs::read_to_string(dir.path().join("model.json")).unwrap();
    assert!(model.contains("prob/Softmax"), "model.json records what was dropped");
}

#[test]
fn malformed_onnx_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.onnx");
    std::fs::write(&bad, b"definitely not protobuf").unwrap();
    fails_with(
        &run(&["compile", bad.to_str().unwrap(), "-o", dir.path().to_str().unwrap()]),
        "error:",
    );
    fails_with(&run(&["compile", "no/such/model.onnx"]), "no/such/model.onnx");
}

/// Compile + setup + prove the sample into a temp dir; returns the dir.
fn sample_build() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let ok = |o: Output| assert!(o.status.success(), "{}", stderr(&o));
    ok(run(&[
        "compile",
        "models/sample/sample.onnx",
        "-o",
        d,
        "--calibrate",
        "models/sample/input.json",
    ]));
    ok(run(&["setup", d, "--dev"]));
    let proof = dir.path().join("proof.bin");
    ok(run(&[
        "prove",
        d,
        "--input",
        "models/sample/input.json",
        "-o",
        proof.to_str().unwrap(),
    ]));
    dir
}

#[test]
fn the_pipeline_reports_insecure_and_json() {
    let dir = sample_build();
    let d = dir.path();
    let o = run(&[
        "verify",
        d.join("vk.bin").to_str().unwrap(),
        d.join("proof.bin").to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["insecure"], true);
    let o = run(&[
        "verify",
        d.join("vk.bin").to_str().unwrap(),
        d.join("proof.bin").to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("valid") && out.contains("INSECURE"), "{out}");
    let o = run(&["encode-calldata", d.join("proof.bin").to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("0x1b40c572"),
        "verify(bytes,int256[],int256[]) selector"
    );
}

#[test]
fn bad_proof_files_are_rejected_with_the_failed_check() {
    let dir = sample_build();
    let d = dir.path();
    let vk = d.join("vk.bin");
    let proof = std::fs::read(d.join("proof.bin")).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = d.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let check =
        |p: &Path, needle: &str| fails_with(&run(&["verify", vk.to_str().unwrap(), p.to_str().unwrap()]), needle);
    check(&write("trunc.bin", &proof[..proof.len() - 32]), "truncated");
    check(&write("odd.bin", &proof[..proof.len() - 1]), "multiple of 32");
    check(&write("junk.bin", b"hello"), "multiple of 32");
    let mut flipped = proof.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    check(&write("flip.bin", &flipped), "invalid");
    check(&d.join("missing.bin"), "missing.bin");
    // A proof made for another model (different vk digest in the file).
    let mut other = proof.clone();
    other[32] ^= 1;
    check(&write("other.bin", &other), "another model");
}

#[test]
fn unreachable_rpc_is_a_clear_error() {
    let dir = sample_build();
    let d = dir.path().to_str().unwrap();
    // Port 9 (discard) on loopback: nothing listens there.
    let o = run(&["deploy-verifier", d, "--rpc-url", "http://127.0.0.1:9"]);
    fails_with(&o, "127.0.0.1:9");
    let o = run(&[
        "verify-onchain",
        "--address",
        "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "--rpc-url",
        "http://127.0.0.1:9",
        dir.path().join("proof.bin").to_str().unwrap(),
    ]);
    fails_with(&o, "127.0.0.1:9");
}

#[test]
fn out_of_window_input_is_a_clear_error() {
    let dir = sample_build();
    let input = dir.path().join("big.json");
    std::fs::write(&input, r#"{"input_data": [[900.0, 0.1, 0.2, 0.3]]}"#).unwrap();
    let out = dir.path().join("p2.bin");
    let o = run(&[
        "prove",
        dir.path().to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    fails_with(&o, "outside");
    assert!(!out.exists(), "no proof written on failure");
}
