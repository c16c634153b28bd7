//! Calibration by default: `compile` without flags chooses a sound window for the default input
//! range and says so; `--input-range` windows hold every input in the range; `mock` checks every
//! block without keys; window and input-file errors name the problem and the fix.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::Value;
use zkt_eth::onnx::{self, quantize_input, Evidence, InputRange, QuantizeOptions, DEFAULT_INPUT_RANGE};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkt-eth"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

fn fails_with(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert!(!o.status.success(), "expected failure, got success: {err}");
    for needle in needles {
        assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
    }
    assert!(!err.contains("panicked"), "panic:\n{err}");
}

/// Exactly one JSON object on stdout.
fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}): {o:?}"))
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn digits_compiles_without_flags_and_mock_passes_on_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let d = path(dir.path());
    let o = ok(run(&["compile", "models/digits/digits.onnx", "-o", d, "--json"]));
    let report = json(&o);
    let a = &report["assumptions"];
    assert_eq!(a["basis"], "input_range");
    assert_eq!(a["input_range"], serde_json::json!([0.0, 1.0]));
    assert_eq!(a["input_range_is_default"], true);
    assert_eq!(a["sound_for_every_input_in_range"], true);
    assert!(stderr(&o).contains("assumed: every input element in [0, 1] (the default range"));
    let (s, b) = (
        report["scale_bits"].as_u64().unwrap(),
        report["lookup_bits"].as_u64().unwrap(),
    );
    assert!(s >= 6 && b <= 16, "s = {s}, B = {b}");
    // compile.json carries the same report.
    let saved: Value = serde_json::from_slice(&std::fs::read(dir.path().join("compile.json")).unwrap()).unwrap();
    assert_eq!(saved["assumptions"], report["assumptions"]);

    // The file that will be proven, and all 540 rows of the test split: every block holds.
    for input in ["models/digits/input.json", "models/digits/test.json"] {
        let o = ok(run(&["mock", d, "--input", input, "--json"]));
        let m = json(&o);
        assert_eq!(m["ok"], true, "{m}");
        assert_eq!(m["rows_failed"], 0);
        for layer in m["layers"].as_array().unwrap() {
            assert_eq!(layer["ok"], true, "{layer}");
        }
        println!(
            "mock {input}: {} rows in {:.1} ms",
            m["rows_checked"],
            1e3 * m["seconds"].as_f64().unwrap()
        );
    }
    let o = ok(run(&["mock", d, "--input", "models/digits/test.json"]));
    assert!(String::from_utf8_lossy(&o.stdout).contains("540 of 540 rows pass every block"));
}

/// Random inputs in the declared range, and inputs searched to push each output to its extremes,
/// never leave the window nor the reported bounds (quantized forward pass only, no proving).
#[test]
fn input_range_windows_hold_every_input_in_the_range() {
    let mut rng = ChaCha20Rng::seed_from_u64(2026);
    for (model, range, samples) in [
        ("models/digits/digits.onnx", DEFAULT_INPUT_RANGE, 3000),
        ("models/digits/digits.onnx", InputRange::new(-1.0, 1.0).unwrap(), 3000),
        ("models/sample/sample.onnx", InputRange::new(-2.0, 3.0).unwrap(), 3000),
        ("models/mlp784/mlp784.onnx", DEFAULT_INPUT_RANGE, 300),
    ] {
        let opts = QuantizeOptions {
            input_range: Some(range),
            ..Default::default()
        };
        let (q, assumptions) = onnx::load_model_explained(&root().join(model), &opts).unwrap();
        assert_eq!(assumptions.evidence, Evidence::Range { range, default: false });
        assert!(assumptions.window_holds);
        let bounds = assumptions.bounds.unwrap();
        let n = q.input_len();
        let mut peak = vec![(i64::MAX, i64::MIN); q.layers.len()];
        for i in 0..samples {
            // Uniform samples, and box corners (every element at an end), where bounds are reached.
            let x: Vec<f32> = (0..n)
                .map(|_| match i % 3 {
                    0 => rng.gen_range(range.lo..=range.hi) as f32,
                    1 => [range.lo, range.hi][rng.gen_range(0..2)] as f32,
                    _ => [range.lo, range.hi, rng.gen_range(range.lo..=range.hi)][rng.gen_range(0..3)] as f32,
                })
                .collect();
            let trace = q
                .forward(&quantize_input(&q, &x).unwrap())
                .unwrap_or_else(|e| panic!("{model} {range}: sample {i} left the window: {e}"));
            for (k, values) in trace.rescaled.iter().enumerate() {
                for v in values {
                    let b = &bounds[k + 1];
                    assert!(
                        i128::from(*v) >= b.lo && i128::from(*v) <= b.hi,
                        "{model}: {v} outside {b:?}"
                    );
                    peak[k] = (peak[k].0.min(*v), peak[k].1.max(*v));
                }
            }
        }
        // Adversarial search: for every layer output, coordinate ascent over the box (each element
        // at lo, hi or the middle) towards its largest and its smallest value.
        if n <= 64 {
            let candidates = [range.lo as f32, range.hi as f32, ((range.lo + range.hi) / 2.0) as f32];
            for k in 0..q.layers.len() {
                for i in 0..q.layers[k].out_len() {
                    for sign in [1i64, -1] {
                        let value = |x: &[f32]| {
                            let t = q.forward_unchecked(&quantize_input(&q, x).unwrap()).unwrap();
                            sign * t.rescaled[k][i]
                        };
                        let mut x: Vec<f32> = (0..n).map(|_| candidates[rng.gen_range(0..3)]).collect();
                        let mut best = value(&x);
                        for _ in 0..3 {
                            for j in 0..n {
                                for c in candidates {
                                    let old = std::mem::replace(&mut x[j], c);
                                    let v = value(&x);
                                    if v > best {
                                        best = v;
                                    } else {
                                        x[j] = old;
                                    }
                                }
                            }
                        }
                        let v = sign * best;
                        let b = &bounds[k + 1];
                        assert!(
                            i128::from(v) >= b.lo && i128::from(v) <= b.hi,
                            "{model}: {v} outside {b:?}"
                        );
                        q.forward(&quantize_input(&q, &x).unwrap())
                            .unwrap_or_else(|e| panic!("{model} {range}: search left the window: {e}"));
                        peak[k] = (peak[k].0.min(v), peak[k].1.max(v));
                    }
                }
            }
        }
        println!(
            "{model} {range}: s = {}, B = {}; bounds {:?}; seen {:?}",
            q.scale_bits,
            q.lookup_bits,
            bounds.iter().map(|b| (b.lo, b.hi)).collect::<Vec<_>>(),
            peak
        );
    }
}

