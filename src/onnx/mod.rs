//! The ONNX front end: load a model with tract, lower it to dense layers, quantize it, and measure
//! how faithful the integer model is to float inference.
//!
//! ```text
//! model.onnx ──parse (tract-onnx)──▶ protobuf + analysed InferenceModel (batch 1)
//!            ──lower──▶ FloatModel: [act(W·x + b)]*        (checked against tract on probe inputs)
//!            ──quantize (scale 2^s, window 2^B)──▶ QuantizedModel (crate::model)
//! ```
//!
//! - [`load_model`] does all of it; [`lower`] and [`quantize()`] are the two halves.
//! - [`FloatReference`] runs tract's optimised float inference; [`fidelity`] compares it with the
//!   integer model on a data set (max error per output, argmax agreement).
//! - [`read_inputs`] / [`read_dataset`] read EZKL / ZKTorch JSON input files.
//!
//! Supported ops ([`SUPPORTED_OPS`]): every op that is a fixed affine map of the activation
//! (`MatMul`, `Gemm`, `Conv`, `ConvTranspose`, `AveragePool`, `GlobalAveragePool`,
//! `BatchNormalization`, arithmetic with constants, `Pad`, `Slice`, `Split`, `Transpose`, `Concat`,
//! reshapes), composed into dense layers ([`affine`]); the table functions (`Relu`, `Sigmoid`,
//! `Tanh`, `Erf`, SiLU, …); and `Add`/`Sub`/`Mul` of two activations, `Pow(x, 2)`, `MaxPool` and
//! skip connections, through carried rows, mixed layers, Hadamard and square gates. Anything else is an [`OnnxError::UnsupportedOp`] naming
//! the op, the node and the supported list. The way `scale_bits` and `lookup_bits` are chosen is
//! documented in [`quantize`](mod@quantize).

pub mod affine;
mod error;
mod fidelity;
mod inputs;
mod lower;
pub mod quantize;
mod reference;
mod state;

use std::path::Path;

pub use error::OnnxError;
pub use fidelity::{argmax, fidelity, fidelity_with_labels, FidelityReport};
pub use inputs::{parse_dataset, read_dataset, read_inputs, read_tensor_pb, Dataset};
pub use lower::{lower, lower_with, FloatActivation, FloatLayer, FloatModel, MIN_OPSET, SUPPORTED_OPS};
pub use quantize::{
    dequantize_output, quantize, quantize_explained, quantize_input, Assumptions, Evidence, InputRange,
    QuantizeOptions, DEFAULT_INPUT_RANGE,
};
pub use reference::FloatReference;

use crate::model::QuantizedModel;

/// Load an ONNX MLP and quantize it: [`lower`] then [`quantize()`].
///
/// Errors (never panics) on a missing or malformed file, an unsupported op, non-constant weights, a
/// batch dimension other than 1, mismatched shapes, a graph that is not a single chain, or
/// quantization options that cannot be met.
pub fn load_model(path: &Path, opts: &QuantizeOptions) -> Result<QuantizedModel, OnnxError> {
    quantize(&lower_with(path, opts.until_logits, opts.pooling, opts.conv)?, opts)
}

/// [`load_model`], also returning what the choice of scale and window assumed.
pub fn load_model_explained(path: &Path, opts: &QuantizeOptions) -> Result<(QuantizedModel, Assumptions), OnnxError> {
    quantize_explained(&lower_with(path, opts.until_logits, opts.pooling, opts.conv)?, opts)
}
