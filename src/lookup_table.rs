//! The fixed lookup table of a model: one function per **kind**, over the window
//! `v ∈ [−2^(B−1), 2^(B−1))` at scale `2^s` (`docs/protocols/lookup.md`).
//!
//! Kind 0 is the identity (the private-input range check looks up `(0, x, x)`), kind 1 the ReLU
//! (the rescale remainder looks up `(1, c·r, c·r)`, which needs the non-negative half), and kinds 2…
//! the model's other activations ([`Activation`]) in order of first use. With `K` kind slots (a
//! power of two, at most [`MAX_KINDS`]), row `i` of the table holds kind `i mod K` and value
//! `⌊i/K⌋ − 2^(B−1)`; rows past `K·2^B` repeat the first `K` rows, so the kind column is
//! `i mod K` on all of `H_n`.
//!
//! That makes the kind column a public polynomial of `X^{n/K}` alone, which the verifier evaluates
//! itself: with `μ` a primitive `K`-th root of unity, `ν = X^{n/K}` takes the value `μ^(i mod K)` at
//! `ω^i`, and
//!
//! ```text
//! kind(X) = Σ_j j·L_j(ν) = Σ_l c_l·ν^l,   c_l = (1/K)·Σ_j j·μ^(−j·l)
//! ```
//!
//! (for `K = 2`, `(1 − ν)/2`). The value and function columns are vk points that `check-vk`
//! recomputes from the vk's scale, window and activations.

use crate::field::fr_from_i64;
use crate::model::Activation;
use crate::poly::Domain;
use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};

/// The most kind slots a table may have (identity, ReLU and six others).
pub const MAX_KINDS: usize = 8;

/// A model's lookup table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupTable {
    /// `s`.
    pub scale_bits: u32,
    /// `B`.
    pub lookup_bits: u32,
    /// The function of each kind slot (index = kind): `[Identity, Relu, …]`.
    pub kinds: Vec<Activation>,
}

impl LookupTable {
    /// The table for a model with these layer activations.
    pub fn new(scale_bits: u32, lookup_bits: u32, activations: impl IntoIterator<Item = Activation>) -> Self {
        let mut kinds = vec![Activation::Identity, Activation::Relu];
        for a in activations {
            if !kinds.contains(&a) {
                kinds.push(a);
            }
        }
        Self {
            scale_bits,
            lookup_bits,
            kinds,
        }
    }

    /// `K`: the kind slots, a power of two `≥ 2`.
    pub fn slots(&self) -> usize {
        self.kinds.len().next_power_of_two().max(2)
    }

    /// `K·2^B`: the rows that carry a value (the domain may add repeats).
    pub fn rows(&self) -> usize {
        self.slots() << self.lookup_bits
    }

    /// The kind of activation `a`, or `None` when the table has no such function.
    pub fn kind(&self, a: Activation) -> Option<u8> {
        self.kinds.iter().position(|k| *k == a).map(|k| k as u8)
    }

    /// Row of `(kind, v)` in the table, or `None` outside the window or for an unused kind.
    pub fn index(&self, kind: u8, v: i64) -> Option<usize> {
        let half = 1i64 << (self.lookup_bits - 1);
        ((-half..half).contains(&v) && usize::from(kind) < self.kinds.len())
            .then(|| self.slots() * (v + half) as usize + usize::from(kind))
    }

    /// `f_kind(v)`, or `None` when `(kind, v)` is not a table row.
    pub fn value(&self, kind: u8, v: i64) -> Option<i64> {
        self.index(kind, v)
            .map(|_| self.kinds[usize::from(kind)].apply(v, self.scale_bits))
    }

