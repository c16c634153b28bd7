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
//! Nodes are visited in topological order. Every node whose outputs are all constant is skipped;
//! the others must form a single chain over the running activation vector:
//!
//! | ONNX op | lowering |
//! |---|---|
//! | `MatMul(x, B)` | new layer, `weights[i][j] = B[j][i]`, bias 0 |
//! | `Gemm(A, B, C)` | new layer, `weights[i][j] = α·B'[j][i]`, `bias = β·C` broadcast to `[1, n]` |
//! | `Add(x, c)`, `Add(c, x)` | `c` (broadcast) folded into the bias of the open layer |
//! | `Relu` | activation of the open layer |
//! | `Flatten`, `Reshape`, `Identity` | no-op on the flattened vector |
//!
//! Since tract runs the same file, [`lower`] finishes with a self-check: the lowered float chain
//! and tract's optimised float inference must agree on a probe input.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use tract_onnx::pb;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;

use super::error::OnnxError;
use super::reference::FloatReference;
use crate::model::Activation;

/// The ONNX ops the front end lowers (besides constant sub-graphs, which tract folds).
pub const SUPPORTED_OPS: &[&str] = &[
    "MatMul", "Gemm", "Add", "Relu", "Flatten", "Reshape", "Identity", "Constant",
];

/// The oldest ONNX opset accepted: from opset 7 on, `Gemm` and `Add` broadcast numpy-style (before,
/// they had a `broadcast` attribute this front end does not read).
pub const MIN_OPSET: i64 = 7;

/// One dense layer with real-valued weights, before quantization.
#[derive(Clone, Debug, PartialEq)]
pub struct FloatLayer {
    /// The ONNX node names it covers, joined by `+`.
    pub name: String,
    /// `weights[i][j]`: output `i`, input `j`.
    pub weights: Vec<Vec<f64>>,
    /// One entry per output.
    pub bias: Vec<f64>,
    /// Activation applied after the affine map.
    pub activation: Activation,
}

impl FloatLayer {
    /// Number of inputs.
    pub fn in_len(&self) -> usize {
        self.weights.first().map_or(0, Vec::len)
    }

    /// Number of outputs.
    pub fn out_len(&self) -> usize {
        self.weights.len()
    }

    /// `act(W·x + b)` in `f64`.
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        self.weights
            .iter()
            .zip(&self.bias)
            .map(|(row, b)| {
                let v = row.iter().zip(x).map(|(w, v)| w * v).sum::<f64>() + b;
                match self.activation {
                    Activation::Identity => v,
                    Activation::Relu => v.max(0.0),
                }
            })
            .collect()
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
    /// The input shape, batch dimension fixed to 1.
    pub input_shape: Vec<usize>,
}

/// Read, decode and analyse an ONNX file.
pub(crate) fn parse(path: &Path) -> Result<Parsed, OnnxError> {
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
    let proto = onnx
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
    })
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

/// The input shape with its batch dimension (the first one, for rank ≥ 2) fixed to 1.
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
            (0, Some(n)) if batched && *n != 1 => Err(OnnxError::Input {
                reason: format!("batch dimension is {n}; only batch 1 (or a symbolic batch) is supported"),
            }),
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

/// Lower an ONNX MLP to float dense layers, and check the result against tract's float inference.
pub fn lower(path: &Path) -> Result<FloatModel, OnnxError> {
    let parsed = parse(path)?;
    let float = lower_parsed(&parsed)?;
    let reference = FloatReference::from_parsed(&parsed)?;
    self_check(&float, &reference)?;
    Ok(float)
}

