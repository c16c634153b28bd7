//! Which lookup inverse columns are folded into the running sum.
//!
//! A lookup instance's share of the LogUp sum is a fraction `N/D` of lifted polynomials: for a layer
//! `N = (M/n)·(2β + a + b)`, `D = (β + a)·(β + b)`; for a private input `N = N₀/n`, `D = β + a`.
//! Either the prover commits the inverse column `h = 1/D` and proves `h·D − 1 = 0` (one commitment,
//! one evaluation and one identity), or the instance is **folded**: the Table block's running-sum
//! identity is multiplied through by `D` ([`super::table`]). Folding saves about 8.5k gas of
//! `verify()` and 96 bytes of proof per instance, and costs degree: each folded `D` adds its degree
//! to the running-sum identity, whose quotient the prover commits.
//!
//! The plan is a function of the model's shape alone (the vk's, at verification), so that
//! [`crate::keys::srs_len_for`] knows the SRS length before setup. An instance is folded while the
//! identity's degree stays within the larger of the degree the proof already needs (RowSum's
//! `K + 3M`, the lookups' `3n`) and the model's fold budget `2^fold_log` (`compile --fold-budget`,
//! a vk word; default [`DEFAULT_FOLD_LOG`]): folding never lengthens the SRS of a model whose
//! matrices dominate (mlp784), and small models fold everything for a quotient of a few thousand
//! coefficients. The private input's degree is always reserved, so the plan does not depend on the
//! input's visibility.

use crate::model::LayerOp;
use crate::protocol::tensor_domain;

/// The default fold budget, `log2`: folding may raise the running-sum identity's degree up to
/// `2^14` coefficients. The sample folds everything (4,680), and a lookup domain of `2^12` (digits)
/// folds nothing rather than triple its quotient and the decider's two MSMs (≈ 0.15 s of its 0.63 s
/// prove at `2^16`, for two commitments ≈ 13k gas; `docs/protocols/lookup.md`, "Folded shares").
/// A larger budget buys `verify()` gas with proving time.
pub const DEFAULT_FOLD_LOG: u32 = 14;

/// The fold budgets a model or vk may declare (`log2`): up to `2^20` coefficients, the largest
/// quotient a 2-core machine proves in seconds.
pub const FOLD_LOG_RANGE: std::ops::RangeInclusive<u32> = 10..=20;

/// The default for `model.json` files written before the budget was recorded.
pub fn default_fold_log() -> u32 {
    DEFAULT_FOLD_LOG
}

/// A tensor polynomial on `H_M` has at most this many blinding coefficients (one per revealed
/// point, `protocol::Layout::blinding`: at most six, the input of a coset sum with a window of 4,
/// [`super::gate::MAX_WINDOW`]), so degree `< M + BLIND_MAX`.
pub const BLIND_MAX: usize = 6;

/// The folding decision for a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoldPlan {
    /// Per layer: its Activation's share is folded (no `[h]`).
    pub layers: Vec<bool>,
    /// The private input's range share is folded (no `[h_in]`); false for a public input.
    pub input: bool,
    /// A bound on the degree of the running-sum quotient when anything is folded (the Table block's
    /// `max_degree`), else 0 (the quotient then stays below `3n`).
    pub degree: usize,
    /// The degree bound the proof needs without folding: `N·M + 3M + 16` for a dense layer with
    /// domains `(N, M)` (its RowSum quotient), `3n + 8` for the lookup domain, and a coset max's
    /// gate ([`super::cosetmax::quotient_degree`]).
    pub base: usize,
}

impl FoldPlan {
    /// The G1 powers the proof needs ([`crate::keys::srs_len_for`]).
    pub fn srs_len(&self) -> usize {
        self.base.max(self.degree) + 1
    }
}

/// The degree of the product of `factors` lifted tensor polynomials from `H_m` to `H_n`.
fn lifted(n: usize, m: usize, factors: usize) -> usize {
    n / m * factors * (m + BLIND_MAX - 1)
}

/// The running-sum quotient's degree: `(d·P − E)·(β + T) + m·P` over `Z_n`, with `d` of the degree
/// of the committed shares (`s`: `n + 3`; a layer's `(2β + a + b)·h`: two lifted factors; the
/// input's `h`: one; `floor`, the shares that never fold: a coset max's `h`, one) and `P` the
/// product of the folded denominators (a layer's `(β + a)(β + b)`: two lifted factors; the input's
/// `β + a`: one).
fn degree(n: usize, layers: &[(usize, bool)], input: Option<(usize, bool)>, floor: usize) -> usize {
    let shares = layers
        .iter()
        .map(|&(m, folded)| (lifted(n, m, 2), folded))
        .chain(input.map(|(m, folded)| (lifted(n, m, 1), folded)));
    let (mut committed, mut product) = ((n + 8).max(floor), 0);
    for (d, folded) in shares {
        if folded {
            product += d;
        } else {
            committed = committed.max(d);
        }
    }
    committed + product
}

