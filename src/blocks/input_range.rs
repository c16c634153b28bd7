//! Input-range block: every position of a private input (padding included) lies in the lookup
//! window, by LogUp into the table's identity half (`docs/protocols/lookup.md` "Private input").
//!
//! The tuple is `(0, x, x)`, compressed to `(θ + θ²)·x`; the inverse column `h = 1/(β + a)` proves
//! `h·(β + a) − 1 = 0` on `H_N₀`, lifted to `H_n` (checked at `ζ^{n/N₀}`), and adds `(N₀/n)·h` to the
//! LogUp sum. A **folded** instance ([`super::fold`]) commits no `h`: it hands the fraction
//! `(N₀/n)/(β + a)` to the running sum, which multiplies it through.
//!
//! **Padding is zero.** The input is laid out bit-reversed (value `i` at position `bitrev(i)`,
//! [`super::Tensor::bitrev`]), so its padding positions `{bitrev(i) : len ≤ i < N₀}` are the union of
//! at most `log N₀` cosets `C_t = {y : y^{m_t} = c_t}` of subgroups (a dyadic block `[a, a + m)` of
//! indices maps to a coset of the subgroup of order `m`). Their indicator on `H_N₀` has the closed form
//! `S(X) = Σ_t (m_t/N₀)·Σ_{k < N₀/m_t} (X^{m_t}/c_t)^k`, and `S(X)/Z_N₀(X) = Σ_t (m_t/N₀)·c_t/(X^{m_t} − c_t)`.
//! The block proves `x(X)·S(X) = 0` on `H_N₀` (lifted like the range identity): at `ζ' = ζ^{n/N₀}`
//! the verifier needs `x(ζ')`, already opened, and one inversion per coset. Without it a private
//! input's padding would be extra hidden inputs that a vk's (hidden) weights could read.

use super::lookup;
use super::rowsum::compose_power;
use super::{At, Block, ClaimCx, Identities, Poly, Tensor};
use crate::poly::Domain;
use crate::protocol::{inverse, AlgebraError, LayoutBuilder, Lin, PointSpec};
use crate::prover::{internal, ProveError, ProverState};
use crate::solidity::{SolBlock, SolCx};
use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};
use ark_poly::DenseUVPolynomial;
use rand::RngCore;

/// The range check of one committed tensor (and, when it is laid out bit-reversed, the check that its
/// padding is zero).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputRange {
    /// The tensor (committed).
    pub x: usize,
    /// Its domain `H_N₀`.
    pub dom: Domain,
    /// Its padding positions as cosets `(log m_t, c_t)` (empty: no padding, or not bit-reversed).
    pub padding: Vec<(u32, Fr)>,
    /// Inverse column `[h]` (round 2; unused when folded).
    pub h: usize,
    /// `x`, `h` at `ζ^{n/N₀}` (`h` unused when folded).
    pub at: [At; 2],
    /// The share is folded into the running sum ([`super::fold`]): no `[h]`, no range identity.
    pub folded: bool,
}

impl InputRange {
    /// The range check of tensor `x`.
    pub fn new(x: usize, tensors: &[Tensor]) -> Self {
        let t = &tensors[x];
        Self {
            x,
            dom: t.dom,
            padding: if t.bitrev { padding_cosets(t.len, t.dom) } else { vec![] },
            h: 0,
            at: [At::Eval(0); 2],
            folded: false,
        }
    }
}

