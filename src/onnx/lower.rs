//! Parse an ONNX file with tract and lower its graph to a chain of float dense layers.
//!
//! The graph is read at two levels at once:
//!
//! - the ONNX protobuf as tract decodes it (`op_type`, node names, attributes): lowering follows the
//!   ONNX semantics of each op exactly, whatever tract later fuses or renames;
//! - tract's analysed [`InferenceModel`], with the input fixed to batch 1: it gives the concrete
//!   shape of every tensor and the value of every tensor that does not depend on the input
//!   (initializers, `Constant` nodes and constant sub-graphs such as `Shape → Gather → Concat`
//!   feeding a `Reshape`, which tract folds).
//!
//! Nodes are visited in topological order. Every node whose outputs are all constant is skipped.
//! The others read live tensors, whatever their shapes (a fixed batch dimension included: the
//! whole tensor is one flattened input). Every live tensor is a list of affine expressions over
//! the output of the last layer built ([`super::state`]): an op with constant operands is an
//! affine map ([`super::affine`]) composed into those expressions, and a layer is built only at an
//! activation, carrying every tensor still needed through it (skip connections, MaxPool):
//!
//! | ONNX op | lowering |
//! |---|---|
//! | `MatMul(x, B)`, `Gemm(A, B, C)` | matrix product with the constant weights (batched over leading axes) |
//! | `Conv` | the convolution's matrix: any spatial rank, kernel, stride, pads (`auto_pad` too), dilation, `group` (depthwise included), bias or none |
//! | `AveragePool`, `GlobalAveragePool` | the averaging matrix (`count_include_pad`, `ceil_mode` via tract's output shape), or a CosetSum layer (windows of 2 or 4, `--pool`) |
//! | `BatchNormalization` (inference) | a per-channel scale and shift, folded into the layer |
//! | `Add`, `Sub`, `Mul`, `Div`, `Neg` with a constant | element-wise affine map (numpy broadcasting) |
//! | `Pad` (constant, reflect, edge), `Slice`, `Transpose` | data movement (a 0/1 matrix, constants in the bias) |
//! | `Add`, `Sub` of two activations; `Concat` of activations and constants | sums and data movement of expressions (residual connections, branches) |
//! | `Relu`, `Sigmoid`, `Tanh`, `LeakyRelu`, `Clip` | a layer with that table function |
//! | `MaxPool`, `GlobalMaxPool` | a CosetMax layer (signed for values that may be negative; a tree of them for windows of more than 4 values), else (`--pool compose`) `max(a, b) = b + relu(a − b)`: one ReLU layer per halving of the window |
//!
//! A coset layer reads its windows on cosets: the layer before computes its rows in that order,
//! or a Copy layer ([`LayerOp::Copy`]) lays the values out when it cannot.
//! | `Flatten`, `Reshape`, `Squeeze`, `Unsqueeze`, `Identity`, `Dropout` | no-op on the flattened vector |
//!
//! A layer is one dense matrix, proven by one RowSum instance: the verifier's cost per layer is
//! constant, the prover's grows with the matrix (`rows × columns`), and [`MAX_MATRIX_LOG`] bounds
//! it.
//!
//! Since tract runs the same file, [`lower`] finishes with a self-check: the lowered float chain
//! and tract's optimised float inference must agree on three probe inputs.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use tract_onnx::pb;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;

use super::affine::{self, Affine, Window};
use super::error::OnnxError;
use super::quantize::{Convolution, Pooling, AUTO_COSET_POOL, AUTO_PATCH_LOG};

/// How a coset layer reduces each pooling window ([`Lowering::coset_pool`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reduce {
    /// `AveragePool`, `GlobalAveragePool`: a coset-sum gate.
    Mean,
    /// `MaxPool`, `GlobalMaxPool`: the CosetMax block.
    Max,
}
use super::reference::FloatReference;
use super::state::{Carry, Expr, Live, Rows};
use crate::model::{Activation, LayerOp, COPY_ZERO, MAX_MATRIX_LOG, MAX_WIDTH};

/// The ONNX ops the front end lowers (besides constant sub-graphs, which tract folds).
pub const SUPPORTED_OPS: &[&str] = &[
    "MatMul",
    "Gemm",
    "Conv",
    "ConvTranspose",
    "AveragePool",
    "GlobalAveragePool",
    "BatchNormalization",
    "Add",
    "Sub",
    "Mul",
    "Pow",
    "Div",
    "Neg",
    "Relu",
    "Abs",
    "MaxPool",
    "GlobalMaxPool",
    "Sigmoid",
    "Tanh",
    "LeakyRelu",
    "PRelu",
    "Elu",
    "Softplus",
    "Erf",
    "Selu",
    "Clip",
    "Pad",
    "Slice",
    "Split",
    "Transpose",
    "Concat",
    "Flatten",
    "Reshape",
    "Squeeze",
    "Unsqueeze",
    "Identity",
    "Dropout",
    "Constant",
];

/// The oldest ONNX opset accepted. Opset 6 `Add`/`Mul`/… carry `broadcast` and `axis` attributes
/// (numpy broadcasting came with opset 7); the front end honours `axis`.
pub const MIN_OPSET: i64 = 6;

/// One dense layer with real-valued weights, before quantization.
/// A layer's activation on reals, before quantization fixes its integer parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FloatActivation {
    /// None.
    Identity,
    /// `max(0, v)`.
    Relu,
    /// `1/(1 + e^(−v))`.
    Sigmoid,
    /// `tanh(v)`.
    Tanh,
    /// `v` for `v ≥ 0`, else `α·v` (`0 ≤ α ≤ 1`).
    LeakyRelu(f64),
    /// `v` for `v ≥ 0`, else `α·(e^v − 1)` (`0 ≤ α ≤ 16`).
    Elu(f64),
    /// `ln(1 + e^v)`.
    Softplus,
    /// `erf(v)`.
    Erf,
    /// `γ·v` for `v > 0`, else `γ·α·(e^v − 1)`.
    Selu(f64, f64),
    /// `min(max(v, lo), hi)`.
    Clip(f64, f64),
    /// `v·σ(v)` (SiLU, Swish): the pattern `Mul(v, Sigmoid(v))`.
    Silu,
}

impl FloatActivation {
    /// `f(v)`.
    pub fn apply(self, v: f64) -> f64 {
        match self {
            FloatActivation::Identity => v,
            FloatActivation::Relu => v.max(0.0),
            FloatActivation::Sigmoid => 1.0 / (1.0 + (-v).exp()),
            FloatActivation::Tanh => v.tanh(),
            FloatActivation::LeakyRelu(alpha) => {
                if v < 0.0 {
                    alpha * v
                } else {
                    v
                }
            }
            FloatActivation::Elu(alpha) => {
                if v < 0.0 {
                    alpha * v.exp_m1()
                } else {
                    v
                }
            }
            FloatActivation::Softplus => v.exp().ln_1p(),
            FloatActivation::Erf => libm::erf(v),
            FloatActivation::Selu(alpha, gamma) => gamma * if v > 0.0 { v } else { alpha * v.exp_m1() },
            FloatActivation::Clip(lo, hi) => v.clamp(lo, hi),
            FloatActivation::Silu => v / (1.0 + (-v).exp()),
        }
    }

