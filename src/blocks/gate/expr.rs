//! A gate's identity: a polynomial expression over its reads ([`super::Read`]) and integer
//! constants, written once and used four ways, so that the prover, the Rust verifier, the Solidity
//! verifier and the integer check cannot disagree on what it says:
//!
//! - [`Expr::eval`]: the verifier's value at `ζ`, from the reads' evaluations;
//! - [`Expr::poly`]: the prover's polynomial `E(X)`, from the reads' polynomials;
//! - [`Expr::solidity`]: the same value as one Solidity expression (`addmod`/`mulmod`);
//! - [`Expr::eval_int`]: the statement on integers, at one point of the gate's domain.
//!
//! Build expressions with the operators: `r(0) * r(1) - r(2)`, `c(4) * (r(0) + r(1))`.

use crate::field::fr_from_i64;
use ark_bn254::Fr;
use ark_poly::univariate::DensePolynomial;
use ark_poly::DenseUVPolynomial;
use std::ops::{Add, Mul, Sub};

/// A polynomial over a gate's reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// The gate's read `i` (a tensor at a rotation and power map of `X`).
    Read(usize),
    /// An integer constant.
    Const(i64),
    /// `a + b`.
    Add(Box<Expr>, Box<Expr>),
    /// `a − b`.
    Sub(Box<Expr>, Box<Expr>),
    /// `a · b`.
    Mul(Box<Expr>, Box<Expr>),
}

/// Read `i`.
pub fn r(i: usize) -> Expr {
    Expr::Read(i)
}

/// The constant `v`.
pub fn c(v: i64) -> Expr {
    Expr::Const(v)
}

impl Add for Expr {
    type Output = Expr;
    fn add(self, o: Expr) -> Expr {
        Expr::Add(Box::new(self), Box::new(o))
    }
}

impl Sub for Expr {
    type Output = Expr;
    fn sub(self, o: Expr) -> Expr {
        Expr::Sub(Box::new(self), Box::new(o))
    }
}

impl Mul for Expr {
    type Output = Expr;
    fn mul(self, o: Expr) -> Expr {
        Expr::Mul(Box::new(self), Box::new(o))
    }
}

impl Expr {
    /// The sum of `terms` (zero if there are none).
    pub fn sum(terms: impl IntoIterator<Item = Expr>) -> Expr {
        terms.into_iter().reduce(|a, b| a + b).unwrap_or(Expr::Const(0))
    }

    /// Every read index it uses, in order of first use.
    pub fn reads(&self) -> Vec<usize> {
        let mut out = vec![];
        self.visit(&mut |e| {
            if let Expr::Read(i) = e {
                if !out.contains(i) {
                    out.push(*i);
                }
            }
        });
        out
    }

