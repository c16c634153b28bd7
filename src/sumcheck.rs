//! Batched running-sum argument: every "Σ_H term = total" claim of every block on a domain is proven
//! by ONE running-sum polynomial per domain.
//!
//! Blocks declare sum claims `(domain, term(X), total)`; after all terms' polynomials and totals are
//! absorbed the verifier draws `δ`, and the prover commits, per domain `H` of size `n`,
//!
//! ```text
//! s(ω^(j+1)) = s(ω^j) + Σ_k δᵏ·(term_k(ω^j) − total_k/n),   s(1) = 0
//! identity:  s(ωX) − s(X) − Σ_k δᵏ·term_k(X) + Σ_k δᵏ·total_k / n = 0   on H
//! ```
//!
//! Summing the identity over `H` telescopes `s` away, so it holds only if `Σ_k δᵏ(Σ_H term_k − total_k)
//! = 0`, which for a random `δ` drawn after the terms and totals means every claim holds (Schwartz–Zippel
//! in `δ`). No degree bound on any polynomial is needed, which matters: a degree check against the top
//! of the SRS would be unsound with truncated `.ptau` files. `s` is blinded and opened at `ζ` and `ζω`.

use crate::poly::Domain;
use crate::protocol::Lin;
use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};
use ark_poly::univariate::DensePolynomial;

/// One sum claim on the verifier side: the term's value at `ζ` (possibly linear in fixed commitments).
#[derive(Clone, Debug)]
pub struct SumTerm {
    /// The domain summed over.
    pub domain: Domain,
    /// `term(ζ)`.
    pub at_zeta: Lin,
    /// The claimed total.
    pub total: Fr,
}

/// Verifier: the running-sum identity of domain `d` at `ζ`, given `s(ζ)`, `s(ζω)` and all terms (the
/// ones on other domains are skipped). `delta_pows[k]` is `δᵏ` for term `k` of the global list.
pub fn identity(d: Domain, s: Fr, s_next: Fr, terms: &[SumTerm], delta_pows: &[Fr]) -> Lin {
    let n_inv = Fr::from(d.size() as u64).inverse().unwrap_or_default();
    let mut out = Lin::scalar(s_next - s);
    for (t, dp) in terms.iter().zip(delta_pows).filter(|(t, _)| t.domain == d) {
        out = out.sum(&t.at_zeta.clone().scale(-*dp)).plus(*dp * t.total * n_inv);
    }
    out
}

/// `δ⁰, δ¹, …`.
pub fn powers(delta: Fr, n: usize) -> Vec<Fr> {
    let mut p = Fr::one();
    (0..n)
        .map(|_| {
            let out = p;
            p *= delta;
            out
        })
        .collect()
}

/// Prover: one sum claim with the term's values on `H` and its polynomial.
pub struct ProverTerm {
    /// The domain.
    pub domain: Domain,
    /// `term(ω^j)` for `j < n`.
    pub values: Vec<Fr>,
    /// `term(X)` (any degree; only its values on `H` matter for the sum).
    pub poly: DensePolynomial<Fr>,
    /// The total.
    pub total: Fr,
}

/// Prover: the running-sum values of domain `d` (before blinding).
pub fn running_values(d: Domain, terms: &[ProverTerm], delta_pows: &[Fr]) -> Vec<Fr> {
    let n = d.size();
    let n_inv = Fr::from(n as u64).inverse().unwrap_or_default();
    let mut step = vec![Fr::zero(); n];
    for (t, dp) in terms.iter().zip(delta_pows).filter(|(t, _)| t.domain == d) {
        let shift = t.total * n_inv;
        for (s, v) in step.iter_mut().zip(&t.values) {
            *s += *dp * (*v - shift);
        }
        // A term shorter than the domain contributes −total/n on the remaining points too.
        for s in step.iter_mut().skip(t.values.len()) {
            *s -= *dp * shift;
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

/// Prover: the numerator `s(ωX) − s(X) − Σ δᵏ term_k(X) + Σ δᵏ total_k/n` of domain `d`.
pub fn numerator(d: Domain, s: &DensePolynomial<Fr>, terms: &[ProverTerm], delta_pows: &[Fr]) -> DensePolynomial<Fr> {
    let n_inv = Fr::from(d.size() as u64).inverse().unwrap_or_default();
    let mut out = &crate::poly::shift(s, d.omega()) - s;
    let mut c = Fr::zero();
    for (t, dp) in terms.iter().zip(delta_pows).filter(|(t, _)| t.domain == d) {
        out = &out - &(&t.poly * *dp);
        c += *dp * t.total * n_inv;
    }
    &out + &DensePolynomial { coeffs: vec![c] }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::random_fr;
    use rand::SeedableRng;

    fn term(d: Domain, vals: Vec<Fr>, total: Fr) -> ProverTerm {
        ProverTerm {
            domain: d,
            poly: d.interpolate(&vals),
            values: vals,
            total,
        }
    }

    /// The batched identity vanishes on H exactly when every claimed total is right.
    #[test]
    fn batched_sums_vanish_only_when_every_total_is_right() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let d = Domain::new(3);
        let a: Vec<Fr> = (0..8).map(|_| random_fr(&mut rng)).collect();
        let b: Vec<Fr> = (0..5).map(|_| random_fr(&mut rng)).collect();
        let (sa, sb): (Fr, Fr) = (a.iter().sum(), b.iter().sum());
        let delta = random_fr(&mut rng);
        for (ta, tb, ok) in [(sa, sb, true), (sa + Fr::one(), sb, false), (sa, sb - Fr::one(), false)] {
            let terms = vec![term(d, a.clone(), ta), term(d, b.clone(), tb)];
            let dp = powers(delta, 2);
            let s = d.interpolate_blinded(&running_values(d, &terms, &dp), &mut rng);
            let num = numerator(d, &s, &terms, &dp);
            assert_eq!(d.divide_by_vanishing(&num).is_some(), ok);
        }
    }
}
