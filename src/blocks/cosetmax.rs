//! CosetMax block (a Gate with a range lookup): `y_j = c·max_{k<w} x_{j + k·m}`, the maximum over
//! the cosets of a window of `w` values, for max pooling (`docs/protocols/cosetmax.md`).
//!
//! **Layout**, as for the coset-sum gate ([`super::gate::Gate::coset_sum`]): `x` fills `H_N`, `N = w·m`, window `j`'s values sit at
//! `j, j + m, …` (the coset `ω_N^j·H_w`), and `y` lives on `H_m`, where `(ω_N^j)^w = ω_m^j`. A
//! maximum is not linear, so it takes two facts, both symmetric in the window (they hold at every
//! point of a coset, whichever of its points `X` is):
//!
//! ```text
//! (CM1)  Π_{k<w} (y(X^w) − c·x(ω_w^k·X)) = 0              on H_N   (y_j is c times a member)
//! (CM2)  h(X)·(β + 1 + (θ + θ²)·D(X)) − 1 = 0               on H_N   (the lookup of (1, D, D))
//!        D(X) = y(X^w)/c − x(X)
//! ```
//!
//! (CM2) is a LogUp lookup of the tuple `(1, D_i, D_i)` into the ReLU half of the table, whose rows
//! `(1, v, v)` are exactly `0 ≤ v < 2^(B−1)`: every member is at most `y_j/c`. With (CM1), `y_j/c`
//! is the largest member. `h = 1/(β + a)` is committed in round 2 and adds `(N/n)·h` to the LogUp
//! sum, like the private input's range check ([`super::input_range`]).
//!
//! **Scale.** `c = 2^s`, so the Activation that follows rescales `y` exactly (remainder `2^(s−1)`)
//! and outputs the maximum itself.
//!
//! **Lifted** to the lookup domain like the other weightless blocks: both identities are checked
//! at `ζ' = ζ^{n/N}` and divided by `Z_n(ζ) = Z_N(ζ')`. The block adds `w − 1` evaluations of `x`
//! (its `ω_w^k·ζ'`), one of `h`, one commitment `[h]` and no vk point.

use super::fold::BLIND_MAX;
use super::lookup;
use super::rowsum::compose_power;
use super::{At, Block, ClaimCx, Identities, Poly, Tensor};
use crate::field::fr_from_i64;
use crate::poly::{shift, Domain};
use crate::protocol::{inverse, AlgebraError, LayoutBuilder, Lin, PointSpec, MAX_GROUP_BLINDING};
use crate::prover::{internal, ProveError, ProverState};
use crate::solidity::{SolBlock, SolCx};
use ark_bn254::Fr;
use ark_ff::{Field, One};
use rand::RngCore;

/// The table kind whose rows `(1, v, v)` are the non-negative half of the window (ReLU).
const NONNEGATIVE: u8 = 1;
/// The table kind whose rows `(0, v, v)` are the whole window (the identity).
const IDENTITY: u8 = 0;

/// One CosetMax instance: layer `layer`'s `y_j = c·max_k x_{j+k·m}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CosetMax {
    /// The coset-max layer (comments only).
    pub layer: usize,
    /// Input tensor (committed, on `H_N`, `N = w·m`).
    pub x: usize,
    /// Output tensor (committed, on `H_m`).
    pub y: usize,
    /// `H_N`.
    pub dom: Domain,
    /// The lookup domain's size `n` (the degree bound).
    pub n: usize,
    /// `w`.
    pub window: usize,
    /// `c = 2^s`.
    pub scale: u64,
    /// The range lookup: the differences `D` are looked up as `(kind, D − offset, D − offset)`:
    /// `(1, 0)`, the ReLU rows `0 ≤ D < 2^(B−1)`, for non-negative values; `(0, 2^(B−1))`, the
    /// identity rows shifted, `0 ≤ D < 2^B`, for signed ones ([`crate::model::LayerOp::CosetMax`]).
    pub lookup: (u8, i64),
    /// The inverse column `[h]` (round 2).
    pub h: usize,
    /// `x(ω_w^k·ζ')` for `k < w`, then `y(ζ'^w)`, then `h(ζ')`, with `ζ' = ζ^{n/N}`.
    pub at: Vec<At>,
}

