//! Basic blocks (ZKTorch §4): each file holds one block's prover polynomials, its verifier identities
//! at `ζ`, its integer `check`, and its tests. Every identity declares the domain it vanishes on; the
//! prover folds all of them (and the running-sum identity of [`crate::sumcheck`]) with powers of `γ`
//! into ONE quotient `Q = Σ γᵉ·E_e / Z_{d(e)}` ([`crate::protocol`]). Adding a block: see
//! `docs/protocols/README.md` "Adding a block".
//!
//! | block | statement | domain | prover messages | verifier per instance |
//! |---|---|---|---|---|
//! | [`rowsum`] | `y = W·x + b`, `W`, `b` fixed in the vk as ONE hiding point each | `H_K`, `K = M·N` | `[R]`, 2 evaluations | 2 vk points, 3 inversions |
//! | [`lookup`] | `q = round(y / 2^s)` and `z = act(q)`, by LogUp into the vk table | `H_M`, lifted to `H_n` | `[h]`, a share of the LogUp balance | field work only |
//!
//! No claimed sum is ever sent: the one sum claim (LogUp) has total zero (zero knowledge for the
//! activations), and tensors on smaller domains enter it through power maps, so no per-domain total
//! is revealed either.
//!
//! Each block also has a `check` function: its statement as an exact integer relation on a witness,
//! without keys or proofs (`zkt-eth mock`). A witness that passes every check is one the prover
//! can prove; a failing check names the position and why.

pub mod lookup;
pub mod rowsum;
/// Where and why a block's statement fails on a witness (see the blocks' `check` functions).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("position {position}: {reason}")]
pub struct Violation {
    /// The first failing position (output index of the layer, or input index).
    pub position: usize,
    /// What does not hold there.
    pub reason: String,
}
