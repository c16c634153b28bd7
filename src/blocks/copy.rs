//! Copy block: `y_i = x_{σ(i)}` for a fixed map `σ` (data movement), across domains, by LogUp
//! with fixed tags and fixed multiplicities (`docs/protocols/copy.md`, DESIGN-v2 §4).
//!
//! **Columns.** `x` lives on `H_N` (a layer's output, or the model input, bit-reversed when
//! hidden), `y` on `H_M`. Two fixed columns, public and recomputable from `σ` (`check-vk`):
//!
//! ```text
//! S(ω_M^i) = ω_N^{pos(σ(i))}    the tag of the source position; 0 where y_i is a copied zero
//!                               or padding (σ(i) = ⊥, i ≥ out_len)
//! m(ω_N^p) = #{i : pos(σ(i)) = p}   how often source position p is copied
//! ```
//!
//! The vk holds them lifted to the lookup domain, `Ŝ(X) = S(X^{n/M})`, `m̂(X) = m(X^{n/N})`, so that
//! they enter the identities linearly at `ζ` like the table columns (never opened).
//!
//! **Identities**, lifted to `H_n` (checked at `ζ_y = ζ^{n/M}`, `ζ_x = ζ^{n/N}`, divided by `Z_n(ζ)`),
//! with `κ = 256 + layer` (a kind no table row has) and the compressed tuple `κ + θ·tag + θ²·value`:
//!
//! ```text
//! (CP1)  h_y(X)·(β + κ + θ·S(X) + θ²·y(X)) − 1 = 0       on H_M   (h_y = 1/(β + (κ, S, y)))
//! (CP2)  h_x(X)·(β + κ + θ·X + θ²·x(X)) − m(X) = 0        on H_N   (h_x = m/(β + (κ, ω^p, x)))
//! ```
//!
//! **Balance.** The block adds `(M/n)·h_y − (N/n)·h_x − z/(n·(β + κ))` to the one LogUp sum
//! (`z` = the number of zero tags): over the domains, `Σ_{H_M} h_y = Σ_{H_N} h_x + z/(β + κ)`.
//! The `z` virtual source entries `(κ, 0, 0)` are what a copied zero and a padding position match.
//! With fixed, distinct tags and fixed counts, the multiset equality forces every `y_i` with tag
//! `ω_N^p` to equal `x` at `p`, and every `y_i` with tag 0 to be 0.
//!
//! Cost: two commitments (`[h_y]`, `[h_x]`, round 2), four evaluations, two vk points, one
//! inversion (`β + κ`, when `z > 0`).

use super::fold::BLIND_MAX;
use super::lookup;
use super::rowsum::compose_power;
use super::{At, Block, ClaimCx, Identities, Poly, Tensor};
use crate::field::powers;
use crate::model::COPY_ZERO;
use crate::poly::Domain;
use crate::protocol::{inverse, AlgebraError, Base, LayoutBuilder, Lin, PointSpec};
use crate::prover::{internal, ProveError, ProverState};
use crate::solidity::{SolBlock, SolCx};
use crate::sumcheck::ProverTerm;
use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};
use rand::RngCore;

/// `κ = KIND_BASE + layer`: a copy's tuples never collide with a table row (kinds `< 256`) or
/// with another copy's.
pub const KIND_BASE: u64 = 256;

/// One Copy instance: layer `layer`'s `y_i = x_{σ(i)}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copy {
    /// The copy layer.
    pub layer: usize,
    /// Source tensor (on `H_N`).
    pub x: usize,
    /// Destination tensor (committed, on `H_M`).
    pub y: usize,
    /// `H_N`.
    pub x_dom: Domain,
    /// `H_M`.
    pub y_dom: Domain,
    /// The source is laid out bit-reversed (the hidden model input, [`Tensor::bitrev`]).
    pub x_bitrev: bool,
    /// `σ` (one entry per copied value, [`COPY_ZERO`] for a zero).
    pub map: Vec<u32>,
    /// The lookup domain's size `n`.
    pub n: usize,
    /// `[h_y]`, `[h_x]` (round 2).
    pub h: [usize; 2],
    /// `y(ζ_y)`, `h_y(ζ_y)`, `x(ζ_x)`, `h_x(ζ_x)`.
    pub at: [At; 4],
}

