//! Input-range block: every position of a private input (padding included) lies in the lookup
//! window, by LogUp into the table's identity half (`docs/protocols/lookup.md` "Private input").
//!
//! The tuple is `(0, x, x)`, compressed to `(θ + θ²)·x`; the inverse column `h = 1/(β + a)` proves
//! `h·(β + a) − 1 = 0` on `H_N₀`, lifted to `H_n` (checked at `ζ^{n/N₀}`), and adds `(N₀/n)·h` to the
//! LogUp sum.

use super::lookup;
use super::rowsum::compose_power;
use super::{At, Block, ClaimCx, Identities, Poly, Tensor};
use crate::poly::Domain;
use crate::protocol::{inverse, AlgebraError, LayoutBuilder, Lin, PointSpec};
use crate::prover::{internal, ProveError, ProverState};
use crate::solidity::{SolBlock, SolCx};
use ark_bn254::Fr;
use ark_ff::{Field, One};
use rand::RngCore;

/// The range check of one committed tensor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputRange {
    /// The tensor (committed).
    pub x: usize,
    /// Its domain `H_N₀`.
    pub dom: Domain,
    /// Inverse column `[h]` (round 2).
    pub h: usize,
    /// `x`, `h` at `ζ^{n/N₀}`.
    pub at: [At; 2],
}

impl InputRange {
    /// The range check of tensor `x`.
    pub fn new(x: usize, tensors: &[Tensor]) -> Self {
        Self {
            x,
            dom: tensors[x].dom,
            h: 0,
            at: [At::Eval(0); 2],
        }
    }
}

impl Block for InputRange {
    fn describe(&self) -> String {
        format!(
            "InputRange: the private input lies in the window, on H_{}",
            self.dom.size()
        )
    }
    fn domains(&self) -> Vec<Domain> {
        vec![self.dom]
    }
    fn max_degree(&self) -> usize {
        0 // lifted: below 3n, the lookup domain's bound
    }
    fn alloc_round2(&mut self, b: &mut LayoutBuilder) {
        self.h = b.commit();
    }
    fn alloc_openings(&mut self, b: &mut LayoutBuilder) {
        let p = b.point(PointSpec::new((b.domain.size() / self.dom.size()) as u64, 0, 0));
        self.at = [b.read(self.x, p), At::Eval(b.open(self.h, p))];
    }
    fn identity_count(&self) -> usize {
        1
    }
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError> {
        let [x, h] = self.at.map(|a| cx.val(a));
        out.list
            .push(Lin::scalar(lookup::range_identity(x, h, cx.ch) * cx.zn_inv));
        let n = Fr::from(cx.layout.domain.size() as u64);
        out.logup += Fr::from(self.dom.size() as u64) * inverse(n)? * h;
        Ok(())
    }
    fn witness(&self, st: &mut ProverState<'_>) -> Result<(), ProveError> {
        for j in 0..self.dom.size() {
            let v = st.ints(self.x).get(j).copied().unwrap_or(0);
            st.bump(0, v)?;
        }
        Ok(())
    }
    fn prove_round2(&self, st: &mut ProverState<'_>, mut rng: &mut dyn RngCore) -> Result<Vec<Poly>, ProveError> {
        let (theta, beta) = (st.theta, st.beta);
        let k = theta + theta * theta;
        let a: Vec<Fr> = st.values(self.x).iter().map(|x| k * x).collect();
        let col = lookup::prove_range(self.dom, &a, beta, st.layout.blinding(self.h), &mut rng);
        let a_poly = &st.tensor_polys[self.x] * k;
        let one = Poly {
            coeffs: vec![Fr::one()],
        };
        let e = lookup::numerator(&col.poly, &a_poly, None, &one, beta);
        let q = self
            .dom
            .divide_by_vanishing(&e)
            .ok_or_else(|| internal("the input range identity does not vanish"))?;
        st.polys[self.h] = col.poly;
        st.add_lifted(&col.share, self.dom);
        Ok(vec![compose_power(&q, st.layout.domain.size() / self.dom.size())])
    }
    fn solidity(&self, sx: &mut SolCx<'_>) -> SolBlock {
        let n = Fr::from(sx.layout.domain.size() as u64);
        let w = Fr::from(self.dom.size() as u64) * n.inverse().unwrap_or_default();
        let args = [sx.val(self.at[0]), sx.val(self.at[1]), SolCx::dec(w)];
        SolBlock {
            comment: self.describe(),
            call: format!("_inputRange(st, {});", SolCx::args(&args)),
            denominators: vec![],
        }
    }
}
