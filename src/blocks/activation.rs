//! Activation block: rescale `y` to `q = round(y / 2^s)` and apply the activation `z = act(q)`, by
//! LogUp into the vk's table (`docs/protocols/lookup.md`; the shared LogUp algebra is in
//! [`super::lookup`]).
//!
//! Every position `j` of the output domain `H_M` looks up two tuples, `a_j = (kind_j, q_j, z_j)` and
//! `b_j = (1, c·r_j, c·r_j)` with `r = y + 2^(s−1) − 2^s·q` and `c = 2^(B−1−s)`. With the inverse
//! column `h = 1/((β+a)(β+b))` (round 2) the block proves `h·(β+a)·(β+b) − 1 = 0` on `H_M`, lifted to
//! the lookup domain `H_n` by `X ↦ X^{n/M}` (so it is checked at `ζ^{n/M}` and divided by
//! `Z_n(ζ)`), and adds `(M/n)·(2β + a + b)·h` to the LogUp sum ([`super::table`]). A **folded**
//! instance ([`super::fold`]) commits no `h` and proves no identity of its own: it hands the
//! fraction `(M/n)·(2β + a + b) / ((β + a)·(β + b))` to the running sum, which multiplies it through.
//!
//! `kind_j` is the layer's function, or, on a **mixed** layer ([`crate::model::DenseLayer::mixed`]),
//! the function at even `j` and the identity at odd `j`: the public polynomial
//! `κ(X) = (A + I)/2 + (A − I)/2·X^{M/2}` (`X^{M/2} = ±1` on `H_M` by the parity of `j`), which the
//! verifier evaluates at `ζ^{n/M}` as `(A + I)/2 + (A − I)/2·ζ^{n/2}`.
//!
//! A **wide** instance (the last layer with the identity, [`crate::model::wide_output`]) looks up
//! only `b_j`: its `q` is the public output, which the verifier range-checks as a 64-bit integer
//! (`docs/protocols/lookup.md#wide-outputs`). Its identity is `h·(β+b) − 1` with `h = 1/(β+b)`,
//! its share `(M/n)·h`, and folded, the fraction `(M/n)/(β+b)`.

use super::lookup::{self, LookupEvals};
use super::rowsum::compose_power;
use super::{At, Block, ClaimCx, Col, Identities, Poly, Tensor};
use crate::field::fr_from_i64;
use crate::lookup_table::{periodic_at, periodic_coefficients};
use crate::poly::Domain;
use crate::protocol::{inverse, AlgebraError, LayoutBuilder, Lin, PointSpec};
use crate::prover::{internal, ProveError, ProverState};
use crate::solidity::{SolBlock, SolCx};
use ark_bn254::Fr;
use ark_ff::{Field, One};
use rand::RngCore;

/// One activation instance: tensors `y → q, z` of layer `layer` on `H_M`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivationLookup {
    /// The dense layer (comments only).
    pub layer: usize,
    /// The table kind of the activation ([`crate::lookup_table::LookupTable::kind`]).
    pub kind: u8,
    /// A mixed layer: the kind of its odd positions (the identity's).
    pub odd_kind: Option<u8>,
    /// The activation (comments only).
    pub function: crate::model::Activation,
    /// Tensors `y` (the affine output), `q` (rescaled), `z` (activation output; `z = q` for the
    /// identity).
    pub tensors: [usize; 3],
    /// `H_M`.
    pub dom: Domain,
    /// Inverse column `[h]` (round 2; unused when folded).
    pub h: usize,
    /// `y`, `q`, `z`, `h` at `ζ^{n/M}` (`h` unused when folded).
    pub at: [At; 4],
    /// The share is folded into the running sum ([`super::fold`]): no `[h]`, no identity of its own.
    pub folded: bool,
    /// A wide output ([`crate::model::wide_output`]): only the remainder tuple `b` is looked up.
    pub wide: bool,
}

