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
use crate::sumcheck;
use ark_bn254::{Fr, G1Affine};
use ark_ff::{Field, One};

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
    /// The point: 0 for `ζ`, 1 for `ζ·ω`.
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
    /// Zero-sum term batching. After round 2.
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
    /// `x₀(ζ)`.
    pub e_x: usize,
    /// `h(ζ)`.
    pub e_h: usize,
}

/// The shape of a proof for a given vk: commitment and evaluation indices, in protocol order.
///
/// Commitments: round 1 `[x₀]?`, per layer `[y], [q]?, [z]?`, then `[m]`; round 2 per layer `[h]`,
/// `[h_in]?`, `[g]`; round 3 the running sum `[s]`; round 4 the quotient `[Q]`. Evaluations (all at
/// `ζ` except the last): `x₀?`, per layer `y, q?, z?, h`, `h_in?`, `m, g, s`, then `s(ζω)`.
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
    /// Evaluation index of `m(ζ)`; `g(ζ)`, `s(ζ)`, `s(ζω)` follow.
    pub e_m: usize,
    /// The model's domain.
    pub domain: Domain,
    /// Commitments `[0, r1_end)` are round 1, `[r1_end, r2_end)` round 2, then `[s]` and `[Q]`.
    pub r1_end: usize,
    /// End of round 2.
    pub r2_end: usize,
    /// Number of commitments.
    pub n_commits: usize,
    /// Number of evaluations.
    pub n_evals: usize,
    /// For evaluation `e`: the commitment it opens and its point (0 = `ζ`, 1 = `ζω`). Claim `e` of
    /// [`build_claims`] is evaluation `e`; the quotient claim follows.
    pub eval_sources: Vec<(usize, usize)>,
}

fn next(n: &mut usize) -> usize {
    *n += 1;
    *n - 1
}

/// Number of evaluation points (`ζ`, `ζω`).
pub const POINTS: usize = 2;

impl Layout {
    /// The layout for `vk`.
    pub fn new(vk: &VerifyingKey) -> Self {
        let last = vk.layers.len() - 1;
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
                (y, q, z)
            })
            .collect();
        let m = next(&mut c);
        let r1_end = c;
        let hs: Vec<usize> = vk.layers.iter().map(|_| next(&mut c)).collect();
        let h_in = x0.map(|_| next(&mut c));
        let g = next(&mut c);
        let r2_end = c;
        let (s, quotient) = (next(&mut c), next(&mut c));

        let mut src = vec![];
        let mut open = |commit: usize, point: usize| {
            src.push((commit, point));
            src.len() - 1
        };
        let e_x = x0.map(|x| open(x, 0));
        let layers = r1
            .into_iter()
            .zip(hs)
            .map(|((y, q, z), h)| LayerIdx {
                y,
                q,
                z,
                h,
                e_y: open(y, 0),
                e_q: q.map(|q| open(q, 0)),
                e_z: z.map(|z| open(z, 0)),
                e_h: open(h, 0),
            })
            .collect();
        let input = x0.zip(h_in).zip(e_x).map(|((x, h), e_x)| RangeIdx {
            x,
            h,
            e_x,
            e_h: open(h, 0),
        });
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
            domain: vk.domain,
            r1_end,
            r2_end,
            n_commits: c,
            n_evals: src.len(),
            eval_sources: src,
        }
    }

    /// Number of 32-byte words in an encoded proof.
    pub fn proof_words(&self) -> usize {
        2 * self.n_commits + self.n_evals + 2 * POINTS
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
    #[error("degenerate challenge: evaluation point inside the domain")]
    DegenerateChallenge,
}

/// `K_n(α, ζ) = Σ_i L_i(α)·L_i(ζ) = (ζ·Z_H(α) − α·Z_H(ζ)) / (n·(α − ζ))`.
pub fn lagrange_kernel(d: Domain, alpha: Fr, zeta: Fr) -> Option<Fr> {
    let den = (Fr::from(d.size() as u64) * (alpha - zeta)).inverse()?;
    Some((zeta * d.vanishing_at(alpha) - alpha * d.vanishing_at(zeta)) * den)
}

