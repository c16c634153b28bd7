//! Basic blocks (ZKTorch §4) and the block-instance architecture.
//!
//! A model is lowered ([`lower`]) to **tensors** (each on its own tight power-of-two domain,
//! committed in round 1 or public) and a list of **block instances**. Every block is one module that
//! implements [`Block`]: the columns it commits and in which round, its evaluation points, its
//! identities (each with its vanishing domain) and its share of the one cross-domain LogUp sum, its
//! prover polynomials, and its Solidity call. [`crate::protocol::Layout`], the prover, the Rust
//! verifier ([`crate::protocol::build_claims`]) and the Solidity generator ([`crate::solidity`])
//! only iterate over instances. Adding an operator means adding a block file, an [`Instance`]
//! variant and a lowering rule (`docs/protocols/README.md` "Adding a block").
//!
//! | block | statement | domain | prover messages | verifier per instance |
//! |---|---|---|---|---|
//! | [`rowsum`] | `y_t = W_t·x_t + b_t` for the layers on equal domains (one instance, batched by `λ`), each `W_t` ONE hiding vk point, the biases one more | `H_K`, `K = M·N` | `[R]`, 2 evaluations (+2 per layer) | per layer 1 vk point, per instance 1 more (`[B̂]`, unless every bias is in a column) and 3 inversions (+1 per bias column or slot ≠ 0) |
//! | [`gate`] | `E(t_0(ρ_0·X^{k_0}), …) = 0`: a polynomial identity over tensors read at rotations and power maps; instances: `y = x[..h] ⊙ x[h..]` (`Mul` of two activations), `y_i = x_i²` (`Pow(x, 2)`), `y_j = (2^s/w)·Σ_k x_{j+k·m}` (pooling: the mean over each window of `w ≤ 4`, after the rescale) | `H_D`, lifted to `H_n` | none (its reads' new evaluations: 1 for a product, 0 for a square, `w − 1` for a coset sum) | field work only |
//! | [`cosetmax`] | `y_j = 2^s·max_k x_{j+k·m}` (max pooling over windows of `w ≤ 4`): a degree-`w` gate (`y_j` is a member) and a LogUp range check of `y_j/2^s − x_i ≥ 0` | `H_{w·m}`, lifted to `H_n` | `[h]`, a share (`w − 1` evaluations more) | field work only |
//! | [`copy`] | `y_i = x_{σ(i)}` for a fixed map `σ` (data movement, any fan-out, copied zeros), by LogUp with fixed tags and counts | `H_M` and `H_N`, lifted to `H_n` | `[h_y]`, `[h_x]`, a share | 2 vk points (`[Ŝ]`, `[m̂]`, public), 1 inversion |
//! | [`activation`] | `q = round(y / 2^s)` and `z = act(q)`, by LogUp into the vk table | `H_M`, lifted to `H_n` | `[h]`, a share of the LogUp sum | field work only |
//! | [`input_range`] | a private input lies in the window, by LogUp | `H_N₀`, lifted to `H_n` | `[h]`, a share | field work only |
//! | [`input_binding`] | a committed input is the one behind the public commitment `C` | `H_N₀` | none | `C`: one ecMul, one inversion |
//! | [`table`] | the LogUp balance: every share sums to the table side `m/(β + T)` (folded into the running sum) | `H_n` | `[m]`, `[s]` | the 2 table vk points |
//!
//! No claimed sum is ever sent: the one sum claim (LogUp) has total zero (zero knowledge for the
//! activations), and tensors on smaller domains enter it through power maps, so no per-domain total
//! is revealed either.
//!
//! Each block also has a `check` function: its statement as an exact integer relation on a witness,
//! without keys or proofs (`zkt-eth mock`). A witness that passes every check is one the prover
//! can prove; a failing check names the position and why.

pub mod activation;
pub mod copy;
pub mod cosetmax;
pub mod fold;
pub mod gate;
pub mod input_binding;
pub mod input_range;
pub mod lookup;
pub mod rowsum;
pub mod table;

use crate::keys::{VerifyingKey, Visibility};
use crate::model::{Activation, LayerOp, Trace};
use crate::poly::Domain;
use crate::protocol::{tensor_domain, AlgebraError, LayoutBuilder};
use crate::prover::{ProveError, ProverState};
use crate::solidity::{SolBlock, SolCx};
use ark_bn254::Fr;
use ark_poly::univariate::DensePolynomial;
use rand::RngCore;

pub use crate::protocol::{ClaimCx, Identities};

/// Where and why a block's statement fails on a witness (see the blocks' `check` functions).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("position {position}: {reason}")]
pub struct Violation {
    /// The first failing position (output index of the layer, or input index).
    pub position: usize,
    /// What does not hold there.
    pub reason: String,
}

