//! Gate block: one low-degree polynomial identity over committed (or public) tensors read at
//! rotations and power maps of `X`, with integer constants (`docs/protocols/gate.md`).
//!
//! **Statement.** For a domain `H_D` and reads `r_i(X) = t_i(ρ_i·X^{k_i})` (tensor `t_i` on its
//! domain `H_{T_i}`, a root of unity `ρ_i` of order dividing `T_i`, a power `k_i` with
//! `D | k_i·T_i`), an expression `E` ([`Expr`]) vanishes on `H_D`:
//!
//! ```text
//! (G)  E(r_0(X), r_1(X), …) = 0    for every X ∈ H_D
//! ```
//!
//! The two conditions on a read make `ρ_i·X^{k_i}` a point of `H_{T_i}` for every `X ∈ H_D` (so
//! (G) speaks of the tensors' values), and keep the blinding divisible: `t = t₀ + Z_T·b` and
//! `Z_T(ρ·X^k) = X^{kT} − 1`, a multiple of `Z_D(X)`.
//!
//! **Lifted**, like the lookups: checked at `ζ' = ζ^{n/D}` and divided by `Z_n(ζ) = Z_D(ζ')`, so a
//! gate costs no inversion of its own, no commitment and no vk point: only its reads' evaluations
//! that no other block reads already, and the field work of `E`.
//!
//! **Instances.** [`Gate::hadamard`] (`Mul` of two activations: `x(X)·x(−X) − y(X²)`),
//! [`Gate::square`] (`Mul(x, x)`, `Pow(x, 2)` of a layer's output: `x(X)² − y(X)`) and
//! [`Gate::coset_sum`] (average pooling: `c·Σ_k x(ω_w^k·X) − y(X^w)`). A new gate is a
//! constructor: its reads and its expression; the prover's quotient, the verifier's term, the
//! Solidity function, the degree bound and the generic integer check ([`Gate::check`]) all follow
//! from them.

pub mod expr;

pub use expr::{c, r, Expr};

use super::fold::BLIND_MAX;
use super::rowsum::compose_power;
use super::{At, Block, ClaimCx, Identities, Poly, Tensor, Violation};
use crate::poly::{shift, Domain};
use crate::protocol::{AlgebraError, LayoutBuilder, Lin, PointSpec};
use crate::prover::{internal, ProveError, ProverState};
use crate::solidity::{SolBlock, SolCx};
use ark_bn254::Fr;
use rand::RngCore;

/// The largest window a coset layer takes (CosetSum here, [`super::cosetmax`]): `x` is revealed
/// at `w + 1` points (`τ`, its `w` evaluations) plus one for the rotations, so it carries `w + 2`
/// blinding coefficients; the lifted lookup identities' and the folded running sum's degree bounds
/// assume at most [`BLIND_MAX`] = 6.
pub const MAX_WINDOW: usize = 4;

/// One read of a gate: tensor `tensor` at `ω_{2^root_log}^{root_pow}·X^power`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Read {
    /// The tensor.
    pub tensor: usize,
    /// Its domain `H_T`.
    pub dom: Domain,
    /// The power map `k`.
    pub power: u64,
    /// The rotation `ρ = ω_{2^root_log}^{root_pow}` (`root_log ≤ log T`).
    pub root: (u32, u64),
}

