//! RowSum block: `y = W·x + b` for a weight matrix `W` (m×n') and bias `b` fixed in the vk, at a
//! constant verifier cost per layer (`docs/protocols/rowsum.md`).
//!
//! **Layout.** The matrix domain `H_K`, `K = M·N` (`x` on `H_N`, `y` on `H_M`), index `k = j + N·i`
//! (column `j` low, row `i` high), `u_k = ω_K^k`. Then `u_k^M = ω_N^j` (a power map reads the column)
//! and row `i` is the consecutive block `[N·i, N·i + N)`: its first point `ω_K^{Ni} = ω_M^i` lies in
//! `H_M ⊂ H_K`, and its last point `u` satisfies `c·u = ω_M^i` with `c = ω_K^{1−N}`.
//!
//! **vk.** One hiding point per matrix, `[Ŵ]` with `Ŵ = W + ρ_W·Z_K` (`W(u_k) = W_ij`), and one for
//! the bias, `[B̂]` with `B̂ = B + ρ_B·Z_K` (`B(ω_M^i) = b_i` at row starts, 0 elsewhere), unless the
//! input has a padding column whose value is forced: then the bias is that column of `W`
//! ([`BiasColumn`]) and the layer has one vk point.
//!
//! **Prover.** Commits the row prefix sums `R(u_k) = b_i + Σ_{j' ≤ j} W_ij'·x_j'` (blinded).
//!
//! **Identities on `H_K`** (`I = Z_K/(N·Z_M)`, the indicator of the row starts `H_M`):
//!
//! ```text
//! (RS1)  R(X) − Ŵ(X)·x(X^M) − I(X)·B̂(X) − (1 − I(X))·R(ω_K^{-1}X) = 0
//! (RS2)  I(ω_K·X)·(R(X) − y(c·X)) = 0
//! ```
//!
//! (RS1) starts each row at `b_i + W_i0·x_0` and adds `W_ij·x_j` along it; (RS2) reads `y_i` at the
//! row's last point. With a [`BiasColumn`] at position `p`, `B̂` is gone from (RS1) and `x(X^M)` reads
//! `x̃(X^M) = x(X^M) + (1 − pad)·L_p(X^M)`, which is 1 at column `p`, where `W` holds `b`. `Ŵ` and `B̂` are never opened: they stay linearised in the quotient claim. The
//! verifier's cost is two vk points (one with a bias column), `[R]` and five field values per
//! layer, whatever `m` and `n'`.
//!
//! **Batched instances** ([`RowSumPlan`], `docs/protocols/rowsum.md#batched-instances`). Layers on
//! equal domains share one instance: ONE `R` for `Σ_t λ_t·(W_t·x_t + b_t)` (`λ_t = λ^{t+1}`,
//! [`part_weights`]), committed in round 2
//! after the challenge `λ`, and ONE `[B̂]` with each layer's bias in its own column `s_t` of `H_N`,
//! selected by `Λ(X^M) = Σ_t λ_t·L_{s_t}(X^M)` in place of `I(X)`. Per layer there remain `[Ŵ_t]`,
//! `x_t(ζ^M)` and `y_t(c·ζ)`.

use super::{At, Block, ClaimCx, Identities, Poly, Tensor};
use crate::field::fr_from_i64;
use crate::model::Activation;
use crate::poly::Domain;
use crate::protocol::{AlgebraError, Base, LayoutBuilder, Lin, PointSpec};
use crate::prover::{ProveError, ProverState};
use crate::solidity::{SolBlock, SolCx};
use ark_bn254::Fr;
use ark_ff::{batch_inversion, FftField, Field, One, Zero};
use ark_poly::{univariate::DensePolynomial, DenseUVPolynomial, EvaluationDomain, Radix2EvaluationDomain};
use rand::RngCore;
use rayon::prelude::*;
use std::sync::Arc;

/// The most blinding coefficients `R` may carry when grouping adds evaluation points
/// ([`crate::protocol::LayoutBuilder::cap_blinding`]). The quotient's coset of size `2K` holds the
/// (RS2) numerator `I(ωX)·R(X)` of degree `2K − M + b_R − 1` exactly while `b_R ≤ M`, and `M ≥ 8`;
/// `R` enters no power map, so no other degree bound depends on it.
pub const R_MAX_BLINDING: usize = 6;

/// The domains of a RowSum instance: rows `N` wide (`H_N`), `y` on `H_M`, the matrix on `H_K`,
/// and `x` on `H_N` (a dense layer) or on `H_{P'·N}` (a patch layer, `docs/protocols/rowsum.md#patches`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatrixDomains {
    /// Row domain `H_N` (a dense layer's input domain).
    pub n_dom: Domain,
    /// Output domain `H_M`.
    pub m_dom: Domain,
    /// Matrix domain `H_K`, `K = M·N`.
    pub k_dom: Domain,
    /// Input domain: `H_N`, or `H_{P'·N}` for a patch layer, whose row `i` reads block `i mod P'`.
    pub x_dom: Domain,
}

impl MatrixDomains {
    /// The domains for `x` on `n_dom` and `y` on `m_dom`.
    pub fn new(n_dom: Domain, m_dom: Domain) -> Self {
        Self::patched(n_dom, m_dom, n_dom)
    }
    /// The domains for rows `N` wide (`n_dom`), `y` on `m_dom` and `x` on `x_dom ⊇ H_N`, `P' =
    /// |x_dom|/N ≤ M`.
    pub fn patched(n_dom: Domain, m_dom: Domain, x_dom: Domain) -> Self {
        Self {
            n_dom,
            m_dom,
            k_dom: Domain::new(n_dom.log_size + m_dom.log_size),
            x_dom,
        }
    }
    /// `P' = |x_dom|/N`: 1 for a dense layer.
    pub fn stride(&self) -> usize {
        1 << (self.x_dom.log_size - self.n_dom.log_size)
    }
    /// The power `e = K/|x_dom|` through which the matrix reads `x`: `x(u_k^e)` is `x` at
    /// `k mod |x_dom|`, so `e = M` for a dense layer (`u_k^M = ω_N^j`) and `M/P'` for a patch layer.
    pub fn x_power(&self) -> usize {
        1 << (self.k_dom.log_size - self.x_dom.log_size)
    }
}

/// A layer whose input `x` has a padding column with a forced value keeps its bias in that column of
/// the weight matrix, and needs no `[B̂]` (`docs/protocols/rowsum.md#bias-column`).
///
/// With `x̃ = x + (1 − pad)·L_p` on `H_N` (`L_p` the Lagrange polynomial of position `p`), `x̃` is `x`
/// except at `p`, where it is 1 **provided `x_p = pad`**, so `W̃·x̃ = W·x + b` for `W̃` = `W` with `b`
/// in column `p`. The forced value comes from a block: a hidden model input's padding is zero
/// (InputRange), a public one is the verifier's own interpolation with zero padding, and the output
/// of a plain dense layer with activation `f` is `f(0)` at padding (RowSum forces `y = 0` on padding
/// rows, the rescale lookup then `q = 0`, the table `z = f(0)`). A product or mixed layer's output
/// is not used: its padding value depends on more than `f`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BiasColumn {
    /// The column's position on `H_N` (after `bitrev` for the hidden model input).
    pub position: usize,
    /// The value `x` is forced to hold there.
    pub pad: i64,
}

impl BiasColumn {
    /// The rule, a function of the vk's shapes: a layer with input length `in_len` (read
    /// bit-reversed when `bitrev`) reading the model input (`reads = None`) or the output of the
    /// previous layer (`Some((plain, f))`, `plain` = dense and not mixed, `f` its activation).
    pub fn of(in_len: usize, bitrev: bool, reads: Option<(bool, Activation)>, scale_bits: u32) -> Option<Self> {
        let nd = crate::protocol::tensor_domain(in_len);
        if nd.size() == in_len {
            return None;
        }
        let pad = match reads {
            None => 0,
            Some((true, f)) => f.apply(0, scale_bits),
            Some((false, _)) => return None,
        };
        let position = if bitrev {
            super::bitrev(in_len, nd.log_size)
        } else {
            in_len
        };
        Some(Self { position, pad })
    }
    /// `W̃`: `W` with `b_i` appended to row `i` as column `n'` (value order; [`positioned_weights`]
    /// moves it to [`Self::position`] with the other columns).
    pub fn augment(weights: &[Vec<i64>], bias: &[i64]) -> Vec<Vec<i64>> {
        weights
            .iter()
            .zip(bias)
            .map(|(row, b)| row.iter().copied().chain([*b]).collect())
            .collect()
    }
    /// `1 − pad`, the weight of `L_p` in `x̃`.
    pub fn lift(&self) -> Fr {
        Fr::one() - fr_from_i64(self.pad)
    }
    /// `x̃ = x + (1 − pad)·L_p` as a polynomial.
    pub fn lifted_input(&self, x: &DensePolynomial<Fr>, n_dom: Domain) -> DensePolynomial<Fr> {
        let mut unit = vec![Fr::zero(); n_dom.size()];
        unit[self.position] = self.lift();
        x + &n_dom.interpolate(&unit)
    }
    /// `(1 − pad)·L_p(ζ^M)` from `Z_K(ζ) = ζ^K − 1` and `1/(N·(ζ^M − ω_N^p))`:
    /// `L_p(Y) = ω_N^p·(Y^N − 1)/(N·(Y − ω_N^p))` and `(ζ^M)^N = ζ^K`.
    pub fn correction(&self, n_dom: Domain, zk: Fr, den_inv: Fr) -> Fr {
        self.lift() * n_dom.omega().pow([self.position as u64]) * zk * den_inv
    }
}

