//! Quantization fidelity: the integer model against tract's float inference on a data set.

use std::fmt;
use std::path::Path;

use super::error::OnnxError;
use super::quantize::{dequantize_output, quantize_input};
use super::reference::FloatReference;
use crate::model::QuantizedModel;

/// How closely the quantized model follows float inference on a data set.
#[derive(Clone, Debug, PartialEq)]
pub struct FidelityReport {
    /// Number of samples.
    pub samples: usize,
    /// The model's scale bits.
    pub scale_bits: u32,
    /// The model's lookup bits.
    pub lookup_bits: u32,
    /// Per output index: the largest `|float − dequantized integer output|` over the data set.
    pub max_abs_error: Vec<f64>,
    /// Samples on which the float and the integer argmax agree (first index wins ties).
    pub argmax_agree: usize,
    /// `argmax_agree / samples`.
    pub argmax_ratio: f64,
    /// The largest `|value|` seen in the input and the rescaled values, to compare with the window
    /// half-width `2^(lookup_bits-1)`.
    pub peak_abs_value: i64,
    /// Float accuracy against the labels, when labels are given.
    pub float_accuracy: Option<f64>,
    /// Quantized accuracy against the labels, when labels are given.
    pub quantized_accuracy: Option<f64>,
}

impl FidelityReport {
    /// The largest error over all outputs.
    pub fn max_error(&self) -> f64 {
        self.max_abs_error.iter().copied().fold(0.0, f64::max)
    }
}

impl fmt::Display for FidelityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} samples, scale_bits {}, lookup_bits {} (peak |value| {} of window {})",
            self.samples,
            self.scale_bits,
            self.lookup_bits,
            self.peak_abs_value,
            1u64 << (self.lookup_bits.saturating_sub(1)).min(63)
        )?;
        writeln!(
            f,
            "argmax agreement: {}/{} ({:.2}%)",
            self.argmax_agree,
            self.samples,
            100.0 * self.argmax_ratio
        )?;
        let errors: Vec<String> = self.max_abs_error.iter().map(|e| format!("{e:.5}")).collect();
        write!(
            f,
            "max |float - quantized| = {:.5}; per output: [{}]",
            self.max_error(),
            errors.join(", ")
        )?;
        if let (Some(fa), Some(qa)) = (self.float_accuracy, self.quantized_accuracy) {
            write!(
                f,
                "\naccuracy vs labels: float {:.2}%, quantized {:.2}%",
                100.0 * fa,
                100.0 * qa
            )?;
        }
        Ok(())
    }
}

/// Compare `model` with tract's float inference of the ONNX file at `path` on `inputs`.
pub fn fidelity(path: &Path, model: &QuantizedModel, inputs: &[Vec<f32>]) -> Result<FidelityReport, OnnxError> {
    fidelity_with_labels(path, model, inputs, None)
}

/// [`fidelity`], plus float and quantized accuracy when `labels` (one class per input) are given.
pub fn fidelity_with_labels(
    path: &Path,
    model: &QuantizedModel,
    inputs: &[Vec<f32>],
    labels: Option<&[usize]>,
) -> Result<FidelityReport, OnnxError> {
    if inputs.is_empty() {
        return Err(OnnxError::InputRow {
            row: 0,
            reason: "the data set is empty".into(),
        });
    }
    if let Some(labels) = labels {
        if labels.len() != inputs.len() {
            return Err(OnnxError::InputRow {
                row: 0,
                reason: format!("{} labels for {} inputs", labels.len(), inputs.len()),
            });
        }
    }
    let reference = FloatReference::load_with(path, model.dropped.is_some())?;
    if reference.input_len() != model.input_len() {
        return Err(OnnxError::ModelMismatch {
            reason: format!(
                "the ONNX input has {} values, the model {}",
                reference.input_len(),
                model.input_len()
            ),
        });
    }
    let outputs = model.output_len();
    let mut max_abs_error = vec![0.0f64; outputs];
    let (mut agree, mut float_hits, mut quant_hits, mut peak) = (0usize, 0usize, 0usize, 0i64);
    for (sample, row) in inputs.iter().enumerate() {
        let float = reference.run(row).map_err(|e| match e {
            OnnxError::InputRow { reason, .. } => OnnxError::InputRow { row: sample, reason },
            other => other,
        })?;
        if float.len() != outputs {
            return Err(OnnxError::ModelMismatch {
                reason: format!(
                    "the ONNX model has {} outputs, the quantized model {outputs}",
                    float.len()
                ),
            });
        }
        let q = quantize_input(model, row).map_err(|e| match e {
            OnnxError::InputRow { reason, .. } => OnnxError::InputRow { row: sample, reason },
            other => other,
        })?;
        let trace = model
            .forward(&q)
            .map_err(|source| OnnxError::Forward { sample, source })?;
        peak = trace
            .input
            .iter()
            .chain(trace.rescaled.iter().flatten())
            .fold(peak, |p, v| p.max(v.abs()));
        let fixed = dequantize_output(model, trace.output());
        for (m, (f, x)) in max_abs_error.iter_mut().zip(float.iter().zip(&fixed)) {
            *m = m.max((f64::from(*f) - x).abs());
        }
        let (fa, qa) = (
            argmax(float.iter().map(|v| f64::from(*v))),
            argmax(fixed.iter().copied()),
        );
        agree += usize::from(fa == qa);
        if let Some(label) = labels.and_then(|l| l.get(sample)) {
            float_hits += usize::from(fa == *label);
            quant_hits += usize::from(qa == *label);
        }
    }
    let n = inputs.len() as f64;
    Ok(FidelityReport {
        samples: inputs.len(),
        scale_bits: model.scale_bits,
        lookup_bits: model.lookup_bits,
        max_abs_error,
        argmax_agree: agree,
        argmax_ratio: agree as f64 / n,
        peak_abs_value: peak,
        float_accuracy: labels.map(|_| float_hits as f64 / n),
        quantized_accuracy: labels.map(|_| quant_hits as f64 / n),
    })
}

/// Index of the largest value; the first one on ties.
pub fn argmax(values: impl IntoIterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, v) in values.into_iter().enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_first_maximum() {
        assert_eq!(argmax([1.0, 3.0, 3.0, 2.0]), 1);
        assert_eq!(argmax([0.0, 0.0]), 0);
        assert_eq!(argmax([-1.0, f64::NAN, -0.5]), 2);
    }
}
