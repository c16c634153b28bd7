//! The proof's shape and the verifier's algebra, shared by the prover and both verifiers.
//!
//! `Layout` fixes the order of every commitment, scalar and evaluation in a proof for a given vk.
//! `Lin` is a value at the evaluation point `ζ` that is linear in fixed (vk) commitments: weights and
//! biases are never opened on their own (DESIGN §9.5); they enter the identity checks only inside a
//! linear combination whose opening value the verifier computes. `build_claims` turns a proof into
//! KZG opening claims; the prover calls the same function, so both sides agree by construction.

use crate::blocks::{add, linear, lookup};
use crate::keys::{VerifyingKey, Visibility};
use crate::model::Activation;
use crate::poly::Domain;
use crate::sumcheck::{self, SumTerm};
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
    /// Index into `Layout::points`.
    pub point: usize,
    /// The claimed value.
    pub value: Fr,
}

/// The Fiat–Shamir challenges in the order they are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Challenges {
    /// Row-combination point (linear blocks). After round 1.
    pub alpha: Fr,
    /// Column compression (lookups). After round 1.
    pub theta: Fr,
    /// Lookup shift. After round 1.
    pub beta: Fr,
    /// Sum-claim batching. After round 2.
    pub delta: Fr,
    /// Identity combination. After round 3.
    pub gamma: Fr,
    /// Evaluation point. After round 4.
    pub zeta: Fr,
    /// Opening batching. After the evaluations.
    pub nu: Fr,
    /// Point batching in the final pairing. After the openings.
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
    /// Lookup inverse column `[h]` (round 2).
    pub h: usize,
    /// Scalar: the row-combined sum `S`.
    pub s_sum: usize,
    /// Scalar: the lookup sum `σ`.
    pub sigma: usize,
    /// Evaluation of `y(ζ)`.
    pub e_y: usize,
    /// `q(ζ)`.
    pub e_q: Option<usize>,
    /// `z(ζ)`.
    pub e_z: Option<usize>,
    /// `h(ζ)`.
    pub e_h: usize,
}

/// Indices of the private-input range lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeIdx {
    /// Commitment `[x₀]`.
    pub x: usize,
    /// Inverse column.
    pub h: usize,
    /// Scalar `σ_in`.
    pub sigma: usize,
    /// `x₀(ζ)`.
    pub e_x: usize,
    /// `h(ζ)`.
    pub e_h: usize,
}

/// Indices of the table side of the lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableIdx {
    /// Multiplicities `[m]`.
    pub m: usize,
    /// `g = m/(β+T)`.
    pub g: usize,
    /// Scalar `σ_T`.
    pub sigma: usize,
    /// `m(ζ)`; `g(ζ)` follows.
    pub e_m: usize,
}

/// Per-domain items: the batched running sum and the quotient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainIdx {
    /// The domain.
    pub domain: Domain,
    /// Running-sum commitment (round 3).
    pub sum: usize,
    /// Quotient commitment (round 4).
    pub quotient: usize,
    /// `s(ζ)`; `s(ζω)` follows.
    pub e_sum: usize,
    /// Index of the point `ζ·ω_d`.
    pub point: usize,
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
    /// Distinct domains, ascending.
    pub domains: Vec<DomainIdx>,
    /// Commitments `[0, r1_end)` are round 1 (witness), `[r1_end, r2_end)` round 2 (inverses),
    /// `[r2_end, r3_end)` round 3 (running sums), the rest round 4 (quotients).
    pub r1_end: usize,
    /// End of round 2.
    pub r2_end: usize,
    /// End of round 3.
    pub r3_end: usize,
    /// Number of commitments.
    pub n_commits: usize,
    /// Number of round-2 scalars.
    pub n_scalars: usize,
    /// Number of evaluations.
    pub n_evals: usize,
    /// Evaluation points: `None` is `ζ`, `Some(d)` is `ζ·ω_d`.
    pub points: Vec<Option<Domain>>,
    /// For evaluation `e`: the commitment it opens and its point. Claim `e` of [`build_claims`] is
    /// evaluation `e`; one quotient claim per domain follows.
    pub eval_sources: Vec<(usize, usize)>,
}