impl Read {
    /// Tensor `t` of `tensors` at `ρ·X^power`, `ρ = ω_{2^root.0}^{root.1}`.
    pub fn new(t: usize, tensors: &[Tensor], power: u64, root: (u32, u64)) -> Self {
        Self {
            tensor: t,
            dom: tensors[t].dom,
            power,
            root,
        }
    }
    /// Whether it reads the tensor's values on `H_D` with a divisible blinding (`ρ^T = 1` and
    /// `D | k·T`), at a point the verifiers can name: `k` a power of two, since a point is
    /// `ζ^e·ρ` with `e` a power of two (`PointSpec`; Solidity reads `ζ^e` from its table of
    /// squares).
    pub fn fits(&self, d: Domain) -> bool {
        self.power.is_power_of_two()
            && self.root.0 <= self.dom.log_size
            && (self.power as usize * self.dom.size()).is_multiple_of(d.size())
    }
    /// The position on `H_T` it reads at `X = ω_D^i`: `ρ·ω_D^{ik} = ω_T^{(root_pow·T/2^root_log + ik·T/D) mod T}`.
    pub fn position(&self, i: usize, d: Domain) -> usize {
        let t = self.dom.size();
        let rot = (self.root.1 as usize % (1 << self.root.0)) * (t >> self.root.0);
        (rot + i * (self.power as usize * t / d.size())) % t
    }
    /// The point of the lifted read, `ρ·ζ^{k·n/D}`.
    fn point(&self, lift: u64) -> PointSpec {
        PointSpec::new(self.power * lift, self.root.0, self.root.1)
    }
    /// `t(ρ·X^k)` from `t`'s polynomial: coefficient `a_j` becomes `a_j·ρ^j` at `X^{jk}`.
    fn poly(&self, t: &Poly) -> Poly {
        compose_power(&shift(t, self.point(1).factor()), self.power as usize)
    }
    /// A bound on `deg t(ρ·X^k)`: `k·(T + BLIND_MAX − 1)`.
    fn degree(&self) -> usize {
        self.power as usize * (self.dom.size() + BLIND_MAX - 1)
    }
}

/// What a gate instance proves (its constructor; comments, tests and the integer check).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateKind {
    /// `y = x[..h] ⊙ x[h..]` ([`Gate::hadamard`]).
    Hadamard,
    /// `y_i = x_i²` ([`Gate::square`]).
    Square,
    /// `y_j = c·Σ_{k<w} x_{j+k·m}` ([`Gate::coset_sum`]).
    CosetSum {
        /// `w`.
        window: usize,
        /// `c = 2^s/w`.
        scale: u64,
    },
}

/// One Gate instance: layer `layer`'s identity `E(reads) = 0` on `H_D`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gate {
    /// What it proves.
    pub kind: GateKind,
    /// The layer (comments only).
    pub layer: usize,
    /// `H_D`.
    pub dom: Domain,
    /// The lookup domain's size `n` (the identity is lifted by `n/D`; the degree bound).
    pub n: usize,
    /// The reads, in the order [`Expr::Read`] indexes them and their evaluations are registered.
    pub reads: Vec<Read>,
    /// The identity.
    pub expr: Expr,
    /// The reads' evaluations (set by [`Block::alloc_openings`]).
    pub at: Vec<At>,
}

impl Gate {
    /// A gate on `dom`, lifted to the lookup domain `H_n`, from its reads and expression.
    ///
    /// Panics (a constructor's bug, never a vk's: the vk rules fix the instances' shapes) unless
    /// every read [`Read::fits`] `dom`, the expression uses only those reads, and the lifted
    /// quotient's degree stays within the SRS that every proof has, `3n + 8`
    /// ([`crate::protocol::Layout::max_degree`]; a gate above it would have to enter
    /// [`super::fold::plan`]'s bound, which sizes the SRS before setup).
    pub fn new(kind: GateKind, (layer, n): (usize, usize), dom: Domain, reads: Vec<Read>, expr: Expr) -> Self {
        assert!(reads.iter().all(|r| r.fits(dom)), "a gate read does not fit H_D");
        assert!(
            expr.reads().iter().all(|i| *i < reads.len()),
            "a gate reads a missing read"
        );
        let gate = Self {
            kind,
            layer,
            dom,
            n,
            reads,
            expr,
            at: vec![],
        };
        assert!(gate.max_degree() <= 3 * n + 8, "a gate's degree exceeds the SRS bound");
        gate
    }

    /// Layer `layer`'s Hadamard product `y_i = x_i·x_{h+i}` from tensor `x` (on `H_N`, `N = 2h`)
    /// to `y` (on `H_h`): `x(X)·x(−X) − y(X²) = 0` on `H_N`, since `ω_N^h = −1` and
    /// `(ω_N^i)² = ω_h^i` (`docs/protocols/gate.md#hadamard-product`). `n`: the lookup domain.
    pub fn hadamard((layer, n): (usize, usize), (x, y): (usize, usize), tensors: &[Tensor]) -> Self {
        let dom = tensors[x].dom;
        let reads = vec![
            Read::new(x, tensors, 1, (0, 0)),
            Read::new(x, tensors, 1, (dom.log_size, dom.size() as u64 / 2)),
            Read::new(y, tensors, 2, (0, 0)),
        ];
        Self::new(GateKind::Hadamard, (layer, n), dom, reads, r(0) * r(1) - r(2))
    }

