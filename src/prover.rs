//! The prover: witness → three rounds of commitments → evaluations → accumulation → decider.
//!
//! Round 1 commits every hidden tensor on its own tight domain (blinded), each layer's RowSum
//! column on its matrix domain, and the lookup multiplicities on the lookup domain; round 2 the
//! lookup inverse columns, the table side and the running sum ([`crate::sumcheck`]); round 3 ONE
//! quotient of all identities, each divided by its own vanishing polynomial. The opening claims come
//! from [`build_claims`], the very function the verifier runs; the prover folds them per point in a
//! parallel tree ([`crate::accumulate`]) and opens every point at once with Shplonk
//! ([`crate::shplonk`]). Block instances (each layer's RowSum quotient, its lookups) are computed in
//! parallel (rayon).

use crate::blocks::lookup;
use crate::blocks::rowsum::{self, compose_power, RowSumPolys};
use crate::field::{fr_from_i64, Word};
use crate::keys::{bias_poly, table_columns, weight_poly, ProvingKey, Visibility};
use crate::kzg::{commit, commit_evaluations, KzgError};
use crate::model::{Activation, ForwardError, Trace};
use crate::poly::{Blinded, Domain};
use crate::proof::Proof;
use crate::protocol::{build_claims, check_zeta, tensor_domain, AlgebraError, Base, Challenges, Layout, Public};
use crate::shplonk;
use crate::sumcheck::{self, ProverTerm};
use crate::transcript::{Tag, Transcript, Words};
use crate::verifier::absorb_public;
use ark_bn254::{Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{Field, One, Zero};
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

fn pad(v: &[Fr], len: usize) -> Vec<Fr> {
    let mut v = v.to_vec();
    v.resize(len, Fr::zero());
    v
}

fn ints(v: &[i64]) -> Vec<Fr> {
    v.iter().map(|x| fr_from_i64(*x)).collect()
}

fn constant(c: Fr) -> DensePolynomial<Fr> {
    DensePolynomial { coeffs: vec![c] }
}

fn internal(what: &str) -> ProveError {
    ProveError::Internal(format!("{what} (the witness does not satisfy the blocks)"))
}

/// Prove one inference on the quantized `input`.
pub fn prove(pk: &ProvingKey, input: &[i64], rng: &mut (impl RngCore + Send)) -> Result<ProveOutput, ProveError> {
    let t0 = Instant::now();
    let vk = &pk.vk;
    let model = &pk.model;
    let layout = Layout::new(vk);
    let n = layout.domain;
    let trace = model.forward(input)?;
    let (s, b_bits) = (model.scale_bits, model.lookup_bits);
    let c = lookup::remainder_scale(s, b_bits);
    let cols = table_columns(b_bits, n);
    let last = model.layers.len() - 1;

    // Lookup multiplicities over every position of every tensor domain (padding positions look up
    // (kind, 0, 0) and the remainder 2^(s−1), both table rows).
    let mut m = vec![0u64; n.size()];
    let mut bump = |kind: u8, v: i64| -> Result<(), ProveError> {
        let i = lookup::table_index(b_bits, kind, v)
            .ok_or_else(|| ProveError::Internal(format!("lookup value {v} outside the table")))?;
        m[i] += 1;
        Ok(())
    };
    let n0 = tensor_domain(vk.input_len());
    let x0 = pad(&ints(&trace.input), n0.size());
    if vk.input == Visibility::Private {
        for j in 0..n0.size() {
            bump(0, trace.input.get(j).copied().unwrap_or(0))?;
        }
    }
    for (k, (layer, idx)) in model.layers.iter().zip(&layout.layers).enumerate() {
        for j in 0..idx.m_dom.size() {
            let (a, q) = (
                trace.acc[k].get(j).copied().unwrap_or(0),
                trace.rescaled[k].get(j).copied().unwrap_or(0),
            );
            bump(lookup::kind(layer.activation), q)?;
            bump(1, c * (a + (1i64 << (s - 1)) - (q << s)))?;
        }
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

    // Round 1: tensors on their own domains, RowSum columns, multiplicities.
    let mut polys: Vec<DensePolynomial<Fr>> = vec![DensePolynomial::zero(); layout.n_commits];
    let mut on_n: Vec<Option<Blinded>> = vec![None; layout.n_commits];
    if let Some(r) = &layout.input {
        polys[r.x] = n0.blinded_with(&x0, layout.blinding(r.x), rng).poly;
    }
    let mut prev_x: Vec<i64> = trace.input.clone();
    for (k, (idx, layer)) in layout.layers.iter().zip(&model.layers).enumerate() {
        let md = idx.m_dom.size();
        polys[idx.y] = idx
            .m_dom
            .blinded_with(&pad(&ints(&trace.acc[k]), md), layout.blinding(idx.y), rng)
            .poly;
        if let Some(q) = idx.q {
            polys[q] = idx
                .m_dom
                .blinded_with(&pad(&ints(&trace.rescaled[k]), md), layout.blinding(q), rng)
                .poly;
        }
        if let Some(z) = idx.z {
            polys[z] = idx
                .m_dom
                .blinded_with(&pad(&ints(&trace.out[k]), md), layout.blinding(z), rng)
                .poly;
        }
        let r = rowsum::prefix_sums(&layer.weights, &layer.bias, &prev_x, idx.n_dom, idx.k_dom);
        // R is revealed at τ, ζ, ω_K⁻¹ζ, and at ω_K⁻¹τ inside [Q]: four coefficients.
        polys[idx.r] = idx.k_dom.blinded_with(&r, layout.blinding(idx.r), rng).poly;
        prev_x.clone_from(&trace.out[k]);
    }
    put(
        &mut polys,
        &mut on_n,
        layout.m,
        n.blinded_with(&m, layout.blinding(layout.m), rng),
    );
    let mut commits = vec![G1Affine::zero(); layout.n_commits];
    commit_range(pk, &polys, &on_n, &mut commits, 0..layout.r1_end)?;
    let mut tr = Transcript::new();
    tr.absorb(Tag::VkDigest, &[vk.digest()]);
    absorb_public(&mut tr, &public);
    tr.absorb(Tag::Witness, &point_words(&commits[..layout.r1_end]));
    let (theta, beta) = (tr.squeeze(), tr.squeeze());

    // The tensors each layer reads: committed (blinded) or public (interpolated, unblinded).
    let public_out = |d: Domain| d.interpolate(&public.outputs);
    let mut xs: Vec<DensePolynomial<Fr>> = vec![];
    let mut qz: Vec<(DensePolynomial<Fr>, DensePolynomial<Fr>)> = vec![];
    for (k, idx) in layout.layers.iter().enumerate() {
        xs.push(match k {
            0 => layout
                .input
                .as_ref()
                .map_or_else(|| n0.interpolate(&x0), |r| polys[r.x].clone()),
            _ => qz[k - 1].1.clone(),
        });
        let q = idx.q.map_or_else(|| public_out(idx.m_dom), |i| polys[i].clone());
        let z = match (idx.z, model.layers[k].activation) {
            (Some(i), _) => polys[i].clone(),
            (None, Activation::Identity) => q.clone(),
            (None, Activation::Relu) => public_out(idx.m_dom),
        };
        debug_assert!(k == last || idx.z.is_some() || model.layers[k].activation == Activation::Identity);
        qz.push((q, z));
    }

    // Round 2: lookup inverse columns (per layer, on H_M), the input range, the table side, and the
    // running sum of the LogUp balance on H_n. Identity quotients are kept in build_claims order.
    let th2 = theta * theta;
    let kappa = (theta + th2) * fr_from_i64(c);
    let (half, two_s) = (fr_from_i64(1 << (s - 1)), fr_from_i64(1 << s));
    let nn = n.size();
    let n_inv = Fr::from(nn as u64).inverse().unwrap_or_else(Fr::zero);
    let mut term = ProverTerm {
        values: vec![Fr::zero(); nn],
        poly: DensePolynomial::zero(),
    };
    // Lift a share on H_d to H_n: value tiled n/d times, weighted d/n.
    let mut add_lifted = |share: &ProverTerm, d: Domain| {
        let w = Fr::from(d.size() as u64) * n_inv;
        for (p, v) in term.values.iter_mut().enumerate() {
            *v += w * share.values[p % d.size()];
        }
        term.poly = &term.poly + &(&compose_power(&share.poly, nn / d.size()) * w);
    };
    let mut lookup_q: Vec<DensePolynomial<Fr>> = vec![];
    for (k, idx) in layout.layers.iter().enumerate() {
        let (md, ms) = (idx.m_dom, idx.m_dom.size());
        let kind = Fr::from(lookup::kind(vk.layers[k].activation));
        let (qv, zv) = (pad(&ints(&trace.rescaled[k]), ms), pad(&ints(&trace.out[k]), ms));
        let yv = pad(&ints(&trace.acc[k]), ms);
        let a: Vec<Fr> = qv
            .iter()
            .zip(&zv)
            .map(|(q, z)| lookup::compress(theta, kind, *q, *z))
            .collect();
        let b: Vec<Fr> = yv
            .iter()
            .zip(&qv)
            .map(|(y, q)| Fr::one() + kappa * (*y + half - two_s * q))
            .collect();
        let (q_poly, z_poly) = &qz[k];
        let a_poly = &(&(q_poly * theta) + &(z_poly * th2)) + &constant(kind);
        let b_poly = &(&(&polys[idx.y] - &(q_poly * two_s)) * kappa) + &constant(Fr::one() + kappa * half);
        let ab_poly = &(&a_poly + &b_poly) + &constant(beta + beta);
        let col = lookup::prove_layer(md, (&a, &b), &ab_poly, beta, layout.blinding(idx.h), rng);
        let e = lookup::numerator(&col.poly, &a_poly, Some(&b_poly), &constant(Fr::one()), beta);
        let qm = md
            .divide_by_vanishing(&e)
            .ok_or_else(|| internal("a lookup identity does not vanish"))?;
        lookup_q.push(compose_power(&qm, nn / ms));
        polys[idx.h] = col.poly;
        add_lifted(&col.share, md);
    }
    let mut range_q = None;
    if let Some(r) = &layout.input {
        let a: Vec<Fr> = x0.iter().map(|x| (theta + th2) * x).collect();
        let col = lookup::prove_range(n0, &a, beta, layout.blinding(r.h), rng);
        let a_poly = &polys[r.x] * (theta + th2);
        let e = lookup::numerator(&col.poly, &a_poly, None, &constant(Fr::one()), beta);
        let q = n0
            .divide_by_vanishing(&e)
            .ok_or_else(|| internal("the input range identity does not vanish"))?;
        range_q = Some(compose_power(&q, nn / n0.size()));
        polys[r.h] = col.poly;
        add_lifted(&col.share, n0);
    }
    let table_polys: Vec<DensePolynomial<Fr>> = cols.iter().map(|c| n.interpolate(c)).collect();
    let table_vals: Vec<Fr> = (0..nn)
        .map(|i| lookup::compress(theta, cols[0][i], cols[1][i], cols[2][i]))
        .collect();
    let col = lookup::prove_table(n, (&table_vals, &m), beta, layout.blinding(layout.g), rng);
    let t_poly = &(&table_polys[0] + &(&table_polys[1] * theta)) + &(&table_polys[2] * th2);
    let table_q = n
        .divide_by_vanishing(&lookup::numerator(&col.poly, &t_poly, None, &polys[layout.m], beta))
        .ok_or_else(|| internal("the table identity does not vanish"))?;
    put(&mut polys, &mut on_n, layout.g, col.blinded);
    for (v, g) in term.values.iter_mut().zip(&col.share.values) {
        *v += g;
    }
    term.poly = &term.poly + &col.share.poly;
    // s is revealed at τ, ζ, ω_nζ, and at ω_nτ inside [Q]: four coefficients.
    let s_blind = layout.blinding(layout.s);
    put(
        &mut polys,
        &mut on_n,
        layout.s,
        n.blinded_with(&sumcheck::running_values(&term), s_blind, rng),
    );
    let sum_q = n
        .divide_by_vanishing(&sumcheck::numerator(n, &polys[layout.s], &term))
        .ok_or_else(|| internal("the LogUp balance is not zero"))?;
    commit_range(pk, &polys, &on_n, &mut commits, layout.r1_end..layout.r2_end)?;
    tr.absorb(Tag::Inverses, &point_words(&commits[layout.r1_end..layout.r2_end]));
    let gamma = tr.squeeze();

    // Round 3: every RowSum quotient (block instances in parallel), then ONE quotient of all
    // identities folded with powers of γ in build_claims order (per layer RS1, RS2, lookup; then
    // the input range, the table, the running sum).
    let per_layer = 3;
    let rs_q = layout
        .layers
        .par_iter()
        .zip(&model.layers)
        .enumerate()
        .map(|(k, (idx, layer))| {
            let g1 = gamma.pow([(per_layer * k + 1) as u64]);
            rowsum::quotient(
                &RowSumPolys {
                    idx,
                    w_values: &rowsum::matrix_values(&layer.weights, idx.n_dom, idx.k_dom),
                    b_values: &rowsum::bias_values(&layer.bias, idx.n_dom, idx.k_dom),
                    blinds: (pk.blinds.weights[k], pk.blinds.bias[k]),
                    r: &polys[idx.r],
                    x: &xs[k],
                    y: &polys[idx.y],
                },
                (g1, g1 * gamma),
            )
            .ok_or_else(|| internal("a RowSum domain is unsupported"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut quotient = DensePolynomial::zero();
    for (k, (rs, lk)) in rs_q.into_iter().zip(lookup_q).enumerate() {
        quotient = &quotient + &rs;
        quotient = &quotient + &(&lk * gamma.pow([(per_layer * k + 3) as u64]));
    }
    let mut g = gamma.pow([(per_layer * layout.layers.len() + 1) as u64]);
    for part in range_q.into_iter().chain([table_q, sum_q]) {
        quotient = &quotient + &(&part * g);
        g *= gamma;
    }
    polys[layout.quotient] = quotient;
    commit_range(pk, &polys, &on_n, &mut commits, layout.quotient..layout.quotient + 1)?;
    tr.absorb(Tag::Quotient, &point_words(&commits[layout.quotient..=layout.quotient]));
    let zeta = tr.squeeze();
    check_zeta(&layout, zeta)?;
    let t_blocks = t1.elapsed();
    let t2 = Instant::now();

    // Evaluations, in Layout order.
    let pts = layout.point_values(zeta);
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
        theta,
        beta,
        gamma,
        zeta,
        nu,
        xi: Fr::zero(),
    };
    let claims = build_claims(vk, &layout, &public, &evals, &ch)?;
    let poly_of = |terms: &[(Fr, Base)]| -> DensePolynomial<Fr> {
        let mut out = DensePolynomial::zero();
        for (sc, b) in terms {
            let p = match *b {
                Base::Commit(i) => &polys[i] * *sc,
                Base::Table(c) => &table_polys[c + 1] * *sc,
                Base::Weights(l) => {
                    let ml = &model.layers[l];
                    &weight_poly(&ml.weights, pk.blinds.weights[l], ml.in_len(), ml.out_len()) * *sc
                }
                Base::Bias(l) => {
                    let ml = &model.layers[l];
                    &bias_poly(&ml.bias, pk.blinds.bias[l], ml.in_len(), ml.out_len()) * *sc
                }
            };
            out = &out + &p;
        }
        out
    };
    let (folded, w_poly) = shplonk::prove_w(&claims, &pts, nu, poly_of);
    let w_commit = commit(&pk.g1, &w_poly)?;
    tr.absorb(Tag::Openings, &point_words(&[w_commit]));
    ch.xi = tr.squeeze();
    let w_prime = commit(&pk.g1, &shplonk::prove_w_prime(&folded, &w_poly, &pts, ch.xi))?;
    let t_acc = t2.elapsed();
    Ok(ProveOutput {
        proof: Proof {
            commits,
            evals,
            openings: vec![w_commit, w_prime],
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

/// Commit `polys[range]`: columns of the lookup domain through its Lagrange basis (cost: the
/// entries that differ from the padding value), everything else through the monomial SRS.
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
