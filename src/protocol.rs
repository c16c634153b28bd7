//! The proof's shape and the verifier's algebra, shared by the prover and both verifiers
//! (`docs/protocols/README.md`).
//!
//! **Domains.** Every tensor lives on its own tight power-of-two domain ([`tensor_domain`]); the
//! lookup table, the multiplicities and the running sum live on the lookup domain `H_n`; the
//! RowSum block of layer `l` lives on its matrix domain `H_K`, `K = M·N`. Every identity declares
//! the domain it vanishes on, and all of them are folded with powers of `γ` into ONE quotient
//! `Q = Σ_e γ^e·E_e / Z_{d(e)}`.
//!
//! **Points.** Evaluations sit at `ζ`, `ω_n·ζ`, and per layer at `ω_K^{-1}·ζ`, `ζ^M`, `c·ζ` and
//! `ζ^{n/M}` ([`PointSpec`]); the decider opens all of them with one Shplonk proof
//! ([`crate::shplonk`]).
//!
//! `Lin` is a value at `ζ` that is linear in fixed (vk) commitments: weights, biases and the table
//! are never opened on their own; they enter the identity checks only inside the quotient claim,
//! whose opening value the verifier computes. `build_claims` turns a proof into KZG opening claims;
//! the prover calls the same function, so both sides agree by construction.

use crate::blocks::{At, Col, Instance, Tensor};
use crate::field::fr_from_i64;
use crate::keys::VerifyingKey;
use crate::poly::Domain;
use ark_bn254::{Fr, G1Affine};
use ark_ff::{Field, One, Zero};

/// A base point of a linear combination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Base {
    /// The proof's commitment with this index.
    Commit(usize),
    /// Layer `l`'s hiding weight-matrix commitment `[Ŵ]`.
    Weights(usize),
    /// Layer `l`'s hiding bias commitment `[B̂]` (on the matrix domain, at row starts).
    Bias(usize),
    /// Lookup table column (0 = value, 1 = function value; the kind column is public, closed form).
    Table(usize),
    /// The public input commitment `C` of a committed input ([`Public::commitment`]).
    InputCommitment,
    /// Copy layer `l`'s tag column `[Ŝ]` (lifted to `H_n`, public: `check-vk` recomputes it).
    CopyTags(usize),
    /// Copy layer `l`'s count column `[m̂]` (lifted to `H_n`, public: `check-vk` recomputes it).
    CopyCounts(usize),
}

/// `c + Σ sᵢ·[Pᵢ]`: a value whose fixed-polynomial part stays committed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lin {
    /// The known part.
    pub c: Fr,
    /// Terms on fixed polynomials.
    pub terms: Vec<(Fr, Base)>,
}

impl Lin {
    /// A plain scalar.
    pub fn scalar(c: Fr) -> Self {
        Self { c, terms: vec![] }
    }
    /// `self + other`.
    pub fn sum(mut self, other: &Lin) -> Self {
        self.c += other.c;
        self.terms.extend(other.terms.iter().copied());
        self
    }
    /// `self · k`.
    pub fn scale(mut self, k: Fr) -> Self {
        self.c *= k;
        for t in &mut self.terms {
            t.0 *= k;
        }
        self
    }
    /// `self + k`.
    pub fn plus(mut self, k: Fr) -> Self {
        self.c += k;
        self
    }
}

/// An opening claim: the polynomial `f` behind `Σ terms` satisfies
/// `f ≡ Σ_t X^t·values[t]  (mod X^T − x_p)` for its divisor `(p, T)`, `T = values.len()`
/// ([`Layout::divisors`]). With `T = 1` this is `f(x_p) = values[0]`; for a group commitment
/// `S = Σ_t X^t·p_t(X^T)` it says `p_t(x_p) = values[t]` for every member `t` ([`Layout::groups`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    /// The linear combination of commitments.
    pub terms: Vec<(Fr, Base)>,
    /// Index into [`Layout::divisors`].
    pub divisor: usize,
    /// The claimed remainder's coefficients (one per group member).
    pub values: Vec<Fr>,
}

/// A Shplonk divisor `X^power − x_point`: `power` 1 for a single commitment's claims, the group
/// size for a group's ([`Layout::groups`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Divisor {
    /// Index into [`Layout::points`].
    pub point: usize,
    /// `T`.
    pub power: usize,
}

/// Which evaluations one opening claim of [`build_claims`] gathers: the proof commitment `slot`
/// and, for each of its members in order, the evaluation at the divisor's point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimSpec {
    /// The proof commitment (index into [`Layout::groups`]).
    pub slot: usize,
    /// Index into [`Layout::divisors`].
    pub divisor: usize,
    /// One evaluation index per member of the slot.
    pub evals: Vec<usize>,
}

