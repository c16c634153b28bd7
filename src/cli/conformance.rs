//! `zkt-eth conformance`: run ONNX backend test cases (a directory per case holding `model.onnx`
//! and `test_data_set_0/{input_0,output_0}.pb`, as in the `onnx` wheel's
//! `backend/test/data/pytorch-converted/`) through compile (calibrated on the case's input),
//! setup, prove and verify, and compare the proven output with the expected one.
//!
//! A case is **out of scope** when the front end refuses the graph for a reason that is a
//! documented limit (an op it does not lower, a graph that is not a chain, a weight that is not
//! constant, a model input it does not read, a layer above the size limit, a graph tract cannot
//! run); the reason is printed. Every other error, a proof
//! that does not verify, or an output outside the bound is a **failure**.
//!
//! The bound: every proven output `ŷ` satisfies `|ŷ − y| ≤ 2^(4−s)·max(1, max|y|)` where `y` is the
//! expected output and `s` the scale the calibration chose, i.e. at most 16 units of the fixed-point
//! grid at unit magnitude, and 2^(4−s) relative above it. The inputs, weights and every rescale are
//! rounded to the grid (each a half unit), and a single op sums up to a few hundred such terms, which
//! partly cancel; the worst case measured on the in-scope cases is printed so the margin is visible.

use super::{print_json, say};
use crate::keys::{srs_len_for, ProvingKey, Visibility};
use crate::onnx::{self, OnnxError, QuantizeOptions};
use crate::srs::Srs;
use anyhow::Context;
use clap::Args;
use rand::SeedableRng;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `zkt-eth conformance`.
#[derive(Args, Debug)]
pub struct ConformanceArgs {
    /// The directory of cases (one sub-directory each). Default: the installed `onnx` Python
    /// package's `backend/test/data/pytorch-converted`, found with `python3`.
    pub dir: Option<PathBuf>,
    /// Only the cases whose name contains one of these (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub filter: Vec<String>,
    /// Machine-readable output: one JSON object with every case.
    #[arg(long)]
    pub json: bool,
    /// How convolutions are proven (as `compile --conv`): `im2col` runs every convolution case
    /// through the im2col Copy and patch layer where they apply.
    #[arg(long, value_enum, default_value = "auto")]
    pub conv: crate::onnx::quantize::Convolution,
}

/// How a case ended.
#[derive(Debug)]
enum Outcome {
    Pass { max_err: f64, bound: f64, scale_bits: u32 },
    Fail(String),
    OutOfScope(String),
}

/// The bound of the module documentation.
fn bound(scale_bits: u32, expected: &[f32]) -> f64 {
    let magnitude = expected.iter().fold(1.0f64, |m, v| m.max(f64::from(v.abs())));
    (4.0 - f64::from(scale_bits)).exp2() * magnitude
}

