//! Lookup block: rescale and activation by LogUp (Haböck 2022) into the vk's fixed table
//! (`docs/protocols/lookup.md`).
//!
//! Table rows `(kind, v, f_kind(v))` for `kind ∈ {0: identity, 1: relu, 2…: the model's other
//! activations}` and `v ∈ [−2^(B−1), 2^(B−1))`, `|T| = K·2^B` for `K` kind slots
//! ([`LookupTable`]), committed column by column in the vk. Per layer, with `acc = y + b` and
//! `c = 2^(B−1−s)`, every position `j` of the output domain looks up two tuples:
//!
//! ```text
//! a_j = (kind, q_j, z_j)          z = act(q), q in the window
//! b_j = (1, c·r_j, c·r_j)         r = acc + 2^(s−1) − 2^s·q,  so  0 ≤ c·r < 2^(B−1)  ⇒  0 ≤ r < 2^s
//! ```
//!
//! i.e. `q = ⌊(acc + 2^(s−1)) / 2^s⌋` exactly (r is an integer because `acc` and `q` are). Tuples
//! are compressed with `θ`; with `h = 1/((β+a)(β+b))` (committed in the inverse round) the block
//! proves `h·(β+a)·(β+b) − 1 = 0` on `H`; `(2β + a + b)·h = 1/(β+a) + 1/(β+b)`.
//!
//! One table-side instance serves every layer (aggregation): with multiplicities `m`, the LogUp
//! equation is one zero-sum term of the running-sum argument ([`crate::sumcheck`]):
//! `Σ_H (Σ_layers (2β + a + b)·h + h_in − m/(β+T)) = 0`, the table side folded into the running-sum
//! identity (never committed), so no lookup total (a function of the activations' histogram) is
//! ever revealed. `m`, `h` and `s` are blinded.
//! The table's value and function columns are public but stay linearised (two vk points, no
//! evaluations in the proof); its kind column is a closed form in `X^{n/K}` ([`LookupTable::kind_at`]). The bias is
//! inside `y`, proven by RowSum.
//!
//! LogUp rather than cq: cq needs `[T(τ)]₂` and `[Z_V(τ)]₂` pairings (68k gas on chain) while LogUp
//! on the model's domain needs only `[1]₂, [τ]₂`; its prover cost grows with `|T|`, which stays small
//! (`K·2^B` rows; calibration keeps `B ≤ 16`, explicit options allow up to 20).

use crate::field::fr_from_i64;
use crate::keys::VerifyingKey;
use crate::lookup_table::LookupTable;
use crate::model::Activation;
use crate::poly::Domain;
use crate::protocol::{Base, Challenges, Lin};
use crate::sumcheck::ProverTerm;
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field, One, Zero};
use ark_poly::univariate::DensePolynomial;
use rand::RngCore;

/// `c = 2^(B−1−s)`, the scale that maps the remainder range `[0, 2^s)` onto the ReLU half's
/// non-negative window `[0, 2^(B−1))`.
pub fn remainder_scale(scale_bits: u32, lookup_bits: u32) -> i64 {
    1i64 << (lookup_bits - 1 - scale_bits)
}

/// Check one layer's lookups on a witness: at every position the tuple `(kind, q, z)` is a table
/// row (so `q` is in the window and `z = act(q)`), and the remainder tuple `(1, c·r, c·r)` is one
/// (so `0 ≤ r < 2^s`, i.e. `q = ⌊(acc + 2^(s−1)) / 2^s⌋`). `activation` gives each position's
/// function ([`crate::model::DenseLayer::activation_at`]). A `wide` output layer
/// ([`crate::model::wide_output`]) looks up only the remainder: `q` is any `i64` and `z = q`.
pub fn check(
    table: &LookupTable,
    activation: impl Fn(usize) -> Activation,
    wide: bool,
    (acc, q, z): (&[i64], &[i64], &[i64]),
) -> Result<(), super::Violation> {
    let (scale_bits, lookup_bits) = (table.scale_bits, table.lookup_bits);
    let fail = |position, reason| Err(super::Violation { position, reason });
    if acc.len() != q.len() || z.len() != q.len() {
        return fail(
            0,
            format!("lengths differ: acc {}, q {}, z {}", acc.len(), q.len(), z.len()),
        );
    }
    let c = i128::from(remainder_scale(scale_bits, lookup_bits));
    let half = 1i64 << (lookup_bits - 1);
    for (position, ((acc, q), z)) in acc.iter().zip(q).zip(z).enumerate() {
        let kind = table.kind(activation(position)).unwrap_or(u8::MAX);
        match if wide { Some(*q) } else { table.value(kind, *q) } {
            None => {
                return fail(
                    position,
                    format!("rescaled value {q} is outside the lookup window [{}, {half})", -half),
                )
            }
            Some(f) if f != *z => {
                return fail(position, format!("activation output {z} but the table has {f} for {q}"))
            }
            Some(_) => {}
        }
        let r = i128::from(*acc) + (1i128 << (scale_bits - 1)) - (i128::from(*q) << scale_bits);
        let in_table = i64::try_from(c * r)
            .ok()
            .and_then(|cr| table.value(1, cr).filter(|f| *f == cr));
        if in_table.is_none() {
            return fail(
                position,
                format!(
                    "rescale remainder {r} is outside [0, 2^{scale_bits}): q = {q} is not round(acc / 2^{scale_bits}) for acc = {acc}"
                ),
            );
        }
    }
    Ok(())
}