/// The Fiat–Shamir challenges in the order they are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Challenges {
    /// Column compression (lookups). After round 1.
    pub theta: Fr,
    /// Lookup shift. After round 1.
    pub beta: Fr,
    /// RowSum batching: part `t` of an instance of several layers weighs `λ_t`. After round 1.
    pub lambda: Fr,
    /// Identity combination. After round 2.
    pub gamma: Fr,
    /// Evaluation point. After the quotient.
    pub zeta: Fr,
    /// Claim batching. After the evaluations.
    pub nu: Fr,
    /// Shplonk's opening point. After `[W]`.
    pub xi: Fr,
}

/// An evaluation point `ζ^exp · ω_{2^root_log}^{root_pow}` (`exp` a power of two).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PointSpec {
    /// The power of `ζ`.
    pub exp: u64,
    /// `log2` of the root of unity's order (0: no factor).
    pub root_log: u32,
    /// Its power.
    pub root_pow: u64,
}

impl PointSpec {
    /// `ζ^exp · ω_{2^log}^{pow}`, normalised so that equal points compare equal.
    pub fn new(exp: u64, mut root_log: u32, mut root_pow: u64) -> Self {
        root_pow %= 1u64 << root_log;
        while root_log > 0 && root_pow.is_multiple_of(2) {
            root_pow /= 2;
            root_log -= 1;
        }
        if root_pow == 0 {
            root_log = 0;
        }
        Self {
            exp,
            root_log,
            root_pow,
        }
    }
    /// The root-of-unity factor.
    pub fn factor(&self) -> Fr {
        Domain::new(self.root_log).omega().pow([self.root_pow])
    }
    /// The point's value for `ζ`.
    pub fn at(&self, zeta: Fr) -> Fr {
        zeta.pow([self.exp]) * self.factor()
    }
}

/// The domain a tensor of `len` values lives on: the next power of two, at least 8 (so that the
/// lifted lookup identities stay below `3n` in degree).
pub fn tensor_domain(len: usize) -> Domain {
    Domain::for_len(len.max(8))
}

/// Allocates commitments, points and evaluations while [`Layout::new`] walks the block instances.
#[derive(Debug)]
pub struct LayoutBuilder {
    n_commits: usize,
    col_sizes: Vec<usize>,
    whole: Vec<usize>,
    caps: Vec<(usize, usize)>,
    points: Vec<PointSpec>,
    eval_sources: Vec<(usize, usize)>,
    public_evals: Vec<(usize, usize)>,
    extra_reveals: Vec<usize>,
    /// The number of round-1 columns, once round 1 is allocated.
    round1_end: Option<usize>,
    /// The lowered model's tensors (commitment indices assigned).
    pub tensors: Vec<Tensor>,
    /// The lookup domain `H_n`.
    pub domain: Domain,
}

impl LayoutBuilder {
    /// The next column index: a polynomial on `dom` (blinded on it) that the prover commits,
    /// alone or in a group ([`Layout::groups`]).
    pub fn commit(&mut self, dom: Domain) -> usize {
        self.n_commits += 1;
        self.col_sizes.push(dom.size());
        self.n_commits - 1
    }
    /// Column `c` keeps a commitment of its own, never grouped: it is read linearly by an identity
    /// (its commitment enters the quotient claim), or it is sparse and cheap to commit alone (the
    /// Table block's multiplicities on a large lookup domain).
    pub fn keep_whole(&mut self, c: usize) {
        self.whole.push(c);
    }
    /// A group's extra evaluation points may raise column `c`'s blinding
    /// ([`Layout::blinding`]) to at most `max` coefficients, in place of the default
    /// [`MAX_GROUP_BLINDING`]: a block whose degree bound depends on its columns' blinding says so
    /// here, lower (the Activation's lifted identity on a small domain) or higher (RowSum's `R`,
    /// which no block reads through a power map). With several caps for one column, the smallest.
    pub fn cap_blinding(&mut self, c: usize, max: usize) {
        self.caps.push((c, max));
    }
    /// Tensor `t` is fixed before the challenges drawn after round 1 (`θ`, `β`, `λ`): public, or a
    /// round-1 commitment. Only meaningful from round 2 on (`false` before).
    pub fn fixed_in_round1(&self, t: usize) -> bool {
        match self.tensors[t].col {
            Col::Commit(c) => self.round1_end.is_some_and(|end| c < end),
            Col::PublicInput | Col::PublicOutput => self.round1_end.is_some(),
        }
    }
    /// The index of point `p` (registered once).
    pub fn point(&mut self, p: PointSpec) -> usize {
        match self.points.iter().position(|q| *q == p) {
            Some(i) => i,
            None => {
                self.points.push(p);
                self.points.len() - 1
            }
        }
    }
    /// Commitment `commit`'s blinding is revealed once more than its evaluations say (e.g. through
    /// another commitment that shares it): one more blinding coefficient.
    pub fn reveal_extra(&mut self, commit: usize) {
        self.extra_reveals.push(commit);
    }
    /// The evaluation of commitment `commit` at point `point` (registered once: two blocks that
    /// read the same tensor at the same point share it).
    pub fn open(&mut self, commit: usize, point: usize) -> usize {
        if let Some(e) = self.eval_sources.iter().position(|s| *s == (commit, point)) {
            return e;
        }
        self.eval_sources.push((commit, point));
        self.eval_sources.len() - 1
    }
    /// Read tensor `t` at `point`: an evaluation of its commitment, or a public evaluation the
    /// verifier computes (registered once per tensor and point).
    pub fn read(&mut self, t: usize, point: usize) -> At {
        match self.tensors[t].col {
            Col::Commit(c) => At::Eval(self.open(c, point)),
            Col::PublicInput | Col::PublicOutput => {
                let key = (t, point);
                At::Public(match self.public_evals.iter().position(|k| *k == key) {
                    Some(j) => j,
                    None => {
                        self.public_evals.push(key);
                        self.public_evals.len() - 1
                    }
                })
            }
        }
    }
}

