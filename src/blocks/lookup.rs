//! Lookup block: rescale and activation by LogUp (Haböck 2022) into the vk's fixed table
//! (`docs/protocols/lookup.md`).
//!
//! Table rows `(kind, v, f_kind(v))` for `kind ∈ {0: identity, 1: relu}` and `v ∈ [−2^(B−1), 2^(B−1))`,
//! `|T| = 2^(B+1)`, committed column by column in the vk. Per layer, with `acc = y + b` and
//! `c = 2^(B−1−s)`, every position `j` of the output domain looks up two tuples:
//!
//! ```text
//! a_j = (kind, q_j, z_j)          z = act(q), q in the window
//! b_j = (1, c·r_j, c·r_j)         r = acc + 2^(s−1) − 2^s·q,  so  0 ≤ c·r < 2^(B−1)  ⇒  0 ≤ r < 2^s
//! ```
//!
//! i.e. `q = ⌊(acc + 2^(s−1)) / 2^s⌋` exactly (r is an integer because `acc` and `q` are). Tuples
//! are compressed with `θ`; with `h = 1/((β+a)(β+b))` the block proves
//!
//! ```text
//! h·(β+a)·(β+b) − 1 = 0                                   on H_M
//! t(ωX) − t(X) − (2β + a + b)·h + σ/M = 0                 on H_M   (Σ 1/(β+a) + 1/(β+b) = σ)
//! ```
//!
//! One table-side instance serves every layer (aggregation): with multiplicities `m` and
//! `g = m/(β+T)`, `g·(β+T) − m = 0` and `u(ωX) − u(X) − g + σ_T/|T| = 0` on the table domain, and the
//! verifier checks `Σ σ = σ_T`. All of `m, h, t, g, u` are blinded. The table is public and opened;
//! the bias inside `acc` is not (it stays a vk commitment in the linearised claim).
//!
//! LogUp rather than cq: cq needs `[T(τ)]₂` and `[Z_V(τ)]₂` pairings (68k gas on chain) while LogUp
//! over the table domain needs only `[1]₂, [τ]₂`; its prover cost grows with `|T|`, which stays small
//! (`2^(B+1)` rows, `B ≤ 16`).

use super::{inv_size, running_sum};
use crate::field::fr_from_i64;
use crate::keys::VerifyingKey;
use crate::model::Activation;
use crate::poly::{shift, Domain};
use crate::protocol::{Challenges, Lin};
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field, One};
use ark_poly::univariate::DensePolynomial;
use rand::RngCore;

/// `c = 2^(B−1−s)`, the scale that maps the remainder range `[0, 2^s)` onto the ReLU half's
/// non-negative window `[0, 2^(B−1))`.
pub fn remainder_scale(scale_bits: u32, lookup_bits: u32) -> i64 {
    1i64 << (lookup_bits - 1 - scale_bits)
}

/// Row index of `(kind, v)` in the table, or `None` outside the window.
pub fn table_index(lookup_bits: u32, kind: u8, v: i64) -> Option<usize> {
    let half = 1i64 << (lookup_bits - 1);
    (-half..half)
        .contains(&v)
        .then(|| (kind as usize) << lookup_bits | (v + half) as usize)
}

/// Kind tag of an activation.
pub fn kind(a: Activation) -> u8 {
    match a {
        Activation::Identity => 0,
        Activation::Relu => 1,
    }
}

/// Evaluations the lookup verifier reads.
#[derive(Clone, Debug)]
pub struct LookupEvals {
    /// `acc(ζ) = y(ζ) + [b]`.
    pub acc: Lin,
    /// `q(ζ)`.
    pub q: Fr,
    /// `z(ζ)`.
    pub z: Fr,
    /// `h(ζ)`.
    pub h: Fr,
    /// `t(ζ)`.
    pub t: Fr,
    /// `t(ζω)`.
    pub t_next: Fr,
    /// Claimed `σ`.
    pub sigma: Fr,
}

