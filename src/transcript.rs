//! The Fiat–Shamir transcript: Keccak-256, byte-identical in Rust and Solidity.
//!
//! Specification (`docs/transcript.md`):
//!
//! ```text
//! state₀           = keccak256("zkt-eth.transcript.v2")
//! absorb(tag, ws)  : state ← keccak256(state ‖ tag ‖ len(ws) ‖ w₀ ‖ w₁ ‖ …)   every item a 32-byte word
//! squeeze()        : counter ← counter + 1;  c = keccak256(state ‖ counter) mod r
//! ```
//!
//! G1 points are absorbed as `x ‖ y`, scalars as one big-endian word, tags and lengths as one word
//! holding a small integer. Squeezing does not change `state`; the counter makes successive
//! challenges distinct, and any later absorb changes every later challenge. The length word keeps an
//! absorb (at least 96 bytes hashed) apart from a squeeze (64 bytes) even for an empty word list.

use crate::field::{fr_from_hash, fr_to_word, g1_to_words, Word};
use ark_bn254::{Fr, G1Affine};
use sha3::{Digest, Keccak256};

/// Keccak-256 of a byte string.
pub fn keccak256(bytes: &[u8]) -> Word {
    Keccak256::digest(bytes).into()
}

/// A small integer as a 32-byte word (tags, lengths, counters).
pub fn word_u64(v: u64) -> Word {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&v.to_be_bytes());
    w
}

/// Domain-separation tags: one per absorb, in protocol order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Tag {
    /// The verifying-key digest.
    VkDigest = 1,
    /// Public inputs then public outputs (each list preceded by its length).
    PublicValues = 2,
    /// Round 1: witness tensors, RowSum columns and lookup multiplicities.
    Witness = 3,
    /// Round 2: the lookup inverse columns, the table side and the running sum.
    Inverses = 4,
    /// Retired: v1's running-sum round (v2 commits the running sum in round 2). Kept so that tag
    /// numbers stay stable.
    RunningSum = 5,
    /// Round 3: the quotient.
    Quotient = 6,
    /// Evaluations at every point.
    Evaluations = 7,
    /// The decider's first Shplonk point `[W]`.
    Openings = 8,
}

/// The Keccak transcript.
#[derive(Clone, Debug)]
pub struct Transcript {
    state: Word,
    counter: u64,
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}

impl Transcript {
    /// A fresh transcript.
    pub fn new() -> Self {
        Self {
            state: keccak256(b"zkt-eth.transcript.v2"),
            counter: 0,
        }
    }

    /// Absorb a tagged list of words.
    pub fn absorb(&mut self, tag: Tag, words: &[Word]) {
        let mut buf = Vec::with_capacity(32 * (words.len() + 3));
        buf.extend_from_slice(&self.state);
        buf.extend_from_slice(&word_u64(tag as u64));
        buf.extend_from_slice(&word_u64(words.len() as u64));
        for w in words {
            buf.extend_from_slice(w);
        }
        self.state = keccak256(&buf);
    }

    /// Draw a challenge in `Fr`.
    pub fn squeeze(&mut self) -> Fr {
        self.counter += 1;
        let mut buf = [0u8; 64];
        buf[..32].copy_from_slice(&self.state);
        buf[32..].copy_from_slice(&word_u64(self.counter));
        fr_from_hash(&keccak256(&buf))
    }

    /// The current state (for test vectors).
    pub fn state(&self) -> Word {
        self.state
    }
}

/// Collects words for one absorb: points as `x ‖ y`, scalars as one word.
#[derive(Default, Debug, Clone)]
pub struct Words(pub Vec<Word>);

impl Words {
    /// Append a point.
    pub fn point(&mut self, p: &G1Affine) -> &mut Self {
        self.0.extend(g1_to_words(p));
        self
    }
    /// Append a scalar.
    pub fn scalar(&mut self, x: &Fr) -> &mut Self {
        self.0.push(fr_to_word(x));
        self
    }
    /// Append a small integer.
    pub fn int(&mut self, v: u64) -> &mut Self {
        self.0.push(word_u64(v));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_depend_on_every_absorbed_word_and_the_counter() {
        let mut a = Transcript::new();
        a.absorb(Tag::VkDigest, &[word_u64(1)]);
        let mut b = Transcript::new();
        b.absorb(Tag::VkDigest, &[word_u64(2)]);
        assert_ne!(a.clone().squeeze(), b.clone().squeeze());
        let c1 = a.squeeze();
        let c2 = a.squeeze();
        assert_ne!(c1, c2);
        let mut c = Transcript::new();
        c.absorb(Tag::PublicValues, &[word_u64(1)]);
        assert_ne!(Transcript::new().state(), c.state());
    }
}