/// The shape of a proof for a given vk: its tensors and block instances with every column,
/// commitment, point and evaluation index, in protocol order.
///
/// Columns: round 1 the committed tensors (in lowering order), then every instance's round-1
/// columns; round 2 every instance's round-2 columns; round 3 the quotient `Q`. The proof commits
/// them in [`Layout::groups`] (fflonk-style, `docs/protocols/accumulation.md` "Grouped
/// commitments"). Evaluations: every instance's, in instance order. The decider adds `[W]`, `[W']`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The lowered model's tensors.
    pub tensors: Vec<Tensor>,
    /// The block instances, in protocol order.
    pub instances: Vec<Instance>,
    /// The quotient's column `Q` (its commitment is the last one).
    pub quotient: usize,
    /// The lookup domain `H_n` (table, multiplicities, running sum).
    pub domain: Domain,
    /// The largest domain: `ζ^{max} ≠ 1` keeps `ζ` off every domain (all are nested in it).
    pub max_domain: Domain,
    /// Commitments `[0, r1_end)` are round 1, `[r1_end, r2_end)` round 2, then `[Q]`.
    pub r1_end: usize,
    /// End of round 2.
    pub r2_end: usize,
    /// Number of columns (polynomials the blocks commit).
    pub n_columns: usize,
    /// Number of the proof's commitments (one per group).
    pub n_commits: usize,
    /// The proof's commitments: commitment `g` is `[S_g]`, `S_g = Σ_t X^t·p_t(X^T)` over its
    /// member columns `p_0 … p_{T−1}` (`T = 1`: the column itself). Members share a round and
    /// their evaluation points (`Layout::plan_groups`).
    pub groups: Vec<Vec<usize>>,
    /// Per column: its commitment and its position in the group.
    pub slot_of: Vec<(usize, usize)>,
    /// The Shplonk divisors: first `(p, 1)` for every point `p`, then each group's `(p, T)`.
    pub divisors: Vec<Divisor>,
    /// The opening claims of the evaluations, in [`build_claims`] order (the quotient claim
    /// follows).
    pub claims: Vec<ClaimSpec>,
    /// Number of evaluations.
    pub n_evals: usize,
    /// The evaluations the blocks read come first; the groups' extra ones
    /// (`Layout::plan_groups`) follow from this index on.
    pub n_block_evals: usize,
    /// The distinct evaluation points; point 0 is `ζ`, point 1 is `ω_n·ζ`.
    pub points: Vec<PointSpec>,
    /// For evaluation `e`: the column it opens and its point index ([`Layout::claims`] gathers
    /// them into opening claims).
    pub eval_sources: Vec<(usize, usize)>,
    /// Public tensors the verifier evaluates itself: `(tensor, point)`.
    pub public_evals: Vec<(usize, usize)>,
    /// Columns whose blinding is revealed once more than their evaluations (one entry each
    /// time, [`LayoutBuilder::reveal_extra`]).
    pub extra_reveals: Vec<usize>,
}

/// A merge of two commitment groups may add at most this many evaluations
/// (`Layout::plan_groups`).
pub const MAX_EXTRA_EVALS: usize = 8;