    /// The integer activation at scale `2^s` (`α` to 16 fractional bits, clip bounds rounded to
    /// the grid).
    pub fn quantize(self, scale_bits: u32) -> Activation {
        let grid = |v: f64| {
            (v * f64::from(scale_bits).exp2())
                .round()
                .clamp(-(2f64.powi(62)), 2f64.powi(62)) as i64
        };
        match self {
            FloatActivation::Identity => Activation::Identity,
            FloatActivation::Relu => Activation::Relu,
            FloatActivation::Sigmoid => Activation::Sigmoid,
            FloatActivation::Tanh => Activation::Tanh,
            FloatActivation::LeakyRelu(alpha) => Activation::LeakyRelu {
                alpha_q16: (alpha * 65536.0).round() as i64,
            },
            FloatActivation::Elu(alpha) => Activation::Elu {
                alpha_q16: (alpha * 65536.0).round() as i64,
            },
            FloatActivation::Softplus => Activation::Softplus,
            FloatActivation::Erf => Activation::Erf,
            FloatActivation::Selu(alpha, gamma) => Activation::Selu {
                alpha_q16: (alpha * 65536.0).round() as i64,
                gamma_q16: (gamma * 65536.0).round() as i64,
            },
            FloatActivation::Clip(lo, hi) => Activation::Clip {
                lo: grid(lo),
                hi: grid(hi),
            },
            FloatActivation::Silu => Activation::Silu,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct FloatLayer {
    /// The ONNX node names it covers, joined by `+`.
    pub name: String,
    /// `weights[i][j]`: output `i`, input `j`.
    pub weights: Vec<Vec<f64>>,
    /// One entry per output.
    pub bias: Vec<f64>,
    /// Activation applied after the affine map.
    pub activation: FloatActivation,
    /// Dense (`W·x + b`) or the product of the input's halves (no weights).
    pub op: LayerOp,
    /// The activation applies to the even outputs only; the odd ones are the identity
    /// ([`crate::model::DenseLayer::mixed`]).
    pub mixed: bool,
    /// A copy's map ([`crate::model::DenseLayer::map`]); empty for every other op.
    pub map: Vec<u32>,
}

impl FloatLayer {
    /// Number of inputs.
    pub fn in_len(&self) -> usize {
        match self.op {
            LayerOp::Dense => self.weights.first().map_or(0, Vec::len),
            LayerOp::Product { in_len, .. }
            | LayerOp::CosetSum { in_len, .. }
            | LayerOp::CosetMax { in_len, .. }
            | LayerOp::Copy { in_len, .. }
            | LayerOp::Patch { in_len, .. } => in_len,
            LayerOp::Square { len } => len,
        }
    }

    /// Number of outputs.
    pub fn out_len(&self) -> usize {
        match self.op {
            LayerOp::Dense => self.weights.len(),
            LayerOp::Product { out_len, .. }
            | LayerOp::CosetSum { out_len, .. }
            | LayerOp::CosetMax { out_len, .. }
            | LayerOp::Copy { out_len, .. }
            | LayerOp::Patch { out_len, .. } => out_len,
            LayerOp::Square { len } => len,
        }
    }

    /// `act(W·x + b)`, `act(x_i · x_{h+i})` for a product, `act(mean_k x_{j+k·m})` for a coset
    /// sum, or `act(max_k x_{j+k·m})` for a coset max, in `f64`.
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        match self.op {
            LayerOp::Dense => self
                .weights
                .iter()
                .zip(&self.bias)
                .enumerate()
                .map(|(i, (row, b))| {
                    let v = row.iter().zip(x).map(|(w, v)| w * v).sum::<f64>() + b;
                    if self.mixed && i % 2 == 1 {
                        v
                    } else {
                        self.activation.apply(v)
                    }
                })
                .collect(),
            LayerOp::Product { in_len, out_len } => (0..out_len)
                .map(|i| {
                    let v = x.get(i).copied().unwrap_or(0.0) * x.get(in_len / 2 + i).copied().unwrap_or(0.0);
                    self.activation.apply(v)
                })
                .collect(),
            LayerOp::Square { len } => (0..len)
                .map(|i| self.activation.apply(x.get(i).copied().unwrap_or(0.0).powi(2)))
                .collect(),
            LayerOp::CosetSum { in_len, out_len } => {
                let (m, w) = self.op.coset().unwrap_or((in_len.max(1), 1));
                let w = w as f64;
                (0..out_len)
                    .map(|j| {
                        let sum: f64 = (j..in_len).step_by(m).map(|i| x.get(i).copied().unwrap_or(0.0)).sum();
                        self.activation.apply(sum / w)
                    })
                    .collect()
            }
            LayerOp::CosetMax { in_len, out_len, .. } => {
                let (m, _) = self.op.coset().unwrap_or((in_len.max(1), 1));
                (0..out_len)
                    .map(|j| {
                        let max = (j..in_len)
                            .step_by(m)
                            .map(|i| x.get(i).copied().unwrap_or(0.0))
                            .fold(f64::NEG_INFINITY, f64::max);
                        self.activation.apply(max)
                    })
                    .collect()
            }
            LayerOp::Patch { out_len, .. } => {
                let Some(p) = self.op.patch_shape() else {
                    return vec![f64::NAN; out_len];
                };
                (0..out_len)
                    .map(|i| {
                        let v = p.source(i).map_or(0.0, |(f, at)| {
                            let xs = x.get(at..).unwrap_or_default();
                            self.weights[f].iter().zip(xs).map(|(w, v)| w * v).sum::<f64>() + self.bias[f]
                        });
                        self.activation.apply(v)
                    })
                    .collect()
            }
            LayerOp::Copy { .. } => self
                .map
                .iter()
                .map(|&j| match j {
                    COPY_ZERO => 0.0,
                    j => x.get(j as usize).copied().unwrap_or(0.0),
                })
                .collect(),
        }
    }
}

/// An ONNX MLP lowered to float dense layers (the input of quantization).
#[derive(Clone, Debug, PartialEq)]
pub struct FloatModel {
    /// Model name (file stem).
    pub name: String,
    /// The ONNX input shape with the batch dimension fixed to 1.
    pub input_shape: Vec<usize>,
    /// The layers, applied in order.
    pub layers: Vec<FloatLayer>,
    /// The final normalisation dropped by `--until-logits` (the model computes its input).
    pub dropped: Option<String>,
}

impl FloatModel {
    /// Length of the flattened input.
    pub fn input_len(&self) -> usize {
        self.layers.first().map_or(0, FloatLayer::in_len)
    }

    /// Length of the flattened output.
    pub fn output_len(&self) -> usize {
        self.layers.last().map_or(0, FloatLayer::out_len)
    }

    /// Float inference of the lowered chain.
    pub fn forward(&self, input: &[f64]) -> Vec<f64> {
        self.layers.iter().fold(input.to_vec(), |x, layer| layer.apply(&x))
    }
}

/// A parsed ONNX file: its protobuf and tract's analysed inference model.
pub(crate) struct Parsed {
    /// File stem.
    pub name: String,
    /// The decoded protobuf.
    pub proto: pb::ModelProto,
    /// tract's model, input fixed to batch 1, analysed.
    pub model: InferenceModel,
    /// ONNX tensor name → tract outlet.
    pub outlets: HashMap<String, OutletId>,
    /// The input shape, a symbolic batch dimension fixed to 1.
    pub input_shape: Vec<usize>,
    /// The final normalisation `--until-logits` dropped, if any.
    pub dropped: Option<String>,
}

/// Read, decode and analyse an ONNX file; with `until_logits`, first drop a final `Softmax` /
/// `LogSoftmax` (the graph output becomes its input, the logits).
pub(crate) fn parse_with(path: &Path, until_logits: bool) -> Result<Parsed, OnnxError> {
    let malformed = |reason: String| OnnxError::Malformed {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|source| OnnxError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if bytes.is_empty() {
        return Err(malformed("the file is empty".into()));
    }
    let onnx = tract_onnx::onnx();
    let mut proto = onnx
        .proto_model_for_read(&mut bytes.as_slice())
        .map_err(|e| malformed(format!("not an ONNX protobuf ({e:#})")))?;
    let opset = proto
        .opset_import
        .iter()
        .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
        .map(|o| o.version)
        .ok_or_else(|| malformed("the model declares no ONNX opset (opset_import)".into()))?;
    if opset < MIN_OPSET {
        return Err(malformed(format!(
            "opset {opset} is older than the oldest supported, {MIN_OPSET}"
        )));
    }
    let graph = proto
        .graph
        .as_ref()
        .ok_or_else(|| malformed("the model has no graph".into()))?;
    if graph.node.is_empty() {
        return Err(malformed("the graph has no nodes".into()));
    }
    let dropped = if until_logits {
        Some(drop_final_normalisation(&mut proto)?)
    } else {
        None
    };
    let graph = proto
        .graph
        .as_ref()
        .ok_or_else(|| malformed("the model has no graph".into()))?;
    // An op tract does not know makes its analysis fail: report it as unsupported first.
    let first_unknown = graph
        .node
        .iter()
        .enumerate()
        .find(|(_, n)| !SUPPORTED_OPS.contains(&n.op_type.as_str()));
    let unsupported_or = |err: OnnxError| match first_unknown {
        Some((ix, node)) => unsupported(node, &node_name(node, ix)),
        None => err,
    };

    // tract indexes its name map with the graph outputs: check them first.
    let defined: HashSet<&str> = graph
        .input
        .iter()
        .map(|i| i.name.as_str())
        .chain(graph.initializer.iter().map(|t| t.name.as_str()))
        .chain(graph.node.iter().flat_map(|n| n.output.iter().map(String::as_str)))
        .collect();
    if let Some(out) = graph.output.iter().find(|o| !defined.contains(o.name.as_str())) {
        return Err(malformed(format!("the graph output `{}` is never computed", out.name)));
    }

    let dir = path.parent().and_then(Path::to_str);
    let parsed = guarded("parse", || onnx.parse(&proto, dir))?
        .map_err(|e| unsupported_or(malformed(format!("tract cannot build the graph ({e:#})"))))?;
    if !parsed.unresolved_inputs.is_empty() {
        return Err(malformed(format!(
            "tensors used but never defined: {}",
            parsed.unresolved_inputs.join(", ")
        )));
    }
    let mut model = parsed.model;
    let inputs = model.input_outlets().map_err(|e| OnnxError::tract("inputs", &e))?.len();
    if inputs != 1 {
        return Err(OnnxError::Input {
            reason: format!("the model has {inputs} inputs; exactly one is supported"),
        });
    }
    let input_shape = input_shape(&model)?;
    let fact = InferenceFact::dt_shape(f32::datum_type(), input_shape.iter().copied());
    model
        .set_input_fact(0, fact)
        .map_err(|e| OnnxError::tract("set input fact", &e))?;
    guarded("shape inference", || model.analyse(false))?
        .map_err(|e| unsupported_or(OnnxError::tract("shape inference", &e)))?;
    let name = path
        .file_stem()
        .map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
    Ok(Parsed {
        name,
        proto,
        model,
        outlets: parsed.outlets_by_name,
        input_shape,
        dropped,
    })
}

/// The ops `--until-logits` drops when they compute the graph output.
const NORMALISATIONS: &[&str] = &["Softmax", "LogSoftmax"];

/// Remove the final `Softmax` / `LogSoftmax` and make its input the graph output; returns what was
/// dropped, e.g. ``Softmax (node `prob`)``.
fn drop_final_normalisation(proto: &mut pb::ModelProto) -> Result<String, OnnxError> {
    let graph = proto.graph.as_mut().ok_or_else(|| OnnxError::Graph {
        reason: "the model has no graph".into(),
    })?;
    let [output] = &graph.output[..] else {
        return Err(OnnxError::Graph {
            reason: format!("the model has {} outputs; exactly one is supported", graph.output.len()),
        });
    };
    let output = output.name.clone();
    let producer = graph.node.iter().position(|n| n.output.contains(&output));
    let Some(ix) = producer.filter(|&ix| NORMALISATIONS.contains(&graph.node[ix].op_type.as_str())) else {
        let (op, node) = producer.map_or(("no node (it is the graph input)".to_owned(), String::new()), |ix| {
            (graph.node[ix].op_type.clone(), node_name(&graph.node[ix], ix))
        });
        return Err(OnnxError::NoFinalNormalisation { output, op, node });
    };
    let node = graph.node.remove(ix);
    let name = node_name(&node, ix);
    if graph.node.iter().any(|n| n.input.contains(&output)) {
        return Err(OnnxError::Graph {
            reason: format!(
                "the output of {} `{name}` is also read inside the graph, so it cannot be dropped",
                node.op_type
            ),
        });
    }
    let logits = node
        .input
        .first()
        .filter(|i| !i.is_empty())
        .ok_or_else(|| OnnxError::Graph {
            reason: format!("{} `{name}` has no input", node.op_type),
        })?;
    graph.output[0] = pb::ValueInfoProto {
        name: logits.clone(),
        ..Default::default()
    };
    Ok(format!("{} (node `{name}`)", node.op_type))
}

/// Run a tract call, turning a panic inside tract (on a hostile file) into an error.
pub(crate) fn guarded<T>(context: &str, f: impl FnOnce() -> T) -> Result<T, OnnxError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        OnnxError::Tract {
            context: context.to_owned(),
            message: format!("tract panicked: {message}"),
        }
    })
}

/// The input shape, a symbolic batch dimension (the first one, for rank ≥ 2) fixed to 1. A fixed
/// batch `N > 1` stays: the `N` samples are one flattened input, and every lowered op is
/// block-diagonal over them.
fn input_shape(model: &InferenceModel) -> Result<Vec<usize>, OnnxError> {
    let fact = model.input_fact(0).map_err(|e| OnnxError::tract("input fact", &e))?;
    if let Some(dt) = fact.datum_type.concretize() {
        if dt != f32::datum_type() {
            return Err(OnnxError::Input {
                reason: format!("element type is {dt:?}; only float32 inputs are supported"),
            });
        }
    }
    if fact.shape.is_open() {
        return Err(OnnxError::Input {
            reason: "the input has no declared rank".into(),
        });
    }
    let dims: Vec<Option<usize>> = fact
        .shape
        .dims()
        .map(|d| {
            d.concretize()
                .and_then(|d| d.as_i64())
                .and_then(|d| usize::try_from(d).ok())
        })
        .collect();
    if dims.is_empty() {
        return Err(OnnxError::Input {
            reason: "the input is a scalar".into(),
        });
    }
    let batched = dims.len() >= 2;
    dims.iter()
        .enumerate()
        .map(|(axis, dim)| match (axis, dim) {
            (0, None) if batched => Ok(1),
            (_, Some(0)) => Err(OnnxError::Input {
                reason: format!("dimension {axis} is 0"),
            }),
            (_, Some(n)) => Ok(*n),
            (_, None) => Err(OnnxError::Input {
                reason: format!("dimension {axis} is symbolic; only the batch dimension may be"),
            }),
        })
        .collect()
}

/// Lower an ONNX model to float dense layers, and check the result against tract's float inference.
pub fn lower(path: &Path) -> Result<FloatModel, OnnxError> {
    lower_with(path, false, Pooling::Auto, Convolution::Auto)
}

/// [`lower`]; with `until_logits`, a final `Softmax` / `LogSoftmax` is dropped first and the model
/// computes its input, the logits (recorded in [`FloatModel::dropped`]); `pooling` chooses how
/// average pooling is proven.
pub fn lower_with(
    path: &Path,
    until_logits: bool,
    pooling: Pooling,
    conv: Convolution,
) -> Result<FloatModel, OnnxError> {
    let parsed = parse_with(path, until_logits)?;
    let float = lower_parsed(&parsed, pooling, conv)?;
    let reference = FloatReference::from_parsed(&parsed)?;
    self_check(&float, &reference)?;
    Ok(float)
}

/// Compare the lowered chain with tract on three deterministic probe inputs (in `[0, 1]`,
/// `[-1, 1]` and `[-4, 4]`).
fn self_check(float: &FloatModel, reference: &FloatReference) -> Result<(), OnnxError> {
    let n = float.input_len();
    let probes = [
        (0..n)
            .map(|j| ((j * 7919 + 13) % 101) as f32 / 100.0)
            .collect::<Vec<f32>>(),
        (0..n).map(|j| ((j * 104_729 + 7) % 201) as f32 / 100.0 - 1.0).collect(),
        // Wider, so that a ReLU or a clip that saturates on the two above (a large bias) opens
        // and the ops after it are checked too.
        (0..n).map(|j| ((j * 6151 + 3) % 801) as f32 / 100.0 - 4.0).collect(),
    ];
    for probe in &probes {
        let expected = reference.run(probe)?;
        let x: Vec<f64> = probe.iter().map(|v| f64::from(*v)).collect();
        let got = float.forward(&x);
        if got.len() != expected.len() {
            return Err(OnnxError::Graph {
                reason: format!(
                    "the lowered chain has {} outputs but tract computes {}",
                    got.len(),
                    expected.len()
                ),
            });
        }
        let magnitude = expected.iter().fold(1.0f64, |m, v| m.max(f64::from(v.abs())));
        for (index, (g, e)) in got.iter().zip(&expected).enumerate() {
            let e = f64::from(*e);
            let diff = (g - e).abs();
            if diff.is_nan() || diff > 1e-4 * magnitude {
                return Err(OnnxError::LoweringMismatch {
                    index,
                    lowered: *g,
                    tract: e,
                });
            }
        }
    }
    Ok(())
}

/// The node's name, or a readable stand-in when the ONNX file leaves it empty.
pub(crate) fn node_name(node: &pb::NodeProto, index: usize) -> String {
    if !node.name.is_empty() {
        node.name.clone()
    } else if let Some(out) = node.output.first().filter(|o| !o.is_empty()) {
        out.clone()
    } else {
        format!("{}_{index}", node.op_type)
    }
}

fn unsupported(node: &pb::NodeProto, name: &str) -> OnnxError {
    OnnxError::UnsupportedOp {
        op: node.op_type.clone(),
        node: name.to_owned(),
        supported: SUPPORTED_OPS.join(", "),
    }
}

/// Node indices in a stable topological order (ONNX requires sorted nodes; do not rely on it).
fn topological_order(graph: &pb::GraphProto) -> Result<Vec<usize>, OnnxError> {
    let mut available: HashSet<&str> = graph
        .input
        .iter()
        .map(|i| i.name.as_str())
        .chain(graph.initializer.iter().map(|t| t.name.as_str()))
        .collect();
    let mut pending: BTreeSet<usize> = (0..graph.node.len()).collect();
    let mut order = Vec::with_capacity(graph.node.len());
    while !pending.is_empty() {
        let ready = pending.iter().copied().find(|&ix| {
            graph.node[ix]
                .input
                .iter()
                .all(|i| i.is_empty() || available.contains(i.as_str()))
        });
        let Some(ix) = ready else {
            let stuck: Vec<String> = pending.iter().map(|&ix| node_name(&graph.node[ix], ix)).collect();
            return Err(OnnxError::Graph {
                reason: format!("cycle or undefined input around nodes {}", stuck.join(", ")),
            });
        };
        pending.remove(&ix);
        available.extend(graph.node[ix].output.iter().map(String::as_str));
        order.push(ix);
    }
    Ok(order)
}

/// A constant tensor: its shape and values in row-major order.
struct ConstTensor {
    shape: Vec<usize>,
    values: Vec<f64>,
}

/// The walk over the graph: the running activation and the layers built so far.
struct Lowering<'a> {
    parsed: &'a Parsed,
    /// The data input of the node being lowered (its first live input).
    current: String,
    /// Its shape.
    current_shape: Vec<usize>,
    /// Length of the state: the last layer's output, or the model input ([`super::state`]).
    state_len: usize,
    /// Every tensor a later node (or the graph output) still reads, over the state.
    live: HashMap<String, Live>,
    /// Remaining reads of each tensor.
    uses: HashMap<String, usize>,
    /// The ops folded since the last layer (the next layer's name).
    pending: Vec<String>,
    /// Finished layers.
    layers: Vec<FloatLayer>,
    /// Outputs of nodes already lowered as part of an earlier one (the `Mul` of a SiLU).
    fused: HashSet<String>,
    /// How average pooling is proven.
    pooling: Pooling,
    /// How convolutions are proven.
    conv: Convolution,
    /// The im2col Copy layer just made, waiting for the activation that makes its patch layer.
    patch: Option<PendingPatch>,
}

