//! `zkt-eth bench`: prints figures, asserts nothing (targets live in the README, not in tests).

use super::{fmt_duration, print_json, say};
use crate::chain::{self, LocalNode};
use crate::keys::{srs_len_for, ProvingKey, Visibility};
use crate::onnx::{self, QuantizeOptions};
use crate::protocol::Layout;
use crate::srs::Srs;
use clap::Args;
use rand::SeedableRng;
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// `zkt-eth bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Models to run: the examples (sample, digits, lenet, rescnn, mlp784), the product and mixed-layer
    /// test models with seeded weights (glu, gelu), a 28×28 CNN with seeded weights whose
    /// convolutions `--conv auto` proves by im2col and whose pools `--pool auto` proves with the
    /// coset-sum gate (cnn28: seconds; two minutes and 3 GiB with `--conv dense`) and the same with
    /// max pools, proven with the CosetMax block (cnn28max), two pools laid out by the Copy block (poolpool:
    /// a max pool of a max pool; inputmax: a max pool of the signed input), and synthetic MLPs of
    /// 256-wide layers with seeded random weights (mlp256x2, mlp256x4, mlp256x8: depth 2, 4, 8).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "sample,digits,lenet,rescnn,mlp784,mlp256x8"
    )]
    pub models: Vec<String>,
    /// Prove/verify repetitions (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Skip the on-chain part (gas, bytecode size).
    #[arg(long)]
    pub no_chain: bool,
    /// Directory holding the example models.
    #[arg(long, default_value = "models")]
    pub models_dir: PathBuf,
    /// Fold budget, log2, for every model (as `compile --fold-budget`): compare gas against
    /// proving time.
    #[arg(long, value_name = "N", default_value_t = crate::blocks::fold::DEFAULT_FOLD_LOG,
          value_parser = clap::value_parser!(u32).range(10..=20))]
    pub fold_budget: u32,
    /// How pooling is proven, for every model (as `compile --pool`).
    #[arg(long, value_enum, default_value = "auto")]
    pub pool: crate::onnx::quantize::Pooling,
    /// How convolutions are proven, for every model (as `compile --conv`).
    #[arg(long, value_enum, default_value = "auto")]
    pub conv: crate::onnx::quantize::Convolution,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

struct Case {
    name: &'static str,
    /// ONNX file, input and calibration data under `models/`; empty for a synthetic model.
    onnx: &'static str,
    input: &'static str,
    calibrate: &'static str,
    /// Synthetic: this many 256×256 layers.
    depth: usize,
    visibility: Visibility,
    reference: &'static str,
}

const fn synthetic(name: &'static str, depth: usize) -> Case {
    Case {
        name,
        onnx: "",
        input: "",
        calibrate: "",
        depth,
        visibility: Visibility::Private,
        reference: "synthetic: 256-wide hidden layers, seeded random weights, 10 outputs, private input",
    }
}

/// A synthetic MLP of `depth` layers, 256 wide: `depth − 1` hidden 256×256 ReLU layers and a 10×256
/// head (seeded weights in [−10, 10] at scale 2^6, gain ≈ 1 per layer), and its input: the
/// held-out 8×256 size of the issue, without an ONNX file.
fn synthetic_model(depth: usize) -> (crate::model::QuantizedModel, Vec<i64>) {
    use crate::model::{Activation, DenseLayer, QuantizedModel};
    use rand::Rng;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(256 + depth as u64);
    let layers = (0..depth)
        .map(|k| {
            let rows = if k + 1 < depth { 256 } else { 10 };
            DenseLayer {
                name: format!("dense{k}"),
                weights: (0..rows)
                    .map(|_| (0..256).map(|_| rng.gen_range(-10i64..=10)).collect())
                    .collect(),
                bias: (0..rows).map(|_| rng.gen_range(-1024i64..=1024)).collect(),
                activation: if k + 1 < depth {
                    Activation::Relu
                } else {
                    Activation::Identity
                },
                op: Default::default(),
                mixed: false,
                map: vec![],
            }
        })
        .collect();
    let model = QuantizedModel {
        name: format!("mlp256x{depth}"),
        scale_bits: 6,
        lookup_bits: 13,
        input_shape: vec![1, 256],
        layers,
        dropped: None,
        fold_log: crate::blocks::fold::DEFAULT_FOLD_LOG,
    };
    let input = (0..256).map(|_| rng.gen_range(0i64..64)).collect();
    (model, input)
}