/// An extra evaluation point may raise a group member's blinding to at most this many
/// coefficients: the bound the blocks' degree bounds assume (RowSum's `x(X^M)`: `K + 3M`).
pub const MAX_GROUP_BLINDING: usize = 4;

/// Number of G1 points the decider sends (`[W]`, `[W']`).
pub const OPENINGS: usize = 2;

impl Layout {
    /// The layout for `vk`: lower it ([`crate::blocks::lower`]) and let every instance allocate.
    pub fn new(vk: &VerifyingKey) -> Self {
        let (tensors, mut instances) = crate::blocks::lower(vk);
        let n_dom = vk.domain;
        let mut b = LayoutBuilder {
            n_commits: 0,
            col_sizes: vec![],
            whole: vec![],
            caps: vec![],
            points: vec![PointSpec::new(1, 0, 0), PointSpec::new(1, n_dom.log_size, 1)],
            eval_sources: vec![],
            public_evals: vec![],
            extra_reveals: vec![],
            round1_end: None,
            tensors,
            domain: n_dom,
        };
        for t in 0..b.tensors.len() {
            if let Col::Commit(_) = b.tensors[t].col {
                let dom = b.tensors[t].dom;
                b.tensors[t].col = Col::Commit(b.commit(dom));
            }
        }
        instances.iter_mut().for_each(|i| i.block_mut().alloc_round1(&mut b));
        let r1_end = b.n_commits;
        b.round1_end = Some(r1_end);
        instances.iter_mut().for_each(|i| i.block_mut().alloc_round2(&mut b));
        let r2_end = b.n_commits;
        let dom = b.domain;
        let quotient = b.commit(dom);
        instances.iter_mut().for_each(|i| i.block_mut().alloc_openings(&mut b));
        let n_points = b.points.len();
        let mut layout = Self {
            tensors: b.tensors,
            instances,
            quotient,
            domain: n_dom,
            max_domain: n_dom,
            r1_end,
            r2_end,
            n_columns: b.n_commits,
            n_commits: b.n_commits,
            groups: (0..b.n_commits).map(|c| vec![c]).collect(),
            slot_of: (0..b.n_commits).map(|c| (c, 0)).collect(),
            divisors: (0..n_points).map(|point| Divisor { point, power: 1 }).collect(),
            claims: vec![],
            n_evals: b.eval_sources.len(),
            n_block_evals: b.eval_sources.len(),
            points: b.points,
            eval_sources: b.eval_sources,
            public_evals: b.public_evals,
            extra_reveals: b.extra_reveals,
        };
        layout.max_domain = layout.domains().last().copied().unwrap_or(n_dom);
        let groups = layout.plan_groups(&b.col_sizes, &b.whole, &b.caps);
        layout.set_groups(groups);
        layout
    }

    /// The evaluation points of column `c`, sorted.
    pub fn column_points(&self, c: usize) -> Vec<usize> {
        let mut pts: Vec<usize> = self
            .eval_sources
            .iter()
            .filter(|(commit, _)| *commit == c)
            .map(|(_, p)| *p)
            .collect();
        pts.sort_unstable();
        pts.dedup();
        pts
    }

