//! The ONNX conformance subset (`models/testdata/conformance`, copied from the `onnx` wheel's
//! pytorch-converted cases) through `zkt-eth conformance`: every in-scope case compiles, proves,
//! verifies and matches the expected output within the stated bound; the out-of-scope one says why.

use std::process::Command;

#[test]
fn conformance_subset_passes() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(env!("CARGO_BIN_EXE_zkt-eth"))
        .args(["conformance", "models/testdata/conformance", "--json", "--quiet"])
        .current_dir(root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "conformance failed:\n{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
    assert_eq!(report["fail"], 0, "{report:#}");
    assert_eq!(report["pass"], 13, "{report:#}");
    assert_eq!(report["out_of_scope"], 1, "{report:#}");
    let cases = report["cases"].as_array().unwrap();
    let softmax = cases.iter().find(|c| c["case"] == "test_Softmax").unwrap();
    assert_eq!(softmax["result"], "out_of_scope");
    assert!(
        softmax["reason"].as_str().unwrap().contains("--until-logits"),
        "{softmax}"
    );
    for case in ["test_MaxPool1d_stride", "test_GLU"] {
        let c = cases.iter().find(|c| c["case"] == case).unwrap();
        assert_eq!(c["result"], "pass", "{c}");
    }
    for case in cases.iter().filter(|c| c["result"] == "pass") {
        let (err, bound) = (case["max_error"].as_f64().unwrap(), case["bound"].as_f64().unwrap());
        assert!(err <= bound, "{case}");
    }
}

#[test]
fn a_wrong_expected_output_fails_the_case() {
    // Copy one case and perturb its expected output: the suite must report a failure.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("test_Linear");
    std::fs::create_dir_all(case.join("test_data_set_0")).unwrap();
    let src = root.join("models/testdata/conformance/test_Linear");
    std::fs::copy(src.join("model.onnx"), case.join("model.onnx")).unwrap();
    let data = src.join("test_data_set_0");
    std::fs::copy(data.join("input_0.pb"), case.join("test_data_set_0/input_0.pb")).unwrap();
    // The same case's output is replaced by its input-shaped neighbour with values shifted: the
    // raw float bytes sit at the end of the TensorProto; bump the last one by a large amount.
    let mut bytes = std::fs::read(data.join("output_0.pb")).unwrap();
    let n = bytes.len();
    let last = f32::from_le_bytes(bytes[n - 4..].try_into().unwrap()) + 1.0;
    bytes[n - 4..].copy_from_slice(&last.to_le_bytes());
    std::fs::write(case.join("test_data_set_0/output_0.pb"), bytes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_zkt-eth"))
        .args(["conformance", dir.path().to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains("FAIL") && stdout.contains("above the bound"),
        "{stdout}"
    );
}
