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

/// The most blinding coefficients `R` may carry when grouping adds evaluation points
/// ([`crate::protocol::LayoutBuilder::cap_blinding`]). The quotient's coset of size `2K` holds the
/// (RS2) numerator `I(ωX)·R(X)` of degree `2K − M + b_R − 1` exactly while `b_R ≤ M`, and `M ≥ 8`;
/// `R` enters no power map, so no other degree bound depends on it.
pub const R_MAX_BLINDING: usize = 6;

/// The three domains of a RowSum instance: `x` on `H_N`, `y` on `H_M`, the matrix on `H_K`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatrixDomains {
    /// Input domain `H_N`.
    pub n_dom: Domain,
    /// Output domain `H_M`.
    pub m_dom: Domain,
    /// Matrix domain `H_K`, `K = M·N`.
    pub k_dom: Domain,
}

impl MatrixDomains {
    /// The domains for `x` on `n_dom` and `y` on `m_dom`.
    pub fn new(n_dom: Domain, m_dom: Domain) -> Self {
        Self {
            n_dom,
            m_dom,
            k_dom: Domain::new(n_dom.log_size + m_dom.log_size),
        }
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

/// One RowSum instance: layer `layer`'s `y = W·x + b` between tensors `x` and `y`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowSum {
    /// The dense layer (its vk points `[Ŵ]`, `[B̂]` and, for the prover, its weights).
    pub layer: usize,
    /// Input tensor.
    pub x: usize,
    /// Output tensor (committed).
    pub y: usize,
    /// Its domains.
    pub doms: MatrixDomains,
    /// Commitment `[R]` (round 1).
    pub r: usize,
    /// `R(ζ)`, `R(ω_K^{-1}ζ)`, `x(ζ^M)`, `y(c·ζ)`.
    pub at: [At; 4],
    /// Point index of `ζ^M`.
    pub p_x: usize,
    /// The bias sits in a column of `[Ŵ]` ([`BiasColumn`]) instead of in `[B̂]`.
    pub bias: Option<BiasColumn>,
}

impl RowSum {
    /// Layer `layer` from tensor `x` to tensor `y`.
    pub fn new(layer: usize, (x, y): (usize, usize), bias: Option<BiasColumn>, tensors: &[Tensor]) -> Self {
        Self {
            layer,
            x,
            y,
            doms: MatrixDomains::new(tensors[x].dom, tensors[y].dom),
            r: 0,
            at: [At::Eval(0); 4],
            p_x: 0,
            bias,
        }
    }
    /// The weight matrix as committed in `[Ŵ]`: `W`, or `W̃` with the bias column.
    fn committed_weights(&self, weights: &[Vec<i64>], bias: &[i64], bitrev: bool) -> Vec<Vec<i64>> {
        match self.bias {
            Some(_) => positioned_weights(&BiasColumn::augment(weights, bias), self.doms.n_dom, bitrev).into_owned(),
            None => positioned_weights(weights, self.doms.n_dom, bitrev).into_owned(),
        }
    }
}

impl Block for RowSum {
    fn describe(&self) -> String {
        format!(
            "RowSum, layer {}: y = W·x + b on H_K, K = {}",
            self.layer,
            self.doms.k_dom.size()
        )
    }
    fn domains(&self) -> Vec<Domain> {
        vec![self.doms.n_dom, self.doms.m_dom, self.doms.k_dom]
    }
    fn max_degree(&self) -> usize {
        // x(X^M)·Ŵ/Z_K: x has at most 4 blinding coefficients (a committed input), so K + 3M.
        self.doms.k_dom.size() + 3 * self.doms.m_dom.size() + 16
    }
    fn alloc_round1(&mut self, b: &mut LayoutBuilder) {
        self.r = b.commit(self.doms.k_dom);
        // `R` is read at points of its own, never through a power map: a group's extra points may
        // raise its blinding past the default cap, up to [`R_MAX_BLINDING`].
        b.cap_blinding(self.r, R_MAX_BLINDING);
    }
    fn alloc_openings(&mut self, b: &mut LayoutBuilder) {
        let MatrixDomains { n_dom, m_dom, k_dom } = self.doms;
        let kk = k_dom.size() as u64;
        let p_prev = b.point(PointSpec::new(1, k_dom.log_size, kk - 1));
        self.p_x = b.point(PointSpec::new(m_dom.size() as u64, 0, 0));
        let p_end = b.point(PointSpec::new(1, k_dom.log_size, kk + 1 - n_dom.size() as u64));
        let r_at = At::Eval(b.open(self.r, 0));
        let r_prev = At::Eval(b.open(self.r, p_prev));
        let x_at = b.read(self.x, self.p_x);
        self.at = [r_at, r_prev, x_at, b.read(self.y, p_end)];
    }
    fn identity_count(&self) -> usize {
        2
    }
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError> {
        let [r, r_prev, x, y_end] = self.at.map(|a| cx.val(a));
        let e = RowSumEvals { r, r_prev, x, y_end };
        out.list
            .extend(identities(self.layer, &self.doms, e, cx.ch.zeta, self.bias)?);
        Ok(())
    }
    fn prove_round1(&self, st: &mut ProverState<'_>, mut rng: &mut dyn RngCore) -> Result<(), ProveError> {
        let layer = &st.pk.model.layers[self.layer];
        let bitrev = st.layout.tensors[self.x].bitrev;
        let mut x = st.positioned_ints(self.x);
        let zero_bias = vec![0; layer.bias.len()];
        let bias = match self.bias {
            Some(c) => {
                x[c.position] = 1; // x̃
                &zero_bias
            }
            None => &layer.bias,
        };
        let r = prefix_sums(
            &self.committed_weights(&layer.weights, &layer.bias, bitrev),
            bias,
            &x,
            self.doms.n_dom,
            self.doms.k_dom,
        );
        // R is revealed at τ, ζ, ω_K⁻¹ζ, and at ω_K⁻¹τ inside [Q]: four coefficients, one more per
        // point its commitment group adds (at most R_MAX_BLINDING).
        st.polys[self.r] = self
            .doms
            .k_dom
            .blinded_with(&r, st.layout.blinding(self.r), &mut rng)
            .poly;
        Ok(())
    }
    fn quotient(&self, st: &ProverState<'_>, _: &[Poly], gammas: &[Fr]) -> Result<Poly, ProveError> {
        let layer = &st.pk.model.layers[self.layer];
        let d = &self.doms;
        let weights = self.committed_weights(&layer.weights, &layer.bias, st.layout.tensors[self.x].bitrev);
        let b_values = bias_values(&layer.bias, d.n_dom, d.k_dom);
        let x = &st.tensor_polys[self.x];
        quotient(
            &RowSumPolys {
                doms: d,
                w_values: &matrix_values(&weights, d.n_dom, d.k_dom),
                bias: match self.bias {
                    Some(_) => None,
                    None => Some((&b_values, st.pk.blinds.bias[self.layer])),
                },
                rho_w: st.pk.blinds.weights[self.layer],
                r: &st.polys[self.r],
                x: &match self.bias {
                    Some(c) => c.lifted_input(x, d.n_dom),
                    None => x.clone(),
                },
                y: &st.tensor_polys[self.y],
            },
            (gammas[0], gammas[1]),
        )
        .ok_or_else(|| {
            ProveError::Internal("a RowSum domain is unsupported or a polynomial is longer than its coset".into())
        })
    }
    fn denominators(&self, cx: &ClaimCx<'_>) -> Vec<Fr> {
        let d = &self.doms;
        let (n, zm) = (Fr::from(d.n_dom.size() as u64), cx.pts[self.p_x]);
        let mut out = vec![
            d.k_dom.vanishing_at(cx.ch.zeta),
            n * (zm - Fr::one()),
            n * (d.n_dom.omega() * zm - Fr::one()),
        ];
        if let Some(c) = self.bias {
            out.push(n * (zm - d.n_dom.omega().pow([c.position as u64])));
        }
        out
    }
    fn solidity(&self, sx: &mut SolCx<'_>) -> SolBlock {
        let at = sx.inverses(if self.bias.is_some() { 4 } else { 3 });
        let d = &self.doms;
        let mut args: Vec<String> = self.at.iter().map(|a| sx.val(*a)).collect();
        args.extend([
            at.to_string(),
            d.k_dom.log_size.to_string(),
            sx.vk_point(Base::Weights(self.layer)).to_string(),
        ]);
        let mut denominators = vec![format!(
            "_rowsumDenominators(d, {at}, zp[{}], st.pts[{}], {}, {});",
            d.k_dom.log_size,
            self.p_x,
            d.n_dom.size(),
            SolCx::dec(d.n_dom.omega())
        )];
        let call = match self.bias {
            Some(c) => {
                let omega_p = d.n_dom.omega().pow([c.position as u64]);
                args.push(SolCx::dec(c.lift() * omega_p));
                denominators.push(format!(
                    "d[{}] = mulmod({}, addmod(st.pts[{}], R - {}, R), R);",
                    at + 3,
                    d.n_dom.size(),
                    self.p_x,
                    SolCx::dec(omega_p)
                ));
                format!("_rowsumBiasColumn(st, {});", SolCx::args(&args))
            }
            None => format!("_rowsum(st, {});", SolCx::args(&args)),
        };
        SolBlock {
            comment: self.describe(),
            call,
            denominators,
        }
    }
}

/// The evaluations RowSum reads.
#[derive(Clone, Copy, Debug)]
pub struct RowSumEvals {
    /// `R(ζ)`.
    pub r: Fr,
    /// `R(ω_K^{-1}ζ)`.
    pub r_prev: Fr,
    /// `x(ζ^M)`.
    pub x: Fr,
    /// `y(c·ζ)`.
    pub y_end: Fr,
}

/// Verifier: (RS1)/Z_K(ζ) and (RS2)/Z_K(ζ), with `[Ŵ]`, `[B̂]` left committed.
///
/// `I(ζ)/Z_K(ζ) = 1/(N·Z_M(ζ))` and `I(ω_Kζ)/Z_K(ζ) = 1/(N·(ω_N·ζ^M − 1))`, so three inversions
/// per layer: `Z_K(ζ)`, `N·(ζ^M − 1)`, `N·(ω_N·ζ^M − 1)`; a fourth, `N·(ζ^M − ω_N^p)`, with a bias
/// column, which replaces the `[B̂]` term by `x̃(ζ^M)` ([`BiasColumn::correction`]).
pub fn identities(
    layer: usize,
    idx: &MatrixDomains,
    e: RowSumEvals,
    zeta: Fr,
    bias: Option<BiasColumn>,
) -> Result<[Lin; 2], AlgebraError> {
    let n = Fr::from(idx.n_dom.size() as u64);
    let zm = zeta.pow([idx.m_dom.size() as u64]);
    let inv = |x: Fr| x.inverse().ok_or(AlgebraError::DegenerateChallenge);
    let zk_inv = inv(idx.k_dom.vanishing_at(zeta))?;
    let start = inv(n * (zm - Fr::one()))?; // I(ζ)/Z_K(ζ)
    let end = inv(n * (idx.n_dom.omega() * zm - Fr::one()))?; // I(ω_Kζ)/Z_K(ζ)
    let zk = idx.k_dom.vanishing_at(zeta);
    let i_zeta = start * zk; // I(ζ)
    let (x, bias_term) = match bias {
        Some(c) => {
            let omega_p = idx.n_dom.omega().pow([c.position as u64]);
            let den = inv(n * (zm - omega_p))?;
            (e.x + c.correction(idx.n_dom, zk, den), None)
        }
        None => (e.x, Some((-start, Base::Bias(layer)))),
    };
    let rs1 = Lin {
        c: (e.r - (Fr::one() - i_zeta) * e.r_prev) * zk_inv,
        terms: [(-(x * zk_inv), Base::Weights(layer))]
            .into_iter()
            .chain(bias_term)
            .collect(),
    };
    let rs2 = Lin::scalar(end * (e.r - e.y_end));
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

/// The bias values on `H_K`: `b_i` at the row starts `N·i`.
pub fn bias_values(bias: &[i64], n_dom: Domain, k_dom: Domain) -> Vec<Fr> {
    let mut v = vec![Fr::zero(); k_dom.size()];
    for (i, b) in bias.iter().enumerate() {
        v[n_dom.size() * i] = fr_from_i64(*b);
    }
    v
}

/// Prover: the row prefix sums `R` on `H_K` (bias at each row start).
pub fn prefix_sums(weights: &[Vec<i64>], bias: &[i64], x: &[i64], n_dom: Domain, k_dom: Domain) -> Vec<Fr> {
    let nn = n_dom.size();
    let mut v = vec![Fr::zero(); k_dom.size()];
    for (i, (row, b)) in weights.iter().zip(bias).enumerate() {
        let mut acc = fr_from_i64(*b);
        for j in 0..nn {
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

/// The prover's inputs for one RowSum quotient.
pub struct RowSumPolys<'a> {
    /// The layer's domains.
    pub doms: &'a MatrixDomains,
    /// `W` (or `W̃`) on `H_K` (unblinded values).
    pub w_values: &'a [Fr],
    /// `B` on `H_K` (unblinded values) and its hiding scalar `ρ_B`; `None` with a bias column.
    pub bias: Option<(&'a [Fr], Fr)>,
    /// The hiding scalar `ρ_W` of `[Ŵ]`.
    pub rho_w: Fr,
    /// The committed `R`.
    pub r: &'a DensePolynomial<Fr>,
    /// The committed (or public) `x` on `H_N` (`x̃` with a bias column).
    pub x: &'a DensePolynomial<Fr>,
    /// The committed `y` on `H_M`.
    pub y: &'a DensePolynomial<Fr>,
}

/// Prover: `g₁·(RS1)/Z_K + g₂·(RS2)/Z_K` for the hiding `Ŵ`, `B̂` (`g₁`, `g₂` the identities'
/// powers of γ).
///
/// **Two cosets' worth of work, not four.** Split `x = x_u + Z_N·b` (`x_u` of degree `< N`, `b` the
/// blinding: `x(X^M) = x_u(X^M) + Z_K(X)·b(X^M)` since `Z_N(X^M) = Z_K(X)`). Then
/// `W·x(X^M)/Z_K = W·x_u(X^M)/Z_K + W·b(X^M)`, and with `x_u` every numerator has degree `< 2K`
/// (`W·x_u(X^M)`: `2K − M − 1`; the others `≤ 2K − M + 3`, `M ≥ 8`), so the division by `Z_K` is
/// exact on the coset `u_t = g·ω_{2K}^t` of size `2K`. The blinding part `W·b(X^M)` (≤ 4 shifted
/// copies of `W`) and the hiding terms are added as polynomials.
///
/// Structure keeps the work at four FFTs of size `2K` and one inverse: `R(ω_K^{-1}·u_t) = R(u_{t−2})`
/// and `y(c·u_t) = y(u_{t+2(1−N)})` are rotations of `R`'s and `y`'s evaluations; `x_u(u_t^M)` is
/// `x_u` on the coset `g^M·H_{2N}`, tiled; `Z_K(u_t)` takes 2 values and the two other denominators
/// have period `2N`, so only `4N + 2` inversions are needed.
pub fn quotient(p: &RowSumPolys<'_>, (g1, g2): (Fr, Fr)) -> Option<DensePolynomial<Fr>> {
    let (kd, nd, md) = (p.doms.k_dom, p.doms.n_dom, p.doms.m_dom);
    let (kk, nn, mm) = (kd.size(), nd.size(), md.size());
    let big = Radix2EvaluationDomain::<Fr>::new(2 * kk)?;
    let shift_g = Fr::GENERATOR;
    let coset = big.get_coset(shift_g)?;
    let small = Radix2EvaluationDomain::<Fr>::new(kk)?;
    let on_coset = |coeffs: &[Fr]| {
        let mut c = coeffs.to_vec();
        c.resize(2 * kk, Fr::zero());
        coset.fft_in_place(&mut c);
        c
    };
    // x = x_u + Z_N·b: b_i is the coefficient of X^{N+i}, and x_u folds it back onto X^i.
    if p.x.coeffs.len() > 2 * nn {
        return None;
    }
    let blind: Vec<Fr> = p.x.coeffs.iter().skip(nn).copied().collect();
    let mut x_u: Vec<Fr> = p.x.coeffs.iter().take(nn).copied().collect();
    x_u.resize(nn, Fr::zero());
    for (i, b) in blind.iter().enumerate() {
        x_u[i] += b;
    }
    let w_coeffs = small.ifft(p.w_values);
    let w = on_coset(&w_coeffs);
    let b = p.bias.map(|(v, _)| on_coset(&small.ifft(v)));
    if p.r.coeffs.len() > 2 * kk || p.y.coeffs.len() > 2 * kk {
        return None;
    }
    let r = on_coset(&p.r.coeffs);
    let y = on_coset(&p.y.coeffs);
    // x_u(u_t^M): u_t^M = g^M·ω_{2N}^t, so x_u on the coset g^M·H_{2N}, indexed t mod 2N.
    let x_small = {
        let d2n = Radix2EvaluationDomain::<Fr>::new(2 * nn)?.get_coset(shift_g.pow([mm as u64]))?;
        let mut c = x_u;
        c.resize(2 * nn, Fr::zero());
        d2n.fft_in_place(&mut c);
        c
    };
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
    let two_k = 2 * kk;
    let end_shift = (two_k + 2 - (2 * nn) % two_k) % two_k; // 2·(1 − N) mod 2K
    let mut q = vec![Fr::zero(); two_k];
    for (t, out) in q.iter_mut().enumerate() {
        let (t2, tn) = (t % 2, t % (2 * nn));
        let i_start = zk[t2] * den_start[tn];
        let r_prev = r[(t + two_k - 2) % two_k];
        let y_end = y[(t + end_shift) % two_k];
        let b_t = b.as_ref().map_or(Fr::zero(), |b| b[t]);
        let e1 = r[t] - w[t] * x_small[tn] - i_start * b_t - (Fr::one() - i_start) * r_prev;
        // I(ω_K·u)/Z_K(u) = 1/(N·(ω_N·u^M − 1)).
        *out = g1 * e1 * zk_inv[t2] + g2 * (r[t] - y_end) * den_end[tn];
    }
    coset.ifft_in_place(&mut q);
    let mut q = DensePolynomial::from_coefficients_vec(q);
    // The blinding part of W·x(X^M)/Z_K: W·b(X^M) = Σ_i b_i·X^{iM}·W(X), in (RS1) with sign −g₁.
    let mut wb = vec![Fr::zero(); kk + mm * blind.len().max(1)];
    for (i, bi) in blind.iter().enumerate() {
        for (j, wj) in w_coeffs.iter().enumerate() {
            wb[i * mm + j] += *bi * wj;
        }
    }
    q = &q - &(&DensePolynomial::from_coefficients_vec(wb) * g1);
    // Hiding: Ŵ = W + ρ_W·Z_K and B̂ = B + ρ_B·Z_K add −ρ_W·x(X^M) − ρ_B·I(X) to (RS1)/Z_K.
    let mut hiding = &compose_power(p.x, mm) * p.rho_w;
    if let Some((_, rho_b)) = p.bias {
        hiding = &hiding + &(&row_start_indicator(nd, md) * rho_b);
    }
    Some(&q - &(&hiding * g1))
}

/// Check `y = W·x + b` exactly over the integers, row by row (the statement RowSum proves over
/// `Fr`; the integers rule out a product that only holds modulo the field order).
pub fn check(weights: &[Vec<i64>], bias: &[i64], x: &[i64], y: &[i64]) -> Result<(), super::Violation> {
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
        /// A wrong `y_1`.
        WrongOutput,
        /// With a bias column: `x` holds `pad + 1` instead of `pad` at the column.
        WrongPadding,
        /// `y` is not zero on a padding row (`i ≥ m`).
        PaddingRow,
    }

    /// Honest `y` gives polynomial quotients that satisfy the verifier's identities at a random
    /// point; a wrong `y_i` leaves a remainder (the quotient is then not a polynomial identity).
    /// `column`: the bias sits in a padding column whose value is `pad` (`x` has 10 values on `H_16`).
    fn holds(case: Case, column: Option<i64>) -> bool {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let (m, n) = (3usize, 10usize);
        let l = idx(n, m);
        let w: Vec<Vec<i64>> = (0..m)
            .map(|i| (0..n).map(|j| (i * 7 + j * 3) as i64 - 9).collect())
            .collect();
        let b: Vec<i64> = vec![5, -2, 11];
        let x: Vec<i64> = (0..n).map(|j| j as i64 - 4).collect();
        let mut y: Vec<i64> = w
            .iter()
            .zip(&b)
            .map(|(r, bi)| r.iter().zip(&x).map(|(a, c)| a * c).sum::<i64>() + bi)
            .collect();
        if case == Case::WrongOutput {
            y[1] += 1;
        }
        if case == Case::PaddingRow {
            y.resize(l.m_dom.size(), 0);
            y[m] = 5;
        }
        let bias = column.map(|pad| BiasColumn { position: n, pad });
        let mut x_full = x.clone();
        x_full.resize(l.n_dom.size(), column.unwrap_or(0));
        if case == Case::WrongPadding {
            x_full[n] += 1;
        }
        let fr = |v: &[i64]| v.iter().map(|a| fr_from_i64(*a)).collect::<Vec<_>>();
        let xp = l.n_dom.interpolate_blinded(&fr(&x_full), &mut rng);
        let yp = l.m_dom.interpolate_blinded(&fr(&y), &mut rng);
        // The honest prover's R and matrix (it believes x is padded with `pad`).
        let (wm, bm, x_r) = match bias {
            Some(c) => {
                let mut xt = x_full.clone();
                xt[c.position] = 1;
                (BiasColumn::augment(&w, &b), vec![0; m], xt)
            }
            None => (w.clone(), b.clone(), x.clone()),
        };
        let rv = prefix_sums(&wm, &bm, &x_r, l.n_dom, l.k_dom);
        let rp = l.k_dom.blinded_with(&rv, R_MAX_BLINDING, &mut rng).poly; // the most R carries (4 in most proofs)
        let (wv, bv) = (matrix_values(&wm, l.n_dom, l.k_dom), bias_values(&b, l.n_dom, l.k_dom));
        let blinds = (random_fr(&mut rng), random_fr(&mut rng));
        let (g1, g2) = (random_fr(&mut rng), random_fr(&mut rng));
        let x_lifted = bias.map_or(xp.clone(), |c| c.lifted_input(&xp, l.n_dom));
        let q = quotient(
            &RowSumPolys {
                doms: &l,
                w_values: &wv,
                bias: bias.is_none().then_some((&bv[..], blinds.1)),
                rho_w: blinds.0,
                r: &rp,
                x: &x_lifted,
                y: &yp,
            },
            (g1, g2),
        )
        .unwrap();
        // Check against the verifier's formula with the hiding polynomials evaluated in the clear.
        let zeta = random_fr(&mut rng);
        let what = &l.k_dom.interpolate(&wv) + &crate::keys::WeightBlinds::vanishing_multiple(blinds.0, l.k_dom);
        let bhat = &l.k_dom.interpolate(&bv) + &crate::keys::WeightBlinds::vanishing_multiple(blinds.1, l.k_dom);
        let e = RowSumEvals {
            r: rp.evaluate(&zeta),
            r_prev: rp.evaluate(&(zeta * l.k_dom.omega().inverse().unwrap())),
            x: xp.evaluate(&zeta.pow([l.m_dom.size() as u64])),
            y_end: yp.evaluate(&(zeta * l.k_dom.omega().pow([(l.k_dom.size() + 1 - l.n_dom.size()) as u64]))),
        };
        let [a, c] = identities(0, &l, e, zeta, bias).unwrap();
        let resolve = |lin: &Lin| {
            lin.terms.iter().fold(lin.c, |acc, (s, base)| {
                acc + *s
                    * match base {
                        Base::Weights(_) => what.evaluate(&zeta),
                        _ => bhat.evaluate(&zeta),
                    }
            })
        };
        g1 * resolve(&a) + g2 * resolve(&c) == q.evaluate(&zeta)
    }

    #[test]
    fn honest_rowsum_holds_and_a_wrong_output_does_not() {
        assert!(holds(Case::Honest, None));
        assert!(!holds(Case::WrongOutput, None));
    }

    /// (RS2) holds on every row of `H_M`: a padding row of `y` (zero weights and bias there) must
    /// be zero, which the rescale lookup and the bias column's forced padding rely on.
    #[test]
    fn a_padding_row_of_y_is_forced_to_zero() {
        assert!(!holds(Case::PaddingRow, None));
        assert!(!holds(Case::PaddingRow, Some(0)));
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
            assert!(holds(Case::Honest, Some(pad)), "pad {pad}");
            assert!(!holds(Case::WrongOutput, Some(pad)), "pad {pad}");
            assert!(!holds(Case::WrongPadding, Some(pad)), "pad {pad}");
        }
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
