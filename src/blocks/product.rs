//! Product block (a Hadamard gate): `y_i = x_i · x_{h+i}`, the element-wise product of the two
//! halves of a committed tensor, for `Mul` of two activations (`docs/protocols/product.md`).
//!
//! **Layout.** `x` fills its whole domain `H_N`, `N = 2h` (the lowering pads each half to `h`), and
//! `y` lives on `H_h`. Since `ω_N^{h} = −1`, value `x_{h+i}` sits at `−ω_N^i`, and `ω_N^{2i} = ω_h^i`
//! is where `y_i` sits. So one identity on `H_N` says it all:
//!
//! ```text
//! (P)  x(X)·x(−X) − y(X²) = 0   on H_N
//! ```
//!
//! At `X = ω_N^i` it reads `x_i·x_{i+h} = y_i` (and the same again for `i ≥ h`). Blinding keeps it
//! divisible: `Z_N(−X) = Z_N(X)` (`N` even) and `Z_h(X²) = Z_N(X)`.
//!
//! **Lifted**, like the lookups: checked at `ζ' = ζ^{n/N}` and divided by `Z_n(ζ) = Z_N(ζ')`, so it
//! costs no inversion of its own. `x(ζ')` and `y(ζ'²) = y(ζ^{n/h})` are the very evaluations the
//! two Activation instances around it read, so the block adds ONE evaluation, `x(−ζ')`, no
//! commitment and no vk point. Its output `y` is the accumulator of an Activation (rescale by
//! `2^s`, then the layer's function), exactly as a RowSum's output is.

use super::rowsum::compose_power;
use super::{At, Block, ClaimCx, Identities, Poly, Tensor};
use crate::poly::Domain;
use crate::protocol::{AlgebraError, LayoutBuilder, Lin, PointSpec};
use crate::prover::{internal, ProveError, ProverState};
use crate::solidity::{SolBlock, SolCx};
use ark_bn254::Fr;
use ark_poly::DenseUVPolynomial;
use rand::RngCore;

/// One Product instance: layer `layer`'s `y = x[..h] ⊙ x[h..]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    /// The product layer (comments only).
    pub layer: usize,
    /// Input tensor (committed, on `H_N`, `N = 2h`).
    pub x: usize,
    /// Output tensor (committed, on `H_h`).
    pub y: usize,
    /// `H_N`.
    pub dom: Domain,
    /// `x(ζ')`, `x(−ζ')`, `y(ζ'²)` with `ζ' = ζ^{n/N}`.
    pub at: [At; 3],
}

impl Product {
    /// Layer `layer`'s product from tensor `x` to tensor `y` (`x`'s domain twice `y`'s).
    pub fn new(layer: usize, x: usize, y: usize, tensors: &[Tensor]) -> Self {
        Self {
            layer,
            x,
            y,
            dom: tensors[x].dom,
            at: [At::Eval(0); 3],
        }
    }
}

/// Verifier: `(x(ζ')·x(−ζ') − y(ζ'²)) / Z_n(ζ)`.
pub fn identity(x: Fr, x_neg: Fr, y_sq: Fr, zn_inv: Fr) -> Fr {
    (x * x_neg - y_sq) * zn_inv
}

/// Prover: `(x(X)·x(−X) − y(X²)) / Z_N(X)`, `None` if it does not divide (a wrong witness).
pub fn quotient(dom: Domain, x: &Poly, y: &Poly) -> Option<Poly> {
    let x_neg = Poly::from_coefficients_vec(
        x.coeffs
            .iter()
            .enumerate()
            .map(|(i, c)| if i % 2 == 1 { -*c } else { *c })
            .collect(),
    );
    let e = &(x * &x_neg) - &compose_power(y, 2);
    dom.divide_by_vanishing(&e)
}

/// The statement on integers: `y_i = x_i · x_{h+i}` for every `i < y.len()`.
pub fn check(x: &[i64], y: &[i64]) -> Result<(), super::Violation> {
    let h = x.len() / 2;
    for (i, v) in y.iter().enumerate() {
        let (a, b) = (x.get(i).copied().unwrap_or(0), x.get(h + i).copied().unwrap_or(0));
        if a.checked_mul(b) != Some(*v) {
            return Err(super::Violation {
                position: i,
                reason: format!("{a} · {b} ≠ {v}"),
            });
        }
    }
    Ok(())
}