/// Verifier: the two witness-side identities of layer `layer` at `ζ`.
pub fn identities(vk: &VerifyingKey, layer: usize, e: &LookupEvals, ch: &Challenges) -> [Lin; 2] {
    let l = &vk.layers[layer];
    let (theta, beta) = (ch.theta, ch.beta);
    let a = Fr::from(kind(l.activation)) + theta * e.q + theta.square() * e.z;
    let kappa = (theta + theta.square()) * fr_from_i64(remainder_scale(vk.scale_bits, vk.lookup_bits));
    let half = fr_from_i64(1i64 << (vk.scale_bits - 1));
    let two_s = fr_from_i64(1i64 << vk.scale_bits);
    // b = 1 + κ·(acc + 2^(s−1) − 2^s·q), linear in the bias commitment.
    let b = e.acc.clone().plus(half - two_s * e.q).scale(kappa).plus(Fr::one());
    let e1 = b.clone().plus(beta).scale(e.h * (beta + a)).plus(-Fr::one());
    let m_inv = inv_size(l.out_domain.size());
    let e2 = b
        .plus(beta.double() + a)
        .scale(-e.h)
        .plus(e.t_next - e.t + e.sigma * m_inv);
    [e1, e2]
}

/// Verifier: the private-input range lookup `(0, x, x)` at `ζ`.
pub fn range_identities(d: Domain, x: Fr, h: Fr, t: Fr, t_next: Fr, sigma: Fr, ch: &Challenges) -> [Lin; 2] {
    let a = (ch.theta + ch.theta.square()) * x;
    let e1 = Lin::scalar(h * (ch.beta + a) - Fr::one());
    let e2 = Lin::scalar(t_next - t - h + sigma * inv_size(d.size()));
    [e1, e2]
}

/// Verifier: the table-side identities; `e = [m, g, u, u(ζω), T_kind, T_v, T_f]` at `ζ`.
pub fn table_identities(d: Domain, e: &[Fr; 7], sigma: Fr, ch: &Challenges) -> [Lin; 2] {
    let [m, g, u, u_next, tk, tv, tf] = *e;
    let t = tk + ch.theta * tv + ch.theta.square() * tf;
    let e1 = Lin::scalar(g * (ch.beta + t) - m);
    let e2 = Lin::scalar(u_next - u - g + sigma * inv_size(d.size()));
    [e1, e2]
}

/// Prover state of one witness-side instance after round 2.
pub struct LookupProver {
    /// `h` (blinded).
    pub h: DensePolynomial<Fr>,
    /// Running sum `t` (blinded).
    pub t: DensePolynomial<Fr>,
    /// `σ`.
    pub sigma: Fr,
}

/// Compressed tuple `kind + θ·v + θ²·f`.
pub fn compress(theta: Fr, kind: Fr, v: Fr, f: Fr) -> Fr {
    kind + theta * v + theta.square() * f
}

/// Prover round 2 for a layer: `a`, `b` are the compressed tuples on `H_M`.
pub fn prove_round2(d: Domain, a: &[Fr], b: &[Fr], beta: Fr, rng: &mut impl RngCore) -> LookupProver {
    let mut h: Vec<Fr> = a.iter().zip(b).map(|(a, b)| (beta + a) * (beta + b)).collect();
    ark_ff::batch_inversion(&mut h);
    let terms: Vec<Fr> = a
        .iter()
        .zip(b)
        .zip(&h)
        .map(|((a, b), h)| (beta.double() + a + b) * h)
        .collect();
    finish(d, h, terms, rng)
}

/// Prover round 2 for the private-input range lookup (`a` compressed).
pub fn prove_range_round2(d: Domain, a: &[Fr], beta: Fr, rng: &mut impl RngCore) -> LookupProver {
    let mut h: Vec<Fr> = a.iter().map(|a| beta + a).collect();
    ark_ff::batch_inversion(&mut h);
    let terms = h.clone();
    finish(d, h, terms, rng)
}