impl Block for InputRange {
    fn describe(&self) -> String {
        format!(
            "InputRange: the private input lies in the window, on H_{}{}",
            self.dom.size(),
            if self.folded {
                ", share folded into the running sum"
            } else {
                ""
            }
        )
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
        let x_at = b.read(self.x, p);
        self.at = [x_at, if self.folded { x_at } else { At::Eval(b.open(self.h, p)) }];
    }
    fn identity_count(&self) -> usize {
        usize::from(!self.folded) + usize::from(!self.padding.is_empty())
    }
    fn identities(&self, cx: &ClaimCx<'_>, out: &mut Identities) -> Result<(), AlgebraError> {
        let [x, h] = self.at.map(|a| cx.val(a));
        let weight = Fr::from(self.dom.size() as u64) * inverse(Fr::from(cx.layout.domain.size() as u64))?;
        if self.folded {
            out.folded.push((weight, lookup::range_denominator(x, cx.ch)));
        } else {
            out.list
                .push(Lin::scalar(lookup::range_identity(x, h, cx.ch) * cx.zn_inv));
        }
        if !self.padding.is_empty() {
            // x(ζ')·S(ζ')/Z_N₀(ζ') with ζ' = ζ^{n/N₀}; Z_N₀(ζ') = Z_n(ζ), the lifted divisor.
            let lift = (cx.layout.domain.size() / self.dom.size()) as u64;
            let zeta_lift = cx.ch.zeta.pow([lift]);
            out.list.push(Lin::scalar(
                x * selector_over_vanishing(&self.padding, self.dom, zeta_lift)?,
            ));
        }
        if !self.folded {
            out.logup += weight * h;
        }
        Ok(())
    }
    fn witness(&self, st: &mut ProverState<'_>) -> Result<(), ProveError> {
        for j in 0..self.dom.size() {
            let v = st.ints(self.x).get(j).copied().unwrap_or(0);
            st.bump(0, v)?;
        }
        Ok(())
    }
    fn prove_round2(&self, st: &mut ProverState<'_>, mut rng: &mut dyn RngCore) -> Result<Vec<Poly>, ProveError> {
        let (theta, beta) = (st.theta, st.beta);
        let k = theta + theta * theta;
        let a: Vec<Fr> = st.values(self.x).iter().map(|x| k * x).collect();
        let a_poly = &st.tensor_polys[self.x] * k;
        let one = Poly {
            coeffs: vec![Fr::one()],
        };
        let lift = st.layout.domain.size() / self.dom.size();
        let mut out = vec![];
        if self.folded {
            let den = &a_poly + &Poly { coeffs: vec![beta] };
            st.add_folded(&lookup::range_shares(&a, beta), self.dom, (&one, &den));
        } else {
            let col = lookup::prove_range(self.dom, &a, beta, st.layout.blinding(self.h), &mut rng);
            let e = lookup::numerator(&col.poly, &a_poly, None, &one, beta);
            let q = self
                .dom
                .divide_by_vanishing(&e)
                .ok_or_else(|| internal("the input range identity does not vanish"))?;
            st.polys[self.h] = col.poly;
            st.add_lifted(&col.share, self.dom);
            out.push(compose_power(&q, lift));
        }
        if !self.padding.is_empty() {
            let e = &st.tensor_polys[self.x] * &selector_poly(&self.padding, self.dom);
            let q = self
                .dom
                .divide_by_vanishing(&e)
                .ok_or_else(|| internal("the input's padding is not zero"))?;
            out.push(compose_power(&q, lift));
        }
        Ok(out)
    }
    fn denominators(&self, cx: &ClaimCx<'_>) -> Vec<Fr> {
        // ζ'^{m_t} − c_t with ζ' = ζ^{n/N₀}: ζ^{2^(log(n/N₀) + log m_t)}.
        let lift_log = cx.layout.domain.log_size - self.dom.log_size;
        self.padding
            .iter()
            .map(|(mu, c)| cx.ch.zeta.pow([1u64 << (lift_log + mu)]) - c)
            .collect()
    }
    fn solidity(&self, sx: &mut SolCx<'_>) -> SolBlock {
        let n = Fr::from(sx.layout.domain.size() as u64);
        let w = Fr::from(self.dom.size() as u64) * n.inverse().unwrap_or_default();
        let mut call = if self.folded {
            format!(
                "_inputRangeFolded(st, {});",
                SolCx::args(&[sx.val(self.at[0]), SolCx::dec(w)])
            )
        } else {
            let args = [sx.val(self.at[0]), sx.val(self.at[1]), SolCx::dec(w)];
            format!("_inputRange(st, {});", SolCx::args(&args))
        };
        let mut denominators = vec![];
        if !self.padding.is_empty() {
            // Σ_t κ_t/(ζ'^{m_t} − c_t), κ_t = (m_t/N₀)·c_t, ζ'^{m_t} = zp[log(n/N₀) + log m_t].
            let at = sx.inverses(self.padding.len());
            let lift_log = sx.layout.domain.log_size - self.dom.log_size;
            let n_inv = Fr::from(self.dom.size() as u64).inverse().unwrap_or_default();
            let mut sum = String::new();
            for (t, (mu, c)) in self.padding.iter().enumerate() {
                denominators.push(format!(
                    "d[{}] = addmod(zp[{}], R - {}, R);",
                    at + t,
                    lift_log + mu,
                    SolCx::dec(*c)
                ));
                let kappa = Fr::from(1u64 << mu) * n_inv * c;
                let term = format!("mulmod({}, st.inv[{}], R)", SolCx::dec(kappa), at + t);
                sum = if t == 0 {
                    term
                } else {
                    format!("addmod({sum}, {term}, R)")
                };
            }
            call.push_str(&format!("\n        _inputPadding(st, {}, {sum});", sx.val(self.at[0])));
        }
        SolBlock {
            comment: self.describe(),
            call,
            denominators,
        }
    }
}