    /// Layer `layer`'s square `y_i = x_i²` from tensor `x` to `y`, both on `H_N`:
    /// `x(X)² − y(X) = 0` on `H_N` (`docs/protocols/gate.md#square`). Both reads are at `ζ'`, where
    /// the Activations around it read `x` and `y` already: the gate adds no evaluation. `n`: the
    /// lookup domain.
    pub fn square((layer, n): (usize, usize), (x, y): (usize, usize), tensors: &[Tensor]) -> Self {
        let dom = tensors[x].dom;
        let reads = vec![Read::new(x, tensors, 1, (0, 0)), Read::new(y, tensors, 1, (0, 0))];
        Self::new(GateKind::Square, (layer, n), dom, reads, r(0) * r(0) - r(1))
    }

    /// Layer `layer`'s coset sum `y_j = c·Σ_{k<w} x_{j+k·m}` from tensor `x` (on `H_N`,
    /// `N = w·m`) to `y` (on `H_m`), `c = 2^s/w`: `c·Σ_k x(ω_w^k·X) − y(X^w) = 0` on `H_N`, since
    /// `ω_N^m = ω_w` and `(ω_N^j)^w = ω_m^j` (`docs/protocols/gate.md#coset-sum`). `n`: the lookup
    /// domain.
    pub fn coset_sum((layer, n): (usize, usize), (x, y): (usize, usize), tensors: &[Tensor], scale_bits: u32) -> Self {
        let dom = tensors[x].dom;
        let window = dom.size() / tensors[y].dom.size();
        let scale = crate::model::coset_scale(scale_bits, window);
        let reads = coset_reads((x, y), tensors, window);
        let expr = c(scale) * Expr::sum((0..window).map(r)) - r(window);
        let kind = GateKind::CosetSum {
            window,
            scale: scale.unsigned_abs(),
        };
        Self::new(kind, (layer, n), dom, reads, expr)
    }

    /// The integer statement (G) on every `X ∈ H_D`, with `value(t, p)` tensor `t`'s value at
    /// position `p` of its domain (padding included).
    pub fn check(&self, value: impl Fn(usize, usize) -> i64) -> Result<(), Violation> {
        for i in 0..self.dom.size() {
            let vals: Vec<i64> = self
                .reads
                .iter()
                .map(|rd| value(rd.tensor, rd.position(i, self.dom)))
                .collect();
            let e = self.expr.eval_int(&vals);
            if e != Some(0) {
                return Err(Violation {
                    position: i,
                    reason: format!(
                        "{} is {} for r = {vals:?}",
                        self.expr,
                        e.map_or("out of range".into(), |v| v.to_string())
                    ),
                });
            }
        }
        Ok(())
    }

    /// The lifting `n/D`.
    fn lift(&self) -> usize {
        self.n / self.dom.size()
    }
}

/// The reads of a coset layer (CosetSum, [`super::cosetmax`]) from `x` on `H_N` to `y`, window
/// `w`: `x(ω_w^k·X)` for `k < w` (`ω_w^k = ω_N^{k·m}`), then `y(X^w)`.
pub(crate) fn coset_reads((x, y): (usize, usize), tensors: &[Tensor], window: usize) -> Vec<Read> {
    let dom = tensors[x].dom;
    let m = dom.size() / window;
    let mut reads: Vec<Read> = (0..window)
        .map(|k| Read::new(x, tensors, 1, (dom.log_size, (k * m) as u64)))
        .collect();
    reads.push(Read::new(y, tensors, window as u64, (0, 0)));
    reads
}

/// Register `reads` of a block on `H_D` (lifted by `n/D`), in order: their evaluations.
pub(crate) fn open_reads(b: &mut LayoutBuilder, reads: &[Read], dom: Domain) -> Vec<At> {
    let lift = (b.domain.size() / dom.size()) as u64;
    reads
        .iter()
        .map(|rd| {
            let p = b.point(rd.point(lift));
            b.read(rd.tensor, p)
        })
        .collect()
}

