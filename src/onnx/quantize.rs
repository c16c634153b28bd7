//! Fixed-point quantization of a lowered model, and the choice of `scale_bits` / `lookup_bits`.
//!
//! A real `v` becomes `round(v · 2^s)`; weights are stored at scale `2^s`, biases at `2^(2s)` (they
//! add to products of two scale-`2^s` values). Every rescaled value must lie in the lookup window
//! `[-2^(B-1), 2^(B-1))`, and the table of `K·2^B` rows is part of the proving cost, so `B` should
//! be as small as the inputs allow and `s` as large as `B` allows.
//!
//! # What the choice rests on
//!
//! Every choice rests on one piece of evidence about the inputs the model will see, and the compile
//! report states which ([`Assumptions`]):
//!
//! - **an input range** `[lo, hi]` for every input element (`--input-range`; when no calibration
//!   data is given, [`DEFAULT_INPUT_RANGE`]): interval arithmetic through the integer model
//!   ([`interval_bounds`]: `W·x + b` per row with the sign of each weight, then the rounding
//!   rescale and the ReLU, both monotone) bounds the input and every layer's rescaled value. The
//!   bounds are sound: **no** input whose elements lie in the range can leave a window chosen
//!   from them. They are worst-case bounds, so the window can be larger than real data needs.
//! - **calibration data** (`--calibrate FILE`): run the integer model on the rows, take the largest
//!   `|value|` among the quantized inputs and every layer's rescaled values (before the
//!   activation), and require twice that to stay inside the window ([`CALIBRATION_MARGIN`]). An
//!   empirical bound: unseen inputs can be twice as large as the data before a witness fails (with a
//!   clear error, never a clamp). Calibrating on the very file that will be proven guarantees that
//!   file.
//!
//! The default range is `[0, 1]`, the range of normalised pixels and of min–max scaled features,
//! the usual input convention for the MLPs this toolkit targets (every example model's data lies
//! in it). It is an assumption, so `compile` prints it; inputs outside it still prove whenever their
//! values fit the window, and `zkt-eth mock` checks a given input file in well under a second.
//!
//! # How `(s, B)` is chosen from the evidence
//!
//! | given | scale_bits `s` | lookup_bits `B` |
//! |---|---|---|
//! | `s` and `B` | `s` | `B` (must be `≥ s + 1`; a declared input range must fit) |
//! | `s` | `s` | smallest `B ≥ s + 1` the evidence needs (≤ [`MAX_AUTO_LOOKUP_BITS`]) |
//! | `B` | largest `s` in [`CALIBRATED_SCALE_BITS`] the evidence fits in `B` | `B` |
//! | neither | first tier of [`CALIBRATION_TIERS`] `(B ≤ 8, s ≥ 6)`, `(B ≤ 9, s ≥ 7)`, `(B ≤ 11, s ≥ 6)`, `(B ≤ 13, s ≥ 6)`, `(B ≤ 14, s ≥ 6)`, `(B ≤ 15, s ≥ 6)`, `(B ≤ 16, s ≥ 4)` where some `s` fits; the largest such `s` | the smallest `B` that fits at that `s` |
//!
//! When nothing fits, the error says what the evidence needs and how to recompile.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use serde_json::json;

use super::error::OnnxError;
use super::lower::FloatModel;
use crate::model::{Activation, DenseLayer, LayerOp, QuantizedModel};

/// The input range assumed when neither calibration data nor an input range is given: normalised
/// inputs (pixels, min–max scaled features). See the module documentation.
pub const DEFAULT_INPUT_RANGE: InputRange = InputRange { lo: 0.0, hi: 1.0 };
/// The scales calibration chooses from.
pub const CALIBRATED_SCALE_BITS: RangeInclusive<u32> = 4..=12;
/// The largest lookup bits chosen automatically (a table of 2^17 rows).
pub const MAX_AUTO_LOOKUP_BITS: u32 = 16;
/// The largest scale accepted (the model format's limit).
pub const MAX_SCALE_BITS: u32 = crate::model::MAX_SCALE_BITS;
/// The largest lookup bits accepted (the model and vk formats' limit).
pub const MAX_LOOKUP_BITS: u32 = crate::model::MAX_LOOKUP_BITS;
/// Calibration keeps this factor between the largest observed value and the window edge.
pub const CALIBRATION_MARGIN: i128 = 2;
/// The largest `|lo|`, `|hi|` of an input range.
pub const MAX_INPUT_RANGE_ABS: f64 = 1e6;

/// A declared range `[lo, hi]` of every (real-valued) input element.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InputRange {
    /// Smallest value of any input element.
    pub lo: f64,
    /// Largest value of any input element.
    pub hi: f64,
}

impl InputRange {
    /// A range with finite `lo ≤ hi` inside `±`[`MAX_INPUT_RANGE_ABS`].
    pub fn new(lo: f64, hi: f64) -> Result<Self, String> {
        if !lo.is_finite() || !hi.is_finite() {
            return Err(format!("input range [{lo}, {hi}] must be finite"));
        }
        if lo > hi {
            return Err(format!("input range [{lo}, {hi}]: LO must not exceed HI"));
        }
        if lo.abs().max(hi.abs()) > MAX_INPUT_RANGE_ABS {
            return Err(format!(
                "input range [{lo}, {hi}] is beyond ±{MAX_INPUT_RANGE_ABS}; rescale the inputs or use --calibrate"
            ));
        }
        Ok(Self { lo, hi })
    }
}

impl FromStr for InputRange {
    type Err = String;
    /// `LO,HI` or `LO:HI`, e.g. `0,1` or `-1:1`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (lo, hi) = s
            .split_once(',')
            .or_else(|| s.split_once(':'))
            .ok_or_else(|| format!("input range `{s}`: expected LO,HI (e.g. 0,1 or -1:1)"))?;
        let num = |t: &str| {
            t.trim()
                .parse::<f64>()
                .map_err(|_| format!("input range `{s}`: `{}` is not a number", t.trim()))
        };
        Self::new(num(lo)?, num(hi)?)
    }
}

impl fmt::Display for InputRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {}]", self.lo, self.hi)
    }
}

/// How to quantize a model. `Default` is "nothing given": the [`DEFAULT_INPUT_RANGE`] and the
/// calibration tiers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuantizeOptions {
    /// The scale `s` (a real `v` becomes `round(v · 2^s)`); chosen from the evidence when `None`.
    pub scale_bits: Option<u32>,
    /// The lookup window bits `B`; chosen from the evidence when `None`.
    pub lookup_bits: Option<u32>,
    /// Representative flattened inputs used to choose `s` and `B` (2× margin).
    pub calibration: Option<Vec<Vec<f32>>>,
    /// The range of every input element, for a sound choice by interval analysis. Exclusive with
    /// `calibration`; [`DEFAULT_INPUT_RANGE`] when both are `None`.
    pub input_range: Option<InputRange>,
    /// Front end: drop a final `Softmax` / `LogSoftmax` and compile up to the logits
    /// (`compile --until-logits`); without it such a graph is refused.
    pub until_logits: bool,
    /// Front end: how pooling is proven (`compile --pool`).
    pub pooling: Pooling,
    /// Front end: how convolutions are proven (`compile --conv`).
    pub conv: Convolution,
}

