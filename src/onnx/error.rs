//! Errors of the ONNX front end.

use std::path::PathBuf;

use crate::model::ForwardError;

/// Why an ONNX model, an input file or a quantization request was refused.
///
/// Every variant names what was wrong and where (file, node, layer, sample), so that the CLI can
/// print it as is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OnnxError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file is not a well-formed ONNX model.
    #[error("{path} is not a valid ONNX model: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The graph contains an operator the front end cannot lower.
    #[error("unsupported ONNX op `{op}` in node `{node}`; supported ops: {supported}")]
    UnsupportedOp {
        /// The ONNX `op_type`.
        op: String,
        /// The node name.
        node: String,
        /// The supported ops, comma separated.
        supported: String,
    },
    /// The graph ends in a normalisation (`Softmax`, `LogSoftmax`) that is not proven.
    #[error(
        "node `{node}` ({op}) normalises the model output, and {op} is not proven yet; re-run with --until-logits to compile up to its input, the logits: argmax and ranking are unchanged, and {op} can be applied to the proven logits off-chain"
    )]
    FinalNormalisation {
        /// `Softmax` or `LogSoftmax`.
        op: String,
        /// The node name.
        node: String,
    },
    /// `--until-logits` was given but the graph does not end in a normalisation.
    #[error(
        "--until-logits drops a final Softmax or LogSoftmax, but the graph output `{output}` is computed by {op} (node `{node}`); leave the flag out"
    )]
    NoFinalNormalisation {
        /// The graph output.
        output: String,
        /// The op that computes it.
        op: String,
        /// Its node.
        node: String,
    },
    /// An operand that must be a constant (a weight, a bias, a shape) is computed at run time.
    #[error(
        "node `{node}` ({op}): input `{input}` must be a constant (weights, bias or shape), but it is computed at run time"
    )]
    NonConstantOperand {
        /// The ONNX `op_type`.
        op: String,
        /// The node name.
        node: String,
        /// The tensor name of the offending input.
        input: String,
    },
    /// The graph is not a single chain of layers (a branch, a residual connection, a second consumer).
    #[error(
        "node `{node}` ({op}) reads `{tensor}`, which is not the output of the previous layer (`{expected}`); only single-path MLP chains are supported"
    )]
    NotAChain {
        /// The ONNX `op_type`.
        op: String,
        /// The node name.
        node: String,
        /// The tensor it reads.
        tensor: String,
        /// The running activation it should read.
        expected: String,
    },
    /// An op appears where it cannot be folded into a dense layer.
    #[error("node `{node}` ({op}): {reason}")]
    Misplaced {
        /// The ONNX `op_type`.
        op: String,
        /// The node name.
        node: String,
        /// Why it cannot be lowered there.
        reason: String,
    },
    /// Shapes do not fit together.
    #[error("node `{node}` ({op}): shape mismatch: {reason}")]
    ShapeMismatch {
        /// The ONNX `op_type`.
        op: String,
        /// The node name.
        node: String,
        /// Which shapes disagree.
        reason: String,
    },
    /// The model input is not usable (batch ≠ 1, symbolic dimension, wrong type, several inputs...).
    #[error("model input: {reason}")]
    Input {
        /// What is wrong.
        reason: String,
    },
    /// The graph structure is not supported (several outputs, no layer, undefined tensors...).
    #[error("graph: {reason}")]
    Graph {
        /// What is wrong.
        reason: String,
    },
    /// A weight or bias is NaN or infinite, or too large for the chosen scale.
    #[error("node `{node}`: {reason}")]
    BadWeight {
        /// The node name.
        node: String,
        /// What is wrong.
        reason: String,
    },
    /// tract failed on the model (parsing, shape inference, optimisation or float inference).
    #[error("tract ({context}): {message}")]
    Tract {
        /// What the front end was doing.
        context: String,
        /// tract's error chain.
        message: String,
    },
    /// The lowered dense chain disagrees with tract's float inference (a lowering bug or an
    /// unsupported op semantics): refused rather than proving the wrong function.
    #[error("lowering self-check failed: output {index} is {lowered} from the dense chain but {tract} from tract")]
    LoweringMismatch {
        /// Output index.
        index: usize,
        /// Value computed by the lowered chain.
        lowered: f64,
        /// Value computed by tract.
        tract: f64,
    },
    /// Invalid quantization options.
    #[error("quantization options: {reason}")]
    Options {
        /// What is wrong.
        reason: String,
    },
    /// No scale in the calibrated range fits the calibration data in the largest allowed window.
    #[error(
        "calibration data needs lookup_bits {needed} at scale_bits {scale_bits} (with a 2x margin), more than the limit {limit} (the table has K·2^B rows, K = 2, 4 or 8 functions); pass --scale-bits/--lookup-bits explicitly"
    )]
    CalibrationDoesNotFit {
        /// The smallest scale tried.
        scale_bits: u32,
        /// The lookup bits it would need.
        needed: u32,
        /// The largest lookup bits allowed.
        limit: u32,
    },
    /// Interval analysis over the input range needs a larger window than allowed.
    #[error(
        "every input in {range}{} needs lookup_bits {needed} at scale_bits {scale_bits} (sound interval bound), more than the limit {limit} (the table has K·2^B rows, K = 2, 4 or 8 functions); declare the inputs' real range with --input-range LO,HI, or calibrate on data with --calibrate FILE (e.g. the file you will prove), or pass --scale-bits/--lookup-bits explicitly",
        if *default { " (the default input range)" } else { "" }
    )]
    RangeDoesNotFit {
        /// The range, as `[lo, hi]`.
        range: String,
        /// Whether it is the default range (nothing declared).
        default: bool,
        /// The (largest) scale tried.
        scale_bits: u32,
        /// The lookup bits it would need.
        needed: u32,
        /// The largest lookup bits allowed.
        limit: u32,
    },
    /// Explicit `--lookup-bits` cannot hold every input of a declared `--input-range`.
    #[error(
        "lookup_bits {lookup_bits} at scale_bits {scale_bits} cannot hold every input in {range}: interval analysis needs lookup_bits {needed}; pass --lookup-bits {needed}, lower --scale-bits, or omit both to let compile choose"
    )]
    WindowTooSmallForRange {
        /// The declared range, as `[lo, hi]`.
        range: String,
        /// The given scale bits.
        scale_bits: u32,
        /// The given lookup bits.
        lookup_bits: u32,
        /// The lookup bits the range needs.
        needed: u32,
    },
    /// An accumulator `W·x + b` could exceed the 64-bit range for some in-window input.
    #[error(
        "layer {layer} ({name}): accumulator may overflow 62 bits (row {row}); lower --scale-bits or --lookup-bits"
    )]
    Overflow {
        /// Layer index.
        layer: usize,
        /// Layer name.
        name: String,
        /// Output row.
        row: usize,
    },
    /// An input file (JSON) is missing fields or malformed.
    #[error("input file {path}: {reason}")]
    InputFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An input row has the wrong length or a non-finite value.
    #[error("input row {row}: {reason}")]
    InputRow {
        /// Row index in the data set.
        row: usize,
        /// What is wrong.
        reason: String,
    },
    /// The quantized model and the ONNX file do not describe the same function.
    #[error("quantized model does not match the ONNX file: {reason}")]
    ModelMismatch {
        /// What differs.
        reason: String,
    },
    /// Integer inference failed on a sample (a value outside the lookup window).
    #[error("sample {sample}: {source}")]
    Forward {
        /// Sample index.
        sample: usize,
        /// The integer inference error.
        source: ForwardError,
    },
}

impl OnnxError {
    /// Wrap a tract error, keeping its whole context chain.
    pub(crate) fn tract(context: &str, err: &tract_onnx::prelude::TractError) -> Self {
        OnnxError::Tract {
            context: context.to_owned(),
            message: format!("{err:#}"),
        }
    }
}
