//! Running-sum block: the LogUp sum of every lookup instance's share is zero
//! ([`crate::sumcheck`], `docs/protocols/lookup.md`).
//!
//! The prover commits `s` on `H_n` with `s(ω^{j+1}) = s(ω^j) + term(ω^j)`, `s(1) = 0`, where `term`
//! is the sum of the lifted shares of every instance before it, and proves
//! `s(ωX) − s(X) − term(X) = 0` on `H_n`. It must be the last instance: the verifier's `term(ζ)` is
//! the sum the earlier instances left in [`Identities::logup`].

use super::{At, Block, ClaimCx, Identities, Poly};
use crate::poly::Domain;
use crate::protocol::{AlgebraError, LayoutBuilder, Lin};
use crate::prover::{internal, ProveError, ProverState};
use crate::solidity::{SolBlock, SolCx};
use crate::sumcheck;
use rand::RngCore;

/// The running sum (one instance per proof, last).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunningSum {
    /// `[s]` (round 2).
    pub s: usize,
    /// `s(ζ)`, `s(ω_nζ)`.
    pub at: [usize; 2],
}

impl Block for RunningSum {
    fn describe(&self) -> String {
        "RunningSum: the LogUp sum is zero, on H_n".into()
    }
    fn domains(&self) -> Vec<Domain> {
        vec![]
    }
    fn max_degree(&self) -> usize {
        0 // below 3n, the lookup domain's bound
    }
    fn alloc_round2(&mut self, b: &mut LayoutBuilder) {
        self.s = b.commit();
    }
    fn alloc_openings(&mut self, b: &mut LayoutBuilder) {
        self.at = [b.open(self.s, 0), b.open(self.s, 1)];
    }
    fn identity_count(&self) -> usize {
        1
    }
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError> {
        let [s, s_next] = self.at.map(|e| cx.val(At::Eval(e)));
        out.list
            .push(Lin::scalar(sumcheck::identity(s, s_next, out.logup) * cx.zn_inv));
        Ok(())
    }
    fn prove_round2(&self, st: &mut ProverState<'_>, mut rng: &mut dyn RngCore) -> Result<Vec<Poly>, ProveError> {
        let n = st.layout.domain;
        // s is revealed at τ, ζ, ω_nζ, and at ω_nτ inside [Q]: four coefficients.
        let blinded = n.blinded_with(
            &sumcheck::running_values(&st.logup),
            st.layout.blinding(self.s),
            &mut rng,
        );
        st.put_lagrange(self.s, blinded);
        let q = n
            .divide_by_vanishing(&sumcheck::numerator(n, &st.polys[self.s], &st.logup))
            .ok_or_else(|| internal("the LogUp balance is not zero"))?;
        Ok(vec![q])
    }
    fn solidity(&self, sx: &mut SolCx<'_>) -> SolBlock {
        let args = self.at.map(|e| sx.val(At::Eval(e)));
        SolBlock {
            comment: self.describe(),
            call: format!("_runningSum(st, {});", SolCx::args(&args)),
            denominators: vec![],
        }
    }
}