/// A layer's shape as [`RowSumPlan::of`] reads it (a function of the vk's words).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerShape {
    /// Input length `n'`.
    pub in_len: usize,
    /// Output length `m`.
    pub out_len: usize,
    /// A RowSum layer (`y = W·x + b`, dense or patch), not a product.
    pub dense: bool,
    /// Dense and not mixed: its output's padding is `f(0)` ([`BiasColumn`]).
    pub plain: bool,
    /// A patch layer ([`crate::model::LayerOp::Patch`]): an instance of its own, its bias in its
    /// own `[B̂]`.
    pub patch: bool,
    /// Its activation `f`.
    pub activation: Activation,
}

impl LayerShape {
    /// The shape of a layer with these vk words.
    pub fn of(
        in_len: usize,
        out_len: usize,
        (op, mixed): (crate::model::LayerOp, bool),
        activation: Activation,
    ) -> Self {
        Self {
            in_len,
            out_len,
            dense: op.is_rowsum(),
            plain: op.is_dense() && !mixed,
            patch: matches!(op, crate::model::LayerOp::Patch { .. }),
            activation,
        }
    }
}

/// Where a dense layer keeps its bias.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BiasPlace {
    /// In a padding column of its own `[Ŵ]` ([`BiasColumn`]).
    Column(BiasColumn),
    /// In column `slot` of the `[B̂]` that layer `carrier` holds for its RowSum instance
    /// ([`RowSumPlan`]): `B(u_{slot + N·i}) = b_i`. The carrier is the instance's first layer
    /// without a bias column, and its slot is 0.
    Slot {
        /// The layer whose vk entry holds the instance's `[B̂]`.
        carrier: usize,
        /// The column of `H_N` the bias sits in.
        slot: usize,
    },
}

/// Which dense layers share one RowSum instance, and where each keeps its bias
/// (`docs/protocols/rowsum.md#batched-instances`).
///
/// Layers whose input and output domains are equal (`H_N`, `H_M`, hence `H_K`) share ONE instance:
/// one running sum `R` over the random combination `Σ_t λ_t·(W_t·x_t + b_t)`, one pair of
/// identities, and one `[B̂]` holding the biases of the instance's layers in distinct columns. The
/// plan is greedy in layer order (an instance takes at most `N` layers, so every slot is a column
/// of `H_N`), so the plan of a prefix of the layers is a prefix of the plan: the vk decoder knows
/// whether layer `k` carries a `[B̂]` from the layers before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowSumPlan {
    /// The instances, each its layers in order.
    pub batches: Vec<Vec<usize>>,
    /// Per layer: where a dense layer keeps its bias (`None` for a product layer).
    pub places: Vec<Option<BiasPlace>>,
}

impl RowSumPlan {
    /// The plan for `shapes` (`hidden_input`: the model input is committed bit-reversed).
    pub fn of(shapes: &[LayerShape], hidden_input: bool, scale_bits: u32) -> Self {
        let key = |s: &LayerShape| {
            (
                crate::protocol::tensor_domain(s.in_len),
                crate::protocol::tensor_domain(s.out_len),
            )
        };
        let mut batches: Vec<Vec<usize>> = vec![];
        let mut places = vec![None; shapes.len()];
        for (k, s) in shapes.iter().enumerate() {
            if !s.dense {
                continue;
            }
            if s.patch {
                // A patch layer reads its input through another power map: an instance of its own.
                batches.push(vec![k]);
                places[k] = Some(BiasPlace::Slot { carrier: k, slot: 0 });
                continue;
            }
            // The last instance on these domains takes the layer unless it holds N layers already.
            let last = batches
                .iter()
                .rposition(|b| !shapes[b[0]].patch && key(&shapes[b[0]]) == key(s));
            let b = match last.filter(|b| batches[*b].len() < key(s).0.size()) {
                Some(b) => b,
                None => {
                    batches.push(vec![]);
                    batches.len() - 1
                }
            };
            let reads = k.checked_sub(1).map(|p| (shapes[p].plain, shapes[p].activation));
            places[k] = Some(
                match BiasColumn::of(s.in_len, k == 0 && hidden_input, reads, scale_bits) {
                    Some(c) => BiasPlace::Column(c),
                    None => {
                        let slotted: Vec<usize> = batches[b]
                            .iter()
                            .copied()
                            .filter(|l| matches!(places[*l], Some(BiasPlace::Slot { .. })))
                            .collect();
                        BiasPlace::Slot {
                            carrier: slotted.first().copied().unwrap_or(k),
                            slot: slotted.len(),
                        }
                    }
                },
            );
            batches[b].push(k);
        }
        Self { batches, places }
    }
    /// Layer `k` keeps its bias in a column of its `[Ŵ]`.
    pub fn bias_column(&self, k: usize) -> Option<BiasColumn> {
        match self.places.get(k).copied().flatten() {
            Some(BiasPlace::Column(c)) => Some(c),
            _ => None,
        }
    }
    /// Layer `k`'s vk entry holds a `[B̂]` (it carries its instance's biases).
    pub fn carries_bias(&self, k: usize) -> bool {
        self.places.get(k).copied().flatten() == Some(BiasPlace::Slot { carrier: k, slot: 0 })
    }
    /// The layers whose biases carrier `k`'s `[B̂]` holds, with their slots.
    pub fn slotted(&self, carrier: usize) -> Vec<(usize, usize)> {
        self.places
            .iter()
            .enumerate()
            .filter_map(|(l, p)| match p {
                Some(BiasPlace::Slot { carrier: c, slot }) if *c == carrier => Some((l, *slot)),
                _ => None,
            })
            .collect()
    }
}

/// One layer of a RowSum instance: its `y_t = W_t·x_t + b_t`, weighted by `λ_t` in the instance's
/// running sum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The dense layer (its vk point `[Ŵ]` and, for the prover, its weights).
    pub layer: usize,
    /// Input tensor.
    pub x: usize,
    /// Output tensor (committed).
    pub y: usize,
    /// Where the layer keeps its bias.
    pub bias: BiasPlace,
    /// `x(ζ^e)` (`e = M`, or `M/P'` for a patch layer), `y(c·ζ)`.
    pub at: [At; 2],
}

impl Part {
    /// The bias column, if the bias sits in `[Ŵ]`.
    pub fn column(&self) -> Option<BiasColumn> {
        match self.bias {
            BiasPlace::Column(c) => Some(c),
            BiasPlace::Slot { .. } => None,
        }
    }
}

/// One RowSum instance: the layers of one [`RowSumPlan`] batch, all on the same domains.
///
/// With one layer it is the block of `docs/protocols/rowsum.md` (`[R]` in round 1, `λ` unused).
/// With several, `[R]` is committed in round 2, after `λ`, for the combination
/// `Σ_t λ_t·(W_t·x_t + b_t)`, whose inputs and outputs are all round-1 columns or public.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowSum {
    /// The layers, in order (`λ_t` for part `t`).
    pub parts: Vec<Part>,
    /// Their domains.
    pub doms: MatrixDomains,
    /// Commitment `[R]` (round 1 for one layer, round 2 for several).
    pub r: usize,
    /// `R(ζ)`, `R(ω_K^{-1}ζ)`.
    pub at: [At; 2],
    /// Point index of `ζ^e`, where `x` is read (`ζ^M` for dense layers).
    pub p_x: usize,
    /// The layer whose `[B̂]` holds the slotted biases (`None`: every bias is in a column).
    pub carrier: Option<usize>,
}

