//! Basic blocks (ZKTorch §4): each file holds one block's prover polynomials, its verifier identities
//! at `ζ`, and its tests. Every identity is `E(X) = 0` on the block's domain; the prover folds all
//! identities of a domain with powers of `γ` into one quotient `Q_d = Σ γᵏ E_k / Z_d`.
//!
//! | block | statement | prover messages |
//! |---|---|---|
//! | [`linear`] | `y = W·x`, `W` fixed in the vk as row commitments | two running sums, one scalar |
//! | [`add`] | `acc = y + b`, `b` fixed in the vk | none (homomorphic) |
//! | [`lookup`] | `q = round(acc / 2^s)` and `z = act(q)`, by LogUp into the vk table | `h`, running sum, one scalar |

pub mod add;
pub mod linear;
pub mod lookup;

use ark_bn254::Fr;
use ark_ff::{Field, Zero};

/// Values of a running sum `s_{j+1} = s_j + d_j − total/n` over a domain, starting at `s_0 = 0`.
///
/// The identity `s(ωX) − s(X) − d(X) + total/n = 0` holds on all of `H` exactly when `Σ_H d = total`:
/// summed over `H` the `s` terms telescope away. No degree bound on any polynomial is needed.
pub fn running_sum(terms: &[Fr], total: Fr) -> Vec<Fr> {
    let n_inv = Fr::from(terms.len() as u64).inverse().unwrap_or_default();
    let mut s = Vec::with_capacity(terms.len());
    let mut acc = Fr::zero();
    for d in terms {
        s.push(acc);
        acc += *d - total * n_inv;
    }
    s
}

/// `1/n` for a domain size (never zero in `Fr`).
pub fn inv_size(n: usize) -> Fr {
    Fr::from(n as u64).inverse().unwrap_or_default()
}
