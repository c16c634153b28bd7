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

use crate::blocks::{lookup, rowsum};
use crate::keys::{VerifyingKey, Visibility};
use crate::model::Activation;
use crate::poly::Domain;
use crate::sumcheck;
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

/// An opening claim: the polynomial behind `Σ terms` takes `value` at `points[point]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    /// The linear combination of commitments.
    pub terms: Vec<(Fr, Base)>,
    /// Index into [`Layout::points`].
    pub point: usize,
    /// The claimed value.
    pub value: Fr,
}

/// The Fiat–Shamir challenges in the order they are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Challenges {
    /// Column compression (lookups). After round 1.
    pub theta: Fr,
    /// Lookup shift. After round 1.
    pub beta: Fr,
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

/// Indices of one layer's proof items. Layer `l` reads `x` (the previous output, or the model input)
/// on `H_N`, writes `y = W·x + b` on `H_M` through RowSum on `H_K` (`K = M·N`), and rescales and
/// activates `y` by lookups lifted to the lookup domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerIdx {
    /// Input domain `H_N`.
    pub n_dom: Domain,
    /// Output domain `H_M`.
    pub m_dom: Domain,
    /// Matrix domain `H_K`.
    pub k_dom: Domain,
    /// Commitment `[y]` (`y = W·x + b`).
    pub y: usize,
    /// Commitment `[q]` (rescaled), absent when it is the public output.
    pub q: Option<usize>,
    /// Commitment `[z]` (activation output), absent when it equals `q` or is the public output.
    pub z: Option<usize>,
    /// RowSum running column `[R]` (round 1).
    pub r: usize,
    /// Lookup inverse column `[h]` (round 2).
    pub h: usize,
    /// `R(ζ)`; `R(ω_K^{-1}ζ)` is `e_r + 1`.
    pub e_r: usize,
    /// `x(ζ^M)`, absent for a public model input.
    pub e_x: Option<usize>,
    /// `y(c·ζ)`, the row ends.
    pub e_y_end: usize,
    /// `y(ζ^{n/M})`.
    pub e_y: usize,
    /// `q(ζ^{n/M})`.
    pub e_q: Option<usize>,
    /// `z(ζ^{n/M})`.
    pub e_z: Option<usize>,
    /// `h(ζ^{n/M})`.
    pub e_h: usize,
    /// Point index of `ζ^M`.
    pub p_x: usize,
    /// Point index of `ζ^{n/M}`.
    pub p_lift: usize,
}

/// Indices of the private-input range lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeIdx {
    /// Commitment `[x₀]`.
    pub x: usize,
    /// Inverse column.
    pub h: usize,
    /// `x₀(ζ^{n/N₀})`.
    pub e_x: usize,
    /// `h(ζ^{n/N₀})`.
    pub e_h: usize,
    /// Point index of `ζ^{n/N₀}`.
    pub p_lift: usize,
}

/// The shape of a proof for a given vk: commitment, point and evaluation indices, in protocol order.
///
/// Commitments: round 1 `[x₀]?`, per layer `[y], [q]?, [z]?, [R]`, then `[m]`; round 2 per layer
/// `[h]`, then `[h_in]?`, `[g]`, `[s]`; round 3 the quotient `[Q]`. Evaluations: per layer
/// `R(ζ), R(ω_K^{-1}ζ), x(ζ^M)?, y(cζ), y(ζ_M), q(ζ_M)?, z(ζ_M)?, h(ζ_M)`; then `x₀, h_in` at
/// `ζ^{n/N₀}`; then `m(ζ), g(ζ), s(ζ), s(ω_nζ)`. The decider adds `[W]`, `[W']`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Per-layer indices.
    pub layers: Vec<LayerIdx>,
    /// Private-input range lookup.
    pub input: Option<RangeIdx>,
    /// Multiplicities `[m]`.
    pub m: usize,
    /// Table-side inverse column `[g] = m/(β+T)`.
    pub g: usize,
    /// Running sum `[s]`.
    pub s: usize,
    /// Quotient `[Q]`.
    pub quotient: usize,
    /// Evaluation index of `m(ζ)`; `g(ζ)`, `s(ζ)`, `s(ω_nζ)` follow.
    pub e_m: usize,
    /// The lookup domain `H_n` (table, multiplicities, running sum).
    pub domain: Domain,
    /// The largest domain: `ζ^{max} ≠ 1` keeps `ζ` off every domain (all are nested in it).
    pub max_domain: Domain,
    /// Commitments `[0, r1_end)` are round 1, `[r1_end, r2_end)` round 2, then `[Q]`.
    pub r1_end: usize,
    /// End of round 2.
    pub r2_end: usize,
    /// Number of commitments.
    pub n_commits: usize,
    /// Number of evaluations.
    pub n_evals: usize,
    /// The distinct evaluation points; point 0 is `ζ`, point 1 is `ω_n·ζ`.
    pub points: Vec<PointSpec>,
    /// For evaluation `e`: the commitment it opens and its point index. Claim `e` of
    /// [`build_claims`] is evaluation `e`; the quotient claim (at `ζ`) follows.
    pub eval_sources: Vec<(usize, usize)>,
}