/// How the front end proves a convolution (`compile --conv`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Convolution {
    /// im2col where the dense matrix would have at least `2^18` points ([`AUTO_PATCH_LOG`]) and
    /// the patch matrix is smaller; dense below (there the Copy's verifier cost, about 30k gas,
    /// outweighs the prover's saving).
    #[default]
    Auto,
    /// im2col wherever it applies: a Copy layer lays the patches out and a patch layer applies the
    /// filters to each (`docs/protocols/rowsum.md#patches`). It applies to a `group = 1`
    /// convolution whose input is the state itself (the last layer's output or the model input,
    /// nothing else carried), when its activation follows with nothing else to carry.
    Im2col,
    /// The convolution composed into a dense layer over the whole feature map.
    Dense,
}

/// [`Convolution::Auto`]'s threshold, `log2` of the dense matrix domain: cnn28's convolutions
/// (`2^22`, `2^21`) take im2col, LeNet's (`2^15`) stay dense.
pub const AUTO_PATCH_LOG: u32 = 18;

/// How the front end proves a pooling (`compile --pool`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Pooling {
    /// Max pooling by the CosetMax block wherever it applies (it is cheaper to prove and to verify
    /// than the tournament of ReLU layers); average pooling by a CosetSum layer when the pooled
    /// tensor has at least 1,024 elements (`AUTO_COSET_POOL`; there it shrinks the next layer's
    /// matrix, and the prover's work, by the window), else composed.
    #[default]
    Auto,
    /// Coset blocks wherever they apply: CosetSum for average pooling (faster proving, a layer
    /// more to verify: ≈ 29k gas per pool on LeNet), CosetMax for max pooling.
    #[value(alias = "cosetsum")]
    Coset,
    /// Average pooling composed into the next dense layer (nothing to verify for the pooling
    /// itself), max pooling as a tournament of ReLU layers (one per halving of the window).
    Compose,
}

/// [`Pooling::Auto`]'s threshold: a pooled tensor of at least this many elements gets a CosetSum
/// layer. LeNet's (256 and 128) compose, a 28×28 image's convolutions pool through CosetSum.
pub const AUTO_COSET_POOL: usize = 1024;

/// The evidence `(s, B)` was chosen from.
#[derive(Clone, Debug, PartialEq)]
pub enum Evidence {
    /// Interval analysis over an input range (sound for every input in it).
    Range {
        /// The range.
        range: InputRange,
        /// Whether it is [`DEFAULT_INPUT_RANGE`] (nothing was declared).
        default: bool,
    },
    /// The extremes of the integer model on calibration rows, with a 2× margin.
    Calibration {
        /// Number of rows.
        rows: usize,
    },
}

/// Integer bounds `[lo, hi]` of one stage (the input, or one layer's rescaled values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageBounds {
    /// `"input"` or the layer name.
    pub stage: String,
    /// Lower bound (inclusive), at scale `2^s`.
    pub lo: i128,
    /// Upper bound (inclusive), at scale `2^s`.
    pub hi: i128,
}

/// What `compile` assumed to choose `(s, B)`: printed on stderr and written to the compile report.
#[derive(Clone, Debug, PartialEq)]
pub struct Assumptions {
    /// The evidence about the inputs.
    pub evidence: Evidence,
    /// Whether `--scale-bits` was given (rather than chosen).
    pub scale_bits_given: bool,
    /// Whether `--lookup-bits` was given (rather than chosen).
    pub lookup_bits_given: bool,
    /// Per stage, the bounds the evidence gives at the chosen scale: interval bounds (range) or the
    /// observed extremes (calibration, before the margin). `None` when interval arithmetic
    /// overflows (a range far too wide for the scale).
    pub bounds: Option<Vec<StageBounds>>,
    /// Whether the window holds the bounds (with the margin, for calibration). Always true when
    /// `B` was chosen; with explicit options it says whether they cover the evidence.
    pub window_holds: bool,
}

impl Assumptions {
    /// One paragraph for humans (stderr).
    pub fn describe(&self, model: &QuantizedModel) -> String {
        let (s, b) = (model.scale_bits, model.lookup_bits);
        let half = 1i128 << (b - 1);
        let chosen = match (self.scale_bits_given, self.lookup_bits_given) {
            (true, true) => "--scale-bits and --lookup-bits given".to_string(),
            (true, false) => format!("--scale-bits given; lookup bits {b} chosen"),
            (false, true) => format!("--lookup-bits given; scale bits {s} chosen"),
            (false, false) => format!("scale bits {s} and lookup bits {b} chosen"),
        };
        let evidence = match &self.evidence {
            Evidence::Range { range, default: true } => format!(
                "every input element in {range} (the default range; declare yours with --input-range LO,HI or calibrate with --calibrate FILE)"
            ),
            Evidence::Range { range, default: false } => format!("every input element in {range} (--input-range)"),
            Evidence::Calibration { rows } => format!(
                "the calibration data ({rows} rows) with a {CALIBRATION_MARGIN}x margin: not a guarantee for other inputs"
            ),
        };
        let peak = self.bounds.as_ref().map(|b| {
            b.iter()
                .map(|st| format!("{} [{}, {}]", st.stage, st.lo, st.hi))
                .collect::<Vec<_>>()
                .join(", ")
        });
        let verdict = match (&self.evidence, self.window_holds) {
            (Evidence::Range { .. }, true) => {
                format!("interval analysis: no such input can leave the window [-{half}, {half})")
            }
            (Evidence::Range { .. }, false) => format!(
                "WARNING: the window [-{half}, {half}) does NOT hold every such input; check your inputs with `zkt-eth mock`"
            ),
            (Evidence::Calibration { .. }, true) => format!("the window [-{half}, {half}) holds twice the peak"),
            (Evidence::Calibration { .. }, false) => format!(
                "WARNING: the window [-{half}, {half}) does NOT hold twice the calibration peak; check your inputs with `zkt-eth mock`"
            ),
        };
        let mut text = format!("assumed: {evidence}\n  {chosen}; {verdict}");
        match peak {
            Some(p) => text.push_str(&format!("\n  bounds at scale 2^{s}: {p}")),
            None => text.push_str("\n  bounds overflow 128-bit integers at this scale"),
        }
        if model.wide_output() {
            text.push_str(
                "\n  the output (logits, identity activation) is wide: outside the window, range-checked by the verifier as a 64-bit integer",
            );
        }
        text
    }

    /// The `"assumptions"` object of the compile report.
    pub fn to_json(&self, model: &QuantizedModel) -> serde_json::Value {
        let bounds = self.bounds.as_ref().map(|b| {
            b.iter()
                .map(|st| {
                    json!({"stage": st.stage, "lo": st.lo as f64, "hi": st.hi as f64,
                           "lo_real": st.lo as f64 / (1u64 << model.scale_bits) as f64,
                           "hi_real": st.hi as f64 / (1u64 << model.scale_bits) as f64})
                })
                .collect::<Vec<_>>()
        });
        let (kind, range, default, rows, margin, sound) = match &self.evidence {
            Evidence::Range { range, default } => (
                "input_range",
                Some([range.lo, range.hi]),
                *default,
                None,
                None,
                self.window_holds,
            ),
            Evidence::Calibration { rows } => {
                ("calibration", None, false, Some(*rows), Some(CALIBRATION_MARGIN), false)
            }
        };
        json!({
            "basis": kind, "input_range": range, "input_range_is_default": default,
            "calibration_rows": rows, "calibration_margin": margin,
            "scale_bits_given": self.scale_bits_given, "lookup_bits_given": self.lookup_bits_given,
            "window_holds_bounds": self.window_holds, "sound_for_every_input_in_range": sound,
            "bounds": bounds, "text": self.describe(model),
        })
    }
}

