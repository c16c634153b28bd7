//! compile, setup, prove, verify.

use super::{fmt_duration, print_json, say, Phase, INSECURE};
use crate::artifacts::{self, BuildDir, ProofFile};
use crate::keys::{srs_len_for, ProvingKey, Visibility};
use crate::model::{Activation, LayerOp};
use crate::onnx::{
    self,
    quantize::{Convolution, Pooling},
    InputRange, QuantizeOptions,
};
use crate::resources::{self, LimitArgs};
use crate::srs::Srs;
use anyhow::{bail, Context};
use clap::Args;
use rand::SeedableRng;
use serde_json::json;
use std::path::PathBuf;

/// `zkt-eth compile`.
#[derive(Args, Debug)]
pub struct CompileArgs {
    /// The ONNX model.
    pub model: PathBuf,
    /// Output build directory.
    #[arg(short, long, default_value = "build")]
    pub out: PathBuf,
    /// Fixed-point scale bits `s` (a real v becomes round(v·2^s)). Omitted: the largest scale whose
    /// window stays small, chosen from the input range (or the calibration data).
    #[arg(long)]
    pub scale_bits: Option<u32>,
    /// Lookup window bits `B` (values must lie in [-2^(B-1), 2^(B-1)), but a wide output: the logits of a last identity layer, any 64-bit integer the verifier checks); the table has K·2^B rows (K = 2, 4 or 8 activation functions)
    /// and dominates proving time. Omitted: the smallest window the input range (or calibration
    /// data) needs.
    #[arg(long)]
    pub lookup_bits: Option<u32>,
    /// The range of every input element, `LO,HI` or `LO:HI` (e.g. `--input-range=-1,1`): scale and
    /// window are chosen by interval analysis through every layer, so that NO input in the range
    /// can leave the window. Default, when neither this nor --calibrate is given: 0,1 (normalised
    /// inputs such as pixels); compile prints what it assumed.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "calibrate", value_name = "LO,HI")]
    pub input_range: Option<InputRange>,
    /// Calibration data set (JSON `{"input_data": [[...], ...]}`): chooses the scale and window from
    /// the values the model reaches on it (with a 2x margin: not a guarantee for other inputs; pass
    /// the very file you will prove to be sure of it), and reports fidelity against tract's float
    /// inference on it.
    #[arg(long)]
    pub calibrate: Option<PathBuf>,
    /// Extra data set (with optional `labels`) to report fidelity on, e.g. a test split.
    #[arg(long)]
    pub eval: Option<PathBuf>,
    /// Compile up to the logits when the graph ends in Softmax or LogSoftmax: that final op is
    /// dropped, the proof is about its input, and the argmax and ranking are unchanged (apply
    /// Softmax to the proven outputs off-chain). Without it such a model is refused.
    #[arg(long)]
    pub until_logits: bool,
    /// Fold budget, log2 (10..=20): lookup shares fold into the running sum while its quotient stays
    /// within 2^N coefficients (or the degree the proof needs anyway). Each fold saves a column's
    /// commitment or evaluations in verify() (up to ~8k gas) and enlarges the quotient the prover
    /// commits: 16 makes small models' verify() cheaper (e.g. 13k-24k gas) for slower proving.
    #[arg(long, value_name = "N", default_value_t = crate::blocks::fold::DEFAULT_FOLD_LOG,
          value_parser = clap::value_parser!(u32).range(10..=20))]
    pub fold_budget: u32,
    /// How pooling right after a ReLU-like layer is proven: `coset` (alias `cosetsum`) adds a
    /// CosetSum layer for an average pool over non-overlapping windows of 2 or 4 values (faster
    /// proving: the next layer's matrix shrinks by the window; ≈ 29k more gas per pool on LeNet)
    /// and a CosetMax layer for a max pool with windows of 1 to 4 values after a ReLU (faster
    /// proving and cheaper to verify than the tournament of ReLU layers); `compose` folds the
    /// averaging into the next dense layer (no gas of its own) and proves a max pool as a
    /// tournament of ReLU layers; `auto` uses CosetMax wherever it applies and CosetSum for pooled
    /// tensors of 1,024 elements or more.
    #[arg(long, value_enum, default_value = "auto")]
    pub pool: Pooling,
    /// How a convolution is proven: `im2col` lays its patches out with a Copy layer and applies
    /// the filters to each patch (a patch layer: the prover's matrix is filters × patches × taps,
    /// not outputs × inputs; ≈ 30k more gas for the Copy); `dense` composes it into a dense layer
    /// over the whole feature map; `auto` takes im2col where the dense matrix would have 2^18
    /// points or more (a 28×28 image's convolutions), dense below (LeNet on 8×8 digits).
    #[arg(long, value_enum, default_value = "auto")]
    pub conv: Convolution,
    /// Memory limit for the setup and prove this model will need (checked here, before writing).
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `zkt-eth setup`.
#[derive(Args, Debug)]
pub struct SetupArgs {
    /// Build directory written by `compile`.
    #[arg(default_value = "build")]
    pub build: PathBuf,
    /// A snarkjs / Perpetual Powers of Tau `.ptau` file.
    #[arg(long, conflicts_with = "dev", required_unless_present = "dev")]
    pub srs: Option<PathBuf>,
    /// Derive an INSECURE SRS from a public seed (local testing only).
    #[arg(long)]
    pub dev: bool,
    /// Seed for --dev.
    #[arg(long, default_value_t = 1, requires = "dev")]
    pub seed: u64,
    /// Whether the model input is public or a private witness. Outputs are always public.
    #[arg(long, value_enum, default_value = "public")]
    pub visibility: Visibility,
    /// Deprecated spelling of --visibility (kept so old scripts work; prints a note).
    #[arg(long = "input", value_enum, hide = true, conflicts_with = "visibility")]
    pub input_deprecated: Option<Visibility>,
    /// Memory limit, checked before the SRS is loaded or derived.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `zkt-eth prove`.
#[derive(Args, Debug)]
pub struct ProveArgs {
    /// Build directory with model.json, pk.bin, vk.bin.
    #[arg(default_value = "build")]
    pub build: PathBuf,
    /// Input JSON (`{"input_data": [[...]]}`); the first row is proven.
    #[arg(long)]
    pub input: PathBuf,
    /// Output proof file.
    #[arg(short, long, default_value = "proof.bin")]
    pub out: PathBuf,
    /// The input's opening from `zkt-eth commit-input` (required when the vk's input is
    /// committed): the proof is then bound to its commitment.
    #[arg(long)]
    pub opening: Option<PathBuf>,
    /// Memory limit, checked before the proving key is read.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `zkt-eth verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The verifying key (vk.bin).
    pub vk: PathBuf,
    /// The proof file (proof.bin).
    pub proof: PathBuf,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

fn act(a: Activation) -> String {
    a.name()
}

/// The activation column: `sigmoid`, or `sigmoid|id` for a mixed layer (identity on odd rows).
fn layer_act(l: &crate::model::DenseLayer) -> String {
    if l.mixed {
        format!("{}|id", act(l.activation))
    } else {
        act(l.activation)
    }
}

/// Quantize and lower.
pub fn compile(a: &CompileArgs) -> anyhow::Result<()> {
    let p = Phase::start("load and quantize");
    let calib = a.calibrate.as_ref().map(|p| onnx::read_dataset(p)).transpose()?;
    let opts = QuantizeOptions {
        scale_bits: a.scale_bits,
        lookup_bits: a.lookup_bits,
        calibration: calib.as_ref().map(|d| d.inputs.clone()),
        input_range: a.input_range,
        until_logits: a.until_logits,
        pooling: a.pool,
        conv: a.conv,
    };
    let (mut model, assumptions) = onnx::load_model_explained(&a.model, &opts)?;
    model.fold_log = a.fold_budget;
    resources::check_compile(&model, a.limits.max_memory)?;
    p.done();
    eprintln!("{}", assumptions.describe(&model));
    let mut fidelity = vec![];
    for (name, set) in [
        ("calibration", calib),
        ("eval", a.eval.as_ref().map(|p| onnx::read_dataset(p)).transpose()?),
    ] {
        if let Some(d) = set {
            let p = Phase::start("fidelity against tract float inference");
            let spin = crate::progress::task(&format!("{} {name} samples", d.inputs.len()), 0);
            let r = onnx::fidelity_with_labels(&a.model, &model, &d.inputs, d.labels.as_deref())?;
            spin.finish();
            p.done();
            fidelity.push((name, r));
        }
    }
    let dir = BuildDir(a.out.clone());
    artifacts::save_model(&dir.model(), &model)?;
    // Which RowSum instance each dense layer joins (layers on equal domains share one; the
    // batching does not depend on the input visibility, only where layer 0 keeps its bias does).
    let plan = crate::keys::model_plan(&model, crate::keys::Visibility::Public);
    let instance_of = |k: usize| plan.batches.iter().position(|b| b.contains(&k));
    let layers: Vec<_> = model
        .layers
        .iter()
        .enumerate()
        .map(|(k, l)| {
            let first = match l.op {
                LayerOp::Dense | LayerOp::Patch { .. } => "rowsum",
                LayerOp::Product { .. } | LayerOp::Square { .. } | LayerOp::CosetSum { .. } => "gate",
                LayerOp::CosetMax { .. } => "cosetmax",
                LayerOp::Copy { .. } => "copy",
            };
            let blocks = if l.op.is_copy() {
                vec![first]
            } else {
                vec![first, "activation"]
            };
            json!({"index": k, "name": l.name, "in": l.in_len(), "out": l.out_len(), "activation": act(l.activation),
                   "mixed": l.mixed, "blocks": blocks, "rowsum_instance": instance_of(k),
                   "patches": l.op.patch_shape().map(|p| json!({"filters": p.filters, "count": p.count, "taps": p.width}))})
        })
        .collect();
    let fid: Vec<_> = fidelity
        .iter()
        .map(|(n, r)| {
            json!({"set": n, "samples": r.samples, "max_abs_error": r.max_abs_error, "argmax_agreement": r.argmax_ratio,
                   "float_accuracy": r.float_accuracy, "quantized_accuracy": r.quantized_accuracy})
        })
        .collect();
    let report = json!({
        "model": a.model, "name": model.name, "scale_bits": model.scale_bits, "lookup_bits": model.lookup_bits,
        "table_rows": model.lookup_table().rows(), "srs_powers_needed": srs_len_for(&model),
        "dropped": model.dropped,
        "layers": layers, "fidelity": fid, "out": a.out, "assumptions": assumptions.to_json(&model),
    });
    artifacts::write_atomic(&dir.report(), serde_json::to_string_pretty(&report)?.as_bytes())?;
    if a.json {
        return print_json(&report);
    }
    say!("model {} → {}", a.model.display(), dir.model().display());
    say!(
        "scale 2^{} · lookup window [-2^{}, 2^{}) · table {} rows · SRS needs {} G1 powers",
        model.scale_bits,
        model.lookup_bits - 1,
        model.lookup_bits - 1,
        model.lookup_table().rows(),
        srs_len_for(&model)
    );
    if let Some(dropped) = &model.dropped {
        say!("--until-logits: dropped the final {dropped}; the proven outputs are its input, the logits");
    }
    say!("{:<4} {:<36} {:>10} {:<10} blocks", "#", "layer", "shape", "activation");
    for (k, l) in model.layers.iter().enumerate() {
        let first = match instance_of(k) {
            Some(i) if plan.batches[i].len() > 1 => {
                let with: Vec<String> = plan.batches[i].iter().map(usize::to_string).collect();
                format!("rowsum (batched: layers {})", with.join(", "))
            }
            Some(_) => match l.op.patch_shape() {
                Some(p) => format!(
                    "rowsum (patches: {} filters × {} patches × {} taps)",
                    p.filters, p.count, p.width
                ),
                None => "rowsum".to_string(),
            },
            None => match l.op {
                LayerOp::CosetSum { .. } => format!("gate: coset sum (window {})", l.op.coset().map_or(0, |(_, w)| w)),
                LayerOp::CosetMax { .. } => format!("cosetmax (window {})", l.op.coset().map_or(0, |(_, w)| w)),
                LayerOp::Copy { .. } => "copy (no lookup)".to_string(),
                LayerOp::Square { .. } => "gate: square".to_string(),
                _ => "gate: hadamard".to_string(),
            },
        };
        let then = if l.op.is_copy() { "" } else { " → activation" };
        say!(
            "{:<4} {:<36} {:>10} {:<10} {first}{then}",
            k,
            l.name,
            format!("{}×{}", l.out_len(), l.in_len()),
            layer_act(l),
        );
    }
    for (n, r) in &fidelity {
        say!(
            "fidelity ({n}, {} samples): max |float − quantized| = {:.5}, argmax agreement {:.2}%{}",
            r.samples,
            r.max_error(),
            100.0 * r.argmax_ratio,
            r.quantized_accuracy.map_or(String::new(), |q| format!(
                ", accuracy float {:.2}% / quantized {:.2}%",
                100.0 * r.float_accuracy.unwrap_or(0.0),
                100.0 * q
            ))
        );
        say!(
            "  per output: {}",
            r.max_abs_error
                .iter()
                .map(|e| format!("{e:.4}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    Ok(())
}

/// Commit weights and table.
pub fn setup(a: &SetupArgs) -> anyhow::Result<()> {
    let dir = BuildDir(a.build.clone());
    let model = artifacts::load_model(&dir.model())?;
    let visibility = match a.input_deprecated {
        Some(v) => {
            eprintln!(
                "note: `setup --input` is deprecated (it means visibility, unlike `prove --input`): use --visibility"
            );
            v
        }
        None => a.visibility,
    };
    let est = resources::check_setup(&model, visibility, a.limits.max_memory)?;
    super::progress_line(&format!("• setup estimate: {est} (limit {})", a.limits.max_memory));
    let needed = srs_len_for(&model);
    let p = Phase::start(if a.dev {
        "derive dev SRS (INSECURE)"
    } else {
        "load .ptau SRS"
    });
    let spin = crate::progress::task(&format!("{needed} G1 powers"), 0);
    let srs = match &a.srs {
        Some(path) => Srs::from_ptau(path, needed).with_context(|| format!("--srs {}", path.display()))?,
        None => Srs::dev(a.seed, needed),
    };
    spin.finish();
    let t_srs = p.done();
    let p = Phase::start("commit weights and lookup table");
    let pk = ProvingKey::setup(&model, &srs, visibility)?;
    let t_commit = p.done();
    artifacts::save_keys(&dir, &pk)?;
    let digest = format!("0x{}", hex::encode(pk.vk.digest()));
    let pinned = crate::ceremony::identify(&pk.vk.g2.tau);
    let origin = match (&srs.source, pinned) {
        (crate::srs::SrsSource::Dev { seed }, _) => format!("--dev SRS (public seed {seed})"),
        (crate::srs::SrsSource::Ptau { path, power }, Some(c)) => {
            format!(
                "{path}: power-{power} truncation of the pinned ceremony `{}` ({})",
                c.id, c.name
            )
        }
        (crate::srs::SrsSource::Ptau { path, power }, None) => {
            format!("{path} (power {power}): NOT a pinned ceremony, its τ may be known to whoever made it")
        }
    };
    if a.json {
        return print_json(
            &json!({"pk": dir.pk(), "vk": dir.vk(), "vk_digest": digest, "insecure": pk.vk.insecure,
            "srs_origin": origin, "ceremony": pinned.map(|c| c.id),
            "srs_powers": needed, "visibility": format!("{:?}", visibility).to_lowercase(),
            "seconds": {"srs": t_srs.as_secs_f64(), "commit": t_commit.as_secs_f64()}}),
        );
    }
    say!(
        "wrote {} and {} (vk digest {digest})",
        dir.pk().display(),
        dir.vk().display()
    );
    say!("SRS: {origin}");
    say!(
        "input visibility: {:?}; SRS: {needed} G1 powers; setup {}",
        visibility,
        fmt_duration(t_srs + t_commit)
    );
    if pk.vk.insecure {
        say!("{INSECURE}");
    }
    Ok(())
}

/// Prove one inference.
pub fn prove(a: &ProveArgs) -> anyhow::Result<()> {
    let dir = BuildDir(a.build.clone());
    let est = resources::check_prove_dir(&dir, a.limits.max_memory)?;
    super::progress_line(&format!("• prove estimate: {est} (limit {})", a.limits.max_memory));
    let rows = onnx::read_inputs(&a.input)?;
    let row = rows
        .first()
        .with_context(|| format!("{}: no input rows", a.input.display()))?;
    // Run the witness before loading the (large) proving key: a value outside the lookup window
    // fails here, with the command that fixes it.
    let model = artifacts::load_model(&dir.model())?;
    let input = onnx::quantize_input(&model, row)?;
    let first = std::slice::from_ref(row);
    model
        .forward(&input)
        .map_err(|e| super::mock::explain_forward_error(e, &a.build, &a.input, &model, first))?;
    // The vk decides whether an opening is needed; without one, loading the proving key below
    // names the missing setup step.
    let vk = match artifacts::load_vk(&dir.vk()) {
        Ok(vk) => vk,
        Err(_) => artifacts::load_pk(&dir)?.vk,
    };
    let opening = match (&a.opening, vk.input) {
        (Some(path), crate::keys::Visibility::Committed) => {
            let o = super::commit_input::load_opening(path, &vk)?;
            if o.input != input {
                anyhow::bail!(
                    "{} opens a different input than {}: commit this input with `zkt-eth commit-input {} --input {}`",
                    path.display(),
                    a.input.display(),
                    a.build.display(),
                    a.input.display()
                );
            }
            Some(o)
        }
        (None, crate::keys::Visibility::Committed) => anyhow::bail!(
            "the vk's input is committed: give the input's opening with --opening (make it with `zkt-eth commit-input {} --input {}`)",
            a.build.display(),
            a.input.display()
        ),
        (Some(_), v) => anyhow::bail!(
            "--opening is for committed inputs; this vk's input is {} (set up with `--visibility committed` to bind inputs)",
            v.name()
        ),
        (None, _) => None,
    };
    let p = Phase::start("load proving key");
    let pk = artifacts::load_pk(&dir)?;
    p.done();
    let p = Phase::start("prove");
    let mut rng = rand_chacha::ChaCha20Rng::from_entropy();
    let spin = crate::progress::task("witness, block proofs, accumulation, decider", 0);
    let out = crate::prover::prove_with(&pk, &input, opening.as_ref(), &mut rng);
    spin.finish();
    let out = out.map_err(|e| match e {
        crate::prover::ProveError::Forward(e) => {
            super::mock::explain_forward_error(e, &a.build, &a.input, &pk.model, first)
        }
        other => other.into(),
    })?;
    let total = p.done();
    let proof = out.proof.to_bytes();
    crate::verifier::verify(&pk.vk, &out.public, &proof)
        .context("self-check of the fresh proof failed (a bug: please report it)")?;
    let (ins, outs) = crate::calldata::public_ints(&out.public);
    let file = ProofFile {
        vk_digest: pk.vk.digest(),
        inputs: ins,
        outputs: outs.clone(),
        commitment: out.public.commitment,
        proof,
    };
    artifacts::write_atomic(&a.out, &file.to_bytes())?;
    let real = onnx::dequantize_output(&pk.model, &outs);
    let t = &out.timings;
    if a.json {
        return print_json(
            &json!({"proof": a.out, "outputs": real, "input_commitment": out.public.commitment.map(|c| crate::commitment::commitment_hex(&c)), "outputs_fixed_point": outs, "scale_bits": pk.model.scale_bits,
            "argmax": onnx::argmax(real.iter().copied()), "proof_bytes": file.proof.len(), "insecure": pk.vk.insecure,
            "seconds": {"total": total.as_secs_f64(), "witness": t.witness.as_secs_f64(), "blocks": t.blocks.as_secs_f64(), "accumulate_and_decide": t.accumulate.as_secs_f64(),
                "of_which_commitments": t.commitments.as_secs_f64(), "of_which_quotient": t.quotient.as_secs_f64()}}),
        );
    }
    eprintln!(
        "  witness {} · block proofs {} · accumulation + decider {} (of which commitments, MSMs: {}; the quotient's FFTs: {})",
        fmt_duration(t.witness),
        fmt_duration(t.blocks),
        fmt_duration(t.accumulate),
        fmt_duration(t.commitments),
        fmt_duration(t.quotient)
    );
    say!(
        "outputs: [{}]",
        real.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>().join(", ")
    );
    say!("argmax: {}", onnx::argmax(real.iter().copied()));
    say!(
        "wrote {} ({} proof bytes, input {:?}), proved in {}",
        a.out.display(),
        file.proof.len(),
        pk.vk.input,
        fmt_duration(total)
    );
    if pk.vk.insecure {
        say!("{INSECURE}");
    }
    Ok(())
}

/// Verify with the Rust verifier.
pub fn verify(a: &VerifyArgs) -> anyhow::Result<()> {
    let vk = artifacts::load_vk(&a.vk)?;
    let file = ProofFile::load(&a.proof)?;
    let start = std::time::Instant::now();
    let result = if file.vk_digest != vk.digest() {
        Err(anyhow::anyhow!(
            "proof was made for another model: its vk digest is 0x{} but {} has 0x{}",
            hex::encode(file.vk_digest),
            a.vk.display(),
            hex::encode(vk.digest())
        ))
    } else {
        crate::verifier::verify(&vk, &file.public(), &file.proof).map_err(anyhow::Error::from)
    };
    let elapsed = start.elapsed();
    if a.json {
        print_json(
            &json!({"valid": result.is_ok(), "error": result.as_ref().err().map(|e| e.to_string()),
            "insecure": vk.insecure, "outputs_fixed_point": file.outputs, "seconds": elapsed.as_secs_f64()}),
        )?;
    }
    match result {
        Ok(()) => {
            if !a.json {
                say!(
                    "valid ({}){}",
                    fmt_duration(elapsed),
                    if vk.insecure {
                        format!("\n{INSECURE}")
                    } else {
                        String::new()
                    }
                );
            }
            Ok(())
        }
        Err(e) => bail!("invalid: {e}"),
    }
}
