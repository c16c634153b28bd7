//! Input-binding block: a committed input is the one behind a public commitment
//! (`docs/protocols/input_binding.md`).
//!
//! The input's owner publishes `C = [c(τ)]₁` with `c = x̂ + r·Z_{N₀}` (`x̂` the input on `H_{N₀}`,
//! zero padded; `r` a secret random constant, so `C` is perfectly hiding, whatever the input space;
//! [`crate::commitment`]). The proof commits the input tensor as any hidden tensor,
//! `x₀ = x̂ + r'·Z_{N₀}` with fresh `r'`, and `[δ]` with `δ = r' − r` (round 1). The identity
//!
//! ```text
//! x₀(X) − c(X) − Z_{N₀}(X)·δ(X) = 0        (as polynomials, not only on a domain)
//! ```
//!
//! is checked at `ζ` with every polynomial left committed: the term
//! `[x₀] − C − Z_{N₀}(ζ)·[δ]` joins the quotient claim, opening to `0`. It holds at a random `ζ` only
//! if it holds identically (`C`, `[x₀]`, `[δ]` are fixed before `ζ`), and then `x₀ = c` on
//! `H_{N₀}`: the input, padding included, is the committed one. Nothing about `c` is evaluated, so
//! one commitment serves any number of proofs; `[δ]` reveals `r'(τ) − r(τ)`, one more value of `r'`,
//! so `x₀` carries one more blinding coefficient.

use super::{Block, ClaimCx, Col, Identities, Poly};
use crate::poly::Domain;
use crate::protocol::{AlgebraError, Base, LayoutBuilder, Lin};
use crate::prover::{ProveError, ProverState};
use crate::solidity::{SolBlock, SolCx};
use ark_bn254::Fr;
use ark_ff::{One, Zero};
use rand::RngCore;

/// The binding of tensor `x` (the model input) to the public commitment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputBinding {
    /// The tensor (committed).
    pub x: usize,
    /// Its domain `H_{N₀}`.
    pub dom: Domain,
    /// Its commitment index.
    pub x_commit: usize,
    /// `[δ]` (round 1).
    pub delta: usize,
}

impl InputBinding {
    /// The binding of tensor `x`.
    pub fn new(x: usize, tensors: &[super::Tensor]) -> Self {
        Self {
            x,
            dom: tensors[x].dom,
            x_commit: 0,
            delta: 0,
        }
    }
}

impl Block for InputBinding {
    fn describe(&self) -> String {
        format!("InputBinding: the input on H_{} is the committed one", self.dom.size())
    }
    fn domains(&self) -> Vec<Domain> {
        vec![self.dom]
    }
    fn max_degree(&self) -> usize {
        self.dom.size() + 16
    }
    fn alloc_round1(&mut self, b: &mut LayoutBuilder) {
        if let Col::Commit(c) = b.tensors[self.x].col {
            self.x_commit = c;
        }
        self.delta = b.commit();
    }
    fn alloc_openings(&mut self, b: &mut LayoutBuilder) {
        b.reveal_extra(self.x_commit);
    }
    fn identity_count(&self) -> usize {
        1
    }
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError> {
        if cx.public.commitment.is_none() {
            return Err(AlgebraError::DegenerateChallenge);
        }
        out.list.push(Lin {
            c: Fr::zero(),
            terms: vec![
                (Fr::one(), Base::Commit(self.x_commit)),
                (-Fr::one(), Base::InputCommitment),
                (-self.dom.vanishing_at(cx.ch.zeta), Base::Commit(self.delta)),
            ],
        });
        Ok(())
    }
    fn prove_round1(&self, st: &mut ProverState<'_>, _rng: &mut dyn RngCore) -> Result<(), ProveError> {
        let opening = st
            .opening
            .ok_or_else(|| ProveError::Internal("a committed input needs its opening".into()))?;
        // x₀ = x̂ + r'(X)·Z, c = x̂ + r(X)·Z: δ = r' − r.
        let fresh = &st.blinds[self.x_commit];
        let len = fresh.len().max(opening.blind.len());
        let coeffs = (0..len)
            .map(|i| {
                fresh.get(i).copied().unwrap_or_else(Fr::zero) - opening.blind.get(i).copied().unwrap_or_else(Fr::zero)
            })
            .collect();
        st.polys[self.delta] = Poly { coeffs };
        Ok(())
    }
    fn solidity(&self, _sx: &mut SolCx<'_>) -> SolBlock {
        SolBlock {
            comment: self.describe(),
            call: format!(
                "_inputBinding(st, {}, {}, {});",
                self.x_commit, self.delta, self.dom.log_size
            ),
            denominators: vec![],
        }
    }
}
