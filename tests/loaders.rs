//! The binary refuses early and says what to run: commands out of order, a window beyond the
//! limits, and estimates above `--max-memory` / `ZKT_ETH_MAX_MEMORY`. Every refusal is a non-zero
//! exit without a panic, before any heavy work.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zkt-eth"));
    c.args(args).current_dir(root()).env_remove("ZKT_ETH_MAX_MEMORY");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn run(args: &[&str]) -> Output {
    run_env(args, &[])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fails_with(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert!(!o.status.success(), "expected failure, got success: {err}");
    assert_ne!(o.status.code(), Some(101), "panic exit code:\n{err}");
    assert!(!err.contains("panicked"), "panic:\n{err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}:\n{err}");
    }
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

#[test]
fn commands_out_of_order_say_what_to_run_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let input = "models/sample/input.json";
    // Nothing compiled yet.
    fails_with(
        &run(&["setup", d, "--dev"]),
        &["model.json", "zkt-eth compile", "first"],
    );
    fails_with(
        &run(&["prove", d, "--input", input, "-o", &format!("{d}/p.bin")]),
        &["model.json", "zkt-eth compile", "first"],
    );
    // Compiled, no setup: prove names the missing proving key and the setup command.
    ok(run(&[
        "compile",
        "models/sample/sample.onnx",
        "-o",
        d,
        "--calibrate",
        input,
    ]));
    fails_with(
        &run(&["prove", d, "--input", input, "-o", &format!("{d}/p.bin")]),
        &[
            &format!("no proving key in {d}/"),
            &format!("run `zkt-eth setup {d} --dev` (or --srs FILE) first"),
        ],
    );
    assert!(!dir.path().join("p.bin").exists());
}

#[test]
fn a_window_beyond_the_limit_is_refused_at_compile_in_milliseconds() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let start = Instant::now();
    for b in ["21", "30"] {
        fails_with(
            &run(&["compile", "models/sample/sample.onnx", "-o", d, "--lookup-bits", b]),
            &[&format!("lookup_bits {b} is outside 2..=20")],
        );
    }
    assert!(start.elapsed() < Duration::from_secs(20), "{:?}", start.elapsed());
    assert!(!dir.path().join("model.json").exists(), "nothing written on failure");
}

#[test]
fn estimates_above_the_memory_limit_are_refused_before_heavy_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let input = "models/sample/input.json";
    // The sample at B = 20 (a 2^21-row domain) needs more than 1 GiB: compile refuses it under
    // --max-memory 1GiB, naming the estimate's sizes and the way out.
    fails_with(
        &run(&[
            "compile",
            "models/sample/sample.onnx",
            "-o",
            d,
            "--scale-bits",
            "6",
            "--lookup-bits",
            "20",
            "--max-memory",
            "1GiB",
        ]),
        &["domain 2^21", "SRS powers", "--max-memory 1.00 GiB", "--lookup-bits"],
    );
    assert!(!dir.path().join("model.json").exists());
    ok(run(&[
        "compile",
        "models/sample/sample.onnx",
        "-o",
        d,
        "--calibrate",
        input,
    ]));
    // The environment variable and the flag both set the limit.
    fails_with(
        &run_env(&["setup", d, "--dev"], &[("ZKT_ETH_MAX_MEMORY", "1MiB")]),
        &["setup would need about", "more than --max-memory 1.0 MiB"],
    );
    assert!(!dir.path().join("pk.bin").exists());
    ok(run(&["setup", d, "--dev"]));
    let proof = format!("{d}/proof.bin");
    fails_with(
        &run(&["prove", d, "--input", input, "-o", &proof, "--max-memory", "2MiB"]),
        &["prove would need about", "--max-memory 2.0 MiB"],
    );
    assert!(!dir.path().join("proof.bin").exists());
    let o = ok(run(&["prove", d, "--input", input, "-o", &proof]));
    assert!(stderr(&o).contains("prove estimate: about"), "{}", stderr(&o));
    // A malformed limit is a usage error.
    let o = run(&["prove", d, "--input", input, "--max-memory", "lots"]);
    fails_with(&o, &["invalid value 'lots'", "use e.g. 8GiB"]);
    // --help documents the flag and the variable.
    let help = String::from_utf8_lossy(&ok(run(&["setup", "--help"])).stdout).into_owned();
    assert!(
        help.contains("--max-memory") && help.contains("ZKT_ETH_MAX_MEMORY"),
        "{help}"
    );
}
