//! Linear block: `y = W·x` for a weight matrix `W` (m×n) fixed in the vk (`docs/protocols/linear.md`).
//!
//! The vk holds one commitment per row, `[W_i]₁` with `W_i(X) = Σ_j W_ij·L_j(X)` over the input
//! domain `H_N`. After `[x]`, `[y]` are absorbed the verifier draws `α` and sets `r_i = L_i(α)` (output
//! domain `H_M`). Then `rᵀ·y = rᵀ·W·x = Σ_j f_j·x_j` with `f = Σ_i r_i·W_i`, whose commitment the
//! verifier derives itself from the vk rows — the prover never sends it and `f` is never opened.
//! The prover sends `S` and two running sums proving
//!
//! ```text
//! Σ_{H_N} f·x = S        sx(ωX) − sx(X) − f(X)·x(X) + S/N = 0   on H_N
//! Σ_{H_M} K(α,·)·y = S   sy(ωX) − sy(X) − K(α,X)·y(X) + S/M = 0 on H_M
//! ```
//!
//! with `K(α, X) = Σ_i L_i(α)·L_i(X)` (closed form in [`crate::protocol::lagrange_kernel`]). Both use
//! the values of `x`, `y` on their domains only, so blinded `x`, `y` are fine. Soundness: `α` is drawn
//! after `[x]`, `[y]`; if `W·x ≠ y` then `rᵀ(W·x − y)` is a non-zero polynomial of degree `< M` in `α`.
//! Cost: 2 G1 + 1 scalar + 4 evaluations per layer; the verifier spends one MSM term per row.

use super::{inv_size, running_sum};
use crate::keys::VerifyingKey;
use crate::poly::{shift, Domain};
use crate::protocol::{lagrange_kernel, AlgebraError, Base, Challenges, Lin};
use ark_bn254::Fr;
use ark_poly::univariate::DensePolynomial;
use rand::RngCore;

/// Evaluations the linear block's verifier reads.
#[derive(Clone, Copy, Debug)]
pub struct LinearEvals {
    /// `x(ζ)`.
    pub x: Fr,
    /// `y(ζ)`.
    pub y: Fr,
    /// `sx(ζ)`.
    pub sx: Fr,
    /// `sx(ζ·ω_N)`.
    pub sx_next: Fr,
    /// `sy(ζ)`.
    pub sy: Fr,
    /// `sy(ζ·ω_M)`.
    pub sy_next: Fr,
    /// The claimed `S`.
    pub sum: Fr,
}

/// Verifier: the two identities at `ζ`; the input side keeps `f` as a combination of vk rows.
pub fn identities(vk: &VerifyingKey, layer: usize, e: &LinearEvals, ch: &Challenges) -> Result<[Lin; 2], AlgebraError> {
    let l = &vk.layers[layer];
    let (n, m) = (
        Fr::from(l.in_domain.size() as u64),
        Fr::from(l.out_domain.size() as u64),
    );
    let r = l
        .out_domain
        .lagrange_at(ch.alpha, l.out_len)
        .ok_or(AlgebraError::DegenerateChallenge)?;
    let n_inv = ark_ff::Field::inverse(&n).ok_or(AlgebraError::DegenerateChallenge)?;
    let m_inv = ark_ff::Field::inverse(&m).ok_or(AlgebraError::DegenerateChallenge)?;
    let ex = Lin {
        c: e.sx_next - e.sx + e.sum * n_inv,
        terms: r
            .iter()
            .enumerate()
            .map(|(i, ri)| (-e.x * ri, Base::Row { layer, row: i }))
            .collect(),
    };
    let k = lagrange_kernel(l.out_domain, ch.alpha, ch.zeta).ok_or(AlgebraError::DegenerateChallenge)?;
    let ey = Lin::scalar(e.sy_next - e.sy - k * e.y + e.sum * m_inv);
    Ok([ex, ey])
}

