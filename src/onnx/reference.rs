//! Float reference inference with tract: the ground truth the quantized model is measured against.

use std::path::Path;

use tract_onnx::prelude::*;

use super::error::OnnxError;
use super::lower::{guarded, parse_with, Parsed};

/// An ONNX model optimised and made runnable by tract, input fixed to batch 1.
#[derive(Clone)]
pub struct FloatReference {
    plan: Arc<TypedRunnableModel>,
    input_shape: Vec<usize>,
}

impl std::fmt::Debug for FloatReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FloatReference")
            .field("input_shape", &self.input_shape)
            .finish_non_exhaustive()
    }
}

impl FloatReference {
    /// Load and optimise an ONNX file for float inference.
    pub fn load(path: &Path) -> Result<Self, OnnxError> {
        Self::load_with(path, false)
    }

    /// [`FloatReference::load`]; with `until_logits`, the model's final `Softmax` / `LogSoftmax` is
    /// dropped and the reference computes the logits (as `compile --until-logits` does).
    pub fn load_with(path: &Path, until_logits: bool) -> Result<Self, OnnxError> {
        Self::from_parsed(&parse_with(path, until_logits)?)
    }

    /// Build the runnable plan from an already parsed model.
    pub(crate) fn from_parsed(parsed: &Parsed) -> Result<Self, OnnxError> {
        let plan = guarded("optimise", || parsed.model.clone().into_optimized())?
            .map_err(|e| OnnxError::tract("optimise", &e))?
            .into_runnable()
            .map_err(|e| OnnxError::tract("make runnable", &e))?;
        Ok(Self {
            plan,
            input_shape: parsed.input_shape.clone(),
        })
    }

    /// The input shape (batch dimension 1).
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// Length of the flattened input.
    pub fn input_len(&self) -> usize {
        self.input_shape.iter().product()
    }

    /// Run float inference on one flattened input; returns the flattened first output.
    pub fn run(&self, input: &[f32]) -> Result<Vec<f32>, OnnxError> {
        if input.len() != self.input_len() {
            return Err(OnnxError::InputRow {
                row: 0,
                reason: format!("{} values, the model expects {}", input.len(), self.input_len()),
            });
        }
        let tensor = Tensor::from_shape(&self.input_shape, input).map_err(|e| OnnxError::tract("input tensor", &e))?;
        let outputs = guarded("float inference", || self.plan.run(tvec!(tensor.into())))?
            .map_err(|e| OnnxError::tract("float inference", &e))?;
        let output = outputs.first().ok_or_else(|| OnnxError::Tract {
            context: "float inference".into(),
            message: "the model produced no output".into(),
        })?;
        let cast = output
            .cast_to::<f32>()
            .map_err(|e| OnnxError::tract("read output", &e))?;
        let view = cast
            .to_plain_array_view::<f32>()
            .map_err(|e| OnnxError::tract("read output", &e))?;
        Ok(view.iter().copied().collect())
    }
}
