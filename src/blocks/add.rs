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

/// Check `acc = y + b` exactly, position by position (the integer statement behind
/// [`accumulator`]).
pub fn check(y: &[i64], bias: &[i64], acc: &[i64]) -> Result<(), super::Violation> {
    if y.len() != bias.len() || acc.len() != bias.len() {
        return Err(super::Violation {
            position: 0,
            reason: format!("lengths differ: y {}, b {}, acc {}", y.len(), bias.len(), acc.len()),
        });
    }
    for (position, ((y, b), a)) in y.iter().zip(bias).zip(acc).enumerate() {
        let sum = i128::from(*y) + i128::from(*b);
        if sum != i128::from(*a) {
            return Err(super::Violation {
                position,
                reason: format!("acc = {a} but y + b = {y} + {b} = {sum}"),
            });
        }
    }
    Ok(())
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

    #[test]
    fn check_accepts_the_sum_and_names_the_first_wrong_position() {
        assert_eq!(check(&[1, -2], &[3, 4], &[4, 2]), Ok(()));
        let v = check(&[1, -2], &[3, 4], &[4, 3]).unwrap_err();
        assert_eq!(v.position, 1);
        assert!(v.reason.contains("y + b"), "{v}");
        assert!(check(&[1], &[3, 4], &[4, 2]).is_err());
    }
}