    /// Which columns share a commitment (fflonk-style grouping, `docs/protocols/accumulation.md`
    /// "Grouped commitments"), and each group's points. Columns of one round that are opened at
    /// exactly the same points group first (their claims need no extra evaluation); then groups of
    /// one round merge greedily, fewest extra evaluations first, while a merge costs at most
    /// [`MAX_EXTRA_EVALS`] evaluations (a member opened at a group point it is not read at: ≈ 0.7k
    /// gas each, against ≈ 7.5k for a commitment). A group stays within the SRS the proof already
    /// needs (`T` members of at most `L` coefficients: `T·L ≤` [`Layout::max_degree`] + 1), and an
    /// extra point may raise a member's blinding ([`Layout::blinding`]) to at most
    /// [`MAX_GROUP_BLINDING`], the count the blocks' degree bounds assume, or a block's own cap
    /// ([`LayoutBuilder::cap_blinding`]: lower, or higher for RowSum's `R`). The quotient, a column
    /// read linearly ([`LayoutBuilder::keep_whole`]) and a column without evaluations stay alone.
    fn plan_groups(
        &self,
        col_sizes: &[usize],
        whole: &[usize],
        caps: &[(usize, usize)],
    ) -> Vec<(Vec<usize>, Vec<usize>)> {
        let cap = self.max_degree() + 1;
        let round = |c: usize| usize::from(c >= self.r1_end) + usize::from(c >= self.r2_end);
        let fits = |members: &[usize], pts: &[usize]| {
            let l = members
                .iter()
                .map(|c| col_sizes[*c] + self.blinding_at(*c, pts))
                .max()
                .unwrap_or(0);
            members.len() * l <= cap
                && members.iter().all(|c| {
                    let b = self.blinding_at(*c, pts);
                    let cap = caps
                        .iter()
                        .filter(|(k, _)| k == c)
                        .map(|(_, m)| *m)
                        .min()
                        .unwrap_or(MAX_GROUP_BLINDING);
                    b <= cap || b == self.blinding(*c)
                })
        };
        // (members, points, may merge)
        let mut groups: Vec<(Vec<usize>, Vec<usize>, bool)> = vec![];
        for c in 0..self.n_columns {
            let pts = self.column_points(c);
            if c == self.quotient || whole.contains(&c) || pts.is_empty() {
                groups.push((vec![c], pts, false));
                continue;
            }
            let same = groups
                .iter()
                .rposition(|(m, p, ok)| *ok && round(m[0]) == round(c) && *p == pts);
            if let Some(g) = same {
                let mut members = groups[g].0.clone();
                members.push(c);
                if fits(&members, &pts) {
                    groups[g].0 = members;
                    continue;
                }
            }
            groups.push((vec![c], pts, true));
        }
        loop {
            let mut best: Option<(usize, usize, usize, Vec<usize>)> = None;
            for a in 0..groups.len() {
                for b in a + 1..groups.len() {
                    let ((ma, pa, oka), (mb, pb, okb)) = (&groups[a], &groups[b]);
                    if !(*oka && *okb) || round(ma[0]) != round(mb[0]) {
                        continue;
                    }
                    let mut union: Vec<usize> = pa.iter().chain(pb).copied().collect();
                    union.sort_unstable();
                    union.dedup();
                    let extra = ma.len() * (union.len() - pa.len()) + mb.len() * (union.len() - pb.len());
                    let members: Vec<usize> = ma.iter().chain(mb).copied().collect();
                    if extra <= MAX_EXTRA_EVALS
                        && best.as_ref().is_none_or(|(_, _, e, _)| extra < *e)
                        && fits(&members, &union)
                    {
                        best = Some((a, b, extra, union));
                    }
                }
            }
            let Some((a, b, _, union)) = best else { break };
            let (mb, _, _) = groups.remove(b);
            groups[a].0.extend(mb);
            groups[a].0.sort_unstable();
            groups[a].1 = union;
        }
        groups.sort_by_key(|(m, _, _)| m[0]);
        groups.into_iter().map(|(m, p, _)| (m, p)).collect()
    }

    /// Install `groups` (in round order): the commitments, the round boundaries, the divisors and
    /// the claims.
    fn set_groups(&mut self, planned: Vec<(Vec<usize>, Vec<usize>)>) {
        // A member opened at a group point it is not read at: an extra evaluation (after the
        // blocks' own).
        for (members, pts) in &planned {
            for c in members {
                for p in pts {
                    if members.len() > 1 && !self.eval_sources.contains(&(*c, *p)) {
                        self.eval_sources.push((*c, *p));
                    }
                }
            }
        }
        self.n_evals = self.eval_sources.len();
        let groups: Vec<Vec<usize>> = planned.into_iter().map(|(m, _)| m).collect();
        let mut slot_of = vec![(0, 0); self.n_columns];
        for (g, members) in groups.iter().enumerate() {
            for (t, c) in members.iter().enumerate() {
                slot_of[*c] = (g, t);
            }
        }
        let first_slot_from = |col: usize| groups.iter().position(|m| m[0] >= col).unwrap_or(groups.len());
        self.r1_end = first_slot_from(self.r1_end);
        self.r2_end = first_slot_from(self.r2_end);
        self.n_commits = groups.len();
        let mut claims: Vec<ClaimSpec> = vec![];
        let mut seen: Vec<(usize, usize)> = vec![];
        for (e, (c, p)) in self.eval_sources.iter().enumerate() {
            let (slot, _) = slot_of[*c];
            let members = &groups[slot];
            if members.len() == 1 {
                claims.push(ClaimSpec {
                    slot,
                    divisor: *p,
                    evals: vec![e],
                });
                continue;
            }
            if seen.contains(&(slot, *p)) {
                continue;
            }
            seen.push((slot, *p));
            let d = Divisor {
                point: *p,
                power: members.len(),
            };
            let divisor = match self.divisors.iter().position(|x| *x == d) {
                Some(i) => i,
                None => {
                    self.divisors.push(d);
                    self.divisors.len() - 1
                }
            };
            let evals = members
                .iter()
                .map(|m| {
                    self.eval_sources
                        .iter()
                        .position(|s| *s == (*m, *p))
                        .expect("group members share their points (plan_groups)")
                })
                .collect();
            claims.push(ClaimSpec { slot, divisor, evals });
        }
        self.groups = groups;
        self.slot_of = slot_of;
        self.claims = claims;
    }