/// Check the private-input range lookup `(0, x, x)`: every input value is in the window.
pub fn check_range(table: &LookupTable, x: &[i64]) -> Result<(), super::Violation> {
    let half = 1i64 << (table.lookup_bits - 1);
    match x.iter().position(|v| table.index(0, *v).is_none()) {
        None => Ok(()),
        Some(position) => Err(super::Violation {
            position,
            reason: format!(
                "input value {} is outside the lookup window [{}, {half})",
                x[position], -half
            ),
        }),
    }
}

/// Compressed tuple `kind + θ·v + θ²·f`.
pub fn compress(theta: Fr, kind: Fr, v: Fr, f: Fr) -> Fr {
    kind + theta * v + theta.square() * f
}

/// Evaluations the lookup verifier reads (all at the layer's lifted point `ζ^{n/M}`).
#[derive(Clone, Debug)]
pub struct LookupEvals {
    /// `y(ζ_M)`: the affine output `W·x + b` (committed by the layer's RowSum).
    pub y: Fr,
    /// `q(ζ_M)`.
    pub q: Fr,
    /// `z(ζ_M)`.
    pub z: Fr,
    /// `h(ζ_M)`.
    pub h: Fr,
}

/// `a(ζ_M)` and `b(ζ_M)`.
fn tuples(vk: &VerifyingKey, kind: Fr, e: &LookupEvals, ch: &Challenges) -> (Fr, Fr) {
    let theta = ch.theta;
    let a = compress(theta, kind, e.q, e.z);
    let kappa = (theta + theta.square()) * fr_from_i64(remainder_scale(vk.scale_bits, vk.lookup_bits));
    let half = fr_from_i64(1i64 << (vk.scale_bits - 1));
    let two_s = fr_from_i64(1i64 << vk.scale_bits);
    // b = 1 + κ·(y + 2^(s−1) − 2^s·q)
    let b = Fr::one() + kappa * (e.y + half - two_s * e.q);
    (a, b)
}

/// Verifier: `h·(β+a)·(β+b) − 1` at `ζ_M`; `kind` is the kind column's value there (a constant,
/// or a mixed layer's two-term polynomial).
pub fn identity(vk: &VerifyingKey, kind: Fr, e: &LookupEvals, ch: &Challenges) -> Fr {
    let (a, b) = tuples(vk, kind, e, ch);
    e.h * (ch.beta + a) * (ch.beta + b) - Fr::one()
}

/// Verifier: this layer's share `(2β + a + b)·h` of the LogUp sum, at `ζ_M`.
pub fn sum_share(vk: &VerifyingKey, kind: Fr, e: &LookupEvals, ch: &Challenges) -> Fr {
    let (a, b) = tuples(vk, kind, e, ch);
    (ch.beta.double() + a + b) * e.h
}

/// Verifier: a folded layer's share as a fraction `(2β + a + b, (β + a)·(β + b))` at `ζ_M`
/// ([`super::fold`]; the caller applies the weight `M/n`).
pub fn fraction(vk: &VerifyingKey, kind: Fr, (y, q, z): (Fr, Fr, Fr), ch: &Challenges) -> (Fr, Fr) {
    let e = LookupEvals { y, q, z, h: Fr::zero() };
    let (a, b) = tuples(vk, kind, &e, ch);
    (ch.beta.double() + a + b, (ch.beta + a) * (ch.beta + b))
}