/// How a tensor reaches the verifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    /// Committed in round 1: the proof's commitment with this index.
    Commit(usize),
    /// The public input vector (interpolated by the verifier).
    PublicInput,
    /// The public output vector (interpolated by the verifier).
    PublicOutput,
}

/// Which vector of the integer [`Trace`] holds a tensor's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceRef {
    /// The model input.
    Input,
    /// Layer `k`'s accumulator `W·x + b`.
    Acc(usize),
    /// Layer `k`'s rescaled value.
    Rescaled(usize),
    /// Layer `k`'s activation output.
    Out(usize),
}

impl TraceRef {
    /// The values in `trace`.
    pub fn values<'a>(&self, trace: &'a Trace) -> &'a [i64] {
        match *self {
            TraceRef::Input => &trace.input,
            TraceRef::Acc(k) => &trace.acc[k],
            TraceRef::Rescaled(k) => &trace.rescaled[k],
            TraceRef::Out(k) => &trace.out[k],
        }
    }
}

/// A tensor of the lowered model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tensor {
    /// Number of values (the rest of the domain is zero padding).
    pub len: usize,
    /// Its domain ([`tensor_domain`]).
    pub dom: Domain,
    /// Committed or public.
    pub col: Col,
    /// Its values in the trace.
    pub source: TraceRef,
    /// Value `i` sits at position `bitrev(i)` of the domain instead of `i`: then the padding
    /// positions form a few cosets of subgroups, whose indicator has a closed form, and a block can
    /// force them to zero cheaply ([`input_range`]). Used for the hidden model input.
    pub bitrev: bool,
    /// The value at padding positions: 0, except an activation output `z = f(q)` whose padding
    /// is `f(0)` (its `q` padding is 0, and the lookup `(kind, 0, f(0))` must be a table row).
    pub pad: i64,
}

/// `i` with its lowest `log` bits reversed (`i < 2^log`).
pub fn bitrev(i: usize, log: u32) -> usize {
    if log == 0 {
        return 0;
    }
    i.reverse_bits() >> (usize::BITS - log)
}

impl Tensor {
    /// The domain position of value `i`.
    pub fn position(&self, i: usize) -> usize {
        if self.bitrev {
            bitrev(i, self.dom.log_size)
        } else {
            i
        }
    }
    /// `values` placed at their positions on the domain, padding [`Self::pad`].
    pub fn place<T: Copy + From<i64>>(&self, values: &[T]) -> Vec<T> {
        let mut out = vec![T::from(self.pad); self.dom.size()];
        for (i, v) in values.iter().enumerate() {
            out[self.position(i)] = *v;
        }
        out
    }
}

/// Where a value a block reads at a point comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    /// Evaluation `e` of the proof.
    Eval(usize),
    /// Public evaluation `j` of [`crate::protocol::Layout::public_evals`] (the verifier computes it).
    Public(usize),
}

/// A polynomial.
pub type Poly = DensePolynomial<Fr>;