/// The plan for lookup domain `n`, layers `(in_len, out_len, op)` and an input of `input_len`
/// values, folded when `hidden`, within the budget `2^fold_log`. `blocks::lower` reads the shapes
/// and budget from the vk, `keys::srs_len_for` from the model (with `hidden` set: an upper bound for
/// every visibility).
pub fn plan(n: usize, shapes: &[(usize, usize, LayerOp)], input_len: usize, hidden: bool, fold_log: u32) -> FoldPlan {
    let dom = |len: usize| tensor_domain(len).size();
    let base = shapes
        .iter()
        .filter_map(|&(i, o, op)| match op {
            // RowSum: K + 3M, K = N·M (a patch layer's rows are N taps wide).
            LayerOp::Dense | LayerOp::Patch { .. } => {
                let n = op.patch_shape().map_or(i, |p| p.width);
                Some(dom(n) * dom(o) + 3 * dom(o) + 16)
            }
            // The coset max's degree-w gate (w = 4: slightly above 3n).
            LayerOp::CosetMax { .. } => Some(super::cosetmax::quotient_degree(n, dom(i), dom(i) / dom(o)) + 8),
            _ => None,
        })
        .fold(3 * n + 8, usize::max);
    let budget = base.max(1usize << fold_log.min(*FOLD_LOG_RANGE.end()));
    // A coset max's LogUp share `(N/n)·h` is always committed (one lifted factor).
    let floor = shapes
        .iter()
        .filter(|l| matches!(l.2, LayerOp::CosetMax { .. }))
        .map(|&(i, _, _)| lifted(n, dom(i), 1))
        .max()
        .unwrap_or(0);
    let input = dom(input_len);
    // Greedy, in layer order, with the input's share reserved as folded (its worst case).
    let mut layers: Vec<(usize, bool)> = shapes.iter().map(|l| (dom(l.1), false)).collect();
    for k in 0..layers.len() {
        // A copy has no Activation (its shares are committed, and no larger than a layer's).
        if shapes[k].2.is_copy() {
            continue;
        }
        layers[k].1 = true;
        if degree(n, &layers, Some((input, true)), floor) > budget {
            layers[k].1 = false;
        }
    }
    let input_folded = hidden && degree(n, &layers, Some((input, true)), floor) <= budget;
    let any = input_folded || layers.iter().any(|l| l.1);
    FoldPlan {
        layers: layers.iter().map(|l| l.1).collect(),
        input: input_folded,
        degree: if any {
            degree(n, &layers, hidden.then_some((input, input_folded)), floor)
        } else {
            0
        },
        base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small models fold everything; a model whose matrices dominate folds within their degree; the
    /// plan never exceeds its budget and does not depend on the input's visibility.
    #[test]
    fn the_plan_folds_within_the_budget() {
        let small = plan(512, &[(4, 4, LayerOp::Dense); 2], 4, true, DEFAULT_FOLD_LOG);
        assert_eq!(small.layers, vec![true, true]);
        assert!(small.input);
        assert_eq!(small.base, 3 * 512 + 8);
        assert!(small.degree <= 1 << DEFAULT_FOLD_LOG);
        let matrices = plan(1 << 14, &[(256, 256, LayerOp::Dense); 8], 256, true, DEFAULT_FOLD_LOG);
        assert_eq!(matrices.base, (1 << 16) + 3 * 256 + 16);
        assert!(matrices.degree <= matrices.base);
        assert!(matrices.input);
        assert!(
            matrices.layers.iter().any(|f| !f),
            "eight 256-wide layers do not all fit"
        );
        let public = plan(1 << 14, &[(256, 256, LayerOp::Dense); 8], 256, false, DEFAULT_FOLD_LOG);
        assert_eq!(public.layers, matrices.layers);
        assert!(!public.input);
        let lookups = plan(
            1 << 16,
            &[(64, 64, LayerOp::Dense), (64, 16, LayerOp::Dense)],
            64,
            false,
            DEFAULT_FOLD_LOG,
        );
        assert_eq!(lookups.layers, vec![false, false], "2n + 2·2n exceeds 3n");
        assert_eq!(lookups.degree, 0, "nothing folded: the quotient stays below 3n");
        // digits' shapes on its 2^12 lookup domain: the default folds nothing, a budget of 2^16
        // folds both layers (cheaper verify(), a three times larger quotient).
        let digits = [(64, 32, LayerOp::Dense), (32, 10, LayerOp::Dense)];
        let default = plan(1 << 12, &digits, 64, false, DEFAULT_FOLD_LOG);
        assert_eq!(default.layers, vec![false, false]);
        let wide = plan(1 << 12, &digits, 64, false, 16);
        assert_eq!(wide.layers, vec![true, true]);
        assert!(wide.srs_len() > default.srs_len() && wide.degree <= 1 << 16);
    }
}
