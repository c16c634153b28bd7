//! The proof's shape and the verifier's algebra, shared by the prover and both verifiers.
//!
//! `Layout` fixes the order of every commitment, scalar and evaluation in a proof for a given vk.
//! `Lin` is a value at the evaluation point `ζ` that is linear in fixed (vk) commitments: weights and
//! biases are never opened on their own (DESIGN §9.5); they enter the identity checks only inside a
//! linear combination whose opening value the verifier computes. `build_claims` turns a proof into
//! KZG opening claims; the prover calls the same function, so both sides agree by construction.

use crate::keys::{VerifyingKey, Visibility};
use crate::model::Activation;
use crate::poly::Domain;
use ark_bn254::{Fr, G1Affine};
use ark_ff::{Field, One, Zero};

/// A base point of a linear combination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Base {
    /// The proof's commitment with this index.
    Commit(usize),
    /// Row `row` of layer `layer`'s weights.
    Row {
        /// Layer index.
        layer: usize,
        /// Row index.
        row: usize,
    },
    /// Layer `layer`'s bias.
    Bias(usize),
    /// Lookup table column (0 = kind, 1 = value, 2 = function value).
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
    pub fn add(mut self, other: &Lin) -> Self {
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
    /// Index into `Layout::points`.
    pub point: usize,
    /// The claimed value.
    pub value: Fr,
}

/// The Fiat–Shamir challenges in the order they are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Challenges {
    /// Row-combination point (linear blocks).
    pub alpha: Fr,
    /// Column compression (lookups).
    pub theta: Fr,
    /// Lookup shift.
    pub beta: Fr,
    /// Identity combination.
    pub gamma: Fr,
    /// Evaluation point.
    pub zeta: Fr,
    /// Opening batching.
    pub nu: Fr,
    /// Point batching in the final pairing.
    pub rho: Fr,
}

/// Indices of one layer's proof items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerIdx {
    /// Commitment `[y]` (`y = W·x`, no bias).
    pub y: usize,
    /// Commitment `[q]` (rescaled), absent when it is the public output.
    pub q: Option<usize>,
    /// Commitment `[z]` (activation output), absent when it equals `q` or is the public output.
    pub z: Option<usize>,
    /// Linear block: input-side running sum.
    pub sx: usize,
    /// Linear block: output-side running sum.
    pub sy: usize,
    /// Lookup block: inverse column `h`.
    pub h: usize,
    /// Lookup block: running sum `t`.
    pub t: usize,
    /// Scalar: the row-combined sum `S`.
    pub s_sum: usize,
    /// Scalar: the lookup sum `σ`.
    pub sigma: usize,
    /// Evaluation indices: `y, q?, z?, sx, sx(ζω), sy, sy(ζω), h, t, t(ζω)`.
    pub e_y: usize,
    /// `q(ζ)`.
    pub e_q: Option<usize>,
    /// `z(ζ)`.
    pub e_z: Option<usize>,
    /// `sx(ζ)`, then `sx(ζω)` at `+1`.
    pub e_sx: usize,
    /// `sy(ζ)`, then `sy(ζω)` at `+1`.
    pub e_sy: usize,
    /// `h(ζ)`.
    pub e_h: usize,
    /// `t(ζ)`, then `t(ζω)` at `+1`.
    pub e_t: usize,
}

/// Indices of the private-input range lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeIdx {
    /// Commitment `[x₀]`.
    pub x: usize,
    /// Inverse column.
    pub h: usize,
    /// Running sum.
    pub t: usize,
    /// Scalar `σ_in`.
    pub sigma: usize,
    /// `x₀(ζ)`.
    pub e_x: usize,
    /// `h(ζ)`.
    pub e_h: usize,
    /// `t(ζ)`, `t(ζω)`.
    pub e_t: usize,
}

/// Indices of the table side of the lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableIdx {
    /// Multiplicities `[m]`.
    pub m: usize,
    /// `g = m/(β+T)`.
    pub g: usize,
    /// Running sum `u`.
    pub u: usize,
    /// Scalar `σ_T`.
    pub sigma: usize,
    /// `m(ζ), g(ζ), u(ζ), u(ζω), T_kind(ζ), T_v(ζ), T_f(ζ)` from here.
    pub e_m: usize,
}