impl RowSum {
    /// The instance for `layers` (`(layer, x, y, bias place)` each, on equal domains); `width`:
    /// a patch layer's `N` (alone in its instance).
    pub fn new(layers: &[(usize, usize, usize, BiasPlace)], tensors: &[Tensor], width: Option<usize>) -> Self {
        let (_, x0, y0, _) = layers[0];
        let (x_dom, m_dom) = (tensors[x0].dom, tensors[y0].dom);
        Self {
            parts: layers
                .iter()
                .map(|(layer, x, y, bias)| Part {
                    layer: *layer,
                    x: *x,
                    y: *y,
                    bias: *bias,
                    at: [At::Eval(0); 2],
                })
                .collect(),
            doms: match width {
                Some(n) => MatrixDomains::patched(Domain::for_len(n), m_dom, x_dom),
                None => MatrixDomains::new(x_dom, m_dom),
            },
            r: 0,
            at: [At::Eval(0); 2],
            p_x: 0,
            carrier: layers.iter().find_map(|(_, _, _, b)| match b {
                BiasPlace::Slot { carrier, .. } => Some(*carrier),
                BiasPlace::Column(_) => None,
            }),
        }
    }
    /// More than one layer: `[R]` waits for `λ` (round 2).
    pub fn batched(&self) -> bool {
        self.parts.len() > 1
    }
    /// The weight matrix of `part` as committed in `[Ŵ]`: `W`, or `W̃` with the bias column (the
    /// layer's matrix rows, [`crate::model::DenseLayer::matrix_rows`]).
    fn committed_weights(&self, part: &Part, weights: &[Vec<i64>], bias: &[i64], bitrev: bool) -> Vec<Vec<i64>> {
        match part.column() {
            Some(_) => positioned_weights(&BiasColumn::augment(weights, bias), self.doms.n_dom, bitrev).into_owned(),
            None => positioned_weights(weights, self.doms.n_dom, bitrev).into_owned(),
        }
    }
    /// Each part's weight ([`part_weights`]).
    fn lambdas(&self, lambda: Fr) -> Vec<Fr> {
        part_weights(self.parts.len(), lambda)
    }
    /// The prover's running sum: `Σ_t λ^{t+1}·R_t`, each `R_t` the prefix sums of part `t` (one
    /// part: weight 1, so a single-layer instance never reads `λ`, which round 1 has not drawn yet).
    fn running_sum(&self, st: &ProverState<'_>) -> Vec<Fr> {
        let mut acc = vec![Fr::zero(); self.doms.k_dom.size()];
        for (part, l) in self.parts.iter().zip(self.lambdas(st.lambda)) {
            let (weights, bias) = st.pk.model.layers[part.layer].matrix_rows();
            let bitrev = st.layout.tensors[part.x].bitrev;
            let mut x = st.positioned_ints(part.x);
            let mut bias_row = vec![0; bias.len()];
            let mut slot = 0;
            match part.bias {
                BiasPlace::Column(c) => x[c.position] = 1, // x̃
                BiasPlace::Slot { slot: s, .. } => {
                    bias_row = bias.to_vec();
                    slot = s;
                }
            }
            let r = prefix_sums(
                &self.committed_weights(part, &weights, &bias, bitrev),
                (&bias_row, slot),
                &x,
                &self.doms,
            );
            acc.iter_mut().zip(r).for_each(|(a, v)| *a += l * v);
        }
        acc
    }
    /// Allocate `[R]` (in the round the caller is in).
    fn alloc_r(&mut self, b: &mut LayoutBuilder) {
        self.r = b.commit(self.doms.k_dom);
        // `R` is read at points of its own, never through a power map: a group's extra points may
        // raise its blinding past the default cap, up to [`R_MAX_BLINDING`].
        b.cap_blinding(self.r, R_MAX_BLINDING);
    }
    /// Prover: the blinded `R` for the combination by `λ`.
    fn commit_r(&self, st: &mut ProverState<'_>, mut rng: &mut dyn RngCore) {
        let r = self.running_sum(st);
        // R is revealed at τ, ζ, ω_K⁻¹ζ, and at ω_K⁻¹τ inside [Q]: four coefficients, one more per
        // point its commitment group adds (at most R_MAX_BLINDING).
        st.polys[self.r] = self
            .doms
            .k_dom
            .blinded_with(&r, st.layout.blinding(self.r), &mut rng)
            .poly;
    }
}