/// The statement of a Hadamard gate on integers: `y_i = x_i · x_{h+i}` for every `i < y.len()`
/// (`zkt-eth mock`, on a layer's unpadded values).
pub fn check_hadamard(x: &[i64], y: &[i64]) -> Result<(), Violation> {
    let h = x.len() / 2;
    for (i, v) in y.iter().enumerate() {
        let (a, b) = (x.get(i).copied().unwrap_or(0), x.get(h + i).copied().unwrap_or(0));
        if a.checked_mul(b) != Some(*v) {
            return Err(Violation {
                position: i,
                reason: format!("{a} · {b} ≠ {v}"),
            });
        }
    }
    Ok(())
}

/// The statement of a square gate on integers: `y_i = x_i²` for every `i < y.len()` (`zkt-eth
/// mock`).
pub fn check_square(x: &[i64], y: &[i64]) -> Result<(), Violation> {
    for (i, v) in y.iter().enumerate() {
        let a = x.get(i).copied().unwrap_or(0);
        if a.checked_mul(a) != Some(*v) {
            return Err(Violation {
                position: i,
                reason: format!("{a}² ≠ {v}"),
            });
        }
    }
    Ok(())
}

/// The statement of a coset-sum gate on integers: `y_j = c·Σ_{k<w} x_{j+k·m}` for every
/// `j < y.len()`, `m = x.len()/w` (`zkt-eth mock`).
pub fn check_coset_sum(x: &[i64], y: &[i64], window: usize, scale: i64) -> Result<(), Violation> {
    let m = x.len() / window.max(1);
    for (j, v) in y.iter().enumerate() {
        let sum = (0..window).try_fold(0i64, |acc, k| acc.checked_add(x.get(j + k * m).copied().unwrap_or(0)));
        if sum.and_then(|s| s.checked_mul(scale)) != Some(*v) {
            return Err(Violation {
                position: j,
                reason: format!("{scale}·Σ x[{j} + k·{m}] (k < {window}) ≠ {v}"),
            });
        }
    }
    Ok(())
}