    /// Number of 32-byte words in an encoded proof.
    pub fn proof_words(&self) -> usize {
        2 * self.n_commits + self.n_evals + 2 * OPENINGS + 1
    }

    /// The number of random blinding coefficients column `c` carries: one per point at which it
    /// is revealed — `τ` (its commitment; a group member is revealed there only inside one
    /// combination `S(τ) = Σ_t τ^t·p_t(τ^T)`) and each distinct evaluation point — plus one when
    /// it is evaluated at a rotated point (`ω·ζ`-type), whose `τ`-counterpart enters `[Q]`
    /// (`docs/protocols/accumulation.md` "Zero knowledge"). The prover blinds with exactly this
    /// count; the quotient is not blinded (0).
    pub fn blinding(&self, c: usize) -> usize {
        if c == self.quotient {
            return 0;
        }
        self.blinding_at(c, &self.column_points(c))
    }

    /// [`Layout::blinding`] of column `c` were it opened at the points `pts` (the group planner
    /// prices extra evaluation points with it).
    fn blinding_at(&self, c: usize, pts: &[usize]) -> usize {
        let rotated = pts.iter().any(|p| self.points[*p].root_log > 0);
        let extra = self.extra_reveals.iter().filter(|x| **x == c).count();
        1 + pts.len() + usize::from(rotated) + extra
    }

    /// The concrete divisors `(x_p, T)` for the point values `pts` ([`crate::shplonk::Div`]).
    pub fn divisor_values(&self, pts: &[Fr]) -> Vec<crate::shplonk::Div> {
        self.divisors.iter().map(|d| (pts[d.point], d.power)).collect()
    }

    /// The concrete points for `ζ`.
    pub fn point_values(&self, zeta: Fr) -> Vec<Fr> {
        self.points.iter().map(|p| p.at(zeta)).collect()
    }

    /// Every domain of the proof (tensors, block instances, the lookup domain).
    pub fn domains(&self) -> Vec<Domain> {
        let mut d: Vec<Domain> = self
            .instances
            .iter()
            .flat_map(|i| i.block().domains())
            .chain(self.tensors.iter().map(|t| t.dom))
            .chain([self.domain])
            .collect();
        d.sort_by_key(|d| d.log_size);
        d.dedup();
        d
    }

    /// The largest degree of any polynomial the prover commits (the quotient's bound, see
    /// `docs/proof-format.md` §5): `K + 3M` for RowSum, below `3n` for the lifted lookups, and the
    /// running sum's quotient with its folded shares ([`crate::blocks::fold::FoldPlan::degree`]).
    /// [`crate::keys::srs_len_for`] computes the same bound from the model, before setup
    /// (`tests/soundness.rs` checks that it covers this one).
    pub fn max_degree(&self) -> usize {
        self.instances
            .iter()
            .map(|i| i.block().max_degree())
            .fold(3 * self.domain.size() + 8, usize::max)
    }

    /// The first identity index (power of `γ` minus one) of each instance, and the total.
    pub fn identity_offsets(&self) -> (Vec<usize>, usize) {
        let mut at = 0;
        let offs = self
            .instances
            .iter()
            .map(|i| {
                let o = at;
                at += i.block().identity_count();
                o
            })
            .collect();
        (offs, at)
    }
}

/// The public statement: inputs (empty if hidden), outputs, and for a committed input its
/// commitment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Public {
    /// Quantized inputs (only for public input).
    pub inputs: Vec<Fr>,
    /// Quantized outputs.
    pub outputs: Vec<Fr>,
    /// The input commitment `C = [x̂(τ) + r·Z_{N₀}(τ)]₁` (only for a committed input,
    /// `zkt-eth commit-input`).
    pub commitment: Option<G1Affine>,
}

/// Why the algebra rejected a proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AlgebraError {
    /// A challenge hit a degenerate value (probability ≈ 2⁻²⁵⁰).
    #[error("degenerate challenge: evaluation point inside a domain")]
    DegenerateChallenge,
    /// A committed-input statement without its commitment.
    #[error("the input is committed but the statement has no commitment")]
    MissingCommitment,
    /// An identity reads a column linearly that shares a group commitment (a block that reads a
    /// column linearly must call `LayoutBuilder::keep_whole`).
    #[error("malformed layout: a column read linearly by an identity shares a group commitment")]
    GroupedLinearColumn,
    /// The block list does not end with the Table block, which closes the LogUp sum: a share
    /// after it would be constrained by nothing.
    #[error("malformed layout: the Table block (the LogUp running sum) must be the last instance")]
    TableNotLast,
}

