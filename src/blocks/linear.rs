//! Linear block: `y = W·x` for a weight matrix `W` (m×n) fixed in the vk (`docs/protocols/linear.md`).
//!
//! The vk holds one commitment per row, `[W_i]₁` with `W_i(X) = Σ_j W_ij·L_j(X)` over the input
//! domain `H_N`. After `[x]`, `[y]` are absorbed the verifier draws `α` and sets `r_i = L_i(α)` (output
//! domain `H_M`). Then `rᵀ·y = rᵀ·W·x = Σ_j f_j·x_j` with `f = Σ_i r_i·W_i`, whose commitment the
//! verifier derives itself from the vk rows — the prover never sends it and `f` is never opened.
//! The prover sends the scalar `S` and two sum claims for the batched running-sum argument
//! ([`crate::sumcheck`]):
//!
//! ```text
//! Σ_{H_N} f(X)·x(X) = S          (input side; f(ζ)·x(ζ) stays linear in the rows [W_i])
//! Σ_{H_M} K(α,X)·y(X) = S        (output side; K(α,ζ) has a closed form)
//! ```
//!
//! with `K(α, X) = Σ_i L_i(α)·L_i(X)` ([`crate::protocol::lagrange_kernel`]). Both use the values of
//! `x`, `y` on their domains only, so blinded `x`, `y` are fine (opening a blinded `y` at `α` would
//! not be: `y(α)` is not `Σ L_i(α)·y_i`). Soundness: `α` is drawn after `[x]`, `[y]`; if `W·x ≠ y`
//! then `rᵀ(W·x − y)` is a non-zero polynomial of degree `< M` in `α`.
//! Cost: 1 scalar per layer and no commitment of its own; the verifier spends one MSM term per row.

use crate::keys::VerifyingKey;
use crate::poly::Domain;
use crate::protocol::{lagrange_kernel, AlgebraError, Base, Challenges, Lin};
use crate::sumcheck::{ProverTerm, SumTerm};
use ark_bn254::Fr;
use ark_poly::univariate::DensePolynomial;

/// Verifier: the two sum claims of layer `layer` given `x(ζ)`, `y(ζ)` and the claimed `S`.
pub fn sum_terms(
    vk: &VerifyingKey,
    layer: usize,
    x: Fr,
    y: Fr,
    sum: Fr,
    ch: &Challenges,
) -> Result<[SumTerm; 2], AlgebraError> {
    let l = &vk.layers[layer];
    let r = l
        .out_domain
        .lagrange_at(ch.alpha, l.out_len)
        .ok_or(AlgebraError::DegenerateChallenge)?;
    let input = Lin {
        c: Fr::default(),
        terms: r
            .iter()
            .enumerate()
            .map(|(i, ri)| (x * ri, Base::Row { layer, row: i }))
            .collect(),
    };
    let k = lagrange_kernel(l.out_domain, ch.alpha, ch.zeta).ok_or(AlgebraError::DegenerateChallenge)?;
    Ok([
        SumTerm {
            domain: l.in_domain,
            at_zeta: input,
            total: sum,
        },
        SumTerm {
            domain: l.out_domain,
            at_zeta: Lin::scalar(k * y),
            total: sum,
        },
    ])
}

/// Prover: the two sum claims and `S`, from the weights, `x` on `H_N` and `y` on `H_M` (values padded
/// to the domains, with their committed polynomials).
pub fn prove_terms(
    weights: &[Vec<Fr>],
    dom_in: Domain,
    dom_out: Domain,
    (x, x_poly): (&[Fr], &DensePolynomial<Fr>),
    (y, y_poly): (&[Fr], &DensePolynomial<Fr>),
    alpha: Fr,
) -> Result<([ProverTerm; 2], Fr), AlgebraError> {
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
    let ry: Vec<Fr> = r.iter().zip(y).map(|(a, b)| *a * b).collect();
    // Honest: rᵀ·W·x = rᵀ·y. The sum argument fails for a wrong y because the y side uses its own sum.
    let sum: Fr = fx.iter().sum();
    let terms = [
        ProverTerm {
            domain: dom_in,
            poly: &dom_in.interpolate(&f) * x_poly,
            values: fx,
            total: sum,
        },
        ProverTerm {
            domain: dom_out,
            poly: &dom_out.interpolate(&r) * y_poly,
            values: ry,
            total: sum,
        },
    ];
    Ok((terms, sum))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::random_fr;
    use crate::sumcheck::{numerator, powers, running_values};
    use rand::SeedableRng;

    /// With y = W·x both domains' batched sums vanish; a wrong y breaks the output side.
    fn vanishes(tamper: bool) -> bool {
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
        let xp = di.interpolate_blinded(&x, &mut rng);
        let yp = do_.interpolate_blinded(&y, &mut rng);
        let (terms, _) = prove_terms(&w, di, do_, (&x, &xp), (&y, &yp), random_fr(&mut rng)).unwrap();
        let dp = powers(random_fr(&mut rng), 2);
        [di, do_].iter().all(|d| {
            let s = d.interpolate_blinded(&running_values(*d, &terms, &dp), &mut rng);
            d.divide_by_vanishing(&numerator(*d, &s, &terms, &dp)).is_some()
        })
    }

    #[test]
    fn honest_linear_vanishes_and_tampered_does_not() {
        assert!(vanishes(false));
        assert!(!vanishes(true));
    }
}