impl Block for Gate {
    fn describe(&self) -> String {
        let what = match self.kind {
            GateKind::Hadamard => format!("Hadamard y = x[..{h}] ⊙ x[{h}..]", h = self.dom.size() / 2),
            GateKind::Square => "square y_i = x_i²".to_string(),
            GateKind::CosetSum { window, scale } => format!(
                "coset sum y_j = {scale}·Σ_(k<{window}) x_(j+k·{})",
                self.dom.size() / window
            ),
        };
        let reads: Vec<String> = self
            .reads
            .iter()
            .enumerate()
            .map(|(i, rd)| {
                let p = rd.point(1);
                let rot = match (p.root_log, p.root_pow) {
                    (0, _) => String::new(),
                    (l, e) => format!("ω_{}^{e}·", 1u64 << l),
                };
                let pow = if rd.power == 1 {
                    String::new()
                } else {
                    format!("^{}", rd.power)
                };
                format!("r{i} = t{}({rot}X{pow})", rd.tensor)
            })
            .collect();
        format!(
            "Gate, layer {}: {what}; {} = 0 on H_{} ({})",
            self.layer,
            self.expr,
            self.dom.size(),
            reads.join(", ")
        )
    }
    fn domains(&self) -> Vec<Domain> {
        vec![self.dom]
    }
    fn max_degree(&self) -> usize {
        // deg E − D, spread by X ↦ X^{n/D}: the lifted quotient's degree. Within the lookup
        // domain's 3n for both instances (Hadamard: (N + 10)·n/N; coset sum: 5w·n/N).
        let degrees: Vec<usize> = self.reads.iter().map(Read::degree).collect();
        self.expr
            .degree(&degrees)
            .saturating_sub(self.dom.size())
            .saturating_mul(self.lift())
    }
    fn alloc_openings(&mut self, b: &mut LayoutBuilder) {
        self.at = open_reads(b, &self.reads, self.dom);
    }
    fn identity_count(&self) -> usize {
        1
    }
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError> {
        let vals: Vec<Fr> = self.at.iter().map(|a| cx.val(*a)).collect();
        out.list.push(Lin::scalar(self.expr.eval(&vals) * cx.zn_inv));
        Ok(())
    }
    fn prove_round2(&self, st: &mut ProverState<'_>, _rng: &mut dyn RngCore) -> Result<Vec<Poly>, ProveError> {
        let polys: Vec<Poly> = self
            .reads
            .iter()
            .map(|rd| rd.poly(&st.tensor_polys[rd.tensor]))
            .collect();
        let q = self
            .dom
            .divide_by_vanishing(&self.expr.poly(&polys))
            .ok_or_else(|| internal(&format!("a gate identity does not vanish ({})", self.describe())))?;
        debug_assert_eq!(self.n, st.layout.domain.size());
        Ok(vec![compose_power(&q, self.lift())])
    }
    fn solidity(&self, sx: &mut SolCx<'_>) -> SolBlock {
        // The expression reads r[i] from one memory array, in a function of its own: inline in
        // verify(), nested calls to _ev would run out of stack.
        let p = self.reads.len();
        let reads: Vec<String> = (0..p).map(|i| format!("r[{i}]")).collect();
        let body = format!("_identity(st, mulmod({}, st.inv[0], R));", self.expr.solidity(&reads));
        let name = sx.function("_gate", &format!("uint256[{p}] memory r"), &body);
        let vals: Vec<String> = self.at.iter().map(|a| sx.val(*a)).collect();
        SolBlock {
            comment: self.describe(),
            call: format!("{name}(st, {});", SolCx::args(&vals)),
            denominators: vec![],
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::blocks::{Col, TraceRef};
    use crate::field::fr_from_i64;
    use ark_ff::{Field, UniformRand, Zero};
    use ark_poly::Polynomial;
    use rand::SeedableRng;

    /// `1/w`.
    fn inv(w: usize) -> Fr {
        Fr::from(w as u64).inverse().unwrap_or_else(Fr::zero)
    }

    /// A tensor on `dom` (committed, padding zero).
    fn tensor(dom: Domain) -> Tensor {
        Tensor {
            len: dom.size(),
            dom,
            col: Col::Commit(0),
            source: TraceRef::Input,
            bitrev: false,
            pad: 0,
        }
    }

    /// A coset layer's `x` on `H_N` and `y` on `H_m` as blinded polynomials (6 and 2 blinding
    /// coefficients, as the layout gives a window of 4), padding zero (also for CosetMax's tests).
    pub(crate) fn polys(
        x: &[i64],
        y: &[i64],
        (n, m): (Domain, Domain),
        rng: &mut rand_chacha::ChaCha20Rng,
    ) -> (Poly, Poly) {
        let vals = |v: &[i64], d: Domain| {
            let mut out: Vec<Fr> = v.iter().map(|a| fr_from_i64(*a)).collect();
            out.resize(d.size(), Fr::zero());
            out
        };
        (
            n.blinded_with(&vals(x, n), 6, rng).poly,
            m.blinded_with(&vals(y, m), 2, rng).poly,
        )
    }

    /// The prover's side of a gate on tensors 0 (`x`) and 1 (`y`): `E(X)/Z_D`, or `None`.
    fn quotient(g: &Gate, xp: &Poly, yp: &Poly) -> Option<Poly> {
        let polys: Vec<Poly> = g
            .reads
            .iter()
            .map(|rd| rd.poly(if rd.tensor == 0 { xp } else { yp }))
            .collect();
        g.dom.divide_by_vanishing(&g.expr.poly(&polys))
    }

    /// The verifier's side at `z ∉ H_D` (not lifted): `E(reads at z)`.
    fn at(g: &Gate, xp: &Poly, yp: &Poly, z: Fr) -> Fr {
        let vals: Vec<Fr> = g
            .reads
            .iter()
            .map(|rd| (if rd.tensor == 0 { xp } else { yp }).evaluate(&(rd.point(1).factor() * z.pow([rd.power]))))
            .collect();
        g.expr.eval(&vals)
    }

    /// The generic integer check on `x`, `y` placed on their domains.
    fn generic(g: &Gate, x: &[i64], y: &[i64]) -> Result<(), Violation> {
        g.check(|t, p| (if t == 0 { x } else { y }).get(p).copied().unwrap_or(0))
    }

    #[test]
    fn hadamard_the_honest_quotient_matches_the_verifier_and_a_wrong_product_does_not_divide() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let (n, h) = (Domain::new(4), Domain::new(3));
        let g = Gate::hadamard((1, 16), (0, 1), &[tensor(n), tensor(h)]);
        assert!(g.reads.iter().all(|rd| rd.fits(n)));
        // Two halves of 8, each holding 6 values then the zero padding rows the lowering adds.
        let x: Vec<i64> = (0..16).map(|i| if i % 8 < 6 { (i * 7 % 11) - 5 } else { 0 }).collect();
        let y: Vec<i64> = (0..6).map(|i| x[i] * x[8 + i]).collect();
        assert!(check_hadamard(&x, &y).is_ok());
        assert!(generic(&g, &x, &y).is_ok());
        let (xp, yp) = polys(&x, &y, (n, h), &mut rng);
        let q = quotient(&g, &xp, &yp).expect("divides");
        let z = Fr::rand(&mut rng);
        let lhs = xp.evaluate(&z) * xp.evaluate(&-z) - yp.evaluate(&(z * z));
        assert_eq!(lhs, q.evaluate(&z) * n.vanishing_at(z));
        assert_eq!(at(&g, &xp, &yp, z), lhs);
        assert!(q.degree() <= g.max_degree());

        let mut bad = y.clone();
        bad[4] += 1;
        assert_eq!(check_hadamard(&x, &bad).unwrap_err().position, 4);
        assert_eq!(generic(&g, &x, &bad).unwrap_err().position, 4);
        let (xp, yp) = polys(&x, &bad, (n, h), &mut rng);
        assert!(quotient(&g, &xp, &yp).is_none());
        // A non-zero padding value of y is caught too (x's padding rows are zero).
        let mut padded = y.clone();
        padded.extend([0, 3]);
        assert!(generic(&g, &x, &padded).is_err());
        let (xp, yp) = polys(&x, &padded, (n, h), &mut rng);
        assert!(quotient(&g, &xp, &yp).is_none());
    }

    #[test]
    fn coset_sum_the_honest_quotient_matches_the_verifier_and_a_wrong_sum_does_not_divide() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        for window in [2usize, 4] {
            let (m, n) = (Domain::new(3), Domain::new(3 + window.trailing_zeros()));
            let g = Gate::coset_sum((1, n.size()), (0, 1), &[tensor(n), tensor(m)], 6);
            let scale = 64 / window as i64;
            assert_eq!(
                g.kind,
                GateKind::CosetSum {
                    window,
                    scale: scale as u64
                }
            );
            // Blocks of 8 holding 6 values, then the zero rows the lowering adds.
            let x: Vec<i64> = (0..n.size())
                .map(|i| if i % 8 < 6 { ((i * 7 % 13) as i64) - 4 } else { 0 })
                .collect();
            let y: Vec<i64> = (0..6)
                .map(|j| scale * (0..window).map(|k| x[j + 8 * k]).sum::<i64>())
                .collect();
            assert!(check_coset_sum(&x, &y, window, scale).is_ok());
            assert!(generic(&g, &x, &y).is_ok());
            let (xp, yp) = polys(&x, &y, (n, m), &mut rng);
            let q = quotient(&g, &xp, &yp).expect("divides");
            let z = Fr::rand(&mut rng);
            let ww = Domain::new(window.trailing_zeros()).omega();
            let xs: Vec<Fr> = (0..window).map(|k| xp.evaluate(&(z * ww.pow([k as u64])))).collect();
            let y_w = yp.evaluate(&z.pow([window as u64]));
            let c = Fr::from(scale as u64);
            let lhs = c * xs.iter().sum::<Fr>() - y_w;
            assert_eq!(lhs, q.evaluate(&z) * n.vanishing_at(z));
            assert_eq!(at(&g, &xp, &yp, z), lhs);
            assert!(q.degree() <= g.max_degree());
            // The mean: y / 2^s = Σ x / w.
            assert_eq!(
                fr_from_i64(y[0]) * Fr::from(64u64).inverse().unwrap(),
                (0..window).map(|k| fr_from_i64(x[8 * k])).sum::<Fr>() * inv(window)
            );

            let mut bad = y.clone();
            bad[5] += 1;
            assert_eq!(check_coset_sum(&x, &bad, window, scale).unwrap_err().position, 5);
            assert_eq!(generic(&g, &x, &bad).unwrap_err().position, 5);
            let (xp, yp) = polys(&x, &bad, (n, m), &mut rng);
            assert!(quotient(&g, &xp, &yp).is_none());
            // A non-zero padding value of y is caught too (x's padding rows are zero).
            let mut padded = y.clone();
            padded.extend([0, 3]);
            assert!(generic(&g, &x, &padded).is_err());
            let (xp, yp) = polys(&x, &padded, (n, m), &mut rng);
            assert!(quotient(&g, &xp, &yp).is_none());
            // A sum over the wrong stride (neighbours instead of cosets) does not divide.
            let adjacent: Vec<i64> = (0..6)
                .map(|j| scale * (0..window).map(|k| x[(j * window + k) % n.size()]).sum::<i64>())
                .collect();
            if adjacent != y {
                assert!(generic(&g, &x, &adjacent).is_err());
                let (xp, yp) = polys(&x, &adjacent, (n, m), &mut rng);
                assert!(quotient(&g, &xp, &yp).is_none());
            }
        }
    }