/// Prover state of one linear block after round 2.
pub struct LinearProver {
    /// `f = Σ_i L_i(α)·W_i` (never committed by the prover, never opened).
    pub f: DensePolynomial<Fr>,
    /// `K(α, X)`.
    pub kernel: DensePolynomial<Fr>,
    /// Input-side running sum (blinded).
    pub sx: DensePolynomial<Fr>,
    /// Output-side running sum (blinded).
    pub sy: DensePolynomial<Fr>,
    /// `S = rᵀ·y`.
    pub sum: Fr,
}

/// Prover round 2: `weights[i][j]` as field elements, `x` on `H_N`, `y` on `H_M` (padded).
pub fn prove_round2(
    weights: &[Vec<Fr>],
    dom_in: Domain,
    dom_out: Domain,
    x: &[Fr],
    y: &[Fr],
    alpha: Fr,
    rng: &mut impl RngCore,
) -> Result<LinearProver, AlgebraError> {
    let r = dom_out
        .lagrange_at(alpha, dom_out.size())
        .ok_or(AlgebraError::DegenerateChallenge)?;
    let mut f = vec![Fr::default(); dom_in.size()];
    for (ri, row) in r.iter().zip(weights) {
        for (fj, w) in f.iter_mut().zip(row) {
            *fj += *ri * w;
        }
    }
    let fx: Vec<Fr> = f.iter().zip(x).map(|(a, b)| *a * b).collect();
    let sum: Fr = fx.iter().sum();
    let sx_vals = running_sum(&fx, sum);
    let ry: Vec<Fr> = r.iter().zip(y).map(|(a, b)| *a * b).collect();
    let sy_vals = running_sum(&ry, sum);
    Ok(LinearProver {
        f: dom_in.interpolate(&f),
        kernel: dom_out.interpolate(&r),
        sx: dom_in.interpolate_blinded(&sx_vals, rng),
        sy: dom_out.interpolate_blinded(&sy_vals, rng),
        sum,
    })
}

/// Prover: the numerators `E_x` (on `H_N`) and `E_y` (on `H_M`).
pub fn numerators(
    p: &LinearProver,
    dom_in: Domain,
    dom_out: Domain,
    x: &DensePolynomial<Fr>,
    y: &DensePolynomial<Fr>,
) -> [DensePolynomial<Fr>; 2] {
    let (n_inv, m_inv) = (inv_size(dom_in.size()), inv_size(dom_out.size()));
    let ex = &(&shift(&p.sx, dom_in.omega()) - &p.sx) - &(&p.f * x);
    let ex = &ex + &constant(p.sum * n_inv);
    let ey = &(&shift(&p.sy, dom_out.omega()) - &p.sy) - &(&p.kernel * y);
    let ey = &ey + &constant(p.sum * m_inv);
    [ex, ey]
}

/// A constant polynomial.
pub fn constant(c: Fr) -> DensePolynomial<Fr> {
    DensePolynomial { coeffs: vec![c] }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::random_fr;
    use rand::SeedableRng;

    fn setup(tamper: bool) -> bool {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let (di, do_) = (Domain::new(3), Domain::new(2));
        let w: Vec<Vec<Fr>> = (0..3).map(|_| (0..5).map(|_| random_fr(&mut rng)).collect()).collect();
        let mut x: Vec<Fr> = (0..5).map(|_| random_fr(&mut rng)).collect();
        x.resize(8, Fr::default());
        let mut y: Vec<Fr> = w
            .iter()
            .map(|row| row.iter().zip(&x).map(|(a, b)| *a * b).sum())
            .collect();
        y.resize(4, Fr::default());
        if tamper {
            y[1] += Fr::from(1u64);
        }
        let alpha = random_fr(&mut rng);
        let xp = di.interpolate_blinded(&x, &mut rng);
        let yp = do_.interpolate_blinded(&y, &mut rng);
        let p = prove_round2(&w, di, do_, &x, &y, alpha, &mut rng).unwrap();
        let [ex, ey] = numerators(&p, di, do_, &xp, &yp);
        // An honest witness makes both numerators vanish on their domains; a wrong y breaks E_y or E_x.
        di.divide_by_vanishing(&ex).is_some() && do_.divide_by_vanishing(&ey).is_some()
    }

    #[test]
    fn honest_linear_vanishes_and_tampered_does_not() {
        assert!(setup(false));
        assert!(!setup(true));
    }
}