impl CosetMax {
    /// Layer `layer`'s coset max from tensor `x` to tensor `y` (`x`'s domain `window` times
    /// `y`'s), at scale `2^scale_bits`, on lookup domain `H_n`.
    pub fn new(layer: usize, (x, y): (usize, usize), tensors: &[Tensor], scale_bits: u32, n: usize) -> Self {
        Self {
            layer,
            x,
            y,
            dom: tensors[x].dom,
            n,
            window: tensors[x].dom.size() / tensors[y].dom.size(),
            scale: 1u64 << scale_bits,
            lookup: (NONNEGATIVE, 0),
            h: 0,
            at: vec![],
        }
    }
    /// A coset max of signed values in a window of `2^lookup_bits`: its differences, in
    /// `[0, 2^lookup_bits)`, are looked up in the identity rows, shifted by `−2^(lookup_bits−1)`.
    pub fn signed(mut self, lookup_bits: u32) -> Self {
        self.lookup = (IDENTITY, 1i64 << (lookup_bits - 1));
        self
    }
    /// `m = N/w`.
    fn m(&self) -> usize {
        self.dom.size() / self.window
    }
}

/// A bound on the degree of the lifted (CM1) quotient for a window of `w` on `H_N`, lookup domain
/// `H_n`. `x` carries at most [`BLIND_MAX`] blinding coefficients and `y` at most
/// [`MAX_GROUP_BLINDING`] (its own two, or a group's cap), so each factor has degree at most
/// `N + e`, `e = max(BLIND_MAX − 1, w·(MAX_GROUP_BLINDING − 1))` (`y(X^w)` multiplies `y`'s
/// blinding degree by `w`), the quotient's at most `(w − 1)·N + w·e` (the bound is inclusive:
/// the SRS holds `max_degree + 1` powers), times `n/N` when lifted:
/// `3n + 48·n/N` for `w = 4`, `n + 12·n/N` for `w = 2`. (CM2)'s, `N + 2e` lifted, is smaller.
/// [`super::fold::plan`] adds it to the proof's bound.
pub fn quotient_degree(n: usize, big_n: usize, w: usize) -> usize {
    let e = (BLIND_MAX - 1).max(w * (MAX_GROUP_BLINDING - 1));
    (n / big_n.max(1)) * (w.saturating_sub(1) * big_n + w * e)
}

/// The compressed tuple `(kind, D − offset, D − offset)`: `kind + (θ + θ²)·(D − offset)`.
fn tuple(d: Fr, theta: Fr, (kind, offset): (u8, i64)) -> Fr {
    Fr::from(kind) + (theta + theta.square()) * (d - fr_from_i64(offset))
}

/// Verifier: `(Π_k (y − c·x_k)) / Z_n(ζ)` and `(h·(β + kind + (θ + θ²)·(y/c − x_0 − offset)) − 1) /
/// Z_n(ζ)`, with `x_k = x(ω_w^k·ζ')`, `y = y(ζ'^w)`, `h = h(ζ')`.
pub fn identities(
    xs: &[Fr],
    (y, h): (Fr, Fr),
    (c, c_inv): (Fr, Fr),
    lookup: (u8, i64),
    (theta, beta): (Fr, Fr),
    zn_inv: Fr,
) -> [Fr; 2] {
    let gate = xs.iter().map(|x| y - c * x).product::<Fr>();
    let d = y * c_inv - xs.first().copied().unwrap_or_default();
    [
        gate * zn_inv,
        (h * (beta + tuple(d, theta, lookup)) - Fr::one()) * zn_inv,
    ]
}