/// The fixed columns of a copy: the tags `S` on `H_M` (0 for a copied zero and on the padding) and
/// the counts `m` on `H_N`.
pub fn columns(map: &[u32], (x_dom, x_bitrev): (Domain, bool), y_dom: Domain) -> (Vec<Fr>, Vec<Fr>) {
    let points = powers(x_dom.omega(), x_dom.size());
    let mut tags = vec![Fr::zero(); y_dom.size()];
    let mut counts = vec![Fr::zero(); x_dom.size()];
    for (i, &j) in map.iter().enumerate() {
        if j == COPY_ZERO {
            continue;
        }
        let p = if x_bitrev {
            super::bitrev(j as usize, x_dom.log_size)
        } else {
            j as usize
        };
        tags[i] = points[p];
        counts[p] += Fr::one();
    }
    (tags, counts)
}

/// The vk's `Ŝ(X) = S(X^{n/M})` and `m̂(X) = m(X^{n/N})` (degree below `n`).
pub fn vk_polys(map: &[u32], (x_dom, x_bitrev): (Domain, bool), y_dom: Domain, n: Domain) -> [Poly; 2] {
    let (tags, counts) = columns(map, (x_dom, x_bitrev), y_dom);
    [
        compose_power(&y_dom.interpolate(&tags), n.size() / y_dom.size()),
        compose_power(&x_dom.interpolate(&counts), n.size() / x_dom.size()),
    ]
}

/// `κ` of copy layer `layer`.
pub fn kind(layer: usize) -> Fr {
    Fr::from(KIND_BASE + layer as u64)
}

/// The statement on integers: `y_i = x_{σ(i)}` (0 for a copied zero) for every `i`.
pub fn check(x: &[i64], y: &[i64], map: &[u32]) -> Result<(), super::Violation> {
    for (i, &j) in map.iter().enumerate() {
        let want = match j {
            COPY_ZERO => Some(0),
            j => x.get(j as usize).copied(),
        };
        if y.get(i).copied() != want {
            return Err(super::Violation {
                position: i,
                reason: format!("{:?} is not the copied value {want:?} (source {j})", y.get(i)),
            });
        }
    }
    Ok(())
}

/// Verifier: (CP1) and (CP2) at `ζ`, each divided by `Z_n(ζ)` (`zn_inv`), their terms on the vk's
/// `[Ŝ]`, `[m̂]`, and the block's share of the LogUp sum. `v = [y(ζ_y), h_y(ζ_y), x(ζ_x), h_x(ζ_x)]`,
/// `w = [M/n, N/n, z/n]`, `bk_inv = 1/(β + κ)` (unused when `z = 0`).
pub fn identities(
    layer: usize,
    v: [Fr; 4],
    (zeta_x, w, bk_inv): (Fr, [Fr; 3], Fr),
    (theta, beta): (Fr, Fr),
    zn_inv: Fr,
) -> ([Lin; 2], Fr) {
    let [y, hy, x, hx] = v;
    let bk = beta + kind(layer);
    let th2 = theta.square();
    let cp1 = Lin {
        c: (hy * (bk + th2 * y) - Fr::one()) * zn_inv,
        terms: vec![(hy * theta * zn_inv, Base::CopyTags(layer))],
    };
    let cp2 = Lin {
        c: hx * (bk + theta * zeta_x + th2 * x) * zn_inv,
        terms: vec![(-zn_inv, Base::CopyCounts(layer))],
    };
    ([cp1, cp2], w[0] * hy - w[1] * hx - w[2] * bk_inv)
}