impl Block for RowSum {
    fn describe(&self) -> String {
        let layers: Vec<String> = self.parts.iter().map(|p| p.layer.to_string()).collect();
        if self.batched() {
            format!(
                "RowSum, layers {} batched by λ: y = W·x + b on H_K, K = {}",
                layers.join(", "),
                self.doms.k_dom.size()
            )
        } else {
            format!(
                "RowSum, layer {}: y = W·x + b on H_K, K = {}",
                layers[0],
                self.doms.k_dom.size()
            )
        }
    }
    fn domains(&self) -> Vec<Domain> {
        vec![self.doms.n_dom, self.doms.m_dom, self.doms.k_dom]
    }
    fn max_degree(&self) -> usize {
        // x(X^e)·Ŵ/Z_K: x has at most 4 blinding coefficients (a committed input), so K + 3e ≤ K + 3M
        // (e = M for a dense layer, M/P' for a patch layer).
        self.doms.k_dom.size() + 3 * self.doms.m_dom.size() + 16
    }
    fn alloc_round1(&mut self, b: &mut LayoutBuilder) {
        if !self.batched() {
            self.alloc_r(b);
        }
    }
    fn alloc_round2(&mut self, b: &mut LayoutBuilder) {
        if self.batched() {
            // Soundness of the batch: every x_t, y_t is fixed before λ (docs/protocols/rowsum.md
            // "Batched instances"). `lower` only makes round-1 or public tensors; a change that
            // breaks this must not yield a silently unsound layout.
            assert!(
                self.parts
                    .iter()
                    .all(|p| b.fixed_in_round1(p.x) && b.fixed_in_round1(p.y)),
                "a batched RowSum instance reads a tensor committed after λ"
            );
            self.alloc_r(b);
        }
    }
    fn alloc_openings(&mut self, b: &mut LayoutBuilder) {
        let MatrixDomains { n_dom, k_dom, .. } = self.doms;
        let kk = k_dom.size() as u64;
        let p_prev = b.point(PointSpec::new(1, k_dom.log_size, kk - 1));
        self.p_x = b.point(PointSpec::new(self.doms.x_power() as u64, 0, 0));
        let p_end = b.point(PointSpec::new(1, k_dom.log_size, kk + 1 - n_dom.size() as u64));
        let r_at = At::Eval(b.open(self.r, 0));
        let r_prev = At::Eval(b.open(self.r, p_prev));
        self.at = [r_at, r_prev];
        for part in &mut self.parts {
            part.at = [b.read(part.x, self.p_x), b.read(part.y, p_end)];
        }
    }
    fn identity_count(&self) -> usize {
        2
    }
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError> {
        let [r, r_prev] = self.at.map(|a| cx.val(a));
        let parts: Vec<PartEvals> = self
            .parts
            .iter()
            .map(|p| PartEvals {
                layer: p.layer,
                x: cx.val(p.at[0]),
                y_end: cx.val(p.at[1]),
                bias: p.bias,
            })
            .collect();
        out.list
            .extend(identities(&self.doms, (r, r_prev), &parts, (cx.ch.zeta, cx.ch.lambda))?);
        Ok(())
    }
    fn prove_round1(&self, st: &mut ProverState<'_>, rng: &mut dyn RngCore) -> Result<(), ProveError> {
        if !self.batched() {
            self.commit_r(st, rng);
        }
        Ok(())
    }
    fn prove_round2(&self, st: &mut ProverState<'_>, rng: &mut dyn RngCore) -> Result<Vec<Poly>, ProveError> {
        if self.batched() {
            self.commit_r(st, rng);
        }
        Ok(vec![])
    }
    fn quotient(&self, st: &ProverState<'_>, _: &[Poly], gammas: &[Fr]) -> Result<Poly, ProveError> {
        let d = &self.doms;
        let lambdas = self.lambdas(st.lambda);
        let mut parts = Vec::with_capacity(self.parts.len());
        let mut y = Poly::zero();
        for (part, l) in self.parts.iter().zip(&lambdas) {
            let x = &st.tensor_polys[part.x];
            parts.push(PartPolys {
                w: st.weight_poly(part.layer),
                rho_w: st.pk.blinds.weights[part.layer],
                x: match part.column() {
                    Some(c) => c.lifted_input(x, d.n_dom),
                    None => x.clone(),
                },
                lambda: *l,
            });
            y = &y + &(&st.tensor_polys[part.y] * *l);
        }
        let bias = self.carrier.map(|carrier| {
            let rows: Vec<(usize, std::borrow::Cow<'_, [i64]>)> = self
                .parts
                .iter()
                .filter_map(|p| match p.bias {
                    BiasPlace::Slot { slot, .. } => Some((slot, st.pk.model.layers[p.layer].matrix_rows().1)),
                    BiasPlace::Column(_) => None,
                })
                .collect();
            let slotted: Vec<(usize, &[i64])> = rows.iter().map(|(s, b)| (*s, &b[..])).collect();
            let selector: Vec<(usize, Fr)> = self
                .parts
                .iter()
                .zip(&lambdas)
                .filter_map(|(p, l)| match p.bias {
                    BiasPlace::Slot { slot, .. } => Some((slot, *l)),
                    BiasPlace::Column(_) => None,
                })
                .collect();
            (
                bias_values(&slotted, d.n_dom, d.k_dom),
                selector,
                st.pk.blinds.bias[carrier],
            )
        });
        quotient(
            &RowSumPolys {
                doms: d,
                parts: &parts,
                bias: bias.as_ref().map(|(v, s, rho)| SharedBias {
                    values: v,
                    slots: s,
                    rho: *rho,
                }),
                r: &st.polys[self.r],
                y: &y,
            },
            (gammas[0], gammas[1]),
        )
        .ok_or_else(|| {
            ProveError::Internal("a RowSum domain is unsupported or a polynomial is longer than its coset".into())
        })
    }
    fn denominators(&self, cx: &ClaimCx<'_>) -> Vec<Fr> {
        let d = &self.doms;
        // ζ^M: the input's read point for a dense layer (e = M), a power of ζ for a patch layer.
        let zm = match d.x_power() == d.m_dom.size() {
            true => cx.pts[self.p_x],
            false => cx.ch.zeta.pow([d.m_dom.size() as u64]),
        };
        let n = Fr::from(d.n_dom.size() as u64);
        let mut out = vec![
            d.k_dom.vanishing_at(cx.ch.zeta),
            n * (zm - Fr::one()),
            n * (d.n_dom.omega() * zm - Fr::one()),
        ];
        for p in &self.parts {
            if let Some(position) = extra_root(p.bias) {
                out.push(n * (zm - d.n_dom.omega().pow([position as u64])));
            }
        }
        out
    }
    fn solidity(&self, sx: &mut SolCx<'_>) -> SolBlock {
        let extra = self.parts.iter().filter(|p| extra_root(p.bias).is_some()).count();
        let at = sx.inverses(3 + extra);
        let d = &self.doms;
        // ζ^M: the input's read point for a dense layer, `zp[log M]` for a patch layer.
        let zm = match d.x_power() == d.m_dom.size() {
            true => format!("st.pts[{}]", self.p_x),
            false => format!("zp[{}]", d.m_dom.log_size),
        };
        let mut denominators = vec![format!(
            "_rowsumDenominators(d, {at}, zp[{}], {zm}, {}, {});",
            d.k_dom.log_size,
            d.n_dom.size(),
            SolCx::dec(d.n_dom.omega())
        )];
        let mut slot = at + 3;
        let mut extra_slots = vec![];
        for p in &self.parts {
            if let Some(position) = extra_root(p.bias) {
                denominators.push(format!(
                    "d[{slot}] = mulmod({}, addmod({zm}, R - {}, R), R);",
                    d.n_dom.size(),
                    SolCx::dec(d.n_dom.omega().pow([position as u64]))
                ));
                extra_slots.push(Some(slot));
                slot += 1;
            } else {
                extra_slots.push(None);
            }
        }
        let [r, r_prev] = self.at.map(|a| sx.val(a));
        let call = if !self.batched() {
            let p = &self.parts[0];
            let mut args = vec![
                r,
                r_prev,
                sx.val(p.at[0]),
                sx.val(p.at[1]),
                at.to_string(),
                d.k_dom.log_size.to_string(),
                sx.vk_point(Base::Weights(p.layer)).to_string(),
            ];
            match p.column() {
                Some(c) => {
                    args.push(SolCx::dec(c.lift() * d.n_dom.omega().pow([c.position as u64])));
                    format!("_rowsumBiasColumn(st, {});", SolCx::args(&args))
                }
                None => format!("_rowsum(st, {});", SolCx::args(&args)),
            }
        } else {
            let mut lines = vec![format!(
                "_rowsumBatchStart(st, {});",
                SolCx::args(&[r.clone(), r_prev, at.to_string(), d.k_dom.log_size.to_string()])
            )];
            for (p, extra) in self.parts.iter().zip(&extra_slots) {
                // [x(ζ^M), y(c·ζ), vk index of [Ŵ], inversion slot, coefficient, kind]: kind 1 a
                // bias column (coefficient (1 − pad)·ω_N^p), kind 0 a slotted bias (ω_N^slot).
                let (inv, coef, kind) = match p.bias {
                    BiasPlace::Column(c) => (
                        extra.unwrap_or(0),
                        c.lift() * d.n_dom.omega().pow([c.position as u64]),
                        1,
                    ),
                    BiasPlace::Slot { slot, .. } => (extra.unwrap_or(at + 1), d.n_dom.omega().pow([slot as u64]), 0),
                };
                lines.push(format!(
                    "_rowsumPart(st, {});",
                    SolCx::args(&[
                        sx.val(p.at[0]),
                        sx.val(p.at[1]),
                        sx.vk_point(Base::Weights(p.layer)).to_string(),
                        inv.to_string(),
                        SolCx::dec(coef),
                        kind.to_string(),
                    ])
                ));
            }
            let bias_point = self.carrier.map_or(usize::MAX, |c| sx.vk_point(Base::Bias(c)));
            lines.push(format!(
                "_rowsumBatchEnd(st, {});",
                SolCx::args(&[
                    r,
                    (at + 2).to_string(),
                    if self.carrier.is_some() {
                        bias_point.to_string()
                    } else {
                        "type(uint256).max".to_string()
                    },
                ])
            ));
            lines.join("\n        ")
        };
        SolBlock {
            comment: self.describe(),
            call,
            denominators,
        }
    }
}

/// The weights of an instance's `parts` layers: `λ, λ², …, λ^L` for a batch (every batching
/// coefficient random, none fixed to 1), and `1` for a single layer, which batches nothing.
pub fn part_weights(parts: usize, lambda: Fr) -> Vec<Fr> {
    if parts == 1 {
        return vec![Fr::one()];
    }
    let mut out = Vec::with_capacity(parts);
    let mut l = lambda;
    for _ in 0..parts {
        out.push(l);
        l *= lambda;
    }
    out
}

/// The position of the extra denominator `N·(ζ^M − ω_N^p)` a part adds: its bias column `p`, or its
/// bias slot when it is not 0 (slot 0's `L_0(ζ^M)/Z_K(ζ)` is `1/(N·(ζ^M − 1))`, already there).
fn extra_root(bias: BiasPlace) -> Option<usize> {
    match bias {
        BiasPlace::Column(c) => Some(c.position),
        BiasPlace::Slot { slot: 0, .. } => None,
        BiasPlace::Slot { slot, .. } => Some(slot),
    }
}

/// The evaluations one part of a RowSum instance reads, with its bias place.
#[derive(Clone, Copy, Debug)]
pub struct PartEvals {
    /// The layer (its `[Ŵ]`).
    pub layer: usize,
    /// `x(ζ^e)`: `x(ζ^M)` for a dense layer, `x(ζ^{M/P'})` for a patch layer.
    pub x: Fr,
    /// `y(c·ζ)`.
    pub y_end: Fr,
    /// Where its bias sits.
    pub bias: BiasPlace,
}

/// Verifier: (RS1)/Z_K(ζ) and (RS2)/Z_K(ζ) of an instance, `R(ζ)`, `R(ω_K^{-1}ζ)` and one
/// [`PartEvals`] per layer, with `[Ŵ_t]` and `[B̂]` left committed:
///
/// ```text
/// RS1/Z_K = (R(ζ) − (1 − I(ζ))·R(ω_K^{-1}ζ))/Z_K − Σ_t λ_t·(x̃_t(ζ^M)/Z_K)·[Ŵ_t] − Λ(ζ^M)/Z_K·[B̂]
/// RS2/Z_K = (R(ζ) − Σ_t λ_t·y_t(c·ζ)) / (N·(ω_N·ζ^M − 1))
/// ```
///
/// `I(ζ)/Z_K(ζ) = 1/(N·Z_M(ζ))`, `I(ω_Kζ)/Z_K(ζ) = 1/(N·(ω_N·ζ^M − 1))`, and `Λ(Y) = Σ λ_t·L_{s_t}(Y)`
/// over the slotted parts, `L_s(ζ^M)/Z_K(ζ) = ω_N^s/(N·(ζ^M − ω_N^s))` (slot 0: the row-start
/// term). So three inversions per instance, and one more per part with a bias column
/// ([`BiasColumn::correction`]) or a slot other than 0. One part is the single-layer block (weight 1, [`part_weights`]).
pub fn identities(
    idx: &MatrixDomains,
    (r, r_prev): (Fr, Fr),
    parts: &[PartEvals],
    (zeta, lambda): (Fr, Fr),
) -> Result<[Lin; 2], AlgebraError> {
    let n = Fr::from(idx.n_dom.size() as u64);
    let zm = zeta.pow([idx.m_dom.size() as u64]);
    let inv = |x: Fr| x.inverse().ok_or(AlgebraError::DegenerateChallenge);
    let zk_inv = inv(idx.k_dom.vanishing_at(zeta))?;
    let start = inv(n * (zm - Fr::one()))?; // I(ζ)/Z_K(ζ)
    let end = inv(n * (idx.n_dom.omega() * zm - Fr::one()))?; // I(ω_Kζ)/Z_K(ζ)
    let zk = idx.k_dom.vanishing_at(zeta);
    let i_zeta = start * zk; // I(ζ)
    let (mut terms, mut y_comb, mut bias_coef, mut carrier) = (vec![], Fr::zero(), Fr::zero(), None);
    for (p, l) in parts.iter().zip(part_weights(parts.len(), lambda)) {
        let x = match p.bias {
            BiasPlace::Column(c) => {
                let omega_p = idx.n_dom.omega().pow([c.position as u64]);
                p.x + c.correction(idx.n_dom, zk, inv(n * (zm - omega_p))?)
            }
            BiasPlace::Slot { carrier: c, slot } => {
                carrier = Some(c);
                bias_coef += l * match slot {
                    0 => start,
                    s => {
                        let omega_s = idx.n_dom.omega().pow([s as u64]);
                        omega_s * inv(n * (zm - omega_s))?
                    }
                };
                p.x
            }
        };
        terms.push((-(l * x * zk_inv), Base::Weights(p.layer)));
        y_comb += l * p.y_end;
    }
    if let Some(c) = carrier {
        terms.push((-bias_coef, Base::Bias(c)));
    }
    let rs1 = Lin {
        c: (r - (Fr::one() - i_zeta) * r_prev) * zk_inv,
        terms,
    };
    let rs2 = Lin::scalar(end * (r - y_comb));
    Ok([rs1, rs2])
}

/// `weights` with column `j` moved to position `bitrev(j)` of `H_N` when `bitrev` (the layer reads
/// the hidden model input, laid out bit-reversed: `super::Tensor::bitrev`); unchanged otherwise.
pub fn positioned_weights(weights: &[Vec<i64>], n_dom: Domain, bitrev: bool) -> std::borrow::Cow<'_, [Vec<i64>]> {
    if !bitrev {
        return std::borrow::Cow::Borrowed(weights);
    }
    std::borrow::Cow::Owned(
        weights
            .iter()
            .map(|row| {
                let mut out = vec![0i64; n_dom.size()];
                for (j, w) in row.iter().enumerate() {
                    out[super::bitrev(j, n_dom.log_size)] = *w;
                }
                out
            })
            .collect(),
    )
}

