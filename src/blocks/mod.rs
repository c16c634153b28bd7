//! Basic blocks (ZKTorch §4): each file holds one block's prover polynomials, its verifier identities
//! at `ζ`, and its tests. Every identity is `E(X) = 0` on the block's domain; the prover folds all
//! identities of a domain (with that domain's running-sum identity) with powers of `γ` into one
//! quotient `Q_d = Σ γᵏ E_k / Z_d`.
//!
//! | block | statement | prover messages |
//! |---|---|---|
//! | [`linear`] | `y = W·x`, `W` fixed in the vk as row commitments | one scalar, two sum claims |
//! | [`add`] | `acc = y + b`, `b` fixed in the vk | none (homomorphic) |
//! | [`lookup`] | `q = round(acc / 2^s)` and `z = act(q)`, by LogUp into the vk table | `h`, one scalar, one sum claim |
//!
//! Sum claims of all blocks are proven together by one running sum per domain ([`crate::sumcheck`]).

pub mod add;
pub mod linear;
pub mod lookup;