/// Prover: `Π_k (y(X^w) − c·x(ω_w^k·X)) / Z_N(X)`, `None` if it does not divide (a wrong witness).
pub fn gate_quotient(dom: Domain, window: usize, c: Fr, x: &Poly, y: &Poly) -> Option<Poly> {
    let y_w = compose_power(y, window);
    let omega = Domain::new(window.trailing_zeros()).omega();
    let mut e = Poly {
        coeffs: vec![Fr::one()],
    };
    let mut rot = Fr::one();
    for _ in 0..window {
        let factor = &y_w - &(&shift(x, rot) * c);
        e = &e * &factor;
        rot *= omega;
    }
    dom.divide_by_vanishing(&e)
}

/// The statement on integers, identity by identity: for every window `j < m` (`m = x.len()/w`;
/// `y_j = 0` on the padding windows `j ≥ y.len()`), `y_j` is `c` times one of its members (the
/// gate), and every difference `y_j/c − x_{j+k·m}` lies in `[0, half)` (the range lookup:
/// `half = 2^(B−1)`, or `2^B` for a signed coset max). Together: `y_j = c·max_k x_{j+k·m}`.
pub fn check(x: &[i64], y: &[i64], window: usize, (c, half): (i64, i64)) -> Result<(), super::Violation> {
    let m = x.len() / window.max(1);
    for j in 0..m {
        let members: Vec<i64> = (0..window).map(|k| x.get(j + k * m).copied().unwrap_or(0)).collect();
        let v = y.get(j).copied().unwrap_or(0);
        if !members.iter().any(|x| x.checked_mul(c) == Some(v)) {
            return Err(super::Violation {
                position: j,
                reason: format!("{v} is not {c} times any of window {j}'s values {members:?} (x[{j} + k·{m}])"),
            });
        }
        for (k, xi) in members.iter().enumerate() {
            let d = v / c.max(1) - xi;
            if !(0..half).contains(&d) {
                return Err(super::Violation {
                    position: j,
                    reason: format!(
                        "window {j}: {}/{c} − x[{}] = {d} is outside the lookup's range [0, {half}): {v} is not {c} times the window's maximum",
                        v,
                        j + k * m
                    ),
                });
            }
        }
    }
    Ok(())
}