/// An im2col Copy layer waiting for its patch layer ([`Lowering::patch_conv`]), with what undoing
/// it needs ([`Lowering::undo_patch`]).
#[derive(Clone, Debug)]
struct PendingPatch {
    /// The number of layers with the Copy (the patch layer must come next).
    layers: usize,
    /// `N`: taps per patch slot.
    width: usize,
    /// `P`: patches.
    count: usize,
    /// The state's length before the Copy.
    state_before: usize,
    /// The op names pending before the Copy (now in its name).
    pending_before: Vec<String>,
}

/// The node being lowered, with what error messages need.
struct Ctx<'n> {
    node: &'n pb::NodeProto,
    name: String,
}

impl Ctx<'_> {
    fn op(&self) -> String {
        self.node.op_type.clone()
    }
    fn shape_err(&self, reason: String) -> OnnxError {
        OnnxError::ShapeMismatch {
            op: self.op(),
            node: self.name.clone(),
            reason,
        }
    }
    fn misplaced(&self, reason: &str) -> OnnxError {
        OnnxError::Misplaced {
            op: self.op(),
            node: self.name.clone(),
            reason: reason.into(),
        }
    }
    fn non_constant(&self, input: &str) -> OnnxError {
        OnnxError::NonConstantOperand {
            op: self.op(),
            node: self.name.clone(),
            input: input.into(),
        }
    }
    fn attribute<'a, T: tract_onnx::pb_helpers::AttrScalarType<'a>>(
        &'a self,
        attr: &str,
        default: T,
    ) -> Result<T, OnnxError> {
        self.node
            .get_attr_opt(attr)
            .map(|v| v.unwrap_or(default))
            .map_err(|e| OnnxError::Misplaced {
                op: self.op(),
                node: self.name.clone(),
                reason: format!("bad attribute `{attr}`: {e:#}"),
            })
    }
}

/// Lower an already parsed model.
pub(crate) fn lower_parsed(parsed: &Parsed, pooling: Pooling, conv: Convolution) -> Result<FloatModel, OnnxError> {
    let graph = parsed.proto.graph.as_ref().ok_or_else(|| OnnxError::Graph {
        reason: "the model has no graph".into(),
    })?;
    let input = parsed.model.input_outlets().ok().and_then(|o| o.first().copied());
    let source = graph
        .input
        .iter()
        .find(|i| input.is_some() && parsed.outlets.get(&i.name).copied() == input)
        .map(|i| i.name.clone())
        .ok_or_else(|| OnnxError::Input {
            reason: "cannot find the graph input".into(),
        })?;
    let input_len = numel(&parsed.input_shape);
    let mut uses: HashMap<String, usize> = HashMap::new();
    for node in &graph.node {
        for input in node.input.iter().filter(|i| !i.is_empty()) {
            *uses.entry(input.clone()).or_default() += 1;
        }
    }
    for output in &graph.output {
        *uses.entry(output.name.clone()).or_default() += 1;
    }
    let mut walk = Lowering {
        parsed,
        current: source.clone(),
        current_shape: parsed.input_shape.clone(),
        state_len: input_len,
        live: HashMap::from([(
            source,
            Live {
                shape: parsed.input_shape.clone(),
                exprs: (0..input_len).map(Expr::unit).collect(),
                nonneg: false,
            },
        )]),
        uses,
        pending: vec![],
        layers: vec![],
        fused: HashSet::new(),
        pooling,
        conv,
        patch: None,
    };
    for ix in topological_order(graph)? {
        let node = &graph.node[ix];
        let ctx = Ctx {
            node,
            name: node_name(node, ix),
        };
        let outputs: Vec<&String> = node.output.iter().filter(|o| !o.is_empty()).collect();
        if !outputs.is_empty() && outputs.iter().all(|o| walk.is_const(o)) {
            continue; // folded by tract: a constant (sub-)graph
        }
        if outputs.iter().any(|o| walk.fused.contains(*o)) {
            continue; // lowered with an earlier node (its reads were accounted for there)
        }
        walk.node(&ctx)?;
        walk.release(node);
    }
    walk.finish(graph)
}

fn parsed_is_const(parsed: &Parsed, name: &str) -> bool {
    parsed
        .outlets
        .get(name)
        .and_then(|o| parsed.model.outlet_fact(*o).ok())
        .is_some_and(|f| f.value.concretize().is_some())
}