/// Verifier: a wide output layer's one tuple `b(ζ_M)` ([`crate::model::wide_output`]: the output
/// `q` is public and range-checked by the verifier, only the remainder is looked up). Its identity
/// is `h·(β + b) − 1`, its share `h`, and folded, the fraction `(1, β + b)`.
pub fn wide_tuple(vk: &VerifyingKey, (y, q): (Fr, Fr), ch: &Challenges) -> Fr {
    let e = LookupEvals {
        y,
        q,
        z: q,
        h: Fr::zero(),
    };
    tuples(vk, Fr::zero(), &e, ch).1
}

/// Verifier: a folded private-input range lookup's denominator `β + (θ + θ²)·x` at `ζ^{n/N₀}`.
pub fn range_denominator(x: Fr, ch: &Challenges) -> Fr {
    ch.beta + (ch.theta + ch.theta.square()) * x
}

/// Verifier: the private-input range lookup `(0, x, x)`: `h·(β + a) − 1`; its share of the LogUp
/// term is `h`.
pub fn range_identity(x: Fr, h: Fr, ch: &Challenges) -> Fr {
    let a = (ch.theta + ch.theta.square()) * x;
    h * (ch.beta + a) - Fr::one()
}

/// Verifier: the LogUp balance with the table side and the folded shares `N_k/D_k`
/// ([`super::fold`]) multiplied through, `((s(ωζ) − s(ζ) − term(ζ))·P − E)·(β + T(ζ)) + m(ζ)·P`
/// with `P = Π D_k`, `E = P·Σ N_k/D_k` and `T = T_kind + θ·T_v + θ²·T_f`, given
/// `d = s(ωζ) − s(ζ) − term(ζ)` (`term`: every committed witness share): `T_kind(ζ)` (`kind_at`,
/// closed form, [`LookupTable::kind_at`]) is a scalar, `T_v`, `T_f` stay committed.
pub fn balance_identity(m: Fr, d: Fr, kind_at: Fr, folded: &[(Fr, Fr)], ch: &Challenges) -> Lin {
    // Folded shares N_k/D_k: P = Π D_k, E/P = Σ N_k/D_k; the identity is multiplied by P.
    let (p, e) = folded.iter().fold((Fr::one(), Fr::zero()), |(p, e), (num, den)| {
        (p * den, e * den + *num * p)
    });
    let dd = d * p - e;
    let th = ch.theta;
    Lin {
        c: dd * (ch.beta + kind_at) + m * p,
        terms: vec![(dd * th, Base::Table(0)), (dd * th.square(), Base::Table(1))],
    }
}

/// Prover: an inverse column with its share of the LogUp zero-sum term.
pub struct InverseColumn {
    /// The committed inverse column (blinded).
    pub poly: DensePolynomial<Fr>,
    /// The same column with its values and blinding, for a Lagrange-basis commitment.
    pub blinded: crate::poly::Blinded,
    /// Its share of the LogUp term (values on `H` and polynomial).
    pub share: ProverTerm,
}

fn inverse_column(
    d: Domain,
    (inv, blinding): (Vec<Fr>, usize),
    share_values: Vec<Fr>,
    share_factor: Option<&DensePolynomial<Fr>>,
    rng: &mut impl RngCore,
) -> InverseColumn {
    let blinded = d.blinded_with(&inv, blinding, rng);
    let poly = blinded.poly.clone();
    let share_poly = share_factor.map_or_else(|| poly.clone(), |f| f * &poly);
    InverseColumn {
        share: ProverTerm {
            values: share_values,
            poly: share_poly,
        },
        poly,
        blinded,
    }
}

/// Prover: `h = 1/((β+a)(β+b))` for a layer; `a`, `b` are the compressed tuples on `H` and
/// `ab_poly` the polynomial `2β + a(X) + b(X)`; `blinding` coefficients
/// ([`crate::protocol::Layout::blinding`]).
pub fn prove_layer(
    d: Domain,
    (a, b): (&[Fr], &[Fr]),
    ab_poly: &DensePolynomial<Fr>,
    beta: Fr,
    blinding: usize,
    rng: &mut impl RngCore,
) -> InverseColumn {
    let (h, share) = layer_shares((a, b), beta);
    inverse_column(d, (h, blinding), share, Some(ab_poly), rng)
}