    #[test]
    fn square_the_honest_quotient_matches_the_verifier_and_a_wrong_square_does_not_divide() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(6);
        let d = Domain::new(3);
        let g = Gate::square((1, 8), (0, 1), &[tensor(d), tensor(d)]);
        assert!(g.reads.iter().all(|rd| rd.fits(d)));
        // 5 values, then the zero padding a ReLU layer's rows leave.
        let x: Vec<i64> = vec![3, -4, 0, 7, 1, 0, 0, 0];
        let y: Vec<i64> = x[..5].iter().map(|v| v * v).collect();
        assert!(check_square(&x[..5], &y).is_ok());
        assert!(generic(&g, &x, &y).is_ok());
        let (xp, yp) = polys(&x, &y, (d, d), &mut rng);
        let q = quotient(&g, &xp, &yp).expect("divides");
        let z = Fr::rand(&mut rng);
        let lhs = xp.evaluate(&z).square() - yp.evaluate(&z);
        assert_eq!(lhs, q.evaluate(&z) * d.vanishing_at(z));
        assert_eq!(at(&g, &xp, &yp, z), lhs);
        assert!(q.degree() <= g.max_degree());

        let mut bad = y.clone();
        bad[3] = 48;
        assert_eq!(check_square(&x[..5], &bad).unwrap_err().position, 3);
        assert_eq!(generic(&g, &x, &bad).unwrap_err().position, 3);
        let (xp, yp) = polys(&x, &bad, (d, d), &mut rng);
        assert!(quotient(&g, &xp, &yp).is_none());
        // A non-zero padding value of x (a layer with f(0) ≠ 0) breaks it: y's padding is 0.
        let mut padded = x.clone();
        padded[6] = 2;
        assert!(generic(&g, &padded, &y).is_err());
        let (xp, yp) = polys(&padded, &y, (d, d), &mut rng);
        assert!(quotient(&g, &xp, &yp).is_none());
    }

    /// A read that breaks [`Read::fits`] would speak of other points than the tensor's values, or
    /// leave the blinding undivisible: a power too small for a smaller domain, a rotation of a
    /// higher order than the tensor's domain.
    #[test]
    fn the_read_rule() {
        let (d, small) = (Domain::new(4), Domain::new(3));
        let ts = [tensor(d), tensor(small)];
        assert!(Read::new(1, &ts, 2, (0, 0)).fits(d));
        assert!(!Read::new(1, &ts, 1, (0, 0)).fits(d));
        assert!(Read::new(0, &ts, 1, (4, 3)).fits(d));
        assert!(!Read::new(1, &ts, 2, (4, 3)).fits(d));
        // Positions: −X on H_16 is 8 steps on; X² on H_8 (for X ∈ H_16) is position i mod 8.
        assert!(
            !Read::new(0, &ts, 3, (0, 0)).fits(d),
            "a power that is not a power of two"
        );
        let neg = Read::new(0, &ts, 1, (4, 8));
        assert_eq!(
            (0..4).map(|i| neg.position(i, d)).collect::<Vec<_>>(),
            vec![8, 9, 10, 11]
        );
        let sq = Read::new(1, &ts, 2, (0, 0));
        assert_eq!((3..7).map(|i| sq.position(i, d)).collect::<Vec<_>>(), vec![3, 4, 5, 6]);
        // A blinded tensor read through a read that fits divides; through one that does not, not.
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
        let y = small.blinded_with(&[Fr::zero(); 8], 2, &mut rng).poly;
        assert!(d.divide_by_vanishing(&Read::new(1, &ts, 2, (0, 0)).poly(&y)).is_some());
        assert!(d.divide_by_vanishing(&Read::new(1, &ts, 1, (0, 0)).poly(&y)).is_none());
    }
}
