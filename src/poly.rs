//! Polynomials over power-of-two multiplicative subgroups `H = {ω^j}` of `Fr`.
//!
//! Vectors are encoded in the Lagrange basis of `H` (value `v_j` at `ω^j`); witness polynomials are
//! blinded by adding `Z_H(X)·b(X)` with a random `b` of degree `< BLINDING`, which leaves the values
//! on `H` unchanged and makes up to `BLINDING` openings outside `H` uniformly random.

use ark_bn254::Fr;
use ark_ff::{batch_inversion, FftField, Field, One, Zero};
use ark_poly::{univariate::DensePolynomial, DenseUVPolynomial, EvaluationDomain, Radix2EvaluationDomain};
use rand::RngCore;

/// Number of random blinding coefficients per witness polynomial (each is opened at most this often).
pub const BLINDING: usize = 3;

/// A subgroup of size `2^log_size`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Domain {
    /// `log2` of the size.
    pub log_size: u32,
}

impl Domain {
    /// The domain of size `2^log_size`.
    pub fn new(log_size: u32) -> Self {
        Self { log_size }
    }
    /// Smallest domain holding `len` values (at least 2).
    pub fn for_len(len: usize) -> Self {
        Self {
            log_size: len.max(2).next_power_of_two().trailing_zeros(),
        }
    }
    /// Size `n`.
    pub fn size(&self) -> usize {
        1 << self.log_size
    }
    /// The generator `ω`.
    pub fn omega(&self) -> Fr {
        // Fr has 2-adicity 28; every domain we use is far smaller.
        Fr::get_root_of_unity(self.size() as u64).unwrap_or_else(Fr::one)
    }
    fn ark(&self) -> Radix2EvaluationDomain<Fr> {
        Radix2EvaluationDomain::new(self.size()).unwrap_or_else(unreachable_domain)
    }
    /// `Z_H(z) = z^n − 1`.
    pub fn vanishing_at(&self, z: Fr) -> Fr {
        z.pow([self.size() as u64]) - Fr::one()
    }
    /// Interpolate `values` (zero-padded to `n`) without blinding.
    pub fn interpolate(&self, values: &[Fr]) -> DensePolynomial<Fr> {
        let mut evals = values.to_vec();
        evals.resize(self.size(), Fr::zero());
        DensePolynomial::from_coefficients_vec(self.ark().ifft(&evals))
    }
    /// Interpolate and blind with `Z_H · b`, `deg b < BLINDING`.
    pub fn interpolate_blinded(&self, values: &[Fr], rng: &mut impl RngCore) -> DensePolynomial<Fr> {
        self.blinded(values, rng).poly
    }
    /// Interpolate and blind, keeping the values and the blinding so that the commitment can be
    /// computed in the Lagrange basis ([`crate::kzg::commit_evaluations`]).
    pub fn blinded(&self, values: &[Fr], rng: &mut impl RngCore) -> Blinded {
        self.blinded_with(values, BLINDING, rng)
    }
    /// [`Domain::blinded`] with `k` blinding coefficients (a polynomial revealed at `k` points off
    /// `H`, counting its commitment, stays uniformly random there).
    pub fn blinded_with(&self, values: &[Fr], k: usize, rng: &mut impl RngCore) -> Blinded {
        let blind = (0..k).map(|_| random_fr(rng)).collect();
        self.blinded_by(values, blind)
    }
    /// `values` interpolated plus `b(X)·Z_H(X)` for the given coefficients `b` (a data owner's
    /// commitment is recomputed from its opening this way).
    pub fn blinded_by(&self, values: &[Fr], blind: Vec<Fr>) -> Blinded {
        let mut coeffs = self.interpolate(values).coeffs;
        coeffs.resize(self.size() + blind.len(), Fr::zero());
        for (i, b) in blind.iter().enumerate() {
            coeffs[i] -= *b;
            coeffs[self.size() + i] += *b;
        }
        let mut values = values.to_vec();
        values.resize(self.size(), Fr::zero());
        Blinded {
            poly: DensePolynomial::from_coefficients_vec(coeffs),
            values,
            blind,
        }
    }
    /// Divide `p` by `Z_H`; the remainder must be zero (an honest prover's constraint).
    pub fn divide_by_vanishing(&self, p: &DensePolynomial<Fr>) -> Option<DensePolynomial<Fr>> {
        let n = self.size();
        let q = self.quotient_by_vanishing(p);
        let rem_ok = (0..n.min(p.coeffs.len()))
            .all(|i| p.coeffs[i] + q.coeffs.get(i).copied().unwrap_or_else(Fr::zero) == Fr::zero());
        rem_ok.then_some(q)
    }
    /// The quotient of `p` by `Z_H`, whatever the remainder: `p = q·(X^n − 1) + rem`. Only a
    /// cheating prover in a soundness test sends it for a `p` that does not vanish on `H`.
    pub fn quotient_by_vanishing(&self, p: &DensePolynomial<Fr>) -> DensePolynomial<Fr> {
        let n = self.size();
        if p.coeffs.len() <= n {
            return DensePolynomial::zero();
        }
        // q_i = p_{i+n} + q_{i+n}, processed from the top.
        let mut q = vec![Fr::zero(); p.coeffs.len() - n];
        for i in (0..q.len()).rev() {
            q[i] = p.coeffs[i + n] + q.get(i + n).copied().unwrap_or_else(Fr::zero);
        }
        DensePolynomial::from_coefficients_vec(q)
    }
    /// `L_j(z)` for `j < count`: `ω^j·(z^n − 1) / (n·(z − ω^j))`. `None` if `z ∈ H`.
    pub fn lagrange_at(&self, z: Fr, count: usize) -> Option<Vec<Fr>> {
        let n = self.size();
        let zh = self.vanishing_at(z);
        if zh.is_zero() {
            return None;
        }
        let omega = self.omega();
        let mut pows = Vec::with_capacity(count);
        let mut w = Fr::one();
        for _ in 0..count {
            pows.push(w);
            w *= omega;
        }
        let mut denoms: Vec<Fr> = pows.iter().map(|w| Fr::from(n as u64) * (z - w)).collect();
        batch_inversion(&mut denoms);
        Some(pows.iter().zip(denoms).map(|(w, d)| *w * zh * d).collect())
    }
    /// The evaluation at `z` of a public vector's polynomial whose padding positions (`j ≥ len`)
    /// hold `pad`: `Σ_{j<len} (values[j] − pad)·L_j(z) + pad`, since `Σ_j L_j = 1`.
    pub fn evaluate_public(&self, values: &[Fr], pad: Fr, z: Fr) -> Option<Fr> {
        let l = self.lagrange_at(z, values.len())?;
        Some(values.iter().zip(l).map(|(v, l)| (*v - pad) * l).sum::<Fr>() + pad)
    }
}