/// One basic block. The protocol calls the layout hooks in phases (round-1 columns of every
/// instance, then round-2 columns, then openings), so that commitments are numbered by round and
/// evaluations by instance.
pub trait Block: std::fmt::Debug + Send + Sync {
    /// A one-line description (Solidity comments, `Layout` dumps).
    fn describe(&self) -> String;
    /// Every domain this instance's columns and identities live on (`ζ` must avoid them all).
    fn domains(&self) -> Vec<Domain>;
    /// The largest degree of a polynomial its prover forms (sets the SRS length).
    fn max_degree(&self) -> usize;
    /// Allocate round-1 commitments (after the tensors).
    fn alloc_round1(&mut self, _b: &mut LayoutBuilder) {}
    /// Allocate round-2 commitments (after θ, β).
    fn alloc_round2(&mut self, _b: &mut LayoutBuilder) {}
    /// Register the points and evaluations it reads.
    fn alloc_openings(&mut self, b: &mut LayoutBuilder);
    /// How many identities [`Block::identities`] pushes.
    fn identity_count(&self) -> usize;
    /// Verifier: push its identities at `ζ`, each divided by the vanishing polynomial of the domain
    /// it holds on, and add its share to the LogUp sum. An identity must be divided: one that is a
    /// polynomial whatever the witness could be absorbed into `[Q]` by a cheating prover.
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError>;
    /// Prover, before round 1: count its lookups into the table's multiplicities.
    fn witness(&self, _st: &mut ProverState<'_>) -> Result<(), ProveError> {
        Ok(())
    }
    /// Prover, round 1: its round-1 columns.
    fn prove_round1(&self, _st: &mut ProverState<'_>, _rng: &mut dyn RngCore) -> Result<(), ProveError> {
        Ok(())
    }
    /// Prover, round 2: its round-2 columns; returns the quotients `E_i/Z_i` it can already form
    /// (in identity order), which [`Block::quotient`] then combines.
    fn prove_round2(&self, _st: &mut ProverState<'_>, _rng: &mut dyn RngCore) -> Result<Vec<Poly>, ProveError> {
        Ok(vec![])
    }
    /// Prover, round 3: `Σ_i gammas[i]·E_i/Z_i` over its identities. The default combines the
    /// quotients returned by [`Block::prove_round2`].
    fn quotient(&self, _st: &ProverState<'_>, round2: &[Poly], gammas: &[Fr]) -> Result<Poly, ProveError> {
        let mut out = Poly::default();
        for (q, g) in round2.iter().zip(gammas) {
            out = &out + &(q * *g);
        }
        Ok(out)
    }
    /// Verifier: the values it adds to the batched inversion, the same as its Solidity
    /// `denominators` ([`crate::protocol::inversion_set`]; an honest proof verifies on chain only
    /// if the two agree).
    fn denominators(&self, _cx: &ClaimCx<'_>) -> Vec<Fr> {
        vec![]
    }
    /// Solidity: its call in `verify()` and its denominators for the batched inversion.
    fn solidity(&self, sx: &mut SolCx<'_>) -> SolBlock;
}

/// The block instances of a proof, in protocol order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Instance {
    /// See [`rowsum`].
    RowSum(rowsum::RowSum),
    /// See [`gate`] (Hadamard products, coset sums).
    Gate(gate::Gate),
    /// See [`cosetmax`].
    CosetMax(cosetmax::CosetMax),
    /// See [`copy`].
    Copy(copy::Copy),
    /// See [`activation`].
    Activation(activation::ActivationLookup),
    /// See [`input_range`].
    InputRange(input_range::InputRange),
    /// See [`input_binding`].
    InputBinding(input_binding::InputBinding),
    /// See [`table`].
    Table(table::TableSide),
}

impl Instance {
    /// The block behind this instance.
    pub fn block(&self) -> &dyn Block {
        match self {
            Instance::RowSum(b) => b,
            Instance::Gate(b) => b,
            Instance::CosetMax(b) => b,
            Instance::Copy(b) => b,
            Instance::Activation(b) => b,
            Instance::InputRange(b) => b,
            Instance::InputBinding(b) => b,
            Instance::Table(b) => b,
        }
    }
    /// Mutable access (layout allocation).
    pub fn block_mut(&mut self) -> &mut dyn Block {
        match self {
            Instance::RowSum(b) => b,
            Instance::Gate(b) => b,
            Instance::CosetMax(b) => b,
            Instance::Copy(b) => b,
            Instance::Activation(b) => b,
            Instance::InputRange(b) => b,
            Instance::InputBinding(b) => b,
            Instance::Table(b) => b,
        }
    }
}