impl Block for Product {
    fn describe(&self) -> String {
        format!(
            "Product, layer {}: y = x[..{h}] ⊙ x[{h}..] on H_{}",
            self.layer,
            self.dom.size(),
            h = self.dom.size() / 2
        )
    }
    fn domains(&self) -> Vec<Domain> {
        vec![self.dom]
    }
    fn max_degree(&self) -> usize {
        // The quotient has degree N + 2b − 2 for x with b blinding coefficients, lifted by n/N:
        // n + (2b − 2)·n/N < 3n for N ≥ 16 and b ≤ 8, the lookup domain's bound.
        0
    }
    fn alloc_openings(&mut self, b: &mut LayoutBuilder) {
        let lift = (b.domain.size() / self.dom.size()) as u64;
        let p = b.point(PointSpec::new(lift, 0, 0));
        let p_neg = b.point(PointSpec::new(lift, self.dom.log_size, self.dom.size() as u64 / 2));
        let p_sq = b.point(PointSpec::new(2 * lift, 0, 0));
        self.at = [b.read(self.x, p), b.read(self.x, p_neg), b.read(self.y, p_sq)];
    }
    fn identity_count(&self) -> usize {
        1
    }
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError> {
        let [x, x_neg, y_sq] = self.at.map(|a| cx.val(a));
        out.list.push(Lin::scalar(identity(x, x_neg, y_sq, cx.zn_inv)));
        Ok(())
    }
    fn prove_round2(&self, st: &mut ProverState<'_>, _rng: &mut dyn RngCore) -> Result<Vec<Poly>, ProveError> {
        let q = quotient(self.dom, &st.tensor_polys[self.x], &st.tensor_polys[self.y])
            .ok_or_else(|| internal("a product identity does not vanish"))?;
        Ok(vec![compose_power(&q, st.layout.domain.size() / self.dom.size())])
    }
    fn solidity(&self, sx: &mut SolCx<'_>) -> SolBlock {
        let args: Vec<String> = self.at.iter().map(|a| sx.val(*a)).collect();
        SolBlock {
            comment: self.describe(),
            call: format!("_product(st, {});", SolCx::args(&args)),
            denominators: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fr_from_i64;
    use ark_ff::{UniformRand, Zero};
    use ark_poly::Polynomial;
    use rand::SeedableRng;

    fn polys(x: &[i64], y: &[i64], n: Domain, h: Domain, rng: &mut rand_chacha::ChaCha20Rng) -> (Poly, Poly) {
        let vals = |v: &[i64], d: Domain| {
            let mut out: Vec<Fr> = v.iter().map(|a| fr_from_i64(*a)).collect();
            out.resize(d.size(), Fr::zero());
            out
        };
        (
            n.blinded_with(&vals(x, n), 3, rng).poly,
            h.blinded_with(&vals(y, h), 2, rng).poly,
        )
    }

    #[test]
    fn the_honest_quotient_matches_the_verifier_and_a_wrong_product_does_not_divide() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let (n, h) = (Domain::new(4), Domain::new(3));
        // Two halves of 8, each holding 6 values then the zero padding rows the lowering adds.
        let x: Vec<i64> = (0..16).map(|i| if i % 8 < 6 { (i * 7 % 11) - 5 } else { 0 }).collect();
        let y: Vec<i64> = (0..6).map(|i| x[i] * x[8 + i]).collect();
        assert!(check(&x, &y).is_ok());
        let (xp, yp) = polys(&x, &y, n, h, &mut rng);
        let q = quotient(n, &xp, &yp).expect("divides");
        let z = Fr::rand(&mut rng);
        let lhs = xp.evaluate(&z) * xp.evaluate(&-z) - yp.evaluate(&(z * z));
        assert_eq!(lhs, q.evaluate(&z) * n.vanishing_at(z));
        assert_eq!(
            identity(xp.evaluate(&z), xp.evaluate(&-z), yp.evaluate(&(z * z)), Fr::from(1u64)),
            lhs
        );

        let mut bad = y.clone();
        bad[4] += 1;
        assert_eq!(check(&x, &bad).unwrap_err().position, 4);
        let (xp, yp) = polys(&x, &bad, n, h, &mut rng);
        assert!(quotient(n, &xp, &yp).is_none());
        // A non-zero padding value of y is caught too (x's padding rows are zero).
        let mut padded = y.clone();
        padded.extend([0, 3]);
        let (xp, yp) = polys(&x, &padded, n, h, &mut rng);
        assert!(quotient(n, &xp, &yp).is_none());
    }
}