/// Errors that mark a documented limit of the front end, not a bug.
fn out_of_scope(e: &OnnxError) -> Option<String> {
    match e {
        OnnxError::UnsupportedOp { op, .. } => Some(format!("op {op} is not lowered")),
        // The case's expected output is the normalisation itself, which `--until-logits` drops.
        OnnxError::FinalNormalisation { op, .. } => Some(format!(
            "a final {op} is not proven (compile --until-logits proves its input, the logits)"
        )),
        OnnxError::NotAChain { .. } | OnnxError::NonConstantOperand { .. } | OnnxError::Misplaced { .. } => {
            Some(first_line(&e.to_string()))
        }
        OnnxError::Input { reason } => Some(format!("model input: {reason}")),
        OnnxError::Graph { reason } if reason.contains("outputs") || reason.contains("no layer") => {
            Some(reason.clone())
        }
        OnnxError::ShapeMismatch { reason, .. } if reason.contains("limit of one layer") => Some(first_line(reason)),
        // tract, the reference the lowering is checked against, cannot run the graph (e.g. the
        // opset-6 per-channel PRelu slopes, which do not broadcast numpy-style).
        OnnxError::Tract { context, message } if context == "optimise" => {
            Some(format!("tract cannot run the graph: {}", first_line(message)))
        }
        _ => None,
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_owned()
}

fn run_case(dir: &Path, conv: crate::onnx::quantize::Convolution) -> anyhow::Result<Outcome> {
    let data = dir.join("test_data_set_0");
    let (_, input) = onnx::read_tensor_pb(&data.join("input_0.pb"))?;
    let (_, expected) = onnx::read_tensor_pb(&data.join("output_0.pb"))?;
    if data.join("input_1.pb").exists() {
        return Ok(Outcome::OutOfScope("the model has more than one input".into()));
    }
    let pooling = crate::onnx::quantize::Pooling::Auto;
    let float = match onnx::lower_with(&dir.join("model.onnx"), false, pooling, conv) {
        Ok(f) => f,
        Err(e) => {
            return Ok(match out_of_scope(&e) {
                Some(reason) => Outcome::OutOfScope(reason),
                None => Outcome::Fail(format!("compile: {e}")),
            })
        }
    };
    let opts = QuantizeOptions {
        calibration: Some(vec![input.clone()]),
        ..Default::default()
    };
    let model = match onnx::quantize(&float, &opts) {
        Ok(m) => m,
        Err(e) => return Ok(Outcome::Fail(format!("quantize: {e}"))),
    };
    let x = onnx::quantize_input(&model, &input)?;
    let srs = Srs::dev(1, srs_len_for(&model));
    let pk = ProvingKey::setup(&model, &srs, Visibility::Public)?;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let out = crate::prover::prove(&pk, &x, &mut rng)?;
    if let Err(e) = crate::verifier::verify(&pk.vk, &out.public, &out.proof.to_bytes()) {
        return Ok(Outcome::Fail(format!("the proof does not verify: {e}")));
    }
    let proven = onnx::dequantize_output(&model, out.trace.output());
    if proven.len() != expected.len() {
        return Ok(Outcome::Fail(format!(
            "{} outputs proven, {} expected",
            proven.len(),
            expected.len()
        )));
    }
    let max_err = proven
        .iter()
        .zip(&expected)
        .map(|(p, e)| (p - f64::from(*e)).abs())
        .fold(0.0, f64::max);
    let limit = bound(model.scale_bits, &expected);
    Ok(if max_err <= limit {
        Outcome::Pass {
            max_err,
            bound: limit,
            scale_bits: model.scale_bits,
        }
    } else {
        Outcome::Fail(format!(
            "max |error| {max_err:.3e} above the bound {limit:.3e} (scale 2^{})",
            model.scale_bits
        ))
    })
}

/// The `onnx` package's pytorch-converted directory, via `python3`.
fn default_dir() -> anyhow::Result<PathBuf> {
    let script = "import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), 'backend', 'test', 'data', 'pytorch-converted'))";
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::process::Command::new(&python)
        .args(["-c", script])
        .output()
        .with_context(|| format!("running {python} to find the onnx package"))?;
    anyhow::ensure!(
        out.status.success(),
        "{python} cannot import onnx: install it (`pip install onnx`), set PYTHON to a Python that has it, or pass the cases directory"
    );
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// Run the suite.
pub fn run(a: &ConformanceArgs) -> anyhow::Result<()> {
    let dir = match &a.dir {
        Some(d) => d.clone(),
        None => default_dir()?,
    };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading the cases directory {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("model.onnx").is_file())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            a.filter.is_empty() || a.filter.iter().any(|f| name.contains(f.as_str()))
        })
        .collect();
    cases.sort();
    anyhow::ensure!(
        !cases.is_empty(),
        "no case (a directory with model.onnx) in {}",
        dir.display()
    );
    let (mut pass, mut fail, mut scope) = (0, 0, 0);
    let mut worst: f64 = 0.0;
    let mut rows = vec![];
    let started = Instant::now();
    for (k, case) in cases.iter().enumerate() {
        let name = case.file_name().unwrap_or_default().to_string_lossy().into_owned();
        super::progress_line(&format!("[{}/{}] {name}", k + 1, cases.len()));
        let t = Instant::now();
        let outcome = run_case(case, a.conv).unwrap_or_else(|e| Outcome::Fail(format!("{e:#}")));
        let secs = t.elapsed().as_secs_f64();
        let row = match &outcome {
            Outcome::Pass {
                max_err,
                bound,
                scale_bits,
            } => {
                pass += 1;
                worst = worst.max(max_err / bound);
                say!("pass          {name}  max|err| {max_err:.2e} ≤ {bound:.2e} (s = {scale_bits}), {secs:.2} s");
                json!({"case": name, "result": "pass", "max_error": max_err, "bound": bound, "scale_bits": scale_bits, "seconds": secs})
            }
            Outcome::Fail(why) => {
                fail += 1;
                say!("FAIL          {name}  {why}");
                json!({"case": name, "result": "fail", "reason": why, "seconds": secs})
            }
            Outcome::OutOfScope(why) => {
                scope += 1;
                say!("out of scope  {name}  {why}");
                json!({"case": name, "result": "out_of_scope", "reason": why})
            }
        };
        rows.push(row);
    }
    say!(
        "\n{pass} pass, {fail} fail, {scope} out of scope ({} cases, {:.0} s); worst error / bound among passes: {:.2}",
        cases.len(),
        started.elapsed().as_secs_f64(),
        worst
    );
    if a.json {
        print_json(&json!({
            "dir": dir.display().to_string(), "pass": pass, "fail": fail, "out_of_scope": scope,
            "worst_error_over_bound": worst, "cases": rows,
        }))?;
    }
    anyhow::ensure!(fail == 0, "{fail} conformance case(s) failed");
    Ok(())
}
