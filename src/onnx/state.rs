//! The lowering's state: every live tensor as affine expressions over the output of the last
//! materialised layer.
//!
//! The proof system proves a chain of dense layers `s_k = act_k(W_k·s_{k−1} + b_k)` over a flat
//! **state** vector `s`. The lowering keeps each ONNX tensor that is still needed (*live*) as one
//! affine expression of `s` per element, so a fixed linear op costs nothing but a composition of
//! expressions. A layer is materialised only at an activation (and at the end): its rows are the
//! expressions of **every** live tensor, the one being activated and the ones that must survive it
//! (a skip connection, the other candidates of a max). An activation applies to every row, so a
//! surviving tensor must pass through it unchanged:
//!
//! - through a ReLU, a tensor known to be non-negative is one row (`relu(v) = v`), and any other is
//!   two rows, `v` and `−v`, read back as `relu(v) − relu(−v) = v`;
//! - through a leaky ReLU, only a non-negative tensor survives;
//! - nothing survives a sigmoid, tanh or clip: the lowering refuses such graphs with a clear error.
//!
//! That is what lets residual `Add`s, `Concat`s of branches and `MaxPool`
//! (`max(a, b) = b + relu(a − b)`, one ReLU layer per halving of the window) run on the same two
//! blocks as an MLP.

use std::collections::BTreeMap;

use super::affine::Affine;

/// An affine expression `Σ c·s[i] + bias` over the state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Expr {
    /// `(state index, coefficient)`, each index once.
    pub terms: Vec<(usize, f64)>,
    /// The constant.
    pub bias: f64,
}

impl Expr {
    /// `s[i]`.
    pub fn unit(i: usize) -> Self {
        Self {
            terms: vec![(i, 1.0)],
            bias: 0.0,
        }
    }

    /// `Σ w·e` over `(w, e)`, plus `bias`, merged term by term.
    pub fn combine<'a>(parts: impl IntoIterator<Item = (f64, &'a Expr)>, bias: f64) -> Self {
        let mut terms: BTreeMap<usize, f64> = BTreeMap::new();
        let mut out_bias = bias;
        for (w, e) in parts {
            for (i, c) in &e.terms {
                *terms.entry(*i).or_insert(0.0) += w * c;
            }
            out_bias += w * e.bias;
        }
        Self {
            terms: terms.into_iter().filter(|(_, c)| *c != 0.0).collect(),
            bias: out_bias,
        }
    }
}

/// A tensor that later nodes still read.
#[derive(Clone, Debug, PartialEq)]
pub struct Live {
    /// Its ONNX shape.
    pub shape: Vec<usize>,
    /// One expression per element (row-major).
    pub exprs: Vec<Expr>,
    /// Every element is known to be `≥ 0` for every input (an output of a ReLU or sigmoid, or a
    /// non-negative combination of such).
    pub nonneg: bool,
}

impl Live {
    /// The output of `map` applied to this tensor. It is non-negative when this one is and `map`
    /// has no negative coefficient or bias.
    pub fn apply(&self, map: &Affine, shape: Vec<usize>) -> Live {
        let exprs = map
            .rows
            .iter()
            .zip(&map.bias)
            .map(|(row, b)| Expr::combine(row.iter().map(|(j, w)| (*w, &self.exprs[*j])), *b))
            .collect();
        let nonneg =
            self.nonneg && map.bias.iter().all(|b| *b >= 0.0) && map.rows.iter().flatten().all(|(_, w)| *w >= 0.0);
        Live { shape, exprs, nonneg }
    }
}

/// How a tensor survives a layer whose activation it must pass through unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carry {
    /// One row (`f(v) = v` for every value it takes).
    Row,
    /// Two rows `v`, `−v` (through a ReLU).
    Split,
}

/// The rows of a layer being materialised, with where each carried value lands.
#[derive(Debug, Default)]
pub struct Rows {
    /// The layer's rows, as expressions over the current state.
    pub rows: Vec<Expr>,
}

impl Rows {
    /// Add `e` as one row; its value after the layer is `s'[index]`.
    pub fn push(&mut self, e: Expr) -> usize {
        self.rows.push(e);
        self.rows.len() - 1
    }

    /// Carry `e` through the activation; returns its expression over the new state.
    pub fn carry(&mut self, e: &Expr, how: Carry) -> Expr {
        let pos = self.push(e.clone());
        match how {
            Carry::Row => Expr::unit(pos),
            Carry::Split => {
                let neg = self.push(Expr::combine([(-1.0, e)], 0.0));
                Expr::combine([(1.0, &Expr::unit(pos)), (-1.0, &Expr::unit(neg))], 0.0)
            }
        }
    }

    /// The dense weight matrix and bias over a state of `width` values.
    pub fn dense(&self, width: usize) -> (Vec<Vec<f64>>, Vec<f64>) {
        let weights = self
            .rows
            .iter()
            .map(|e| {
                let mut w = vec![0.0; width];
                e.terms.iter().for_each(|(i, c)| w[*i] += c);
                w
            })
            .collect();
        (weights, self.rows.iter().map(|e| e.bias).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_carry_reads_back_the_value_through_a_relu() {
        let mut rows = Rows::default();
        let e = Expr {
            terms: vec![(0, 2.0), (1, -1.0)],
            bias: 0.5,
        };
        let back = rows.carry(&e, Carry::Split);
        let (w, b) = rows.dense(2);
        for s in [[1.0, 5.0], [3.0, 0.0], [0.0, 0.25]] {
            let value = 2.0 * s[0] - s[1] + 0.5;
            let after: Vec<f64> = w
                .iter()
                .zip(&b)
                .map(|(r, b)| (r[0] * s[0] + r[1] * s[1] + b).max(0.0))
                .collect();
            let read: f64 = back.terms.iter().map(|(i, c)| c * after[*i]).sum::<f64>() + back.bias;
            assert_eq!(read, value);
        }
    }

    #[test]
    fn combine_merges_and_drops_cancelled_terms() {
        let a = Expr {
            terms: vec![(0, 1.0), (2, 3.0)],
            bias: 1.0,
        };
        let b = Expr {
            terms: vec![(0, 1.0), (1, 1.0)],
            bias: 0.0,
        };
        let c = Expr::combine([(1.0, &a), (-1.0, &b)], 2.0);
        assert_eq!(c.terms, vec![(1, -1.0), (2, 3.0)]);
        assert_eq!(c.bias, 3.0);
    }
}
