//! The decider: one Shplonk opening (Boneh–Drake–Fisch–Gabizon 2020, ePrint 2020/081) for every
//! claim at every point, checked with ONE two-pair pairing against the fixed `[1]₂`, `[τ]₂`
//! (`docs/protocols/accumulation.md`).
//!
//! Claims `i` say `f_i ≡ r_i (mod Z_i)`, `Z_i = X^{T_i} − x_{p(i)}` their divisor (`f_i` a linear
//! combination of commitments, `r_i = Σ_t X^t·v_{i,t}` of degree `< T_i`; `T_i = 1` is the plain
//! `f_i(x_p) = v_i`, `T_i > 1` a group commitment's claim, [`crate::protocol::Layout::groups`]).
//! After `ν` (drawn once every commitment and evaluation is absorbed):
//!
//! ```text
//! prover:   W  = Σ_i νⁱ·(f_i − r_i)/Z_i                                  sends [W]      → ξ
//!           L  = Σ_i νⁱ·(f_i − r_i(ξ))/Z_i(ξ) − W                     (L(ξ) = 0)
//!           W' = L/(X − ξ)                                               sends [W']
//! verifier: F  = Σ_i νⁱ/Z_i(ξ)·([f_i] − r_i(ξ)·[1]₁) − [W]
//!           e(F + ξ·[W'], [1]₂) · e(−[W'], [τ]₂) = 1
//! ```
//!
//! This is the BDFG check divided through by `Z_T(ξ)` (the paper's `L` is `Z_T(ξ)` times ours): the
//! weights `1/Z_i(ξ)` join the verifier's batched inversion, and `[W]` enters `F` with
//! coefficient −1, one ecAdd instead of an ecMul by `Z_T(ξ)`.
//!
//! Soundness: every `Z_i(ξ)` is non-zero (checked), and the pairing gives `L(ξ) = 0`, i.e.
//! `Σ_i νⁱ (f_i(ξ) − r_i(ξ))/Z_i(ξ) = W(ξ)` with everything fixed before `ξ`, so the rational
//! functions agree; multiplied by `Z = lcm(Z_i)`, `Σ_i νⁱ (Z/Z_i)(f_i − r_i) ≡ 0 (mod Z)`, and since the
//! `f_i, r_i` are fixed before `ν`, every term vanishes mod `Z`, i.e. `Z_i | f_i − r_i`. For a group,
//! `S = Σ_t X^t p_t(X^T) ≡ Σ_t X^t p_t(y) (mod X^T − y)` (as `X^T ≡ y`), and a remainder of degree
//! `< T` is unique, so the claim is exactly `p_t(y) = v_t` for every member `t` (for any `y`, zero
//! included). No degree bound is used anywhere.
//!
//! Zero knowledge: given `τ` (the simulator's trapdoor), `[W]` and `[W']` are determined by the
//! commitments, the evaluations and the challenges: they reveal nothing else.

use crate::accumulate::fold_polynomials;
use crate::field::powers;
use crate::kzg::{lincomb, G2Points};
use crate::poly::{binomial_remainder, divide_by_binomial};
use crate::protocol::{Base, Claim};
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup};
use ark_ff::{Field, One, Zero};
use ark_poly::univariate::DensePolynomial;
use rayon::prelude::*;
use std::collections::HashMap;

/// A divisor's value: `X^power − point` (`point` the evaluation point's value for `ζ`).
pub type Div = (Fr, usize);

/// The Shplonk weight `1/(ξ^T − x)` of every divisor, or `None` when one vanishes at `ξ`
/// (probability ≈ 2⁻²⁴⁰).
pub fn point_weights(divs: &[Div], xi: Fr) -> Option<Vec<Fr>> {
    let mut w: Vec<Fr> = divs.iter().map(|(x, t)| xi.pow([*t as u64]) - x).collect();
    if w.iter().any(Zero::is_zero) {
        return None;
    }
    ark_ff::batch_inversion(&mut w);
    Some(w)
}