fn next(n: &mut usize) -> usize {
    *n += 1;
    *n - 1
}

impl Layout {
    /// The layout for `vk`.
    pub fn new(vk: &VerifyingKey) -> Self {
        let last = vk.layers.len() - 1;
        let (mut c, mut s, mut e) = (0usize, 0usize, 0usize);
        let mut src = vec![];
        let mut open = |e: &mut usize, commit: usize, point: usize| {
            src.push((commit, point));
            next(e)
        };
        // Round 1: witness tensors, then the multiplicities.
        let x0 = (vk.input == Visibility::Private).then(|| next(&mut c));
        let r1: Vec<_> = vk
            .layers
            .iter()
            .enumerate()
            .map(|(k, l)| {
                let y = next(&mut c);
                let q = (!(k == last && l.activation == Activation::Identity)).then(|| next(&mut c));
                let z = (k < last && l.activation == Activation::Relu).then(|| next(&mut c));
                (y, q, z)
            })
            .collect();
        let m = next(&mut c);
        let r1_end = c;
        // Round 2: inverse columns and scalars.
        let hs: Vec<usize> = vk.layers.iter().map(|_| next(&mut c)).collect();
        let h_in = x0.map(|_| next(&mut c));
        let g = next(&mut c);
        let r2_end = c;
        let domains = Self::domain_list(vk);
        let sums: Vec<usize> = domains.iter().map(|_| next(&mut c)).collect();
        let r3_end = c;
        let quotients: Vec<usize> = domains.iter().map(|_| next(&mut c)).collect();
        let mut layers = vec![];
        let input = x0.zip(h_in).map(|(x, h)| {
            let e_x = open(&mut e, x, 0);
            (x, h, e_x)
        });
        for ((y, q, z), h) in r1.into_iter().zip(hs) {
            let (s_sum, sigma) = (next(&mut s), next(&mut s));
            let e_y = open(&mut e, y, 0);
            let e_q = q.map(|q| open(&mut e, q, 0));
            let e_z = z.map(|z| open(&mut e, z, 0));
            let e_h = open(&mut e, h, 0);
            layers.push(LayerIdx {
                y,
                q,
                z,
                h,
                s_sum,
                sigma,
                e_y,
                e_q,
                e_z,
                e_h,
            });
        }
        let input = input.map(|(x, h, e_x)| {
            let sigma = next(&mut s);
            let e_h = open(&mut e, h, 0);
            RangeIdx { x, h, sigma, e_x, e_h }
        });
        let sigma = next(&mut s);
        let e_m = open(&mut e, m, 0);
        open(&mut e, g, 0);
        let table = TableIdx { m, g, sigma, e_m };
        let domains: Vec<DomainIdx> = domains
            .iter()
            .zip(sums.iter().zip(&quotients))
            .enumerate()
            .map(|(i, (d, (sum, quotient)))| {
                let e_sum = open(&mut e, *sum, 0);
                open(&mut e, *sum, i + 1);
                DomainIdx {
                    domain: *d,
                    sum: *sum,
                    quotient: *quotient,
                    e_sum,
                    point: i + 1,
                }
            })
            .collect();
        let mut points = vec![None];
        points.extend(domains.iter().map(|d| Some(d.domain)));
        Self {
            layers,
            input,
            table,
            domains,
            r1_end,
            r2_end,
            r3_end,
            n_commits: c,
            n_scalars: s,
            n_evals: e,
            points,
            eval_sources: src,
        }
    }

    /// Distinct domains, ascending.
    pub fn domain_list(vk: &VerifyingKey) -> Vec<Domain> {
        let mut d: Vec<Domain> = vk.layers.iter().flat_map(|l| [l.in_domain, l.out_domain]).collect();
        d.push(vk.table_domain);
        d.sort_by_key(|d| d.log_size);
        d.dedup();
        d
    }