/// Quantize a lowered model, choosing `(scale_bits, lookup_bits)` as the module documentation says.
pub fn quantize(float: &FloatModel, opts: &QuantizeOptions) -> Result<QuantizedModel, OnnxError> {
    Ok(quantize_explained(float, opts)?.0)
}

/// [`quantize()`], also returning what the choice of `(s, B)` assumed.
pub fn quantize_explained(
    float: &FloatModel,
    opts: &QuantizeOptions,
) -> Result<(QuantizedModel, Assumptions), OnnxError> {
    let options = |reason: String| OnnxError::Options { reason };
    if let Some(s) = opts.scale_bits {
        if !(1..=MAX_SCALE_BITS).contains(&s) {
            return Err(options(format!("scale_bits {s} is outside 1..={MAX_SCALE_BITS}")));
        }
    }
    if let Some(b) = opts.lookup_bits {
        if !(2..=MAX_LOOKUP_BITS).contains(&b) {
            return Err(options(format!("lookup_bits {b} is outside 2..={MAX_LOOKUP_BITS}")));
        }
    }
    if let (Some(s), Some(b)) = (opts.scale_bits, opts.lookup_bits) {
        if b < s + 1 {
            return Err(options(format!(
                "lookup_bits {b} must be at least scale_bits + 1 = {}",
                s + 1
            )));
        }
    }
    let evidence = match (&opts.calibration, opts.input_range) {
        (Some(_), Some(_)) => {
            return Err(options(
                "give either calibration data or an input range, not both".into(),
            ))
        }
        (Some(rows), None) if rows.is_empty() => return Err(options("the calibration set is empty".into())),
        (Some(rows), None) => {
            check_rows(rows, float.input_len())?;
            Evidence::Calibration { rows: rows.len() }
        }
        (None, Some(range)) => {
            InputRange::new(range.lo, range.hi).map_err(options)?;
            Evidence::Range { range, default: false }
        }
        (None, None) => Evidence::Range {
            range: DEFAULT_INPUT_RANGE,
            default: true,
        },
    };
    let rows = opts.calibration.as_deref().unwrap_or_default();
    let need = |s: u32| -> Result<u32, OnnxError> {
        let layers = quantize_layers(float, s)?;
        Ok(match &evidence {
            Evidence::Range { range, .. } => {
                interval_bounds(&layers, s, *range).map_or(129, |b| window_bits(windowed(&layers, &b)).max(s + 1))
            }
            Evidence::Calibration { .. } => required_lookup_bits(&layers, s, rows),
        })
    };
    let does_not_fit = |scale_bits: u32, needed: u32, limit: u32| match &evidence {
        Evidence::Range { range, default } => OnnxError::RangeDoesNotFit {
            range: range.to_string(),
            default: *default,
            scale_bits,
            needed,
            limit,
        },
        Evidence::Calibration { .. } => OnnxError::CalibrationDoesNotFit {
            scale_bits,
            needed,
            limit,
        },
    };
    let (s, b) = match (opts.scale_bits, opts.lookup_bits) {
        (Some(s), Some(b)) => {
            if let Evidence::Range { range, default: false } = &evidence {
                let needed = need(s)?;
                if needed > b {
                    return Err(OnnxError::WindowTooSmallForRange {
                        range: range.to_string(),
                        scale_bits: s,
                        lookup_bits: b,
                        needed,
                    });
                }
            }
            (s, b)
        }
        (Some(s), None) => {
            let needed = need(s)?;
            if needed > MAX_AUTO_LOOKUP_BITS {
                return Err(does_not_fit(s, needed, MAX_AUTO_LOOKUP_BITS));
            }
            (s, needed)
        }
        (None, lookup) => {
            let tiers: Vec<(u32, u32)> = match lookup {
                Some(b) => vec![(b, *CALIBRATED_SCALE_BITS.start())],
                None => CALIBRATION_TIERS.to_vec(),
            };
            match choose_scale(&tiers, need)? {
                Ok((s, needed)) => (s, lookup.unwrap_or(needed)),
                Err((scale_bits, needed, limit)) => return Err(does_not_fit(scale_bits, needed, limit)),
            }
        }
    };
    let layers = quantize_layers(float, s)?;
    check_overflow(&layers, s, b)?;
    let bounds = match &evidence {
        Evidence::Range { range, .. } => interval_bounds(&layers, s, *range),
        Evidence::Calibration { .. } => Some(observed_bounds(&layers, s, rows)),
    };
    let names: Vec<&str> = std::iter::once("input")
        .chain(layers.iter().map(|l| l.name.as_str()))
        .collect();
    let window_holds = match (&evidence, &bounds) {
        (_, None) => false,
        (Evidence::Range { .. }, Some(bd)) => window_bits(windowed(&layers, bd)) <= b,
        (Evidence::Calibration { .. }, Some(bd)) => margin_bits(windowed(&layers, bd)) <= b,
    };
    let assumptions = Assumptions {
        evidence,
        scale_bits_given: opts.scale_bits.is_some(),
        lookup_bits_given: opts.lookup_bits.is_some(),
        bounds: bounds.map(|bd| {
            bd.iter()
                .zip(names)
                .map(|((lo, hi), stage)| StageBounds {
                    stage: stage.to_owned(),
                    lo: *lo,
                    hi: *hi,
                })
                .collect()
        }),
        window_holds,
    };
    // A clip bound beyond the window changes nothing for in-window values: clamp it to the window
    // (Clip with no `max` has the bound f32::MAX).
    let half = 1i64 << (b - 1);
    let layers = layers
        .into_iter()
        .map(|mut l| {
            if let Activation::Clip { lo, hi } = l.activation {
                l.activation = Activation::Clip {
                    lo: lo.clamp(-half, half - 1),
                    hi: hi.clamp(-half, half - 1),
                };
            }
            l
        })
        .collect();
    let model = QuantizedModel {
        name: float.name.clone(),
        scale_bits: s,
        lookup_bits: b,
        input_shape: float.input_shape.clone(),
        layers,
        dropped: float.dropped.clone(),
        fold_log: crate::blocks::fold::DEFAULT_FOLD_LOG,
    };
    // The same checks `setup` and `prove` run on model.json: refuse here what they would refuse.
    model.validate().map_err(|e| options(e.to_string()))?;
    Ok((model, assumptions))
}

/// Tiers `(max lookup bits, min scale bits)`, tried in order: the lookup table (`K·2^B` rows)
/// dominates proving time, so a small window is preferred as long as the scale stays high enough
/// for fidelity; larger windows are used only when the evidence needs them, one bit at a time
/// while scale 6 fits (each bit doubles the table, and a higher scale is not worth that).
pub const CALIBRATION_TIERS: [(u32, u32); 7] = [
    (8, 6),
    (9, 7),
    (11, 6),
    (13, 6),
    (14, 6),
    (15, 6),
    (MAX_AUTO_LOOKUP_BITS, 4),
];

/// `Ok((s, B))`, or `Err((s, B needed, limit))` when no tier fits.
type ScaleChoice = Result<(u32, u32), (u32, u32, u32)>;