/// The shape of a proof for a given vk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Per-layer indices.
    pub layers: Vec<LayerIdx>,
    /// Private-input range lookup.
    pub input: Option<RangeIdx>,
    /// Table side.
    pub table: TableIdx,
    /// `(domain, commitment index)` of each quotient, ascending domain size.
    pub quotients: Vec<(Domain, usize)>,
    /// Commitments `[0, r1_end)` are round 1, `[r1_end, r2_end)` round 2, the rest round 3.
    pub r1_end: usize,
    /// End of round 2 commitments.
    pub r2_end: usize,
    /// Number of commitments.
    pub n_commits: usize,
    /// Number of round-2 scalars.
    pub n_scalars: usize,
    /// Number of evaluations.
    pub n_evals: usize,
    /// Evaluation points: `None` is `ζ`, `Some(d)` is `ζ·ω_d`.
    pub points: Vec<Option<Domain>>,
    /// For evaluation `e`: the polynomial it opens and the index of its point. Claim `e` of
    /// [`build_claims`] is evaluation `e`; the per-domain quotient claims follow.
    pub eval_sources: Vec<(Base, usize)>,
}

impl Layout {
    /// The layout for `vk`.
    pub fn new(vk: &VerifyingKey) -> Self {
        let last = vk.layers.len() - 1;
        let mut c = 0usize;
        let next = |n: &mut usize| {
            *n += 1;
            *n - 1
        };
        let x0 = (vk.input == Visibility::Private).then(|| next(&mut c));
        let mut r1 = vec![];
        for (k, l) in vk.layers.iter().enumerate() {
            let y = next(&mut c);
            let q = !(k == last && l.activation == Activation::Identity);
            let q = q.then(|| next(&mut c));
            let z = (k < last && l.activation == Activation::Relu).then(|| next(&mut c));
            r1.push((y, q, z));
        }
        let m = next(&mut c);
        let r1_end = c;
        let (mut s, mut e) = (0usize, 0usize);
        let e_x0 = x0.map(|_| next(&mut e));
        let mut layers = vec![];
        for (y, q, z) in r1 {
            let (sx, sy, h, t) = (next(&mut c), next(&mut c), next(&mut c), next(&mut c));
            let (s_sum, sigma) = (next(&mut s), next(&mut s));
            let e_y = next(&mut e);
            let e_q = q.map(|_| next(&mut e));
            let e_z = z.map(|_| next(&mut e));
            let e_sx = next(&mut e);
            next(&mut e);
            let e_sy = next(&mut e);
            next(&mut e);
            let e_h = next(&mut e);
            let e_t = next(&mut e);
            next(&mut e);
            layers.push(LayerIdx {
                y,
                q,
                z,
                sx,
                sy,
                h,
                t,
                s_sum,
                sigma,
                e_y,
                e_q,
                e_z,
                e_sx,
                e_sy,
                e_h,
                e_t,
            });
        }
        let input = x0.zip(e_x0).map(|(x, e_x)| {
            let (h, t, sigma) = (next(&mut c), next(&mut c), next(&mut s));
            let e_h = next(&mut e);
            let e_t = next(&mut e);
            next(&mut e);
            RangeIdx {
                x,
                h,
                t,
                sigma,
                e_x,
                e_h,
                e_t,
            }
        });
        let (g, u, sigma) = (next(&mut c), next(&mut c), next(&mut s));
        let e_m = e;
        e += 7;
        let table = TableIdx { m, g, u, sigma, e_m };
        let r2_end = c;
        let domains = Self::domains(vk);
        let quotients = domains.iter().map(|d| (*d, next(&mut c))).collect();
        let mut points = vec![None];
        points.extend(domains.iter().map(|d| Some(*d)));
        let mut out = Self {
            layers,
            input,
            table,
            quotients,
            r1_end,
            r2_end,
            n_commits: c,
            n_scalars: s,
            n_evals: e,
            points,
            eval_sources: vec![],
        };
        out.eval_sources = out.sources(vk);
        out
    }

