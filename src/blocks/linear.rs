//! Linear block: `y = W·x` for a weight matrix `W` (m×n) fixed in the vk (`docs/protocols/linear.md`).
//!
//! The vk holds one commitment per row, `[W_i]₁` with `W_i(X) = Σ_j W_ij·L_j(X)` over the input
//! domain `H_N`. After `[x]`, `[y]` are absorbed the verifier draws `α` and sets `r_i = L_i(α)` (output
//! domain `H_M`). Then `rᵀ·y = rᵀ·W·x = Σ_j f_j·x_j` with `f = Σ_i r_i·W_i`, whose commitment the
//! verifier derives itself from the vk rows — the prover never sends it and `f` is never opened.
//! The claim `rᵀ·y = Σ_j f_j·x_j` is stated as one zero-sum term for the running-sum argument
//! ([`crate::sumcheck`]), so the value `rᵀ·y` itself is never revealed (it is a linear equation in
//! the weights):
//!
//! ```text
//! Σ_H ( f(X)·x(X) − K(α,X)·y(X) ) = 0      f(ζ)·x(ζ) stays linear in the rows [W_i]
//! ```
//!
//! with `K(α, X) = Σ_i L_i(α)·L_i(X)` ([`crate::protocol::lagrange_kernel`]). Both use the values
//! of `x`, `y` on `H` only, so blinded `x`, `y` are fine (opening a blinded `y` at `α` would not be:
//! `y(α)` is not `Σ L_i(α)·y_i`). Soundness: `α` is drawn after `[x]`, `[y]`; if `W·x ≠ y` then
//! `rᵀ(W·x − y)` is a non-zero polynomial of degree `< n` in `α`.
//! Cost: nothing of its own in the proof; the verifier spends one MSM term per row.

use crate::keys::VerifyingKey;
use crate::poly::Domain;
use crate::protocol::{lagrange_kernel, AlgebraError, Base, Challenges, Lin};
use crate::sumcheck::ProverTerm;
use ark_bn254::Fr;
use ark_poly::univariate::DensePolynomial;

/// Verifier: the zero-sum term `f(ζ)·x(ζ) − K(α,ζ)·y(ζ)` of layer `layer`, `f` kept as rows.
pub fn sum_term(vk: &VerifyingKey, layer: usize, x: Fr, y: Fr, ch: &Challenges) -> Result<Lin, AlgebraError> {
    let l = &vk.layers[layer];
    let r = vk
        .domain
        .lagrange_at(ch.alpha, l.out_len)
        .ok_or(AlgebraError::DegenerateChallenge)?;
    let k = lagrange_kernel(vk.domain, ch.alpha, ch.zeta).ok_or(AlgebraError::DegenerateChallenge)?;
    Ok(Lin {
        c: -(k * y),
        terms: r
            .iter()
            .enumerate()
            .map(|(i, ri)| (x * ri, Base::Row { layer, row: i }))
            .collect(),
    })
}

/// Prover: the zero-sum term from the weights, `x` and `y` on `H` (values padded to the domain,
/// with their committed polynomials). `row_blinds` are the `ρ_i` of the hiding vk rows
/// `Ŵ_i = W_i + ρ_i·Z_H` ([`crate::keys::WeightBlinds`]): the term's polynomial uses
/// `f̂ = Σ r_i·Ŵ_i`, equal to `f` on `H`, so its values (and the running sum) are unchanged and the
/// extra `Z_H·(Σ r_i ρ_i)·x` lands in the quotient.
pub fn prove_term(
    (weights, row_blinds): (&[Vec<Fr>], &[Fr]),
    d: Domain,
    (x, x_poly): (&[Fr], &DensePolynomial<Fr>),
    (y, y_poly): (&[Fr], &DensePolynomial<Fr>),
    alpha: Fr,
) -> Result<ProverTerm, AlgebraError> {
    let r = d
        .lagrange_at(alpha, d.size())
        .ok_or(AlgebraError::DegenerateChallenge)?;
    let mut f = vec![Fr::default(); d.size()];
    for (ri, row) in r.iter().zip(weights) {
        for (fj, w) in f.iter_mut().zip(row) {
            *fj += *ri * w;
        }
    }
    let values = f
        .iter()
        .zip(x)
        .zip(r.iter().zip(y))
        .map(|((f, x), (r, y))| *f * x - *r * y)
        .collect();
    let rho: Fr = r.iter().zip(row_blinds).map(|(ri, b)| *ri * b).sum();
    let f_hat = &d.interpolate(&f) + &crate::keys::WeightBlinds::vanishing_multiple(rho, d);
    let poly = &(&f_hat * x_poly) - &(&d.interpolate(&r) * y_poly);
    Ok(ProverTerm { values, poly })
}

