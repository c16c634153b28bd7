//! Add block: `acc = y + b` with the bias `b` fixed in the vk (protocol page: `docs/protocols/add.md`).
//!
//! Homomorphic: `[acc] = [y] + [b]`, so the block sends nothing. Its value at `ζ` is kept as
//! `y(ζ) + [b]`, a [`Lin`]: the bias polynomial is a weight and is never opened on its own; it only
//! enters the lookup block's identities linearly, inside the quotient claim.

use crate::protocol::{Base, Lin};
use ark_bn254::Fr;
use ark_ff::One;

/// `acc(ζ) = y(ζ) + b(ζ)` with `b` left committed.
pub fn accumulator(layer: usize, y_at_zeta: Fr) -> Lin {
    Lin {
        c: y_at_zeta,
        terms: vec![(Fr::one(), Base::Bias(layer))],
    }
}

/// Prover side: `acc` values on the output domain.
pub fn accumulator_values(y: &[Fr], bias: &[Fr]) -> Vec<Fr> {
    y.iter()
        .enumerate()
        .map(|(i, v)| *v + bias.get(i).copied().unwrap_or_default())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accumulator_keeps_bias_committed() {
        let l = accumulator(3, Fr::from(5u64));
        assert_eq!(l.c, Fr::from(5u64));
        assert_eq!(l.terms, vec![(Fr::one(), Base::Bias(3))]);
        assert_eq!(
            accumulator_values(&[Fr::from(1u64), Fr::from(2u64)], &[Fr::from(3u64)]),
            vec![Fr::from(4u64), Fr::from(2u64)]
        );
    }
}
