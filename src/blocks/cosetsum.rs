//! CosetSum block: `y_j = c·Σ_{k<w} x_{j + k·m}`, the sums over the cosets of a window of `w`
//! values, for pooling (`docs/protocols/cosetsum.md`).
//!
//! **Layout.** `x` fills its whole domain `H_N`, `N = w·m` (the lowering orders the layer before
//! so that window `j`'s values sit at `j, j + m, …, j + (w−1)·m`, and pads each block of `m` with
//! zero rows), and `y` lives on `H_m`. Since `ω_N^m = ω_w`, value `x_{j+k·m}` sits at
//! `ω_N^j·ω_w^k`, and `(ω_N^j)^w = ω_m^j` is where `y_j` sits. So one identity on `H_N` says it all:
//!
//! ```text
//! (CS)  c·Σ_{k<w} x(ω_w^k·X) − y(X^w) = 0   on H_N
//! ```
//!
//! At `X = ω_N^i` it reads `c·Σ_k x_{(i mod m) + k·m} = y_{i mod m}`. It is even an identity of
//! polynomials for honest values: `Σ_k x(ω_w^k·X) = w·A_0(X^w)` where `A_0` collects the
//! coefficients of `x` of degree `≡ 0 (mod w)`, so only the blinding is left, and it keeps the
//! identity divisible: `Z_N(ω_w^k·X) = Z_N(X)` and `Z_m(X^w) = Z_N(X)`.
//!
//! **Scale.** `c = 2^s/w` (the layer's rules make `w` a power of two in `2..=4`, `w ≤ 2^s`), so
//! the Activation that follows, which rescales `y` by `2^s`, outputs the rounded **mean** of each
//! window: an `AveragePool` with kernel = stride.
//!
//! **Lifted**, like the Product block: checked at `ζ' = ζ^{n/N}` and divided by
//! `Z_n(ζ) = Z_N(ζ')`, so it costs no inversion of its own. `x(ζ')` and `y(ζ'^w) = y(ζ^{n/m})` are
//! the very evaluations the two Activation instances around it read, so the block adds `w − 1`
//! evaluations, `x(ω_w^k·ζ')`, and no commitment or vk point.

use super::rowsum::compose_power;
use super::{At, Block, ClaimCx, Identities, Poly, Tensor};
use crate::poly::Domain;
use crate::protocol::{AlgebraError, LayoutBuilder, Lin, PointSpec};
use crate::prover::{internal, ProveError, ProverState};
use crate::solidity::{SolBlock, SolCx};
use ark_bn254::Fr;
use ark_ff::Zero;
use ark_poly::DenseUVPolynomial;
use rand::RngCore;

/// The largest window a CosetSum instance takes: `x` is revealed at `w + 1` points (`τ`, its
/// `w` evaluations) plus one for the rotations, so it carries `w + 2` blinding coefficients; the
/// lifted lookup identities' and the folded running sum's degree bounds assume at most
/// [`super::fold::BLIND_MAX`] = 6.
pub const MAX_WINDOW: usize = 4;

/// One CosetSum instance: layer `layer`'s `y_j = c·Σ_k x_{j+k·m}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CosetSum {
    /// The coset-sum layer (comments only).
    pub layer: usize,
    /// Input tensor (committed, on `H_N`, `N = w·m`).
    pub x: usize,
    /// Output tensor (committed, on `H_m`).
    pub y: usize,
    /// `H_N`.
    pub dom: Domain,
    /// `w`.
    pub window: usize,
    /// `c = 2^s/w`.
    pub scale: u64,
    /// `x(ω_w^k·ζ')` for `k < w`, then `y(ζ'^w)`, with `ζ' = ζ^{n/N}`.
    pub at: Vec<At>,
}

impl CosetSum {
    /// Layer `layer`'s coset sum from tensor `x` to tensor `y` (`x`'s domain `window` times `y`'s),
    /// at scale `2^scale_bits`.
    pub fn new(layer: usize, x: usize, y: usize, tensors: &[Tensor], scale_bits: u32) -> Self {
        let window = tensors[x].dom.size() / tensors[y].dom.size();
        Self {
            layer,
            x,
            y,
            dom: tensors[x].dom,
            window,
            scale: crate::model::coset_scale(scale_bits, window).unsigned_abs(),
            at: vec![],
        }
    }
    /// `m = N/w`.
    fn m(&self) -> usize {
        self.dom.size() / self.window
    }
}