impl Copy {
    /// Layer `layer`'s copy from tensor `x` to tensor `y` by `map`, on lookup domain `H_n`.
    pub fn new(layer: usize, (x, y): (usize, usize), tensors: &[Tensor], map: Vec<u32>, n: usize) -> Self {
        Self {
            layer,
            x,
            y,
            x_dom: tensors[x].dom,
            y_dom: tensors[y].dom,
            x_bitrev: tensors[x].bitrev,
            map,
            n,
            h: [0; 2],
            at: [At::Eval(0); 4],
        }
    }
    /// The number of zero tags `z`: the copied zeros and the padding of `H_M`.
    fn zeros(&self) -> usize {
        self.map.iter().filter(|j| **j == COPY_ZERO).count() + self.y_dom.size().saturating_sub(self.map.len())
    }
    /// `[M/n, N/n, z/n]`.
    fn weights(&self) -> Result<[Fr; 3], AlgebraError> {
        let n_inv = inverse(Fr::from(self.n as u64))?;
        Ok([
            Fr::from(self.y_dom.size() as u64) * n_inv,
            Fr::from(self.x_dom.size() as u64) * n_inv,
            Fr::from(self.zeros() as u64) * n_inv,
        ])
    }
}

impl Block for Copy {
    fn describe(&self) -> String {
        format!(
            "Copy, layer {}: y_i = x_σ(i) for {} values, H_{} from H_{}",
            self.layer,
            self.map.len(),
            self.y_dom.size(),
            self.x_dom.size()
        )
    }
    fn domains(&self) -> Vec<Domain> {
        vec![self.x_dom, self.y_dom]
    }
    fn max_degree(&self) -> usize {
        // h·(tuple) lifted from H_d: (n/d)·(2d + 2·BLIND_MAX), minus n for the quotient.
        [self.x_dom, self.y_dom]
            .iter()
            .map(|d| self.n + self.n / d.size() * 2 * BLIND_MAX)
            .max()
            .unwrap_or(0)
    }
    fn alloc_round2(&mut self, b: &mut LayoutBuilder) {
        self.h = [b.commit(self.y_dom), b.commit(self.x_dom)];
    }
    fn alloc_openings(&mut self, b: &mut LayoutBuilder) {
        let n = b.domain.size();
        let py = b.point(PointSpec::new((n / self.y_dom.size()) as u64, 0, 0));
        let px = b.point(PointSpec::new((n / self.x_dom.size()) as u64, 0, 0));
        self.at = [
            b.read(self.y, py),
            At::Eval(b.open(self.h[0], py)),
            b.read(self.x, px),
            At::Eval(b.open(self.h[1], px)),
        ];
    }
    fn identity_count(&self) -> usize {
        2
    }
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError> {
        let v = self.at.map(|a| cx.val(a));
        let zeta_x = cx.ch.zeta.pow([(self.n / self.x_dom.size()) as u64]);
        let bk_inv = match self.zeros() {
            0 => Fr::zero(),
            _ => inverse(cx.ch.beta + kind(self.layer))?,
        };
        let (ids, share) = identities(
            self.layer,
            v,
            (zeta_x, self.weights()?, bk_inv),
            (cx.ch.theta, cx.ch.beta),
            cx.zn_inv,
        );
        out.list.extend(ids);
        out.logup += share;
        Ok(())
    }
    fn denominators(&self, cx: &ClaimCx<'_>) -> Vec<Fr> {
        match self.zeros() {
            0 => vec![],
            _ => vec![cx.ch.beta + kind(self.layer)],
        }
    }
    fn prove_round2(&self, st: &mut ProverState<'_>, mut rng: &mut dyn RngCore) -> Result<Vec<Poly>, ProveError> {
        let (theta, beta, kappa) = (st.theta, st.beta, kind(self.layer));
        let th2 = theta.square();
        let (tags, counts) = columns(&self.map, (self.x_dom, self.x_bitrev), self.y_dom);
        let zeros = self.zeros();
        let constant = |c: Fr| Poly { coeffs: vec![c] };
        // Destination side: h_y = 1/(β + κ + θ·S + θ²·y).
        let yv = st.values(self.y);
        let a_y: Vec<Fr> = tags.iter().zip(&yv).map(|(s, y)| kappa + theta * s + th2 * y).collect();
        let col_y = lookup::prove_range(self.y_dom, &a_y, beta, st.layout.blinding(self.h[0]), &mut rng);
        let s_poly = self.y_dom.interpolate(&tags);
        let a_y_poly = &(&(&s_poly * theta) + &(&st.tensor_polys[self.y] * th2)) + &constant(kappa);
        let e1 = lookup::numerator(&col_y.poly, &a_y_poly, None, &constant(Fr::one()), beta);
        let q1 = self
            .y_dom
            .divide_by_vanishing(&e1)
            .ok_or_else(|| internal("the copy's destination identity does not vanish"))?;
        // Source side: h_x = m/(β + κ + θ·X + θ²·x).
        let xv = st.values(self.x);
        let mut g: Vec<Fr> = xv
            .iter()
            .zip(powers(self.x_dom.omega(), self.x_dom.size()))
            .map(|(x, point)| beta + kappa + theta * point + th2 * x)
            .collect();
        ark_ff::batch_inversion(&mut g);
        for (g, m) in g.iter_mut().zip(&counts) {
            *g *= m;
        }
        let hx = self.x_dom.blinded_with(&g, st.layout.blinding(self.h[1]), &mut rng);
        let m_poly = self.x_dom.interpolate(&counts);
        let a_x_poly = &Poly {
            coeffs: vec![kappa, theta],
        } + &(&st.tensor_polys[self.x] * th2);
        let e2 = lookup::numerator(&hx.poly, &a_x_poly, None, &m_poly, beta);
        let q2 = self
            .x_dom
            .divide_by_vanishing(&e2)
            .ok_or_else(|| internal("the copy's source identity does not vanish"))?;
        // Shares: +h_y lifted from H_M, −h_x lifted from H_N, −z/(β + κ) spread over H_n.
        st.add_lifted(&col_y.share, self.y_dom);
        let neg = ProverTerm {
            values: g.iter().map(|v| -*v).collect(),
            poly: -hx.poly.clone(),
        };
        st.add_lifted(&neg, self.x_dom);
        if zeros > 0 {
            let c = -Fr::from(zeros as u64) * (beta + kappa).inverse().ok_or_else(|| internal("β = −κ"))?;
            let one = Domain::new(0);
            st.add_lifted(
                &ProverTerm {
                    values: vec![c],
                    poly: constant(c),
                },
                one,
            );
        }
        st.polys[self.h[0]] = col_y.poly;
        st.polys[self.h[1]] = hx.poly;
        let n = st.layout.domain.size();
        Ok(vec![
            compose_power(&q1, n / self.y_dom.size()),
            compose_power(&q2, n / self.x_dom.size()),
        ])
    }
    fn solidity(&self, sx: &mut SolCx<'_>) -> SolBlock {
        let log_n = sx.layout.domain.log_size;
        let mut v: Vec<String> = self.at.iter().map(|a| sx.val(*a)).collect();
        v.push(format!("st.zp[{}]", log_n - self.x_dom.log_size));
        let w = self.weights().unwrap_or([Fr::zero(); 3]);
        let zeros = self.zeros();
        let slot = if zeros > 0 { sx.inverses(1) } else { 0 };
        let k = [
            (KIND_BASE + self.layer as u64).to_string(),
            SolCx::dec(w[0]),
            SolCx::dec(w[1]),
            SolCx::dec(w[2]),
            slot.to_string(),
            sx.vk_point(Base::CopyTags(self.layer)).to_string(),
        ];
        SolBlock {
            comment: self.describe(),
            call: format!("_copy(st, {}, {});", SolCx::args(&v), SolCx::args(&k)),
            denominators: if zeros > 0 {
                vec![format!(
                    "d[{slot}] = addmod(st.beta, {}, R);",
                    KIND_BASE + self.layer as u64
                )]
            } else {
                vec![]
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tags point at the source positions (bit-reversed for a hidden input), the counts
    /// count fan-out, and zero tags cover copied zeros and the padding.
    #[test]
    fn the_fixed_columns_follow_the_map() {
        let (x_dom, y_dom) = (Domain::new(3), Domain::new(3));
        let map = [2, 2, COPY_ZERO, 5, 0];
        let (tags, counts) = columns(&map, (x_dom, false), y_dom);
        let block = Copy {
            layer: 0,
            x: 0,
            y: 0,
            x_dom,
            y_dom,
            x_bitrev: false,
            map: map.to_vec(),
            n: 64,
            h: [0; 2],
            at: [At::Eval(0); 4],
        };
        let zeros = block.zeros();
        assert_eq!(
            zeros,
            tags.iter().filter(|t| t.is_zero()).count(),
            "z counts the zero tags"
        );
        let w = x_dom.omega();
        assert_eq!(tags[..5], [w.pow([2]), w.pow([2]), Fr::zero(), w.pow([5]), Fr::one()]);
        assert_eq!(zeros, 1 + 3);
        assert_eq!(counts[2], Fr::from(2u64));
        assert_eq!(counts[5], Fr::one());
        assert_eq!(counts[1], Fr::zero());
        let (tags, counts) = columns(&map, (x_dom, true), y_dom);
        assert_eq!(tags[3], w.pow([super::super::bitrev(5, 3) as u64]));
        assert_eq!(counts[super::super::bitrev(2, 3)], Fr::from(2u64));
        assert!(check(&[1, 2, 3, 4, 5, 6], &[3, 3, 0, 6, 1], &map).is_ok());
        assert_eq!(
            check(&[1, 2, 3, 4, 5, 6], &[3, 3, 1, 6, 1], &map).unwrap_err().position,
            2
        );
    }

    /// The sums the two identities pin balance, `Σ_{H_M} h_y = Σ_{H_N} h_x + z/(β + κ)`, exactly
    /// when `y = x[σ]` with zeros where the tag is 0: a moved value, a non-zero padding or copied
    /// zero, and a wrong fan-out each break it (random θ, β).
    #[test]
    fn the_balance_holds_only_for_the_copy() {
        use ark_ff::UniformRand;
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        let (theta, beta) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let (x_dom, y_dom) = (Domain::new(3), Domain::new(4));
        let map = [2u32, 2, COPY_ZERO, 5, 0, 7, 7, 7];
        let x: Vec<i64> = vec![4, -3, 9, 0, 12, -7, 1, 6];
        let balance = |y: &[i64], map: &[u32]| {
            let (tags, counts) = columns(map, (x_dom, false), y_dom);
            let zeros = tags.iter().filter(|t| t.is_zero()).count();
            let kappa = kind(3);
            let th2 = theta.square();
            let lhs: Fr = (0..y_dom.size())
                .map(|i| {
                    let v = Fr::from(y.get(i).copied().unwrap_or(0));
                    (beta + kappa + theta * tags[i] + th2 * v).inverse().unwrap()
                })
                .sum();
            let rhs: Fr = (0..x_dom.size())
                .map(|p| {
                    let t = x_dom.omega().pow([p as u64]);
                    counts[p] * (beta + kappa + theta * t + th2 * Fr::from(x[p])).inverse().unwrap()
                })
                .sum::<Fr>()
                + Fr::from(zeros as u64) * (beta + kappa).inverse().unwrap();
            lhs == rhs
        };
        let honest: Vec<i64> = map
            .iter()
            .map(|&j| if j == COPY_ZERO { 0 } else { x[j as usize] })
            .collect();
        assert!(balance(&honest, &map));
        let mut moved = honest.clone();
        moved.swap(3, 4);
        assert!(!balance(&moved, &map), "values swapped between sources");
        let mut zero = honest.clone();
        zero[2] = 1;
        assert!(!balance(&zero, &map), "a copied zero that is not zero");
        let mut padded = honest.clone();
        padded.push(5);
        assert!(!balance(&padded, &map), "a non-zero padding position");
        let mut fan = map;
        fan[5] = 6;
        assert!(!balance(&honest, &fan), "the counts of another fan-out");
    }
}