/// The weight values on `H_K`: `W_ij` at `j + N·i` (zero padding).
pub fn matrix_values(weights: &[Vec<i64>], n_dom: Domain, k_dom: Domain) -> Vec<Fr> {
    let nn = n_dom.size();
    let mut v = vec![Fr::zero(); k_dom.size()];
    for (i, row) in weights.iter().enumerate() {
        for (j, w) in row.iter().enumerate() {
            v[j + nn * i] = fr_from_i64(*w);
        }
    }
    v
}

/// The bias values of an instance's `[B̂]` on `H_K`: each slotted layer's `b_i` at `slot + N·i`
/// (one layer in slot 0: the row starts).
pub fn bias_values(slotted: &[(usize, &[i64])], n_dom: Domain, k_dom: Domain) -> Vec<Fr> {
    let mut v = vec![Fr::zero(); k_dom.size()];
    for (slot, bias) in slotted {
        for (i, b) in bias.iter().enumerate() {
            v[slot + n_dom.size() * i] = fr_from_i64(*b);
        }
    }
    v
}

/// Prover: the row prefix sums `R` on `H_K`, the bias `b_i` added at column `slot` of row `i`; row
/// `i` reads `x`'s block `i mod P'` ([`MatrixDomains::stride`], 1 for a dense layer).
pub fn prefix_sums(weights: &[Vec<i64>], (bias, slot): (&[i64], usize), x: &[i64], doms: &MatrixDomains) -> Vec<Fr> {
    let (nn, stride) = (doms.n_dom.size(), doms.stride());
    let mut v = vec![Fr::zero(); doms.k_dom.size()];
    for (i, (row, b)) in weights.iter().zip(bias).enumerate() {
        let mut acc = Fr::zero();
        let x = x.get(nn * (i % stride)..).unwrap_or_default();
        for j in 0..nn {
            if j == slot {
                acc += fr_from_i64(*b);
            }
            if let (Some(w), Some(xj)) = (row.get(j), x.get(j)) {
                acc += fr_from_i64(*w) * fr_from_i64(*xj);
            }
            v[j + nn * i] = acc;
        }
    }
    v
}

/// `p(X^e)`: spread the coefficients.
pub fn compose_power(p: &DensePolynomial<Fr>, e: usize) -> DensePolynomial<Fr> {
    if p.coeffs.is_empty() {
        return DensePolynomial::zero();
    }
    let mut c = vec![Fr::zero(); (p.coeffs.len() - 1) * e + 1];
    for (i, a) in p.coeffs.iter().enumerate() {
        c[i * e] = *a;
    }
    DensePolynomial::from_coefficients_vec(c)
}

/// `I(X) = Z_K/(N·Z_M) = (1/N)·Σ_{t<N} X^{tM}` (the row-start indicator).
pub fn row_start_indicator(n_dom: Domain, m_dom: Domain) -> DensePolynomial<Fr> {
    let (nn, mm) = (n_dom.size(), m_dom.size());
    let inv_n = Fr::from(nn as u64).inverse().unwrap_or_else(Fr::zero);
    let mut c = vec![Fr::zero(); (nn - 1) * mm + 1];
    for t in 0..nn {
        c[t * mm] = inv_n;
    }
    DensePolynomial::from_coefficients_vec(c)
}

/// The prover's inputs for one part (layer) of a RowSum quotient.
pub struct PartPolys {
    /// `W` (or `W̃`) on `H_K`, without its hiding term (shared with the decider,
    /// [`ProverState::weight_poly`]).
    pub w: Arc<DensePolynomial<Fr>>,
    /// The hiding scalar `ρ_W` of its `[Ŵ]`.
    pub rho_w: Fr,
    /// The committed (or public) `x` on `H_N` (`x̃` with a bias column).
    pub x: DensePolynomial<Fr>,
    /// Its weight `λ_t` in the instance.
    pub lambda: Fr,
}

/// An instance's shared bias for the prover: `B` on `H_K` (the slotted biases, unblinded values),
/// the slots with their `λ_t`, and the hiding scalar `ρ_B`.
pub struct SharedBias<'a> {
    /// `B`'s values on `H_K`.
    pub values: &'a [Fr],
    /// `(slot, λ_t)` per slotted layer.
    pub slots: &'a [(usize, Fr)],
    /// `ρ_B`.
    pub rho: Fr,
}

/// The prover's inputs for one RowSum quotient.
pub struct RowSumPolys<'a> {
    /// The instance's domains.
    pub doms: &'a MatrixDomains,
    /// Its layers.
    pub parts: &'a [PartPolys],
    /// The shared `[B̂]`'s polynomial; `None` when every bias is in a column.
    pub bias: Option<SharedBias<'a>>,
    /// The committed `R`.
    pub r: &'a DensePolynomial<Fr>,
    /// `Σ_t λ_t·y_t` (the committed outputs on `H_M`, combined).
    pub y: &'a DensePolynomial<Fr>,
}