    /// The kind, value and function columns on `d` (`|d| ≥` [`Self::rows`]). An unused slot
    /// (between `kinds.len()` and `K`) holds the identity, so every row is well defined.
    pub fn columns(&self, d: Domain) -> [Vec<Fr>; 3] {
        let (k, half) = (self.slots() as i64, 1i64 << (self.lookup_bits - 1));
        let rows = self.rows() as i64;
        let mut cols = [vec![], vec![], vec![]];
        for i in 0..d.size() as i64 {
            let kind = i % k;
            let v = if i < rows { i / k - half } else { -half };
            let f = self.kinds.get(kind as usize).map_or(v, |a| a.apply(v, self.scale_bits));
            cols[0].push(fr_from_i64(kind));
            cols[1].push(fr_from_i64(v));
            cols[2].push(fr_from_i64(f));
        }
        cols
    }

    /// `c_0, …, c_{K−1}`: the kind column is `Σ_l c_l·(X^{n/K})^l` on `H_n`.
    pub fn kind_coefficients(&self, d: Domain) -> Vec<Fr> {
        let pattern: Vec<Fr> = (0..self.slots() as u64).map(Fr::from).collect();
        periodic_coefficients(&pattern, d)
    }

    /// The kind column at `z`.
    pub fn kind_at(&self, d: Domain, z: Fr) -> Fr {
        periodic_at(&self.kind_coefficients(d), d, z)
    }
}

/// The column that repeats `pattern` (length `P`, a power of two dividing `|d|`) over `H_d`, value
/// `pattern[j mod P]` at `ω_d^j`, is a polynomial in `X^{|d|/P}` of degree `< P`: its
/// coefficients, the inverse DFT of the pattern over the `P`-th roots of unity.
pub fn periodic_coefficients(pattern: &[Fr], d: Domain) -> Vec<Fr> {
    let p = pattern.len();
    let mu_inv = d.omega().pow([(d.size() / p) as u64]).inverse().unwrap_or_default();
    let p_inv = Fr::from(p as u64).inverse().unwrap_or_default();
    (0..p)
        .map(|l| {
            let step = mu_inv.pow([l as u64]);
            let (mut sum, mut power) = (Fr::zero(), Fr::one());
            for v in pattern {
                sum += *v * power;
                power *= step;
            }
            sum * p_inv
        })
        .collect()
}

/// The column of [`periodic_coefficients`] at `z`: Horner in `z^{|d|/P}`.
pub fn periodic_at(coefficients: &[Fr], d: Domain, z: Fr) -> Fr {
    let nu = z.pow([(d.size() / coefficients.len().max(1)) as u64]);
    coefficients.iter().rev().fold(Fr::zero(), |acc, c| acc * nu + c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_poly::Polynomial;

    #[test]
    fn kind_column_is_the_closed_form_for_every_slot_count() {
        for extra in [
            vec![],
            vec![Activation::Sigmoid],
            vec![
                Activation::Sigmoid,
                Activation::Tanh,
                Activation::LeakyRelu { alpha_q16: 655 },
            ],
        ] {
            let table = LookupTable::new(2, 4, extra);
            let d = Domain::for_len(table.rows() * 2);
            let cols = table.columns(d);
            let poly = d.interpolate(&cols[0]);
            let z = Fr::from(123_456_789u64);
            assert_eq!(poly.evaluate(&z), table.kind_at(d, z), "K = {}", table.slots());
            for (i, k) in cols[0].iter().enumerate() {
                assert_eq!(*k, Fr::from((i % table.slots()) as u64));
            }
        }
    }

    #[test]
    fn rows_hold_each_function() {
        let table = LookupTable::new(4, 6, [Activation::Sigmoid, Activation::Clip { lo: -8, hi: 8 }]);
        assert_eq!(table.slots(), 4);
        assert_eq!(table.value(1, -3), Some(0));
        assert_eq!(table.value(2, 0), Some(8)); // σ(0)·16
        assert_eq!(table.value(3, 20), Some(8));
        assert_eq!(table.value(3, -31), Some(-8));
        assert_eq!(table.value(0, 32), None);
        let d = Domain::for_len(table.rows());
        let cols = table.columns(d);
        let at = table.index(2, 5).unwrap();
        assert_eq!(cols[1][at], fr_from_i64(5));
        assert_eq!(cols[2][at], fr_from_i64(Activation::Sigmoid.apply(5, 4)));
    }
}