/// The first tier in which some scale fits, and there the largest scale in
/// [`CALIBRATED_SCALE_BITS`] whose needed lookup bits (`need(s)`) fit the tier: `Ok((s, need(s)))`,
/// or `Err((s, need(s), limit))` for the largest scale tried in the last tier.
fn choose_scale(
    tiers: &[(u32, u32)],
    mut need: impl FnMut(u32) -> Result<u32, OnnxError>,
) -> Result<ScaleChoice, OnnxError> {
    let mut need_at = std::collections::BTreeMap::new();
    let mut smallest_need = None;
    for (limit, min_scale) in tiers.iter().copied() {
        for s in CALIBRATED_SCALE_BITS.rev().filter(|s| *s >= min_scale) {
            if s + 1 > limit {
                continue;
            }
            let needed = match need_at.get(&s) {
                Some(n) => *n,
                None => {
                    let n = need(s)?;
                    need_at.insert(s, n);
                    n
                }
            };
            if needed <= limit {
                return Ok(Ok((s, needed)));
            }
            smallest_need = Some((s, needed));
        }
    }
    let limit = tiers.last().map_or(MAX_AUTO_LOOKUP_BITS, |t| t.0);
    let (scale_bits, needed) = smallest_need.unwrap_or((*CALIBRATED_SCALE_BITS.start(), limit + 1));
    Ok(Err((scale_bits, needed, limit)))
}

/// The smallest `B` such that `[-2^(B-1), 2^(B-1))` contains every `[lo, hi]`.
pub fn window_bits(bounds: &[(i128, i128)]) -> u32 {
    bounds
        .iter()
        .map(|(lo, hi)| {
            // hi < 2^(B-1) ⇔ B - 1 ≥ bitlen(hi); -2^(B-1) ≤ lo ⇔ B - 1 ≥ bitlen(-lo - 1).
            let up = 128 - (*hi).max(0).leading_zeros();
            let down = 128 - ((*lo).min(0).saturating_neg() - 1).max(0).leading_zeros();
            up.max(down) + 1
        })
        .max()
        .unwrap_or(1)
}

/// The smallest `B` whose window holds [`CALIBRATION_MARGIN`] times the largest `|value|`.
fn margin_bits(bounds: &[(i128, i128)]) -> u32 {
    let peak = bounds
        .iter()
        .map(|(lo, hi)| lo.saturating_abs().max(hi.saturating_abs()))
        .max()
        .unwrap_or(0);
    // 2^(B-1) > margin · peak  ⇔  B - 1 ≥ bit length of (margin · peak).
    128 - CALIBRATION_MARGIN.saturating_mul(peak).leading_zeros() + 1
}

/// The smallest `B ≥ s + 1` whose window holds twice the largest `|value|` of the integer model on
/// `rows`.
fn required_lookup_bits(layers: &[DenseLayer], s: u32, rows: &[Vec<f32>]) -> u32 {
    margin_bits(windowed(layers, &observed_bounds(layers, s, rows))).max(s + 1)
}

/// The stages whose values the lookup window must hold: every stage (the input, then each layer's
/// rescaled values), but the last one when the output is wide ([`crate::model::wide_output`]: the
/// verifier range-checks it as a 64-bit integer instead).
fn windowed<'a>(layers: &[DenseLayer], bounds: &'a [(i128, i128)]) -> &'a [(i128, i128)] {
    match layers.last() {
        Some(l) if crate::model::wide_output(l.activation) && bounds.len() > 1 => &bounds[..bounds.len() - 1],
        _ => bounds,
    }
}

/// Per stage (the input, then every layer's rescaled values before the activation), the smallest
/// and largest value of the integer model on `rows`, with the same arithmetic as
/// [`QuantizedModel::forward`] but in `i128` and without a window.
fn observed_bounds(layers: &[DenseLayer], s: u32, rows: &[Vec<f32>]) -> Vec<(i128, i128)> {
    let dense: Vec<DenseLayer> = layers.iter().map(|l| l.dense_equivalent(s)).collect();
    let layers = &dense[..];
    let mut bounds = vec![(i128::MAX, i128::MIN); layers.len() + 1];
    let widen = |b: &mut (i128, i128), v: i128| *b = (b.0.min(v), b.1.max(v));
    let half = (1i128 << s) >> 1;
    for row in rows {
        let mut x: Vec<i128> = row.iter().map(|v| (f64::from(*v) * pow2(s)).round() as i128).collect();
        for v in &x {
            widen(&mut bounds[0], *v);
        }
        for (k, layer) in layers.iter().enumerate() {
            // Saturating: absurd inputs then need absurd windows and are refused.
            let accs: Vec<i128> = match layer.op {
                LayerOp::Product { in_len, out_len } => {
                    (0..out_len).map(|i| x[i].saturating_mul(x[in_len / 2 + i])).collect()
                }
                LayerOp::Square { len } => (0..len).map(|i| x[i].saturating_mul(x[i])).collect(),
                LayerOp::CosetMax { in_len, out_len, .. } => {
                    let m = layer.op.coset().map_or(in_len.max(1), |(m, _)| m);
                    (0..out_len)
                        .map(|j| {
                            let max = (j..in_len).step_by(m).map(|i| x[i]).max().unwrap_or(0);
                            max.saturating_mul(1i128 << s)
                        })
                        .collect()
                }
                LayerOp::Copy { .. } => layer
                    .map
                    .iter()
                    .map(|&j| match j {
                        crate::model::COPY_ZERO => 0,
                        j => x[j as usize].saturating_mul(1i128 << s),
                    })
                    .collect(),
                LayerOp::Patch { out_len, .. } => {
                    let Some(p) = layer.op.patch_shape() else {
                        return bounds; // refused by validation
                    };
                    (0..out_len)
                        .map(|i| {
                            let Some((f, at)) = p.source(i) else {
                                return 0;
                            };
                            let xs = &x[at..][..p.width];
                            layer.weights[f]
                                .iter()
                                .zip(xs)
                                .fold(i128::from(layer.bias[f]), |acc, (w, v)| {
                                    acc.saturating_add(i128::from(*w).saturating_mul(*v))
                                })
                        })
                        .collect()
                }
                // Dense, and a coset sum as its dense equivalent (above).
                _ => layer
                    .weights
                    .iter()
                    .zip(&layer.bias)
                    .map(|(row, b)| {
                        row.iter().zip(&x).fold(i128::from(*b), |acc, (w, v)| {
                            acc.saturating_add(i128::from(*w).saturating_mul(*v))
                        })
                    })
                    .collect(),
            };
            x = accs
                .into_iter()
                .enumerate()
                .map(|(i, acc)| {
                    let q = acc.saturating_add(half).div_euclid(1i128 << s);
                    widen(&mut bounds[k + 1], q);
                    activate(layer.activation_at(i), q, s)
                })
                .collect();
        }
    }
    bounds
}

/// `f(q)` on the wide integers of the range analysis (every activation is monotone; a value
/// beyond `i64` saturates, which keeps the bounds sound for the clamping activations and absurd
/// for the others, which the window check then refuses).
fn activate(a: Activation, q: i128, s: u32) -> i128 {
    match a {
        Activation::Identity => q,
        Activation::Relu => q.max(0),
        a => i128::from(a.apply(q.clamp(i128::from(i64::MIN / 2), i128::from(i64::MAX / 2)) as i64, s)),
    }
}

