//! `zkt-eth mock`: run the witness and check every block's statement without keys (EZKL's `mock`).
//!
//! For each input row: quantize it, run the integer model without the window check
//! ([`QuantizedModel::forward_unchecked`]), and check what each block will prove as exact integer
//! relations ([`crate::blocks`]): the input range lookup, then per layer `rowsum` (`y = W·x + b`)
//! and `lookup` (`(kind, q, act(q))` and the rescale remainder are table rows). A
//! failure names the row, the layer, the block, the first failing position and the `compile`
//! command that fixes it. Only `model.json` is read (and `compile.json`, when present, for the
//! model path and the compile assumptions), so a bad window shows up in milliseconds, before setup.
//!
//! The recompile hint ([`window_hint`]) is shared with `prove`.

use super::{fmt_duration, print_json, say};
use crate::artifacts::{self, BuildDir};
use crate::blocks::{copy, cosetmax, gate, lookup, rowsum, Violation};
use crate::model::{ForwardError, LayerOp, QuantizedModel, Trace};
use crate::onnx::{self, quantize::window_bits};
use anyhow::bail;
use clap::Args;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// `zkt-eth mock`.
#[derive(Args, Debug)]
pub struct MockArgs {
    /// Build directory written by `compile` (only model.json is needed: no setup, no keys).
    #[arg(default_value = "build")]
    pub build: PathBuf,
    /// Input JSON (`{"input_data": [[...], ...]}`). Every row is checked (`prove` proves the
    /// first).
    #[arg(long)]
    pub input: PathBuf,
    /// Check only this row (0-based).
    #[arg(long)]
    pub row: Option<usize>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// The blocks of a dense layer, in order.
const BLOCKS: [&str; 2] = ["rowsum", "lookup"];
/// The blocks of a product or coset-sum (pooling) layer: a Gate instance.
const GATE_BLOCKS: [&str; 2] = ["gate", "lookup"];
/// The blocks of a coset-max (max pooling) layer.
const COSETMAX_BLOCKS: [&str; 2] = ["cosetmax", "lookup"];
const COPY_BLOCKS: [&str; 1] = ["copy"];

/// The first failure of one block over all rows.
#[derive(Clone, Debug)]
struct Failure {
    row: usize,
    violation: Violation,
}

/// One stage (the input, or a layer): per block the first failure, and the value range seen.
#[derive(Clone, Debug)]
struct StageReport {
    name: String,
    /// `(block, first failure)` for the blocks this stage has.
    blocks: Vec<(&'static str, Option<Failure>)>,
    /// Smallest and largest looked-up value (input, or rescaled value before the activation).
    min: i64,
    max: i64,
}

impl StageReport {
    fn new(name: &str, blocks: &[&'static str]) -> Self {
        Self {
            name: name.to_owned(),
            blocks: blocks.iter().map(|b| (*b, None)).collect(),
            min: i64::MAX,
            max: i64::MIN,
        }
    }

    fn record(&mut self, block: &str, row: usize, result: Result<(), Violation>) -> bool {
        let ok = result.is_ok();
        if let (Err(violation), Some((_, slot))) = (result, self.blocks.iter_mut().find(|(b, _)| *b == block)) {
            slot.get_or_insert(Failure { row, violation });
        }
        ok
    }

    fn widen(&mut self, values: &[i64]) {
        for v in values {
            self.min = self.min.min(*v);
            self.max = self.max.max(*v);
        }
    }

    fn ok(&self) -> bool {
        self.blocks.iter().all(|(_, f)| f.is_none())
    }
}

/// Check one row's trace block by block; returns whether every block holds.
fn check_row(model: &QuantizedModel, row: usize, trace: &Trace, stages: &mut [StageReport]) -> bool {
    let table = model.lookup_table();
    stages[0].widen(&trace.input);
    let mut ok = stages[0].record("lookup", row, lookup::check_range(&table, &trace.input));
    for (k, layer) in model.layers.iter().enumerate() {
        let stage = &mut stages[k + 1];
        let x = if k == 0 { &trace.input } else { &trace.out[k - 1] };
        ok &= match layer.op {
            LayerOp::Dense => stage.record(
                "rowsum",
                row,
                rowsum::check(&layer.weights, &layer.bias, x, &trace.acc[k]),
            ),
            LayerOp::Patch { .. } => {
                let (w, b) = layer.matrix_rows();
                let stride = layer.op.patch_shape().map_or(1, |p| p.stride);
                stage.record("rowsum", row, rowsum::check_blocks(&w, &b, (x, stride), &trace.acc[k]))
            }
            LayerOp::Product { .. } => stage.record("gate", row, gate::check_hadamard(x, &trace.acc[k])),
            LayerOp::Square { .. } => stage.record("gate", row, gate::check_square(x, &trace.acc[k])),
            LayerOp::CosetSum { .. } => {
                let w = layer.op.coset().map_or(1, |(_, w)| w);
                let c = layer.op.coset_factor(model.scale_bits);
                stage.record("gate", row, gate::check_coset_sum(x, &trace.acc[k], w, c))
            }
            LayerOp::CosetMax { .. } => {
                let w = layer.op.coset().map_or(1, |(_, w)| w);
                let c = layer.op.coset_factor(model.scale_bits);
                let signed = matches!(layer.op, LayerOp::CosetMax { signed: true, .. });
                let bound = 1i64 << (model.lookup_bits - u32::from(!signed));
                stage.record("cosetmax", row, cosetmax::check(x, &trace.acc[k], w, (c, bound)))
            }
            LayerOp::Copy { .. } => {
                // The Copy block proves the output x[σ] itself: no accumulator, no lookup.
                ok &= stage.record("copy", row, copy::check(x, &trace.rescaled[k], &layer.map));
                stage.widen(&trace.rescaled[k]);
                continue;
            }
        };
        ok &= stage.record(
            "lookup",
            row,
            lookup::check(
                &table,
                |i| layer.activation_at(i),
                k + 1 == model.layers.len() && model.wide_output(),
                (&trace.acc[k], &trace.rescaled[k], &trace.out[k]),
            ),
        );
        stage.widen(&trace.rescaled[k]);
    }
    ok
}

/// The model path recorded by `compile` in `compile.json`, if any.
fn compiled_from(build: &Path) -> Option<(String, Value)> {
    let text = std::fs::read_to_string(BuildDir(build.to_path_buf()).report()).ok()?;
    let report: Value = serde_json::from_str(&text).ok()?;
    let model = report.get("model")?.as_str()?.to_owned();
    Some((model, report.get("assumptions").cloned().unwrap_or(Value::Null)))
}

/// The input range recorded in a compile report's assumptions.
fn assumed_range(assumptions: &Value) -> Option<(f64, f64)> {
    let r = assumptions.get("input_range")?.as_array()?;
    Some((r.first()?.as_f64()?, r.get(1)?.as_f64()?))
}

/// The lookup bits that would hold every value of `rows` at the model's scale (but a wide
/// output's), if computable.
fn lookup_bits_for(model: &QuantizedModel, rows: &[Vec<f32>]) -> Option<u32> {
    let mut bounds = vec![];
    for row in rows {
        let input = onnx::quantize_input(model, row).ok()?;
        let trace = model.forward_unchecked(&input).ok()?;
        // A wide output is not in the window ([`crate::model::wide_output`]).
        let windowed = trace.rescaled.len() - usize::from(model.wide_output());
        for v in std::iter::once(&trace.input).chain(&trace.rescaled[..windowed]) {
            let (lo, hi) = (v.iter().min()?, v.iter().max()?);
            bounds.push((i128::from(*lo), i128::from(*hi)));
        }
    }
    Some(window_bits(&bounds).max(model.scale_bits + 1)).filter(|b| *b <= onnx::quantize::MAX_LOOKUP_BITS)
}

/// How to recompile `build` so that its window holds the input file `input` (rows `rows`): the
/// exact `zkt-eth compile` commands, for `prove` and `mock` errors.
pub(crate) fn window_hint(build: &Path, input: &Path, model: &QuantizedModel, rows: &[Vec<f32>]) -> String {
    let compiled = compiled_from(build);
    let onnx = compiled
        .as_ref()
        .map_or_else(|| "MODEL.onnx".to_owned(), |(m, _)| m.clone());
    let base = format!("zkt-eth compile {onnx} -o {}", build.display());
    let mut lines = vec![format!(
        "fix: recompile so that the window holds this input, then run setup again; one of:\n  {base} --calibrate {}    (calibrate on this file, 2x margin)",
        input.display()
    )];
    // A range holding this file, the range compile assumed (if any) and 0, in whole numbers.
    let assumed = compiled
        .as_ref()
        .and_then(|(_, a)| assumed_range(a))
        .unwrap_or((0.0, 0.0));
    let (lo, hi) = rows
        .iter()
        .flatten()
        .fold(assumed, |(lo, hi), v| (lo.min(f64::from(*v)), hi.max(f64::from(*v))));
    if lo.is_finite() && hi.is_finite() {
        let (lo, hi) = (lo.min(0.0).floor(), hi.max(0.0).ceil());
        lines.push(format!(
            "  {base} --input-range={lo},{hi}    (sound for every input with elements in [{lo}, {hi}])"
        ));
    }
    if let Some(bits) = lookup_bits_for(model, rows) {
        lines.push(format!(
            "  {base} --scale-bits {} --lookup-bits {bits}    (this input needs lookup bits {bits} at scale 2^{})",
            model.scale_bits, model.scale_bits
        ));
    }
    lines.push(format!(
        "  check a file in milliseconds, before setup: zkt-eth mock {} --input {}",
        build.display(),
        input.display()
    ));
    lines.join("\n")
}

/// Add the recompile hint to a window error of integer inference (other errors pass through).
pub(crate) fn explain_forward_error(
    e: ForwardError,
    build: &Path,
    input: &Path,
    model: &QuantizedModel,
    rows: &[Vec<f32>],
) -> anyhow::Error {
    match e {
        ForwardError::OutsideWindow { .. }
        | ForwardError::InputOutsideWindow { .. }
        | ForwardError::Overflow { .. } => {
            anyhow::anyhow!("{}: {e}\n{}", input.display(), window_hint(build, input, model, rows))
        }
        other => other.into(),
    }
}

/// Run the witness and check every block on every row.
pub fn mock(a: &MockArgs) -> anyhow::Result<()> {
    let start = std::time::Instant::now();
    let dir = BuildDir(a.build.clone());
    let model = artifacts::load_model(&dir.model())?;
    let mut rows = onnx::read_inputs(&a.input)?;
    let first_row = match a.row {
        Some(r) if r >= rows.len() => bail!("{}: no row {r} (the file has {} rows)", a.input.display(), rows.len()),
        Some(r) => {
            rows = vec![rows.swap_remove(r)];
            r
        }
        None => 0,
    };
    let mut stages = vec![StageReport::new("input", &["lookup"])];
    stages.extend(model.layers.iter().map(|l| {
        let blocks: &[&'static str] = match l.op {
            LayerOp::Dense | LayerOp::Patch { .. } => &BLOCKS,
            LayerOp::Product { .. } | LayerOp::Square { .. } | LayerOp::CosetSum { .. } => &GATE_BLOCKS,
            LayerOp::CosetMax { .. } => &COSETMAX_BLOCKS,
            LayerOp::Copy { .. } => &COPY_BLOCKS,
        };
        StageReport::new(&l.name, blocks)
    }));
    let mut failed_rows = vec![];
    for (i, row) in rows.iter().enumerate() {
        let index = first_row + i;
        let input = onnx::quantize_input(&model, row)
            .map_err(|e| anyhow::anyhow!("{}: row {index}: {e}", a.input.display()))?;
        let ok = match model.forward_unchecked(&input) {
            Ok(trace) => check_row(&model, index, &trace, &mut stages),
            Err(ForwardError::Overflow { layer, position, .. }) => {
                stages[layer + 1].record(
                    "rowsum",
                    index,
                    Err(Violation {
                        position,
                        reason: "the accumulator W·x + b overflows 64 bits".into(),
                    }),
                );
                false
            }
            Err(e) => bail!("{}: row {index}: {e}", a.input.display()),
        };
        if !ok {
            failed_rows.push(index);
        }
    }
    let elapsed = start.elapsed();
    let (lo, hi) = model.window();
    let passed = failed_rows.is_empty();
    let first_failure = stages
        .iter()
        .enumerate()
        .flat_map(|(k, st)| {
            st.blocks
                .iter()
                .filter_map(move |(b, f)| f.as_ref().map(|f| (k, st.name.clone(), *b, f.clone())))
        })
        .min_by_key(|(k, _, _, f)| (f.row, *k));
    let hint = (!passed).then(|| window_hint(&a.build, &a.input, &model, &rows));
    // Inputs outside the range compile assumed (informational: they prove whenever the window holds).
    let assumed = compiled_from(&a.build).and_then(|(_, assumptions)| assumed_range(&assumptions));
    let outside_assumed = assumed.and_then(|(rlo, rhi)| {
        rows.iter().enumerate().find_map(|(i, row)| {
            row.iter()
                .position(|v| f64::from(*v) < rlo || f64::from(*v) > rhi)
                .map(|j| (first_row + i, j, row[j], rlo, rhi))
        })
    });

    if a.json {
        let layers: Vec<Value> = stages
            .iter()
            .enumerate()
            .map(|(k, st)| {
                let blocks: serde_json::Map<String, Value> = st
                    .blocks
                    .iter()
                    .map(|(b, f)| {
                        let v = match f {
                            None => json!({"ok": true}),
                            Some(f) => json!({"ok": false, "row": f.row, "position": f.violation.position,
                                              "reason": f.violation.reason}),
                        };
                        ((*b).to_owned(), v)
                    })
                    .collect();
                json!({"stage": if k == 0 { Value::from("input") } else { Value::from(k - 1) }, "name": st.name,
                       "ok": st.ok(), "blocks": blocks, "min": st.min, "max": st.max})
            })
            .collect();
        print_json(&json!({
            "ok": passed, "build": a.build, "input": a.input, "rows_checked": rows.len(),
            "rows_failed": failed_rows.len(), "failed_rows": failed_rows.iter().take(100).collect::<Vec<_>>(),
            "scale_bits": model.scale_bits, "lookup_bits": model.lookup_bits, "window": [lo, hi],
            "layers": layers, "hint": hint,
            "outside_assumed_range": outside_assumed.map(|(r, j, v, rlo, rhi)|
                json!({"row": r, "index": j, "value": v, "range": [rlo, rhi]})),
            "seconds": elapsed.as_secs_f64(),
        }))?;
    } else {
        say!(
            "mock {} on {} ({} row{}): scale 2^{}, lookup window [{lo}, {hi}) (lookup bits {})",
            a.build.display(),
            a.input.display(),
            rows.len(),
            if rows.len() == 1 { "" } else { "s" },
            model.scale_bits,
            model.lookup_bits
        );
        say!(
            "{:<6} {:<36} {:<11} {:<7} {:>24}",
            "#",
            "stage",
            "layer op",
            "lookup",
            "values (min..max)"
        );
        for (k, st) in stages.iter().enumerate() {
            let cell = |block: &str| match st.blocks.iter().find(|(b, _)| *b == block) {
                None => "-",
                Some((_, None)) => "ok",
                Some((_, Some(_))) => "FAIL",
            };
            // The first block of the stage is its layer op (rowsum, gate, cosetmax or copy).
            let op = st
                .blocks
                .first()
                .map(|(b, _)| format!("{} {b}", cell(b)))
                .unwrap_or_default();
            say!(
                "{:<6} {:<36} {:<11} {:<7} {:>24}",
                if k == 0 { "in".to_owned() } else { (k - 1).to_string() },
                st.name,
                if k == 0 { "-".to_owned() } else { op },
                cell("lookup"),
                format!("{}..{}", st.min, st.max)
            );
        }
        say!(
            "{} of {} row{} pass every block ({})",
            rows.len() - failed_rows.len(),
            rows.len(),
            if rows.len() == 1 { "" } else { "s" },
            fmt_duration(elapsed)
        );
    }
    if let Some((r, j, v, rlo, rhi)) = outside_assumed {
        eprintln!(
            "note: row {r} index {j} = {v} is outside the input range [{rlo}, {rhi}] compile assumed; it proves only if every value fits the window"
        );
    }
    match (first_failure, hint) {
        (Some((k, name, block, f)), Some(hint)) => {
            let stage = if k == 0 {
                "input".to_owned()
            } else {
                format!("layer {} ({name})", k - 1)
            };
            bail!(
                "mock failed on {} of {} row(s); first failure: row {}, {stage}, {block} block, {}\n{hint}",
                failed_rows.len(),
                rows.len(),
                f.row,
                f.violation
            )
        }
        _ => Ok(()),
    }
}