impl Lowering<'_> {
    fn is_const(&self, name: &str) -> bool {
        parsed_is_const(self.parsed, name)
    }

    fn fact(&self, name: &str) -> Option<&InferenceFact> {
        self.parsed
            .outlets
            .get(name)
            .and_then(|o| self.parsed.model.outlet_fact(*o).ok())
    }

    /// The value of a constant input, as `f64`.
    fn constant(&self, ctx: &Ctx, name: &str) -> Result<ConstTensor, OnnxError> {
        let tensor = self
            .fact(name)
            .and_then(|f| f.value.concretize())
            .ok_or_else(|| ctx.non_constant(name))?;
        let cast = tensor.cast_to::<f64>().map_err(|e| OnnxError::BadWeight {
            node: ctx.name.clone(),
            reason: format!(
                "input `{name}` of type {:?} is not numeric ({e:#})",
                tensor.datum_type()
            ),
        })?;
        let view = cast
            .to_plain_array_view::<f64>()
            .map_err(|e| OnnxError::tract("read constant", &e))?;
        let values: Vec<f64> = view.iter().copied().collect();
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(OnnxError::BadWeight {
                node: ctx.name.clone(),
                reason: format!("input `{name}` contains {bad}"),
            });
        }
        Ok(ConstTensor {
            shape: tensor.shape().to_vec(),
            values,
        })
    }

    /// The concrete shape of a tensor, as inferred by tract.
    fn shape(&self, ctx: &Ctx, name: &str) -> Result<Vec<usize>, OnnxError> {
        self.fact(name)
            .and_then(|f| f.shape.as_concrete_finite().ok().flatten())
            .map(|s| s.to_vec())
            .ok_or_else(|| ctx.shape_err(format!("the shape of `{name}` is unknown after inference")))
    }

    /// The (single) output of the node, and its shape.
    fn output(&self, ctx: &Ctx) -> Result<(String, Vec<usize>), OnnxError> {
        let out = ctx
            .node
            .output
            .first()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| ctx.misplaced("the node has no output"))?;
        Ok((out.clone(), self.shape(ctx, out)?))
    }

    /// Check that `name` is a live activation.
    fn expect_current(&self, ctx: &Ctx, name: &str) -> Result<(), OnnxError> {
        if self.is_const(name) {
            return Err(ctx.misplaced(&format!(
                "its data input `{name}` is a constant; the op must apply to the running activation"
            )));
        }
        if !self.live.contains_key(name) {
            return Err(OnnxError::NotAChain {
                op: ctx.op(),
                node: ctx.name.clone(),
                tensor: name.to_owned(),
                expected: self.current.clone(),
            });
        }
        Ok(())
    }

    /// Move the running activation to the node's output, checking it keeps the same elements.
    fn advance(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let (out, shape) = self.output(ctx)?;
        let (before, after) = (numel(&self.current_shape), numel(&shape));
        if before != after {
            return Err(ctx.shape_err(format!(
                "output {shape:?} has {after} elements but the input {:?} has {before}",
                self.current_shape
            )));
        }
        let mut moved = self.live_tensor(ctx, &self.current.clone())?.clone();
        moved.shape = shape;
        self.live.insert(out, moved);
        Ok(())
    }

    /// The live tensor `name`.
    fn live_tensor(&self, ctx: &Ctx, name: &str) -> Result<&Live, OnnxError> {
        self.live
            .get(name)
            .ok_or_else(|| ctx.misplaced(&format!("its input `{name}` is not computed")))
    }

    /// After a node: one read less of each input; a tensor nothing reads any more is dropped.
    fn release(&mut self, node: &pb::NodeProto) {
        for input in node.input.iter().filter(|i| !i.is_empty()) {
            if let Some(n) = self.uses.get_mut(input) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.live.remove(input);
                }
            }
        }
    }

    /// The live tensors that must survive the node being lowered (read again later), in a fixed
    /// order.
    fn survivors(&self, ctx: &Ctx) -> Vec<String> {
        let mut names: Vec<String> = self
            .live
            .keys()
            .filter(|name| {
                let here = ctx.node.input.iter().filter(|i| i == name).count();
                self.uses.get(*name).copied().unwrap_or(0) > here
            })
            .cloned()
            .collect();
        names.sort();
        names
    }

    /// Materialise a layer: `first` (the rows the activation is for), then every survivor carried
    /// through `activation` unchanged ([`super::state`]); the state becomes the layer's output.
    /// Returns the expressions of the `first` rows over the new state.
    ///
    /// A survivor that cannot pass the activation (a sigmoid, tanh, clip, …) makes the layer
    /// **mixed** ([`crate::model::DenseLayer::mixed`]): `first` on the even rows, every survivor on
    /// the odd rows, which the identity carries; the layer is padded to fill its domain.
    fn materialise(
        &mut self,
        ctx: &Ctx,
        first: Vec<Expr>,
        activation: FloatActivation,
    ) -> Result<Vec<Expr>, OnnxError> {
        // An im2col Copy whose patch layer did not come (`activation` tries it first): undone, so
        // that this layer reads the state the convolution read.
        let mut first = first;
        self.undo_patch(&mut first);
        let n = first.len();
        let survivors = self.survivors(ctx);
        let how = |nonneg: bool| match activation {
            FloatActivation::Identity => Some(Carry::Row),
            FloatActivation::Relu | FloatActivation::LeakyRelu(_) | FloatActivation::Elu(_) if nonneg => {
                Some(Carry::Row)
            }
            FloatActivation::Relu => Some(Carry::Split),
            _ => None,
        };
        let mixed = survivors.iter().any(|name| how(self.live[name].nonneg).is_none());
        let mut carried = vec![];
        let (rows, first_at) = if mixed {
            let kept: usize = survivors.iter().map(|name| self.live[name].exprs.len()).sum();
            let m = crate::protocol::tensor_domain(2 * n.max(kept)).size();
            let mut rows = vec![Expr::default(); m];
            for (i, e) in first.into_iter().enumerate() {
                rows[2 * i] = e;
            }
            let mut odd = (0..m).skip(1).step_by(2);
            for name in survivors {
                let exprs: Vec<Expr> = self.live[&name]
                    .exprs
                    .iter()
                    .zip(odd.by_ref())
                    .map(|(e, at)| {
                        rows[at] = e.clone();
                        Expr::unit(at)
                    })
                    .collect();
                carried.push((name, exprs));
            }
            (Rows { rows }, (0..n).map(|i| Expr::unit(2 * i)).collect())
        } else {
            let mut rows = Rows { rows: first };
            for name in survivors {
                let live = &self.live[&name];
                let how = how(live.nonneg).ok_or_else(|| OnnxError::Graph {
                    reason: format!("`{name}` cannot be carried through the layer"),
                })?;
                let exprs: Vec<Expr> = live.exprs.iter().map(|e| rows.carry(e, how)).collect();
                carried.push((name, exprs));
            }
            (rows, (0..n).map(Expr::unit).collect())
        };
        check_matrix(ctx, rows.rows.len(), self.state_len)?;
        let (weights, bias) = rows.dense(self.state_len);
        let name = if self.pending.is_empty() {
            ctx.name.clone()
        } else {
            self.pending.join("+")
        };
        self.pending.clear();
        self.layers.push(FloatLayer {
            name,
            weights,
            bias,
            activation,
            op: LayerOp::Dense,
            mixed,
            map: vec![],
        });
        self.state_len = rows.rows.len();
        for (name, exprs) in carried {
            if let Some(live) = self.live.get_mut(&name) {
                live.exprs = exprs;
            }
        }
        Ok(first_at)
    }

    fn node(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        // The data input: the first input that is a live activation.
        if let Some(data) = ctx.node.input.iter().find(|i| self.live.contains_key(*i)) {
            self.current = data.clone();
            self.current_shape = self.live[data].shape.clone();
        } else if let Some(input) = ctx.node.input.iter().find(|i| !i.is_empty() && !self.is_const(i)) {
            return Err(OnnxError::NotAChain {
                op: ctx.op(),
                node: ctx.name.clone(),
                tensor: input.clone(),
                expected: self.current.clone(),
            });
        }
        let live_inputs = ctx.node.input.iter().filter(|i| self.live.contains_key(*i)).count();
        if live_inputs > 1 && matches!(ctx.node.op_type.as_str(), "Add" | "Sub") {
            return self.binary(ctx);
        }
        if live_inputs > 1 && ctx.node.op_type == "Mul" {
            let inputs = self.inputs(ctx, 2, 2)?;
            return self.product(ctx, (inputs[0], inputs[1]));
        }
        if live_inputs > 1 && ctx.node.op_type == "Div" {
            return Err(ctx.misplaced(
                "it divides by an activation, which is not a fixed linear map: not supported (only division by a constant is)",
            ));
        }
        match ctx.node.op_type.as_str() {
            "MatMul" => self.matmul(ctx),
            "Gemm" => self.gemm(ctx),
            "Add" | "Sub" | "Mul" | "Div" => self.arithmetic(ctx),
            "Pow" => self.pow(ctx),
            "Neg" => {
                let n = numel(&self.current_shape);
                self.unary(ctx, affine::elementwise(&vec![-1.0; n], &vec![0.0; n]))
            }
            "Relu" => self.activation(ctx, FloatActivation::Relu),
            "Abs" => self.abs(ctx),
            "Sigmoid" => self.sigmoid(ctx),
            "Tanh" => self.activation(ctx, FloatActivation::Tanh),
            "LeakyRelu" => {
                let alpha = f64::from(ctx.attribute("alpha", 0.01f32)?);
                if !(0.0..=1.0).contains(&alpha) {
                    return Err(ctx.misplaced(&format!("alpha {alpha} is outside [0, 1]")));
                }
                self.activation(ctx, FloatActivation::LeakyRelu(alpha))
            }
            "Clip" => self.clip(ctx),
            "Elu" => {
                let alpha = f64::from(ctx.attribute("alpha", 1.0f32)?);
                if !(0.0..=16.0).contains(&alpha) {
                    return Err(ctx.misplaced(&format!("alpha {alpha} is outside [0, 16]")));
                }
                self.activation(ctx, FloatActivation::Elu(alpha))
            }
            "Softplus" => self.activation(ctx, FloatActivation::Softplus),
            "Erf" => self.activation(ctx, FloatActivation::Erf),
            "Selu" => {
                let alpha = f64::from(ctx.attribute("alpha", 1.673_263_2f32)?);
                let gamma = f64::from(ctx.attribute("gamma", 1.050_701f32)?);
                if !(0.0..=16.0).contains(&alpha) || !(0.0..=16.0).contains(&gamma) {
                    return Err(ctx.misplaced(&format!("alpha {alpha} or gamma {gamma} is outside [0, 16]")));
                }
                self.activation(ctx, FloatActivation::Selu(alpha, gamma))
            }
            "PRelu" => self.prelu(ctx),
            "Conv" => self.conv(ctx, false),
            "ConvTranspose" => self.conv(ctx, true),
            "AveragePool" => self.average_pool(ctx),
            "GlobalAveragePool" => {
                let map = affine::global_average_pool(&self.current_shape).map_err(|e| ctx.shape_err(e))?;
                let data = ctx.node.input.first().map(String::as_str).unwrap_or_default();
                self.expect_current(ctx, data)?;
                self.pool(ctx, map)
            }
            "BatchNormalization" => self.batch_norm(ctx),
            "MaxPool" => self.max_pool(ctx),
            "GlobalMaxPool" => self.global_max_pool(ctx),
            "Pad" => self.pad(ctx),
            "Slice" => self.slice(ctx),
            "Split" => self.split(ctx),
            "Transpose" => self.transpose(ctx),
            "Concat" => self.concat(ctx),
            "Flatten" | "Reshape" | "Identity" | "Squeeze" | "Unsqueeze" | "Dropout" => self.reshape(ctx),
            op if NORMALISATIONS.contains(&op) && self.is_graph_output(ctx) => Err(OnnxError::FinalNormalisation {
                op: op.to_owned(),
                node: ctx.name.clone(),
            }),
            _ => Err(unsupported(ctx.node, &ctx.name)),
        }
    }

    /// Whether the node computes the graph output.
    fn is_graph_output(&self, ctx: &Ctx) -> bool {
        let graph = self.parsed.proto.graph.as_ref();
        graph.is_some_and(|g| g.output.iter().any(|o| ctx.node.output.contains(&o.name)))
    }

    fn inputs<'n>(&self, ctx: &'n Ctx, min: usize, max: usize) -> Result<Vec<&'n str>, OnnxError> {
        let inputs: Vec<&str> = ctx.node.input.iter().map(String::as_str).collect();
        if inputs.len() < min || inputs.len() > max || inputs.iter().take(min).any(|i| i.is_empty()) {
            return Err(ctx.misplaced(&format!("expected {min} to {max} inputs, found {}", inputs.len())));
        }
        Ok(inputs)
    }

    /// An optional constant input (absent or empty name: `None`).
    fn optional_constant(&self, ctx: &Ctx, inputs: &[&str], at: usize) -> Result<Option<ConstTensor>, OnnxError> {
        match inputs.get(at).filter(|i| !i.is_empty()) {
            Some(name) => Ok(Some(self.constant(ctx, name)?)),
            None => Ok(None),
        }
    }

    /// Integer values of an optional constant input.
    fn optional_ints(&self, ctx: &Ctx, inputs: &[&str], at: usize) -> Result<Option<Vec<i64>>, OnnxError> {
        Ok(self
            .optional_constant(ctx, inputs, at)?
            .map(|c| c.values.iter().map(|v| *v as i64).collect()))
    }

    /// Apply the affine map `map` to the node's data input: its output is a new live tensor whose
    /// expressions compose `map` with the input's (no layer is built).
    fn affine(&mut self, ctx: &Ctx, map: Affine) -> Result<(), OnnxError> {
        let (out, shape) = self.output(ctx)?;
        let (n_in, n_out) = (numel(&self.current_shape), numel(&shape));
        if map.rows.len() != n_out || map.rows.iter().flatten().any(|(j, _)| *j >= n_in) {
            return Err(ctx.shape_err(format!(
                "tract infers output {shape:?} from input {:?}, which the op's attributes do not produce",
                self.current_shape
            )));
        }
        let live = self.live_tensor(ctx, &self.current.clone())?.apply(&map, shape);
        self.live.insert(out, live);
        self.pending.push(ctx.name.clone());
        Ok(())
    }

    /// An op with one data input (the running activation) and constant operands.
    fn unary(&mut self, ctx: &Ctx, map: Affine) -> Result<(), OnnxError> {
        let data = ctx.node.input.first().map(String::as_str).unwrap_or_default();
        self.expect_current(ctx, data)?;
        self.affine(ctx, map)
    }

    fn matmul(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 2, 2)?;
        let b = self.constant(ctx, inputs[1])?;
        self.expect_current(ctx, inputs[0])?;
        let k = *self.current_shape.last().unwrap_or(&0);
        let [rows, n] = b.shape[..] else {
            return Err(ctx.shape_err(format!(
                "weights `{}` have shape {:?}, expected 2-D",
                inputs[1], b.shape
            )));
        };
        if rows != k {
            return Err(ctx.shape_err(format!(
                "activation {:?} does not multiply weights `{}` of shape {:?}",
                self.current_shape, inputs[1], b.shape
            )));
        }
        let map = affine::matmul(&self.current_shape, &b.values, k, n);
        self.affine(ctx, map)
    }

    fn gemm(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 2, 3)?;
        let alpha = f64::from(ctx.attribute("alpha", 1.0f32)?);
        let beta = f64::from(ctx.attribute("beta", 1.0f32)?);
        let trans_a = ctx.attribute("transA", 0i64)? != 0;
        let trans_b = ctx.attribute("transB", 0i64)? != 0;
        let b = self.constant(ctx, inputs[1])?;
        let c = self.optional_constant(ctx, &inputs, 2)?;
        self.expect_current(ctx, inputs[0])?;
        let [r, col] = self.current_shape[..] else {
            return Err(ctx.shape_err(format!("input A is {:?}, Gemm needs 2-D", self.current_shape)));
        };
        let (m, k) = if trans_a { (col, r) } else { (r, col) };
        let [b0, b1] = b.shape[..] else {
            return Err(ctx.shape_err(format!(
                "weights `{}` have shape {:?}, expected 2-D",
                inputs[1], b.shape
            )));
        };
        // B' = transB ? Bᵀ : B has shape [k, n].
        let (bk, n) = if trans_b { (b1, b0) } else { (b0, b1) };
        if bk != k {
            return Err(ctx.shape_err(format!(
                "A' has {k} columns but B' (transB={trans_b}) has shape [{bk}, {n}]"
            )));
        }
        let bias = match c {
            Some(c) => broadcast_to(&c, &[m, n])
                .ok_or_else(|| ctx.shape_err(format!("bias C {:?} does not broadcast to [{m}, {n}]", c.shape)))?
                .into_iter()
                .map(|v| beta * v)
                .collect(),
            None => vec![0.0; m * n],
        };
        let b_at = |j: usize, i: usize| {
            if trans_b {
                b.values[i * b1 + j]
            } else {
                b.values[j * b1 + i]
            }
        };
        let a_at = |row: usize, j: usize| if trans_a { j * col + row } else { row * col + j };
        let rows = (0..m * n)
            .map(|o| {
                let (row, i) = (o / n, o % n);
                (0..k).map(|j| (a_at(row, j), alpha * b_at(j, i))).collect()
            })
            .collect();
        self.affine(ctx, Affine { rows, bias })
    }

    /// `Add`, `Sub`, `Mul`, `Div` of the running activation and a constant (numpy broadcasting;
    /// opset-6 `broadcast`/`axis` attributes honoured).
    fn arithmetic(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 2, 2)?;
        let (data, operand, data_first) = match (self.is_const(inputs[0]), self.is_const(inputs[1])) {
            (false, true) => (inputs[0], inputs[1], true),
            (true, false) => (inputs[1], inputs[0], false),
            _ => {
                let dynamic = if inputs[0] == self.current {
                    inputs[1]
                } else {
                    inputs[0]
                };
                return Err(ctx.non_constant(dynamic));
            }
        };
        let mut c = self.constant(ctx, operand)?;
        self.expect_current(ctx, data)?;
        let (_, out_shape) = self.output(ctx)?;
        if out_shape != self.current_shape {
            return Err(ctx.shape_err(format!(
                "the constant broadcasts the activation {:?} to {out_shape:?}; only constants that keep its shape are supported",
                self.current_shape
            )));
        }
        // Opset < 7: `axis` aligns the constant's dims from that axis of the activation.
        if let Some(axis) = ctx.node.get_attr_opt::<i64>("axis").ok().flatten() {
            let rank = out_shape.len() as i64;
            let axis = if axis < 0 { axis + rank } else { axis };
            let trailing = rank - axis - c.shape.len() as i64;
            if axis < 0 || trailing < 0 {
                return Err(ctx.shape_err(format!("axis {axis} does not fit the constant {:?}", c.shape)));
            }
            c.shape.extend(std::iter::repeat_n(1, trailing as usize));
        }
        let values = broadcast_to(&c, &out_shape)
            .ok_or_else(|| ctx.shape_err(format!("constant {:?} does not broadcast to {out_shape:?}", c.shape)))?;
        let n = values.len();
        let (a, b): (Vec<f64>, Vec<f64>) = match (ctx.node.op_type.as_str(), data_first) {
            ("Add", _) => (vec![1.0; n], values),
            ("Sub", true) => (vec![1.0; n], values.iter().map(|v| -v).collect()),
            ("Sub", false) => (vec![-1.0; n], values),
            ("Mul", _) => (values, vec![0.0; n]),
            ("Div", true) => {
                if values.contains(&0.0) {
                    return Err(ctx.misplaced("it divides by a constant that contains 0"));
                }
                (values.iter().map(|v| 1.0 / v).collect(), vec![0.0; n])
            }
            _ => {
                return Err(
                    ctx.misplaced("a constant divided by the activation is not linear; only `x / c` is supported")
                )
            }
        };
        self.affine(ctx, affine::elementwise(&a, &b))
    }

    /// An activation: materialise a layer whose first rows are the input's expressions, with
    /// every tensor still needed later carried through it ([`Self::materialise`]).
    fn activation(&mut self, ctx: &Ctx, activation: FloatActivation) -> Result<(), OnnxError> {
        // Clip's optional bounds (inputs 1, 2) are constants read by `clip`.
        let max = if matches!(activation, FloatActivation::Clip(..)) {
            3
        } else {
            1
        };
        let inputs = self.inputs(ctx, 1, max)?;
        self.expect_current(ctx, inputs[0])?;
        let first = self.live_tensor(ctx, inputs[0])?.exprs.clone();
        self.pending.push(ctx.name.clone());
        let exprs = match self.patch_layer(ctx, &first, activation) {
            Some(at) => at,
            None => self.materialise(ctx, first, activation)?,
        };
        let (out, shape) = self.output(ctx)?;
        let nonneg = match activation {
            FloatActivation::Relu | FloatActivation::Sigmoid | FloatActivation::Softplus => true,
            FloatActivation::Clip(lo, _) => lo >= 0.0,
            _ => false,
        };
        self.live.insert(out, Live { shape, exprs, nonneg });
        Ok(())
    }

    /// `Sigmoid`; or SiLU, one table function, when the sigmoid's only reader is `Mul(v, Sigmoid(v))`
    /// and `v` has no other reader (Swish, as exported by PyTorch's `nn.SiLU`).
    fn sigmoid(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let Some((mul_name, mul_out)) = self.silu_pattern(ctx) else {
            return self.activation(ctx, FloatActivation::Sigmoid);
        };
        let v = ctx.node.input[0].clone();
        // The Mul's read of v happens here: v need not survive the layer.
        if let Some(n) = self.uses.get_mut(&v) {
            *n = n.saturating_sub(1);
        }
        self.fused.insert(mul_out.clone());
        self.activation(ctx, FloatActivation::Silu)?;
        let (sig_out, _) = self.output(ctx)?;
        self.uses.remove(&sig_out); // its one reader, the Mul, is lowered here
        let shape = self.shape(ctx, &mul_out)?;
        if let Some(mut live) = self.live.remove(&sig_out) {
            live.shape = shape;
            self.live.insert(mul_out, live);
        }
        if let Some(layer) = self.layers.last_mut() {
            layer.name = format!("{}+{mul_name}", layer.name);
        }
        Ok(())
    }

    /// The `Mul` that makes this sigmoid a SiLU: `(node name, output)`.
    fn silu_pattern(&self, ctx: &Ctx) -> Option<(String, String)> {
        let graph = self.parsed.proto.graph.as_ref()?;
        let (v, s) = (ctx.node.input.first()?, ctx.node.output.first()?);
        let mut readers = graph.node.iter().enumerate().filter(|(_, n)| n.input.contains(s));
        let (ix, mul) = readers.next()?;
        let is_output = graph.output.iter().any(|o| o.name == *s);
        if readers.next().is_some() || is_output || mul.op_type != "Mul" || mul.input.len() != 2 {
            return None;
        }
        let other = if mul.input[0] == *s {
            &mul.input[1]
        } else {
            &mul.input[0]
        };
        if other != v || self.uses.get(v) != Some(&2) {
            return None;
        }
        Some((node_name(mul, ix), mul.output.first()?.clone()))
    }

    /// `Add` / `Sub` of two live activations (a residual connection), numpy broadcasting.
    fn binary(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 2, 2)?;
        let (out, shape) = self.output(ctx)?;
        let sign = if ctx.node.op_type == "Sub" { -1.0 } else { 1.0 };
        let (a, b) = (self.live_tensor(ctx, inputs[0])?, self.live_tensor(ctx, inputs[1])?);
        let (ia, ib) = (
            broadcast_indices(&a.shape, &shape)
                .ok_or_else(|| ctx.shape_err(format!("{:?} does not broadcast to {shape:?}", a.shape)))?,
            broadcast_indices(&b.shape, &shape)
                .ok_or_else(|| ctx.shape_err(format!("{:?} does not broadcast to {shape:?}", b.shape)))?,
        );
        let exprs = ia
            .iter()
            .zip(&ib)
            .map(|(i, j)| Expr::combine([(1.0, &a.exprs[*i]), (sign, &b.exprs[*j])], 0.0))
            .collect();
        let nonneg = a.nonneg && b.nonneg && sign > 0.0;
        self.live.insert(out, Live { shape, exprs, nonneg });
        self.pending.push(ctx.name.clone());
        Ok(())
    }

    /// `Mul` of two activations: the element-wise product `a ⊙ b` (broadcast numpy-style). Two
    /// layers, each carrying every other needed tensor:
    ///
    /// 1. an identity layer whose output holds `a` then the survivors in its first half and `b`
    ///    then the constant 1 (one per survivor value) in its second half, each half padded with
    ///    zero rows to `h = tensor_domain(L + S)`;
    /// 2. a product layer ([`LayerOp::Product`], a Hadamard gate): `x_i · x_{h+i}`, so the first
    ///    `L` values are `a ⊙ b` and the next `S` the survivors times 1, unchanged.
    fn product(&mut self, ctx: &Ctx, (a, b): (&str, &str)) -> Result<(), OnnxError> {
        let (out, shape) = self.output(ctx)?;
        let (a, b) = (self.live_tensor(ctx, a)?, self.live_tensor(ctx, b)?);
        let (ia, ib) = (
            broadcast_indices(&a.shape, &shape)
                .ok_or_else(|| ctx.shape_err(format!("{:?} does not broadcast to {shape:?}", a.shape)))?,
            broadcast_indices(&b.shape, &shape)
                .ok_or_else(|| ctx.shape_err(format!("{:?} does not broadcast to {shape:?}", b.shape)))?,
        );
        let first: Vec<Expr> = ia.iter().map(|i| a.exprs[*i].clone()).collect();
        let second: Vec<Expr> = ib.iter().map(|j| b.exprs[*j].clone()).collect();
        let nonneg = a.nonneg && b.nonneg;
        let survivors: Vec<(String, usize)> = self
            .survivors(ctx)
            .into_iter()
            .map(|name| {
                let len = self.live[&name].exprs.len();
                (name, len)
            })
            .collect();
        let kept: usize = survivors.iter().map(|(_, len)| len).sum();
        if kept == 0 && first == second {
            // A square: of the state itself, or of an identity layer that holds it.
            if !self.is_whole_state(&first) {
                self.materialise(ctx, first, FloatActivation::Identity)?;
            }
            return self.square(ctx, (out, shape));
        }
        let products = first.len() + kept;
        if products > MAX_WIDTH / 2 {
            return Err(ctx.shape_err(format!(
                "the product and the {kept} values carried past it make {products} values, above the limit of {}",
                MAX_WIDTH / 2
            )));
        }
        let h = crate::protocol::tensor_domain(products).size();
        // Layer 1 (identity): [a; survivors; 0…] ++ [b; 1…; 0…].
        let mut rows = first;
        for (name, _) in &survivors {
            rows.extend(self.live[name].exprs.iter().cloned());
        }
        rows.resize(h, Expr::default());
        rows.extend(second);
        rows.extend((0..kept).map(|_| Expr {
            terms: vec![],
            bias: 1.0,
        }));
        rows.resize(2 * h, Expr::default());
        check_matrix(ctx, rows.len(), self.state_len)?;
        let (weights, bias) = Rows { rows }.dense(self.state_len);
        let mut names = std::mem::take(&mut self.pending);
        names.push(format!("{}[operands]", ctx.name));
        self.layers.push(FloatLayer {
            name: names.join("+"),
            weights,
            bias,
            activation: FloatActivation::Identity,
            op: LayerOp::Dense,
            mixed: false,
            map: vec![],
        });
        // Layer 2: the products.
        self.layers.push(FloatLayer {
            name: ctx.name.clone(),
            weights: vec![],
            bias: vec![],
            activation: FloatActivation::Identity,
            op: LayerOp::Product {
                in_len: 2 * h,
                out_len: products,
            },
            mixed: false,
            map: vec![],
        });
        self.state_len = products;
        let mut at = ia.len();
        for (name, len) in survivors {
            if let Some(live) = self.live.get_mut(&name) {
                live.exprs = (at..at + len).map(Expr::unit).collect();
            }
            at += len;
        }
        let exprs = (0..ia.len()).map(Expr::unit).collect();
        self.live.insert(out, Live { shape, exprs, nonneg });
        Ok(())
    }

    /// `Pow(x, 2)` of an activation: `Mul(x, x)` ([`Self::product`]: a square layer). Any other
    /// exponent is an error naming the node.
    fn pow(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 2, 2)?;
        let exponent = self.constant(ctx, inputs[1])?;
        match exponent.values.as_slice() {
            [e] if *e == 2.0 => self.product(ctx, (inputs[0], inputs[0])),
            other => Err(ctx.misplaced(&format!(
                "its exponent is {other:?}: only Pow(x, 2), a square of an activation, is supported (a square gate, or a product)"
            ))),
        }
    }

    /// Whether `exprs` is the state itself, element by element, and the state is the output of a
    /// plain dense layer with `f(0) = 0` or of a copy (no im2col Copy pending): the input a square
    /// layer reads ([`crate::model::QuantizedModel::validate`]'s rules for it).
    fn is_whole_state(&self, exprs: &[Expr]) -> bool {
        let reads_it = exprs.len() == self.state_len && exprs.iter().enumerate().all(|(i, e)| *e == Expr::unit(i));
        let zero_padding = self
            .layers
            .last()
            .is_some_and(|l| l.op.is_copy() || (l.op.is_dense() && !l.mixed && l.activation.apply(0.0) == 0.0));
        reads_it && zero_padding && self.patch.is_none()
    }

    /// `Mul(x, x)` (or `Pow(x, 2)`) of the whole state ([`Self::is_whole_state`], which the caller
    /// makes hold with an identity layer when needed), nothing else needed after it: ONE square
    /// layer ([`LayerOp::Square`], a square gate `x(X)² − y(X)`), with no operands layer.
    fn square(&mut self, ctx: &Ctx, (out, shape): (String, Vec<usize>)) -> Result<(), OnnxError> {
        let len = self.state_len;
        let mut names = std::mem::take(&mut self.pending);
        names.push(ctx.name.clone());
        self.layers.push(FloatLayer {
            name: names.join("+"),
            weights: vec![],
            bias: vec![],
            activation: FloatActivation::Identity,
            op: LayerOp::Square { len },
            mixed: false,
            map: vec![],
        });
        let exprs = (0..len).map(Expr::unit).collect();
        self.live.insert(
            out,
            Live {
                shape,
                exprs,
                nonneg: true,
            },
        );
        Ok(())
    }

    /// `MaxPool`: a tournament, `max(a, b) = b + relu(a − b)`, one ReLU layer per halving of the
    /// window, every other needed tensor carried through ([`super::state`]). Padding cells are
    /// skipped (they are −∞ in ONNX).
    fn max_pool(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 1, 1)?;
        self.expect_current(ctx, inputs[0])?;
        if ctx.node.output.iter().skip(1).any(|o| !o.is_empty()) {
            return Err(ctx.misplaced("the Indices output of MaxPool is not supported"));
        }
        let kernel = self.sizes(ctx, "kernel_shape", 0, 0)?;
        let window = self.window(ctx, kernel)?;
        let (out, shape) = self.output(ctx)?;
        let cells = affine::pool_cells(&self.current_shape, &window, &shape).map_err(|e| ctx.shape_err(e))?;
        self.max_over(ctx, inputs[0], &cells, (out, shape))
    }

    /// `GlobalMaxPool`: the maximum over each channel's spatial positions, as [`Self::max_over`]
    /// (a CosetMax layer for 2 or 4 positions, else the tournament).
    fn global_max_pool(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 1, 1)?;
        self.expect_current(ctx, inputs[0])?;
        let (out, shape) = self.output(ctx)?;
        let x = &self.current_shape;
        if x.len() < 3 {
            return Err(ctx.shape_err(format!("GlobalMaxPool needs [N, C, spatial…], got {x:?}")));
        }
        let (planes, spatial) = (x[0] * x[1], numel(&x[2..]));
        if spatial == 0 || numel(&shape) != planes {
            return Err(ctx.shape_err(format!("output {shape:?} does not fit the input {x:?}")));
        }
        let cells: Vec<Vec<usize>> = (0..planes)
            .map(|p| (p * spatial..(p + 1) * spatial).collect())
            .collect();
        self.max_over(ctx, inputs[0], &cells, (out, shape))
    }

    /// The maximum over each of `cells` (indices into the live tensor `input`), written to tensor
    /// `out` of `shape`: a CosetMax layer when [`Self::coset_pool`] applies (after an identity
    /// layer that materialises `input` when it is no layer's output yet; for windows of more than
    /// 4 values a tree of them, the partial maxima laid out by Copy layers), else a tournament,
    /// `max(a, b) = b + relu(a − b)`, one ReLU layer per halving of the largest cell, every other
    /// needed tensor carried through ([`super::state`]).
    fn max_over(
        &mut self,
        ctx: &Ctx,
        input_name: &str,
        cells: &[Vec<usize>],
        (out, shape): (String, Vec<usize>),
    ) -> Result<(), OnnxError> {
        if self.coset_pool(ctx, cells, Reduce::Max)? {
            return Ok(());
        }
        // A pooled tensor that is no layer's output yet (a convolution pooled before its
        // activation): an identity layer materialises it, whose rows the coset max then reorders,
        // when nothing else is carried.
        let max = crate::blocks::gate::MAX_WINDOW;
        // The first stage's layout (groups of up to `max` values per window) must fit a tensor.
        let groups: usize = cells.iter().map(|c| c.len().div_ceil(max)).sum();
        let first_w = cells
            .iter()
            .map(|c| c.len().min(max))
            .max()
            .unwrap_or(0)
            .max(2)
            .next_power_of_two();
        let coset = self.pooling != Pooling::Compose
            && cells.iter().all(|c| !c.is_empty())
            && first_w * crate::protocol::tensor_domain(groups).size() <= MAX_WIDTH
            && self.survivors(ctx).is_empty();
        let mut source = input_name.to_string();
        let mut cells = cells.to_vec();
        if coset {
            let input = self.live_tensor(ctx, input_name)?.clone();
            let is_state = input
                .exprs
                .iter()
                .all(|e| matches!(e.terms[..], [(_, c)] if c == 1.0 && e.bias == 0.0));
            if !is_state {
                self.pending.push(format!("{}[values]", ctx.name));
                let exprs = self.materialise(ctx, input.exprs.clone(), FloatActivation::Identity)?;
                self.live.insert(input_name.to_string(), Live { exprs, ..input });
                if cells.iter().all(|c| c.len() <= max) && self.coset_pool(ctx, &cells, Reduce::Max)? {
                    return Ok(());
                }
            }
            // Windows larger than the block's: a tree of coset maxes, each stage the maximum of
            // groups of up to `max` values, its output laid out for the next by a Copy layer.
            let (out_name, _) = self.output(ctx)?;
            let mut stage = 0;
            while cells.iter().any(|c| c.len() > max) {
                let (mut groups, mut next) = (vec![], vec![]);
                for c in &cells {
                    next.push((groups.len()..groups.len() + c.len().div_ceil(max)).collect::<Vec<usize>>());
                    groups.extend(c.chunks(max).map(<[usize]>::to_vec));
                }
                self.current.clone_from(&source);
                if !self.coset_pool(ctx, &groups, Reduce::Max)? {
                    break;
                }
                stage += 1;
                let partial = self
                    .live
                    .remove(&out_name)
                    .ok_or_else(|| ctx.misplaced("a pooling stage lost its output"))?;
                source = format!("{out_name}[max stage {stage}]");
                self.live.insert(source.clone(), partial);
                cells = next;
            }
            self.current.clone_from(&source);
            if stage > 0 && self.coset_pool(ctx, &cells, Reduce::Max)? {
                self.live.remove(&source);
                return Ok(());
            }
        }
        let input_name = source.as_str();
        let cells = &cells[..];
        // The first level has at least one row per cell: refuse a layer too large before building it.
        let first_rows: usize = cells.iter().map(Vec::len).sum();
        check_matrix(ctx, first_rows, self.state_len)?;
        let input = self.live_tensor(ctx, input_name)?.clone();
        let mut candidates: Vec<Vec<Expr>> = cells
            .iter()
            .map(|c| c.iter().map(|j| input.exprs[*j].clone()).collect())
            .collect();
        let how = if input.nonneg { Carry::Row } else { Carry::Split };
        let mut level = 0;
        while candidates.iter().any(|c| c.len() > 1) {
            level += 1;
            self.pending.push(format!("{}[max level {level}]", ctx.name));
            // One level: rows a − b for every pair, with b (and an odd one out) carried.
            let mut rows = Rows::default();
            let mut next = Vec::with_capacity(candidates.len());
            for cands in &candidates {
                let mut level = vec![];
                for pair in cands.chunks(2) {
                    match pair {
                        [a, b] => {
                            let d = rows.push(Expr::combine([(1.0, a), (-1.0, b)], 0.0));
                            let b_after = rows.carry(b, how);
                            level.push(Expr::combine([(1.0, &Expr::unit(d)), (1.0, &b_after)], 0.0));
                        }
                        [single] => level.push(rows.carry(single, how)),
                        _ => {}
                    }
                }
                next.push(level);
            }
            // The rows above are over the current state: materialise them (the survivors follow).
            let first = std::mem::take(&mut rows.rows);
            self.materialise(ctx, first, FloatActivation::Relu)?;
            candidates = next;
        }
        let exprs = candidates
            .into_iter()
            .map(|mut c| c.pop().unwrap_or_default())
            .collect();
        self.live.insert(
            out,
            Live {
                shape,
                exprs,
                nonneg: input.nonneg,
            },
        );
        Ok(())
    }

    /// `PRelu` with one slope for every element (a leaky ReLU); per-channel slopes would need one
    /// table function per channel.
    fn prelu(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 2, 2)?;
        let slope = self.constant(ctx, inputs[1])?;
        let first = slope.values.first().copied().unwrap_or(0.0);
        if slope.values.iter().any(|v| *v != first) {
            return Err(ctx.misplaced("its slope differs across elements; only one slope (a leaky ReLU) is supported"));
        }
        if !(0.0..=1.0).contains(&first) {
            return Err(ctx.misplaced(&format!("slope {first} is outside [0, 1]")));
        }
        let node = pb::NodeProto {
            input: vec![inputs[0].to_owned()],
            ..ctx.node.clone()
        };
        let single = Ctx {
            node: &node,
            name: ctx.name.clone(),
        };
        self.activation(&single, FloatActivation::LeakyRelu(first))
    }

    /// `Clip` (opset < 11: `min`/`max` attributes; from 11: optional constant inputs).
    fn clip(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 1, 3)?;
        let bound = |at: usize, attr: &str, default: f32| -> Result<f64, OnnxError> {
            match self.optional_constant(ctx, &inputs, at)? {
                Some(c) => Ok(c.values.first().copied().unwrap_or(f64::from(default))),
                None => Ok(f64::from(ctx.attribute(attr, default)?)),
            }
        };
        let (lo, hi) = (bound(1, "min", f32::MIN)?, bound(2, "max", f32::MAX)?);
        if lo > hi {
            return Err(ctx.misplaced(&format!("min {lo} is above max {hi}")));
        }
        self.activation(ctx, FloatActivation::Clip(lo, hi))
    }

    /// Integer-list attribute.
    fn ints(&self, ctx: &Ctx, attr: &str) -> Result<Option<Vec<i64>>, OnnxError> {
        ctx.node
            .get_attr_opt_vec::<i64>(attr)
            .map_err(|e| ctx.misplaced(&format!("bad attribute `{attr}`: {e:#}")))
    }

    /// Non-negative integer-list attribute, defaulting to `default` per spatial axis.
    fn sizes(&self, ctx: &Ctx, attr: &str, rank: usize, default: usize) -> Result<Vec<usize>, OnnxError> {
        match self.ints(ctx, attr)? {
            Some(v) => v
                .iter()
                .map(|x| {
                    usize::try_from(*x).map_err(|_| ctx.misplaced(&format!("`{attr}` has the negative value {x}")))
                })
                .collect(),
            None => Ok(vec![default; rank]),
        }
    }

    /// The spatial window of `Conv` and the pooling ops.
    fn window(&self, ctx: &Ctx, kernel: Vec<usize>) -> Result<Window, OnnxError> {
        let spatial = self.current_shape.len().saturating_sub(2);
        let strides = self.sizes(ctx, "strides", spatial, 1)?;
        let dilations = self.sizes(ctx, "dilations", spatial, 1)?;
        let pads = self.sizes(ctx, "pads", 0, 0)?;
        let auto_pad: String = ctx.attribute("auto_pad", String::from("NOTSET"))?;
        Window::resolve(
            kernel,
            strides,
            dilations,
            &pads,
            &auto_pad,
            &self.current_shape[2.min(self.current_shape.len())..],
        )
        .map_err(|e| ctx.shape_err(e))
    }

    /// `Conv`, or `ConvTranspose` (`transpose`) with explicit `pads` only (no `auto_pad`, no
    /// `output_shape`: refused with the reason; `output_padding` shows in the output shape tract
    /// infers).
    fn conv(&mut self, ctx: &Ctx, transpose: bool) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 2, 3)?;
        let w = self.constant(ctx, inputs[1])?;
        let b = self.optional_constant(ctx, &inputs, 2)?;
        self.expect_current(ctx, inputs[0])?;
        let kernel = w.shape.get(2..).unwrap_or_default().to_vec();
        if transpose {
            let auto_pad: String = ctx.attribute("auto_pad", String::from("NOTSET"))?;
            if !matches!(auto_pad.as_str(), "" | "NOTSET") || self.ints(ctx, "output_shape")?.is_some() {
                return Err(ctx.misplaced("only explicit `pads` are supported (not `auto_pad` or `output_shape`)"));
            }
        } else if let Some(declared) = self.sizes(ctx, "kernel_shape", 0, 0).ok().filter(|k| !k.is_empty()) {
            if declared != kernel {
                return Err(ctx.shape_err(format!("kernel_shape {declared:?} but weights {:?}", w.shape)));
            }
        }
        let group: usize = ctx.attribute("group", 1i64)?.try_into().unwrap_or(0);
        let window = self.window(ctx, kernel)?;
        let (_, out) = self.output(ctx)?;
        let build = if transpose {
            affine::conv_transpose
        } else {
            affine::conv
        };
        let bias = b.as_ref().map(|b| b.values.as_slice());
        let map = build(&self.current_shape, &w.values, &w.shape, bias, group, &window, &out)
            .map_err(|e| ctx.shape_err(e))?;
        if !transpose && group == 1 {
            if let Some(patches) = affine::conv_patches(&self.current_shape, &w.values, &w.shape, bias, &window, &out) {
                if self.patch_conv(ctx, &patches, map.rows.len())? {
                    return Ok(());
                }
            }
        }
        self.affine(ctx, map)
    }

    /// A convolution by im2col ([`Convolution`]): a Copy layer lays out patch `p`'s taps at
    /// `[N·p, N·p + N)` (`N = tensor_domain(taps)`, padding taps and slots zero), and the output's
    /// expressions read the patches; the activation that follows makes the patch layer
    /// ([`Self::patch_layer`]). Applies when `compile --conv` asks for it, the input is exactly the
    /// state (each element one state value, nothing else carried), and the patch matrix is
    /// smaller than the dense one and within the limits. Returns whether it applied.
    fn patch_conv(&mut self, ctx: &Ctx, patches: &affine::Patches, outputs: usize) -> Result<bool, OnnxError> {
        if self.conv == Convolution::Dense || !self.survivors(ctx).is_empty() {
            return Ok(false);
        }
        let Some(row_of) = self.state_rows(ctx)? else {
            return Ok(false);
        };
        let domain = crate::protocol::tensor_domain;
        let count = patches.taps.len();
        let taps = patches.filters.first().map_or(0, Vec::len);
        let (width, stride) = (domain(taps).size(), count.max(1).next_power_of_two());
        let rows = stride * patches.filters.len();
        let patch_log = width.trailing_zeros() + domain(rows).log_size;
        let dense_log = domain(outputs).log_size + domain(self.state_len).log_size;
        let wanted = match self.conv {
            Convolution::Im2col => true,
            Convolution::Auto => dense_log >= AUTO_PATCH_LOG,
            Convolution::Dense => false,
        };
        if !wanted
            || count == 0
            || patch_log >= dense_log
            || patch_log > MAX_MATRIX_LOG
            || stride * width > MAX_WIDTH
            || rows > MAX_WIDTH
        {
            return Ok(false);
        }
        let mut map = vec![COPY_ZERO; stride * width];
        for (p, taps) in patches.taps.iter().enumerate() {
            for (t, tap) in taps.iter().enumerate() {
                if let Some(i) = tap {
                    map[t + width * p] = row_of[*i] as u32;
                }
            }
        }
        let pending_before = std::mem::take(&mut self.pending);
        let state_before = self.state_len;
        let mut names = pending_before.clone();
        names.push(format!("{}.im2col", ctx.name));
        self.layers.push(FloatLayer {
            name: names.join("+"),
            weights: vec![],
            bias: vec![],
            activation: FloatActivation::Identity,
            op: LayerOp::Copy {
                in_len: self.state_len,
                out_len: stride * width,
            },
            mixed: false,
            map,
        });
        self.state_len = stride * width;
        self.pending.push(ctx.name.clone());
        // Output (0, oc, p), flat oc·P + p: filter oc on patch p.
        let exprs = patches
            .filters
            .iter()
            .zip(&patches.bias)
            .flat_map(|(filter, b)| {
                (0..count).map(move |p| Expr {
                    terms: filter
                        .iter()
                        .enumerate()
                        .filter(|(_, w)| **w != 0.0)
                        .map(|(t, w)| (t + width * p, *w))
                        .collect(),
                    bias: *b,
                })
            })
            .collect();
        let (out, shape) = self.output(ctx)?;
        self.live.insert(
            out,
            Live {
                shape,
                exprs,
                nonneg: false,
            },
        );
        self.patch = Some(PendingPatch {
            layers: self.layers.len(),
            width,
            count,
            state_before,
            pending_before,
        });
        Ok(true)
    }

    /// Undo a pending im2col Copy ([`Self::patch_conv`]) whose patch layer did not come (a row
    /// mixes patches, a tensor must be carried, the model output follows): remove the Copy and
    /// rewrite `first` and every live expression back over the state it read (tap `t` of patch
    /// `p` is the source value the Copy moved there; a padding tap is zero). The layer that follows
    /// is then the dense one `--conv dense` makes. Nothing to undo when no Copy is pending or a
    /// layer came after it.
    fn undo_patch(&mut self, first: &mut [Expr]) {
        let Some(pending) = self.patch.take() else {
            return;
        };
        if pending.layers != self.layers.len() {
            return;
        }
        let Some(copy) = self.layers.pop() else {
            return;
        };
        let back = |e: &Expr| {
            let mut terms = std::collections::BTreeMap::<usize, f64>::new();
            for (i, c) in &e.terms {
                if let Some(&j) = copy.map.get(*i).filter(|j| **j != COPY_ZERO) {
                    *terms.entry(j as usize).or_insert(0.0) += *c;
                }
            }
            Expr {
                terms: terms.into_iter().collect(),
                bias: e.bias,
            }
        };
        for e in first.iter_mut() {
            *e = back(e);
        }
        for live in self.live.values_mut() {
            for e in &mut live.exprs {
                *e = back(e);
            }
        }
        self.state_len = pending.state_before;
        let after = std::mem::take(&mut self.pending);
        self.pending = pending.pending_before.into_iter().chain(after).collect();
    }

    /// The patch layer ([`LayerOp::Patch`]) for `first` right after an im2col Copy
    /// ([`Self::patch_conv`]), when every row reads one patch (a convolution, and any per-channel
    /// affine map after it, such as a BatchNormalization): row `r` on patch `p` is filter `f`'s
    /// (its distinct coefficients and constant), output `p + P'·f`. Returns the rows' expressions
    /// over the new state; `None` when no Copy is pending, a row mixes patches, something else
    /// must be carried, or the layer would not fit (the [`Self::materialise`] that follows then
    /// undoes the Copy). Only an activation node calls it: the other callers of `materialise` use
    /// the row order they built.
    fn patch_layer(&mut self, ctx: &Ctx, first: &[Expr], activation: FloatActivation) -> Option<Vec<Expr>> {
        let pending = self.patch.as_ref()?;
        if pending.layers != self.layers.len() || !self.survivors(ctx).is_empty() {
            return None;
        }
        let (width, count) = (pending.width, pending.count);
        let stride = count.next_power_of_two();
        let (mut filters, mut bias, mut index) = (vec![], vec![], HashMap::new());
        let mut at = Vec::with_capacity(first.len());
        for e in first {
            let p = e.terms.first().map_or(0, |(i, _)| i / width);
            let mut row = vec![0.0; width];
            for (i, c) in &e.terms {
                if i / width != p || p >= count {
                    return None;
                }
                row[i % width] = *c + 0.0;
            }
            let key: (Vec<u64>, u64) = (row.iter().map(|v| v.to_bits()).collect(), (e.bias + 0.0).to_bits());
            let f = *index.entry(key).or_insert_with(|| {
                filters.push(row);
                bias.push(e.bias);
                filters.len() - 1
            });
            at.push(Expr::unit(p + stride * f));
        }
        let out_len = stride * filters.len();
        let log = width.trailing_zeros() + crate::protocol::tensor_domain(out_len).log_size;
        if out_len > MAX_WIDTH || log > MAX_MATRIX_LOG {
            return None;
        }
        self.patch = None;
        self.layers.push(FloatLayer {
            name: std::mem::take(&mut self.pending).join("+"),
            weights: filters,
            bias,
            activation,
            op: LayerOp::Patch {
                in_len: self.state_len,
                out_len,
                patches: count,
            },
            mixed: false,
            map: vec![],
        });
        self.state_len = out_len;
        Some(at)
    }

    fn average_pool(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 1, 1)?;
        self.expect_current(ctx, inputs[0])?;
        let kernel = self.sizes(ctx, "kernel_shape", 0, 0)?;
        let window = self.window(ctx, kernel)?;
        let include = ctx.attribute("count_include_pad", 0i64)? != 0;
        let (_, out) = self.output(ctx)?;
        let map = affine::average_pool(&self.current_shape, &window, include, &out).map_err(|e| ctx.shape_err(e))?;
        self.pool(ctx, map)
    }

    /// An averaging `map` (`AveragePool`, `GlobalAveragePool`): a CosetSum layer when it applies
    /// ([`Self::coset_pool`]), else composed into the next layer like any affine map.
    fn pool(&mut self, ctx: &Ctx, map: Affine) -> Result<(), OnnxError> {
        let w = map.rows.first().map_or(0, Vec::len);
        let uniform = map
            .rows
            .iter()
            .all(|r| r.len() == w && r.iter().all(|(_, c)| *c == 1.0 / w as f64))
            && map.bias.iter().all(|b| *b == 0.0);
        let cells: Vec<Vec<usize>> = map.rows.iter().map(|r| r.iter().map(|(i, _)| *i).collect()).collect();
        match uniform && self.coset_pool(ctx, &cells, Reduce::Mean)? {
            true => Ok(()),
            false => self.affine(ctx, map),
        }
    }

    /// The state value each element of the node's data input is, when every element is exactly
    /// one (a unit expression); `None` otherwise.
    fn state_rows(&self, ctx: &Ctx) -> Result<Option<Vec<usize>>, OnnxError> {
        let input = self.live_tensor(ctx, &self.current)?;
        Ok(input
            .exprs
            .iter()
            .map(|e| match e.terms[..] {
                [(v, c)] if c == 1.0 && e.bias == 0.0 => Some(v),
                _ => None,
            })
            .collect())
    }

    /// Pool with a coset block instead of composing: a coset-sum gate ([`LayerOp::CosetSum`])
    /// for a mean, whose averaging matrix then does not enlarge the next dense layer, or the
    /// CosetMax block ([`LayerOp::CosetMax`]) for a maximum, instead of a tournament of ReLU
    /// layers. It applies when `compile --pool` asks for it, the pooled tensor is exactly the
    /// state (each element one value of the last layer's output or of the model input, nothing else
    /// carried; non-negative for a maximum: a ReLU's or clip's output, or a pool of one) and every
    /// window holds `w ∈ {2, 4}` elements (`cells`; for a mean, distinct ones: kernel = stride, no
    /// padding; for a maximum, any one to four, overlapping or not, repeated up to `w`). Window
    /// `j`'s elements must sit at `j, j + m, …` (`m = tensor_domain(windows)`), with zeros in each
    /// block's padding: the last layer's rows are reordered (and copied, for a value in several
    /// windows) when it is a plain dense layer with `f(0) = 0` whose reordered matrix fits
    /// ([`Self::reordered`]); otherwise a Copy layer ([`LayerOp::Copy`]) lays the state out. A
    /// coset layer follows. Returns whether it applied.
    fn coset_pool(&mut self, ctx: &Ctx, cells: &[Vec<usize>], reduce: Reduce) -> Result<bool, OnnxError> {
        // A maximum is unchanged by repeating a member: a window with fewer values (padding,
        // ceil_mode) is filled up to w with its first value, and a value in several (overlapping)
        // windows takes one row per window.
        let w = match reduce {
            Reduce::Mean => cells.first().map_or(0, Vec::len),
            Reduce::Max => cells.iter().map(Vec::len).max().unwrap_or(0).max(2).next_power_of_two(),
        };
        let wanted = match (self.pooling, reduce) {
            (Pooling::Compose, _) => false,
            (Pooling::Coset, _) => true,
            (Pooling::Auto, Reduce::Mean) => numel(&self.current_shape) >= AUTO_COSET_POOL,
            (Pooling::Auto, Reduce::Max) => true,
        };
        let fits = wanted
            && cells.iter().all(|c| match reduce {
                Reduce::Mean => c.len() == w,
                Reduce::Max => !c.is_empty(),
            })
            && w.is_power_of_two()
            && (2..=crate::blocks::gate::MAX_WINDOW).contains(&w)
            && self.survivors(ctx).is_empty();
        if !fits {
            return Ok(false);
        }
        // Each pooled element must be one value of the state (the last layer's output, or the
        // model input before any layer).
        let Some(row_of) = self.state_rows(ctx)? else {
            return Ok(false);
        };
        let input = self.live_tensor(ctx, &self.current.clone())?;
        let mut seen = vec![false; self.state_len];
        for cell in cells.iter().flatten() {
            let v = row_of[*cell];
            if std::mem::replace(&mut seen[v], true) && reduce == Reduce::Mean {
                return Ok(false); // overlapping windows: a mean cannot repeat a value
            }
        }
        let (windows, nonneg) = (cells.len(), input.nonneg);
        let m = crate::protocol::tensor_domain(windows).size();
        // The block looks up max − x in the table's non-negative half when the values are a
        // ReLU's (or a clip's at 0, or a maximum or mean of such), else in the whole window shifted
        // (a signed coset max), which needs the values inside the window: `validate` checks both.
        let values = pooled_values(&self.layers);
        let signed = !(nonneg && values == Some(true));
        if reduce == Reduce::Max && values.is_none() {
            return Ok(false);
        }
        // The source of window j's k-th value: a row of the state.
        let source = |j: usize, k: usize| row_of[*cells[j].get(k).unwrap_or(&cells[j][0])];
        if let Some((weights, bias)) = self.reordered((w, m, windows), &source) {
            // The last dense layer computes its rows in the coset order (a row per window member).
            if let Some(last) = self.layers.last_mut() {
                (last.weights, last.bias) = (weights, bias);
            }
        } else if w * m <= MAX_WIDTH {
            // Otherwise a Copy layer lays the state out in the coset order (its padding zero).
            let mut map = vec![COPY_ZERO; w * m];
            for j in 0..windows {
                for k in 0..w {
                    map[j + k * m] = source(j, k) as u32;
                }
            }
            let name = format!("{}.layout", ctx.name);
            self.layers.push(FloatLayer {
                name,
                weights: vec![],
                bias: vec![],
                activation: FloatActivation::Identity,
                op: LayerOp::Copy {
                    in_len: self.state_len,
                    out_len: w * m,
                },
                mixed: false,
                map,
            });
        } else {
            return Ok(false);
        }
        let (out, shape) = self.output(ctx)?;
        let mut names = std::mem::take(&mut self.pending);
        names.push(ctx.name.clone());
        let (in_len, out_len) = (w * m, windows);
        self.layers.push(FloatLayer {
            name: names.join("+"),
            weights: vec![],
            bias: vec![],
            activation: FloatActivation::Identity,
            op: match reduce {
                Reduce::Mean => LayerOp::CosetSum { in_len, out_len },
                Reduce::Max => LayerOp::CosetMax {
                    in_len,
                    out_len,
                    signed,
                },
            },
            mixed: false,
            map: vec![],
        });
        self.state_len = windows;
        let exprs = (0..windows).map(Expr::unit).collect();
        self.live.insert(out, Live { shape, exprs, nonneg });
        Ok(true)
    }

    /// The last layer's weights and bias with its rows in the coset order of a pool (`w` values
    /// per window, windows on `H_m`, `source(j, k)` the row of window `j`'s `k`-th value; zero rows
    /// in each block's padding), when that layer can compute them: a dense, unmixed layer whose
    /// outputs are exactly the state, with `f(0) = 0`, and whose reordered matrix still fits.
    /// `None` otherwise (a [`LayerOp::Copy`] then lays the values out).
    fn reordered(
        &self,
        (w, m, windows): (usize, usize, usize),
        source: &dyn Fn(usize, usize) -> usize,
    ) -> Option<(Vec<Vec<f64>>, Vec<f64>)> {
        let last = self.layers.last()?;
        let usable = last.op == LayerOp::Dense
            && !last.mixed
            && last.out_len() == self.state_len
            && last.activation.apply(0.0) == 0.0;
        let width = last.in_len();
        let log = (w * m).trailing_zeros() + width.next_power_of_two().trailing_zeros();
        if !usable || w * m > MAX_WIDTH || log > MAX_MATRIX_LOG {
            return None;
        }
        let (mut weights, mut bias) = (vec![vec![0.0; width]; w * m], vec![0.0; w * m]);
        for j in 0..windows {
            for k in 0..w {
                let v = source(j, k);
                weights[j + k * m].clone_from(&last.weights[v]);
                bias[j + k * m] = last.bias[v];
            }
        }
        Some((weights, bias))
    }

    fn batch_norm(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 5, 5)?;
        if ctx.node.output.iter().skip(1).any(|o| !o.is_empty()) {
            return Err(ctx.misplaced("training-mode outputs (running mean/variance) are not supported"));
        }
        if ctx.attribute("training_mode", 0i64)? != 0 {
            return Err(ctx.misplaced("training_mode = 1 is not supported; export the model in eval mode"));
        }
        let eps = f64::from(ctx.attribute("epsilon", 1e-5f32)?);
        let [scale, shift, mean, var] = [1, 2, 3, 4].map(|k| self.constant(ctx, inputs[k]));
        let (scale, shift, mean, var) = (scale?, shift?, mean?, var?);
        self.expect_current(ctx, inputs[0])?;
        let a: Vec<f64> = scale
            .values
            .iter()
            .zip(&var.values)
            .map(|(s, v)| s / (v + eps).sqrt())
            .collect();
        let b: Vec<f64> = shift
            .values
            .iter()
            .zip(&mean.values)
            .zip(&a)
            .map(|((s, m), a)| s - a * m)
            .collect();
        if [shift.values.len(), mean.values.len(), var.values.len()]
            .iter()
            .any(|l| *l != a.len())
        {
            return Err(ctx.shape_err("scale, B, mean and var have different lengths".into()));
        }
        let map = affine::channel_affine(&self.current_shape, &a, &b).map_err(|e| ctx.shape_err(e))?;
        self.affine(ctx, map)
    }

    fn pad(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 1, 4)?;
        let mode: String = ctx.attribute("mode", String::from("constant"))?;
        // Opset < 11: `pads` and `value` are attributes; from 11 on, inputs (and `axes` from 18).
        let (pads, value) = match self.optional_ints(ctx, &inputs, 1)? {
            Some(pads) => {
                let value = self
                    .optional_constant(ctx, &inputs, 2)?
                    .map_or(0.0, |c| c.values.first().copied().unwrap_or(0.0));
                (pads, value)
            }
            None => (
                self.ints(ctx, "pads")?.unwrap_or_default(),
                f64::from(ctx.attribute("value", 0.0f32)?),
            ),
        };
        let rank = self.current_shape.len();
        let pads = match self.optional_ints(ctx, &inputs, 3)? {
            Some(axes) => {
                let mut full = vec![0; 2 * rank];
                for (k, axis) in axes.iter().enumerate() {
                    let axis = if *axis < 0 { axis + rank as i64 } else { *axis };
                    let axis = usize::try_from(axis)
                        .ok()
                        .filter(|a| *a < rank)
                        .ok_or_else(|| ctx.shape_err(format!("axis {axis} out of range")))?;
                    full[axis] = *pads.get(k).unwrap_or(&0);
                    full[rank + axis] = *pads.get(axes.len() + k).unwrap_or(&0);
                }
                full
            }
            None => pads,
        };
        self.expect_current(ctx, inputs[0])?;
        let axes = affine::pad_axes(&self.current_shape, &pads, &mode).map_err(|e| ctx.shape_err(e))?;
        let map = affine::per_axis(&self.current_shape, &axes, value);
        self.affine(ctx, map)
    }

    fn slice(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 1, 5)?;
        // Opset < 10: `starts`, `ends`, `axes` are attributes; from 10 on, inputs with `steps`.
        let (starts, ends, axes, steps) = match self.optional_ints(ctx, &inputs, 1)? {
            Some(starts) => {
                let ends = self.optional_ints(ctx, &inputs, 2)?.unwrap_or_default();
                let axes = self
                    .optional_ints(ctx, &inputs, 3)?
                    .unwrap_or_else(|| (0..starts.len() as i64).collect());
                let steps = self
                    .optional_ints(ctx, &inputs, 4)?
                    .unwrap_or_else(|| vec![1; starts.len()]);
                (starts, ends, axes, steps)
            }
            None => {
                let starts = self.ints(ctx, "starts")?.unwrap_or_default();
                let ends = self.ints(ctx, "ends")?.unwrap_or_default();
                let axes = self
                    .ints(ctx, "axes")?
                    .unwrap_or_else(|| (0..starts.len() as i64).collect());
                let n = starts.len();
                (starts, ends, axes, vec![1; n])
            }
        };
        self.expect_current(ctx, inputs[0])?;
        let lists =
            affine::slice_axes(&self.current_shape, &starts, &ends, &axes, &steps).map_err(|e| ctx.shape_err(e))?;
        let map = affine::per_axis(&self.current_shape, &lists, 0.0);
        self.affine(ctx, map)
    }

    /// `Abs`: `|v| = relu(v) + relu(−v)`, one ReLU layer with rows `v` and `−v` (nothing for a
    /// tensor known to be non-negative).
    fn abs(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 1, 1)?;
        self.expect_current(ctx, inputs[0])?;
        let live = self.live_tensor(ctx, inputs[0])?.clone();
        let (out, shape) = self.output(ctx)?;
        let exprs = if live.nonneg {
            self.pending.push(ctx.name.clone());
            live.exprs
        } else {
            let n = live.exprs.len();
            let mut rows = live.exprs.clone();
            rows.extend(live.exprs.iter().map(|e| Expr::combine([(-1.0, e)], 0.0)));
            self.pending.push(ctx.name.clone());
            let at = self.materialise(ctx, rows, FloatActivation::Relu)?;
            (0..n)
                .map(|i| Expr::combine([(1.0, &at[i]), (1.0, &at[n + i])], 0.0))
                .collect()
        };
        self.live.insert(
            out,
            Live {
                shape,
                exprs,
                nonneg: true,
            },
        );
        Ok(())
    }

    /// `Split`: consecutive slices along `axis`, one live tensor per output (sizes from the
    /// `split` input (opset ≥ 13) or attribute, else equal parts).
    fn split(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 1, 2)?;
        self.expect_current(ctx, inputs[0])?;
        let shape = self.current_shape.clone();
        let rank = shape.len() as i64;
        let axis = ctx.attribute("axis", 0i64)?;
        if !(-rank..rank).contains(&axis) {
            return Err(ctx.shape_err(format!("axis {axis} is outside a rank-{rank} tensor")));
        }
        let axis = axis.rem_euclid(rank) as usize;
        let outputs: Vec<&String> = ctx.node.output.iter().filter(|o| !o.is_empty()).collect();
        let sizes: Vec<i64> = match self.optional_ints(ctx, &inputs, 1)? {
            Some(sizes) => sizes,
            None => match self.ints(ctx, "split")? {
                Some(sizes) => sizes,
                None if !outputs.is_empty() && shape[axis].is_multiple_of(outputs.len()) => {
                    vec![(shape[axis] / outputs.len()) as i64; outputs.len()]
                }
                None => {
                    return Err(ctx.shape_err(format!(
                        "{} outputs do not split a dimension of {} equally",
                        outputs.len(),
                        shape[axis]
                    )))
                }
            },
        };
        if sizes.len() != outputs.len()
            || sizes.iter().any(|s| *s < 0)
            || sizes.iter().sum::<i64>() != shape[axis] as i64
        {
            return Err(ctx.shape_err(format!(
                "split sizes {sizes:?} do not cover dimension {axis} ({}) with {} outputs",
                shape[axis],
                outputs.len()
            )));
        }
        let live = self.live_tensor(ctx, inputs[0])?.clone();
        let mut start = 0i64;
        for (out, size) in outputs.into_iter().zip(sizes) {
            let lists = affine::slice_axes(&shape, &[start], &[start + size], &[axis as i64], &[1])
                .map_err(|e| ctx.shape_err(e))?;
            let map = affine::per_axis(&shape, &lists, 0.0);
            let mut out_shape = shape.clone();
            out_shape[axis] = size as usize;
            self.live.insert(out.clone(), live.apply(&map, out_shape));
            start += size;
        }
        self.pending.push(ctx.name.clone());
        Ok(())
    }

    fn transpose(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 1, 1)?;
        self.expect_current(ctx, inputs[0])?;
        let rank = self.current_shape.len();
        let perm = match self.ints(ctx, "perm")? {
            Some(p) => p.iter().map(|a| usize::try_from(*a).unwrap_or(usize::MAX)).collect(),
            None => (0..rank).rev().collect::<Vec<usize>>(),
        };
        let map = affine::transpose(&self.current_shape, &perm).map_err(|e| ctx.shape_err(e))?;
        self.affine(ctx, map)
    }

    /// `Concat` of live activations (branches) and constants.
    fn concat(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 1, usize::MAX)?;
        let (out, shape) = self.output(ctx)?;
        let rank = shape.len() as i64;
        let axis = ctx.attribute("axis", 0i64)?;
        let axis = usize::try_from(if axis < 0 { axis + rank } else { axis })
            .ok()
            .filter(|a| (*a as i64) < rank)
            .ok_or_else(|| ctx.shape_err(format!("axis {axis} out of range for rank {rank}")))?;
        let (mut shapes, mut pieces, mut nonneg) = (vec![], vec![], true);
        for input in &inputs {
            if let Some(live) = self.live.get(*input) {
                shapes.push(live.shape.clone());
                pieces.push(live.exprs.clone());
                nonneg &= live.nonneg;
            } else {
                let c = self.constant(ctx, input)?;
                nonneg &= c.values.iter().all(|v| *v >= 0.0);
                shapes.push(c.shape.clone());
                pieces.push(
                    c.values
                        .iter()
                        .map(|v| Expr {
                            terms: vec![],
                            bias: *v,
                        })
                        .collect(),
                );
            }
        }
        let fits = shapes
            .iter()
            .all(|s| s.len() == shape.len() && s.iter().zip(&shape).enumerate().all(|(a, (d, t))| a == axis || d == t))
            && shapes.iter().map(|s| s[axis]).sum::<usize>() == shape[axis];
        if !fits {
            return Err(ctx.shape_err(format!(
                "inputs {shapes:?} do not concatenate to {shape:?} on axis {axis}"
            )));
        }
        let offsets: Vec<usize> = shapes
            .iter()
            .scan(0, |acc, s| {
                let at = *acc;
                *acc += s[axis];
                Some(at)
            })
            .collect();
        let exprs = (0..numel(&shape))
            .map(|o| {
                let mut index = affine::unravel(o, &shape);
                let k = offsets.iter().rposition(|off| *off <= index[axis]).unwrap_or(0);
                index[axis] -= offsets[k];
                let at: usize = index
                    .iter()
                    .zip(affine::strides(&shapes[k]))
                    .map(|(i, st)| i * st)
                    .sum();
                pieces[k][at].clone()
            })
            .collect();
        self.live.insert(out, Live { shape, exprs, nonneg });
        self.pending.push(ctx.name.clone());
        Ok(())
    }

    fn reshape(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 1, 2)?;
        if let Some(shape) = inputs.get(1).filter(|s| !s.is_empty()) {
            if !self.is_const(shape) {
                return Err(ctx.non_constant(shape));
            }
        }
        if ctx.node.output.iter().skip(1).any(|o| !o.is_empty()) && ctx.node.op_type == "Dropout" {
            return Err(ctx.misplaced("a Dropout mask output is not supported"));
        }
        self.expect_current(ctx, inputs[0])?;
        self.advance(ctx)
    }

    fn finish(mut self, graph: &pb::GraphProto) -> Result<FloatModel, OnnxError> {
        let [output] = &graph.output[..] else {
            return Err(OnnxError::Graph {
                reason: format!("the model has {} outputs; exactly one is supported", graph.output.len()),
            });
        };
        let Some(result) = self.live.get(&output.name).cloned() else {
            return Err(OnnxError::Graph {
                reason: format!("the graph output `{}` is not computed from the input", output.name),
            });
        };
        // The last layer's output is the model output unless linear ops follow it (or it holds
        // more than the output): then a final layer with no activation.
        let exact =
            result.exprs.len() == self.state_len && result.exprs.iter().enumerate().all(|(i, e)| *e == Expr::unit(i));
        if !exact || self.layers.is_empty() {
            if self.pending.is_empty() && self.layers.is_empty() {
                return Err(OnnxError::Graph {
                    reason: "no layer found: the graph only reshapes its input".into(),
                });
            }
            let node = pb::NodeProto {
                name: "output".into(),
                op_type: "Output".into(),
                ..Default::default()
            };
            let ctx = Ctx {
                node: &node,
                name: "output".into(),
            };
            self.uses.clear(); // nothing survives the last layer
            self.materialise(&ctx, result.exprs, FloatActivation::Identity)?;
        }
        let input_len = numel(&self.parsed.input_shape);
        let mut expected = input_len;
        for layer in &self.layers {
            if layer.in_len() != expected {
                return Err(OnnxError::Graph {
                    reason: format!(
                        "layer {} reads {} values, {expected} available",
                        layer.name,
                        layer.in_len()
                    ),
                });
            }
            expected = layer.out_len();
        }
        Ok(FloatModel {
            name: self.parsed.name.clone(),
            input_shape: self.parsed.input_shape.clone(),
            layers: self.layers,
            dropped: self.parsed.dropped.clone(),
        })
    }
}