impl ActivationLookup {
    /// The instance for layer `layer` with tensors `[y, q, z]`.
    pub fn new(
        layer: usize,
        (kind, function): (u8, crate::model::Activation),
        tensors: [usize; 3],
        all: &[Tensor],
    ) -> Self {
        Self {
            layer,
            kind,
            odd_kind: None,
            function,
            tensors,
            dom: all[tensors[0]].dom,
            h: 0,
            at: [At::Eval(0); 4],
            folded: false,
            wide: false,
        }
    }
    /// The kind looked up at position `j`.
    pub fn kind_at(&self, j: usize) -> u8 {
        match self.odd_kind {
            Some(odd) if j % 2 == 1 => odd,
            _ => self.kind,
        }
    }
    /// The kind column's coefficients in `X^{M/P}` ([`periodic_coefficients`] of the pattern
    /// `[kind]`, or `[kind, odd_kind]` for a mixed layer: `((A + I)/2, (A − I)/2)`).
    pub fn kind_coefficients(&self) -> Vec<Fr> {
        let pattern: Vec<Fr> = std::iter::once(self.kind).chain(self.odd_kind).map(Fr::from).collect();
        periodic_coefficients(&pattern, self.dom)
    }
    /// The kind column `κ` as a polynomial on `H_M`.
    pub fn kind_column(&self) -> Poly {
        let c = self.kind_coefficients();
        let step = self.dom.size() / c.len();
        let mut coeffs = vec![Fr::from(0u64); step * (c.len() - 1) + 1];
        for (l, v) in c.into_iter().enumerate() {
            coeffs[l * step] = v;
        }
        Poly { coeffs }
    }
    /// `κ(ζ^{n/M})` for the lookup domain `n`.
    pub fn kind_value(&self, zeta: Fr, n: Domain) -> Fr {
        let lifted = zeta.pow([(n.size() / self.dom.size()) as u64]);
        periodic_at(&self.kind_coefficients(), self.dom, lifted)
    }
    /// `M/n`: the weight of a share tiled `n/M` times on `H_n`.
    fn weight(&self, n: Domain) -> Fr {
        Fr::from(self.dom.size() as u64) * Fr::from(n.size() as u64).inverse().unwrap_or_default()
    }
}