impl Block for CosetMax {
    fn describe(&self) -> String {
        format!(
            "CosetMax, layer {}: y_j = {}·max_(k<{}) x_(j+k·{}) on H_{}",
            self.layer,
            self.scale,
            self.window,
            self.m(),
            self.dom.size()
        )
    }
    fn domains(&self) -> Vec<Domain> {
        vec![self.dom]
    }
    fn max_degree(&self) -> usize {
        quotient_degree(self.n, self.dom.size(), self.window)
    }
    fn alloc_round2(&mut self, b: &mut LayoutBuilder) {
        self.h = b.commit(self.dom);
    }
    fn alloc_openings(&mut self, b: &mut LayoutBuilder) {
        let reads = super::gate::coset_reads((self.x, self.y), &b.tensors, self.window);
        let mut at = super::gate::open_reads(b, &reads, self.dom);
        let lift = (b.domain.size() / self.dom.size()) as u64;
        let p = b.point(PointSpec::new(lift, 0, 0));
        at.push(At::Eval(b.open(self.h, p)));
        self.at = at;
    }
    fn identity_count(&self) -> usize {
        2
    }
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError> {
        let vals: Vec<Fr> = self.at.iter().map(|a| cx.val(*a)).collect();
        let (xs, rest) = vals.split_at(self.window);
        let c = Fr::from(self.scale);
        let [gate, range] = identities(
            xs,
            (rest[0], rest[1]),
            (c, inverse(c)?),
            self.lookup,
            (cx.ch.theta, cx.ch.beta),
            cx.zn_inv,
        );
        out.list.push(Lin::scalar(gate));
        out.list.push(Lin::scalar(range));
        let weight = Fr::from(self.dom.size() as u64) * inverse(Fr::from(cx.layout.domain.size() as u64))?;
        out.logup += weight * rest[1];
        Ok(())
    }
    fn witness(&self, st: &mut ProverState<'_>) -> Result<(), ProveError> {
        let (kind, offset) = self.lookup;
        for d in differences(self, st) {
            st.bump(kind, d - offset)?;
        }
        Ok(())
    }
    fn prove_round2(&self, st: &mut ProverState<'_>, mut rng: &mut dyn RngCore) -> Result<Vec<Poly>, ProveError> {
        let (theta, beta) = (st.theta, st.beta);
        let c = Fr::from(self.scale);
        let (x, y) = (&st.tensor_polys[self.x], &st.tensor_polys[self.y]);
        let gate = gate_quotient(self.dom, self.window, c, x, y)
            .ok_or_else(|| internal("a coset-max gate does not vanish"))?;
        // a(X) = kind + (θ + θ²)·(y(X^w)/c − x(X) − offset), and its values on H_N.
        let kappa = theta + theta.square();
        let (kind, offset) = self.lookup;
        let d_poly = &(&compose_power(y, self.window) * inverse(c).map_err(|_| internal("c = 0"))?) - x;
        let a_poly = &(&d_poly * kappa)
            + &Poly {
                coeffs: vec![Fr::from(kind) - kappa * fr_from_i64(offset)],
            };
        let a: Vec<Fr> = differences(self, st)
            .into_iter()
            .map(|d| tuple(fr_from_i64(d), theta, self.lookup))
            .collect();
        let col = lookup::prove_range(self.dom, &a, beta, st.layout.blinding(self.h), &mut rng);
        let one = Poly {
            coeffs: vec![Fr::one()],
        };
        let e = lookup::numerator(&col.poly, &a_poly, None, &one, beta);
        let range = self
            .dom
            .divide_by_vanishing(&e)
            .ok_or_else(|| internal("the coset-max range identity does not vanish"))?;
        st.polys[self.h] = col.poly;
        st.add_lifted(&col.share, self.dom);
        let lift = st.layout.domain.size() / self.dom.size();
        Ok(vec![compose_power(&gate, lift), compose_power(&range, lift)])
    }
    fn solidity(&self, sx: &mut SolCx<'_>) -> SolBlock {
        // v = [x(ω_w^k·ζ') for k < w, zeros up to MAX_WINDOW, y(ζ'^w), h(ζ')]; the vk rules keep
        // w ≤ MAX_WINDOW (layer_shape_problem).
        debug_assert!(self.window <= super::gate::MAX_WINDOW);
        let mut v: Vec<String> = self.at[..self.window].iter().map(|a| sx.val(*a)).collect();
        v.resize(super::gate::MAX_WINDOW, "0".into());
        v.extend(self.at[self.window..].iter().map(|a| sx.val(*a)));
        let c = Fr::from(self.scale);
        let n = Fr::from(sx.layout.domain.size() as u64);
        let weight = Fr::from(self.dom.size() as u64) * n.inverse().unwrap_or_default();
        let (kind, offset) = self.lookup;
        let k = [
            self.window.to_string(),
            self.scale.to_string(),
            SolCx::dec(c.inverse().unwrap_or_default()),
            SolCx::dec(weight),
            kind.to_string(),
            SolCx::dec(-fr_from_i64(offset)),
        ];
        SolBlock {
            comment: self.describe(),
            call: format!("_cosetMax(st, {}, {});", SolCx::args(&v), SolCx::args(&k)),
            denominators: vec![],
        }
    }
}