/// Refuse a layer matrix above the vk's limit before building it.
/// The values the last of `layers` outputs, as a coset max reads them (the rules of
/// [`crate::model::QuantizedModel::validate`]): `Some(true)` non-negative ones in the window (a
/// plain dense layer with a ReLU or a clip at 0), `Some(false)` ones inside the window but maybe
/// negative (the model input, checked against the window at proving; the identity, a ReLU, a leaky
/// ReLU, a clip), `None` unknown; a copy, coset max or coset mean keeps what it reads.
fn pooled_values(layers: &[FloatLayer]) -> Option<bool> {
    let Some((last, before)) = layers.split_last() else {
        return Some(false);
    };
    if matches!(
        last.op,
        LayerOp::CosetMax { .. } | LayerOp::CosetSum { .. } | LayerOp::Copy { .. }
    ) {
        return pooled_values(before);
    }
    let nonneg = last.op.is_rowsum()
        && !last.mixed
        && (matches!(last.activation, FloatActivation::Relu)
            || matches!(last.activation, FloatActivation::Clip(lo, _) if lo == 0.0));
    let in_window = matches!(
        last.activation,
        FloatActivation::Identity | FloatActivation::Relu | FloatActivation::LeakyRelu(_) | FloatActivation::Clip(..)
    );
    in_window.then_some(nonneg)
}