impl Block for ActivationLookup {
    fn describe(&self) -> String {
        format!(
            "Activation, layer {}: rescale and {}{} by lookup on H_{}{}",
            self.layer,
            self.function.name(),
            if self.odd_kind.is_some() {
                " (even rows; odd rows identity)"
            } else {
                ""
            },
            self.dom.size(),
            if self.folded {
                ", share folded into the running sum"
            } else {
                ""
            }
        ) + if self.wide {
            " (wide output: remainder only; the verifier range-checks the output)"
        } else {
            ""
        }
    }
    fn domains(&self) -> Vec<Domain> {
        vec![self.dom]
    }
    fn max_degree(&self) -> usize {
        0 // lifted: below 3n, the lookup domain's bound
    }
    fn alloc_round2(&mut self, b: &mut LayoutBuilder) {
        if !self.folded {
            self.h = b.commit(self.dom);
        }
    }
    fn alloc_openings(&mut self, b: &mut LayoutBuilder) {
        let p = b.point(PointSpec::new((b.domain.size() / self.dom.size()) as u64, 0, 0));
        let [y, q, z] = self.tensors;
        let (y_at, q_at) = (b.read(y, p), b.read(q, p));
        let z_at = if z == q { q_at } else { b.read(z, p) };
        let h_at = if self.folded { q_at } else { At::Eval(b.open(self.h, p)) };
        self.at = [y_at, q_at, z_at, h_at];
        // The lifted identity `h·(β + a)(β + b)` over `Z_n` stays below `3n` while the blinding
        // counts `b_h + max(b_y, b_q) + max(b_q, b_z) − 3 ≤ M`: on `H_8`, a group's extra points may
        // raise `h`, `q`, `z` to 3 (with `y`'s 4: 7 ≤ 8). From `M = 16` on, the general cap of 4
        // keeps it (9 ≤ 16). A folded share's degree is bounded by the fold plan instead.
        if !self.folded && self.dom.size() < 16 {
            b.cap_blinding(self.h, 3);
            for t in [q, z] {
                if let Col::Commit(c) = b.tensors[t].col {
                    b.cap_blinding(c, 3);
                }
            }
        }
    }
    fn identity_count(&self) -> usize {
        usize::from(!self.folded)
    }
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError> {
        let [y, q, z, h] = self.at.map(|a| cx.val(a));
        if self.wide {
            let w = self.weight(cx.layout.domain);
            let den = cx.ch.beta + lookup::wide_tuple(cx.vk, (y, q), cx.ch);
            if self.folded {
                out.folded.push((w, den));
            } else {
                out.list.push(Lin::scalar((h * den - Fr::one()) * cx.zn_inv));
                out.logup += w * h;
            }
            return Ok(());
        }
        let kind = self.kind_value(cx.ch.zeta, cx.layout.domain);
        if self.folded {
            let (num, den) = lookup::fraction(cx.vk, kind, (y, q, z), cx.ch);
            out.folded.push((self.weight(cx.layout.domain) * num, den));
            return Ok(());
        }
        let e = LookupEvals { y, q, z, h };
        out.list
            .push(Lin::scalar(lookup::identity(cx.vk, kind, &e, cx.ch) * cx.zn_inv));
        let n = Fr::from(cx.layout.domain.size() as u64);
        out.logup += Fr::from(self.dom.size() as u64) * inverse(n)? * lookup::sum_share(cx.vk, kind, &e, cx.ch);
        Ok(())
    }
    fn witness(&self, st: &mut ProverState<'_>) -> Result<(), ProveError> {
        let (s, b_bits) = (st.pk.model.scale_bits, st.pk.model.lookup_bits);
        let c = lookup::remainder_scale(s, b_bits);
        let [y, q, _] = self.tensors;
        // Padding positions look up (kind, 0, f(0)) and the remainder 2^(s−1), both table rows.
        for j in 0..self.dom.size() {
            let (a, qj) = (
                st.ints(y).get(j).copied().unwrap_or(0),
                st.ints(q).get(j).copied().unwrap_or(0),
            );
            if !self.wide {
                st.bump(self.kind_at(j), qj)?;
            }
            let r = match st.forged {
                Some((index, _, r)) if self.wide && j == index => r, // soundness tests only
                _ => a + (1i64 << (s - 1)) - (qj << s),
            };
            st.bump(1, c * r)?;
        }
        Ok(())
    }
    fn prove_round2(&self, st: &mut ProverState<'_>, mut rng: &mut dyn RngCore) -> Result<Vec<Poly>, ProveError> {
        let (s, b_bits) = (st.pk.model.scale_bits, st.pk.model.lookup_bits);
        let (theta, beta) = (st.theta, st.beta);
        let th2 = theta * theta;
        let kappa = (theta + th2) * fr_from_i64(lookup::remainder_scale(s, b_bits));
        let (half, two_s) = (fr_from_i64(1 << (s - 1)), fr_from_i64(1 << s));
        let [y, q, z] = self.tensors;
        let (yv, qv) = (st.values(y), st.values(q));
        let b: Vec<Fr> = yv
            .iter()
            .zip(&qv)
            .map(|(y, q)| Fr::one() + kappa * (*y + half - two_s * q))
            .collect();
        let (y_poly, q_poly, z_poly) = (&st.tensor_polys[y], &st.tensor_polys[q], &st.tensor_polys[z]);
        let constant = |c: Fr| Poly { coeffs: vec![c] };
        let b_poly = &(&(y_poly - &(q_poly * two_s)) * kappa) + &constant(Fr::one() + kappa * half);
        if self.wide {
            let den = &b_poly + &constant(beta);
            if self.folded {
                let share = lookup::range_shares(&b, beta);
                st.add_folded(&share, self.dom, (&constant(Fr::one()), &den));
                return Ok(vec![]);
            }
            let col = lookup::prove_range(self.dom, &b, beta, st.layout.blinding(self.h), &mut rng);
            let e = lookup::numerator(&col.poly, &b_poly, None, &constant(Fr::one()), beta);
            let qm = self
                .dom
                .divide_by_vanishing(&e)
                .ok_or_else(|| internal("a wide output's lookup identity does not vanish"))?;
            st.polys[self.h] = col.poly;
            st.add_lifted(&col.share, self.dom);
            return Ok(vec![compose_power(&qm, st.layout.domain.size() / self.dom.size())]);
        }
        let a: Vec<Fr> = qv
            .iter()
            .zip(&st.values(z))
            .enumerate()
            .map(|(j, (q, z))| lookup::compress(theta, Fr::from(self.kind_at(j)), *q, *z))
            .collect();
        let a_poly = &(&(q_poly * theta) + &(z_poly * th2)) + &self.kind_column();
        let ab_poly = &(&a_poly + &b_poly) + &constant(beta + beta);
        if self.folded {
            let (_, share) = lookup::layer_shares((&a, &b), beta);
            let den = &(&a_poly + &constant(beta)) * &(&b_poly + &constant(beta));
            st.add_folded(&share, self.dom, (&ab_poly, &den));
            return Ok(vec![]);
        }
        let blinding = st.layout.blinding(self.h);
        let col = lookup::prove_layer(self.dom, (&a, &b), &ab_poly, beta, blinding, &mut rng);
        let e = lookup::numerator(&col.poly, &a_poly, Some(&b_poly), &constant(Fr::one()), beta);
        let qm = self
            .dom
            .divide_by_vanishing(&e)
            .ok_or_else(|| internal("a lookup identity does not vanish"))?;
        st.polys[self.h] = col.poly;
        st.add_lifted(&col.share, self.dom);
        Ok(vec![compose_power(&qm, st.layout.domain.size() / self.dom.size())])
    }
    fn solidity(&self, sx: &mut SolCx<'_>) -> SolBlock {
        if self.wide {
            // [y, q, h?, M/n]: q is the public output's value at ζ^(n/M).
            let mut args: Vec<String> = [self.at[0], self.at[1]].iter().map(|a| sx.val(*a)).collect();
            if !self.folded {
                args.push(sx.val(self.at[3]));
            }
            args.push(SolCx::dec(self.weight(sx.layout.domain)));
            let function = if self.folded {
                "_activationWideFolded"
            } else {
                "_activationWide"
            };
            return SolBlock {
                comment: self.describe(),
                call: format!("{function}(st, {});", SolCx::args(&args)),
                denominators: vec![],
            };
        }
        let shown = if self.folded { 3 } else { 4 };
        let mut args: Vec<String> = self.at[..shown].iter().map(|a| sx.val(*a)).collect();
        let kind = match self.odd_kind {
            None => self.kind.to_string(),
            // κ(ζ^{n/M}) = c₀ + c₁·ζ^{n/2}.
            Some(_) => {
                let c = self.kind_coefficients();
                let at = |l: usize| SolCx::dec(c.get(l).copied().unwrap_or_default());
                format!(
                    "addmod({}, mulmod({}, st.zp[{}], R), R)",
                    at(0),
                    at(1),
                    sx.layout.domain.log_size - 1
                )
            }
        };
        args.extend([kind, SolCx::dec(self.weight(sx.layout.domain))]);
        let function = if self.folded {
            "_activationFolded"
        } else {
            "_activation"
        };
        SolBlock {
            comment: self.describe(),
            call: format!("{function}(st, {});", SolCx::args(&args)),
            denominators: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_poly::Polynomial;
    use rand::SeedableRng;

    /// The kind column of a mixed layer: `κ(ω_M^j)` is the function's kind at even `j` and the
    /// identity's at odd `j`, and the verifier's `κ(ζ^{n/M}) = c₀ + c₁·ζ^{n/2}` is the prover's
    /// polynomial at the lifted point.
    #[test]
    fn the_mixed_kind_column_alternates_and_the_verifier_evaluates_it() {
        let dom = Domain::new(3);
        let n = Domain::new(6);
        let mut act = ActivationLookup {
            layer: 0,
            kind: 2,
            odd_kind: Some(0),
            function: crate::model::Activation::Sigmoid,
            tensors: [0, 1, 2],
            dom,
            h: 0,
            at: [At::Eval(0); 4],
            folded: false,
            wide: false,
        };
        let half = Fr::from(2u64).inverse().unwrap();
        assert_eq!(
            act.kind_coefficients(),
            vec![Fr::from(2u64) * half, Fr::from(2u64) * half]
        );
        let kind = act.kind_column();
        for j in 0..dom.size() {
            let w = dom.omega().pow([j as u64]);
            assert_eq!(kind.evaluate(&w), Fr::from(act.kind_at(j)), "position {j}");
        }
        let zeta = Fr::rand(&mut rand_chacha::ChaCha20Rng::seed_from_u64(9));
        let lifted = zeta.pow([(n.size() / dom.size()) as u64]);
        assert_eq!(act.kind_value(zeta, n), kind.evaluate(&lifted));
        act.odd_kind = None;
        assert_eq!(act.kind_value(zeta, n), Fr::from(2u64));
    }
}
