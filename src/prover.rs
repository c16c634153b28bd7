//! The prover: witness → three rounds of commitments → evaluations → accumulation → decider.
//!
//! It iterates over the layout's block instances ([`crate::blocks::Block`]) and never looks at the
//! model's shape. Before round 1 each lookup instance counts its multiplicities; round 1 commits
//! every committed tensor on its own tight domain (blinded), then each instance's round-1 columns
//! (RowSum's `R`, the table multiplicities); round 2 each instance's round-2 columns (lookup
//! inverses, the table side, and last the running sum of the LogUp shares); round 3 ONE quotient
//! `Σ γ^(e+1)·E_e/Z_e`, the instances' parts computed in parallel (rayon). The opening claims come
//! from [`build_claims`], the very function the verifier runs; the prover folds them per point in a
//! parallel tree ([`crate::accumulate`]) and opens every point at once with Shplonk
//! ([`crate::shplonk`]).

use crate::blocks::rowsum::compose_power;
use crate::blocks::Col;
use crate::commitment::{CommitmentError, InputOpening};
use crate::field::{fr_from_i64, Word};
use crate::keys::{layer_bias_poly, layer_plain_weight_poly, weight_hiding, ProvingKey, Visibility};
use crate::kzg::{commit, commit_evaluations, KzgError};
use crate::lookup_table::LookupTable;
use crate::model::{ForwardError, Trace};
use crate::poly::{interleave, Blinded, Domain};
use crate::proof::Proof;
use crate::protocol::{build_claims, check_zeta, AlgebraError, Base, Challenges, Layout, Public};
use crate::shplonk;
use crate::sumcheck::ProverTerm;
use crate::transcript::{Tag, Transcript, Words};
use crate::verifier::absorb_public;
use ark_bn254::{Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{Field, Zero};
use ark_poly::{univariate::DensePolynomial, Polynomial};
use rand::RngCore;
use rayon::prelude::*;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Why proving failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProveError {
    /// Integer inference failed (input length, window).
    #[error(transparent)]
    Forward(#[from] ForwardError),
    /// The SRS in the proving key is too short.
    #[error(transparent)]
    Kzg(#[from] KzgError),
    /// A challenge was degenerate (negligible probability).
    #[error(transparent)]
    Algebra(#[from] AlgebraError),
    /// A committed input's opening is missing, unexpected or does not match.
    #[error(transparent)]
    Commitment(#[from] CommitmentError),
    /// An internal invariant failed: a bug, please report it.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Wall-clock time of each phase.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    /// Integer inference and witness vectors.
    pub witness: Duration,
    /// Rounds 1–3 (block polynomials, the quotient and their commitments).
    pub blocks: Duration,
    /// Evaluations, accumulation and decider openings.
    pub accumulate: Duration,
    /// Of `blocks` and `accumulate`: every commitment (the MSMs of rounds 1–3 and of `[W]`, `[W']`).
    pub commitments: Duration,
    /// Of `blocks`: the quotient, every instance's share (FFTs on cosets, in parallel).
    pub quotient: Duration,
}

/// A proof with its public statement.
#[derive(Clone, Debug)]
pub struct ProveOutput {
    /// The proof.
    pub proof: Proof,
    /// Public values (inputs empty when private).
    pub public: Public,
    /// The integer trace (outputs at scale `2^s`).
    pub trace: Trace,
    /// Phase timings.
    pub timings: Timings,
}

/// An internal invariant failed: the witness does not satisfy a block.
pub(crate) fn internal(what: &str) -> ProveError {
    ProveError::Internal(format!("{what} (the witness does not satisfy the blocks)"))
}

/// What the blocks' provers share while a proof is built ([`crate::blocks::Block`]).
pub struct ProverState<'a> {
    /// The proving key (model weights, SRS, weight blinds).
    pub pk: &'a ProvingKey,
    /// The proof's layout.
    pub layout: &'a Layout,
    /// The integer inference.
    pub trace: &'a Trace,
    /// Every committed polynomial, by commitment index.
    pub polys: Vec<DensePolynomial<Fr>>,
    /// Columns of the lookup domain kept with their values, committed in the Lagrange basis.
    pub lagrange: Vec<Option<Blinded>>,
    /// Every tensor's polynomial (committed: blinded; public: interpolated), after round 1.
    pub tensor_polys: Vec<DensePolynomial<Fr>>,
    /// The lookup multiplicities on `H_n` (counted before round 1).
    pub multiplicities: Vec<u64>,
    /// The LogUp sum's term on `H_n`: every share, lifted (round 2). The values include the folded
    /// shares; the polynomial does not (they are in `folded`).
    pub logup: ProverTerm,
    /// The folded shares as lifted polynomials `(N, D)`, `share = N/D` on `H_n`
    /// ([`crate::blocks::fold`]).
    pub folded: Vec<(DensePolynomial<Fr>, DensePolynomial<Fr>)>,
    /// The lookup table (its kinds and functions).
    pub table: LookupTable,
    /// The table columns (kind, value, function) as polynomials on `H_n` (round 2).
    pub table_polys: Vec<DensePolynomial<Fr>>,
    /// The blinding coefficients of each committed tensor (by commitment index; empty otherwise).
    pub blinds: Vec<Vec<Fr>>,
    /// A committed input's opening.
    pub opening: Option<&'a InputOpening>,
    /// `θ` (round 1).
    pub theta: Fr,
    /// `β` (round 1).
    pub beta: Fr,
    /// RowSum's batching challenge `λ` (after round 1).
    pub lambda: Fr,
    /// Soundness tests only ([`prove_forging_wide_output`]): output `index` stated as the field
    /// element `q'` with rescale remainder `r`.
    pub forged: Option<(usize, Fr, i64)>,
    /// Soundness tests only ([`prove_forging_coset_max`]): a lookup value in no table row is left
    /// out of the multiplicities, and the running sum's quotient drops its remainder.
    pub lenient: bool,
    /// Per layer, a dense layer's `W` on its matrix domain without the hiding term, made once
    /// ([`Self::weight_poly`]).
    pub weight_polys: Vec<OnceLock<Arc<DensePolynomial<Fr>>>>,
}

impl ProverState<'_> {
    /// Dense layer `layer`'s `W` (or `W̃`) on its matrix domain, without the hiding term
    /// ([`crate::keys::plain_weight_poly`]): interpolated the first time, then shared by RowSum's quotient and
    /// the decider's `Ŵ` (one inverse FFT of the matrix domain per layer and proof, not two).
    pub fn weight_poly(&self, layer: usize) -> Arc<DensePolynomial<Fr>> {
        self.weight_polys[layer]
            .get_or_init(|| {
                let vk = &self.pk.vk;
                Arc::new(layer_plain_weight_poly(
                    &self.pk.model,
                    &vk.rowsum_plan(),
                    vk.input,
                    layer,
                ))
            })
            .clone()
    }
    /// Tensor `t`'s integer values (unpadded).
    pub fn ints(&self, t: usize) -> &[i64] {
        self.layout.tensors[t].source.values(self.trace)
    }
    /// Tensor `t`'s integer values at their domain positions (padding [`crate::blocks::Tensor::pad`]).
    pub fn positioned_ints(&self, t: usize) -> Vec<i64> {
        self.layout.tensors[t].place(self.ints(t))
    }
    /// Tensor `t`'s values at their domain positions (padding [`crate::blocks::Tensor::pad`]).
    pub fn values(&self, t: usize) -> Vec<Fr> {
        let mut v: Vec<Fr> = self.positioned_ints(t).into_iter().map(fr_from_i64).collect();
        if let (Some((index, q, _)), Col::PublicOutput) = (self.forged, self.layout.tensors[t].col) {
            v[index] = q;
        }
        v
    }
    /// Count one lookup of `(kind, v)`.
    pub fn bump(&mut self, kind: u8, v: i64) -> Result<(), ProveError> {
        match self.table.index(kind, v) {
            Some(i) => self.multiplicities[i] += 1,
            None if self.lenient => {}
            None => return Err(ProveError::Internal(format!("lookup value {v} outside the table"))),
        }
        Ok(())
    }
    /// Add a share on `H_d` to the LogUp term on `H_n`: value tiled `n/d` times, weighted `d/n`.
    pub fn add_lifted(&mut self, share: &ProverTerm, d: Domain) {
        let nn = self.layout.domain.size();
        let w = Fr::from(d.size() as u64) * Fr::from(nn as u64).inverse().unwrap_or_else(Fr::zero);
        for (p, v) in self.logup.values.iter_mut().enumerate() {
            *v += w * share.values[p % d.size()];
        }
        self.logup.poly = &self.logup.poly + &(&compose_power(&share.poly, nn / d.size()) * w);
    }
    /// Add a folded share on `H_d` (values `share = num/den` there) to the LogUp term: its values,
    /// tiled and weighted like [`Self::add_lifted`]; `(d/n)·num` and `den`, lifted, to `folded`.
    pub fn add_folded(&mut self, values: &[Fr], d: Domain, (num, den): (&DensePolynomial<Fr>, &DensePolynomial<Fr>)) {
        let nn = self.layout.domain.size();
        let w = Fr::from(d.size() as u64) * Fr::from(nn as u64).inverse().unwrap_or_else(Fr::zero);
        for (p, v) in self.logup.values.iter_mut().enumerate() {
            *v += w * values[p % d.size()];
        }
        let lift = nn / d.size();
        self.folded
            .push((&compose_power(num, lift) * w, compose_power(den, lift)));
    }
    /// Store a lookup-domain column with its values (a Lagrange-basis commitment).
    pub fn put_lagrange(&mut self, slot: usize, b: Blinded) {
        self.polys[slot] = b.poly.clone();
        self.lagrange[slot] = Some(b);
    }
}

/// Prove one inference on the quantized `input` (public or private visibility).
pub fn prove(pk: &ProvingKey, input: &[i64], rng: &mut (impl RngCore + Send)) -> Result<ProveOutput, ProveError> {
    prove_with(pk, input, None, rng)
}

/// Prove one inference; a committed input needs its `opening` ([`crate::commitment`]), whose input
/// must be `input`.
pub fn prove_with(
    pk: &ProvingKey,
    input: &[i64],
    opening: Option<&InputOpening>,
    rng: &mut (impl RngCore + Send),
) -> Result<ProveOutput, ProveError> {
    prove_inner(pk, input, opening, None, None, rng)
}

/// Soundness tests only: a cheating prover that knows the opening of its own input but states
/// `claimed` as the input commitment (e.g. someone else's), with a transcript consistent with it.
/// The verifier must reject what it produces (`tests/committed.rs`).
#[doc(hidden)]
pub fn prove_claiming_commitment(
    pk: &ProvingKey,
    input: &[i64],
    opening: &InputOpening,
    claimed: G1Affine,
    rng: &mut (impl RngCore + Send),
) -> Result<ProveOutput, ProveError> {
    prove_inner(pk, input, Some(opening), Some(claimed), None, rng)
}

/// What a soundness test's cheating prover forges.
#[derive(Clone, Copy, Debug)]
enum Forgery {
    /// [`prove_forging_wide_output`]: output `index` with remainder `r`.
    WideOutput(usize, i64),
    /// [`prove_forging_coset_max`]: window `window` of coset-max layer `layer` takes its smallest
    /// member.
    CosetMin { layer: usize, window: usize },
}

/// Soundness tests only: a cheating prover for a coset-max layer ([`crate::blocks::cosetmax`]).
/// Window `window` of layer `layer` states its **smallest** member as its maximum, and every later
/// layer follows from that. The gate `Π_k (y − c·x_k)` still holds (the value is a member), so
/// only the range lookup of `y/c − x` stands in the way. A difference below zero is in no table
/// row, so the prover leaves it out of the multiplicities and commits the running sum's quotient
/// without its remainder, as any cheater must. The verifier must reject what it produces
/// (`tests/soundness.rs`); for a window whose members are all equal the forgery is the honest proof.
#[doc(hidden)]
pub fn prove_forging_coset_max(
    pk: &ProvingKey,
    input: &[i64],
    (layer, window): (usize, usize),
    rng: &mut (impl RngCore + Send),
) -> Result<ProveOutput, ProveError> {
    prove_inner(pk, input, None, None, Some(Forgery::CosetMin { layer, window }), rng)
}

/// Soundness tests only: a cheating prover for a wide output ([`crate::model::wide_output`]). It
/// states output `index` as `q' = (acc + 2^(s−1) − r)/2^s` in the field, for a rescale remainder
/// `r ∈ [0, 2^s)` of its choice: the remainder lookup and every identity then hold, and only the
/// verifier's 64-bit range check of the outputs stands in the way (`tests/soundness.rs`).
#[doc(hidden)]
pub fn prove_forging_wide_output(
    pk: &ProvingKey,
    input: &[i64],
    (index, remainder): (usize, i64),
    rng: &mut (impl RngCore + Send),
) -> Result<ProveOutput, ProveError> {
    prove_inner(pk, input, None, None, Some(Forgery::WideOutput(index, remainder)), rng)
}

fn prove_inner(
    pk: &ProvingKey,
    input: &[i64],
    opening: Option<&InputOpening>,
    claimed: Option<G1Affine>,
    forge: Option<Forgery>,
    rng: &mut (impl RngCore + Send),
) -> Result<ProveOutput, ProveError> {
    let t0 = Instant::now();
    let vk = &pk.vk;
    match (vk.input, opening) {
        (Visibility::Committed, None) => return Err(ProveError::Commitment(CommitmentError::MissingOpening)),
        (Visibility::Committed, Some(o)) => {
            o.check(vk, &pk.g1)?;
            if o.input != input {
                return Err(ProveError::Commitment(CommitmentError::Mismatch));
            }
        }
        (v, Some(_)) => return Err(ProveError::Commitment(CommitmentError::NotCommitted(v.name()))),
        (_, None) => {}
    }
    let layout = Layout::new(vk);
    let n = layout.domain;
    let mut trace = pk.model.forward(input)?;
    if let Some(Forgery::CosetMin { layer, window }) = forge {
        let op = pk.model.layers.get(layer).map(|l| l.op);
        let (Some(crate::model::LayerOp::CosetMax { .. }), Some((m, w))) = (op, op.and_then(|o| o.coset())) else {
            return Err(ProveError::Internal("forging needs a coset-max layer".into()));
        };
        let x = &trace.out[layer - 1];
        let min = (0..w).filter_map(|k| x.get(window + k * m)).min().copied().unwrap_or(0);
        let c = 1i64 << vk.scale_bits;
        trace.acc[layer][window] = c * min;
        trace.rescaled[layer][window] = min;
        trace.out[layer][window] = pk.model.layers[layer].activation.apply(min, vk.scale_bits);
        pk.model.rerun_from(&mut trace, layer + 1)?;
    }
    let ints = |v: &[i64]| v.iter().map(|x| fr_from_i64(*x)).collect::<Vec<_>>();
    let mut public = Public {
        inputs: if vk.input == Visibility::Public {
            ints(&trace.input)
        } else {
            vec![]
        },
        outputs: ints(trace.output()),
        commitment: claimed.or(opening.map(|o| o.commitment)),
    };
    let forged = match forge {
        None | Some(Forgery::CosetMin { .. }) => None,
        Some(Forgery::WideOutput(index, r)) => {
            let acc = trace.acc.last().and_then(|a| a.get(index)).copied();
            let (Some(acc), true) = (acc, vk.wide_output()) else {
                return Err(ProveError::Internal(
                    "forging needs a wide output and an output index".into(),
                ));
            };
            let s = vk.scale_bits;
            let q = (fr_from_i64(acc) + fr_from_i64(1 << (s - 1)) - fr_from_i64(r))
                * Fr::from(1u64 << s).inverse().unwrap_or_default();
            public.outputs[index] = q;
            Some((index, q, r))
        }
    };
    let mut st = ProverState {
        pk,
        layout: &layout,
        trace: &trace,
        polys: vec![DensePolynomial::zero(); layout.n_columns],
        lagrange: vec![None; layout.n_columns],
        tensor_polys: vec![],
        multiplicities: vec![0; n.size()],
        logup: ProverTerm {
            values: vec![Fr::zero(); n.size()],
            poly: DensePolynomial::zero(),
        },
        folded: vec![],
        table: pk.model.lookup_table(),
        table_polys: vec![],
        blinds: vec![vec![]; layout.n_columns],
        opening,
        theta: Fr::zero(),
        beta: Fr::zero(),
        lambda: Fr::zero(),
        forged,
        lenient: matches!(forge, Some(Forgery::CosetMin { .. })),
        weight_polys: pk.model.layers.iter().map(|_| OnceLock::new()).collect(),
    };
    for inst in &layout.instances {
        inst.block().witness(&mut st)?;
    }
    let t_witness = t0.elapsed();
    let t1 = Instant::now();
    let rng: &mut dyn RngCore = rng;

    // Round 1: the committed tensors on their own domains, then every instance's round-1 columns.
    for (t, tensor) in layout.tensors.iter().enumerate() {
        if let Col::Commit(c) = tensor.col {
            let b = tensor
                .dom
                .blinded_with(&st.values(t), layout.blinding(c), &mut &mut *rng);
            st.polys[c] = b.poly;
            st.blinds[c] = b.blind;
        }
    }
    for inst in &layout.instances {
        inst.block().prove_round1(&mut st, &mut *rng)?;
    }
    let mut commits = vec![G1Affine::zero(); layout.n_commits];
    let mut group_polys: Vec<Option<DensePolynomial<Fr>>> = vec![None; layout.n_commits];
    let mut t_msm = Duration::ZERO;
    let tc = Instant::now();
    commit_range(pk, &st, (&mut commits, &mut group_polys), 0..layout.r1_end)?;
    t_msm += tc.elapsed();
    let mut tr = Transcript::new();
    tr.absorb(Tag::VkDigest, &[vk.digest()]);
    absorb_public(&mut tr, &public);
    tr.absorb(Tag::Witness, &point_words(&commits[..layout.r1_end]));
    st.theta = tr.squeeze();
    st.beta = tr.squeeze();
    st.lambda = tr.squeeze();
    st.tensor_polys = layout
        .tensors
        .iter()
        .map(|t| match t.col {
            Col::Commit(c) => st.polys[c].clone(),
            Col::PublicInput => t.dom.interpolate(&t.place(&public.inputs)),
            Col::PublicOutput => t.dom.interpolate(&t.place(&public.outputs)),
        })
        .collect();

    // Round 2: every instance's round-2 columns (lookup inverses, the table side, and last the
    // running sum of the LogUp shares).
    let mut round2 = vec![];
    for inst in &layout.instances {
        round2.push(inst.block().prove_round2(&mut st, &mut *rng)?);
    }
    let tc = Instant::now();
    commit_range(pk, &st, (&mut commits, &mut group_polys), layout.r1_end..layout.r2_end)?;
    t_msm += tc.elapsed();
    tr.absorb(Tag::Inverses, &point_words(&commits[layout.r1_end..layout.r2_end]));
    let gamma = tr.squeeze();

    // Round 3: ONE quotient Σ γ^(e+1)·E_e/Z_e over every identity, instances in parallel.
    let (offsets, total) = layout.identity_offsets();
    let mut gammas = Vec::with_capacity(total);
    let mut g = gamma;
    for _ in 0..total {
        gammas.push(g);
        g *= gamma;
    }
    let st_ref = &st;
    let tq = Instant::now();
    let parts = layout
        .instances
        .par_iter()
        .zip(&round2)
        .zip(&offsets)
        .map(|((inst, r2), o)| {
            let b = inst.block();
            b.quotient(st_ref, r2, &gammas[*o..*o + b.identity_count()])
        })
        .collect::<Result<Vec<_>, _>>()?;
    let quotient = parts.iter().fold(DensePolynomial::zero(), |acc, p| &acc + p);
    st.polys[layout.quotient] = quotient;
    let t_quotient = tq.elapsed();
    let tc = Instant::now();
    commit_range(
        pk,
        &st,
        (&mut commits, &mut group_polys),
        layout.r2_end..layout.n_commits,
    )?;
    t_msm += tc.elapsed();
    tr.absorb(Tag::Quotient, &point_words(&commits[layout.r2_end..]));
    let zeta = tr.squeeze();
    check_zeta(&layout, zeta)?;
    let t_blocks = t1.elapsed();
    let t2 = Instant::now();

    // Evaluations, in Layout order.
    let pts = layout.point_values(zeta);
    let polys = &st.polys;
    let evals: Vec<Fr> = layout
        .eval_sources
        .par_iter()
        .map(|(c, p)| polys[*c].evaluate(&pts[*p]))
        .collect();
    let mut w = Words::default();
    evals.iter().for_each(|e| {
        w.scalar(e);
    });
    tr.absorb(Tag::Evaluations, &w.0);
    let nu = tr.squeeze();

    // Accumulation and decider: the verifier's claims, folded per point, one Shplonk opening.
    let mut ch = Challenges {
        theta: st.theta,
        beta: st.beta,
        lambda: st.lambda,
        gamma,
        zeta,
        nu,
        xi: Fr::zero(),
    };
    let claims = build_claims(vk, &layout, &public, &evals, &ch)?;
    let model = &pk.model;
    let plan = vk.rowsum_plan();
    let poly_of = |terms: &[(Fr, Base)]| -> DensePolynomial<Fr> {
        let mut out = DensePolynomial::zero();
        for (sc, b) in terms {
            let p = match *b {
                Base::Commit(g) => match &group_polys[g] {
                    Some(p) => p * *sc,
                    None => &polys[layout.groups[g][0]] * *sc,
                },
                Base::Table(c) => &st.table_polys[c + 1] * *sc,
                Base::Weights(l) => {
                    let hiding = weight_hiding(pk.blinds.weights[l], model.layers[l].matrix_shape());
                    &(&*st.weight_poly(l) + &hiding) * *sc
                }
                Base::Bias(l) => &layer_bias_poly(model, &plan, l, pk.blinds.bias[l]) * *sc,
                Base::InputCommitment => opening.map_or_else(DensePolynomial::zero, |o| &o.polynomial(vk) * *sc),
                Base::CopyTags(l) | Base::CopyCounts(l) => {
                    let polys = crate::keys::copy_polys(model, vk.input, l);
                    &polys[usize::from(matches!(*b, Base::CopyCounts(_)))] * *sc
                }
            };
            out = &out + &p;
        }
        out
    };
    let divs = layout.divisor_values(&pts);
    let (folded, w_poly) = shplonk::prove_w(&claims, &divs, nu, poly_of, !st.lenient);
    let tc = Instant::now();
    let w_commit = commit(&pk.g1, &w_poly)?;
    t_msm += tc.elapsed();
    tr.absorb(Tag::Openings, &point_words(&[w_commit]));
    ch.xi = tr.squeeze();
    let w_prime_poly =
        shplonk::prove_w_prime(&folded, &w_poly, &divs, ch.xi).ok_or(AlgebraError::DegenerateChallenge)?;
    let tc = Instant::now();
    let w_prime = commit(&pk.g1, &w_prime_poly)?;
    t_msm += tc.elapsed();
    let inverse = crate::protocol::inversion_hint(&crate::protocol::ClaimCx::new(vk, &layout, &public, &evals, &ch)?)?;
    let t_acc = t2.elapsed();
    Ok(ProveOutput {
        proof: Proof {
            commits,
            evals,
            openings: vec![w_commit, w_prime],
            inverse,
        },
        public,
        trace,
        timings: Timings {
            witness: t_witness,
            blocks: t_blocks,
            accumulate: t_acc,
            commitments: t_msm,
            quotient: t_quotient,
        },
    })
}

/// Commit the proof's commitments `range` ([`Layout::groups`]): a single column of the lookup
/// domain through its Lagrange basis (cost: the entries that differ from the padding value), any
/// other single column through the monomial SRS, and a group's `S = Σ_t X^t·p_t(X^T)` (kept in
/// `group_polys` for the decider) through the monomial SRS.
fn commit_range(
    pk: &ProvingKey,
    st: &ProverState<'_>,
    (commits, group_polys): (&mut [G1Affine], &mut [Option<DensePolynomial<Fr>>]),
    range: std::ops::Range<usize>,
) -> Result<(), KzgError> {
    let layout = st.layout;
    let out = range
        .clone()
        .into_par_iter()
        .map(|g| match layout.groups[g].as_slice() {
            [c] => match &st.lagrange[*c] {
                Some(b) => commit_evaluations(&pk.g1, &pk.lagrange, b).map(|p| (p, None)),
                None => commit(&pk.g1, &st.polys[*c]).map(|p| (p, None)),
            },
            members => {
                let s = interleave(&members.iter().map(|c| &st.polys[*c]).collect::<Vec<_>>());
                commit(&pk.g1, &s).map(|p| (p, Some(s)))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    for (g, (p, s)) in range.zip(out) {
        commits[g] = p;
        group_polys[g] = s;
    }
    Ok(())
}

fn point_words(ps: &[G1Affine]) -> Vec<Word> {
    let mut w = Words::default();
    for p in ps {
        w.point(p);
    }
    w.0
}