/// The reads of a coset layer (CosetSum, [`super::cosetmax`]) with input `x` on `dom = H_N` and
/// output `y`, window `w`: `x(ω_w^k·ζ')` for `k < w` (`ω_w^k = ω_N^{k·m}`), then `y(ζ'^w)`, with
/// `ζ' = ζ^{n/N}`.
pub(super) fn coset_reads(b: &mut LayoutBuilder, (x, y): (usize, usize), dom: Domain, window: usize) -> Vec<At> {
    let lift = (b.domain.size() / dom.size()) as u64;
    let m = dom.size() / window;
    let mut at: Vec<At> = (0..window)
        .map(|k| {
            let p = b.point(PointSpec::new(lift, dom.log_size, (k * m) as u64));
            b.read(x, p)
        })
        .collect();
    let p_w = b.point(PointSpec::new(window as u64 * lift, 0, 0));
    at.push(b.read(y, p_w));
    at
}

/// Verifier: `(c·Σ_k x(ω_w^k·ζ') − y(ζ'^w)) / Z_n(ζ)`.
pub fn identity(xs: &[Fr], y: Fr, scale: Fr, zn_inv: Fr) -> Fr {
    (scale * xs.iter().sum::<Fr>() - y) * zn_inv
}

/// Prover: `(c·Σ_k x(ω_w^k·X) − y(X^w)) / Z_N(X)`, `None` if it does not divide (a wrong witness).
pub fn quotient(dom: Domain, window: usize, scale: Fr, x: &Poly, y: &Poly) -> Option<Poly> {
    // Σ_k x(ω_w^k·X) keeps the coefficients of degree ≡ 0 (mod w), times w.
    let w = Fr::from(window as u64);
    let sum = Poly::from_coefficients_vec(
        x.coeffs
            .iter()
            .enumerate()
            .map(|(i, c)| if i % window == 0 { *c * w * scale } else { Fr::zero() })
            .collect(),
    );
    let e = &sum - &compose_power(y, window);
    dom.divide_by_vanishing(&e)
}

/// The statement on integers: `y_j = c·Σ_{k<w} x_{j+k·m}` for every `j < y.len()`, with
/// `m = x.len()/w` (the padding positions `j ≥ y.len()` of each block are the layer rules').
pub fn check(x: &[i64], y: &[i64], window: usize, scale: i64) -> Result<(), super::Violation> {
    let m = x.len() / window.max(1);
    for (j, v) in y.iter().enumerate() {
        let sum = (0..window).try_fold(0i64, |acc, k| acc.checked_add(x.get(j + k * m).copied().unwrap_or(0)));
        if sum.and_then(|s| s.checked_mul(scale)) != Some(*v) {
            return Err(super::Violation {
                position: j,
                reason: format!("{scale}·Σ x[{j} + k·{m}] (k < {window}) ≠ {v}"),
            });
        }
    }
    Ok(())
}

