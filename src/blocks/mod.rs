//! Basic blocks (ZKTorch §4): each file holds one block's prover polynomials, its verifier identities
//! at `ζ`, and its tests. Every identity is `E(X) = 0` on the model's domain `H`; the prover folds all
//! identities (and the running-sum identity of [`crate::sumcheck`]) with powers of `γ` into one
//! quotient `Q = Σ γᵏ E_k / Z_H`.
//!
//! | block | statement | prover messages |
//! |---|---|---|
//! | [`linear`] | `y = W·x`, `W` fixed in the vk as row commitments | one zero-sum term, nothing sent |
//! | [`add`] | `acc = y + b`, `b` fixed in the vk | none (homomorphic) |
//! | [`lookup`] | `q = round(acc / 2^s)` and `z = act(q)`, by LogUp into the vk table | `[h]`, a share of the LogUp zero-sum term |
//!
//! No claimed sum is ever sent: every sum claim has total zero (zero knowledge for the weights).
//!
//! Each block also has a `check` function: its statement as an exact integer relation on a witness,
//! without keys or proofs (`zkt-eth mock`). A witness that passes every check is one the prover
//! can prove; a failing check names the position and why.

pub mod add;
pub mod linear;
pub mod lookup;

/// Where and why a block's statement fails on a witness (see the blocks' `check` functions).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("position {position}: {reason}")]
pub struct Violation {
    /// The first failing position (output index of the layer, or input index).
    pub position: usize,
    /// What does not hold there.
    pub reason: String,
}
