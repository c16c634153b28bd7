//! The proof and its byte encoding (`docs/proof-format.md`): 32-byte big-endian words in the order
//! commitments (rounds 1–3), evaluations, the two Shplonk points, the inversion hint. The vk fixes every
//! count, so the length is exact and nothing is self-described. There are no other scalars: every sum
//! claim has total zero.

use crate::field::{fr_from_word, fr_to_word, g1_from_words, g1_to_words, EncodingError, Word};
use crate::protocol::{Layout, OPENINGS};
use ark_bn254::{Fr, G1Affine};

/// A proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof {
    /// All commitments (rounds 1–3), in `Layout` order.
    pub commits: Vec<G1Affine>,
    /// Evaluations.
    pub evals: Vec<Fr>,
    /// The decider's Shplonk opening `[W]`, `[W']` (all points at once).
    pub openings: Vec<G1Affine>,
    /// The inverse of the product of the verifier's denominators
    /// ([`crate::protocol::inversion_set`]): the verifier checks one product against it instead of
    /// inverting. Determined by everything before it, so it is not absorbed.
    pub inverse: Fr,
}

/// Why proof bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Wrong length for this vk.
    #[error("proof is {got} bytes but this verifying key expects exactly {expected} ({words} words); truncated file or proof for another model?")]
    Length {
        /// Expected bytes.
        expected: usize,
        /// Actual bytes.
        got: usize,
        /// Expected words.
        words: usize,
    },
    /// A malformed element.
    #[error(transparent)]
    Element(#[from] EncodingError),
}

impl Proof {
    /// Encode as words.
    pub fn to_words(&self) -> Vec<Word> {
        let mut w = vec![];
        let pts = |w: &mut Vec<Word>, ps: &[G1Affine]| ps.iter().for_each(|p| w.extend(g1_to_words(p)));
        pts(&mut w, &self.commits);
        w.extend(self.evals.iter().map(fr_to_word));
        pts(&mut w, &self.openings);
        w.push(fr_to_word(&self.inverse));
        w
    }

    /// Encode as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_words().concat()
    }

    /// Decode, validating every element (coordinates `< p` and on the curve, scalars `< r`).
    pub fn from_bytes(bytes: &[u8], layout: &Layout) -> Result<Self, DecodeError> {
        let words = layout.proof_words();
        if bytes.len() != 32 * words {
            return Err(DecodeError::Length {
                expected: 32 * words,
                got: bytes.len(),
                words,
            });
        }
        let w: Vec<Word> = bytes
            .chunks_exact(32)
            .map(|c| c.try_into().unwrap_or([0u8; 32]))
            .collect();
        let mut pos = 0usize;
        let points = |n: usize, pos: &mut usize| -> Result<Vec<G1Affine>, EncodingError> {
            let out = (0..n)
                .map(|i| g1_from_words(&w[*pos + 2 * i], &w[*pos + 2 * i + 1], *pos + 2 * i))
                .collect();
            *pos += 2 * n;
            out
        };
        let commits = points(layout.n_commits, &mut pos)?;
        let evals = (0..layout.n_evals)
            .map(|i| fr_from_word(&w[pos + i], pos + i))
            .collect::<Result<Vec<_>, _>>()?;
        pos += layout.n_evals;
        let openings = points(OPENINGS, &mut pos)?;
        let inverse = fr_from_word(&w[pos], pos)?;
        Ok(Self {
            commits,
            evals,
            openings,
            inverse,
        })
    }
}