impl Block for CosetSum {
    fn describe(&self) -> String {
        format!(
            "CosetSum, layer {}: y_j = {}·Σ_(k<{}) x_(j+k·{}) on H_{}",
            self.layer,
            self.scale,
            self.window,
            self.m(),
            self.dom.size()
        )
    }
    fn domains(&self) -> Vec<Domain> {
        vec![self.dom]
    }
    fn max_degree(&self) -> usize {
        // The quotient is c·w·Σ_{i ≡ 0 (w)} b_i X^i − b_y(X^w) for the blinding b of x (at most
        // w + 2 ≤ 6 coefficients) and b_y of y (at most 8): degree below 8·w = 8N/m, lifted by
        // n/N: below 8n/m ≤ n, far below the lookup domain's 3n.
        0
    }
    fn alloc_openings(&mut self, b: &mut LayoutBuilder) {
        self.at = coset_reads(b, (self.x, self.y), self.dom, self.window);
    }
    fn identity_count(&self) -> usize {
        1
    }
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError> {
        let vals: Vec<Fr> = self.at.iter().map(|a| cx.val(*a)).collect();
        let (xs, y) = vals.split_at(self.window);
        out.list
            .push(Lin::scalar(identity(xs, y[0], Fr::from(self.scale), cx.zn_inv)));
        Ok(())
    }
    fn prove_round2(&self, st: &mut ProverState<'_>, _rng: &mut dyn RngCore) -> Result<Vec<Poly>, ProveError> {
        let q = quotient(
            self.dom,
            self.window,
            Fr::from(self.scale),
            &st.tensor_polys[self.x],
            &st.tensor_polys[self.y],
        )
        .ok_or_else(|| internal("a coset-sum identity does not vanish"))?;
        Ok(vec![compose_power(&q, st.layout.domain.size() / self.dom.size())])
    }
    fn solidity(&self, sx: &mut SolCx<'_>) -> SolBlock {
        // [x(ω_w^k·ζ') for k < w, zeros up to MAX_WINDOW, y(ζ'^w)]: one array, so that the call
        // uses no stack for the sum.
        // The vk rules keep w ≤ MAX_WINDOW (layer_shape_problem), so no value is dropped here.
        debug_assert!(self.window <= MAX_WINDOW);
        let mut args: Vec<String> = self.at[..self.window].iter().map(|a| sx.val(*a)).collect();
        args.resize(MAX_WINDOW, "0".into());
        args.push(sx.val(self.at[self.window]));
        SolBlock {
            comment: self.describe(),
            call: format!("_cosetSum(st, {}, {});", SolCx::args(&args), self.scale),
            denominators: vec![],
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::field::fr_from_i64;
    use ark_ff::{Field, UniformRand};

    /// `1/w`.
    fn inv(w: usize) -> Fr {
        Fr::from(w as u64).inverse().unwrap_or_else(Fr::zero)
    }
    use ark_poly::Polynomial;
    use rand::SeedableRng;

    /// A coset layer's `x` on `H_N` and `y` on `H_m` as blinded polynomials (6 and 2 blinding
    /// coefficients, as the layout gives a window of 4), padding zero (also for CosetMax's tests).
    pub(crate) fn polys(
        x: &[i64],
        y: &[i64],
        (n, m): (Domain, Domain),
        rng: &mut rand_chacha::ChaCha20Rng,
    ) -> (Poly, Poly) {
        let vals = |v: &[i64], d: Domain| {
            let mut out: Vec<Fr> = v.iter().map(|a| fr_from_i64(*a)).collect();
            out.resize(d.size(), Fr::zero());
            out
        };
        (
            n.blinded_with(&vals(x, n), 6, rng).poly,
            m.blinded_with(&vals(y, m), 2, rng).poly,
        )
    }

    #[test]
    fn the_honest_quotient_matches_the_verifier_and_a_wrong_sum_does_not_divide() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        for window in [2usize, 4] {
            let (m, n) = (Domain::new(3), Domain::new(3 + window.trailing_zeros()));
            let scale = 64 / window as i64;
            // Blocks of 8 holding 6 values, then the zero rows the lowering adds.
            let x: Vec<i64> = (0..n.size())
                .map(|i| if i % 8 < 6 { ((i * 7 % 13) as i64) - 4 } else { 0 })
                .collect();
            let y: Vec<i64> = (0..6)
                .map(|j| scale * (0..window).map(|k| x[j + 8 * k]).sum::<i64>())
                .collect();
            assert!(check(&x, &y, window, scale).is_ok());
            let (xp, yp) = polys(&x, &y, (n, m), &mut rng);
            let c = Fr::from(scale as u64);
            let q = quotient(n, window, c, &xp, &yp).expect("divides");
            let z = Fr::rand(&mut rng);
            let ww = Domain::new(window.trailing_zeros()).omega();
            let xs: Vec<Fr> = (0..window).map(|k| xp.evaluate(&(z * ww.pow([k as u64])))).collect();
            let y_w = yp.evaluate(&z.pow([window as u64]));
            let lhs = c * xs.iter().sum::<Fr>() - y_w;
            assert_eq!(lhs, q.evaluate(&z) * n.vanishing_at(z));
            assert_eq!(identity(&xs, y_w, c, Fr::from(1u64)), lhs);
            // The mean: y / 2^s = Σ x / w.
            assert_eq!(
                fr_from_i64(y[0]) * Fr::from(64u64).inverse().unwrap(),
                (0..window).map(|k| fr_from_i64(x[8 * k])).sum::<Fr>() * inv(window)
            );

            let mut bad = y.clone();
            bad[5] += 1;
            assert_eq!(check(&x, &bad, window, scale).unwrap_err().position, 5);
            let (xp, yp) = polys(&x, &bad, (n, m), &mut rng);
            assert!(quotient(n, window, c, &xp, &yp).is_none());
            // A non-zero padding value of y is caught too (x's padding rows are zero).
            let mut padded = y.clone();
            padded.extend([0, 3]);
            let (xp, yp) = polys(&x, &padded, (n, m), &mut rng);
            assert!(quotient(n, window, c, &xp, &yp).is_none());
            // A sum over the wrong stride (neighbours instead of cosets) does not divide.
            let adjacent: Vec<i64> = (0..6)
                .map(|j| scale * (0..window).map(|k| x[(j * window + k) % n.size()]).sum::<i64>())
                .collect();
            if adjacent != y {
                let (xp, yp) = polys(&x, &adjacent, (n, m), &mut rng);
                assert!(quotient(n, window, c, &xp, &yp).is_none());
            }
        }
    }
}