/// Compare the lowered chain with tract on two deterministic probe inputs (one in `[0, 1]`, one in
/// `[-1, 1]`).
fn self_check(float: &FloatModel, reference: &FloatReference) -> Result<(), OnnxError> {
    let n = float.input_len();
    let probes = [
        (0..n)
            .map(|j| ((j * 7919 + 13) % 101) as f32 / 100.0)
            .collect::<Vec<f32>>(),
        (0..n).map(|j| ((j * 104_729 + 7) % 201) as f32 / 100.0 - 1.0).collect(),
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
    /// Tensor name of the running activation.
    current: String,
    /// Its shape.
    current_shape: Vec<usize>,
    /// Finished layers.
    layers: Vec<FloatLayer>,
    /// The layer being built (its bias and activation may still change).
    open: Option<FloatLayer>,
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
pub(crate) fn lower_parsed(parsed: &Parsed) -> Result<FloatModel, OnnxError> {
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
    let mut walk = Lowering {
        parsed,
        current: source,
        current_shape: parsed.input_shape.clone(),
        layers: vec![],
        open: None,
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
        walk.node(&ctx)?;
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

    /// Check that `name` is the running activation.
    fn expect_current(&self, ctx: &Ctx, name: &str) -> Result<(), OnnxError> {
        if self.is_const(name) {
            return Err(ctx.misplaced(&format!(
                "its data input `{name}` is a constant; the op must apply to the running activation"
            )));
        }
        if name != self.current {
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
        self.current = out;
        self.current_shape = shape;
        Ok(())
    }

    fn node(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        match ctx.node.op_type.as_str() {
            "MatMul" => self.matmul(ctx),
            "Gemm" => self.gemm(ctx),
            "Add" => self.add(ctx),
            "Relu" => self.relu(ctx),
            "Flatten" | "Reshape" | "Identity" => self.reshape(ctx),
            _ => Err(unsupported(ctx.node, &ctx.name)),
        }
    }

    fn inputs<'n>(&self, ctx: &'n Ctx, min: usize, max: usize) -> Result<Vec<&'n str>, OnnxError> {
        let inputs: Vec<&str> = ctx.node.input.iter().map(String::as_str).collect();
        if inputs.len() < min || inputs.len() > max || inputs.iter().take(min).any(|i| i.is_empty()) {
            return Err(ctx.misplaced(&format!("expected {min} to {max} inputs, found {}", inputs.len())));
        }
        Ok(inputs)
    }

    /// The length `k` of the running activation seen as a row vector (all leading dims 1).
    fn row_len(&self, ctx: &Ctx, shape: &[usize]) -> Result<usize, OnnxError> {
        match shape.split_last() {
            Some((k, lead)) if lead.iter().all(|d| *d == 1) => Ok(*k),
            _ => Err(ctx.shape_err(format!(
                "the activation {shape:?} is not a single row; add a Flatten before this layer"
            ))),
        }
    }

    /// Close the open layer and start a new one.
    fn push_layer(&mut self, ctx: &Ctx, weights: Vec<Vec<f64>>, bias: Vec<f64>) -> Result<(), OnnxError> {
        if let Some(layer) = self.open.take() {
            self.layers.push(layer);
        }
        (self.current, self.current_shape) = self.output(ctx)?;
        if numel(&self.current_shape) != weights.len() {
            return Err(ctx.shape_err(format!(
                "tract infers output {:?} but the weights have {} outputs",
                self.current_shape,
                weights.len()
            )));
        }
        self.open = Some(FloatLayer {
            name: ctx.name.clone(),
            weights,
            bias,
            activation: Activation::Identity,
        });
        Ok(())
    }

    fn matmul(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 2, 2)?;
        let b = self.constant(ctx, inputs[1])?;
        self.expect_current(ctx, inputs[0])?;
        let k = self.row_len(ctx, &self.current_shape)?;
        let [rows, n] = b.shape[..] else {
            return Err(ctx.shape_err(format!(
                "weights `{}` have shape {:?}, expected 2-D",
                inputs[1], b.shape
            )));
        };
        if rows != k {
            return Err(ctx.shape_err(format!(
                "activation has {k} columns but weights `{}` have shape {:?}",
                inputs[1], b.shape
            )));
        }
        // x·B: output i reads column i of B.
        let weights = (0..n).map(|i| (0..k).map(|j| b.values[j * n + i]).collect()).collect();
        self.push_layer(ctx, weights, vec![0.0; n])
    }

    fn gemm(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 2, 3)?;
        let alpha = f64::from(ctx.attribute("alpha", 1.0f32)?);
        let beta = f64::from(ctx.attribute("beta", 1.0f32)?);
        let trans_a = ctx.attribute("transA", 0i64)? != 0;
        let trans_b = ctx.attribute("transB", 0i64)? != 0;
        let b = self.constant(ctx, inputs[1])?;
        let c = match inputs.get(2).filter(|c| !c.is_empty()) {
            Some(c) => Some(self.constant(ctx, c)?),
            None => None,
        };
        self.expect_current(ctx, inputs[0])?;
        let a_shape = match self.current_shape[..] {
            [r, c] if trans_a => [c, r],
            [r, c] => [r, c],
            _ => return Err(ctx.shape_err(format!("input A is {:?}, Gemm needs 2-D", self.current_shape))),
        };
        let k = self.row_len(ctx, &a_shape)?;
        let [b0, b1] = b.shape[..] else {
            return Err(ctx.shape_err(format!(
                "weights `{}` have shape {:?}, expected 2-D",
                inputs[1], b.shape
            )));
        };
        // B' = transB ? Bᵀ : B has shape [k, n]; weights[i][j] = α·B'[j][i].
        let (bk, n) = if trans_b { (b1, b0) } else { (b0, b1) };
        if bk != k {
            return Err(ctx.shape_err(format!(
                "A' has {k} columns but B' (transB={trans_b}) has shape [{bk}, {n}]"
            )));
        }
        let weights = (0..n)
            .map(|i| {
                (0..k)
                    .map(|j| {
                        alpha
                            * if trans_b {
                                b.values[i * b1 + j]
                            } else {
                                b.values[j * b1 + i]
                            }
                    })
                    .collect()
            })
            .collect();
        let bias = match c {
            Some(c) => broadcast_to(&c, &[1, n])
                .ok_or_else(|| ctx.shape_err(format!("bias C {:?} does not broadcast to [1, {n}]", c.shape)))?
                .into_iter()
                .map(|v| beta * v)
                .collect(),
            None => vec![0.0; n],
        };
        self.push_layer(ctx, weights, bias)
    }

    fn add(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 2, 2)?;
        let (data, bias) = match (self.is_const(inputs[0]), self.is_const(inputs[1])) {
            (false, true) => (inputs[0], inputs[1]),
            (true, false) => (inputs[1], inputs[0]),
            _ => {
                let dynamic = if inputs[0] == self.current {
                    inputs[1]
                } else {
                    inputs[0]
                };
                return Err(ctx.non_constant(dynamic));
            }
        };
        let c = self.constant(ctx, bias)?;
        self.expect_current(ctx, data)?;
        let Some(open) = self.open.as_ref() else {
            return Err(ctx.misplaced("an Add with a constant must follow a MatMul or Gemm"));
        };
        if open.activation != Activation::Identity {
            return Err(ctx.misplaced("an Add after a Relu cannot be folded into the layer's bias"));
        }
        let n = open.out_len();
        self.advance(ctx)?;
        let add = broadcast_to(&c, &self.current_shape).ok_or_else(|| {
            ctx.shape_err(format!(
                "constant {:?} does not broadcast to {:?}",
                c.shape, self.current_shape
            ))
        })?;
        if add.len() != n {
            return Err(ctx.shape_err(format!("the bias has {} values, the layer {n} outputs", add.len())));
        }
        if let Some(open) = self.open.as_mut() {
            open.bias.iter_mut().zip(&add).for_each(|(b, a)| *b += a);
            open.name = format!("{}+{}", open.name, ctx.name);
        }
        Ok(())
    }

    fn relu(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let inputs = self.inputs(ctx, 1, 1)?;
        self.expect_current(ctx, inputs[0])?;
        match self.open.as_mut() {
            Some(open) if open.activation == Activation::Identity => {
                open.activation = Activation::Relu;
                open.name = format!("{}+{}", open.name, ctx.name);
            }
            Some(_) => return Err(ctx.misplaced("a Relu must follow a linear layer, not another Relu")),
            None => return Err(ctx.misplaced("a Relu must follow a linear layer (MatMul or Gemm)")),
        }
        self.advance(ctx)
    }

    fn reshape(&mut self, ctx: &Ctx) -> Result<(), OnnxError> {
        let max = if ctx.node.op_type == "Reshape" { 2 } else { 1 };
        let inputs = self.inputs(ctx, max, max)?;
        if let Some(shape) = inputs.get(1) {
            if !self.is_const(shape) {
                return Err(ctx.non_constant(shape));
            }
        }
        self.expect_current(ctx, inputs[0])?;
        self.advance(ctx)
    }

    fn finish(mut self, graph: &pb::GraphProto) -> Result<FloatModel, OnnxError> {
        if let Some(layer) = self.open.take() {
            self.layers.push(layer);
        }
        if self.layers.is_empty() {
            return Err(OnnxError::Graph {
                reason: "no MatMul or Gemm layer found".into(),
            });
        }
        let [output] = &graph.output[..] else {
            return Err(OnnxError::Graph {
                reason: format!("the model has {} outputs; exactly one is supported", graph.output.len()),
            });
        };
        if output.name != self.current {
            return Err(OnnxError::Graph {
                reason: format!(
                    "the graph output `{}` is not the end of the layer chain (`{}`)",
                    output.name, self.current
                ),
            });
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
        })
    }
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
        let parsed = parse(&path).unwrap();
        let reference = FloatReference::from_parsed(&parsed).unwrap();
        let mut float = lower_parsed(&parsed).unwrap();
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