fn next(n: &mut usize) -> usize {
    *n += 1;
    *n - 1
}

/// Number of G1 points the decider sends (`[W]`, `[W']`).
pub const OPENINGS: usize = 2;

impl Layout {
    /// The layout for `vk`.
    pub fn new(vk: &VerifyingKey) -> Self {
        let last = vk.layers.len() - 1;
        let n_dom = vk.domain;
        let mut c = 0usize;
        let x0 = (vk.input == Visibility::Private).then(|| next(&mut c));
        let r1: Vec<_> = vk
            .layers
            .iter()
            .enumerate()
            .map(|(k, l)| {
                let y = next(&mut c);
                let q = (!(k == last && l.activation == Activation::Identity)).then(|| next(&mut c));
                let z = (k < last && l.activation == Activation::Relu).then(|| next(&mut c));
                let r = next(&mut c);
                (y, q, z, r)
            })
            .collect();
        let m = next(&mut c);
        let r1_end = c;
        let hs: Vec<usize> = vk.layers.iter().map(|_| next(&mut c)).collect();
        let h_in = x0.map(|_| next(&mut c));
        let g = next(&mut c);
        let s = next(&mut c);
        let r2_end = c;
        let quotient = next(&mut c);

        let mut points = vec![PointSpec::new(1, 0, 0), PointSpec::new(1, n_dom.log_size, 1)];
        let mut point = |p: PointSpec| match points.iter().position(|q| *q == p) {
            Some(i) => i,
            None => {
                points.push(p);
                points.len() - 1
            }
        };
        let mut src: Vec<(usize, usize)> = vec![];
        let mut open = |commit: usize, point: usize| {
            src.push((commit, point));
            src.len() - 1
        };
        let mut layers = vec![];
        let mut max_domain = n_dom;
        // The committed polynomial holding the previous layer's output (the next layer's x).
        let mut prev_out: Option<usize> = x0;
        for (k, ((l, (y, q, z, r)), h)) in vk.layers.iter().zip(r1).zip(hs).enumerate() {
            let (nd, md) = (tensor_domain(l.in_len), tensor_domain(l.out_len));
            let kd = Domain::new(nd.log_size + md.log_size);
            max_domain = Domain::new(max_domain.log_size.max(kd.log_size));
            let (m_sz, n_sz) = (md.size() as u64, nd.size() as u64);
            let p_prev = point(PointSpec::new(1, kd.log_size, kd.size() as u64 - 1));
            let p_x = point(PointSpec::new(m_sz, 0, 0));
            let p_end = point(PointSpec::new(1, kd.log_size, kd.size() as u64 + 1 - n_sz));
            let p_lift = point(PointSpec::new(n_dom.size() as u64 / m_sz, 0, 0));
            let e_r = open(r, 0);
            open(r, p_prev);
            let e_x = prev_out.map(|x| open(x, p_x));
            let e_y_end = open(y, p_end);
            let e_y = open(y, p_lift);
            let e_q = q.map(|q| open(q, p_lift));
            let e_z = z.map(|z| open(z, p_lift));
            let e_h = open(h, p_lift);
            prev_out = if k < last { z.or(q) } else { None };
            layers.push(LayerIdx {
                n_dom: nd,
                m_dom: md,
                k_dom: kd,
                y,
                q,
                z,
                r,
                h,
                e_r,
                e_x,
                e_y_end,
                e_y,
                e_q,
                e_z,
                e_h,
                p_x,
                p_lift,
            });
        }
        let input = match (x0, h_in) {
            (Some(x), Some(h)) => {
                let nd = tensor_domain(vk.layers[0].in_len);
                let p_lift = point(PointSpec::new((n_dom.size() / nd.size()) as u64, 0, 0));
                Some(RangeIdx {
                    x,
                    h,
                    e_x: open(x, p_lift),
                    e_h: open(h, p_lift),
                    p_lift,
                })
            }
            _ => None,
        };
        let e_m = open(m, 0);
        open(g, 0);
        open(s, 0);
        open(s, 1);
        Self {
            layers,
            input,
            m,
            g,
            s,
            quotient,
            e_m,
            domain: n_dom,
            max_domain,
            r1_end,
            r2_end,
            n_commits: c,
            n_evals: src.len(),
            points,
            eval_sources: src,
        }
    }