/// The bounds of `f(q)` over `q ∈ [l, u]`: the ends for a monotone function, and SiLU's minimum
/// when the interval holds it ([`Activation::bounds`]).
fn activate_interval(a: Activation, l: i128, u: i128, s: u32) -> (i128, i128) {
    match a {
        Activation::Silu => {
            let clamp = |v: i128| v.clamp(i128::from(i64::MIN / 2), i128::from(i64::MAX / 2)) as i64;
            let (lo, hi) = a.bounds(clamp(l), clamp(u), s);
            (i128::from(lo), i128::from(hi))
        }
        a => (activate(a, l, s), activate(a, u, s)),
    }
}

/// Sound integer bounds of the quantized model at scale `s` for every input whose elements lie in
/// `range`: per stage (the quantized input, then every layer's rescaled value `q` before the
/// activation) the smallest and largest value any element can take. `None` when the arithmetic
/// overflows `i128`.
///
/// Two sound analyses, intersected element by element:
///
/// - **Interval arithmetic.** The input rounds into `[round(lo·2^s), round(hi·2^s)]` (rounding is
///   monotone); `acc_i = Σ_j W_ij·x_j + b_i` is smallest with `x_j` at its lower bound where
///   `W_ij > 0` and at its upper bound where `W_ij < 0`; the rescale `⌊(acc + 2^(s-1)) / 2^s⌋` and
///   the ReLU are monotone, so they map bounds to bounds. Exact integers; exact for the first layer,
///   loose after it (the elements of a hidden layer are treated as independent).
/// - **Linear bounds by back-substitution** (DeepPoly, Singh et al. 2019), for layers after the
///   first: each `q_i` is bounded above by a linear function of the layer input using
///   `(t − 2^s + 1)/2^s ≤ ⌊t/2^s⌋ ≤ t/2^s` for the rescale and, for a ReLU whose input bounds `[l, u]`
///   straddle 0, `λ·q ≤ relu(q) ≤ u·(q − l)/(u − l)` (`λ ∈ {0, 1}`); substituting layer by layer down
///   to the input keeps the correlation between hidden units that interval arithmetic loses, and the
///   resulting linear function of `x` is maximised exactly over the input box. Computed in `f64`
///   with a margin of `10⁻⁹·Σ|terms| + 10⁻⁶` before rounding outward, far above the rounding error.
pub fn interval_bounds(layers: &[DenseLayer], s: u32, range: InputRange) -> Option<Vec<(i128, i128)>> {
    // A coset sum is linear: bounded as the dense layer it equals, so that back-substitution runs
    // through it.
    let dense: Vec<DenseLayer> = layers.iter().map(|l| l.dense_equivalent(s)).collect();
    let layers = &dense[..];
    let lo = (range.lo * pow2(s)).round() as i128;
    let hi = (range.hi * pow2(s)).round() as i128;
    let n = layers.first().map_or(0, DenseLayer::in_len);
    let mut x = vec![(lo, hi); n];
    let mut out = vec![(lo, hi)];
    // Per layer, per element: the bounds of q (for the relaxations of later layers).
    let mut q_bounds: Vec<Vec<(i128, i128)>> = vec![];
    let half = (1i128 << s) >> 1;
    for (k, layer) in layers.iter().enumerate() {
        let mut rows = Vec::with_capacity(layer.out_len());
        if let LayerOp::Product { in_len, out_len } = layer.op {
            // Interval product of the two halves; no linear bounds through a product.
            for i in 0..out_len {
                let ((a_lo, a_hi), (b_lo, b_hi)) = (x[i], x[in_len / 2 + i]);
                let p = [
                    a_lo.checked_mul(b_lo)?,
                    a_lo.checked_mul(b_hi)?,
                    a_hi.checked_mul(b_lo)?,
                    a_hi.checked_mul(b_hi)?,
                ];
                let (lo, hi) = (p.iter().min()?.checked_add(half)?, p.iter().max()?.checked_add(half)?);
                rows.push((lo.div_euclid(1i128 << s), hi.div_euclid(1i128 << s)));
            }
        }
        if let LayerOp::Square { len } = layer.op {
            // Interval square: 0 is the least value when the interval holds it.
            for &(lo, hi) in x.get(..len)? {
                let (a, b) = (lo.checked_mul(lo)?, hi.checked_mul(hi)?);
                let least = if lo <= 0 && 0 <= hi { 0 } else { a.min(b) };
                let (l, u) = (least.checked_add(half)?, a.max(b).checked_add(half)?);
                rows.push((l.div_euclid(1i128 << s), u.div_euclid(1i128 << s)));
            }
        }
        if let LayerOp::CosetMax { in_len, out_len, .. } = layer.op {
            // The maximum is monotone in every member: the bounds of the members' maxima (the
            // rescale of 2^s·max is exact); no linear bounds through it.
            let m = layer.op.coset().map_or(in_len.max(1), |(m, _)| m);
            for j in 0..out_len {
                let members = (j..in_len).step_by(m).map(|i| x[i]);
                let lo = members.clone().map(|b| b.0).max()?;
                let hi = members.map(|b| b.1).max()?;
                rows.push((lo, hi));
            }
        }
        if let LayerOp::Copy { .. } = layer.op {
            // The values themselves, moved (the rescale of 2^s·x is exact); a copied zero is 0.
            for &j in &layer.map {
                rows.push(match j {
                    crate::model::COPY_ZERO => (0, 0),
                    j => *x.get(j as usize)?,
                });
            }
        }
        // The bounds of q = ⌊(row·x + b + 2^(s−1)) / 2^s⌋ over the box `xs`.
        let affine = |row: &[i64], b: i64, xs: &[(i128, i128)]| -> Option<(i128, i128)> {
            let (mut a_lo, mut a_hi) = (i128::from(b) + half, i128::from(b) + half);
            for (w, (x_lo, x_hi)) in row.iter().zip(xs) {
                let w = i128::from(*w);
                let (p, q) = (w.checked_mul(*x_lo)?, w.checked_mul(*x_hi)?);
                a_lo = a_lo.checked_add(p.min(q))?;
                a_hi = a_hi.checked_add(p.max(q))?;
            }
            Some((a_lo.div_euclid(1i128 << s), a_hi.div_euclid(1i128 << s)))
        };
        if let Some(p) = layer.op.patch_shape() {
            // Interval arithmetic per row on its patch; no linear bounds through a patch layer.
            for i in 0..layer.out_len() {
                rows.push(match p.source(i) {
                    None => (0, 0),
                    Some((f, at)) => affine(&layer.weights[f], layer.bias[f], x.get(at..)?)?,
                });
            }
        }
        for (row, b) in layer.weights.iter().zip(&layer.bias).filter(|_| layer.op.is_dense()) {
            let (mut q_lo, mut q_hi) = affine(row, *b, &x)?;
            // Back-substitution is linear: it stops at a product or coset-max layer (interval bounds
            // only after one).
            if k > 0 && layers[..k].iter().all(|l| l.op.is_dense()) {
                let (l, u) = back_substitute(layers, &q_bounds, k, row, *b, s, (lo, hi));
                q_lo = q_lo.max(l);
                q_hi = q_hi.min(u);
            }
            rows.push((q_lo, q_hi));
        }
        let stage = rows
            .iter()
            .fold((i128::MAX, i128::MIN), |st, (l, u)| (st.0.min(*l), st.1.max(*u)));
        out.push(stage);
        x = rows
            .iter()
            .enumerate()
            .map(|(i, (l, u))| activate_interval(layer.activation_at(i), *l, *u, s))
            .collect();
        q_bounds.push(rows);
    }
    Some(out)
}