/// `r(ξ) = Σ_t ξ^t·values[t]` (Horner, from the last member down; the Solidity verifier's order).
pub fn remainder_at(values: &[Fr], xi: Fr) -> Fr {
    values.iter().rev().fold(Fr::zero(), |acc, v| acc * xi + v)
}

/// Prover, first message: per divisor `d` the folded claim `(F_d, R_d) = (Σ_{i∈d} νⁱ f_i, Σ νⁱ r_i)`
/// and `W = Σ_d (F_d − R_d)/(X^{T_d} − x_d)` (the quotients, whatever the remainders: an honest
/// prover's are zero, which debug builds assert unless `honest` is false, for the cheating provers
/// of the soundness tests).
#[allow(clippy::type_complexity)]
pub fn prove_w(
    claims: &[Claim],
    divs: &[Div],
    nu: Fr,
    poly_of: impl Fn(&[(Fr, Base)]) -> DensePolynomial<Fr> + Sync,
    honest: bool,
) -> (Vec<(DensePolynomial<Fr>, Vec<Fr>)>, DensePolynomial<Fr>) {
    let powers_of: Vec<usize> = divs.iter().map(|(_, t)| *t).collect();
    let folded = fold_polynomials(claims, nu, &powers_of, poly_of);
    let w = folded
        .par_iter()
        .zip(divs)
        .map(|((f, r), (x, t))| {
            let num = f - &DensePolynomial { coeffs: r.clone() };
            let q = divide_by_binomial(&num, *t, *x);
            debug_assert!(
                !honest || binomial_remainder(&num, &q, *t, *x).iter().all(Zero::is_zero),
                "an honest prover's claims hold"
            );
            q
        })
        .reduce(DensePolynomial::zero, |a, b| &a + &b);
    (folded, w)
}

/// Prover, second message: `W' = L/(X − ξ)`, `L = Σ_d (F_d − R_d(ξ))/(ξ^{T_d} − x_d) − W`; `None`
/// when a divisor vanishes at `ξ`.
pub fn prove_w_prime(
    folded: &[(DensePolynomial<Fr>, Vec<Fr>)],
    w: &DensePolynomial<Fr>,
    divs: &[Div],
    xi: Fr,
) -> Option<DensePolynomial<Fr>> {
    let weights = point_weights(divs, xi)?;
    let l = folded
        .par_iter()
        .zip(&weights)
        .map(|((f, r), c)| {
            &(f - &DensePolynomial {
                coeffs: vec![remainder_at(r, xi)],
            }) * *c
        })
        .reduce(DensePolynomial::zero, |a, b| &a + &b);
    Some(divide_by_binomial(&(&l - w), 1, xi))
}

/// The verifier's fold: the coefficient of every base in `F` and of `[1]₁` (`[W]`'s is −1).
pub struct Fold {
    /// `(coefficient, base)` for every commitment and vk point, in first-use order.
    pub terms: Vec<(Fr, Base)>,
    /// The coefficient of `[1]₁`: `−Σ weights·r_i(ξ)`.
    pub generator: Fr,
}

/// Verifier: the scalar coefficient of every base in `F` and the coefficient of `[1]₁`, or `None`
/// when a divisor vanishes at `ξ` (probability ≈ 2⁻²⁴⁰).
pub fn fold_coefficients(claims: &[Claim], divs: &[Div], nu: Fr, xi: Fr) -> Option<Fold> {
    let except = point_weights(divs, xi)?;
    let mut coef: HashMap<Base, Fr> = HashMap::new();
    let mut order: Vec<Base> = vec![];
    let mut g = Fr::zero();
    for (c, nu_i) in claims.iter().zip(powers(nu, claims.len() + 1).into_iter().skip(1)) {
        let k = nu_i * except[c.divisor];
        g -= k * remainder_at(&c.values, xi);
        for (s, b) in &c.terms {
            let e = coef.entry(*b).or_insert_with(|| {
                order.push(*b);
                Fr::zero()
            });
            *e += k * s;
        }
    }
    let terms = order.into_iter().map(|b| (coef[&b], b)).collect();
    Some(Fold { terms, generator: g })
}