/// `ζ` must lie outside every domain: `ζ^{max} ≠ 1` (all domains are subgroups of the largest).
pub fn check_zeta(layout: &Layout, zeta: Fr) -> Result<(), AlgebraError> {
    if layout.max_domain.vanishing_at(zeta).is_zero() {
        return Err(AlgebraError::DegenerateChallenge);
    }
    Ok(())
}

/// What a block's verifier reads: the challenges, the points, the evaluations and the public
/// evaluations at `ζ`.
pub struct ClaimCx<'a> {
    /// The verifying key.
    pub vk: &'a VerifyingKey,
    /// The proof's layout.
    pub layout: &'a Layout,
    /// The public statement.
    pub public: &'a Public,
    /// The challenges.
    pub ch: &'a Challenges,
    /// The point values ([`Layout::points`] at `ζ`).
    pub pts: Vec<Fr>,
    /// `1/Z_n(ζ)` (the lookup domain's vanishing polynomial).
    pub zn_inv: Fr,
    evals: &'a [Fr],
    public_vals: Vec<Fr>,
}

impl<'a> ClaimCx<'a> {
    /// The context for a proof's evaluations and challenges; rejects a degenerate `ζ`.
    pub fn new(
        vk: &'a VerifyingKey,
        layout: &'a Layout,
        public: &'a Public,
        evals: &'a [Fr],
        ch: &'a Challenges,
    ) -> Result<Self, AlgebraError> {
        check_zeta(layout, ch.zeta)?;
        let pts = layout.point_values(ch.zeta);
        let zn_inv = inverse(layout.domain.vanishing_at(ch.zeta))?;
        let public_vals = layout
            .public_evals
            .iter()
            .map(|(t, p)| {
                let t = &layout.tensors[*t];
                let values = match t.col {
                    Col::PublicInput => &public.inputs,
                    _ => &public.outputs,
                };
                t.dom
                    .evaluate_public(values, fr_from_i64(t.pad), pts[*p])
                    .ok_or(AlgebraError::DegenerateChallenge)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            vk,
            layout,
            public,
            ch,
            pts,
            zn_inv,
            evals,
            public_vals,
        })
    }
    /// The value behind `a`.
    pub fn val(&self, a: At) -> Fr {
        match a {
            At::Eval(e) => self.evals[e],
            At::Public(j) => self.public_vals[j],
        }
    }
}

/// The verifier's batched inversion, in the Solidity verifier's slot order (`_inversions`):
/// `Z_n(ζ)`; every block's [`crate::blocks::Block::denominators`] in instance order; per public
/// tensor the product `Π_{j<len} (x − ω_D^j)` of its Lagrange denominators (the Solidity verifier
/// sums `Σ_j (v_j − pad)·ω^j/(x − ω^j)` as one fraction, `_publicFraction`); the Shplonk weights'
/// `ξ^T − x_p`, one per divisor ([`Layout::divisors`]). The proof carries the inverse of their product ([`crate::proof::Proof::inverse`]),
/// so the verifier inverts with one multiplication and no modexp.
pub fn inversion_set(cx: &ClaimCx<'_>) -> Vec<Fr> {
    let mut d = vec![cx.layout.domain.vanishing_at(cx.ch.zeta)];
    for inst in &cx.layout.instances {
        d.extend(inst.block().denominators(cx));
    }
    for (t, p) in &cx.layout.public_evals {
        let t = &cx.layout.tensors[*t];
        let x = cx.pts[*p];
        let count = public_eval_count(cx.vk, t);
        d.push(
            std::iter::successors(Some(Fr::one()), |w| Some(*w * t.dom.omega()))
                .take(count)
                .map(|w| x - w)
                .product(),
        );
    }
    d.extend(
        cx.layout
            .divisors
            .iter()
            .map(|v| cx.ch.xi.pow([v.power as u64]) - cx.pts[v.point]),
    );
    d
}

/// How many values a public tensor's interpolation reads: the public input's length, or the
/// model's output length.
pub fn public_eval_count(vk: &VerifyingKey, t: &crate::blocks::Tensor) -> usize {
    if t.col == Col::PublicInput {
        t.len
    } else {
        vk.output_len()
    }
}