/// The lowering of a vk's layer list: tensors (commitment indices still unassigned: committed tensors
/// carry `Col::Commit(0)`) and block instances.
///
/// Per layer `k`: tensor `y_k = W·x + b` (committed; for a product layer `x[..h] ⊙ x[h..]`, for a
/// coset sum `c·Σ_k x_{j+k·m}`, for a coset max `2^s·max_k x_{j+k·m}`), `q_k` (rescaled; public if it is the model output), `z_k`
/// (activation output; the same tensor as `q_k` for the identity, public for a final activation;
/// padding `f(0)`); instances RowSum(`x → y_k`), Gate (a Hadamard product, a square or a coset sum, `x → y_k`) or CosetMax(`x → y_k`), and
/// Activation(`y_k → q_k, z_k`). A committed input's
/// binding comes first; after the layers come the hidden input's range check and the table side
/// with the running sum (last: it sums every share).
pub fn lower(vk: &VerifyingKey) -> (Vec<Tensor>, Vec<Instance>) {
    let last = vk.layers.len() - 1;
    let committed = Col::Commit(0);
    let tensor = |len: usize, col: Col, source: TraceRef| Tensor {
        len,
        dom: tensor_domain(len),
        col,
        source,
        bitrev: false,
        pad: 0,
    };
    let input_col = match vk.input {
        Visibility::Private | Visibility::Committed => committed,
        Visibility::Public => Col::PublicInput,
    };
    let mut tensors = vec![Tensor {
        // A hidden input's padding is forced to zero by its InputRange block.
        bitrev: vk.input.hidden(),
        ..tensor(vk.input_len(), input_col, TraceRef::Input)
    }];
    let mut instances = vec![];
    if vk.input == Visibility::Committed {
        instances.push(Instance::InputBinding(input_binding::InputBinding::new(0, &tensors)));
    }
    let mut x = 0usize;
    let table = vk.lookup_table();
    let shapes: Vec<_> = vk.layers.iter().map(|l| (l.in_len, l.out_len, l.op)).collect();
    let folds = fold::plan(
        vk.domain.size(),
        &shapes,
        vk.input_len(),
        vk.input.hidden(),
        vk.fold_log,
    );
    // A RowSum instance stands where its first layer is; its later layers' tensors exist only
    // after the loop, so it is inserted then.
    let plan = vk.rowsum_plan();
    let mut io = vec![(0usize, 0usize); vk.layers.len()];
    let mut rowsum_at: Vec<(usize, usize)> = vec![];
    for (k, l) in vk.layers.iter().enumerate() {
        let out = |t: &mut Vec<Tensor>, col: Col, source: TraceRef| {
            t.push(tensor(l.out_len, col, source));
            t.len() - 1
        };
        if l.op.is_copy() {
            // A copy's output is `x[σ]` itself (its rescaled value): no accumulator, no lookup.
            let y = out(&mut tensors, committed, TraceRef::Rescaled(k));
            instances.push(Instance::Copy(copy::Copy::new(
                k,
                (x, y),
                &tensors,
                l.map.clone(),
                vk.domain.size(),
            )));
            x = y;
            continue;
        }
        let y = out(&mut tensors, committed, TraceRef::Acc(k));
        let q_public = k == last && l.activation == Activation::Identity;
        let q = out(
            &mut tensors,
            if q_public { Col::PublicOutput } else { committed },
            TraceRef::Rescaled(k),
        );
        let z = match l.activation {
            Activation::Identity => q,
            f => {
                let col = if k == last { Col::PublicOutput } else { committed };
                let z = out(&mut tensors, col, TraceRef::Out(k));
                tensors[z].pad = f.apply(0, vk.scale_bits);
                z
            }
        };
        match l.op {
            LayerOp::Dense | LayerOp::Patch { .. } => {
                io[k] = (x, y);
                if let Some(b) = plan.batches.iter().position(|b| b[0] == k) {
                    rowsum_at.push((instances.len(), b));
                }
            }
            LayerOp::Product { .. } => instances.push(Instance::Gate(gate::Gate::hadamard(
                (k, vk.domain.size()),
                (x, y),
                &tensors,
            ))),
            LayerOp::Square { .. } => instances.push(Instance::Gate(gate::Gate::square(
                (k, vk.domain.size()),
                (x, y),
                &tensors,
            ))),
            LayerOp::CosetSum { .. } => instances.push(Instance::Gate(gate::Gate::coset_sum(
                (k, vk.domain.size()),
                (x, y),
                &tensors,
                vk.scale_bits,
            ))),
            LayerOp::CosetMax { signed, .. } => {
                let block = cosetmax::CosetMax::new(k, (x, y), &tensors, vk.scale_bits, vk.domain.size());
                instances.push(Instance::CosetMax(match signed {
                    true => block.signed(vk.lookup_bits),
                    false => block,
                }));
            }
            // Handled before the accumulator tensors.
            LayerOp::Copy { .. } => {}
        }
        // The table is built from these very layers; an impossible miss names kind 255, which no
        // table row has, so such a proof fails rather than checking another function.
        let mut lookup = activation::ActivationLookup::new(
            k,
            (table.kind(l.activation).unwrap_or(u8::MAX), l.activation),
            [y, q, z],
            &tensors,
        );
        if l.mixed {
            lookup.odd_kind = Some(table.kind(Activation::Identity).unwrap_or(u8::MAX));
        }
        lookup.folded = folds.layers[k];
        lookup.wide = k == last && crate::model::wide_output(l.activation);
        instances.push(Instance::Activation(lookup));
        x = z;
    }
    for (at, b) in rowsum_at.into_iter().rev() {
        let layers: Vec<_> = plan.batches[b]
            .iter()
            .filter_map(|k| Some((*k, io[*k].0, io[*k].1, plan.places[*k]?)))
            .collect();
        let width = vk.layers[plan.batches[b][0]].op.patch_shape().map(|p| p.width);
        instances.insert(at, Instance::RowSum(rowsum::RowSum::new(&layers, &tensors, width)));
    }
    if vk.input.hidden() {
        let mut range = input_range::InputRange::new(0, &tensors);
        range.folded = folds.input;
        instances.push(Instance::InputRange(range));
    }
    instances.push(Instance::Table(table::TableSide {
        max_degree: folds.degree,
        ..Default::default()
    }));
    (tensors, instances)
}