/// A blinded polynomial `interpolate(values) + Z_H·b` with its parts.
#[derive(Clone, Debug)]
pub struct Blinded {
    /// The polynomial.
    pub poly: DensePolynomial<Fr>,
    /// Its values on `H` (padded to `n`).
    pub values: Vec<Fr>,
    /// The blinding coefficients `b`.
    pub blind: Vec<Fr>,
}

#[cold]
fn unreachable_domain() -> Radix2EvaluationDomain<Fr> {
    // Sizes are bounded by Domain::for_len callers to < 2^28, which Fr supports.
    #[expect(clippy::panic, reason = "domain sizes are validated when the model is compiled")]
    {
        panic!("domain size exceeds the 2-adicity of Fr")
    }
}

/// `p(ω·X)`.
pub fn shift(p: &DensePolynomial<Fr>, omega: Fr) -> DensePolynomial<Fr> {
    let mut w = Fr::one();
    let coeffs = p
        .coeffs
        .iter()
        .map(|c| {
            let out = *c * w;
            w *= omega;
            out
        })
        .collect();
    DensePolynomial::from_coefficients_vec(coeffs)
}

/// A uniformly random scalar.
pub fn random_fr(rng: &mut impl RngCore) -> Fr {
    let mut bytes = [0u8; 64];
    rng.fill_bytes(&mut bytes);
    <Fr as ark_ff::PrimeField>::from_le_bytes_mod_order(&bytes)
}

/// `p / (X^t − a)`, the remainder dropped (`t ≥ 1`; `t = 1`: `(p(X) − p(a))/(X − a)`). Long division
/// from the top: `q_j = p_{j+t} + a·q_{j+t}`.
pub fn divide_by_binomial(p: &DensePolynomial<Fr>, t: usize, a: Fr) -> DensePolynomial<Fr> {
    let n = p.coeffs.len();
    if n <= t {
        return DensePolynomial::zero();
    }
    let mut q = vec![Fr::zero(); n - t];
    for j in (0..n - t).rev() {
        let carry = q.get(j + t).copied().unwrap_or_else(Fr::zero);
        q[j] = p.coeffs[j + t] + a * carry;
    }
    DensePolynomial::from_coefficients_vec(q)
}

/// The remainder `r` of `p = q·(X^t − a) + r` for `q` = [`divide_by_binomial`]`(p, t, a)`: its `t`
/// coefficients are `r_j = p_j + a·q_j`. `O(t)`, so that a caller can check an exact division
/// without multiplying `q` back.
pub fn binomial_remainder(p: &DensePolynomial<Fr>, q: &DensePolynomial<Fr>, t: usize, a: Fr) -> Vec<Fr> {
    debug_assert!(t >= 1, "a binomial X^t − a has t ≥ 1");
    (0..t)
        .map(|j| {
            let pj = p.coeffs.get(j).copied().unwrap_or_else(Fr::zero);
            pj + a * q.coeffs.get(j).copied().unwrap_or_else(Fr::zero)
        })
        .collect()
}