/// Check `y = W·x` exactly over the integers, row by row (the statement the zero-sum term proves
/// over `Fr`; the integers rule out a product that only holds modulo the field order).
pub fn check(weights: &[Vec<i64>], x: &[i64], y: &[i64]) -> Result<(), super::Violation> {
    if y.len() != weights.len() {
        return Err(super::Violation {
            position: 0,
            reason: format!("y has {} values but W has {} rows", y.len(), weights.len()),
        });
    }
    for (position, (row, y)) in weights.iter().zip(y).enumerate() {
        if row.len() != x.len() {
            return Err(super::Violation {
                position,
                reason: format!("W row has {} columns but x has {} values", row.len(), x.len()),
            });
        }
        let dot: i128 = row.iter().zip(x).map(|(w, v)| i128::from(*w) * i128::from(*v)).sum();
        if dot != i128::from(*y) {
            return Err(super::Violation {
                position,
                reason: format!("y = {y} but (W·x) = {dot}"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::random_fr;
    use crate::sumcheck::{numerator, running_values};
    use rand::SeedableRng;

    /// With y = W·x the zero-sum identity vanishes; a wrong y breaks it.
    fn vanishes(tamper: bool) -> bool {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let d = Domain::new(3);
        let w: Vec<Vec<Fr>> = (0..3).map(|_| (0..5).map(|_| random_fr(&mut rng)).collect()).collect();
        let mut x: Vec<Fr> = (0..5).map(|_| random_fr(&mut rng)).collect();
        x.resize(8, Fr::default());
        let mut y: Vec<Fr> = w
            .iter()
            .map(|row| row.iter().zip(&x).map(|(a, b)| *a * b).sum())
            .collect();
        y.resize(8, Fr::default());
        if tamper {
            y[1] += Fr::from(1u64);
        }
        let xp = d.interpolate_blinded(&x, &mut rng);
        let yp = d.interpolate_blinded(&y, &mut rng);
        // Hiding rows (W_i + ρ_i·Z_H) leave the identity vanishing on H.
        let blinds: Vec<Fr> = (0..3).map(|_| random_fr(&mut rng)).collect();
        let terms = [prove_term((&w, &blinds), d, (&x, &xp), (&y, &yp), random_fr(&mut rng)).unwrap()];
        let delta = random_fr(&mut rng);
        let s = d.interpolate_blinded(&running_values(d, &terms, delta), &mut rng);
        d.divide_by_vanishing(&numerator(d, &s, &terms, delta)).is_some()
    }

    #[test]
    fn check_is_the_exact_matrix_product() {
        let w = vec![vec![2, -1], vec![0, 3]];
        assert_eq!(check(&w, &[5, 7], &[3, 21]), Ok(()));
        let v = check(&w, &[5, 7], &[3, 20]).unwrap_err();
        assert_eq!(v.position, 1);
        assert!(v.reason.contains("21"), "{v}");
        assert!(check(&w, &[5], &[3, 21]).is_err());
        assert!(check(&w, &[5, 7], &[3]).is_err());
    }

    #[test]
    fn honest_linear_vanishes_and_tampered_does_not() {
        assert!(vanishes(false));
        assert!(!vanishes(true));
    }
}
