//! Fixed-point quantization of a lowered model, and the choice of `scale_bits` / `lookup_bits`.
//!
//! A real `v` becomes `round(v · 2^s)`; weights are stored at scale `2^s`, biases at `2^(2s)` (they
//! add to products of two scale-`2^s` values). Every rescaled value must lie in the lookup window
//! `[-2^(B-1), 2^(B-1))`, and the table of size `2^B` is part of the proving cost, so `B` should be
//! as small as the data allows and `s` as large as `B` allows.
//!
//! # How `(s, B)` is chosen
//!
//! | given | scale_bits `s` | lookup_bits `B` |
//! |---|---|---|
//! | `s` and `B` | `s` | `B` (must be `≥ s + 1`) |
//! | `s`, calibration data | `s` | smallest `B` that holds the data with a 2× margin (≤ 16) |
//! | `s` only | `s` | `max(12, s + 4)`: reals in `[-8, 8)` or wider |
//! | calibration data | first tier of [`CALIBRATION_TIERS`] `(B ≤ 8, s ≥ 6)`, `(B ≤ 9, s ≥ 7)`, `(B ≤ 11, s ≥ 6)`, `(B ≤ 13, s ≥ 6)`, `(B ≤ 16, s ≥ 4)` where some `s` fits; the largest such `s` | the smallest `B` that fits at that `s` |
//! | calibration data and `B` | largest `s` in `4..=12` whose data fits in `B` | `B` |
//! | `B` only | `clamp(B - 4, 1, 8)` | `B` |
//! | nothing | 8 | 12: reals in `[-8, 8)` |
//!
//! "Fits with a 2× margin" means: run the integer model on the calibration rows, take the largest
//! `|value|` among the quantized inputs and every layer's rescaled values (before the activation),
//! and require twice that to stay inside the window. Unseen inputs can then be twice as large as the
//! calibration data before a witness fails (with a clear error, never a clamp).

use std::ops::RangeInclusive;

use super::error::OnnxError;
use super::lower::FloatModel;
use crate::model::{Activation, DenseLayer, QuantizedModel};

/// Scale bits used when neither a scale nor calibration data is given.
pub const DEFAULT_SCALE_BITS: u32 = 8;
/// Lookup bits used when neither lookup bits nor calibration data is given (window `[-8, 8)` at
/// scale 8).
pub const DEFAULT_LOOKUP_BITS: u32 = 12;
/// The scales calibration chooses from.
pub const CALIBRATED_SCALE_BITS: RangeInclusive<u32> = 4..=12;
/// The largest lookup bits chosen automatically (a table of 65,536 entries).
pub const MAX_AUTO_LOOKUP_BITS: u32 = 16;
/// The largest scale accepted (the model format's limit).
pub const MAX_SCALE_BITS: u32 = crate::model::MAX_SCALE_BITS;
/// The largest lookup bits accepted (the model and vk formats' limit).
pub const MAX_LOOKUP_BITS: u32 = crate::model::MAX_LOOKUP_BITS;
/// Calibration keeps this factor between the largest observed value and the window edge.
pub const CALIBRATION_MARGIN: i128 = 2;

/// How to quantize a model. `Default` is "nothing given": scale 8, lookup bits 12.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuantizeOptions {
    /// The scale `s` (a real `v` becomes `round(v · 2^s)`); chosen by calibration when `None`.
    pub scale_bits: Option<u32>,
    /// The lookup window bits `B`; chosen from the data (or a default) when `None`.
    pub lookup_bits: Option<u32>,
    /// Representative flattened inputs used to choose `s` and `B`.
    pub calibration: Option<Vec<Vec<f32>>>,
}

/// Quantize a lowered model, choosing `(scale_bits, lookup_bits)` as the module documentation says.
pub fn quantize(float: &FloatModel, opts: &QuantizeOptions) -> Result<QuantizedModel, OnnxError> {
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
    let calibration = match &opts.calibration {
        Some(rows) if rows.is_empty() => return Err(options("the calibration set is empty".into())),
        Some(rows) => {
            check_rows(rows, float.input_len())?;
            Some(rows.as_slice())
        }
        None => None,
    };
    let (s, b) = match (opts.scale_bits, opts.lookup_bits, calibration) {
        (Some(s), Some(b), _) => (s, b),
        (Some(s), None, Some(rows)) => {
            let needed = required_lookup_bits(float, s, rows)?;
            if needed > MAX_AUTO_LOOKUP_BITS {
                return Err(OnnxError::CalibrationDoesNotFit {
                    scale_bits: s,
                    needed,
                    limit: MAX_AUTO_LOOKUP_BITS,
                });
            }
            (s, needed)
        }
        (Some(s), None, None) => (s, DEFAULT_LOOKUP_BITS.max(s + 4).min(MAX_LOOKUP_BITS)),
        (None, lookup, Some(rows)) => calibrate(float, lookup, rows)?,
        (None, Some(b), None) => (b.saturating_sub(4).clamp(1, DEFAULT_SCALE_BITS), b),
        (None, None, None) => (DEFAULT_SCALE_BITS, DEFAULT_LOOKUP_BITS),
    };
    let layers = quantize_layers(float, s)?;
    check_overflow(&layers, s, b)?;
    let model = QuantizedModel {
        name: float.name.clone(),
        scale_bits: s,
        lookup_bits: b,
        input_shape: float.input_shape.clone(),
        layers,
    };
    // The same checks `setup` and `prove` run on model.json: refuse here what they would refuse.
    model.validate().map_err(|e| options(e.to_string()))?;
    Ok(model)
}