    /// Index of `d` in [`Layout::domains`].
    pub fn domain_index(&self, d: Domain) -> usize {
        self.domains.iter().position(|x| x.domain == d).unwrap_or(0)
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
///
/// Order (mirrored by the Solidity verifier): one claim per evaluation; then, per domain ascending, the
/// claim `[Σ γᵏ·lin_k] − Z_d(ζ)·[Q_d]` opens to `−Σ γᵏ·c_k` at `ζ`, where the identities `k` of the
/// domain are, in order: each layer's lookup identity, the input range identity, the table identity,
/// and last the domain's running-sum identity. Sum terms get `δᵏ` in the order: per layer (input side,
/// output side, lookup), input range, table.
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

    // 1. Evaluation `e` is an opening claim of one commitment (claim index = evaluation index).
    let mut claims: Vec<Claim> = layout
        .eval_sources
        .iter()
        .zip(proof.evals)
        .map(|((commit, point), value)| Claim {
            terms: vec![(Fr::one(), Base::Commit(*commit))],
            point: *point,
            value: *value,
        })
        .collect();

    // 2. Block identities and sum claims at ζ.
    let mut identities: Vec<(Domain, Lin)> = vec![];
    let mut sums: Vec<SumTerm> = vec![];
    let mut x_at = x0;
    let mut sigma_total = Fr::zero();
    for (k, (l, idx)) in vk.layers.iter().zip(&layout.layers).enumerate() {
        let q = idx.e_q.map_or(public_out, ev);
        let z = match (idx.e_z, l.activation) {
            (Some(e), _) => ev(e),
            (None, Activation::Identity) => q,
            (None, Activation::Relu) => public_out,
        };
        sums.extend(linear::sum_terms(vk, k, x_at, ev(idx.e_y), sc(idx.s_sum), ch)?);
        let e = lookup::LookupEvals {
            acc: add::accumulator(k, ev(idx.e_y)),
            q,
            z,
            h: ev(idx.e_h),
        };
        identities.push((l.out_domain, lookup::identity(vk, k, &e, ch)));
        sums.push(lookup::sum_term(vk, k, &e, sc(idx.sigma), ch));
        sigma_total += sc(idx.sigma);
        x_at = z;
    }
    if let Some(r) = &layout.input {
        let (e, s) = lookup::range_check(first.in_domain, ev(r.e_x), ev(r.e_h), sc(r.sigma), ch);
        identities.push((first.in_domain, e));
        sums.push(s);
        sigma_total += sc(r.sigma);
    }
    let t = &layout.table;
    let (e, s) = lookup::table_check(vk.table_domain, ev(t.e_m), ev(t.e_m + 1), sc(t.sigma), ch);
    identities.push((vk.table_domain, e));
    sums.push(s);
    if sigma_total != sc(t.sigma) {
        return Err(AlgebraError::LookupSumMismatch);
    }
    let delta_pows = sumcheck::powers(ch.delta, sums.len());
    for d in &layout.domains {
        let e = sumcheck::identity(d.domain, ev(d.e_sum), ev(d.e_sum + 1), &sums, &delta_pows);
        identities.push((d.domain, e));
    }

    // 3. Per domain: Σ γᵏ E_k(ζ) = Z_d(ζ)·Q_d(ζ), so [Σ γᵏ lin_k] − Z_d(ζ)·[Q_d] opens to −Σ γᵏ c_k.
    let mut per_domain: Vec<Lin> = vec![Lin::default(); layout.domains.len()];
    let mut gamma_pow = Fr::one();
    for (d, e) in identities {
        let slot = layout.domain_index(d);
        per_domain[slot] = std::mem::take(&mut per_domain[slot]).sum(&e.scale(gamma_pow));
        gamma_pow *= ch.gamma;
    }
    for (d, lin) in layout.domains.iter().zip(per_domain) {
        let mut terms = lin.terms;
        terms.push((-d.domain.vanishing_at(zeta), Base::Commit(d.quotient)));
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
