//! Accumulation (DESIGN §7): all deferred opening claims of all block instances are folded into one
//! accumulated claim per divisor (evaluation point, or point and group size) with powers of a single challenge `ν` (drawn after every
//! commitment and evaluation is absorbed). With one global challenge the fold is an associative
//! reduction, so the prover runs it as a parallel binary tree (rayon); the decider then opens all
//! points at once ([`crate::shplonk`]), whose verifier folds the same claims into one
//! multi-scalar multiplication.

use crate::field::powers;
use crate::protocol::{Base, Claim};
use ark_bn254::Fr;
use ark_ff::Zero;
use ark_poly::univariate::DensePolynomial;
use rayon::prelude::*;

/// Prover: per divisor `d`, `(Σ νⁱ fᵢ, Σ νⁱ rᵢ)` over its claims (`rᵢ` the claimed remainder, `T_d`
/// coefficients), folded as a parallel tree over the claims.
pub fn fold_polynomials(
    claims: &[Claim],
    nu: Fr,
    powers_of: &[usize],
    poly_of: impl Fn(&[(Fr, Base)]) -> DensePolynomial<Fr> + Sync,
) -> Vec<(DensePolynomial<Fr>, Vec<Fr>)> {
    // Powers of ν start at ν itself: no claim has a coefficient fixed to 1 (DESIGN §9.1).
    let pw: Vec<Fr> = powers(nu, claims.len() + 1).into_iter().skip(1).collect();
    powers_of
        .iter()
        .enumerate()
        .map(|(k, t)| {
            claims
                .par_iter()
                .zip(&pw)
                .filter(|(c, _)| c.divisor == k)
                .map(|(c, p)| {
                    let poly = poly_of(&c.terms);
                    (&poly * *p, c.values.iter().map(|v| *v * p).collect::<Vec<Fr>>())
                })
                .reduce(
                    || (DensePolynomial::zero(), vec![Fr::zero(); *t]),
                    |a, b| (&a.0 + &b.0, a.1.iter().zip(&b.1).map(|(x, y)| *x + y).collect()),
                )
        })
        .collect()
}