    /// Number of 32-byte words in an encoded proof.
    pub fn proof_words(&self) -> usize {
        2 * self.n_commits + self.n_evals + 2 * OPENINGS
    }

    /// The number of random blinding coefficients commitment `c` carries: one per point at which it
    /// is revealed — `τ` (the commitment itself) and each distinct evaluation point — plus one when
    /// it is evaluated at a rotated point (`ω·ζ`-type), whose `τ`-counterpart enters `[Q]`
    /// (`docs/protocols/accumulation.md` "Zero knowledge"). The prover blinds with exactly this
    /// count; the quotient is not blinded (0).
    pub fn blinding(&self, c: usize) -> usize {
        if c == self.quotient {
            return 0;
        }
        let mut pts: Vec<usize> = self
            .eval_sources
            .iter()
            .filter(|(commit, _)| *commit == c)
            .map(|(_, p)| *p)
            .collect();
        pts.sort_unstable();
        pts.dedup();
        let rotated = pts.iter().any(|p| self.points[*p].root_log > 0);
        1 + pts.len() + usize::from(rotated)
    }

    /// The concrete points for `ζ`.
    pub fn point_values(&self, zeta: Fr) -> Vec<Fr> {
        self.points.iter().map(|p| p.at(zeta)).collect()
    }

    /// The largest degree of any committed polynomial (the quotient's bound, see
    /// `docs/protocols/README.md` "Degrees"): `K + 2M` for RowSum, below `3n` for the lifted
    /// lookups and the running sum.
    pub fn max_degree(&self) -> usize {
        let n = self.domain.size();
        self.layers
            .iter()
            .map(|l| l.k_dom.size() + 2 * l.m_dom.size() + 16)
            .chain([3 * n + 8])
            .max()
            .unwrap_or(3 * n + 8)
    }
}

/// The public statement: inputs (empty if private) and outputs, as field elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Public {
    /// Quantized inputs (only for public input).
    pub inputs: Vec<Fr>,
    /// Quantized outputs.
    pub outputs: Vec<Fr>,
}

/// Why the algebra rejected a proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AlgebraError {
    /// A challenge hit a degenerate value (probability ≈ 2⁻²⁵⁰).
    #[error("degenerate challenge: evaluation point inside a domain")]
    DegenerateChallenge,
}

/// `ζ` must lie outside every domain: `ζ^{max} ≠ 1` (all domains are subgroups of the largest).
pub fn check_zeta(layout: &Layout, zeta: Fr) -> Result<(), AlgebraError> {
    if layout.max_domain.vanishing_at(zeta).is_zero() {
        return Err(AlgebraError::DegenerateChallenge);
    }
    Ok(())
}