/// Verifier: the one pairing-product check.
#[allow(clippy::too_many_arguments)]
pub fn verify(
    claims: &[Claim],
    divs: &[Div],
    nu: Fr,
    xi: Fr,
    (w, w_prime): (G1Affine, G1Affine),
    resolve: impl Fn(Base) -> G1Affine,
    g2: &G2Points,
) -> bool {
    let Some(Fold { terms, generator: g }) = fold_coefficients(claims, divs, nu, xi) else {
        return false;
    };
    let mut msm: Vec<(Fr, G1Affine)> = terms.into_iter().map(|(s, b)| (s, resolve(b))).collect();
    msm.push((g, G1Affine::generator()));
    msm.push((-Fr::one(), w));
    msm.push((xi, w_prime));
    let lhs: G1Projective = lincomb(&msm);
    let out = Bn254::multi_pairing([w_prime, (-lhs).into_affine()], [g2.tau, g2.one]);
    out.0.is_one()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kzg::commit;
    use crate::kzg::tests::toy_srs;
    use crate::poly::random_fr;
    use ark_poly::{DenseUVPolynomial, Polynomial};
    use rand::SeedableRng;

    /// Prove claims `f_i(points[at[i]])` with Shplonk; returns the claims, `([W], [W'])` and the
    /// commitments.
    #[allow(clippy::type_complexity)]
    fn prove_claims(
        g1: &[G1Affine],
        polys: &[DensePolynomial<Fr>],
        points: &[Fr],
        at: &[usize],
        (nu, xi): (Fr, Fr),
    ) -> (Vec<Claim>, (G1Affine, G1Affine), Vec<G1Affine>) {
        let commits: Vec<G1Affine> = polys.iter().map(|p| commit(g1, p).unwrap()).collect();
        let claims: Vec<Claim> = polys
            .iter()
            .zip(at)
            .enumerate()
            .map(|(i, (p, pt))| Claim {
                terms: vec![(Fr::one(), Base::Commit(i))],
                divisor: *pt,
                values: vec![p.evaluate(&points[*pt])],
            })
            .collect();
        let poly_of = |t: &[(Fr, Base)]| match t[0].1 {
            Base::Commit(i) => &polys[i] * t[0].0,
            _ => DensePolynomial::zero(),
        };
        let (folded, w) = prove_w(&claims, &divs(points), nu, poly_of, true);
        let wp = prove_w_prime(&folded, &w, &divs(points), xi).unwrap();
        (claims, (commit(g1, &w).unwrap(), commit(g1, &wp).unwrap()), commits)
    }

    /// Every point as a divisor `X − x`.
    fn divs(points: &[Fr]) -> Vec<Div> {
        points.iter().map(|x| (*x, 1)).collect()
    }

    fn random_polys(rng: &mut rand_chacha::ChaCha20Rng, n: usize) -> Vec<DensePolynomial<Fr>> {
        (0..n)
            .map(|_| DensePolynomial::from_coefficients_vec((0..10).map(|_| random_fr(rng)).collect()))
            .collect()
    }

    /// Honest claims at three points (two at the same point) verify; a wrong value, a wrong point
    /// or a swapped opening fails.
    #[test]
    fn shplonk_accepts_honest_claims_and_rejects_each_tamper() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let (g1, g2) = toy_srs(16);
        let polys = random_polys(&mut rng, 4);
        let points: Vec<Fr> = (0..3).map(|_| random_fr(&mut rng)).collect();
        let (nu, xi) = (random_fr(&mut rng), random_fr(&mut rng));
        let (claims, ws, commits) = prove_claims(&g1, &polys, &points, &[0, 1, 1, 2], (nu, xi));
        let resolve = |b: Base| match b {
            Base::Commit(i) => commits[i],
            _ => G1Affine::zero(),
        };
        let run = |claims: &[Claim], points: &[Fr], ws| verify(claims, &divs(points), nu, xi, ws, resolve, &g2);
        assert!(run(&claims, &points, ws));
        let mut bad = claims.clone();
        bad[2].values[0] += Fr::one();
        assert!(!run(&bad, &points, ws), "wrong value");
        let mut moved = points.clone();
        moved[1] += Fr::one();
        assert!(!run(&claims, &moved, ws), "wrong point");
        assert!(!run(&claims, &points, (ws.1, ws.0)), "swapped openings");
        let mut at_point = points.clone();
        at_point[0] = xi;
        assert!(!run(&claims, &at_point, ws), "ξ on a point is refused");
    }

    /// Two entries of the point list with the same value (a power-map collision such as
    /// `ζ^M = ω·ζ`) keep the decider sound: honest claims verify, a wrong value is refused.
    #[test]
    fn colliding_points_stay_sound() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(8);
        let (g1, g2) = toy_srs(16);
        let polys = random_polys(&mut rng, 3);
        let x = random_fr(&mut rng);
        let points = vec![random_fr(&mut rng), x, x];
        let (nu, xi) = (random_fr(&mut rng), random_fr(&mut rng));
        let (claims, ws, commits) = prove_claims(&g1, &polys, &points, &[0, 1, 2], (nu, xi));
        let resolve = |b: Base| match b {
            Base::Commit(i) => commits[i],
            _ => G1Affine::zero(),
        };
        assert!(verify(&claims, &divs(&points), nu, xi, ws, resolve, &g2));
        let mut bad = claims.clone();
        bad[2].values[0] += Fr::one();
        assert!(!verify(&bad, &divs(&points), nu, xi, ws, resolve, &g2));
    }

    /// A group commitment `[S]`, `S = Σ_t X^t p_t(X^3)`, opened at two points through divisors
    /// `X^3 − y` next to a single commitment's claim: honest claims verify; a wrong member value,
    /// two members' values swapped, and the group's values claimed with the wrong divisor (`X − y`)
    /// are each refused.
    #[test]
    fn a_group_claim_binds_every_member() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        let (g1, g2) = toy_srs(64);
        let members = random_polys(&mut rng, 3);
        let single = random_polys(&mut rng, 1).remove(0);
        let s = crate::poly::interleave(&members.iter().collect::<Vec<_>>());
        let commits = [commit(&g1, &s).unwrap(), commit(&g1, &single).unwrap()];
        let ys: Vec<Fr> = (0..2).map(|_| random_fr(&mut rng)).collect();
        // Divisors: X − y0, X − y1, X³ − y0, X³ − y1.
        let dv: Vec<Div> = vec![(ys[0], 1), (ys[1], 1), (ys[0], 3), (ys[1], 3)];
        let group_claim = |d: usize, y: Fr| Claim {
            terms: vec![(Fr::one(), Base::Commit(0))],
            divisor: d,
            values: members.iter().map(|p| p.evaluate(&y)).collect(),
        };
        let claims = vec![
            group_claim(2, ys[0]),
            Claim {
                terms: vec![(Fr::one(), Base::Commit(1))],
                divisor: 1,
                values: vec![single.evaluate(&ys[1])],
            },
            group_claim(3, ys[1]),
        ];
        let (nu, xi) = (random_fr(&mut rng), random_fr(&mut rng));
        let poly_of = |t: &[(Fr, Base)]| match t[0].1 {
            Base::Commit(0) => &s * t[0].0,
            _ => &single * t[0].0,
        };
        let (folded, w) = prove_w(&claims, &dv, nu, poly_of, true);
        let wp = prove_w_prime(&folded, &w, &dv, xi).unwrap();
        let ws = (commit(&g1, &w).unwrap(), commit(&g1, &wp).unwrap());
        let resolve = |b: Base| match b {
            Base::Commit(i) => commits[i],
            _ => G1Affine::zero(),
        };
        let run = |claims: &[Claim]| verify(claims, &dv, nu, xi, ws, resolve, &g2);
        assert!(run(&claims));
        let mut bad = claims.clone();
        bad[2].values[1] += Fr::one();
        assert!(!run(&bad), "wrong member value");
        let mut swapped = claims.clone();
        swapped[0].values.swap(0, 2);
        assert!(!run(&swapped), "members swapped");
        let mut plain = claims.clone();
        plain[0].divisor = 0;
        assert!(!run(&plain), "a group claim read as a plain opening");
    }
}