#[test]
fn input_range_flag_parses_and_conflicts_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = path(dir.path());
    for flag in [
        ["--input-range", "-1,1"],
        ["--input-range", "-1:1"],
        ["--input-range=-1,1", ""],
    ] {
        let args: Vec<&str> = ["compile", "models/sample/sample.onnx", "-o", d, "--json"]
            .into_iter()
            .chain(flag.into_iter().filter(|f| !f.is_empty()))
            .collect();
        let report = json(&ok(run(&args)));
        assert_eq!(report["assumptions"]["input_range"], serde_json::json!([-1.0, 1.0]));
        assert_eq!(report["assumptions"]["input_range_is_default"], false);
        // The sample's two 4 → 4 layers share one batched RowSum instance.
        assert_eq!(report["layers"][0]["rowsum_instance"], 0);
        assert_eq!(report["layers"][1]["rowsum_instance"], 0);
    }
    fails_with(
        &run(&["compile", "models/sample/sample.onnx", "-o", d, "--input-range", "1,0"]),
        &["must not exceed"],
    );
    fails_with(
        &run(&[
            "compile",
            "models/sample/sample.onnx",
            "-o",
            d,
            "--input-range",
            "0,1",
            "--calibrate",
            "models/sample/input.json",
        ]),
        &["cannot be used with"],
    );
    // A declared range the explicit window cannot hold, and one no table can hold.
    fails_with(
        &run(&[
            "compile",
            "models/digits/digits.onnx",
            "-o",
            d,
            "--input-range",
            "0,1",
            "--scale-bits",
            "8",
            "--lookup-bits",
            "12",
        ]),
        &["cannot hold every input in [0, 1]", "--lookup-bits"],
    );
    fails_with(
        &run(&[
            "compile",
            "models/digits/digits.onnx",
            "-o",
            d,
            "--input-range=-1000,1000",
        ]),
        &["more than the limit", "--calibrate"],
    );
}

