//! KZG commitments on BN254 (Kate–Zaverucha–Goldberg 2010) and the batched opening check.
//!
//! A polynomial `p` of degree `< len(ck)` commits to `[p(τ)]₁ = Σ pᵢ·[τ^i]₁`. An opening claim says
//! that the polynomial behind a (linear combination of) commitment(s) `C` takes value `v` at `z`.
//! Claims are grouped by point; for the claims `(Cᵢ, vᵢ)` at point `z` with batching powers `νⁱ`, the
//! prover sends `π = [(Σ νⁱ pᵢ − Σ νⁱ vᵢ)/(X − z)]₁`. All points are checked with one pairing product:
//!
//! ```text
//! e( Σ_k ρᵏ π_k , [τ]₂ ) = e( Σ_k ρᵏ (C_k − v_k·[1]₁ + z_k·π_k) , [1]₂ )
//! ```
//!
//! so only the two fixed G2 points `[1]₂`, `[τ]₂` are ever paired against (DESIGN §4).

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_poly::univariate::DensePolynomial;

/// Errors of the commitment layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KzgError {
    /// The SRS is too short for the polynomial.
    #[error("polynomial of degree {degree} needs an SRS with at least {needed} G1 powers, the key has {have}")]
    SrsTooSmall {
        /// Degree of the polynomial.
        degree: usize,
        /// Powers needed.
        needed: usize,
        /// Powers available.
        have: usize,
    },
}

/// Commit to `p` with the monomial SRS `g1`.
pub fn commit(g1: &[G1Affine], p: &DensePolynomial<Fr>) -> Result<G1Affine, KzgError> {
    Ok(crate::msm::msm(powers_for(g1, p)?, &p.coeffs).into_affine())
}

/// The SRS prefix `[τ^i]₁`, `i < len(p)`, that commits to `p`, or why the SRS is too short.
fn powers_for<'a>(g1: &'a [G1Affine], p: &DensePolynomial<Fr>) -> Result<&'a [G1Affine], KzgError> {
    let n = p.coeffs.len();
    g1.get(..n).ok_or(KzgError::SrsTooSmall {
        degree: n.saturating_sub(1),
        needed: n,
        have: g1.len(),
    })
}

/// [`commit`] with `ark-ec`'s MSM instead of [`crate::msm`]: for checks that recompute what setup
/// committed (`check-vk`'s table), so that they do not share the prover's MSM.
pub fn commit_reference(g1: &[G1Affine], p: &DensePolynomial<Fr>) -> Result<G1Affine, KzgError> {
    Ok(G1Projective::msm_unchecked(powers_for(g1, p)?, &p.coeffs).into_affine())
}

/// `[L_j(τ)]₁` for `j < n`: the Lagrange basis of the domain `H` of size `n`, from the monomial SRS
/// by one inverse FFT over G1 (done once, at setup).
pub fn lagrange_basis(g1: &[G1Affine], d: crate::poly::Domain) -> Result<Vec<G1Affine>, KzgError> {
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    let n = d.size();
    if g1.len() < n {
        return Err(KzgError::SrsTooSmall {
            degree: n - 1,
            needed: n,
            have: g1.len(),
        });
    }
    let dom = Radix2EvaluationDomain::<Fr>::new(n).ok_or(KzgError::SrsTooSmall {
        degree: n,
        needed: n,
        have: 0,
    })?;
    let mut pts: Vec<G1Projective> = g1[..n].iter().map(|p| p.into_group()).collect();
    dom.ifft_in_place(&mut pts);
    Ok(G1Projective::normalize_batch(&pts))
}

/// Commit to a blinded polynomial `Σ v_j·L_j + Z_H·b` through the Lagrange basis: the values equal
/// to the most common padding value `c = v_{n−1}` cost nothing (`Σ_j L_j = 1`, so they contribute
/// `c·[1]₁`), so the MSM runs over the entries that differ from `c` only.
pub fn commit_evaluations(
    g1: &[G1Affine],
    lagrange: &[G1Affine],
    b: &crate::poly::Blinded,
) -> Result<G1Affine, KzgError> {
    let n = lagrange.len();
    if b.values.len() != n || g1.len() < n + b.blind.len() {
        return Err(KzgError::SrsTooSmall {
            degree: n + b.blind.len(),
            needed: n + b.blind.len(),
            have: g1.len(),
        });
    }
    let c = b.values[n - 1];
    let mut terms: Vec<(Fr, G1Affine)> = b
        .values
        .iter()
        .zip(lagrange)
        .filter(|(v, _)| **v != c)
        .map(|(v, l)| (*v - c, *l))
        .collect();
    terms.push((c, g1[0]));
    for (i, bi) in b.blind.iter().enumerate() {
        terms.push((*bi, g1[n + i]));
        terms.push((-*bi, g1[i]));
    }
    let (scalars, bases): (Vec<Fr>, Vec<G1Affine>) = terms.into_iter().unzip();
    Ok(crate::msm::msm(&bases, &scalars).into_affine())
}

/// `Σ sᵢ·Pᵢ` with `ark-ec`'s MSM: the verifier's, and one side of the model-against-vk check (the
/// commitments of setup and prove use [`crate::msm`]).
pub fn lincomb(terms: &[(Fr, G1Affine)]) -> G1Projective {
    let (scalars, bases): (Vec<Fr>, Vec<G1Affine>) = terms.iter().map(|(s, p)| (*s, *p)).unzip();
    G1Projective::msm_unchecked(&bases, &scalars)
}

/// The fixed G2 points of the verifying key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct G2Points {
    /// `[1]₂`.
    pub one: G2Affine,
    /// `[τ]₂`.
    pub tau: G2Affine,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::poly::random_fr;
    use ark_ff::One;
    use ark_poly::DenseUVPolynomial;
    use rand::SeedableRng;

    /// A toy SRS with a known τ, for unit tests.
    pub(crate) fn toy_srs(len: usize) -> (Vec<G1Affine>, G2Points) {
        let tau = Fr::from(123456789u64);
        let mut pows = vec![];
        let mut t = Fr::one();
        for _ in 0..len {
            pows.push((G1Affine::generator() * t).into_affine());
            t *= tau;
        }
        let g2 = G2Affine::generator();
        (
            pows,
            G2Points {
                one: g2,
                tau: (g2 * tau).into_affine(),
            },
        )
    }

    #[test]
    fn lagrange_commitments_match_monomial_commitments() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(4);
        let (g1, _) = toy_srs(20);
        let d = crate::poly::Domain::new(4);
        let lag = lagrange_basis(&g1, d).unwrap();
        let mut vals = vec![Fr::from(7u64); 16];
        vals[2] = random_fr(&mut rng);
        vals[9] = random_fr(&mut rng);
        let b = d.blinded(&vals, &mut rng);
        assert_eq!(
            commit_evaluations(&g1, &lag, &b).unwrap(),
            commit(&g1, &b.poly).unwrap()
        );
    }

    #[test]
    fn srs_too_small_is_an_error() {
        let (g1, _) = toy_srs(4);
        let p = DensePolynomial::from_coefficients_vec(vec![Fr::one(); 5]);
        assert!(matches!(commit(&g1, &p), Err(KzgError::SrsTooSmall { .. })));
    }
}