const CASES: &[Case] = &[
    Case {
        name: "sample",
        onnx: "sample/sample.onnx",
        input: "sample/input.json",
        calibrate: "sample/input.json",
        depth: 0,
        visibility: Visibility::Public,
        reference: "ZKTorch reference: prove 0.137 s, setup 1.40 s; EZKL 23.0.5: prove 10.9 s, 544,345 gas",
    },
    Case {
        name: "digits",
        onnx: "digits/digits.onnx",
        input: "digits/input.json",
        calibrate: "digits/train.json",
        depth: 0,
        visibility: Visibility::Public,
        reference: "",
    },
    Case {
        name: "lenet",
        onnx: "lenet/lenet.onnx",
        input: "lenet/input.json",
        calibrate: "digits/train.json",
        depth: 0,
        visibility: Visibility::Public,
        reference: "LeNet-style CNN (Conv, AveragePool): EZKL 23 on a LeNet here: prove 26 s, 605,526 gas",
    },
    Case {
        name: "rescnn",
        onnx: "rescnn/rescnn.onnx",
        input: "rescnn/input.json",
        calibrate: "digits/train.json",
        depth: 0,
        visibility: Visibility::Public,
        reference: "CNN with BatchNormalization, MaxPool (a CosetMax layer; --pool compose: two ReLU layers) and a residual Add",
    },
    Case {
        name: "mlp784",
        onnx: "mlp784/mlp784.onnx",
        input: "mlp784/input.json",
        calibrate: "mlp784/input.json",
        depth: 0,
        visibility: Visibility::Private,
        reference: "EZKL 23.0.5 (private input): 546,107 gas",
    },
    Case {
        name: "glu",
        onnx: "testdata/glu.onnx",
        input: "testdata/glu.json",
        calibrate: "testdata/glu.json",
        depth: 0,
        visibility: Visibility::Public,
        reference: "GLU gating a ⊙ σ(b), seeded weights: a mixed layer, an operands layer and a Hadamard gate",
    },
    Case {
        name: "gelu",
        onnx: "testdata/gelu.onnx",
        input: "testdata/glu.json",
        calibrate: "testdata/glu.json",
        depth: 0,
        visibility: Visibility::Public,
        reference: "GELU as PyTorch exports it (Erf, Mul), seeded weights: a mixed erf layer and a product",
    },
    Case {
        name: "cnn28",
        onnx: "testdata/cnn28.onnx",
        input: "testdata/cnn28.json",
        calibrate: "testdata/cnn28.json",
        depth: 0,
        visibility: Visibility::Public,
        reference: "LeNet-shaped CNN on 28x28, seeded weights: --conv auto proves both convolutions by im2col (patch layers), --pool auto both pools with CosetSum",
    },
    Case {
        name: "cnn28max",
        onnx: "testdata/cnn28max.onnx",
        input: "testdata/cnn28max.json",
        calibrate: "testdata/cnn28max.json",
        depth: 0,
        visibility: Visibility::Public,
        reference: "cnn28 with max pools: --conv auto by im2col, --pool auto both pools with CosetMax",
    },
    Case {
        name: "poolpool",
        onnx: "testdata/pool_pool.onnx",
        input: "testdata/pool_pool.json",
        calibrate: "testdata/pool_pool.json",
        depth: 0,
        visibility: Visibility::Public,
        reference: "MaxPool of a MaxPool, seeded weights: a Copy layer lays the first pool's output out for the second's CosetMax (--pool compose: the tournament)",
    },
    Case {
        name: "inputmax",
        onnx: "testdata/input_max.onnx",
        input: "testdata/input_max.json",
        calibrate: "testdata/input_max.json",
        depth: 0,
        visibility: Visibility::Public,
        reference: "MaxPool of the signed 8x8 input: a Copy layer and a signed CosetMax (--pool compose: the tournament)",
    },
    synthetic("mlp256x2", 2),
    synthetic("mlp256x4", 4),
    synthetic("mlp256x8", 8),
];

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Peak resident memory of this process so far (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Run the benchmarks.
pub async fn bench(a: &BenchArgs) -> anyhow::Result<()> {
    let known: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    if let Some(bad) = a.models.iter().find(|m| !known.contains(&m.as_str())) {
        anyhow::bail!(
            "unknown bench model `{bad}`: choose from {} (comma-separated)",
            known.join(", ")
        );
    }
    if a.runs == 0 {
        anyhow::bail!("--runs must be at least 1");
    }
    for c in CASES
        .iter()
        .filter(|c| a.models.iter().any(|m| m == c.name) && c.depth == 0)
    {
        let p = a.models_dir.join(c.onnx);
        if !p.exists() {
            anyhow::bail!(
                "{} not found: run bench from the zkt-eth repository root or pass --models-dir <checkout>/models",
                p.display()
            );
        }
    }
    let node = if a.no_chain { None } else { Some(LocalNode::spawn()?) };
    let mut rows = vec![];
    for case in CASES.iter().filter(|c| a.models.iter().any(|m| m == c.name)) {
        eprintln!("• {}", case.name);
        let (mut model, input) = if case.depth > 0 {
            synthetic_model(case.depth)
        } else {
            let path = a.models_dir.join(case.onnx);
            let calib = onnx::read_inputs(&a.models_dir.join(case.calibrate))?;
            let model = onnx::load_model(
                &path,
                &QuantizeOptions {
                    calibration: Some(calib),
                    pooling: a.pool,
                    conv: a.conv,
                    ..Default::default()
                },
            )?;
            let input = onnx::quantize_input(&model, &onnx::read_inputs(&a.models_dir.join(case.input))?[0])?;
            (model, input)
        };
        model.fold_log = a.fold_budget;
        let t = Instant::now();
        let srs = Srs::dev(1, srs_len_for(&model));
        let t_srs = t.elapsed();
        let pk = ProvingKey::setup(&model, &srs, case.visibility)?;
        let t_setup = t.elapsed();
        let layout = Layout::new(&pk.vk);
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let mut prove_t = vec![];
        let (mut msm_t, mut quotient_t) = (vec![], vec![]);
        let mut verify_t = vec![];
        let mut last = None;
        for _ in 0..a.runs.max(1) {
            let t = Instant::now();
            let out = crate::prover::prove(&pk, &input, &mut rng)?;
            prove_t.push(t.elapsed());
            msm_t.push(out.timings.commitments);
            quotient_t.push(out.timings.quotient);
            let bytes = out.proof.to_bytes();
            let t = Instant::now();
            crate::verifier::verify(&pk.vk, &out.public, &bytes)?;
            verify_t.push(t.elapsed());
            last = Some((out, bytes));
        }
        let Some((out, bytes)) = last else { continue };
        let g1 = layout.n_commits + crate::protocol::OPENINGS;
        let fr = layout.n_evals + 1; // the evaluations and the inversion hint
        let mut row = json!({
            "model": case.name, "input": format!("{:?}", case.visibility).to_lowercase(),
            "layers": model.layers.iter().map(|l| format!("{}x{}", l.out_len(), l.in_len())).collect::<Vec<_>>(),
            "scale_bits": model.scale_bits, "lookup_bits": model.lookup_bits, "fold_log": model.fold_log,
            "setup_cold_s": t_setup.as_secs_f64(), "setup_srs_s": t_srs.as_secs_f64(),
            "prove_median_s": median(prove_t.clone()).as_secs_f64(),
            "prove_commitments_median_s": median(msm_t).as_secs_f64(), "prove_quotient_median_s": median(quotient_t).as_secs_f64(), "verify_median_s": median(verify_t.clone()).as_secs_f64(),
            "runs": prove_t.len(), "proof_bytes": bytes.len(), "g1_points": g1, "field_elements": fr,
            "distinct_g2_points": 2, "vk_g1_points": pk.vk.g1_points(), "evaluation_points": layout.points.len(),
            "peak_rss_mib": peak_rss_mib(), "reference": case.reference,
        });
        if let Some(n) = &node {
            let (_, compiled) = super::onchain::build_verifier(&pk.vk, "ModelVerifier", case.name)?;
            let dep = chain::deploy(&n.endpoint(), None, &compiled.bytecode, None).await?;
            let (ins, outs) = crate::calldata::public_ints(&out.public);
            let data = crate::calldata::encode_verify(&bytes, &ins, &outs);
            let tx = chain::send(&n.endpoint(), None, dep.address, &data, Default::default()).await?;
            row["verify_tx_gas"] = json!(tx.gas_used);
            row["calldata_bytes"] = json!(data.len());
            row["runtime_bytes"] = json!(compiled.deployed_bytecode.len());
        }
        rows.push(row);
    }
    if a.json {
        return print_json(
            &json!({"benchmarks": rows, "machine": {"cores": std::thread::available_parallelism().map(|n| n.get()).ok()}}),
        );
    }
    say!(
        "{:<8} {:<8} {:>10} {:>10} {:>10} {:>8} {:>6} {:>6} {:>4} {:>9} {:>10} {:>9} {:>9}",
        "model",
        "input",
        "setup",
        "prove",
        "verify",
        "proof B",
        "G1",
        "Fr",
        "G2",
        "peak MiB",
        "gas",
        "calldata",
        "bytecode"
    );
    for r in &rows {
        let s = |k: &str| Duration::from_secs_f64(r[k].as_f64().unwrap_or(0.0));
        say!(
            "{:<8} {:<8} {:>10} {:>10} {:>10} {:>8} {:>6} {:>6} {:>4} {:>9.1} {:>10} {:>9} {:>9}",
            r["model"].as_str().unwrap_or(""),
            r["input"].as_str().unwrap_or(""),
            fmt_duration(s("setup_cold_s")),
            fmt_duration(s("prove_median_s")),
            fmt_duration(s("verify_median_s")),
            r["proof_bytes"],
            r["g1_points"],
            r["field_elements"],
            r["distinct_g2_points"],
            r["peak_rss_mib"].as_f64().unwrap_or(0.0),
            r["verify_tx_gas"],
            r["calldata_bytes"],
            r["runtime_bytes"]
        );
    }
    let prove_of = |m: &str| {
        rows.iter()
            .find(|r| r["model"] == m)
            .and_then(|r| r["prove_median_s"].as_f64())
    };
    if let (Some(d), Some(s)) = (prove_of("digits"), prove_of("sample")) {
        say!("digits prove ÷ sample prove: {:.1}×", d / s);
    }
    for r in &rows {
        let s = |k: &str| Duration::from_secs_f64(r[k].as_f64().unwrap_or(0.0));
        say!(
            "{}: prove {} = commitments (MSMs) {} + the quotient's FFTs {} + the rest",
            r["model"].as_str().unwrap_or(""),
            fmt_duration(s("prove_median_s")),
            fmt_duration(s("prove_commitments_median_s")),
            fmt_duration(s("prove_quotient_median_s"))
        );
    }
    for r in &rows {
        if let Some(refs) = r["reference"].as_str().filter(|s| !s.is_empty()) {
            say!("{}: {}", r["model"].as_str().unwrap_or(""), refs);
        }
    }
    say!(
        "(median of {} runs; peak memory is the process high-water mark after each model, models run in order)",
        a.runs
    );
    Ok(())
}