/// Prover: a layer's inverses `h = 1/((β+a)(β+b))` and shares `(2β + a + b)·h = 1/(β+a) + 1/(β+b)`.
pub fn layer_shares((a, b): (&[Fr], &[Fr]), beta: Fr) -> (Vec<Fr>, Vec<Fr>) {
    let mut h: Vec<Fr> = a.iter().zip(b).map(|(a, b)| (beta + a) * (beta + b)).collect();
    ark_ff::batch_inversion(&mut h);
    let share = a
        .iter()
        .zip(b)
        .zip(&h)
        .map(|((a, b), h)| (beta.double() + a + b) * h)
        .collect();
    (h, share)
}

/// Prover: `h = 1/(β + a)` for the private-input range lookup.
pub fn prove_range(d: Domain, a: &[Fr], beta: Fr, blinding: usize, rng: &mut impl RngCore) -> InverseColumn {
    let h = range_shares(a, beta);
    inverse_column(d, (h.clone(), blinding), h, None, rng)
}

/// Prover: the range lookup's inverses `1/(β + a)`, which are also its shares.
pub fn range_shares(a: &[Fr], beta: Fr) -> Vec<Fr> {
    let mut h: Vec<Fr> = a.iter().map(|a| beta + a).collect();
    ark_ff::batch_inversion(&mut h);
    h
}

/// Prover: the table side's values `g = m/(β + T)` on `H_n` (never committed: the running sum
/// subtracts them, [`crate::blocks::table`]).
pub fn table_inverses(table: &[Fr], m: &[Fr], beta: Fr) -> Vec<Fr> {
    let mut g: Vec<Fr> = table.iter().map(|t| beta + t).collect();
    ark_ff::batch_inversion(&mut g);
    for (g, m) in g.iter_mut().zip(m) {
        *g *= m;
    }
    g
}