/// The padding positions `{bitrev(i) : len ≤ i < N₀}` of a bit-reversed tensor as cosets
/// `{y : y^m = c}`, `(log m, c)`: the index range `[len, N₀)` split into dyadic blocks `[a, a + m)`
/// (`m | a`), each of which bit reversal maps to the coset `ω^r·⟨ω^{N₀/m}⟩`, `r = bitrev(a)`, whose
/// elements satisfy `y^m = ω^{r·m}`.
pub fn padding_cosets(len: usize, dom: Domain) -> Vec<(u32, Fr)> {
    let (nn, log) = (dom.size(), dom.log_size);
    let mut out = vec![];
    let mut a = len;
    while a < nn {
        let mut mu = if a == 0 { log } else { a.trailing_zeros().min(log) };
        while a + (1usize << mu) > nn {
            mu -= 1;
        }
        let r = super::bitrev(a, log);
        out.push((mu, dom.omega().pow([(r << mu) as u64])));
        a += 1 << mu;
    }
    out
}

/// `S(X) = Σ_t (m_t/N₀)·Σ_{k < N₀/m_t} c_t^{−k}·X^{m_t·k}`: 1 on the cosets, 0 elsewhere on `H_N₀`.
pub fn selector_poly(cosets: &[(u32, Fr)], dom: Domain) -> Poly {
    let nn = dom.size();
    let n_inv = Fr::from(nn as u64).inverse().unwrap_or_default();
    let mut coeffs = vec![Fr::zero(); nn];
    for (mu, c) in cosets {
        let m = 1usize << mu;
        let w = Fr::from(m as u64) * n_inv;
        let c_inv = c.inverse().unwrap_or_default();
        let mut p = Fr::one();
        for k in 0..nn / m {
            coeffs[m * k] += w * p;
            p *= c_inv;
        }
    }
    Poly::from_coefficients_vec(coeffs)
}

/// `S(z)/Z_N₀(z) = Σ_t (m_t/N₀)·c_t/(z^{m_t} − c_t)`.
pub fn selector_over_vanishing(cosets: &[(u32, Fr)], dom: Domain, z: Fr) -> Result<Fr, AlgebraError> {
    let n_inv = inverse(Fr::from(dom.size() as u64))?;
    let mut acc = Fr::zero();
    for (mu, c) in cosets {
        let m = 1u64 << mu;
        acc += Fr::from(m) * n_inv * c * inverse(z.pow([m]) - c)?;
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::random_fr;
    use ark_poly::Polynomial;
    use rand::SeedableRng;

    /// The cosets are exactly the padding positions, the selector is their indicator, and its
    /// closed form over `Z_N₀` matches the polynomial at a random point.
    #[test]
    fn padding_cosets_are_the_padding_positions() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        for (len, log) in [(784usize, 10u32), (5, 3), (1, 3), (7, 3), (100, 7), (8, 3)] {
            let dom = Domain::new(log);
            let cosets = padding_cosets(len, dom);
            let s = selector_poly(&cosets, dom);
            let values = crate::poly::Domain::new(log);
            let w = values.omega();
            for p in 0..dom.size() {
                let padding = super::super::bitrev(p, log) >= len;
                let v = s.evaluate(&w.pow([p as u64]));
                assert_eq!(v, Fr::from(u64::from(padding)), "len {len}, position {p}");
            }
            assert!(cosets.len() <= log as usize);
            let z = random_fr(&mut rng);
            let expected = if cosets.is_empty() {
                Fr::zero()
            } else {
                s.evaluate(&z) * dom.vanishing_at(z).inverse().unwrap()
            };
            assert_eq!(selector_over_vanishing(&cosets, dom, z).unwrap(), expected);
        }
    }

    /// An input whose padding is zero satisfies x·S = 0 on H; one nonzero padding value does not.
    #[test]
    fn a_nonzero_padding_value_breaks_the_identity() {
        let dom = Domain::new(4);
        let t = Tensor {
            len: 11,
            dom,
            col: super::super::Col::Commit(0),
            source: super::super::TraceRef::Input,
            bitrev: true,
            pad: 0,
        };
        let s = selector_poly(&padding_cosets(11, dom), dom);
        let honest: Vec<Fr> = t.place(&(1..=11).map(|v| Fr::from(v as u64)).collect::<Vec<_>>());
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(4);
        let x = dom.blinded_with(&honest, 4, &mut rng).poly;
        assert!(dom.divide_by_vanishing(&(&x * &s)).is_some());
        let mut bad = honest.clone();
        bad[t.position(13)] = Fr::from(5u64);
        let x = dom.blinded_with(&bad, 4, &mut rng).poly;
        assert!(dom.divide_by_vanishing(&(&x * &s)).is_none());
    }
}
