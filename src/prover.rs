//! The prover: witness → four rounds of commitments → evaluations → accumulation → decider.
//!
//! Round 1 commits every hidden tensor (blinded) and the lookup multiplicities; round 2 the lookup
//! inverse columns; round 3 the running sum of all zero-sum terms ([`crate::sumcheck`]); round 4 the
//! quotient of all identities. Everything lives on the model's one domain. The opening claims come
//! from [`build_claims`], the very function the verifier runs; the prover folds them per point in a
//! parallel tree ([`crate::accumulate`]) and sends one KZG opening per point (`ζ`, `ζω`).

use crate::accumulate::fold_polynomials;
use crate::blocks::{add, linear, lookup};
use crate::field::{fr_from_i64, Word};
use crate::keys::{hiding_bias_poly, table_columns, ProvingKey, Visibility, WeightBlinds};
use crate::kzg::{commit, commit_evaluations, KzgError};
use crate::model::{Activation, ForwardError, Trace};
use crate::poly::{divide_by_linear, Blinded, Domain};
use crate::proof::Proof;
use crate::protocol::{build_claims, point_values, AlgebraError, Base, Challenges, Layout, Public, POINTS};
use crate::sumcheck::{self, ProverTerm};
use crate::transcript::{Tag, Transcript, Words};
use crate::verifier::absorb_public;
use ark_bn254::{Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{One, Zero};
use ark_poly::{univariate::DensePolynomial, Polynomial};
use rand::RngCore;
use rayon::prelude::*;
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
    /// An internal invariant failed: a bug, please report it.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Wall-clock time of each phase.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    /// Integer inference and witness vectors.
    pub witness: Duration,
    /// Rounds 1–4 (block polynomials and commitments).
    pub blocks: Duration,
    /// Evaluations, accumulation and decider openings.
    pub accumulate: Duration,
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

fn pad(v: &[Fr], d: Domain) -> Vec<Fr> {
    let mut v = v.to_vec();
    v.resize(d.size(), Fr::zero());
    v
}

fn ints(v: &[i64]) -> Vec<Fr> {
    v.iter().map(|x| fr_from_i64(*x)).collect()
}

fn constant(c: Fr) -> DensePolynomial<Fr> {
    DensePolynomial { coeffs: vec![c] }
}

/// One layer's witness vectors, padded to their domains.
struct LayerWitness {
    y: Vec<Fr>,
    q: Vec<Fr>,
    z: Vec<Fr>,
    bias: Vec<Fr>,
    weights: Vec<Vec<Fr>>,
}

/// The polynomials of the tensors a layer's blocks read (committed and blinded, or public).
struct LayerPolys {
    x: DensePolynomial<Fr>,
    y: DensePolynomial<Fr>,
    q: DensePolynomial<Fr>,
    z: DensePolynomial<Fr>,
}

/// Prove one inference on the quantized `input`.
pub fn prove(pk: &ProvingKey, input: &[i64], rng: &mut (impl RngCore + Send)) -> Result<ProveOutput, ProveError> {
    let t0 = Instant::now();
    let vk = &pk.vk;
    let model = &pk.model;
    let layout = Layout::new(vk);
    let d = layout.domain;
    let trace = model.forward(input)?;
    let (s, b_bits) = (model.scale_bits, model.lookup_bits);
    let c = lookup::remainder_scale(s, b_bits);
    let cols = table_columns(b_bits, d);

    // Witness vectors and lookup multiplicities (padding positions look up (kind, 0, 0) and the
    // remainder 2^(s−1), both table rows).
    let mut m = vec![0u64; d.size()];
    let mut bump = |kind: u8, v: i64| -> Result<(), ProveError> {
        let i = lookup::table_index(b_bits, kind, v)
            .ok_or_else(|| ProveError::Internal(format!("lookup value {v} outside the table")))?;
        m[i] += 1;
        Ok(())
    };
    let x0 = pad(&ints(&trace.input), d);
    if vk.input == Visibility::Private {
        for j in 0..d.size() {
            bump(0, trace.input.get(j).copied().unwrap_or(0))?;
        }
    }
    let mut lw = vec![];
    for (k, layer) in model.layers.iter().enumerate() {
        for j in 0..d.size() {
            let (a, q) = (
                trace.acc[k].get(j).copied().unwrap_or(0),
                trace.rescaled[k].get(j).copied().unwrap_or(0),
            );
            bump(lookup::kind(layer.activation), q)?;
            bump(1, c * (a + (1i64 << (s - 1)) - (q << s)))?;
        }
        let y: Vec<i64> = trace.acc[k].iter().zip(&layer.bias).map(|(a, b)| a - b).collect();
        lw.push(LayerWitness {
            y: pad(&ints(&y), d),
            q: pad(&ints(&trace.rescaled[k]), d),
            z: pad(&ints(&trace.out[k]), d),
            bias: pad(&ints(&layer.bias), d),
            weights: layer.weights.iter().map(|r| ints(r)).collect(),
        });
    }
    let m: Vec<Fr> = m.into_iter().map(Fr::from).collect();
    let public = Public {
        inputs: if vk.input == Visibility::Public {
            ints(&trace.input)
        } else {
            vec![]
        },
        outputs: ints(trace.output()),
    };
    let t_witness = t0.elapsed();
    let t1 = Instant::now();

    // Round 1: witness tensors and multiplicities (committed in the Lagrange basis: mostly padding).
    let mut polys: Vec<DensePolynomial<Fr>> = vec![DensePolynomial::zero(); layout.n_commits];
    let mut blinded: Vec<Option<Blinded>> = vec![None; layout.n_commits];
    if let Some(r) = &layout.input {
        put(&mut polys, &mut blinded, r.x, d.blinded(&x0, rng));
    }
    for (idx, w) in layout.layers.iter().zip(&lw) {
        put(&mut polys, &mut blinded, idx.y, d.blinded(&w.y, rng));
        for (slot, vals) in [(idx.q, &w.q), (idx.z, &w.z)] {
            if let Some(slot) = slot {
                put(&mut polys, &mut blinded, slot, d.blinded(vals, rng));
            }
        }
    }
    put(&mut polys, &mut blinded, layout.m, d.blinded(&m, rng));
    let mut commits = vec![G1Affine::zero(); layout.n_commits];
    commit_range(pk, &polys, &blinded, &mut commits, 0..layout.r1_end)?;
    let mut tr = Transcript::new();
    tr.absorb(Tag::VkDigest, &[vk.digest()]);
    absorb_public(&mut tr, &public);
    tr.absorb(Tag::Witness, &point_words(&commits[..layout.r1_end]));
    let (alpha, theta, beta) = (tr.squeeze(), tr.squeeze(), tr.squeeze());

    // The tensors each layer's blocks read: committed (blinded) or public (interpolated).
    let committed_or =
        |slot: Option<usize>, vals: &[Fr]| slot.map_or_else(|| d.interpolate(vals), |i| polys[i].clone());
    let mut lp: Vec<LayerPolys> = vec![];
    for (k, (idx, w)) in layout.layers.iter().zip(&lw).enumerate() {
        let q = committed_or(idx.q, &w.q);
        let z = match (idx.z, vk.layers[k].activation) {
            (Some(i), _) => polys[i].clone(),
            (None, Activation::Identity) => q.clone(),
            (None, Activation::Relu) => d.interpolate(&w.z),
        };
        let x = match k {
            0 => committed_or(layout.input.as_ref().map(|r| r.x), &x0),
            _ => lp[k - 1].z.clone(),
        };
        lp.push(LayerPolys {
            x,
            y: polys[idx.y].clone(),
            q,
            z,
        });
    }

    // Round 2: lookup inverse columns; zero-sum terms and identity numerators in build_claims order.
    let mut terms: Vec<ProverTerm> = vec![];
    let mut numer: Vec<DensePolynomial<Fr>> = vec![];
    let mut logup = ProverTerm {
        values: vec![Fr::zero(); d.size()],
        poly: DensePolynomial::zero(),
    };
    let mut add_share = |share: ProverTerm| {
        for (a, b) in logup.values.iter_mut().zip(&share.values) {
            *a += b;
        }
        logup.poly = &logup.poly + &share.poly;
    };
    let th2 = theta * theta;
    let kappa = (theta + th2) * fr_from_i64(c);
    let (half, two_s) = (fr_from_i64(1 << (s - 1)), fr_from_i64(1 << s));
    for (k, (idx, w)) in layout.layers.iter().zip(&lw).enumerate() {
        let p = &lp[k];
        let x_vals = if k == 0 { &x0 } else { &lw[k - 1].z };
        terms.push(linear::prove_term(
            (&w.weights, &pk.blinds.rows[k]),
            d,
            (x_vals, &p.x),
            (&w.y, &p.y),
            alpha,
        )?);
        let kind = Fr::from(lookup::kind(vk.layers[k].activation));
        let acc = add::accumulator_values(&w.y, &w.bias);
        let a: Vec<Fr> =
            w.q.iter()
                .zip(&w.z)
                .map(|(q, z)| lookup::compress(theta, kind, *q, *z))
                .collect();
        let b: Vec<Fr> = acc
            .iter()
            .zip(&w.q)
            .map(|(a, q)| Fr::one() + kappa * (*a + half - two_s * q))
            .collect();
        let a_poly = &(&(&p.q * theta) + &(&p.z * th2)) + &constant(kind);
        let acc_poly = &p.y + &hiding_bias_poly(&model.layers[k].bias, pk.blinds.bias[k], d);
        let b_poly = &(&(&acc_poly - &(&p.q * two_s)) * kappa) + &constant(Fr::one() + kappa * half);
        let ab_poly = &(&a_poly + &b_poly) + &constant(beta + beta);
        let col = lookup::prove_layer(d, &a, &b, &ab_poly, beta, rng);
        numer.push(lookup::numerator(
            &col.poly,
            &a_poly,
            Some(&b_poly),
            &constant(Fr::one()),
            beta,
        ));
        polys[idx.h] = col.poly;
        add_share(col.share);
    }
    if let Some(r) = &layout.input {
        let a: Vec<Fr> = x0.iter().map(|x| (theta + th2) * x).collect();
        let col = lookup::prove_range(d, &a, beta, rng);
        let a_poly = &polys[r.x] * (theta + th2);
        numer.push(lookup::numerator(&col.poly, &a_poly, None, &constant(Fr::one()), beta));
        put(&mut polys, &mut blinded, r.h, col.blinded);
        add_share(col.share);
    }
    let table_polys: Vec<DensePolynomial<Fr>> = cols.iter().map(|c| d.interpolate(c)).collect();
    let table_vals: Vec<Fr> = (0..d.size())
        .map(|i| lookup::compress(theta, cols[0][i], cols[1][i], cols[2][i]))
        .collect();
    let col = lookup::prove_table(d, &table_vals, &m, beta, rng);
    let t_poly = &(&table_polys[0] + &(&table_polys[1] * theta)) + &(&table_polys[2] * th2);
    numer.push(lookup::numerator(&col.poly, &t_poly, None, &polys[layout.m], beta));
    put(&mut polys, &mut blinded, layout.g, col.blinded);
    add_share(col.share);
    terms.push(logup);
    commit_range(pk, &polys, &blinded, &mut commits, layout.r1_end..layout.r2_end)?;
    tr.absorb(Tag::Inverses, &point_words(&commits[layout.r1_end..layout.r2_end]));
    let delta = tr.squeeze();

    // Round 3: the running sum of all zero-sum terms, batched with δ.
    // Four blinding coefficients: s is revealed at τ (its commitment), ζ, ζω, and at ωτ inside [Q].
    polys[layout.s] = d.blinded_with(&sumcheck::running_values(d, &terms, delta), 4, rng).poly;
    numer.push(sumcheck::numerator(d, &polys[layout.s], &terms, delta));
    commit_range(pk, &polys, &blinded, &mut commits, layout.s..layout.s + 1)?;
    tr.absorb(Tag::RunningSum, &point_words(&commits[layout.s..=layout.s]));
    let gamma = tr.squeeze();

    // Round 4: the quotient of all identities folded with powers of γ (build_claims order).
    let mut combined = DensePolynomial::zero();
    let mut g = Fr::one();
    for e in numer {
        combined = &combined + &(&e * g);
        g *= gamma;
    }
    polys[layout.quotient] = d
        .divide_by_vanishing(&combined)
        .ok_or_else(|| ProveError::Internal("the block identities do not vanish on the domain".into()))?;
    commit_range(pk, &polys, &blinded, &mut commits, layout.quotient..layout.quotient + 1)?;
    tr.absorb(Tag::Quotient, &point_words(&commits[layout.quotient..=layout.quotient]));
    let zeta = tr.squeeze();
    let t_blocks = t1.elapsed();
    let t2 = Instant::now();

    // Evaluations, in Layout order.
    let pts = point_values(&layout, zeta);
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

    // Accumulation and decider: the verifier's claims, folded per point, one opening each.
    let ch = Challenges {
        alpha,
        theta,
        beta,
        delta,
        gamma,
        zeta,
        nu,
        rho: Fr::zero(),
    };
    let claims = build_claims(vk, &layout, &public, &evals, &ch)?;
    let bias_polys: Vec<DensePolynomial<Fr>> = model
        .layers
        .iter()
        .zip(&pk.blinds.bias)
        .map(|(l, rho)| hiding_bias_poly(&l.bias, *rho, d))
        .collect();
    let poly_of = |terms: &[(Fr, Base)]| -> DensePolynomial<Fr> {
        let mut out = DensePolynomial::zero();
        let mut rows: Option<Vec<Fr>> = None;
        let mut row_blind = Fr::zero();
        for (sc, b) in terms {
            match *b {
                Base::Commit(i) => out = &out + &(&polys[i] * *sc),
                Base::Bias(l) => out = &out + &(&bias_polys[l] * *sc),
                Base::Table(c) => out = &out + &(&table_polys[c] * *sc),
                Base::Row { layer, row } => {
                    let acc = rows.get_or_insert_with(|| vec![Fr::zero(); d.size()]);
                    for (a, w) in acc.iter_mut().zip(&lw[layer].weights[row]) {
                        *a += *sc * w;
                    }
                    row_blind += *sc * pk.blinds.rows[layer][row];
                }
            }
        }
        if let Some(v) = rows {
            out = &out + &d.interpolate(&v);
            out = &out + &WeightBlinds::vanishing_multiple(row_blind, d);
        }
        out
    };
    let folded = fold_polynomials(&claims, nu, POINTS, poly_of);
    let openings = folded
        .par_iter()
        .zip(&pts)
        .map(|((p, v), z)| {
            debug_assert_eq!(p.evaluate(z), *v, "accumulated claim must hold for an honest prover");
            commit(&pk.g1, &divide_by_linear(p, *z))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let t_acc = t2.elapsed();
    Ok(ProveOutput {
        proof: Proof {
            commits,
            evals,
            openings,
        },
        public,
        trace,
        timings: Timings {
            witness: t_witness,
            blocks: t_blocks,
            accumulate: t_acc,
        },
    })
}

fn put(polys: &mut [DensePolynomial<Fr>], blinded: &mut [Option<Blinded>], slot: usize, b: Blinded) {
    polys[slot] = b.poly.clone();
    blinded[slot] = Some(b);
}

/// Commit `polys[range]`: through the Lagrange basis when the values are known (cost: the entries
/// that differ from the padding value), otherwise through the monomial SRS.
fn commit_range(
    pk: &ProvingKey,
    polys: &[DensePolynomial<Fr>],
    blinded: &[Option<Blinded>],
    commits: &mut [G1Affine],
    range: std::ops::Range<usize>,
) -> Result<(), KzgError> {
    let out = range
        .clone()
        .into_par_iter()
        .map(|i| match &blinded[i] {
            Some(b) => commit_evaluations(&pk.g1, &pk.lagrange, b),
            None => commit(&pk.g1, &polys[i]),
        })
        .collect::<Result<Vec<_>, _>>()?;
    commits[range].copy_from_slice(&out);
    Ok(())
}

fn point_words(ps: &[G1Affine]) -> Vec<Word> {
    let mut w = Words::default();
    for p in ps {
        w.point(p);
    }
    w.0
}
