//! The prover: witness → four rounds of commitments and evaluations → accumulation → decider.
//!
//! Round 1 commits every hidden tensor (blinded) and the lookup multiplicities; round 2 the blocks'
//! running sums and inverse columns; round 3 one quotient per domain; round 4 the evaluations. The
//! opening claims come from [`build_claims`], the very function the verifier runs; the prover folds
//! them per point in a parallel tree ([`crate::accumulate`]) and sends one KZG opening per point.

use crate::accumulate::fold_polynomials;
use crate::blocks::{add, linear, lookup};
use crate::field::fr_from_i64;
use crate::keys::{bias_poly, table_columns, ProvingKey, Visibility};
use crate::kzg::{commit, KzgError};
use crate::model::{Activation, ForwardError, Trace};
use crate::poly::{divide_by_linear, Domain};
use crate::proof::Proof;
use crate::protocol::{build_claims, point_values, AlgebraError, Base, Challenges, Layout, ProofView, Public};
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
    /// Round 1–3 commitments (block proofs).
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

/// Prove one inference on the quantized `input`.
pub fn prove(pk: &ProvingKey, input: &[i64], rng: &mut (impl RngCore + Send)) -> Result<ProveOutput, ProveError> {
    let t0 = Instant::now();
    let vk = &pk.vk;
    let model = &pk.model;
    let layout = Layout::new(vk);
    let trace = model.forward(input)?;
    let last = vk.layers.len() - 1;
    let (s, b_bits) = (model.scale_bits, model.lookup_bits);
    let c = lookup::remainder_scale(s, b_bits);
    let table_dom = vk.table_domain;
    let cols = table_columns(b_bits);

    // Witness vectors (padded to their domains) and multiplicities.
    let mut m = vec![0u64; table_dom.size()];
    let mut bump = |kind: u8, v: i64| -> Result<(), ProveError> {
        let i = lookup::table_index(b_bits, kind, v)
            .ok_or_else(|| ProveError::Internal(format!("lookup value {v} outside the table")))?;
        m[i] += 1;
        Ok(())
    };
    let x0 = pad(&ints(&trace.input), vk.layers[0].in_domain);
    if vk.input == Visibility::Private {
        for v in &trace.input {
            bump(0, *v)?;
        }
        for _ in trace.input.len()..vk.layers[0].in_domain.size() {
            bump(0, 0)?;
        }
    }
    struct LayerWitness {
        y: Vec<Fr>,
        q: Vec<Fr>,
        z: Vec<Fr>,
        bias: Vec<Fr>,
        weights: Vec<Vec<Fr>>,
    }
    let mut lw = vec![];
    for (k, (layer, lv)) in model.layers.iter().zip(&vk.layers).enumerate() {
        let d = lv.out_domain;
        let kind = lookup::kind(layer.activation);
        let mut acc = trace.acc[k].clone();
        acc.resize(d.size(), 0);
        let mut q = trace.rescaled[k].clone();
        q.resize(d.size(), 0);
        for (j, (a, qj)) in acc.iter().zip(&q).enumerate() {
            bump(kind, *qj)?;
            let r = a + (1i64 << (s - 1)) - (qj << s);
            bump(1, c * r)
                .map_err(|_| ProveError::Internal(format!("layer {k} position {j}: remainder {r} out of range")))?;
        }
        let y: Vec<i64> = trace.acc[k].iter().zip(&layer.bias).map(|(a, b)| a - b).collect();
        lw.push(LayerWitness {
            y: pad(&ints(&y), d),
            q: pad(&ints(&trace.rescaled[k]), d),
            z: pad(&ints(&trace.out[k]), d),
            bias: pad(&ints(&layer.bias), d),
            weights: layer.weights.iter().map(|r| ints(r)).collect(),
        });
        let _ = k == last;
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

    // Round 1.
    let mut polys: Vec<DensePolynomial<Fr>> = vec![DensePolynomial::zero(); layout.n_commits];
    if let Some(r) = &layout.input {
        polys[r.x] = vk.layers[0].in_domain.interpolate_blinded(&x0, rng);
    }
    for (idx, (w, lv)) in layout.layers.iter().zip(lw.iter().zip(&vk.layers)) {
        let d = lv.out_domain;
        polys[idx.y] = d.interpolate_blinded(&w.y, rng);
        if let Some(c) = idx.q {
            polys[c] = d.interpolate_blinded(&w.q, rng);
        }
        if let Some(c) = idx.z {
            polys[c] = d.interpolate_blinded(&w.z, rng);
        }
    }
    polys[layout.table.m] = table_dom.interpolate_blinded(&m, rng);
    let mut commits = vec![G1Affine::zero(); layout.n_commits];
    commit_range(&pk.g1, &polys, &mut commits, 0..layout.r1_end)?;

    let mut tr = Transcript::new();
    tr.absorb(Tag::VkDigest, &[vk.digest()]);
    absorb_public(&mut tr, &public);
    tr.absorb(Tag::Witness, &point_words(&commits[..layout.r1_end]));
    let (alpha, theta, beta) = (tr.squeeze(), tr.squeeze(), tr.squeeze());

    // Polynomials of the (possibly public) tensors each block reads.
    let x_polys: Vec<DensePolynomial<Fr>> = (0..vk.layers.len())
        .map(|k| {
            if k == 0 {
                layout
                    .input
                    .as_ref()
                    .map_or_else(|| vk.layers[0].in_domain.interpolate(&x0), |r| polys[r.x].clone())
            } else {
                z_poly(
                    &layout,
                    &polys,
                    &lw[k - 1].z,
                    k - 1,
                    vk.layers[k - 1].activation,
                    vk.layers[k - 1].out_domain,
                )
            }
        })
        .collect();

    // Round 2.
    let mut scalars = vec![Fr::zero(); layout.n_scalars];
    let mut linears = vec![];
    let mut lookups = vec![];
    let two = |x: Fr| theta * x + theta * theta * x;
    for (k, (idx, (w, lv))) in layout.layers.iter().zip(lw.iter().zip(&vk.layers)).enumerate() {
        let x_vals = if k == 0 { x0.clone() } else { lw[k - 1].z.clone() };
        let lp = linear::prove_round2(&w.weights, lv.in_domain, lv.out_domain, &x_vals, &w.y, alpha, rng)?;
        let kind = Fr::from(lookup::kind(lv.activation));
        let acc = add::accumulator_values(&w.y, &w.bias);
        let a: Vec<Fr> =
            w.q.iter()
                .zip(&w.z)
                .map(|(q, z)| lookup::compress(theta, kind, *q, *z))
                .collect();
        let half = fr_from_i64(1 << (s - 1));
        let two_s = fr_from_i64(1 << s);
        let cf = fr_from_i64(c);
        let b: Vec<Fr> = acc
            .iter()
            .zip(&w.q)
            .map(|(a, q)| Fr::one() + two(cf * (*a + half - two_s * q)))
            .collect();
        let kp = lookup::prove_round2(lv.out_domain, &a, &b, beta, rng);
        polys[idx.sx] = lp.sx.clone();
        polys[idx.sy] = lp.sy.clone();
        polys[idx.h] = kp.h.clone();
        polys[idx.t] = kp.t.clone();
        scalars[idx.s_sum] = lp.sum;
        scalars[idx.sigma] = kp.sigma;
        linears.push(lp);
        lookups.push(kp);
    }
    let range = layout.input.as_ref().map(|r| {
        let a: Vec<Fr> = x0.iter().map(|x| two(*x)).collect();
        let p = lookup::prove_range_round2(vk.layers[0].in_domain, &a, beta, rng);
        polys[r.h] = p.h.clone();
        polys[r.t] = p.t.clone();
        scalars[r.sigma] = p.sigma;
        p
    });
    let table_vals: Vec<Fr> = (0..table_dom.size())
        .map(|i| lookup::compress(theta, cols[0][i], cols[1][i], cols[2][i]))
        .collect();
    let tp = lookup::prove_table_round2(table_dom, &table_vals, &m, beta, rng);
    polys[layout.table.g] = tp.h.clone();
    polys[layout.table.u] = tp.t.clone();
    scalars[layout.table.sigma] = tp.sigma;
    commit_range(&pk.g1, &polys, &mut commits, layout.r1_end..layout.r2_end)?;
    let mut words = point_words(&commits[layout.r1_end..layout.r2_end]);
    words.extend(scalars.iter().map(crate::field::fr_to_word));
    tr.absorb(Tag::Sums, &words);
    let gamma = tr.squeeze();

    // Round 3: numerators in build_claims order, folded per domain with powers of γ.
    let table_polys: Vec<DensePolynomial<Fr>> = cols.iter().map(|c| table_dom.interpolate(c)).collect();
    let mut numer: Vec<(Domain, DensePolynomial<Fr>)> = vec![];
    for (k, (idx, lv)) in layout.layers.iter().zip(&vk.layers).enumerate() {
        let y = &polys[idx.y];
        let [ex, ey] = linear::numerators(&linears[k], lv.in_domain, lv.out_domain, &x_polys[k], y);
        numer.push((lv.in_domain, ex));
        numer.push((lv.out_domain, ey));
        let q = q_poly(&layout, &polys, &lw[k].q, k, lv.out_domain);
        let z = z_poly(&layout, &polys, &lw[k].z, k, lv.activation, lv.out_domain);
        let kind = Fr::from(lookup::kind(lv.activation));
        let a = &(&q * theta) + &(&(&z * (theta * theta)) + &linear::constant(kind));
        let acc = y + &bias_poly(&model.layers[k].bias, lv.out_domain);
        let r = &(&acc - &(&q * fr_from_i64(1 << s))) + &linear::constant(fr_from_i64(1 << (s - 1)));
        let b = &(&r * ((theta + theta * theta) * fr_from_i64(c))) + &linear::constant(Fr::one());
        let [e1, e2] = lookup::numerators(&lookups[k], lv.out_domain, &a, &b, beta);
        numer.push((lv.out_domain, e1));
        numer.push((lv.out_domain, e2));
    }
    if let (Some(r), Some(p)) = (&layout.input, &range) {
        let d = vk.layers[0].in_domain;
        let a = &polys[r.x] * (theta + theta * theta);
        let [e1, e2] = lookup::single_numerators(p, d, &a, &linear::constant(Fr::one()), beta);
        numer.push((d, e1));
        numer.push((d, e2));
    }
    let tpoly = &(&table_polys[0] + &(&table_polys[1] * theta)) + &(&table_polys[2] * (theta * theta));
    let [e1, e2] = lookup::single_numerators(&tp, table_dom, &tpoly, &polys[layout.table.m], beta);
    numer.push((table_dom, e1));
    numer.push((table_dom, e2));
    let mut combined: Vec<DensePolynomial<Fr>> = vec![DensePolynomial::zero(); layout.quotients.len()];
    let mut g = Fr::one();
    for (d, e) in numer {
        let slot = layout
            .quotients
            .iter()
            .position(|(qd, _)| *qd == d)
            .ok_or_else(|| ProveError::Internal("domain".into()))?;
        combined[slot] = &combined[slot] + &(&e * g);
        g *= gamma;
    }
    for ((d, ci), num) in layout.quotients.iter().zip(&combined) {
        polys[*ci] = d.divide_by_vanishing(num).ok_or_else(|| {
            ProveError::Internal(format!("identities on the domain of size {} do not vanish", d.size()))
        })?;
    }
    commit_range(&pk.g1, &polys, &mut commits, layout.r2_end..layout.n_commits)?;
    tr.absorb(Tag::Quotients, &point_words(&commits[layout.r2_end..]));
    let zeta = tr.squeeze();
    let t_blocks = t1.elapsed();
    let t2 = Instant::now();

    // Round 4: evaluations in Layout order.
    let pts = point_values(&layout, zeta);
    let zw = |d: Domain| pts[layout.shifted_point(d)];
    let mut evals = vec![Fr::zero(); layout.n_evals];
    if let Some(r) = &layout.input {
        let d = vk.layers[0].in_domain;
        evals[r.e_x] = polys[r.x].evaluate(&zeta);
        evals[r.e_h] = polys[r.h].evaluate(&zeta);
        evals[r.e_t] = polys[r.t].evaluate(&zeta);
        evals[r.e_t + 1] = polys[r.t].evaluate(&zw(d));
    }
    for (idx, lv) in layout.layers.iter().zip(&vk.layers) {
        evals[idx.e_y] = polys[idx.y].evaluate(&zeta);
        if let (Some(c), Some(e)) = (idx.q, idx.e_q) {
            evals[e] = polys[c].evaluate(&zeta);
        }
        if let (Some(c), Some(e)) = (idx.z, idx.e_z) {
            evals[e] = polys[c].evaluate(&zeta);
        }
        evals[idx.e_sx] = polys[idx.sx].evaluate(&zeta);
        evals[idx.e_sx + 1] = polys[idx.sx].evaluate(&zw(lv.in_domain));
        evals[idx.e_sy] = polys[idx.sy].evaluate(&zeta);
        evals[idx.e_sy + 1] = polys[idx.sy].evaluate(&zw(lv.out_domain));
        evals[idx.e_h] = polys[idx.h].evaluate(&zeta);
        evals[idx.e_t] = polys[idx.t].evaluate(&zeta);
        evals[idx.e_t + 1] = polys[idx.t].evaluate(&zw(lv.out_domain));
    }
    let t = &layout.table;
    evals[t.e_m] = polys[t.m].evaluate(&zeta);
    evals[t.e_m + 1] = polys[t.g].evaluate(&zeta);
    evals[t.e_m + 2] = polys[t.u].evaluate(&zeta);
    evals[t.e_m + 3] = polys[t.u].evaluate(&zw(table_dom));
    for col in 0..3 {
        evals[t.e_m + 4 + col] = table_polys[col].evaluate(&zeta);
    }
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
        gamma,
        zeta,
        nu,
        rho: Fr::zero(),
    };
    let claims = build_claims(
        vk,
        &layout,
        &public,
        &ProofView {
            scalars: &scalars,
            evals: &evals,
        },
        &ch,
    )?;
    let bias_polys: Vec<DensePolynomial<Fr>> = model
        .layers
        .iter()
        .zip(&vk.layers)
        .map(|(l, lv)| bias_poly(&l.bias, lv.out_domain))
        .collect();
    let poly_of = |terms: &[(Fr, Base)]| -> DensePolynomial<Fr> {
        let mut out = DensePolynomial::zero();
        let mut rows: Vec<Option<Vec<Fr>>> = vec![None; vk.layers.len()];
        for (sc, b) in terms {
            match *b {
                Base::Commit(i) => out = &out + &(&polys[i] * *sc),
                Base::Bias(l) => out = &out + &(&bias_polys[l] * *sc),
                Base::Table(c) => out = &out + &(&table_polys[c] * *sc),
                Base::Row { layer, row } => {
                    let acc = rows[layer].get_or_insert_with(|| vec![Fr::zero(); vk.layers[layer].in_domain.size()]);
                    for (a, w) in acc.iter_mut().zip(&lw[layer].weights[row]) {
                        *a += *sc * w;
                    }
                }
            }
        }
        for (l, vals) in rows.into_iter().enumerate() {
            if let Some(v) = vals {
                out = &out + &vk.layers[l].in_domain.interpolate(&v);
            }
        }
        out
    };
    let folded = fold_polynomials(&claims, nu, layout.points.len(), poly_of);
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
            scalars,
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

fn q_poly(layout: &Layout, polys: &[DensePolynomial<Fr>], q: &[Fr], k: usize, d: Domain) -> DensePolynomial<Fr> {
    layout.layers[k]
        .q
        .map_or_else(|| d.interpolate(q), |c| polys[c].clone())
}

fn z_poly(
    layout: &Layout,
    polys: &[DensePolynomial<Fr>],
    z: &[Fr],
    k: usize,
    act: Activation,
    d: Domain,
) -> DensePolynomial<Fr> {
    let idx = &layout.layers[k];
    match (idx.z, act) {
        (Some(c), _) => polys[c].clone(),
        (None, Activation::Identity) => q_poly(layout, polys, z, k, d),
        (None, Activation::Relu) => d.interpolate(z),
    }
}

fn commit_range(
    g1: &[G1Affine],
    polys: &[DensePolynomial<Fr>],
    commits: &mut [G1Affine],
    range: std::ops::Range<usize>,
) -> Result<(), KzgError> {
    let out = polys[range.clone()]
        .par_iter()
        .map(|p| commit(g1, p))
        .collect::<Result<Vec<_>, _>>()?;
    commits[range].copy_from_slice(&out);
    Ok(())
}

fn point_words(ps: &[G1Affine]) -> Vec<crate::field::Word> {
    let mut w = Words::default();
    for p in ps {
        w.point(p);
    }
    w.0
}