/// The witness's differences `D_i = y_{i mod m}/c − x_i` on `H_N` (padding included).
fn differences(b: &CosetMax, st: &ProverState<'_>) -> Vec<i64> {
    let (x, y) = (st.ints(b.x), st.ints(b.y));
    let c = b.scale as i64;
    (0..b.dom.size())
        .map(|i| y.get(i % b.m()).copied().unwrap_or(0) / c - x.get(i).copied().unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::gate::tests::polys;
    use ark_ff::{UniformRand, Zero};
    use ark_poly::Polynomial;
    use rand::SeedableRng;

    /// The honest gate divides and matches the verifier's value; a window's value that is a member
    /// but not the largest passes the gate and fails the range check; a value above every member
    /// fails the gate.
    #[test]
    fn the_gate_and_the_range_check_pin_the_maximum() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let (c, half) = (64i64, 1 << 7);
        for window in [2usize, 4] {
            let (m, n) = (Domain::new(3), Domain::new(3 + window.trailing_zeros()));
            let x: Vec<i64> = (0..n.size())
                .map(|i| if i % 8 < 6 { (i * 7 % 13) as i64 } else { 0 })
                .collect();
            let y: Vec<i64> = (0..6)
                .map(|j| c * (0..window).map(|k| x[j + 8 * k]).max().unwrap())
                .collect();
            assert!(check(&x, &y, window, (c, half)).is_ok());
            let (xp, yp) = polys(&x, &y, (n, m), &mut rng);
            let cf = Fr::from(c as u64);
            let q = gate_quotient(n, window, cf, &xp, &yp).expect("divides");
            let z = Fr::rand(&mut rng);
            let ww = Domain::new(window.trailing_zeros()).omega();
            let xs: Vec<Fr> = (0..window).map(|k| xp.evaluate(&(z * ww.pow([k as u64])))).collect();
            let y_w = yp.evaluate(&z.pow([window as u64]));
            let [gate, _] = identities(
                &xs,
                (y_w, Fr::zero()),
                (cf, cf.inverse().unwrap()),
                (NONNEGATIVE, 0),
                (z, z),
                Fr::one(),
            );
            assert_eq!(gate, q.evaluate(&z) * n.vanishing_at(z));
            assert!(q.degree() < quotient_degree(n.size(), n.size(), window));

            // A member that is not the maximum: the gate divides, the range check names the window.
            let j = (0..6)
                .find(|j| (0..window).map(|k| x[j + 8 * k]).min() != (0..window).map(|k| x[j + 8 * k]).max())
                .unwrap();
            let mut low = y.clone();
            low[j] = c * (0..window).map(|k| x[j + 8 * k]).min().unwrap();
            let err = check(&x, &low, window, (c, half)).unwrap_err();
            assert_eq!(err.position, j);
            assert!(err.reason.contains("outside the lookup's range"), "{}", err.reason);
            let (xp2, yp2) = polys(&x, &low, (n, m), &mut rng);
            assert!(gate_quotient(n, window, cf, &xp2, &yp2).is_some());
            // A value above every member (not c times a member) fails the gate.
            let mut high = y.clone();
            high[j] += c;
            assert_eq!(check(&x, &high, window, (c, half)).unwrap_err().position, j);
            let (xp3, yp3) = polys(&x, &high, (n, m), &mut rng);
            assert!(gate_quotient(n, window, cf, &xp3, &yp3).is_none());
            // A non-zero padding value of y fails the gate (its window holds only zeros).
            let mut padded = y.clone();
            padded.extend([0, c]);
            let (xp4, yp4) = polys(&x, &padded, (n, m), &mut rng);
            assert!(gate_quotient(n, window, cf, &xp4, &yp4).is_none());
        }
    }

    /// The range identity at a point: `h = 1/(β + a)` satisfies it for a difference `D`, and the
    /// same `h` fails for another `D`.
    #[test]
    fn the_range_identity_reads_the_difference() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(4);
        let (theta, beta) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let c = Fr::from(64u64);
        let (x0, y) = (Fr::from(5u64), Fr::from(64u64 * 9));
        for lookup in [(NONNEGATIVE, 0), (IDENTITY, 128)] {
            let h = (beta + tuple(Fr::from(4u64), theta, lookup)).inverse().unwrap();
            let [_, ok] = identities(
                &[x0],
                (y, h),
                (c, c.inverse().unwrap()),
                lookup,
                (theta, beta),
                Fr::one(),
            );
            assert_eq!(ok, Fr::zero());
            let [_, bad] = identities(
                &[x0 + Fr::one()],
                (y, h),
                (c, c.inverse().unwrap()),
                lookup,
                (theta, beta),
                Fr::one(),
            );
            assert_ne!(bad, Fr::zero());
        }
    }
}