/// Prover round 2 for the table side: `g = m/(β+T)`.
pub fn prove_table_round2(d: Domain, table: &[Fr], m: &[Fr], beta: Fr, rng: &mut impl RngCore) -> LookupProver {
    let mut g: Vec<Fr> = table.iter().map(|t| beta + t).collect();
    ark_ff::batch_inversion(&mut g);
    for (g, m) in g.iter_mut().zip(m) {
        *g *= m;
    }
    let terms = g.clone();
    finish(d, g, terms, rng)
}

fn finish(d: Domain, h: Vec<Fr>, terms: Vec<Fr>, rng: &mut impl RngCore) -> LookupProver {
    let sigma: Fr = terms.iter().sum();
    let t = running_sum(&terms, sigma);
    LookupProver {
        h: d.interpolate_blinded(&h, rng),
        t: d.interpolate_blinded(&t, rng),
        sigma,
    }
}

fn constant(c: Fr) -> DensePolynomial<Fr> {
    DensePolynomial { coeffs: vec![c] }
}

/// Prover: witness-side numerators given the polynomials of `a` and `b`.
pub fn numerators(
    p: &LookupProver,
    d: Domain,
    a: &DensePolynomial<Fr>,
    b: &DensePolynomial<Fr>,
    beta: Fr,
) -> [DensePolynomial<Fr>; 2] {
    let ba = a + &constant(beta);
    let bb = b + &constant(beta);
    let e1 = &(&(&p.h * &ba) * &bb) - &constant(Fr::one());
    let sum_ab = &(a + b) + &constant(beta.double());
    let e2 = &(&shift(&p.t, d.omega()) - &p.t) - &(&sum_ab * &p.h);
    [e1, &e2 + &constant(p.sigma * inv_size(d.size()))]
}

/// Prover: single-tuple numerators (range and table sides): `h·(β+a) − m` and the running sum.
pub fn single_numerators(
    p: &LookupProver,
    d: Domain,
    a: &DensePolynomial<Fr>,
    m: &DensePolynomial<Fr>,
    beta: Fr,
) -> [DensePolynomial<Fr>; 2] {
    let e1 = &(&p.h * &(a + &constant(beta))) - m;
    let e2 = &(&shift(&p.t, d.omega()) - &p.t) - &p.h;
    [e1, &e2 + &constant(p.sigma * inv_size(d.size()))]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::random_fr;
    use rand::SeedableRng;

    #[test]
    fn table_index_is_the_window_and_rejects_outside() {
        assert_eq!(table_index(4, 0, -8), Some(0));
        assert_eq!(table_index(4, 1, 7), Some(31));
        assert_eq!(table_index(4, 0, 8), None);
        assert_eq!(table_index(4, 1, -9), None);
    }

    /// LogUp balances exactly when every witness tuple is a table row.
    #[test]
    fn logup_sums_balance_only_for_table_members() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        let (theta, beta) = (random_fr(&mut rng), random_fr(&mut rng));
        let cols = crate::keys::table_columns(3);
        let table: Vec<Fr> = (0..16)
            .map(|i| compress(theta, cols[0][i], cols[1][i], cols[2][i]))
            .collect();
        let d = Domain::new(2);
        let mut run = |q: i64, z: i64| {
            let a: Vec<Fr> = (0..4)
                .map(|_| compress(theta, Fr::one(), fr_from_i64(q), fr_from_i64(z)))
                .collect();
            let b: Vec<Fr> = (0..4)
                .map(|_| compress(theta, Fr::one(), Fr::from(1u64), Fr::from(1u64)))
                .collect();
            let mut m = vec![Fr::from(0u64); 16];
            let ia = table_index(3, 1, q).unwrap_or(0);
            m[ia] += Fr::from(4u64);
            m[table_index(3, 1, 1).unwrap()] += Fr::from(4u64);
            let w = prove_round2(d, &a, &b, beta, &mut rng);
            let t = prove_table_round2(Domain::new(4), &table, &m, beta, &mut rng);
            w.sigma == t.sigma
        };
        assert!(run(-3, 0));
        assert!(!run(-3, -3), "relu(-3) is not -3");
    }
}
