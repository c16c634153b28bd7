//! Input-binding block: a committed input is the one behind a public commitment
//! (`docs/protocols/input_binding.md`).
//!
//! The input's owner publishes `C = [c(τ)]₁` with `c = x̂ + r·Z_{N₀}` (`x̂` the input on `H_{N₀}`,
//! bit-reversed layout, zero padded; `r` a secret random constant, so `C` is perfectly hiding,
//! whatever the input space; [`crate::commitment`]). The proof commits the input tensor as any hidden
//! tensor, `x₀ = x̂ + r'·Z_{N₀}` with fresh `r'`. The block proves
//!
//! ```text
//! x₀(X) − c(X) = 0   on H_{N₀}
//! ```
//!
//! like every other identity: divided by `Z_{N₀}`, folded into the one quotient (its part is
//! `(x₀ − c)/Z_{N₀} = r' − r`), with `[x₀]` and `C` left committed in the quotient claim (the term
//! `([x₀] − C)/Z_{N₀}(ζ)`, weighted by its power of `γ`). The division is what makes it sound: an
//! identity that is not divided by a vanishing polynomial is a polynomial whatever the witness, and the
//! prover could absorb it into `[Q]`. Then `x₀ = c` on `H_{N₀}`: the input, padding included, is the
//! committed one. Nothing about `c` is evaluated, so one commitment serves any number of proofs.
//! `r'(τ) − r(τ)` enters `[Q]`, one more value of `r'`, so `x₀` carries one more blinding
//! coefficient.

use super::{Block, ClaimCx, Col, Identities, Poly};
use crate::poly::Domain;
use crate::protocol::{inverse, AlgebraError, Base, LayoutBuilder, Lin};
use crate::prover::{ProveError, ProverState};
use crate::solidity::{SolBlock, SolCx};
use ark_bn254::Fr;
use ark_ff::Zero;
use ark_poly::DenseUVPolynomial;

/// The binding of tensor `x` (the model input) to the public commitment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputBinding {
    /// The tensor (committed).
    pub x: usize,
    /// Its domain `H_{N₀}`.
    pub dom: Domain,
    /// Its commitment index.
    pub x_commit: usize,
}

impl InputBinding {
    /// The binding of tensor `x`.
    pub fn new(x: usize, tensors: &[super::Tensor]) -> Self {
        Self {
            x,
            dom: tensors[x].dom,
            x_commit: 0,
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
    fn alloc_openings(&mut self, b: &mut LayoutBuilder) {
        if let Col::Commit(c) = b.tensors[self.x].col {
            self.x_commit = c;
        }
        b.reveal_extra(self.x_commit);
        b.keep_whole(self.x_commit);
    }
    fn identity_count(&self) -> usize {
        1
    }
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError> {
        if cx.public.commitment.is_none() {
            return Err(AlgebraError::MissingCommitment);
        }
        let z_inv = inverse(self.dom.vanishing_at(cx.ch.zeta))?;
        out.list.push(Lin {
            c: Fr::zero(),
            terms: vec![(z_inv, Base::Commit(self.x_commit)), (-z_inv, Base::InputCommitment)],
        });
        Ok(())
    }
    fn quotient(&self, st: &ProverState<'_>, _: &[Poly], gammas: &[Fr]) -> Result<Poly, ProveError> {
        let opening = st
            .opening
            .ok_or_else(|| ProveError::Internal("a committed input needs its opening".into()))?;
        // x₀ = x̂ + r'(X)·Z and c = x̂ + r(X)·Z, so (x₀ − c)/Z = r' − r.
        let fresh = &st.blinds[self.x_commit];
        let len = fresh.len().max(opening.blind.len());
        let coeffs = (0..len)
            .map(|i| {
                fresh.get(i).copied().unwrap_or_else(Fr::zero) - opening.blind.get(i).copied().unwrap_or_else(Fr::zero)
            })
            .collect();
        Ok(&Poly::from_coefficients_vec(coeffs) * gammas[0])
    }
    fn denominators(&self, cx: &ClaimCx<'_>) -> Vec<Fr> {
        vec![self.dom.vanishing_at(cx.ch.zeta)]
    }
    fn solidity(&self, sx: &mut SolCx<'_>) -> SolBlock {
        let at = sx.inverses(1);
        SolBlock {
            comment: self.describe(),
            call: format!("_inputBinding(st, {}, {at});", sx.layout.slot_of[self.x_commit].0),
            denominators: vec![format!("d[{at}] = addmod(zp[{}], R - 1, R);", self.dom.log_size)],
        }
    }
}