/// DeepPoly bounds `(lower, upper)` of `q = ⌊(row·z + b + 2^(s-1)) / 2^s⌋` for one row of layer
/// `k ≥ 1`, whose input `z` is layer `k − 1`'s activation output; `q_bounds[j]` holds the bounds
/// of layer `j`'s `q`, `input` those of the quantized input. See [`interval_bounds`].
fn back_substitute(
    layers: &[DenseLayer],
    q_bounds: &[Vec<(i128, i128)>],
    k: usize,
    row: &[i64],
    bias: i64,
    s: u32,
    input: (i128, i128),
) -> (i128, i128) {
    let d = pow2(s);
    let t = i128::from(bias) + ((1i128 << s) >> 1);
    // Upper bound of q: row·z/2^s + t/2^s. Lower bound: −(upper bound of −q), with
    // −q ≤ −row·z/2^s − (t − 2^s + 1)/2^s.
    let coeffs: Vec<f64> = row.iter().map(|w| *w as f64 / d).collect();
    let upper = upper_bound(layers, q_bounds, k, coeffs.clone(), t as f64 / d, s, input);
    let neg: Vec<f64> = coeffs.iter().map(|c| -c).collect();
    let lower = -upper_bound(layers, q_bounds, k, neg, -((t - (1i128 << s) + 1) as f64) / d, s, input);
    let clamp = |v: f64| if v.is_finite() { v.clamp(-1e36, 1e36) } else { f64::NAN };
    match (clamp(lower), clamp(upper)) {
        (l, u) if l.is_nan() || u.is_nan() => (i128::MIN, i128::MAX),
        (l, u) => (l.ceil() as i128, u.floor() as i128),
    }
}

/// A sound upper bound (margin included) of `c·z + c0` where `z` is layer `k − 1`'s activation
/// output, by substituting relaxations down to the input box.
fn upper_bound(
    layers: &[DenseLayer],
    q_bounds: &[Vec<(i128, i128)>],
    k: usize,
    mut c: Vec<f64>,
    c0: f64,
    s: u32,
    (x_lo, x_hi): (i128, i128),
) -> f64 {
    let d = pow2(s);
    let (mut c0, mut mag0) = (c0, c0.abs());
    let mut mag: Vec<f64> = c.iter().map(|v| v.abs()).collect();
    for j in (0..k).rev() {
        let layer = &layers[j];
        // z_j = act(q_j) → an expression in q_j.
        for (i, (ci, mi)) in c.iter_mut().zip(&mut mag).enumerate() {
            let (l, u) = (q_bounds[j][i].0 as f64, q_bounds[j][i].1 as f64);
            let (slope, icpt) = match layer.activation_at(i) {
                Activation::Identity => (1.0, 0.0),
                Activation::Relu if l >= 0.0 => (1.0, 0.0),
                Activation::Relu if u <= 0.0 => (0.0, 0.0),
                // Upper relaxation for a positive coefficient, lower (λ·q) for a negative one.
                Activation::Relu if *ci >= 0.0 => (u / (u - l), -u * l / (u - l)),
                Activation::Relu => (if u > -l { 1.0 } else { 0.0 }, 0.0),
                // Constant relaxations: the bounds of f on [l, u] (the ends, but for SiLU's minimum).
                f if *ci >= 0.0 => (0.0, f.bounds(l as i64, u as i64, s).1 as f64),
                f => (0.0, f.bounds(l as i64, u as i64, s).0 as f64),
            };
            c0 += *ci * icpt;
            mag0 += (*ci * icpt).abs();
            *ci *= slope;
            *mi *= slope.abs();
        }
        // q_j = ⌊(W_j·z_{j−1} + b + 2^(s−1)) / 2^s⌋ → an expression in z_{j−1} (the input for j = 0).
        let mut next = vec![0.0; layer.in_len()];
        let mut next_mag = vec![0.0; layer.in_len()];
        for (i, (ci, mi)) in c.iter().zip(&mag).enumerate() {
            if *ci == 0.0 {
                continue;
            }
            let mut t = (i128::from(layer.bias[i]) + ((1i128 << s) >> 1)) as f64;
            if *ci < 0.0 {
                t -= d - 1.0;
            }
            c0 += ci * t / d;
            mag0 += (ci * t / d).abs() + mi * t.abs() / d;
            for (m, w) in layer.weights[i].iter().enumerate() {
                let w = *w as f64 / d;
                next[m] += ci * w;
                next_mag[m] += mi * w.abs();
            }
        }
        c = next;
        mag = next_mag;
    }
    let (lo, hi) = (x_lo as f64, x_hi as f64);
    let box_max = lo.abs().max(hi.abs());
    let value: f64 = c
        .iter()
        .map(|ci| if *ci >= 0.0 { ci * hi } else { ci * lo })
        .sum::<f64>()
        + c0;
    let margin = 1e-9 * (mag0 + mag.iter().sum::<f64>() * box_max) + 1e-6;
    value + margin
}

fn pow2(bits: u32) -> f64 {
    f64::from(bits).exp2()
}

/// `round(v · 2^bits)`, refusing values that do not fit comfortably in an `i64`.
fn fixed(v: f64, bits: u32, node: &str, what: &str) -> Result<i64, OnnxError> {
    let r = (v * pow2(bits)).round();
    if !r.is_finite() || r.abs() >= pow2(62) {
        return Err(OnnxError::BadWeight {
            node: node.to_owned(),
            reason: format!("{what} {v} does not fit 62 bits at scale 2^{bits}"),
        });
    }
    Ok(r as i64)
}

fn quantize_layers(float: &FloatModel, s: u32) -> Result<Vec<DenseLayer>, OnnxError> {
    float
        .layers
        .iter()
        .map(|layer| {
            let weights = layer
                .weights
                .iter()
                .map(|row| row.iter().map(|w| fixed(*w, s, &layer.name, "weight")).collect())
                .collect::<Result<_, _>>()?;
            let bias = layer
                .bias
                .iter()
                .map(|b| fixed(*b, 2 * s, &layer.name, "bias"))
                .collect::<Result<_, _>>()?;
            Ok(DenseLayer {
                name: layer.name.clone(),
                weights,
                bias,
                activation: layer.activation.quantize(s),
                op: layer.op,
                mixed: layer.mixed,
                map: layer.map.clone(),
            })
        })
        .collect()
}

/// Refuse models whose accumulator `W·x + b + 2^(s-1)` could leave the `i64` range (with one bit of
/// margin) for an input inside the window.
fn check_overflow(layers: &[DenseLayer], s: u32, b: u32) -> Result<(), OnnxError> {
    let x_max = 1i128 << (b - 1);
    let limit = 1i128 << 62;
    for (k, layer) in layers.iter().enumerate() {
        if matches!(layer.op, LayerOp::Product { .. } | LayerOp::Square { .. }) && x_max * x_max + (1i128 << s) >= limit
        {
            return Err(OnnxError::Overflow {
                layer: k,
                name: layer.name.clone(),
                row: 0,
            });
        }
        for (row_ix, (row, bias)) in layer.weights.iter().zip(&layer.bias).enumerate() {
            let bound =
                row.iter().map(|w| i128::from(*w).abs()).sum::<i128>() * x_max + i128::from(*bias).abs() + (1i128 << s);
            if bound >= limit {
                return Err(OnnxError::Overflow {
                    layer: k,
                    name: layer.name.clone(),
                    row: row_ix,
                });
            }
        }
    }
    Ok(())
}