/// Calibration tiers `(max lookup bits, min scale bits)`, tried in order: the lookup table
/// (`2^(B+1)` rows) dominates proving time, so a small window is preferred as long as the scale stays
/// high enough for fidelity; larger windows are used only when the data needs them.
pub const CALIBRATION_TIERS: [(u32, u32); 5] = [(8, 6), (9, 7), (11, 6), (13, 6), (MAX_AUTO_LOOKUP_BITS, 4)];

/// The first tier (see [`CALIBRATION_TIERS`]) in which some scale fits, and there the largest scale
/// in [`CALIBRATED_SCALE_BITS`] whose calibration values fit the window. A given `lookup` replaces
/// the tiers.
fn calibrate(float: &FloatModel, lookup: Option<u32>, rows: &[Vec<f32>]) -> Result<(u32, u32), OnnxError> {
    let tiers: Vec<(u32, u32)> = match lookup {
        Some(b) => vec![(b, *CALIBRATED_SCALE_BITS.start())],
        None => CALIBRATION_TIERS.to_vec(),
    };
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
                    let n = required_lookup_bits(float, s, rows)?;
                    need_at.insert(s, n);
                    n
                }
            };
            if needed <= limit {
                return Ok((s, lookup.unwrap_or(needed)));
            }
            smallest_need = Some((s, needed));
        }
    }
    let limit = tiers.last().map_or(MAX_AUTO_LOOKUP_BITS, |t| t.0);
    let (scale_bits, needed) = smallest_need.unwrap_or((*CALIBRATED_SCALE_BITS.start(), limit + 1));
    Err(OnnxError::CalibrationDoesNotFit {
        scale_bits,
        needed,
        limit,
    })
}

/// The smallest `B ≥ s + 1` such that twice the largest `|value|` of the integer model on `rows`
/// stays inside `[-2^(B-1), 2^(B-1))`.
fn required_lookup_bits(float: &FloatModel, s: u32, rows: &[Vec<f32>]) -> Result<u32, OnnxError> {
    let layers = quantize_layers(float, s)?;
    let mut peak: i128 = 0;
    for row in rows {
        let x: Vec<i128> = row.iter().map(|v| (f64::from(*v) * pow2(s)).round() as i128).collect();
        peak = peak.max(peak_abs(&layers, s, x));
    }
    // 2^(B-1) > margin · peak  ⇔  B - 1 ≥ bit length of (margin · peak).
    let bits = 128 - (CALIBRATION_MARGIN * peak).leading_zeros() + 1;
    Ok(bits.max(s + 1))
}

/// The largest `|value|` among the input and every layer's rescaled values, with the same
/// arithmetic as [`QuantizedModel::forward`] but in `i128` and without a window.
fn peak_abs(layers: &[DenseLayer], s: u32, mut x: Vec<i128>) -> i128 {
    let mut peak = x.iter().map(|v| v.abs()).max().unwrap_or(0);
    let half = (1i128 << s) >> 1;
    for layer in layers {
        x = layer
            .weights
            .iter()
            .zip(&layer.bias)
            .map(|(row, b)| {
                let acc = row.iter().zip(&x).map(|(w, v)| i128::from(*w) * v).sum::<i128>() + i128::from(*b);
                let q = (acc + half).div_euclid(1i128 << s);
                peak = peak.max(q.abs());
                match layer.activation {
                    Activation::Identity => q,
                    Activation::Relu => q.max(0),
                }
            })
            .collect();
    }
    peak
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
                activation: layer.activation,
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
            layers: vec![
                FloatLayer {
                    name: "fc1".into(),
                    weights: vec![vec![1.5, -0.25], vec![0.5, 2.0]],
                    bias: vec![0.125, -1.0],
                    activation: Activation::Relu,
                },
                FloatLayer {
                    name: "fc2".into(),
                    weights: vec![vec![1.0, -1.0]],
                    bias: vec![0.0],
                    activation: Activation::Identity,
                },
            ],
        }
    }

    #[test]
    fn defaults_without_anything() {
        let q = quantize(&tiny(), &QuantizeOptions::default()).unwrap();
        assert_eq!((q.scale_bits, q.lookup_bits), (8, 12));
        assert_eq!(q.layers[0].weights[0], vec![384, -64]);
        assert_eq!(q.layers[0].bias, vec![8192, -65536]);
    }

    #[test]
    fn explicit_options_are_validated() {
        let opts = QuantizeOptions {
            scale_bits: Some(10),
            lookup_bits: Some(10),
            calibration: None,
        };
        assert!(matches!(quantize(&tiny(), &opts), Err(OnnxError::Options { .. })));
        let opts = QuantizeOptions {
            scale_bits: Some(0),
            ..Default::default()
        };
        assert!(matches!(quantize(&tiny(), &opts), Err(OnnxError::Options { .. })));
        let opts = QuantizeOptions {
            scale_bits: Some(10),
            ..Default::default()
        };
        assert_eq!(quantize(&tiny(), &opts).unwrap().lookup_bits, 14);
        let opts = QuantizeOptions {
            lookup_bits: Some(9),
            ..Default::default()
        };
        assert_eq!(quantize(&tiny(), &opts).unwrap().scale_bits, 5);
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
            calibration: None,
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
                ..quantize(&tiny(), &Default::default()).unwrap()
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
