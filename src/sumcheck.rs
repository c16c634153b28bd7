//! Zero-sum running-sum argument: every "Σ_H term = 0" claim of every block is proven by ONE
//! running-sum polynomial on the model's domain `H` (size `n`).
//!
//! The one claim today is the LogUp balance: the lookups lifted from their tensor domains (`term`)
//! minus the table side `m/(β + T)`. The table side is never committed: it is folded into the
//! running-sum identity by multiplying through by its denominator. The prover commits
//!
//! ```text
//! s(ω^(j+1)) = s(ω^j) + term(ω^j) − m(ω^j)/(β + T(ω^j)),   s(1) = 0
//! identity:  (s(ωX) − s(X) − term(X))·(β + T(X)) + m(X) = 0   on H
//! ```
//!
//! Where `β + T ≠ 0` on `H` (all but `n/|F|` of the β), the identity says
//! `s(ωx) − s(x) = term(x) − m(x)/(β + T(x))` at every `x ∈ H`; summing over `H` telescopes `s` away,
//! so it holds only if `Σ_H term = Σ_H m/(β + T)`.
//!
//! Two properties matter. No degree bound on any polynomial is needed (a degree check against the
//! top of the SRS would be unsound with truncated `.ptau` files). And every total is zero, so no
//! sum is ever sent: a claimed total such as `Σ_j f_j·x_j = rᵀ·W·x` would be a public linear equation
//! in the weights, and enough proofs would reveal them. LogUp states its claim as a
//! difference that vanishes (`Σ 1/(β+a) − Σ m/(β+T) = 0`); tensors on smaller domains `H_M ⊂ H_n`
//! enter through the power map `X ↦ X^{n/M}` (each value repeated `n/M` times, weighted `M/n`), so
//! no per-domain total is ever revealed. `s` is blinded and opened at `ζ` and `ω_n·ζ`.