/// The verifier's algebra: all opening claims for a proof (DESIGN §7).
///
/// Order (mirrored by the Solidity verifier): one claim per evaluation, then the quotient claim
/// `[Σ γᵏ·lin_k] − Z_H(ζ)·[Q]` opening to `−Σ γᵏ·c_k` at `ζ`. The identities `k` are, in order: each
/// layer's lookup identity, the input range identity, the table identity, and last the running-sum
/// identity, whose zero-sum terms (powers of `δ`) are each layer's linear term and then the LogUp
/// term (all layers' shares, the input range's, minus the table's).
pub fn build_claims(
    vk: &VerifyingKey,
    layout: &Layout,
    public: &Public,
    evals: &[Fr],
    ch: &Challenges,
) -> Result<Vec<Claim>, AlgebraError> {
    let ev = |i: usize| evals[i];
    let d = layout.domain;

    // Public tensors at ζ (padded with zeros on H).
    let public_out = d
        .evaluate_public(&public.outputs, ch.zeta)
        .ok_or(AlgebraError::DegenerateChallenge)?;
    let x0 = match &layout.input {
        Some(r) => ev(r.e_x),
        None => d
            .evaluate_public(&public.inputs, ch.zeta)
            .ok_or(AlgebraError::DegenerateChallenge)?,
    };

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

    // 2. Block identities and zero-sum terms at ζ.
    let mut identities: Vec<Lin> = vec![];
    let mut sums: Vec<Lin> = vec![];
    let mut logup = Lin::default();
    let mut x_at = x0;
    for (k, (l, idx)) in vk.layers.iter().zip(&layout.layers).enumerate() {
        let q = idx.e_q.map_or(public_out, ev);
        let z = match (idx.e_z, l.activation) {
            (Some(e), _) => ev(e),
            (None, Activation::Identity) => q,
            (None, Activation::Relu) => public_out,
        };
        sums.push(linear::sum_term(vk, k, x_at, ev(idx.e_y), ch)?);
        let e = lookup::LookupEvals {
            acc: add::accumulator(k, ev(idx.e_y)),
            q,
            z,
            h: ev(idx.e_h),
        };
        identities.push(lookup::identity(vk, k, &e, ch));
        logup = logup.sum(&lookup::sum_share(vk, k, &e, ch));
        x_at = z;
    }
    if let Some(r) = &layout.input {
        identities.push(lookup::range_identity(ev(r.e_x), ev(r.e_h), ch));
        logup = logup.plus(ev(r.e_h));
    }
    let (m, g) = (ev(layout.e_m), ev(layout.e_m + 1));
    identities.push(lookup::table_identity(m, g, ch));
    sums.push(logup.plus(-g));
    identities.push(sumcheck::identity(
        ev(layout.e_m + 2),
        ev(layout.e_m + 3),
        &sums,
        ch.delta,
    ));

    // 3. Σ γᵏ E_k(ζ) = Z_H(ζ)·Q(ζ), so [Σ γᵏ lin_k] − Z_H(ζ)·[Q] opens to −Σ γᵏ c_k.
    let mut combined = Lin::default();
    let mut gamma_pow = Fr::one();
    for e in identities {
        combined = combined.sum(&e.scale(gamma_pow));
        gamma_pow *= ch.gamma;
    }
    let mut terms = combined.terms;
    terms.push((-d.vanishing_at(ch.zeta), Base::Commit(layout.quotient)));
    claims.push(Claim {
        terms,
        point: 0,
        value: -combined.c,
    });
    Ok(claims)
}

/// The concrete points: `ζ` and `ζ·ω`.
pub fn point_values(layout: &Layout, zeta: Fr) -> Vec<Fr> {
    vec![zeta, zeta * layout.domain.omega()]
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
