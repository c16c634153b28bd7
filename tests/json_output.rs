//! `--json` means exactly one JSON object on stdout, for every subcommand (human text and
//! progress go to stderr); errors are printed once; `--quiet`; renamed and validated options.

mod common;

use common::{cli as run, stderr_of as stderr};
use std::process::Output;

/// stdout parses as one JSON object and holds nothing else (no human text before or after).
fn one_object(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    let text = String::from_utf8(o.stdout.clone()).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("stdout is not exactly one JSON value ({e}):\n{text}"));
    assert!(v.is_object(), "{text}");
    v
}

fn compile_sample(dir: &str) {
    one_object(&run(&[
        "compile",
        "models/sample/sample.onnx",
        "-o",
        dir,
        "--calibrate",
        "models/sample/input.json",
        "--json",
    ]));
}

#[test]
fn every_local_command_prints_one_json_object() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let proof = dir.path().join("proof.bin");
    let p = proof.to_str().unwrap();
    compile_sample(d);
    let setup = one_object(&run(&["setup", d, "--dev", "--visibility", "private", "--json"]));
    assert_eq!(setup["visibility"], "private");
    assert_eq!(setup["insecure"], true);
    assert!(setup["ceremony"].is_null(), "a --dev SRS is no pinned ceremony");
    let prove = one_object(&run(&[
        "prove",
        d,
        "--input",
        "models/sample/input.json",
        "-o",
        p,
        "--json",
    ]));
    assert!(prove["outputs"].is_array());
    assert_eq!(
        one_object(&run(&["verify", &format!("{d}/vk.bin"), p, "--json"]))["valid"],
        true
    );
    let enc = one_object(&run(&["encode-calldata", p, "--json"]));
    for key in ["proof", "inputs", "outputs", "vk_digest", "calldata"] {
        assert!(!enc[key].is_null(), "encode-calldata --json lacks {key}: {enc}");
    }
    assert!(enc["calldata"].as_str().unwrap().starts_with("0x1b40c572"));
    assert_eq!(enc["vk_digest"], setup["vk_digest"]);
    assert_eq!(
        enc["outputs"].as_array().unwrap().len(),
        prove["outputs"].as_array().unwrap().len()
    );
    // Private input: the public input vector is empty.
    assert_eq!(enc["inputs"].as_array().unwrap().len(), 0);
}

#[test]
fn demo_json_is_only_json() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&["demo", "--out", dir.path().to_str().unwrap(), "--json"]);
    let v = one_object(&o);
    assert_eq!(v["tampered_output_refused"], true);
    assert!(v["verify_tx_gas"].as_u64().unwrap() > 21_000);
    // The steps' human lines still reach the user, on stderr.
    assert!(stderr(&o).contains("wrote"), "{}", stderr(&o));
}

#[test]
fn deprecated_setup_input_still_works_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    compile_sample(d);
    let o = run(&["setup", d, "--dev", "--input", "private", "--json"]);
    assert_eq!(one_object(&o)["visibility"], "private");
    assert!(
        stderr(&o).contains("deprecated") && stderr(&o).contains("--visibility"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn quiet_silences_progress_but_not_results() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = run(&[
        "compile",
        "models/sample/sample.onnx",
        "-o",
        d,
        "--calibrate",
        "models/sample/input.json",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Phase lines and timings are progress; what compile assumed is a result and stays.
    let err = stderr(&o);
    assert!(
        !err.contains('•') && !err.contains("done in"),
        "--quiet printed progress: {err}"
    );
    assert!(err.contains("assumed"), "{err}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("scale 2^"));
}

#[test]
fn bench_rejects_unknown_models() {
    let o = run(&["bench", "--models", "foo", "--no-chain"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("unknown bench model `foo`") && stderr(&o).contains("sample"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_error_is_printed_once() {
    let o = run(&["verify", "no/such/vk.bin", "no/such/proof.bin"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert_eq!(err.matches("No such file").count(), 1, "the cause is repeated: {err}");
    // An error type that quotes its source in its own message must not have it appended again.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    compile_sample(d);
    let o = run(&["setup", d, "--srs", "no/such.ptau"]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert_eq!(err.matches("No such file").count(), 1, "the cause is repeated: {err}");
}