    fn sources(&self, vk: &VerifyingKey) -> Vec<(Base, usize)> {
        let mut src = vec![(Base::Commit(0), 0); self.n_evals];
        let mut set = |e: usize, c: usize, p: usize| src[e] = (Base::Commit(c), p);
        if let Some(r) = &self.input {
            let w = self.shifted_point(vk.layers[0].in_domain);
            set(r.e_x, r.x, 0);
            set(r.e_h, r.h, 0);
            set(r.e_t, r.t, 0);
            set(r.e_t + 1, r.t, w);
        }
        for (l, idx) in vk.layers.iter().zip(&self.layers) {
            let (wi, wo) = (self.shifted_point(l.in_domain), self.shifted_point(l.out_domain));
            set(idx.e_y, idx.y, 0);
            if let (Some(c), Some(e)) = (idx.q, idx.e_q) {
                set(e, c, 0);
            }
            if let (Some(c), Some(e)) = (idx.z, idx.e_z) {
                set(e, c, 0);
            }
            set(idx.e_sx, idx.sx, 0);
            set(idx.e_sx + 1, idx.sx, wi);
            set(idx.e_sy, idx.sy, 0);
            set(idx.e_sy + 1, idx.sy, wo);
            set(idx.e_h, idx.h, 0);
            set(idx.e_t, idx.t, 0);
            set(idx.e_t + 1, idx.t, wo);
        }
        let t = &self.table;
        set(t.e_m, t.m, 0);
        set(t.e_m + 1, t.g, 0);
        set(t.e_m + 2, t.u, 0);
        set(t.e_m + 3, t.u, self.shifted_point(vk.table_domain));
        for col in 0..3 {
            src[t.e_m + 4 + col] = (Base::Table(col), 0);
        }
        src
    }

    /// Distinct domains, ascending.
    pub fn domains(vk: &VerifyingKey) -> Vec<Domain> {
        let mut d: Vec<Domain> = vk.layers.iter().flat_map(|l| [l.in_domain, l.out_domain]).collect();
        d.push(vk.table_domain);
        d.sort_by_key(|d| d.log_size);
        d.dedup();
        d
    }

    /// Index of the point `ζ·ω_d`.
    pub fn shifted_point(&self, d: Domain) -> usize {
        self.points.iter().position(|p| *p == Some(d)).unwrap_or(0)
    }

    /// Number of 32-byte words in an encoded proof.
    pub fn proof_words(&self) -> usize {
        2 * self.n_commits + self.n_scalars + self.n_evals + 2 * self.points.len()
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
    /// The lookup sums do not balance.
    #[error("lookup sums do not match the table sum (Σσ ≠ σ_T)")]
    LookupSumMismatch,
}

/// `K_M(α, ζ) = Σ_i L_i(α)·L_i(ζ) = (ζ·Z_M(α) − α·Z_M(ζ)) / (M·(α − ζ))`.
pub fn lagrange_kernel(d: Domain, alpha: Fr, zeta: Fr) -> Option<Fr> {
    let den = (Fr::from(d.size() as u64) * (alpha - zeta)).inverse()?;
    Some((zeta * d.vanishing_at(alpha) - alpha * d.vanishing_at(zeta)) * den)
}

/// Everything the claims are built from.
pub struct ProofView<'a> {
    /// Round-2 scalars.
    pub scalars: &'a [Fr],
    /// Evaluations.
    pub evals: &'a [Fr],
}