/// Check every row has `len` finite values.
pub(crate) fn check_rows(rows: &[Vec<f32>], len: usize) -> Result<(), OnnxError> {
    for (row, values) in rows.iter().enumerate() {
        if values.len() != len {
            return Err(OnnxError::InputRow {
                row,
                reason: format!("{} values, the model expects {len}", values.len()),
            });
        }
        if let Some((ix, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(OnnxError::InputRow {
                row,
                reason: format!("value {v} at index {ix} is not finite"),
            });
        }
    }
    Ok(())
}

/// Quantize one flattened real input at the model's scale (`round(v · 2^s)`).
///
/// The window is not checked here: [`QuantizedModel::forward`] reports an out-of-window input.
pub fn quantize_input(model: &QuantizedModel, input: &[f32]) -> Result<Vec<i64>, OnnxError> {
    check_rows(std::slice::from_ref(&input.to_vec()), model.input_len())?;
    Ok(input.iter().map(|v| model.quantize(f64::from(*v))).collect())
}

/// Dequantize an integer output at the model's scale.
pub fn dequantize_output(model: &QuantizedModel, output: &[i64]) -> Vec<f64> {
    output.iter().map(|q| model.dequantize(*q)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::lower::FloatLayer;

    fn tiny() -> FloatModel {
        FloatModel {
            name: "tiny".into(),
            input_shape: vec![1, 2],
            dropped: None,
            layers: vec![
                FloatLayer {
                    name: "fc1".into(),
                    weights: vec![vec![1.5, -0.25], vec![0.5, 2.0]],
                    bias: vec![0.125, -1.0],
                    activation: crate::onnx::FloatActivation::Relu,
                    op: Default::default(),
                    mixed: false,
                    map: vec![],
                },
                FloatLayer {
                    name: "fc2".into(),
                    weights: vec![vec![1.0, -1.0]],
                    bias: vec![0.0],
                    activation: crate::onnx::FloatActivation::Identity,
                    op: Default::default(),
                    mixed: false,
                    map: vec![],
                },
            ],
        }
    }

    #[test]
    fn defaults_use_the_default_input_range() {
        // Inputs in [0, 1]: fc1 rows in [-0.125, 1.625] and [-1, 1.5]; fc2 in [-1.5, 1.625]. The
        // first tier (B ≤ 8, s ≥ 6): s = 7 needs 1.625·128 = 208 < 2^8, B = 9; s = 6 fits B = 8.
        let (q, a) = quantize_explained(&tiny(), &QuantizeOptions::default()).unwrap();
        assert_eq!((q.scale_bits, q.lookup_bits), (6, 8));
        assert_eq!(q.layers[0].weights[0], vec![96, -16]);
        assert_eq!(q.layers[0].bias, vec![512, -4096]);
        assert_eq!(
            a.evidence,
            Evidence::Range {
                range: DEFAULT_INPUT_RANGE,
                default: true
            }
        );
        assert!(a.window_holds && !a.scale_bits_given && !a.lookup_bits_given);
        let b = a.bounds.clone().unwrap();
        assert_eq!((b[0].lo, b[0].hi), (0, 64));
        // Interval arithmetic alone gives fc2 ≥ -96; the linear bounds keep the correlation of the
        // hidden units and come closer to the true minimum -64 (at x = (0, 1)).
        assert!(b[2].lo > -96 && b[2].lo <= -64 && b[2].hi == 104, "{:?}", b[2]);
        assert!(a.describe(&q).contains("default range"));
        assert_eq!(a.to_json(&q)["input_range"], json!([0.0, 1.0]));
    }

    #[test]
    fn table_activations_quantize_and_an_open_clip_is_clamped_to_the_window() {
        let mut m = tiny();
        m.layers[0].activation = crate::onnx::FloatActivation::Clip(0.0, f64::from(f32::MAX));
        m.layers[1].activation = crate::onnx::FloatActivation::Sigmoid;
        let q = quantize(&m, &QuantizeOptions::default()).unwrap();
        let half = 1i64 << (q.lookup_bits - 1);
        assert_eq!(q.layers[0].activation, Activation::Clip { lo: 0, hi: half - 1 });
        assert_eq!(q.layers[1].activation, Activation::Sigmoid);
        m.layers[0].activation = crate::onnx::FloatActivation::LeakyRelu(0.01);
        let q = quantize(&m, &QuantizeOptions::default()).unwrap();
        assert_eq!(q.layers[0].activation, Activation::LeakyRelu { alpha_q16: 655 });
    }

    #[test]
    fn explicit_options_are_validated() {
        let opts = QuantizeOptions {
            scale_bits: Some(10),
            lookup_bits: Some(10),
            ..Default::default()
        };
        assert!(matches!(quantize(&tiny(), &opts), Err(OnnxError::Options { .. })));
        let opts = QuantizeOptions {
            scale_bits: Some(0),
            ..Default::default()
        };
        assert!(matches!(quantize(&tiny(), &opts), Err(OnnxError::Options { .. })));
        // Scale 10 only: 1.625·1024 = 1664 < 2^11, so B = 12.
        let opts = QuantizeOptions {
            scale_bits: Some(10),
            ..Default::default()
        };
        assert_eq!(quantize(&tiny(), &opts).unwrap().lookup_bits, 12);
        // Lookup bits 9 only: the largest scale whose bounds fit is 7.
        let opts = QuantizeOptions {
            lookup_bits: Some(9),
            ..Default::default()
        };
        assert_eq!(quantize(&tiny(), &opts).unwrap().scale_bits, 7);
        // Both given: taken as they are, and the report says whether the default range fits.
        let opts = QuantizeOptions {
            scale_bits: Some(8),
            lookup_bits: Some(9),
            ..Default::default()
        };
        let (q, a) = quantize_explained(&tiny(), &opts).unwrap();
        assert_eq!((q.scale_bits, q.lookup_bits), (8, 9));
        assert!(!a.window_holds && a.describe(&q).contains("WARNING"));
        // ... but a declared range must fit.
        let opts = QuantizeOptions {
            input_range: Some(InputRange::new(0.0, 1.0).unwrap()),
            ..opts
        };
        let err = quantize(&tiny(), &opts).unwrap_err();
        assert!(
            matches!(err, OnnxError::WindowTooSmallForRange { needed: 10, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("--lookup-bits 10"), "{err}");
        let opts = QuantizeOptions {
            calibration: Some(vec![vec![0.0, 0.0]]),
            input_range: Some(DEFAULT_INPUT_RANGE),
            ..Default::default()
        };
        assert!(matches!(quantize(&tiny(), &opts), Err(OnnxError::Options { .. })));
    }

    #[test]
    fn input_ranges_parse_and_validate() {
        for (text, lo, hi) in [
            ("0,1", 0.0, 1.0),
            ("-1:1", -1.0, 1.0),
            (" -0.5 , 2.5 ", -0.5, 2.5),
            ("3,3", 3.0, 3.0),
        ] {
            assert_eq!(text.parse::<InputRange>().unwrap(), InputRange { lo, hi }, "{text}");
        }
        for (text, needle) in [
            ("1,0", "must not exceed"),
            ("a,1", "`a` is not a number"),
            ("0", "expected LO,HI"),
            ("nan,1", "finite"),
            ("0,inf", "finite"),
            ("-1e9,1", "beyond"),
        ] {
            let err = text.parse::<InputRange>().unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
        assert_eq!(InputRange::new(-1.0, 0.5).unwrap().to_string(), "[-1, 0.5]");
    }

    #[test]
    fn a_range_too_wide_for_any_table_is_an_error_with_the_fix() {
        let opts = QuantizeOptions {
            input_range: Some(InputRange::new(-1e5, 1e5).unwrap()),
            ..Default::default()
        };
        let err = quantize(&tiny(), &opts).unwrap_err();
        assert!(
            matches!(err, OnnxError::RangeDoesNotFit { default: false, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("--calibrate"), "{err}");
    }

    #[test]
    fn window_bits_is_the_smallest_window() {
        assert_eq!(window_bits(&[(-8, 7)]), 4);
        assert_eq!(window_bits(&[(-9, 0)]), 5);
        assert_eq!(window_bits(&[(0, 8)]), 5);
        assert_eq!(window_bits(&[(0, 0)]), 1);
        assert_eq!(window_bits(&[(-1, 0), (3, 3)]), 3);
    }

    /// For one layer interval arithmetic is exact: the bounds are reached at corners of the box.
    #[test]
    fn interval_bounds_are_exact_for_one_layer_and_hold_for_two() {
        let q = quantize(&tiny(), &QuantizeOptions::default()).unwrap();
        let range = InputRange::new(-0.5, 2.0).unwrap();
        let s = q.scale_bits;
        let b = interval_bounds(&q.layers, s, range).unwrap();
        let (lo, hi) = ((range.lo * pow2(s)).round() as i64, (range.hi * pow2(s)).round() as i64);
        let mut seen = [(i128::MAX, i128::MIN); 3];
        for x0 in lo..=hi {
            for x1 in lo..=hi {
                let mut x = vec![i128::from(x0), i128::from(x1)];
                seen[0] = (seen[0].0.min(x[0].min(x[1])), seen[0].1.max(x[0].max(x[1])));
                for (k, layer) in q.layers.iter().enumerate() {
                    x = layer
                        .weights
                        .iter()
                        .zip(&layer.bias)
                        .map(|(row, bias)| {
                            let acc =
                                row.iter().zip(&x).map(|(w, v)| i128::from(*w) * v).sum::<i128>() + i128::from(*bias);
                            let v = (acc + (1i128 << (s - 1))).div_euclid(1i128 << s);
                            seen[k + 1] = (seen[k + 1].0.min(v), seen[k + 1].1.max(v));
                            activate(layer.activation, v, s)
                        })
                        .collect();
                }
            }
        }
        assert_eq!(&b[..2], &seen[..2], "exact for the input and the first layer");
        assert!(b[2].0 <= seen[2].0 && seen[2].1 <= b[2].1, "{:?} ⊇ {:?}", b[2], seen[2]);
    }

    #[test]
    fn calibration_picks_largest_scale_with_margin() {
        // Inputs up to 4: hidden values up to 1.5·4 + 0.125 ≈ 6.1 and 0.5·4 + 2·4 - 1 = 9.
        let rows = vec![vec![4.0, 4.0], vec![0.0, 1.0], vec![2.0, -1.0]];
        let opts = QuantizeOptions {
            calibration: Some(rows.clone()),
            ..Default::default()
        };
        let q = quantize(&tiny(), &opts).unwrap();
        // Tier (B ≤ 8, s ≥ 6): 9·2^6·2 = 1152 > 2^7. Tier (B ≤ 9, s ≥ 7): 9·2^7·2 = 2304 > 2^8. Tier (B ≤ 11, s ≥ 6): 9·2^6·2 = 1152 > 2^10.
        // Tier (B ≤ 13, s ≥ 6): s = 7 fits (2304 < 2^12, so B = 13) and s = 8 would need B = 14.
        assert_eq!((q.scale_bits, q.lookup_bits), (7, 13));
        let (lo, hi) = q.window();
        for row in &rows {
            let trace = q.forward(&quantize_input(&q, row).unwrap()).unwrap();
            for v in trace.rescaled.iter().flatten().chain(&trace.input) {
                assert!(2 * v >= lo && 2 * v < hi);
            }
        }
        // With a fixed scale only B is derived; with a fixed B the scale adapts.
        let opts = QuantizeOptions {
            scale_bits: Some(4),
            calibration: Some(rows.clone()),
            ..Default::default()
        };
        assert_eq!(quantize(&tiny(), &opts).unwrap().lookup_bits, 10);
        let opts = QuantizeOptions {
            lookup_bits: Some(12),
            calibration: Some(rows),
            ..Default::default()
        };
        let q = quantize(&tiny(), &opts).unwrap();
        assert_eq!((q.scale_bits, q.lookup_bits), (6, 12));
    }

    #[test]
    fn calibration_that_cannot_fit_is_an_error() {
        let rows = vec![vec![1e6, 1e6]];
        let opts = QuantizeOptions {
            calibration: Some(rows),
            ..Default::default()
        };
        assert!(matches!(
            quantize(&tiny(), &opts),
            Err(OnnxError::CalibrationDoesNotFit { .. })
        ));
        let opts = QuantizeOptions {
            calibration: Some(vec![vec![1.0]]),
            ..Default::default()
        };
        assert!(matches!(
            quantize(&tiny(), &opts),
            Err(OnnxError::InputRow { row: 0, .. })
        ));
        let opts = QuantizeOptions {
            calibration: Some(vec![vec![f32::NAN, 1.0]]),
            ..Default::default()
        };
        assert!(matches!(
            quantize(&tiny(), &opts),
            Err(OnnxError::InputRow { row: 0, .. })
        ));
        let opts = QuantizeOptions {
            calibration: Some(vec![]),
            ..Default::default()
        };
        assert!(matches!(quantize(&tiny(), &opts), Err(OnnxError::Options { .. })));
    }

    #[test]
    fn overflow_is_refused() {
        let mut model = tiny();
        model.layers[0].weights[0][0] = 1e9;
        let opts = QuantizeOptions {
            scale_bits: Some(19),
            lookup_bits: Some(20),
            ..Default::default()
        };
        assert!(matches!(
            quantize(&model, &opts),
            Err(OnnxError::Overflow { layer: 0, row: 0, .. })
        ));
        model.layers[0].weights[0][0] = f64::INFINITY;
        assert!(matches!(quantize(&model, &opts), Err(OnnxError::BadWeight { .. })));
    }

    #[test]
    fn quantize_dequantize_round_trip_within_half_ulp() {
        for s in [4u32, 8, 12, 16] {
            let q = QuantizedModel {
                scale_bits: s,
                lookup_bits: s + 8,
                ..quantize(&tiny(), &QuantizeOptions::default()).unwrap()
            };
            let bound = (-(f64::from(s) + 1.0)).exp2();
            for i in -1000..=1000 {
                let v = f64::from(i) * 0.013_7;
                let err = (q.dequantize(q.quantize(v)) - v).abs();
                assert!(err <= bound, "s={s} v={v} err={err}");
            }
        }
    }
}
