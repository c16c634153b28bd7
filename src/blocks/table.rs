//! Table block: the table side of the LogUp argument and the running sum that balances it against
//! every lookup (`docs/protocols/lookup.md`, [`crate::sumcheck`]).
//!
//! The table `T = (kind, v, f_kind(v))` lives on the lookup domain `H_n` (kinds interleaved, its
//! kind column a closed form in `X^{n/K}`, [`crate::lookup_table::LookupTable::kind_at`]; `[T_v]`, `[T_f]`
//! are vk points that `check-vk` recomputes). The prover commits the multiplicities `m` (round 1,
//! counted by every lookup instance's `witness`) and the running sum `s` (round 2) of every earlier
//! instance's share minus the table side `m/(β + T)`, and proves
//!
//! ```text
//! (s(ωX) − s(X) − term(X))·(β + T(X)) + m(X) = 0   on H_n
//! ```
//!
//! The table side `m/(β + T)` is never committed: multiplying the running-sum step by its
//! denominator folds it in, which saves one commitment and one evaluation. Lookup instances whose
//! shares are folded too ([`super::fold`]) multiply it by their denominators `D_k`:
//! `((s(ωX) − s(X) − term(X))·P − E)·(β + T(X)) + m(X)·P`, `P = Π D_k`, `E = P·Σ N_k/D_k`. `T_v`,
//! `T_f` are never opened: they stay linearised in the quotient claim, with the scalar
//! `(s(ωζ) − s(ζ) − term(ζ))·P(ζ) − E(ζ)`. It must be the last instance (`build_claims` refuses a
//! layout where it is not): `term(ζ)` is the sum the earlier instances left in
//! [`Identities::logup`], `P`, `E` come from [`Identities::folded`], and its prover reads the shares
//! they added.

use super::lookup;
use super::{At, Block, ClaimCx, Identities, Poly};
use crate::poly::Domain;
use crate::protocol::{AlgebraError, Base, LayoutBuilder};
use crate::prover::{internal, ProveError, ProverState};
use crate::solidity::{SolBlock, SolCx};
use crate::sumcheck;
use ark_bn254::Fr;
use rand::RngCore;

/// The largest lookup domain on which the multiplicities `m` may share a commitment
/// ([`crate::protocol::Layout::groups`]): its dense MSM then costs the prover a few milliseconds.
pub const SPARSE_GROUP_MAX: usize = 1 << 12;

/// The table side and the running sum (one instance per proof, last).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableSide {
    /// Multiplicities `[m]` (round 1).
    pub m: usize,
    /// The running sum `[s]` (round 2).
    pub s: usize,
    /// `m(ζ)`, `s(ζ)`, `s(ω_nζ)`.
    pub at: [usize; 3],
    /// The identity's degree bound with the folded shares ([`super::fold::FoldPlan::degree`]).
    pub max_degree: usize,
}

impl Block for TableSide {
    fn describe(&self) -> String {
        "Table: the LogUp table side and the running sum, on H_n".into()
    }
    fn domains(&self) -> Vec<Domain> {
        vec![]
    }
    fn max_degree(&self) -> usize {
        self.max_degree
    }
    fn alloc_round1(&mut self, b: &mut LayoutBuilder) {
        self.m = b.commit(b.domain);
        // `m` is sparse (one non-zero entry per table row used), so the prover commits it through
        // the Lagrange basis at the cost of its non-zero entries; in a group it would cost a dense
        // MSM of `n` points: only worth a verifier ecMul on a small lookup domain.
        if b.domain.size() > SPARSE_GROUP_MAX {
            b.keep_whole(self.m);
        }
    }
    fn alloc_round2(&mut self, b: &mut LayoutBuilder) {
        self.s = b.commit(b.domain);
    }
    fn alloc_openings(&mut self, b: &mut LayoutBuilder) {
        self.at = [b.open(self.m, 0), b.open(self.s, 0), b.open(self.s, 1)];
    }
    fn identity_count(&self) -> usize {
        1
    }
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError> {
        let [m, s, s_next] = self.at.map(|e| cx.val(At::Eval(e)));
        let kind_at = cx.vk.lookup_table().kind_at(cx.layout.domain, cx.ch.zeta);
        let d = sumcheck::difference(s, s_next, out.logup);
        out.list
            .push(lookup::balance_identity(m, d, kind_at, &out.folded, cx.ch).scale(cx.zn_inv));
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
        let g = lookup::table_inverses(&values, &m, beta);
        // s is revealed at τ, ζ, ω_nζ, and at ω_nτ inside [Q]: four coefficients.
        let blinded = n.blinded_with(
            &sumcheck::running_values(&st.logup, &g),
            st.layout.blinding(self.s),
            &mut rng,
        );
        st.put_lagrange(self.s, blinded);
        let t_poly = &(&table_polys[0] + &(&table_polys[1] * theta)) + &(&table_polys[2] * (theta * theta));
        let beta_t = &t_poly + &Poly { coeffs: vec![beta] };
        let e = sumcheck::numerator(
            n,
            &st.polys[self.s],
            &st.logup,
            (&beta_t, &st.polys[self.m]),
            &st.folded,
        )
        .ok_or_else(|| internal("the LogUp numerator's degree is past 2^28"))?;
        let q = match n.divide_by_vanishing(&e) {
            Some(q) => q,
            // A cheating prover in a soundness test (`ProverState::lenient`) sends what it has.
            None if st.lenient => n.quotient_by_vanishing(&e),
            None => return Err(internal("the LogUp balance is not zero")),
        };
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