/// Prover: `g₁·(RS1)/Z_K + g₂·(RS2)/Z_K` for the hiding `Ŵ_t`, `B̂` (`g₁`, `g₂` the identities'
/// powers of γ).
///
/// **Two cosets' worth of work, not four.** Split `x = x_u + Z_N·b` (`x_u` of degree `< N`, `b` the
/// blinding: `x(X^M) = x_u(X^M) + Z_K(X)·b(X^M)` since `Z_N(X^M) = Z_K(X)`). Then
/// `W·x(X^M)/Z_K = W·x_u(X^M)/Z_K + W·b(X^M)`, and with `x_u` every numerator has degree `< 2K`
/// (`W·x_u(X^M)`: `2K − M − 1`; the others `≤ 2K − M + 5`, `M ≥ 8`), so the division by `Z_K` is
/// exact on the coset `u_t = g·ω_{2K}^t` of size `2K`. The blinding part `W·b(X^M)` (≤ 4 shifted
/// copies of `W`) and the hiding terms are added as polynomials.
///
/// Structure keeps the work at two FFTs of size `2K` per layer (`W_t`'s inverse and coset FFT)
/// plus three for the instance and one inverse: `R(ω_K^{-1}·u_t) = R(u_{t−2})` and
/// `y(c·u_t) = y(u_{t+2(1−N)})` are rotations of `R`'s and `y`'s evaluations; `x_u(u_t^M)` is `x_u` on
/// the coset `g^M·H_{2N}`, tiled; `Z_K(u_t)` takes 2 values and the other denominators and `Λ(u_t^M)`
/// have period `2N`.
pub fn quotient(p: &RowSumPolys<'_>, (g1, g2): (Fr, Fr)) -> Option<DensePolynomial<Fr>> {
    let (kd, nd, md) = (p.doms.k_dom, p.doms.n_dom, p.doms.m_dom);
    let (kk, nn, mm) = (kd.size(), nd.size(), md.size());
    // x on H_X (X = N for a dense layer, P'·N for a patch layer), read through X^e, e = K/X.
    let (xn, e) = (p.doms.x_dom.size(), p.doms.x_power());
    let big = Radix2EvaluationDomain::<Fr>::new(2 * kk)?;
    let shift_g = Fr::GENERATOR;
    let coset = big.get_coset(shift_g)?;
    let small = Radix2EvaluationDomain::<Fr>::new(kk)?;
    // Unpadded: `fft_in_place` pads, and takes the degree-aware FFT for a short polynomial (`y`).
    let on_coset = |coeffs: &[Fr]| {
        let mut c = coeffs.to_vec();
        coset.fft_in_place(&mut c);
        c
    };
    if p.r.coeffs.len() > 2 * kk || p.y.coeffs.len() > 2 * kk {
        return None;
    }
    let d2n = Radix2EvaluationDomain::<Fr>::new(2 * nn)?.get_coset(shift_g.pow([mm as u64]))?;
    let d2x = Radix2EvaluationDomain::<Fr>::new(2 * xn)?.get_coset(shift_g.pow([e as u64]))?;
    // Σ_t λ_t·W_t·x_u,t(X^e) on the coset, and the polynomial parts: the blinding W·b(X^e) and the
    // hiding −ρ_W·x(X^e) of each layer (both in (RS1)/Z_K with sign −g₁). The layers in parallel.
    let one_part = |part: &PartPolys| -> Option<(Vec<Fr>, DensePolynomial<Fr>)> {
        // x = x_u + Z_X·b: b_i is the coefficient of X^{X+i}, and x_u folds it back onto X^i
        // (Z_X(X^e) = Z_K(X)).
        if part.x.coeffs.len() > 2 * xn {
            return None;
        }
        let blind: Vec<Fr> = part.x.coeffs.iter().skip(xn).copied().collect();
        let mut x_u: Vec<Fr> = part.x.coeffs.iter().take(xn).copied().collect();
        x_u.resize(xn, Fr::zero());
        for (i, b) in blind.iter().enumerate() {
            x_u[i] += b;
        }
        // x_u(u_t^e): u_t^e = g^e·ω_{2X}^t, so x_u on the coset g^e·H_{2X}, indexed t mod 2X.
        x_u.resize(2 * xn, Fr::zero());
        d2x.fft_in_place(&mut x_u);
        let w_coeffs = &part.w.coeffs;
        let mut wx = on_coset(w_coeffs);
        wx.par_iter_mut().enumerate().for_each(|(t, v)| {
            *v *= part.lambda * x_u[t % (2 * xn)];
        });
        let mut wb = vec![Fr::zero(); kk + e * blind.len().max(1)];
        for (i, bi) in blind.iter().enumerate() {
            let bi = *bi * part.lambda;
            for (j, wj) in w_coeffs.iter().enumerate() {
                wb[i * e + j] += bi * wj;
            }
        }
        let poly =
            &DensePolynomial::from_coefficients_vec(wb) + &(&compose_power(&part.x, e) * (part.rho_w * part.lambda));
        Some((wx, poly))
    };
    let (wx, mut poly_part) = p
        .parts
        .par_iter()
        .map(one_part)
        .try_reduce_with(|(mut a, pa), (b, pb)| {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
            Some((a, &pa + &pb))
        })??;
    let two_k = 2 * kk;
    let b = p.bias.as_ref().map(|sb| on_coset(&small.ifft(sb.values)));
    let r = on_coset(&p.r.coeffs);
    let y = on_coset(&p.y.coeffs);
    // Denominators: Z_K(u_t) = g^K·(−1)^t − 1 (period 2); N·(u_t^M − 1) and N·(ω_N·u_t^M − 1)
    // (period 2N).
    let n_fr = Fr::from(nn as u64);
    let omega_n = nd.omega();
    let (gm, w2n) = (
        shift_g.pow([mm as u64]),
        Radix2EvaluationDomain::<Fr>::new(2 * nn)?.group_gen(),
    );
    let mut um = Vec::with_capacity(2 * nn);
    let mut acc = gm;
    for _ in 0..2 * nn {
        um.push(acc);
        acc *= w2n;
    }
    let gk = shift_g.pow([kk as u64]);
    let zk = [gk - Fr::one(), -gk - Fr::one()];
    let mut zk_inv = zk;
    batch_inversion(&mut zk_inv);
    let mut den_start: Vec<Fr> = um.iter().map(|v| n_fr * (*v - Fr::one())).collect();
    let mut den_end: Vec<Fr> = um.iter().map(|v| n_fr * (omega_n * v - Fr::one())).collect();
    batch_inversion(&mut den_start);
    batch_inversion(&mut den_end);
    // Λ(Y) = Σ λ_t·L_{s_t}(Y) on H_N (λ_t in column s_t), and Λ(u_t^M) on the coset g^M·H_{2N}
    // (indexed t mod 2N, like x_u): one FFT of size 2N, whatever the number of slots.
    let lam_poly = p.bias.as_ref().map(|sb| {
        let mut values = vec![Fr::zero(); nn];
        for (s, l) in sb.slots {
            values[*s] += *l;
        }
        nd.interpolate(&values)
    });
    let lam: Vec<Fr> = match &lam_poly {
        None => vec![],
        Some(poly) => {
            let mut c = poly.coeffs.clone();
            c.resize(2 * nn, Fr::zero());
            d2n.fft_in_place(&mut c);
            c
        }
    };
    let end_shift = (two_k + 2 - (2 * nn) % two_k) % two_k; // 2·(1 − N) mod 2K
    let mut q = vec![Fr::zero(); two_k];
    q.par_iter_mut().enumerate().for_each(|(t, out)| {
        let (t2, tn) = (t % 2, t % (2 * nn));
        let i_start = zk[t2] * den_start[tn];
        let r_prev = r[(t + two_k - 2) % two_k];
        let y_end = y[(t + end_shift) % two_k];
        let bias = b.as_ref().map_or(Fr::zero(), |b| lam[tn] * b[t]);
        let e1 = r[t] - wx[t] - bias - (Fr::one() - i_start) * r_prev;
        // I(ω_K·u)/Z_K(u) = 1/(N·(ω_N·u^M − 1)).
        *out = g1 * e1 * zk_inv[t2] + g2 * (r[t] - y_end) * den_end[tn];
    });
    coset.ifft_in_place(&mut q);
    let q = DensePolynomial::from_coefficients_vec(q);
    // Hiding: B̂ = B + ρ_B·Z_K adds −ρ_B·Λ(X^M) to (RS1)/Z_K.
    if let (Some(sb), Some(poly)) = (&p.bias, &lam_poly) {
        poly_part = &poly_part + &(&compose_power(poly, mm) * sb.rho);
    }
    Some(&q - &(&poly_part * g1))
}

/// Check `y = W·x + b` exactly over the integers, row by row (the statement RowSum proves over
/// `Fr`; the integers rule out a product that only holds modulo the field order).
pub fn check(weights: &[Vec<i64>], bias: &[i64], x: &[i64], y: &[i64]) -> Result<(), super::Violation> {
    check_blocks(weights, bias, (x, 1), y)
}

