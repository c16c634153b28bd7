//! The decider: one Shplonk opening (Boneh–Drake–Fisch–Gabizon 2020, ePrint 2020/081) for every
//! claim at every point, checked with ONE two-pair pairing against the fixed `[1]₂`, `[τ]₂`
//! (`docs/protocols/accumulation.md`).
//!
//! Claims `i` say `f_i(x_{p(i)}) = v_i` (`f_i` a linear combination of commitments, `T` the set of
//! distinct points). After `ν` (drawn once every commitment and evaluation is absorbed):
//!
//! ```text
//! prover:   W  = Σ_i νⁱ·(f_i − v_i)/(X − x_{p(i)})                       sends [W]      → ξ
//!           L  = Σ_i νⁱ·(f_i − v_i)/(ξ − x_{p(i)}) − W                (L(ξ) = 0)
//!           W' = L/(X − ξ)                                               sends [W']
//! verifier: F  = Σ_i νⁱ/(ξ − x_{p(i)})·([f_i] − v_i·[1]₁) − [W]
//!           e(F + ξ·[W'], [1]₂) · e(−[W'], [τ]₂) = 1
//! ```
//!
//! This is the BDFG check divided through by `Z_T(ξ)` (the paper's `L` is `Z_T(ξ)` times ours): the
//! weights `1/(ξ − x_p)` join the verifier's batched inversion, and `[W]` enters `F` with
//! coefficient −1, one ecAdd instead of an ecMul by `Z_T(ξ)`.
//!
//! Soundness: every `ξ − x_p` is non-zero (checked), and the pairing gives `L(ξ) = 0`, i.e.
//! `Σ_i νⁱ (f_i(ξ) − v_i)/(ξ − x_{p(i)}) = W(ξ)` with everything fixed before `ξ`, so the rational
//! functions agree; their partial fractions then vanish one by one (the `f_i, v_i` are fixed before
//! `ν`), i.e. `(X − x_{p(i)}) | f_i − v_i`. No degree bound is used anywhere.
//!
//! Zero knowledge: given `τ` (the simulator's trapdoor), `[W]` and `[W']` are determined by the
//! commitments, the evaluations and the challenges: they reveal nothing else.

use crate::accumulate::fold_polynomials;
use crate::field::powers;
use crate::kzg::{lincomb, G2Points};
use crate::poly::divide_by_linear;
use crate::protocol::{Base, Claim};
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup};
use ark_ff::{One, Zero};
use ark_poly::univariate::DensePolynomial;
use rayon::prelude::*;
use std::collections::HashMap;

/// The Shplonk weight `1/(ξ − x_p)` of every point `p`, or `None` when `ξ` is a point
/// (probability ≈ 2⁻²⁵⁰).
pub fn point_weights(points: &[Fr], xi: Fr) -> Option<Vec<Fr>> {
    let mut w: Vec<Fr> = points.iter().map(|x| xi - x).collect();
    if w.iter().any(Zero::is_zero) {
        return None;
    }
    ark_ff::batch_inversion(&mut w);
    Some(w)
}

/// Prover, first message: per point the folded claim `(F_p, V_p) = (Σ_{i∈p} νⁱ f_i, Σ νⁱ v_i)` and
/// `W = Σ_p (F_p − V_p)/(X − x_p)`.
pub fn prove_w(
    claims: &[Claim],
    points: &[Fr],
    nu: Fr,
    poly_of: impl Fn(&[(Fr, Base)]) -> DensePolynomial<Fr> + Sync,
) -> (Vec<(DensePolynomial<Fr>, Fr)>, DensePolynomial<Fr>) {
    let folded = fold_polynomials(claims, nu, points.len(), poly_of);
    let w = folded
        .par_iter()
        .zip(points)
        .map(|((f, v), x)| {
            debug_assert_eq!(
                ark_poly::Polynomial::evaluate(f, x),
                *v,
                "an honest prover's claims hold"
            );
            divide_by_linear(&(f - &DensePolynomial { coeffs: vec![*v] }), *x)
        })
        .reduce(DensePolynomial::zero, |a, b| &a + &b);
    (folded, w)
}

/// Prover, second message: `W' = L/(X − ξ)`, `L = Σ_p (F_p − V_p)/(ξ − x_p) − W`; `None` when `ξ`
/// is a point.
pub fn prove_w_prime(
    folded: &[(DensePolynomial<Fr>, Fr)],
    w: &DensePolynomial<Fr>,
    points: &[Fr],
    xi: Fr,
) -> Option<DensePolynomial<Fr>> {
    let weights = point_weights(points, xi)?;
    let l = folded
        .par_iter()
        .zip(&weights)
        .map(|((f, v), c)| &(f - &DensePolynomial { coeffs: vec![*v] }) * *c)
        .reduce(DensePolynomial::zero, |a, b| &a + &b);
    Some(divide_by_linear(&(&l - w), xi))
}

/// The verifier's fold: the coefficient of every base in `F` and of `[1]₁` (`[W]`'s is −1).
pub struct Fold {
    /// `(coefficient, base)` for every commitment and vk point, in first-use order.
    pub terms: Vec<(Fr, Base)>,
    /// The coefficient of `[1]₁`: `−Σ weights·v_i`.
    pub generator: Fr,
}

/// Verifier: the scalar coefficient of every base in `F` and the coefficient of `[1]₁`, or `None`
/// when `ξ` hits a point (probability ≈ 2⁻²⁵⁰).
pub fn fold_coefficients(claims: &[Claim], points: &[Fr], nu: Fr, xi: Fr) -> Option<Fold> {
    let except = point_weights(points, xi)?;
    let mut coef: HashMap<Base, Fr> = HashMap::new();
    let mut order: Vec<Base> = vec![];
    let mut g = Fr::zero();
    for (c, nu_i) in claims.iter().zip(powers(nu, claims.len() + 1).into_iter().skip(1)) {
        let k = nu_i * except[c.point];
        g -= k * c.value;
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
    points: &[Fr],
    nu: Fr,
    xi: Fr,
    (w, w_prime): (G1Affine, G1Affine),
    resolve: impl Fn(Base) -> G1Affine,
    g2: &G2Points,
) -> bool {
    let Some(Fold { terms, generator: g }) = fold_coefficients(claims, points, nu, xi) else {
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
                point: *pt,
                value: p.evaluate(&points[*pt]),
            })
            .collect();
        let poly_of = |t: &[(Fr, Base)]| match t[0].1 {
            Base::Commit(i) => &polys[i] * t[0].0,
            _ => DensePolynomial::zero(),
        };
        let (folded, w) = prove_w(&claims, points, nu, poly_of);
        let wp = prove_w_prime(&folded, &w, points, xi).unwrap();
        (claims, (commit(g1, &w).unwrap(), commit(g1, &wp).unwrap()), commits)
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
        let run = |claims: &[Claim], points: &[Fr], ws| verify(claims, points, nu, xi, ws, resolve, &g2);
        assert!(run(&claims, &points, ws));
        let mut bad = claims.clone();
        bad[2].value += Fr::one();
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
        assert!(verify(&claims, &points, nu, xi, ws, resolve, &g2));
        let mut bad = claims.clone();
        bad[2].value += Fr::one();
        assert!(!verify(&bad, &points, nu, xi, ws, resolve, &g2));
    }
}