/// `Σ_t X^t·p_t(X^T)` for the `T` polynomials `ps` (coefficient `T·j + t` is `p_t`'s `j`-th): the
/// polynomial of a group commitment ([`crate::protocol::Layout::groups`]).
pub fn interleave(ps: &[&DensePolynomial<Fr>]) -> DensePolynomial<Fr> {
    let t = ps.len();
    let len = ps.iter().map(|p| p.coeffs.len()).max().unwrap_or(0);
    let mut out = vec![Fr::zero(); t * len];
    for (k, p) in ps.iter().enumerate() {
        for (j, c) in p.coeffs.iter().enumerate() {
            out[t * j + k] = *c;
        }
    }
    DensePolynomial::from_coefficients_vec(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_poly::Polynomial;

    /// `S = Σ_t X^t p_t(X^T)` reduces modulo `X^T − y` to `Σ_t X^t p_t(y)`, and the binomial
    /// division's quotient times the divisor plus that remainder gives `S` back.
    #[test]
    fn a_group_polynomial_reduces_to_its_members_values() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let ps: Vec<DensePolynomial<Fr>> = (0..3)
            .map(|k| DensePolynomial::from_coefficients_vec((0..7 + k).map(|_| random_fr(&mut rng)).collect()))
            .collect();
        let s = interleave(&ps.iter().collect::<Vec<_>>());
        let y = random_fr(&mut rng);
        let rem = DensePolynomial::from_coefficients_vec(ps.iter().map(|p| p.evaluate(&y)).collect());
        let q = divide_by_binomial(&(&s - &rem), 3, y);
        let mut div = vec![Fr::zero(); 4];
        div[0] = -y;
        div[3] = Fr::from(1u64);
        assert_eq!(&q * &DensePolynomial::from_coefficients_vec(div), &s - &rem);
        let x = random_fr(&mut rng);
        let direct: Fr = ps
            .iter()
            .enumerate()
            .map(|(t, p)| x.pow([t as u64]) * p.evaluate(&x.pow([3])))
            .sum();
        assert_eq!(s.evaluate(&x), direct);
    }
    use rand::SeedableRng;

    #[test]
    fn blinding_keeps_values_on_h_and_vanishing_division_is_exact() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let d = Domain::new(3);
        let vals: Vec<Fr> = (0..5u64).map(Fr::from).collect();
        let p = d.interpolate_blinded(&vals, &mut rng);
        let omega = d.omega();
        for (j, v) in vals.iter().enumerate() {
            assert_eq!(p.evaluate(&omega.pow([j as u64])), *v);
        }
        let z = random_fr(&mut rng);
        let l = d.lagrange_at(z, 5).unwrap();
        let lhs: Fr = vals.iter().zip(&l).map(|(a, b)| *a * b).sum();
        assert_eq!(lhs, d.interpolate(&vals).evaluate(&z));
        // p − interpolate(vals) vanishes on H.
        let diff = &p - &d.interpolate(&vals);
        let q = d.divide_by_vanishing(&diff).unwrap();
        assert_eq!(q.evaluate(&z) * d.vanishing_at(z), diff.evaluate(&z));
        assert!(d.divide_by_vanishing(&p).is_none(), "p does not vanish on H");
    }

    #[test]
    fn linear_division() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
        let p = DensePolynomial::from_coefficients_vec((0..9).map(|_| random_fr(&mut rng)).collect());
        let z = random_fr(&mut rng);
        let x = random_fr(&mut rng);
        let q = divide_by_binomial(&p, 1, z);
        assert_eq!(q.evaluate(&x) * (x - z), p.evaluate(&x) - p.evaluate(&z));
    }

    /// `q·(X^t − a) + r = p` for the remainder of [`binomial_remainder`], for every `t` up to past
    /// the degree, and the remainder is zero exactly when the division is exact.
    #[test]
    fn binomial_remainder_completes_the_division() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let p = DensePolynomial::from_coefficients_vec((0..9).map(|_| random_fr(&mut rng)).collect());
        let a = random_fr(&mut rng);
        for t in 1..12 {
            let q = divide_by_binomial(&p, t, a);
            let r = binomial_remainder(&p, &q, t, a);
            let mut div = vec![Fr::zero(); t + 1];
            div[0] = -a;
            div[t] = Fr::from(1u64);
            let back =
                &(&q * &DensePolynomial::from_coefficients_vec(div)) + &DensePolynomial::from_coefficients_vec(r);
            assert_eq!(back, p, "t = {t}");
            let exact = &q
                * &DensePolynomial::from_coefficients_vec({
                    let mut d = vec![Fr::zero(); t + 1];
                    d[0] = -a;
                    d[t] = Fr::from(1u64);
                    d
                });
            let q2 = divide_by_binomial(&exact, t, a);
            assert!(
                binomial_remainder(&exact, &q2, t, a).iter().all(|c| c.is_zero()),
                "t = {t}"
            );
        }
    }
}
