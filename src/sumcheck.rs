//! Zero-sum running-sum argument: every "Σ_H term = 0" claim of every block is proven by ONE
//! running-sum polynomial on the model's domain `H` (size `n`).
//!
//! Blocks declare terms `term_k(X)` whose sums over `H` must vanish; after all of them are fixed by
//! absorbed commitments the verifier draws `δ`, and the prover commits
//!
//! ```text
//! s(ω^(j+1)) = s(ω^j) + Σ_k δᵏ·term_k(ω^j),   s(1) = 0
//! identity:  s(ωX) − s(X) − Σ_k δᵏ·term_k(X) = 0   on H
//! ```
//!
//! Summing the identity over `H` telescopes `s` away, so it holds only if `Σ_k δᵏ·Σ_H term_k = 0`,
//! which for `δ` drawn after the terms means every claim holds (Schwartz–Zippel in `δ`).
//!
//! Two properties matter. No degree bound on any polynomial is needed (a degree check against the
//! top of the SRS would be unsound with truncated `.ptau` files). And every total is zero, so no
//! sum is ever sent: a claimed total such as `Σ_j f_j·x_j = rᵀ·W·x` would be a public linear equation
//! in the weights, and enough proofs would reveal them. Blocks therefore state their claims as
//! differences that vanish (the linear block: `Σ f·x − Σ K·y = 0`; LogUp: `Σ 1/(β+a) − Σ m/(β+T) =
//! 0`), which is why every tensor lives on one domain. `s` is blinded and opened at `ζ` and `ζω`.

use crate::field::powers;
use crate::poly::Domain;
use crate::protocol::Lin;
use ark_bn254::Fr;
use ark_ff::Zero;
use ark_poly::univariate::DensePolynomial;

/// Verifier: `s(ζω) − s(ζ) − Σ δᵏ·term_k(ζ)` (terms may be linear in fixed commitments).
pub fn identity(s: Fr, s_next: Fr, terms: &[Lin], delta: Fr) -> Lin {
    let mut out = Lin::scalar(s_next - s);
    for (t, dp) in terms.iter().zip(powers(delta, terms.len())) {
        out = out.sum(&t.clone().scale(-dp));
    }
    out
}

/// Prover: one zero-sum term with its values on `H` and its polynomial.
pub struct ProverTerm {
    /// `term(ω^j)` for `j < n`.
    pub values: Vec<Fr>,
    /// `term(X)` (any degree; only its values on `H` matter for the sum).
    pub poly: DensePolynomial<Fr>,
}

/// Prover: the running-sum values (before blinding).
pub fn running_values(d: Domain, terms: &[ProverTerm], delta: Fr) -> Vec<Fr> {
    let mut step = vec![Fr::zero(); d.size()];
    for (t, dp) in terms.iter().zip(powers(delta, terms.len())) {
        for (s, v) in step.iter_mut().zip(&t.values) {
            *s += dp * v;
        }
    }
    let mut acc = Fr::zero();
    step.iter()
        .map(|d| {
            let out = acc;
            acc += d;
            out
        })
        .collect()
}

/// Prover: the numerator `s(ωX) − s(X) − Σ δᵏ·term_k(X)`.
pub fn numerator(d: Domain, s: &DensePolynomial<Fr>, terms: &[ProverTerm], delta: Fr) -> DensePolynomial<Fr> {
    let mut out = &crate::poly::shift(s, d.omega()) - s;
    for (t, dp) in terms.iter().zip(powers(delta, terms.len())) {
        out = &out - &(&t.poly * dp);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::random_fr;
    use ark_ff::One;
    use rand::SeedableRng;

    /// The batched identity vanishes on H exactly when every term sums to zero.
    #[test]
    fn batched_sums_vanish_only_when_every_term_sums_to_zero() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let d = Domain::new(3);
        let zero_sum = |rng: &mut rand_chacha::ChaCha20Rng| {
            let mut v: Vec<Fr> = (0..8).map(|_| random_fr(rng)).collect();
            let s: Fr = v.iter().sum();
            v[7] -= s;
            v
        };
        let (a, b) = (zero_sum(&mut rng), zero_sum(&mut rng));
        let delta = random_fr(&mut rng);
        for (bump, ok) in [(Fr::zero(), true), (Fr::one(), false)] {
            let mut b = b.clone();
            b[2] += bump;
            let terms: Vec<ProverTerm> = [&a, &b]
                .iter()
                .map(|v| ProverTerm {
                    poly: d.interpolate(v),
                    values: v.to_vec(),
                })
                .collect();
            let s = d.interpolate_blinded(&running_values(d, &terms, delta), &mut rng);
            assert_eq!(d.divide_by_vanishing(&numerator(d, &s, &terms, delta)).is_some(), ok);
        }
    }
}