/// The inverse of the product of [`inversion_set`] (the prover's `Proof::inverse`).
pub fn inversion_hint(cx: &ClaimCx<'_>) -> Result<Fr, AlgebraError> {
    inverse(inversion_set(cx).into_iter().product())
}

/// `x⁻¹`, or a degenerate challenge.
pub fn inverse(x: Fr) -> Result<Fr, AlgebraError> {
    x.inverse().ok_or(AlgebraError::DegenerateChallenge)
}

/// What the blocks' verifiers produce: identities (each divided by its vanishing polynomial at `ζ`)
/// and the LogUp sum of their shares at `ζ`.
#[derive(Debug, Default)]
pub struct Identities {
    /// In instance order.
    pub list: Vec<Lin>,
    /// `Σ` of the LogUp shares so far (the running-sum block reads it, last).
    pub logup: Fr,
    /// The folded shares `(N, D)` at `ζ` ([`crate::blocks::fold`]), in instance order.
    pub folded: Vec<(Fr, Fr)>,
}

/// The verifier's algebra: all opening claims for a proof.
///
/// Order (mirrored by the Solidity verifier): the evaluations' claims ([`Layout::claims`]), then the quotient claim
/// `[Σ_e γ^e·lin_e/Z_e(ζ)] − [Q]` opening to `−Σ_e γ^e·c_e/Z_e(ζ)` at `ζ`, the identities `e` taken
/// from the block instances in order.
pub fn build_claims(
    vk: &VerifyingKey,
    layout: &Layout,
    public: &Public,
    evals: &[Fr],
    ch: &Challenges,
) -> Result<Vec<Claim>, AlgebraError> {
    let cx = ClaimCx::new(vk, layout, public, evals, ch)?;

    // 1. The evaluations' opening claims ([`Layout::claims`]): one per single commitment and
    //    evaluation, one per group and point with the members' values.
    let mut claims: Vec<Claim> = layout
        .claims
        .iter()
        .map(|c| Claim {
            terms: vec![(Fr::one(), Base::Commit(c.slot))],
            divisor: c.divisor,
            values: c.evals.iter().map(|e| evals[*e]).collect(),
        })
        .collect();

    // 2. Block identities, instance by instance.
    // The Table block consumes every share (committed in `logup`, folded in `folded`): nothing
    // may come after it.
    if !matches!(layout.instances.last(), Some(crate::blocks::Instance::Table(_))) {
        return Err(AlgebraError::TableNotLast);
    }
    let mut ids = Identities::default();
    for inst in &layout.instances {
        inst.block().identities(&cx, &mut ids)?;
    }

    // 3. Σ γᵉ E_e(ζ)/Z_e(ζ) = Q(ζ), so [Σ γᵉ lin_e] − [Q] opens to −Σ γᵉ c_e.
    let mut combined = Lin::default();
    // Powers of γ start at γ itself: no identity has a coefficient fixed to 1 (DESIGN §9.1).
    let mut gamma_pow = ch.gamma;
    for e in ids.list {
        combined = combined.sum(&e.scale(gamma_pow));
        gamma_pow *= ch.gamma;
    }
    // Blocks name columns; a column read linearly has a commitment of its own (`keep_whole`): a
    // group's `[S]` in its place would be unsound, so a layout that did that is refused.
    let mut terms: Vec<(Fr, Base)> = combined
        .terms
        .into_iter()
        .map(|(k, b)| match b {
            Base::Commit(c) => {
                let slot = layout.slot_of[c].0;
                if layout.groups[slot].len() != 1 {
                    return Err(AlgebraError::GroupedLinearColumn);
                }
                Ok((k, Base::Commit(slot)))
            }
            b => Ok((k, b)),
        })
        .collect::<Result<_, _>>()?;
    terms.push((-Fr::one(), Base::Commit(layout.slot_of[layout.quotient].0)));
    claims.push(Claim {
        terms,
        divisor: 0,
        values: vec![-combined.c],
    });
    Ok(claims)
}

/// Resolve a base to its vk point (fixed bases), the proof commitment (`Commit(g)`: the `g`-th
/// commitment of the proof, [`Layout::groups`]), or the public input commitment.
pub fn resolve(vk: &VerifyingKey, commits: &[G1Affine], public: &Public, b: Base) -> G1Affine {
    match b {
        Base::Commit(i) => commits[i],
        Base::Weights(l) => vk.layers[l].weights,
        Base::Bias(l) => vk.layers[l].bias,
        Base::Table(c) => vk.table[c],
        Base::InputCommitment => public.commitment.unwrap_or_default(),
        Base::CopyTags(l) => vk.layers[l].weights,
        Base::CopyCounts(l) => vk.layers[l].bias,
    }
}