/// Prover: the identity numerator `h·(β + a)·(β + b) − m` (with `b = None` for one tuple and
/// `m = 1` for witness sides).
pub fn numerator(
    h: &DensePolynomial<Fr>,
    a: &DensePolynomial<Fr>,
    b: Option<&DensePolynomial<Fr>>,
    m: &DensePolynomial<Fr>,
    beta: Fr,
) -> DensePolynomial<Fr> {
    let c = |x: Fr| DensePolynomial { coeffs: vec![x] };
    let mut out = h * &(a + &c(beta));
    if let Some(b) = b {
        out = &out * &(b + &c(beta));
    }
    &out - m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::random_fr;
    use rand::SeedableRng;

    #[test]
    fn table_index_is_the_window_and_rejects_outside() {
        let table = LookupTable::new(2, 4, []);
        assert_eq!(table.index(0, -8), Some(0));
        assert_eq!(table.index(1, -8), Some(1));
        assert_eq!(table.index(1, 7), Some(31));
        assert_eq!(table.index(0, 8), None);
        assert_eq!(table.index(1, -9), None);
        assert_eq!(table.index(2, 0), None, "an unused kind is not a row");
    }

    #[test]
    fn check_accepts_honest_layers_and_names_each_failure() {
        // s = 2, B = 5: window [-16, 16), remainders r ∈ [0, 4).
        let (s, b) = (2, 5);
        let acc: Vec<i64> = vec![-30, -3, 0, 5, 25];
        let q: Vec<i64> = acc.iter().map(|a| crate::model::rescale(*a, s)).collect();
        let relu: Vec<i64> = q.iter().map(|v| (*v).max(0)).collect();
        let t = LookupTable::new(s, b, [Activation::Relu]);
        assert_eq!(check(&t, |_| Activation::Relu, false, (&acc, &q, &relu)), Ok(()));
        assert_eq!(check(&t, |_| Activation::Identity, false, (&acc, &q, &q)), Ok(()));
        let v = check(&t, |_| Activation::Identity, false, (&acc, &q, &relu)).unwrap_err();
        assert!(v.position == 0 && v.reason.contains("activation output"), "{v}");
        // A mixed layer: ReLU on even positions, identity on odd ones (q[1] = −1 is carried).
        let mixed = |i: usize| {
            if i % 2 == 1 {
                Activation::Identity
            } else {
                Activation::Relu
            }
        };
        let z: Vec<i64> = q.iter().enumerate().map(|(i, v)| mixed(i).apply(*v, s)).collect();
        assert_eq!(z[1], q[1]);
        assert_eq!(check(&t, mixed, false, (&acc, &q, &z)), Ok(()));
        let v = check(&t, mixed, false, (&acc, &q, &relu)).unwrap_err();
        assert!(v.position == 1 && v.reason.contains("activation output"), "{v}");
        let mut wrong = q.clone();
        wrong[3] += 1;
        let v = check(&t, |_| Activation::Identity, false, (&acc, &wrong, &wrong)).unwrap_err();
        assert!(v.position == 3 && v.reason.contains("remainder"), "{v}");
        let big = [100i64];
        let v = check(&t, |_| Activation::Identity, false, (&[400], &big, &big)).unwrap_err();
        assert!(v.reason.contains("outside the lookup window [-16, 16)"), "{v}");
        // A wide output: any i64, only the remainder and z = q are checked.
        assert_eq!(check(&t, |_| Activation::Identity, true, (&[400], &big, &big)), Ok(()));
        let v = check(&t, |_| Activation::Identity, true, (&[400], &[101], &[101])).unwrap_err();
        assert!(v.reason.contains("remainder"), "{v}");
        let v = check(&t, |_| Activation::Identity, true, (&[400], &big, &[99])).unwrap_err();
        assert!(v.reason.contains("activation output"), "{v}");
        assert_eq!(check_range(&t, &[-16, 15]), Ok(()));
        assert_eq!(check_range(&t, &[-16, 16]).unwrap_err().position, 1);
    }

    /// A wide output (`docs/protocols/lookup.md#wide-outputs`) is unique among 64-bit integers: for
    /// an honest accumulator, the remainder tuple `(1, c·r, c·r)` with `r = acc + 2^(s−1) − 2^s·q`
    /// in `[0, 2^s)` holds for every `r` with `q = (acc + 2^(s−1) − r)/2^s` in the field, but only
    /// the rounded `q` is an `i64`: the verifier's range check is what pins the output.
    #[test]
    fn a_wide_output_is_unique_among_64_bit_integers() {
        use crate::field::{fr_from_i64, fr_to_i64};
        for s in [1u32, 6, 12, crate::model::MAX_SCALE_BITS] {
            let inv = Fr::from(1u64 << s).inverse().unwrap();
            let half = 1i64 << (s - 1);
            for acc in [-(1i64 << 61), -12_345, -1, 0, 1, 777, (1i64 << 61) - 1] {
                let honest = crate::model::rescale(acc, s);
                let honest_r = acc + half - (honest << s);
                assert!((0..1i64 << s).contains(&honest_r));
                let tried = (0..(1i64 << s).min(4096)).chain([honest_r, (1i64 << s) - 1]);
                for r in tried {
                    let q = (fr_from_i64(acc) + fr_from_i64(half) - fr_from_i64(r)) * inv;
                    let expected = (r == honest_r).then_some(honest);
                    assert_eq!(fr_to_i64(q), expected, "s = {s}, acc = {acc}, r = {r}");
                }
            }
        }
    }

    /// LogUp balances exactly when every witness tuple is a table row.
    #[test]
    fn logup_sums_balance_only_for_table_members() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        let (theta, beta) = (random_fr(&mut rng), random_fr(&mut rng));
        let lookup = LookupTable::new(1, 3, []);
        let cols = lookup.columns(Domain::new(4));
        let table: Vec<Fr> = (0..16)
            .map(|i| compress(theta, cols[0][i], cols[1][i], cols[2][i]))
            .collect();
        let d = Domain::new(2);
        let mut run = |q: i64, z: i64| {
            let a: Vec<Fr> = (0..4)
                .map(|_| compress(theta, Fr::one(), fr_from_i64(q), fr_from_i64(z)))
                .collect();
            let b: Vec<Fr> = (0..4)
                .map(|_| compress(theta, Fr::one(), Fr::from(1u64), Fr::from(1u64)))
                .collect();
            let mut m = vec![Fr::from(0u64); 16];
            m[lookup.index(1, q).unwrap_or(0)] += Fr::from(4u64);
            m[lookup.index(1, 1).unwrap()] += Fr::from(4u64);
            let ab = d.interpolate(&a.iter().zip(&b).map(|(x, y)| beta.double() + x + y).collect::<Vec<_>>());
            let w = prove_layer(d, (&a, &b), &ab, beta, 3, &mut rng);
            let g = table_inverses(&table, &m, beta);
            w.share.values.iter().sum::<Fr>() == g.iter().sum::<Fr>()
        };
        assert!(run(-3, 0));
        assert!(!run(-3, -3), "relu(-3) is not -3");
    }
}
