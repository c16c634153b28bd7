//! Table block: the table side of the LogUp argument (`docs/protocols/lookup.md`).
//!
//! The table `T = (kind, v, f_kind(v))` lives on the lookup domain `H_n` (kinds interleaved, its
//! kind column a closed form in `X^{n/K}`, [`crate::lookup_table::LookupTable::kind_at`]; `[T_v]`, `[T_f]`
//! are vk points that `check-vk` recomputes). The prover commits the multiplicities `m` (round 1,
//! counted by every lookup instance's `witness`) and `g = m/(β + T)` (round 2), proves
//! `g·(β + T) − m = 0` on `H_n`, and adds `−g` to the LogUp sum. `T_v`, `T_f` are never opened: they
//! stay linearised in the quotient claim.

use super::lookup;
use super::{At, Block, ClaimCx, Identities, Poly};
use crate::poly::Domain;
use crate::protocol::{AlgebraError, Base, LayoutBuilder};
use crate::prover::{internal, ProveError, ProverState};
use crate::solidity::{SolBlock, SolCx};
use ark_bn254::Fr;
use rand::RngCore;

/// The table side (one instance per proof).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableSide {
    /// Multiplicities `[m]` (round 1).
    pub m: usize,
    /// `[g] = m/(β + T)` (round 2).
    pub g: usize,
    /// `m(ζ)`, `g(ζ)`.
    pub at: [usize; 2],
}

impl Block for TableSide {
    fn describe(&self) -> String {
        "Table: the LogUp table side on H_n".into()
    }
    fn domains(&self) -> Vec<Domain> {
        vec![]
    }
    fn max_degree(&self) -> usize {
        0 // below 3n, the lookup domain's bound
    }
    fn alloc_round1(&mut self, b: &mut LayoutBuilder) {
        self.m = b.commit();
    }
    fn alloc_round2(&mut self, b: &mut LayoutBuilder) {
        self.g = b.commit();
    }
    fn alloc_openings(&mut self, b: &mut LayoutBuilder) {
        self.at = [b.open(self.m, 0), b.open(self.g, 0)];
    }
    fn identity_count(&self) -> usize {
        1
    }
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError> {
        let [m, g] = self.at.map(|e| cx.val(At::Eval(e)));
        let kind_at = cx.vk.lookup_table().kind_at(cx.layout.domain, cx.ch.zeta);
        out.list
            .push(lookup::table_identity(m, g, kind_at, cx.ch).scale(cx.zn_inv));
        out.logup -= g;
        Ok(())
    }
    fn prove_round1(&self, st: &mut ProverState<'_>, mut rng: &mut dyn RngCore) -> Result<(), ProveError> {
        let n = st.layout.domain;
        let m: Vec<Fr> = st.multiplicities.iter().map(|c| Fr::from(*c)).collect();
        let blinded = n.blinded_with(&m, st.layout.blinding(self.m), &mut rng);
        st.put_lagrange(self.m, blinded);
        Ok(())
    }
    fn prove_round2(&self, st: &mut ProverState<'_>, mut rng: &mut dyn RngCore) -> Result<Vec<Poly>, ProveError> {
        let n = st.layout.domain;
        let (theta, beta) = (st.theta, st.beta);
        let cols = st.table.columns(n);
        let table_polys: Vec<Poly> = cols.iter().map(|c| n.interpolate(c)).collect();
        let values: Vec<Fr> = (0..n.size())
            .map(|i| lookup::compress(theta, cols[0][i], cols[1][i], cols[2][i]))
            .collect();
        let m: Vec<Fr> = st.multiplicities.iter().map(|c| Fr::from(*c)).collect();
        let col = lookup::prove_table(n, (&values, &m), beta, st.layout.blinding(self.g), &mut rng);
        let t_poly = &(&table_polys[0] + &(&table_polys[1] * theta)) + &(&table_polys[2] * (theta * theta));
        let q = n
            .divide_by_vanishing(&lookup::numerator(&col.poly, &t_poly, None, &st.polys[self.m], beta))
            .ok_or_else(|| internal("the table identity does not vanish"))?;
        st.put_lagrange(self.g, col.blinded);
        st.add_lifted(&col.share, n);
        st.table_polys = table_polys;
        Ok(vec![q])
    }
    fn solidity(&self, sx: &mut SolCx<'_>) -> SolBlock {
        let args = self.at.map(|e| sx.val(At::Eval(e)));
        SolBlock {
            comment: self.describe(),
            call: format!(
                "_table(st, {}, {}, _kindAt(st));",
                SolCx::args(&args),
                sx.vk_point(Base::Table(0))
            ),
            denominators: vec![],
        }
    }
}