fn check_matrix(ctx: &Ctx, rows: usize, cols: usize) -> Result<(), OnnxError> {
    let log = rows.next_power_of_two().trailing_zeros() + cols.next_power_of_two().trailing_zeros();
    if rows > MAX_WIDTH || cols > MAX_WIDTH || log > MAX_MATRIX_LOG {
        return Err(ctx.shape_err(format!(
            "it makes a fixed-weight layer of {rows} × {cols} weights (padded 2^{log}), above the 2^{MAX_MATRIX_LOG} limit of one layer; a smaller input or fewer channels fit"
        )));
    }
    Ok(())
}

/// For each element of `target` (row-major), the index of the element of a tensor of shape
/// `shape` that numpy broadcasting reads; `None` if `shape` does not broadcast to `target`.
fn broadcast_indices(shape: &[usize], target: &[usize]) -> Option<Vec<usize>> {
    let c = ConstTensor {
        shape: shape.to_vec(),
        values: (0..numel(shape)).map(|i| i as f64).collect(),
    };
    broadcast_to(&c, target).map(|v| v.into_iter().map(|i| i as usize).collect())
}

fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Unidirectional (numpy) broadcast of `c` to `target`, flattened row-major; `None` if `c` does not
/// broadcast to exactly `target`.
fn broadcast_to(c: &ConstTensor, target: &[usize]) -> Option<Vec<f64>> {
    let extra = c.shape.len().saturating_sub(target.len());
    if c.shape[..extra].iter().any(|d| *d != 1) {
        return None;
    }
    let c_dims = &c.shape[extra..];
    let offset = target.len() - c_dims.len();
    // Stride of each target axis in `c` (0 where `c` broadcasts).
    let mut strides = vec![0usize; target.len()];
    let mut stride = 1;
    for (axis, &dim) in c_dims.iter().enumerate().rev() {
        let t = target[offset + axis];
        if dim == t {
            strides[offset + axis] = stride;
        } else if dim != 1 {
            return None;
        }
        stride *= dim;
    }
    let total = numel(target);
    let mut out = Vec::with_capacity(total);
    for flat in 0..total {
        let (mut rest, mut at) = (flat, 0);
        for (axis, &dim) in target.iter().enumerate().rev() {
            at += (rest % dim) * strides[axis];
            rest /= dim;
        }
        out.push(*c.values.get(at)?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(shape: &[usize], values: &[f64]) -> ConstTensor {
        ConstTensor {
            shape: shape.to_vec(),
            values: values.to_vec(),
        }
    }

    #[test]
    fn self_check_catches_a_wrong_lowering() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/sample/sample.onnx");
        let parsed = parse_with(&path, false).unwrap();
        let reference = FloatReference::from_parsed(&parsed).unwrap();
        let mut float = lower_parsed(&parsed, Pooling::Auto, Convolution::Auto).unwrap();
        self_check(&float, &reference).unwrap();
        // A transposed weight matrix (the classic MatMul mistake) is caught.
        let w = float.layers[0].weights.clone();
        float.layers[0].weights = (0..4).map(|i| (0..4).map(|j| w[j][i]).collect()).collect();
        assert!(matches!(
            self_check(&float, &reference),
            Err(OnnxError::LoweringMismatch { .. })
        ));
    }

    #[test]
    fn broadcast_rules() {
        assert_eq!(broadcast_to(&tensor(&[], &[2.0]), &[1, 3]), Some(vec![2.0; 3]));
        assert_eq!(
            broadcast_to(&tensor(&[3], &[1.0, 2.0, 3.0]), &[1, 3]),
            Some(vec![1.0, 2.0, 3.0])
        );
        assert_eq!(
            broadcast_to(&tensor(&[1, 1, 3], &[1.0, 2.0, 3.0]), &[1, 3]),
            Some(vec![1.0, 2.0, 3.0])
        );
        assert_eq!(broadcast_to(&tensor(&[3, 1], &[1.0, 2.0, 3.0]), &[1, 3]), None);
        assert_eq!(broadcast_to(&tensor(&[2, 3], &[0.0; 6]), &[1, 3]), None);
        assert_eq!(
            broadcast_to(&tensor(&[2, 1], &[1.0, 2.0]), &[2, 2]),
            Some(vec![1.0, 1.0, 2.0, 2.0])
        );
    }
}