use crate::poly::Domain;
use ark_bn254::Fr;
use ark_ff::{FftField, One, Zero};
use ark_poly::univariate::DensePolynomial;
use ark_poly::{DenseUVPolynomial, EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;

/// Verifier: `d = s(ω_nζ) − s(ζ) − term(ζ)`, the factor of `β + T` in the identity
/// ([`crate::blocks::lookup::balance_identity`]).
pub fn difference(s: Fr, s_next: Fr, term: Fr) -> Fr {
    s_next - s - term
}

/// Prover: one zero-sum term with its values on `H` and its polynomial.
pub struct ProverTerm {
    /// `term(ω^j)` for `j < n`.
    pub values: Vec<Fr>,
    /// `term(X)` (any degree; only its values on `H` matter for the sum).
    pub poly: DensePolynomial<Fr>,
}

/// Prover: the running-sum values (before blinding): `s(ω^j) = Σ_{i<j} (term(ω^i) − g(ω^i))`, with
/// `g = m/(β + T)` the table side's values.
pub fn running_values(term: &ProverTerm, g: &[Fr]) -> Vec<Fr> {
    let mut acc = Fr::zero();
    term.values
        .iter()
        .zip(g)
        .map(|(d, g)| {
            let out = acc;
            acc += *d - g;
            out
        })
        .collect()
}

/// Prover: the numerator `((s(ωX) − s(X) − term(X))·P − E)·(β + T(X)) + m(X)·P`, with
/// `beta_t = β + T` and the folded shares `N_k/D_k` ([`crate::blocks::fold`]) multiplied through:
/// `P = Π D_k`, `E = P·Σ N_k/D_k` (without folded shares, `P = 1`, `E = 0`).
///
/// Computed on ONE coset `g·H_D` with `D` above the numerator's degree: every factor is evaluated
/// there once (an FFT each), the products are taken pointwise, and one inverse FFT returns the
/// coefficients exactly. Multiplying the polynomials pairwise instead costs three FFTs per product,
/// of growing sizes, one after the other: a quarter of a small model's proving time.
pub fn numerator(
    d: Domain,
    s: &DensePolynomial<Fr>,
    term: &ProverTerm,
    (beta_t, m): (&DensePolynomial<Fr>, &DensePolynomial<Fr>),
    folded: &[(DensePolynomial<Fr>, DensePolynomial<Fr>)],
) -> Option<DensePolynomial<Fr>> {
    let diff = &(&crate::poly::shift(s, d.omega()) - s) - &term.poly;
    let deg = |p: &DensePolynomial<Fr>| p.coeffs.len().saturating_sub(1);
    // deg P = Σ deg D_k; deg E ≤ max_k deg N_k + deg P.
    let deg_p: usize = folded.iter().map(|(_, den)| deg(den)).sum();
    let deg_n = folded.iter().map(|(num, _)| deg(num)).max().unwrap_or(0);
    let bound = (deg(&diff).max(deg_n) + deg_p + deg(beta_t)).max(deg(m) + deg_p);
    let size = (bound + 1).next_power_of_two();
    // `None` only past 2^28 coefficients, far beyond any SRS.
    let coset = Radix2EvaluationDomain::<Fr>::new(size)?.get_coset(Fr::GENERATOR)?;
    // Unpadded: `fft_in_place` pads, and takes the degree-aware FFT for the short factors.
    let on_coset = |p: &DensePolynomial<Fr>| {
        let mut c = p.coeffs.clone();
        coset.fft_in_place(&mut c);
        c
    };
    let mut p_vals = vec![Fr::one(); size];
    let mut e_vals = vec![Fr::zero(); size];
    for (num, den) in folded {
        let (nv, dv) = (on_coset(num), on_coset(den));
        // (P, E) ← (P·D, E·D + N·P), pointwise.
        p_vals
            .par_iter_mut()
            .zip(e_vals.par_iter_mut())
            .zip(nv.par_iter().zip(dv.par_iter()))
            .for_each(|((p, e), (n, dk))| {
                *e = *e * dk + *n * *p;
                *p *= dk;
            });
    }
    let (dv, bv, mv) = (on_coset(&diff), on_coset(beta_t), on_coset(m));
    let mut out: Vec<Fr> = (0..size)
        .into_par_iter()
        .map(|t| (dv[t] * p_vals[t] - e_vals[t]) * bv[t] + mv[t] * p_vals[t])
        .collect();
    coset.ifft_in_place(&mut out);
    Some(DensePolynomial::from_coefficients_vec(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::random_fr;
    use rand::SeedableRng;

    /// The identity vanishes on H exactly when the term balances the table side `m/(β + T)`.
    #[test]
    fn running_sum_vanishes_only_for_a_balanced_term() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let d = Domain::new(3);
        let beta_t: Vec<Fr> = (0..8).map(|_| random_fr(&mut rng)).collect();
        let m: Vec<Fr> = (0..8u64).map(|i| Fr::from(i % 3)).collect();
        let g: Vec<Fr> = m.iter().zip(&beta_t).map(|(m, b)| *m / b).collect();
        let mut v: Vec<Fr> = (0..8).map(|_| random_fr(&mut rng)).collect();
        let excess = v.iter().sum::<Fr>() - g.iter().sum::<Fr>();
        v[7] -= excess;
        let (beta_t, m_poly) = (d.interpolate(&beta_t), d.interpolate(&m));
        for (bump, ok) in [(Fr::zero(), true), (Fr::one(), false)] {
            let mut v = v.clone();
            v[2] += bump;
            let term = ProverTerm {
                poly: d.interpolate(&v),
                values: v,
            };
            let s = d.interpolate_blinded(&running_values(&term, &g), &mut rng);
            assert_eq!(
                d.divide_by_vanishing(&numerator(d, &s, &term, (&beta_t, &m_poly), &[]).unwrap())
                    .is_some(),
                ok
            );
        }
    }

    /// The coset evaluation gives exactly the polynomial of the formula, multiplied out pairwise,
    /// for zero to three folded shares of unequal degrees (and a zero numerator among them).
    #[test]
    fn the_numerator_is_the_formula_multiplied_out() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let d = Domain::new(3);
        let mut poly =
            |len: usize| DensePolynomial::from_coefficients_vec((0..len).map(|_| random_fr(&mut rng)).collect());
        let (s, term_poly, beta_t, m) = (poly(12), poly(9), poly(8), poly(8));
        let shares = [
            (poly(9), poly(8)),
            (DensePolynomial::zero(), poly(17)),
            (poly(3), poly(11)),
        ];
        let term = ProverTerm {
            values: vec![],
            poly: term_poly,
        };
        for k in 0..=shares.len() {
            let folded = &shares[..k];
            let diff = &(&crate::poly::shift(&s, d.omega()) - &s) - &term.poly;
            let one = DensePolynomial::from_coefficients_vec(vec![Fr::one()]);
            let (p, e) = folded
                .iter()
                .fold((one, DensePolynomial::zero()), |(p, e), (num, den)| {
                    (&p * den, &(&e * den) + &(num * &p))
                });
            let want = &(&(&(&diff * &p) - &e) * &beta_t) + &(&m * &p);
            assert_eq!(numerator(d, &s, &term, (&beta_t, &m), folded), Some(want), "{k} shares");
        }
    }

    /// A folded share `N/D` (not in `term`'s polynomial, but in the running values) balances the
    /// same way, and a wrong one does not.
    #[test]
    fn a_folded_share_is_multiplied_through() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(6);
        let d = Domain::new(3);
        let beta_t: Vec<Fr> = (0..8).map(|_| random_fr(&mut rng)).collect();
        let m: Vec<Fr> = (0..8u64).map(|i| Fr::from(i % 2)).collect();
        let g: Vec<Fr> = m.iter().zip(&beta_t).map(|(m, b)| *m / b).collect();
        let (num, den): (Vec<Fr>, Vec<Fr>) = (0..8).map(|_| (random_fr(&mut rng), random_fr(&mut rng))).unzip();
        let folded: Vec<Fr> = num.iter().zip(&den).map(|(a, b)| *a / b).collect();
        let mut v: Vec<Fr> = (0..8).map(|_| random_fr(&mut rng)).collect();
        let excess = v.iter().sum::<Fr>() + folded.iter().sum::<Fr>() - g.iter().sum::<Fr>();
        v[7] -= excess;
        let (beta_t, m_poly) = (d.interpolate(&beta_t), d.interpolate(&m));
        let fraction = [(d.interpolate(&num), d.interpolate(&den))];
        for (bump, ok) in [(Fr::zero(), true), (Fr::one(), false)] {
            let mut all = folded.clone();
            all[5] += bump;
            let term = ProverTerm {
                poly: d.interpolate(&v),
                values: v.iter().zip(&all).map(|(a, b)| *a + b).collect(),
            };
            let s = d.interpolate_blinded(&running_values(&term, &g), &mut rng);
            let e = numerator(d, &s, &term, (&beta_t, &m_poly), &fraction).unwrap();
            assert_eq!(d.divide_by_vanishing(&e).is_some(), ok);
        }
    }
}
