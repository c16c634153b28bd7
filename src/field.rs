//! Field and group encodings shared by the prover, the Rust verifier and the Solidity verifier.
//!
//! Every value on the wire is a 32-byte big-endian word: a scalar `Fr` as one word (must be `< r`),
//! a G1 point as two words `x ‖ y` (each `< p`, on the curve `y² = x³ + 3`, not the identity).

use ark_bn254::{Fq, Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, Field, PrimeField};

/// A 32-byte big-endian word.
pub type Word = [u8; 32];

/// Why a word could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodingError {
    /// A scalar word is not a canonical encoding (`≥ r`).
    #[error("scalar at word {word} is not canonical (≥ r)")]
    ScalarNotCanonical {
        /// Word index in the proof.
        word: usize,
    },
    /// A coordinate word is `≥ p`.
    #[error("coordinate at word {word} is not canonical (≥ p)")]
    CoordinateNotCanonical {
        /// Word index in the proof.
        word: usize,
    },
    /// A point is not on the curve (the identity `(0,0)` is refused too).
    #[error("G1 point at word {word} is not on the curve")]
    NotOnCurve {
        /// Word index of the point's x coordinate.
        word: usize,
    },
}

/// `x⁰, x¹, …, x^(n−1)`: the coefficients of a random linear combination drawn from one challenge.
pub fn powers(x: Fr, n: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(n);
    let mut p = Fr::from(1u64);
    for _ in 0..n {
        out.push(p);
        p *= x;
    }
    out
}

/// Signed integer to field element (`x mod r`).
pub fn fr_from_i64(x: i64) -> Fr {
    if x >= 0 {
        Fr::from(x as u64)
    } else {
        -Fr::from(x.unsigned_abs())
    }
}

/// Field element to signed integer, if it is the encoding ([`fr_from_i64`]) of an `i64`, i.e. of
/// an integer in `[−2^63, 2^63)`.
pub fn fr_to_i64(x: Fr) -> Option<i64> {
    let small = |v: Fr| -> Option<u64> {
        let b = v.into_bigint();
        b.0[1..].iter().all(|l| *l == 0).then_some(b.0[0])
    };
    match small(x) {
        Some(v) => i64::try_from(v).ok(),
        // −v for 1 ≤ v ≤ 2^63 (v = 2^63 is i64::MIN).
        None => small(-x)
            .filter(|v| *v <= 1u64 << 63)
            .map(|v| 0i64.wrapping_sub_unsigned(v)),
    }
}

/// Scalar to its big-endian word.
pub fn fr_to_word(x: &Fr) -> Word {
    let mut w = [0u8; 32];
    w.copy_from_slice(&x.into_bigint().to_bytes_be());
    w
}

fn fq_to_word(x: &Fq) -> Word {
    let mut w = [0u8; 32];
    w.copy_from_slice(&x.into_bigint().to_bytes_be());
    w
}

/// Decode a canonical scalar; `word` is the index used in error messages.
pub fn fr_from_word(bytes: &Word, word: usize) -> Result<Fr, EncodingError> {
    let x = Fr::from_be_bytes_mod_order(bytes);
    if fr_to_word(&x) != *bytes {
        return Err(EncodingError::ScalarNotCanonical { word });
    }
    Ok(x)
}

fn fq_from_word(bytes: &Word, word: usize) -> Result<Fq, EncodingError> {
    let x = Fq::from_be_bytes_mod_order(bytes);
    if fq_to_word(&x) != *bytes {
        return Err(EncodingError::CoordinateNotCanonical { word });
    }
    Ok(x)
}

/// Reduce 32 bytes (a Keccak output) modulo `r`.
pub fn fr_from_hash(bytes: &Word) -> Fr {
    Fr::from_be_bytes_mod_order(bytes)
}

/// G1 point to `x ‖ y`; the identity encodes as `(0, 0)` (as the EVM precompiles do).
pub fn g1_to_words(p: &G1Affine) -> [Word; 2] {
    match p.xy() {
        Some((x, y)) => [fq_to_word(&x), fq_to_word(&y)],
        None => [[0u8; 32], [0u8; 32]],
    }
}

/// Decode a G1 point, checking canonical coordinates and the curve equation. The identity is refused:
/// an honest proof never contains it (every committed polynomial is blinded).
pub fn g1_from_words(x: &Word, y: &Word, word: usize) -> Result<G1Affine, EncodingError> {
    let xf = fq_from_word(x, word)?;
    let yf = fq_from_word(y, word + 1)?;
    // BN254 G1 has cofactor 1: on the curve means in the group.
    if yf.square() != xf.square() * xf + Fq::from(3u64) {
        return Err(EncodingError::NotOnCurve { word });
    }
    Ok(G1Affine::new_unchecked(xf, yf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_std::UniformRand;

    #[test]
    fn scalar_round_trip_and_canonicity() {
        let mut rng = ark_std::test_rng();
        for _ in 0..20 {
            let x = Fr::rand(&mut rng);
            assert_eq!(fr_from_word(&fr_to_word(&x), 0), Ok(x));
        }
        let mut r_bytes = [0u8; 32];
        r_bytes.copy_from_slice(&Fr::MODULUS.to_bytes_be());
        assert_eq!(
            fr_from_word(&r_bytes, 7),
            Err(EncodingError::ScalarNotCanonical { word: 7 })
        );
    }

    #[test]
    fn point_round_trip_and_rejections() {
        let mut rng = ark_std::test_rng();
        let p = (G1Affine::generator() * Fr::rand(&mut rng)).into_affine();
        let [x, y] = g1_to_words(&p);
        assert_eq!(g1_from_words(&x, &y, 0), Ok(p));
        let mut bad_y = y;
        bad_y[31] ^= 1;
        assert_eq!(g1_from_words(&x, &bad_y, 4), Err(EncodingError::NotOnCurve { word: 4 }));
        let mut p_bytes = [0u8; 32];
        p_bytes.copy_from_slice(&Fq::MODULUS.to_bytes_be());
        assert_eq!(
            g1_from_words(&p_bytes, &y, 2),
            Err(EncodingError::CoordinateNotCanonical { word: 2 })
        );
        assert!(g1_from_words(&[0u8; 32], &[0u8; 32], 0).is_err(), "identity refused");
    }

    #[test]
    fn powers_start_at_one() {
        assert_eq!(
            powers(Fr::from(3u64), 3),
            vec![Fr::from(1u64), Fr::from(3u64), Fr::from(9u64)]
        );
    }

    #[test]
    fn signed_integers() {
        for v in [-5i64, 0, 7, -(1 << 40), 1 << 40, i64::MIN, i64::MAX] {
            assert_eq!(fr_to_i64(fr_from_i64(v)), Some(v));
        }
        let two63 = Fr::from(1u64 << 63);
        assert_eq!(fr_to_i64(two63), None, "2^63 is no i64");
        assert_eq!(fr_to_i64(-two63 - Fr::from(1u64)), None, "−2^63 − 1 is no i64");
        assert_eq!(fr_to_i64(Fr::from(u64::MAX)), None);
    }
}