    fn visit(&self, f: &mut impl FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) => {
                a.visit(f);
                b.visit(f);
            }
            Expr::Read(_) | Expr::Const(_) => {}
        }
    }

    /// Its value for the reads' values `vals`.
    pub fn eval(&self, vals: &[Fr]) -> Fr {
        match self {
            Expr::Read(i) => vals[*i],
            Expr::Const(v) => fr_from_i64(*v),
            Expr::Add(a, b) => a.eval(vals) + b.eval(vals),
            Expr::Sub(a, b) => a.eval(vals) - b.eval(vals),
            Expr::Mul(a, b) => a.eval(vals) * b.eval(vals),
        }
    }

    /// Its value on integers, `None` on overflow (the integer statement, [`super::Gate::check`]).
    pub fn eval_int(&self, vals: &[i64]) -> Option<i128> {
        Some(match self {
            Expr::Read(i) => i128::from(vals[*i]),
            Expr::Const(v) => i128::from(*v),
            Expr::Add(a, b) => a.eval_int(vals)?.checked_add(b.eval_int(vals)?)?,
            Expr::Sub(a, b) => a.eval_int(vals)?.checked_sub(b.eval_int(vals)?)?,
            Expr::Mul(a, b) => a.eval_int(vals)?.checked_mul(b.eval_int(vals)?)?,
        })
    }

    /// The polynomial `E(X)` for the reads' polynomials `polys` (a product by a constant is a
    /// scaling, any other product one FFT multiplication).
    pub fn poly(&self, polys: &[DensePolynomial<Fr>]) -> DensePolynomial<Fr> {
        match self {
            Expr::Read(i) => polys[*i].clone(),
            Expr::Const(v) => DensePolynomial::from_coefficients_vec(vec![fr_from_i64(*v)]),
            Expr::Add(a, b) => &a.poly(polys) + &b.poly(polys),
            Expr::Sub(a, b) => &a.poly(polys) - &b.poly(polys),
            Expr::Mul(a, b) => match (&**a, &**b) {
                (Expr::Const(v), e) | (e, Expr::Const(v)) => &e.poly(polys) * fr_from_i64(*v),
                _ => &a.poly(polys) * &b.poly(polys),
            },
        }
    }

    /// An upper bound on `deg E` when read `i` has degree at most `degrees[i]`.
    pub fn degree(&self, degrees: &[usize]) -> usize {
        match self {
            Expr::Read(i) => degrees[*i],
            Expr::Const(_) => 0,
            Expr::Add(a, b) | Expr::Sub(a, b) => a.degree(degrees).max(b.degree(degrees)),
            Expr::Mul(a, b) => a.degree(degrees) + b.degree(degrees),
        }
    }

    /// Its degree as a polynomial in the reads (1: linear).
    pub fn arity(&self) -> usize {
        match self {
            Expr::Read(_) => 1,
            Expr::Const(_) => 0,
            Expr::Add(a, b) | Expr::Sub(a, b) => a.arity().max(b.arity()),
            Expr::Mul(a, b) => a.arity() + b.arity(),
        }
    }

    /// The same value as a Solidity expression reduced modulo `R`, with read `i` written
    /// `vals[i]` (a proof evaluation or a public one, both below `R`). A subtraction is
    /// `addmod(a, R − b, R)`, so `b` must be below `R`: every operand is a read, a constant below
    /// `R` or an `addmod`/`mulmod`.
    pub fn solidity(&self, vals: &[String]) -> String {
        match self {
            Expr::Read(i) => vals[*i].clone(),
            Expr::Const(v) if *v >= 0 => v.to_string(),
            Expr::Const(v) => format!("(R - {})", v.unsigned_abs()),
            Expr::Add(a, b) => format!("addmod({}, {}, R)", a.solidity(vals), b.solidity(vals)),
            Expr::Sub(a, b) => format!("addmod({}, R - {}, R)", a.solidity(vals), b.solidity(vals)),
            Expr::Mul(a, b) => format!("mulmod({}, {}, R)", a.solidity(vals), b.solidity(vals)),
        }
    }
}

impl std::fmt::Display for Expr {
    /// Reads as `r0`, `r1`, …, fully parenthesised products of sums.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let paren = |e: &Expr| match e {
            Expr::Add(..) | Expr::Sub(..) => format!("({e})"),
            _ => e.to_string(),
        };
        match self {
            Expr::Read(i) => write!(f, "r{i}"),
            Expr::Const(v) => write!(f, "{v}"),
            Expr::Add(a, b) => write!(f, "{a} + {b}"),
            Expr::Sub(a, b) => write!(f, "{a} − {}", paren(b)),
            Expr::Mul(a, b) => write!(f, "{}·{}", paren(a), paren(b)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_poly::Polynomial;
    use rand::SeedableRng;

    /// The four readings of one expression agree: the polynomial at a point is the value of the
    /// reads' values there, the integer value is the field value of the integers, and the degree
    /// bound holds.
    #[test]
    fn every_reading_of_an_expression_agrees() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let e = r(0) * r(1) - c(-3) * (r(2) + r(0)) - c(7);
        assert_eq!(e.reads(), vec![0, 1, 2]);
        assert_eq!(e.arity(), 2);
        assert_eq!(e.to_string(), "r0·r1 − -3·(r2 + r0) − 7");
        let polys: Vec<DensePolynomial<Fr>> = (0..3).map(|i| DensePolynomial::rand(4 + i, &mut rng)).collect();
        let z = Fr::rand(&mut rng);
        let vals: Vec<Fr> = polys.iter().map(|p| p.evaluate(&z)).collect();
        let p = e.poly(&polys);
        assert_eq!(p.evaluate(&z), e.eval(&vals));
        assert!(p.degree() <= e.degree(&[4, 5, 6]));
        let ints = [5i64, -6, 11];
        let want = 5 * -6 + 3 * (11 + 5) - 7;
        assert_eq!(e.eval_int(&ints), Some(i128::from(want)));
        let as_fr: Vec<Fr> = ints.iter().map(|v| fr_from_i64(*v)).collect();
        assert_eq!(e.eval(&as_fr), fr_from_i64(want));
        assert_eq!(
            e.solidity(&["a".into(), "b".into(), "d".into()]),
            "addmod(addmod(mulmod(a, b, R), R - mulmod((R - 3), addmod(d, a, R), R), R), R - 7, R)"
        );
        assert_eq!(Expr::sum([]), c(0));
        assert_eq!((c(i64::MAX) * c(i64::MAX) * c(i64::MAX)).eval_int(&[]), None);
    }
}
