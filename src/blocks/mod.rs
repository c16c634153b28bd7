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

pub mod add;
pub mod linear;
pub mod lookup;