/// The verifier's algebra: all opening claims for a proof (DESIGN §7), or the field check that failed.
pub fn build_claims(
    vk: &VerifyingKey,
    layout: &Layout,
    public: &Public,
    proof: &ProofView<'_>,
    ch: &Challenges,
) -> Result<Vec<Claim>, AlgebraError> {
    let ev = |i: usize| proof.evals[i];
    let sc = |i: usize| proof.scalars[i];
    let zeta = ch.zeta;
    let last = vk.layers.len() - 1;
    let first = &vk.layers[0];
    let out_dom = vk.layers[last].out_domain;

    // Public tensors evaluated at ζ.
    let public_out = out_dom
        .evaluate_public(&public.outputs, zeta)
        .ok_or(AlgebraError::DegenerateChallenge)?;
    let x0 = match &layout.input {
        Some(r) => ev(r.e_x),
        None => first
            .in_domain
            .evaluate_public(&public.inputs, zeta)
            .ok_or(AlgebraError::DegenerateChallenge)?,
    };

    // 1. Evaluation `e` is an opening claim of one polynomial (claim index = evaluation index).
    let mut claims: Vec<Claim> = layout
        .eval_sources
        .iter()
        .zip(proof.evals)
        .map(|((base, point), value)| Claim {
            terms: vec![(Fr::one(), *base)],
            point: *point,
            value: *value,
        })
        .collect();
    let t = &layout.table;

    // 2. Block identities at ζ, combined per domain with powers of γ.
    let mut identities: Vec<(Domain, Lin)> = vec![];
    let mut x_at = x0;
    let mut sigma_total = Fr::zero();
    for (k, (l, idx)) in vk.layers.iter().zip(&layout.layers).enumerate() {
        let q = idx.e_q.map_or(public_out, ev);
        let z = match (idx.e_z, l.activation) {
            (Some(e), _) => ev(e),
            (None, Activation::Identity) => q,
            (None, Activation::Relu) => public_out,
        };
        let linear = crate::blocks::linear::LinearEvals {
            x: x_at,
            y: ev(idx.e_y),
            sx: ev(idx.e_sx),
            sx_next: ev(idx.e_sx + 1),
            sy: ev(idx.e_sy),
            sy_next: ev(idx.e_sy + 1),
            sum: sc(idx.s_sum),
        };
        let [ex, ey] = crate::blocks::linear::identities(vk, k, &linear, ch)?;
        identities.push((l.in_domain, ex));
        identities.push((l.out_domain, ey));
        let acc = crate::blocks::add::accumulator(k, ev(idx.e_y));
        let lookup = crate::blocks::lookup::LookupEvals {
            acc,
            q,
            z,
            h: ev(idx.e_h),
            t: ev(idx.e_t),
            t_next: ev(idx.e_t + 1),
            sigma: sc(idx.sigma),
        };
        for e in crate::blocks::lookup::identities(vk, k, &lookup, ch) {
            identities.push((l.out_domain, e));
        }
        sigma_total += sc(idx.sigma);
        x_at = z;
    }
    if let Some(r) = &layout.input {
        let e = crate::blocks::lookup::range_identities(
            first.in_domain,
            ev(r.e_x),
            ev(r.e_h),
            ev(r.e_t),
            ev(r.e_t + 1),
            sc(r.sigma),
            ch,
        );
        identities.extend(e.map(|e| (first.in_domain, e)));
        sigma_total += sc(r.sigma);
    }
    let te: [Fr; 7] = std::array::from_fn(|i| ev(t.e_m + i));
    identities.extend(
        crate::blocks::lookup::table_identities(vk.table_domain, &te, sc(t.sigma), ch).map(|e| (vk.table_domain, e)),
    );
    if sigma_total != sc(t.sigma) {
        return Err(AlgebraError::LookupSumMismatch);
    }

    let mut gamma_pow = Fr::one();
    let mut per_domain: Vec<Lin> = vec![Lin::default(); layout.quotients.len()];
    for (d, e) in identities {
        let slot = layout.quotients.iter().position(|(qd, _)| *qd == d).unwrap_or(0);
        per_domain[slot] = std::mem::take(&mut per_domain[slot]).add(&e.scale(gamma_pow));
        gamma_pow *= ch.gamma;
    }
    // Σ γᵏ E_k(ζ) = Z_d(ζ)·Q_d(ζ): the claim [Σ γᵏ lin_k] − Z_d(ζ)·[Q_d] opens to −Σ γᵏ c_k at ζ.
    for ((d, q_commit), lin) in layout.quotients.iter().zip(per_domain) {
        let mut terms = lin.terms;
        terms.push((-d.vanishing_at(zeta), Base::Commit(*q_commit)));
        claims.push(Claim {
            terms,
            point: 0,
            value: -lin.c,
        });
    }
    Ok(claims)
}

/// The concrete points: `ζ` and `ζ·ω_d`.
pub fn point_values(layout: &Layout, zeta: Fr) -> Vec<Fr> {
    layout
        .points
        .iter()
        .map(|p| p.map_or(zeta, |d| zeta * d.omega()))
        .collect()
}

/// Resolve a base to its vk point (fixed bases) or the proof commitment.
pub fn resolve(vk: &VerifyingKey, commits: &[G1Affine], b: Base) -> G1Affine {
    match b {
        Base::Commit(i) => commits[i],
        Base::Row { layer, row } => vk.layers[layer].rows[row],
        Base::Bias(layer) => vk.layers[layer].bias,
        Base::Table(c) => vk.table[c],
    }
}