/// The verifier's algebra: all opening claims for a proof.
///
/// Order (mirrored by the Solidity verifier): one claim per evaluation, then the quotient claim
/// `[Σ_e γ^e·lin_e/Z_e(ζ)] − [Q]` opening to `−Σ_e γ^e·c_e/Z_e(ζ)` at `ζ`. The identities `e` are,
/// in order: per layer RowSum's (RS1), (RS2) on `H_K` and the lifted lookup identity on `H_n`; the
/// input range identity; the table identity; and last the running-sum identity.
pub fn build_claims(
    vk: &VerifyingKey,
    layout: &Layout,
    public: &Public,
    evals: &[Fr],
    ch: &Challenges,
) -> Result<Vec<Claim>, AlgebraError> {
    let ev = |i: usize| evals[i];
    let n = layout.domain;
    check_zeta(layout, ch.zeta)?;
    let pts = layout.point_values(ch.zeta);
    let inv = |x: Fr| x.inverse().ok_or(AlgebraError::DegenerateChallenge);
    let zn_inv = inv(n.vanishing_at(ch.zeta))?;

    // 1. Evaluation `e` is an opening claim of one commitment (claim index = evaluation index).
    let mut claims: Vec<Claim> = layout
        .eval_sources
        .iter()
        .zip(evals)
        .map(|((commit, point), value)| Claim {
            terms: vec![(Fr::one(), Base::Commit(*commit))],
            point: *point,
            value: *value,
        })
        .collect();

    // 2. Block identities (each already divided by its vanishing polynomial at ζ).
    let mut identities: Vec<Lin> = vec![];
    let mut logup = Fr::zero();
    let last = vk.layers.len() - 1;
    for (k, (l, idx)) in vk.layers.iter().zip(&layout.layers).enumerate() {
        let x = match idx.e_x {
            Some(e) => ev(e),
            None => idx
                .n_dom
                .evaluate_public(&public.inputs, pts[idx.p_x])
                .ok_or(AlgebraError::DegenerateChallenge)?,
        };
        let rs = rowsum::identities(
            k,
            idx,
            rowsum::RowSumEvals {
                r: ev(idx.e_r),
                r_prev: ev(idx.e_r + 1),
                x,
                y_end: ev(idx.e_y_end),
            },
            ch.zeta,
        )?;
        identities.extend(rs);
        let out_at = || {
            idx.m_dom
                .evaluate_public(&public.outputs, pts[idx.p_lift])
                .ok_or(AlgebraError::DegenerateChallenge)
        };
        let q = match idx.e_q {
            Some(e) => ev(e),
            None => out_at()?,
        };
        let z = match (idx.e_z, l.activation) {
            (Some(e), _) => ev(e),
            (None, Activation::Identity) => q,
            (None, Activation::Relu) if k == last => out_at()?,
            (None, Activation::Relu) => return Err(AlgebraError::DegenerateChallenge),
        };
        let e = lookup::LookupEvals {
            y: ev(idx.e_y),
            q,
            z,
            h: ev(idx.e_h),
        };
        identities.push(Lin::scalar(lookup::identity(vk, k, &e, ch) * zn_inv));
        // Lifted to H_n the share is tiled n/M times: weight M/n keeps the total.
        let w = Fr::from(idx.m_dom.size() as u64) * inv(Fr::from(n.size() as u64))?;
        logup += w * lookup::sum_share(vk, k, &e, ch);
    }
    if let Some(r) = &layout.input {
        identities.push(Lin::scalar(lookup::range_identity(ev(r.e_x), ev(r.e_h), ch) * zn_inv));
        let n0 = tensor_domain(vk.layers[0].in_len).size();
        logup += Fr::from(n0 as u64) * inv(Fr::from(n.size() as u64))? * ev(r.e_h);
    }
    let (m, g) = (ev(layout.e_m), ev(layout.e_m + 1));
    let kind_at = crate::keys::table_kind_at(n, ch.zeta);
    identities.push(lookup::table_identity(m, g, kind_at, ch).scale(zn_inv));
    identities.push(Lin::scalar(
        sumcheck::identity(ev(layout.e_m + 2), ev(layout.e_m + 3), logup - g) * zn_inv,
    ));

    // 3. Σ γᵉ E_e(ζ)/Z_e(ζ) = Q(ζ), so [Σ γᵉ lin_e] − [Q] opens to −Σ γᵉ c_e.
    let mut combined = Lin::default();
    // Powers of γ start at γ itself: no identity has a coefficient fixed to 1 (DESIGN §9.1).
    let mut gamma_pow = ch.gamma;
    for e in identities {
        combined = combined.sum(&e.scale(gamma_pow));
        gamma_pow *= ch.gamma;
    }
    let mut terms = combined.terms;
    terms.push((-Fr::one(), Base::Commit(layout.quotient)));
    claims.push(Claim {
        terms,
        point: 0,
        value: -combined.c,
    });
    Ok(claims)
}

/// Resolve a base to its vk point (fixed bases) or the proof commitment.
pub fn resolve(vk: &VerifyingKey, commits: &[G1Affine], b: Base) -> G1Affine {
    match b {
        Base::Commit(i) => commits[i],
        Base::Weights(l) => vk.layers[l].weights,
        Base::Bias(l) => vk.layers[l].bias,
        Base::Table(c) => vk.table[c],
    }
}