#[test]
fn mock_fails_clearly_on_a_too_small_window() {
    let dir = tempfile::tempdir().unwrap();
    let d = path(dir.path());
    let o = ok(run(&[
        "compile",
        "models/digits/digits.onnx",
        "-o",
        d,
        "--scale-bits",
        "8",
        "--lookup-bits",
        "10",
    ]));
    assert!(
        stderr(&o).contains("WARNING: the window [-512, 512) does NOT hold"),
        "{}",
        stderr(&o)
    );
    let o = run(&["mock", d, "--input", "models/digits/input.json"]);
    fails_with(
        &o,
        &[
            "first failure: row 0, layer 0 (fc1/Gemm+fc1/Relu), lookup block, position",
            "outside the lookup window [-512, 512)",
            &format!("zkt-eth compile models/digits/digits.onnx -o {d} --calibrate models/digits/input.json"),
            "--input-range=0,1",
            "--scale-bits 8 --lookup-bits",
        ],
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("FAIL"));
    // --json: one object on stdout, still a failure.
    let o = run(&["mock", d, "--input", "models/digits/input.json", "--json"]);
    assert!(!o.status.success());
    let m = json(&o);
    assert_eq!(m["ok"], false);
    assert_eq!(m["layers"][1]["blocks"]["lookup"]["ok"], false);
    assert_eq!(m["layers"][1]["blocks"]["rowsum"]["ok"], true);
    assert!(m["hint"].as_str().unwrap().contains("--calibrate"));
    // No keys needed, but a build directory is.
    let empty = tempfile::tempdir().unwrap();
    fails_with(
        &run(&["mock", path(empty.path()), "--input", "models/digits/input.json"]),
        &["model.json", "zkt-eth compile"],
    );
}

#[test]
fn nan_in_an_input_file_is_named_with_row_and_index() {
    let dir = tempfile::tempdir().unwrap();
    let d = path(dir.path());
    ok(run(&["compile", "models/sample/sample.onnx", "-o", d]));
    let bad = dir.path().join("nan.json");
    std::fs::write(&bad, r#"{"input_data": [[0.1, 0.2, 0.3, 0.4], [0.1, 0.2, NaN, 0.4]]}"#).unwrap();
    let needles = [path(&bad), "contains NaN at row 1, index 2: replace it with a number"];
    fails_with(&run(&["mock", d, "--input", path(&bad)]), &needles);
    fails_with(&run(&["prove", d, "--input", path(&bad)]), &needles);
    fails_with(
        &run(&[
            "compile",
            "models/sample/sample.onnx",
            "-o",
            d,
            "--calibrate",
            path(&bad),
        ]),
        &needles,
    );
    std::fs::write(&bad, r#"{"input_data": [[0.1, -Infinity, 0.3, 0.4]]}"#).unwrap();
    fails_with(
        &run(&["mock", d, "--input", path(&bad)]),
        &["contains -Infinity at row 0, index 1"],
    );
}

#[test]
fn out_of_window_prove_errors_name_the_value_and_the_recompile_command() {
    // The reported bug: digits at scale 8 with a window too small (now 10 bits: the logits are a
    // wide output, outside the window, so the hidden layer is what overflows). The witness runs
    // before the proving key is loaded, so this fails in milliseconds, before setup.
    let dir = tempfile::tempdir().unwrap();
    let d = path(dir.path());
    ok(run(&[
        "compile",
        "models/digits/digits.onnx",
        "-o",
        d,
        "--scale-bits",
        "8",
        "--lookup-bits",
        "10",
    ]));
    fails_with(
        &run(&["prove", d, "--input", "models/digits/input.json"]),
        &[
            "layer 0 (fc1/Gemm+fc1/Relu), output 4: value 711",
            "outside the lookup window [-512, 512)",
            &format!("zkt-eth compile models/digits/digits.onnx -o {d} --calibrate models/digits/input.json"),
            "--scale-bits 8 --lookup-bits 12",
        ],
    );

    // Through setup on the sample (fast): an input far outside the default range.
    let dir = tempfile::tempdir().unwrap();
    let d = path(dir.path());
    ok(run(&["compile", "models/sample/sample.onnx", "-o", d]));
    ok(run(&["setup", d, "--dev"]));
    let big = dir.path().join("big.json");
    std::fs::write(&big, r#"{"input_data": [[5, 5, 5, 5]]}"#).unwrap();
    let proof = dir.path().join("proof.bin");
    let o = run(&["prove", d, "--input", path(&big), "-o", path(&proof)]);
    fails_with(
        &o,
        &[
            "input value 320 at index 0 outside the lookup window [-128, 128)",
            &format!(
                "zkt-eth compile models/sample/sample.onnx -o {d} --calibrate {}",
                path(&big)
            ),
            &format!("zkt-eth compile models/sample/sample.onnx -o {d} --input-range=0,5"),
        ],
    );
    assert!(!proof.exists(), "nothing written on failure");
    // The fix it suggests works: recompile with the range, set up, prove.
    ok(run(&[
        "compile",
        "models/sample/sample.onnx",
        "-o",
        d,
        "--input-range=0,5",
    ]));
    ok(run(&["mock", d, "--input", path(&big)]));
    ok(run(&["setup", d, "--dev"]));
    ok(run(&["prove", d, "--input", path(&big), "-o", path(&proof)]));
    ok(run(&["verify", &format!("{d}/vk.bin"), path(&proof)]));
}
