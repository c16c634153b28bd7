//! Accumulation (DESIGN §7): all deferred opening claims of all block instances are folded into one
//! accumulated claim per evaluation point with powers of a single challenge `ν` (drawn after every
//! commitment and evaluation is absorbed). With one global challenge the fold is an associative
//! reduction, so the prover runs it as a parallel binary tree (rayon); the verifier folds the same
//! claims into one multi-scalar multiplication per point.

use crate::field::powers;
use crate::kzg::lincomb;
use crate::protocol::{Base, Claim};
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ff::Zero;
use ark_poly::univariate::DensePolynomial;
use rayon::prelude::*;

/// Verifier: per point, `(Σ νⁱ Cᵢ, Σ νⁱ vᵢ)`.
pub fn fold_commitments(
    claims: &[Claim],
    nu: Fr,
    n_points: usize,
    resolve: impl Fn(Base) -> G1Affine + Sync,
) -> Vec<(G1Projective, Fr)> {
    let pw = powers(nu, claims.len());
    (0..n_points)
        .into_par_iter()
        .map(|k| {
            let mut terms = vec![];
            let mut value = Fr::zero();
            for (c, p) in claims.iter().zip(&pw).filter(|(c, _)| c.point == k) {
                value += *p * c.value;
                terms.extend(c.terms.iter().map(|(s, b)| (*s * p, resolve(*b))));
            }
            (lincomb(&terms), value)
        })
        .collect()
}

/// Prover: per point, `(Σ νⁱ pᵢ, Σ νⁱ vᵢ)`, folded as a parallel tree over the claims.
pub fn fold_polynomials(
    claims: &[Claim],
    nu: Fr,
    n_points: usize,
    poly_of: impl Fn(&[(Fr, Base)]) -> DensePolynomial<Fr> + Sync,
) -> Vec<(DensePolynomial<Fr>, Fr)> {
    let pw = powers(nu, claims.len());
    (0..n_points)
        .map(|k| {
            claims
                .par_iter()
                .zip(&pw)
                .filter(|(c, _)| c.point == k)
                .map(|(c, p)| {
                    let poly = poly_of(&c.terms);
                    (&poly * *p, c.value * p)
                })
                .reduce(
                    || (DensePolynomial::zero(), Fr::zero()),
                    |a, b| (&a.0 + &b.0, a.1 + b.1),
                )
        })
        .collect()
}