/// [`check`] for a matrix whose row `i` reads block `i mod stride` of `x` (`stride` equal blocks;
/// a patch layer's [`crate::model::DenseLayer::matrix_rows`] with `stride = P'`).
pub fn check_blocks(
    weights: &[Vec<i64>],
    bias: &[i64],
    (x, stride): (&[i64], usize),
    y: &[i64],
) -> Result<(), super::Violation> {
    let width = x.len() / stride.max(1);
    if y.len() != weights.len() || bias.len() != weights.len() {
        return Err(super::Violation {
            position: 0,
            reason: format!(
                "y has {} values and b {} but W has {} rows",
                y.len(),
                bias.len(),
                weights.len()
            ),
        });
    }
    for (position, ((row, b), y)) in weights.iter().zip(bias).zip(y).enumerate() {
        let x = &x[width * (position % stride.max(1))..][..width];
        if row.len() != x.len() {
            return Err(super::Violation {
                position,
                reason: format!("W row has {} columns but x has {} values", row.len(), x.len()),
            });
        }
        let dot: i128 = row
            .iter()
            .zip(x)
            .map(|(w, v)| i128::from(*w) * i128::from(*v))
            .sum::<i128>()
            + i128::from(*b);
        if dot != i128::from(*y) {
            return Err(super::Violation {
                position,
                reason: format!("y = {y} but W·x + b = {dot}"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::random_fr;
    use crate::protocol::tensor_domain;
    use ark_poly::Polynomial;
    use rand::SeedableRng;

    fn idx(in_len: usize, out_len: usize) -> MatrixDomains {
        MatrixDomains::new(tensor_domain(in_len), tensor_domain(out_len))
    }

    /// How [`holds`] deviates from the honest prover.
    #[derive(Clone, Copy, PartialEq)]
    enum Case {
        Honest,
        /// A wrong `y_1` in one part.
        WrongOutput(usize),
        /// A part with a bias column: `x` holds `pad + 1` instead of `pad` at the column.
        WrongPadding(usize),
        /// `y` is not zero on a padding row (`i ≥ m`) in one part.
        PaddingRow(usize),
    }

    /// An instance of `columns.len()` layers 10 → 3 (`x` on `H_16`, `y` on `H_8`): part `t` keeps
    /// its bias in a padding column whose value is `pad` (`Some(pad)`) or in the next slot of the
    /// shared `[B̂]` (`None`). Honest outputs give polynomial quotients that satisfy the verifier's
    /// identities at a random point; a deviation leaves a remainder.
    fn holds(case: Case, columns: &[Option<i64>]) -> bool {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let (m, n) = (3usize, 10usize);
        let l = idx(n, m);
        let lambda = random_fr(&mut rng);
        let (g1, g2) = (random_fr(&mut rng), random_fr(&mut rng));
        let zeta = random_fr(&mut rng);
        let fr = |v: &[i64]| v.iter().map(|a| fr_from_i64(*a)).collect::<Vec<_>>();
        let rho_b = random_fr(&mut rng);
        let (mut parts, mut evals, mut hats) = (vec![], vec![], vec![]);
        let (mut slotted, mut selector) = (vec![], vec![]);
        let mut r_values = vec![Fr::zero(); l.k_dom.size()];
        let mut y_comb = Poly::zero();
        let weights = part_weights(columns.len(), lambda);
        for (t, column) in columns.iter().enumerate() {
            let lt = weights[t];
            let w: Vec<Vec<i64>> = (0..m)
                .map(|i| (0..n).map(|j| ((i * 7 + j * 3 + t * 5) % 19) as i64 - 9).collect())
                .collect();
            let b: Vec<i64> = vec![5 + t as i64, -2, 11];
            let x: Vec<i64> = (0..n).map(|j| j as i64 - 4 + t as i64).collect();
            let mut y: Vec<i64> = w
                .iter()
                .zip(&b)
                .map(|(r, bi)| r.iter().zip(&x).map(|(a, c)| a * c).sum::<i64>() + bi)
                .collect();
            if case == Case::WrongOutput(t) {
                y[1] += 1;
            }
            if case == Case::PaddingRow(t) {
                y.resize(l.m_dom.size(), 0);
                y[m] = 5;
            }
            let place = match column {
                Some(pad) => BiasPlace::Column(BiasColumn { position: n, pad: *pad }),
                None => BiasPlace::Slot {
                    carrier: 0,
                    slot: slotted.len(),
                },
            };
            let mut x_full = x.clone();
            x_full.resize(l.n_dom.size(), column.unwrap_or(0));
            if case == Case::WrongPadding(t) {
                x_full[n] += 1;
            }
            let xp = l.n_dom.interpolate_blinded(&fr(&x_full), &mut rng);
            let yp = l.m_dom.interpolate_blinded(&fr(&y), &mut rng);
            // The honest prover's R and matrix (it believes x is padded with `pad`).
            let (wm, bm, x_r, slot) = match place {
                BiasPlace::Column(c) => {
                    let mut xt = x_full.clone();
                    xt[c.position] = 1;
                    (BiasColumn::augment(&w, &b), vec![0; m], xt, 0)
                }
                BiasPlace::Slot { slot, .. } => (w.clone(), b.clone(), x.clone(), slot),
            };
            let rv = prefix_sums(&wm, (&bm, slot), &x_r, &l);
            r_values.iter_mut().zip(rv).for_each(|(a, v)| *a += lt * v);
            let wv = matrix_values(&wm, l.n_dom, l.k_dom);
            let rho_w = random_fr(&mut rng);
            hats.push(&l.k_dom.interpolate(&wv) + &crate::keys::WeightBlinds::vanishing_multiple(rho_w, l.k_dom));
            if let BiasPlace::Slot { slot, .. } = place {
                slotted.push((slot, b.clone()));
                selector.push((slot, lt));
            }
            parts.push(PartPolys {
                w: Arc::new(l.k_dom.interpolate(&wv)),
                rho_w,
                x: match place {
                    BiasPlace::Column(c) => c.lifted_input(&xp, l.n_dom),
                    BiasPlace::Slot { .. } => xp.clone(),
                },
                lambda: lt,
            });
            evals.push(PartEvals {
                layer: t,
                x: xp.evaluate(&zeta.pow([l.m_dom.size() as u64])),
                y_end: yp.evaluate(&(zeta * l.k_dom.omega().pow([(l.k_dom.size() + 1 - l.n_dom.size()) as u64]))),
                bias: place,
            });
            y_comb = &y_comb + &(&yp * lt);
        }
        let rp = l.k_dom.blinded_with(&r_values, R_MAX_BLINDING, &mut rng).poly; // the most R carries (4 in most proofs)
        let slotted_refs: Vec<(usize, &[i64])> = slotted.iter().map(|(s, b)| (*s, &b[..])).collect();
        let bv = bias_values(&slotted_refs, l.n_dom, l.k_dom);
        let bhat = &l.k_dom.interpolate(&bv) + &crate::keys::WeightBlinds::vanishing_multiple(rho_b, l.k_dom);
        let q = quotient(
            &RowSumPolys {
                doms: &l,
                parts: &parts,
                bias: (!slotted.is_empty()).then_some(SharedBias {
                    values: &bv,
                    slots: &selector,
                    rho: rho_b,
                }),
                r: &rp,
                y: &y_comb,
            },
            (g1, g2),
        )
        .unwrap();
        // Check against the verifier's formula with the hiding polynomials evaluated in the clear.
        let r = (
            rp.evaluate(&zeta),
            rp.evaluate(&(zeta * l.k_dom.omega().inverse().unwrap())),
        );
        let [a, c] = identities(&l, r, &evals, (zeta, lambda)).unwrap();
        let resolve = |lin: &Lin| {
            lin.terms.iter().fold(lin.c, |acc, (s, base)| {
                acc + *s
                    * match base {
                        Base::Weights(t) => hats[*t].evaluate(&zeta),
                        _ => bhat.evaluate(&zeta),
                    }
            })
        };
        g1 * resolve(&a) + g2 * resolve(&c) == q.evaluate(&zeta)
    }

    /// A patch instance (`docs/protocols/rowsum.md#patches`): `P = 3` patches of 5 taps (`N = 8`,
    /// `P' = 4`, `x` on `H_32`), `F = 2` filters (`y` on `H_8`), the bias at the row starts.
    /// Honest outputs satisfy the verifier's identities, with `x` read at `ζ^e`, `e = M/P' = 2`;
    /// `wrong` adds 1 to that output row (a real row, or a row `p ≥ P`, whose accumulator is 0).
    fn patch_holds(wrong: Option<usize>) -> bool {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        let (count, stride, width, filters) = (3usize, 4usize, 8usize, 2usize);
        let l = MatrixDomains::patched(Domain::new(3), tensor_domain(stride * filters), Domain::new(5));
        assert_eq!((l.stride(), l.x_power(), l.k_dom.size()), (4, 2, 64));
        let fr = |v: &[i64]| v.iter().map(|a| fr_from_i64(*a)).collect::<Vec<_>>();
        let filter: Vec<Vec<i64>> = (0..filters)
            .map(|f| {
                (0..width)
                    .map(|j| if j < 5 { (f * 3 + j) as i64 - 2 } else { 0 })
                    .collect()
            })
            .collect();
        let fb = [7i64, -3];
        // The im2col tensor: patch p at [8p, 8p + 8), taps 5.. and patch 3 zero.
        let x: Vec<i64> = (0..stride * width)
            .map(|k| {
                if k % width < 5 && k / width < count {
                    (k * 5 % 11) as i64 - 5
                } else {
                    0
                }
            })
            .collect();
        let (mut rows, mut bias) = (vec![vec![0i64; width]; stride * filters], vec![0i64; stride * filters]);
        for f in 0..filters {
            for p in 0..count {
                rows[p + stride * f].clone_from(&filter[f]);
                bias[p + stride * f] = fb[f];
            }
        }
        let mut y: Vec<i64> = (0..stride * filters)
            .map(|i| {
                rows[i]
                    .iter()
                    .zip(&x[width * (i % stride)..])
                    .map(|(a, b)| a * b)
                    .sum::<i64>()
                    + bias[i]
            })
            .collect();
        assert!(check_blocks(&rows, &bias, (&x, stride), &y).is_ok());
        if let Some(i) = wrong {
            y[i] += 1;
            assert!(check_blocks(&rows, &bias, (&x, stride), &y).is_err());
        }
        let (zeta, g1, g2) = (random_fr(&mut rng), random_fr(&mut rng), random_fr(&mut rng));
        let xp = l.x_dom.interpolate_blinded(&fr(&x), &mut rng);
        let yp = l.m_dom.interpolate_blinded(&fr(&y), &mut rng);
        let r_values = prefix_sums(&rows, (&bias, 0), &x, &l);
        let rp = l.k_dom.blinded_with(&r_values, R_MAX_BLINDING, &mut rng).poly;
        let wv = matrix_values(&rows, l.n_dom, l.k_dom);
        let (rho_w, rho_b) = (random_fr(&mut rng), random_fr(&mut rng));
        let w_hat = &l.k_dom.interpolate(&wv) + &crate::keys::WeightBlinds::vanishing_multiple(rho_w, l.k_dom);
        let bv = bias_values(&[(0, &bias[..])], l.n_dom, l.k_dom);
        let b_hat = &l.k_dom.interpolate(&bv) + &crate::keys::WeightBlinds::vanishing_multiple(rho_b, l.k_dom);
        let part = PartPolys {
            w: Arc::new(l.k_dom.interpolate(&wv)),
            rho_w,
            x: xp.clone(),
            lambda: Fr::one(),
        };
        let q = quotient(
            &RowSumPolys {
                doms: &l,
                parts: std::slice::from_ref(&part),
                bias: Some(SharedBias {
                    values: &bv,
                    slots: &[(0, Fr::one())],
                    rho: rho_b,
                }),
                r: &rp,
                y: &yp,
            },
            (g1, g2),
        )
        .unwrap();
        let end = zeta * l.k_dom.omega().pow([(l.k_dom.size() + 1 - l.n_dom.size()) as u64]);
        let evals = [PartEvals {
            layer: 0,
            x: xp.evaluate(&zeta.pow([l.x_power() as u64])),
            y_end: yp.evaluate(&end),
            bias: BiasPlace::Slot { carrier: 0, slot: 0 },
        }];
        let r = (
            rp.evaluate(&zeta),
            rp.evaluate(&(zeta * l.k_dom.omega().inverse().unwrap())),
        );
        let [a, c] = identities(&l, r, &evals, (zeta, Fr::zero())).unwrap();
        let resolve = |lin: &Lin| {
            lin.terms.iter().fold(lin.c, |acc, (s, base)| {
                acc + *s
                    * match base {
                        Base::Weights(_) => w_hat.evaluate(&zeta),
                        _ => b_hat.evaluate(&zeta),
                    }
            })
        };
        g1 * resolve(&a) + g2 * resolve(&c) == q.evaluate(&zeta)
    }

    #[test]
    fn a_patch_instance_reads_each_row_s_patch() {
        assert!(patch_holds(None));
        assert!(!patch_holds(Some(1)), "a wrong output of filter 0, patch 1");
        assert!(!patch_holds(Some(4 + 2)), "a wrong output of filter 1, patch 2");
        assert!(!patch_holds(Some(3)), "a padding patch's row is forced to 0");
    }

    #[test]
    fn honest_rowsum_holds_and_a_wrong_output_does_not() {
        assert!(holds(Case::Honest, &[None]));
        assert!(!holds(Case::WrongOutput(0), &[None]));
    }

    /// (RS2) holds on every row of `H_M`: a padding row of `y` (zero weights and bias there) must
    /// be zero, which the rescale lookup and the bias column's forced padding rely on.
    #[test]
    fn a_padding_row_of_y_is_forced_to_zero() {
        assert!(!holds(Case::PaddingRow(0), &[None]));
        assert!(!holds(Case::PaddingRow(0), &[Some(0)]));
        assert!(!holds(Case::PaddingRow(2), &[None, Some(0), None]));
    }

    /// The bias in a padding column: honest quotients hold (zero and non-zero padding), a wrong
    /// output does not, and an `R` built for `x̃_p = 1` does not fit an input whose value at the
    /// column differs from the padding value the verifier assumes. RowSum alone does not force that
    /// value (a prover could build `R` for `x̃_p = 2` and state `y = W·x + 2b`): the blocks named in
    /// the rule do (`input_range::tests::a_nonzero_padding_value_breaks_the_identity`, the rescale
    /// lookup's uniqueness in `docs/protocols/lookup.md`).
    #[test]
    fn a_bias_column_reads_the_assumed_padding_value() {
        for pad in [0, 3] {
            assert!(holds(Case::Honest, &[Some(pad)]), "pad {pad}");
            assert!(!holds(Case::WrongOutput(0), &[Some(pad)]), "pad {pad}");
            assert!(!holds(Case::WrongPadding(0), &[Some(pad)]), "pad {pad}");
        }
    }

    /// A batched instance: layers weighted by `λ_t` share one `R` and one `[B̂]` (slots 0, 1, 2),
    /// with or without a bias column among them; a wrong output in any one layer breaks it.
    #[test]
    fn a_batched_instance_holds_and_each_layer_is_checked() {
        for columns in [
            &[None, None, None][..],
            &[None, Some(3), None, None],
            &[Some(0), Some(0)],
        ] {
            assert!(holds(Case::Honest, columns), "{columns:?}");
            for t in 0..columns.len() {
                assert!(!holds(Case::WrongOutput(t), columns), "{columns:?} part {t}");
            }
        }
        assert!(!holds(Case::WrongPadding(1), &[None, Some(3), None]));
    }

    /// One layer in slot 0: `Λ(X^M) = L_0(X^M)` is the row-start indicator `I(X)`, so the batched
    /// identities are the single-layer block's.
    #[test]
    fn slot_zero_is_the_row_start() {
        let l = idx(10, 3);
        let mut unit = vec![Fr::zero(); l.n_dom.size()];
        unit[0] = Fr::one();
        let lambda0 = compose_power(&l.n_dom.interpolate(&unit), l.m_dom.size());
        assert_eq!(lambda0, row_start_indicator(l.n_dom, l.m_dom));
        // A single layer weighs 1 (it batches nothing); a batch weighs λ, λ², λ³: no coefficient
        // of a batch is fixed to 1 (DESIGN §9.1).
        let lambda = Fr::from(7u64);
        assert_eq!(part_weights(1, lambda), vec![Fr::one()]);
        assert_eq!(
            part_weights(3, lambda),
            vec![lambda, lambda * lambda, lambda * lambda * lambda]
        );
    }

    /// Layers on equal domains share an instance (at most `N` of them); each instance's first
    /// layer without a bias column carries the `[B̂]`; the plan of a prefix is a prefix of the plan.
    #[test]
    fn the_plan_batches_equal_domains() {
        let dense = |in_len, out_len| LayerShape {
            in_len,
            out_len,
            dense: true,
            plain: true,
            patch: false,
            activation: Activation::Relu,
        };
        let shapes = [
            dense(256, 256),
            dense(256, 256),
            dense(256, 100),
            dense(100, 256),
            dense(256, 256),
            dense(256, 10),
        ];
        let plan = RowSumPlan::of(&shapes, false, 8);
        assert_eq!(plan.batches, vec![vec![0, 1, 4], vec![2], vec![3], vec![5]]);
        assert_eq!(plan.slotted(0), vec![(0, 0), (1, 1), (4, 2)]);
        assert!(plan.carries_bias(0) && !plan.carries_bias(1) && !plan.carries_bias(4));
        // Layer 3 reads 100 values on H_128: its bias is a column.
        assert!(plan.bias_column(3).is_some() && !plan.carries_bias(3));
        for k in 1..shapes.len() {
            let prefix = RowSumPlan::of(&shapes[..k], false, 8);
            assert_eq!(prefix.places[..], plan.places[..k], "prefix {k}");
        }
        // At most N layers per instance: nine 8 → 8 layers make two instances.
        let plan = RowSumPlan::of(&[dense(8, 8); 9], false, 8);
        assert_eq!(plan.batches.iter().map(Vec::len).collect::<Vec<_>>(), vec![8, 1]);
        assert!(plan.carries_bias(0) && plan.carries_bias(8));
    }

    /// The rule: a free column only, at its bit-reversed position for the hidden input, never after
    /// a product or mixed layer; the forced value is `f(0)`.
    #[test]
    fn the_bias_column_rule() {
        assert_eq!(BiasColumn::of(256, false, None, 8), None, "no free column");
        assert_eq!(
            BiasColumn::of(4, false, None, 8),
            Some(BiasColumn { position: 4, pad: 0 })
        );
        assert_eq!(
            BiasColumn::of(784, true, None, 8),
            Some(BiasColumn {
                position: crate::blocks::bitrev(784, 10),
                pad: 0
            })
        );
        assert_eq!(BiasColumn::of(4, false, Some((false, Activation::Relu)), 8), None);
        let sigmoid = BiasColumn::of(4, false, Some((true, Activation::Sigmoid)), 8).unwrap();
        assert_eq!(sigmoid.pad, Activation::Sigmoid.apply(0, 8));
        assert_ne!(sigmoid.pad, 0);
    }

    #[test]
    fn check_is_the_exact_affine_map() {
        let w = vec![vec![2, -1], vec![0, 3]];
        assert_eq!(check(&w, &[1, 0], &[5, 7], &[4, 21]), Ok(()));
        let v = check(&w, &[1, 0], &[5, 7], &[4, 20]).unwrap_err();
        assert_eq!(v.position, 1);
        assert!(v.reason.contains("21"), "{v}");
        assert!(check(&w, &[1, 0], &[5], &[4, 21]).is_err());
        assert!(check(&w, &[1], &[5, 7], &[4, 21]).is_err());
    }
}
