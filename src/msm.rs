//! The prover's multi-scalar multiplication `Σ sᵢ·Pᵢ` on BN254 G1: Pippenger's bucket method with
//! signed digits, sized to the scalars, and **batched affine additions**.
//!
//! Every proof commits a few polynomials of `M·N` coefficients (RowSum's matrix domain), so this sum
//! is most of the prover's time. `ark-ec`'s MSM adds each point into a projective bucket (a mixed
//! addition: 7 multiplications and 4 squarings). Here a window's points, a cache-sized chunk at a
//! time, are first sorted by bucket, then every bucket is summed pairwise in levels: all additions of
//! a level share ONE field inversion (Montgomery's trick), so an affine addition costs about 5
//! multiplications and 1 squaring. Two more savings:
//!
//! - **Signed scalars.** A scalar above `(r − 1)/2` is replaced by `r − s` with the point negated, so
//!   the small negative integers that fill witness columns cost as little as small positive ones.
//! - **Windows sized to the scalars.** The number of windows follows the widest scalar actually present,
//!   and the window width minimises the estimated cost for that width and the number of points.
//!
//! Used for every commitment of setup and prove ([`crate::kzg::commit`]), the `.ptau` consistency
//! check and the dev SRS (`srs`, which shares `invert_all` and the affine addition). The Rust
//! verifier and `check-vk`'s table recomputation keep `ark-ec`'s MSM ([`crate::kzg::lincomb`],
//! [`crate::kzg::commit_reference`]), and the model-against-vk check compares the two: an error here
//! shows up as a rejected proof or a failed check, never as two sides that agree on a wrong sum. `tests` compare this
//! function with `ark-ec`'s on random, small, signed, repeated, opposite and infinite inputs, for
//! every window width.
//!
//! Memory: besides the scalars' magnitudes (40 bytes per point), each window in flight holds one
//! chunk of `CHUNK` (2^13) points and one running value per bucket; at most one window per rayon
//! thread runs at once.

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::AdditiveGroup;
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use rayon::prelude::*;

/// `Σ scalars[i]·bases[i]` over the shorter of the two slices.
pub fn msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    let n = bases.len().min(scalars.len());
    let (bases, scalars) = (&bases[..n], &scalars[..n]);
    let (signed, bits) = signed_scalars(scalars);
    if bits == 0 {
        return G1Projective::zero();
    }
    msm_with_width(bases, &signed, bits, window_width(n, bits), CHUNK)
}

/// A scalar as a magnitude below `r/2` and a sign: `(limbs, negative)`.
type Signed = ([u64; 4], bool);

/// Each scalar as its magnitude `min(s, r − s)` and whether it was negated; and the widest magnitude.
fn signed_scalars(scalars: &[Fr]) -> (Vec<Signed>, usize) {
    let half = Fr::MODULUS_MINUS_ONE_DIV_TWO;
    let signed: Vec<Signed> = scalars
        .par_iter()
        .map(|s| {
            let b = s.into_bigint();
            if b > half {
                ((-*s).into_bigint().0, true)
            } else {
                (b.0, false)
            }
        })
        .collect();
    let bits = signed
        .par_iter()
        .map(|(m, _)| ark_ff::BigInt(*m).num_bits() as usize)
        .max()
        .unwrap_or(0);
    (signed, bits)
}

/// The window width `c` (2..=16) that minimises the estimated field multiplications for `n` points
/// whose magnitudes have `bits` bits: per window `≈ 6` per point (one batched affine addition) and
/// `≈ 27` per bucket (`2^(c−1)` buckets, two projective additions each in the running sum).
fn window_width(n: usize, bits: usize) -> usize {
    (2..=16)
        .min_by_key(|&c| windows(bits, c) * (6 * n + 27 * (1usize << (c - 1))))
        .unwrap_or(8)
}

/// Windows of `c` bits needed for signed digits of `bits`-bit magnitudes (one more bit for the carry).
fn windows(bits: usize, c: usize) -> usize {
    (bits + 1).div_ceil(c)
}

/// The sum with windows of `c` bits, for magnitudes of at most `bits` bits, sorting `chunk` points
/// at a time.
fn msm_with_width(bases: &[G1Affine], signed: &[Signed], bits: usize, c: usize, chunk: usize) -> G1Projective {
    let sums: Vec<G1Projective> = (0..windows(bits, c))
        .into_par_iter()
        .map(|w| window_sum(bases, signed, w, c, chunk))
        .collect();
    let mut total = G1Projective::zero();
    for s in sums.iter().rev() {
        for _ in 0..c {
            total.double_in_place();
        }
        total += s;
    }
    total
}

/// The signed digit of window `w` (width `c`), in `[−2^(c−1), 2^(c−1)]` (Booth recoding): the
/// window's `c` bits `u`, minus `2^c` when the window's top bit is set, plus the top bit of the window
/// below. The sum `Σ_w d_w·2^(w·c)` telescopes to `m`, as the last window's top bit is 0
/// ([`windows`] leaves one bit spare).
fn digit(m: &[u64; 4], w: usize, c: usize) -> i32 {
    let bit = |i: usize| -> i32 { m.get(i / 64).map_or(0, |l| ((l >> (i % 64)) & 1) as i32) };
    let lo = w * c;
    let (limb, off) = (lo / 64, lo % 64);
    let mut u = m.get(limb).map_or(0, |l| l >> off);
    if off + c > 64 {
        u |= m.get(limb + 1).map_or(0, |l| l << (64 - off));
    }
    let u = (u & ((1u64 << c) - 1)) as i32;
    let below = if w == 0 { 0 } else { bit(lo - 1) };
    u + below - ((u >> (c - 1)) << c)
}

/// Points sorted per window at a time: the chunk's points and the buckets' running values stay in
/// the core's cache (≈ 0.9 MB at `c = 13`), so two windows in parallel do not contend for memory
/// bandwidth (1.3× faster on 2 threads than sorting all `2^17` points of a window at once).
const CHUNK: usize = 1 << 13;

/// `Σ_b (b + 1)·B_b` for window `w`, where bucket `B_b` sums the points whose digit is `±(b + 1)`
/// (negated for a negative digit or a negated scalar). The points go through in chunks of `chunk`:
/// each chunk's points are sorted by bucket (a counting sort) after the bucket's value so far, and
/// [`sum_buckets`] leaves one point per bucket.
fn window_sum(bases: &[G1Affine], signed: &[Signed], w: usize, c: usize, chunk: usize) -> G1Projective {
    let buckets = 1usize << (c - 1);
    let mut acc = vec![G1Affine::identity(); buckets];
    let mut start = vec![0u32; buckets + 1];
    let mut len = vec![0u32; buckets];
    let mut points: Vec<G1Affine> = Vec::new();
    let mut digits: Vec<i32> = Vec::with_capacity(chunk);
    for lo in (0..signed.len()).step_by(chunk.max(1)) {
        let hi = (lo + chunk.max(1)).min(signed.len());
        digits.clear();
        digits.extend(signed[lo..hi].iter().map(|(m, _)| digit(m, w, c)));
        // start[b + 1]: the points of bucket b in this chunk, plus its value so far if it has one.
        start.fill(0);
        for d in &digits {
            if *d != 0 {
                start[d.unsigned_abs() as usize] += 1;
            }
        }
        for b in 0..buckets {
            if start[b + 1] > 0 && !acc[b].infinity {
                start[b + 1] += 1;
            }
        }
        for b in 0..buckets {
            start[b + 1] += start[b];
        }
        let mut fill = start.clone();
        points.clear();
        points.resize(start[buckets] as usize, G1Affine::identity());
        for b in 0..buckets {
            if start[b + 1] > start[b] && !acc[b].infinity {
                points[fill[b] as usize] = acc[b];
                fill[b] += 1;
            }
        }
        for ((d, (_, negated)), p) in digits.iter().zip(&signed[lo..hi]).zip(&bases[lo..hi]) {
            if *d != 0 {
                let b = d.unsigned_abs() as usize - 1;
                points[fill[b] as usize] = if (*d < 0) != *negated { -*p } else { *p };
                fill[b] += 1;
            }
        }
        for b in 0..buckets {
            len[b] = start[b + 1] - start[b];
        }
        sum_buckets(&mut points, &start, &mut len);
        for b in 0..buckets {
            if len[b] == 1 {
                acc[b] = points[start[b] as usize];
            }
        }
    }
    let mut running = G1Projective::zero();
    let mut sum = G1Projective::zero();
    for b in (0..buckets).rev() {
        running += acc[b];
        sum += running;
    }
    sum
}

/// Sum each bucket `points[start[b]..start[b] + len[b]]` in place into `points[start[b]]` (`len[b]`
/// becomes 1, or stays 0): in each level the points of every bucket are added in pairs, and all
/// pairs of the level share one inversion.
fn sum_buckets(points: &mut [G1Affine], start: &[u32], len: &mut [u32]) {
    let mut denominators: Vec<Fq> = Vec::with_capacity(points.len() / 2);
    let mut prefix: Vec<Fq> = Vec::with_capacity(points.len() / 2);
    loop {
        denominators.clear();
        for (s, l) in start.iter().zip(len.iter()) {
            let s = *s as usize;
            for k in 0..*l as usize / 2 {
                denominators.push(denominator(&points[s + 2 * k], &points[s + 2 * k + 1]));
            }
        }
        if denominators.is_empty() {
            return;
        }
        invert_all(&mut denominators, &mut prefix);
        // The same order as the denominators above: pair `j` of the level.
        let mut j = 0;
        for (s, l) in start.iter().zip(len.iter_mut()) {
            let (s, n) = (*s as usize, *l as usize);
            for k in 0..n / 2 {
                points[s + k] = add(&points[s + 2 * k], &points[s + 2 * k + 1], denominators[j]);
                j += 1;
            }
            if n % 2 == 1 {
                points[s + n / 2] = points[s + n - 1];
            }
            *l = n.div_ceil(2) as u32;
        }
    }
}

/// The denominator of the affine addition `p + q`: `x_q − x_p`, or `2·y_p` to double; 1 when the
/// sum needs no division (a point at infinity, or `q = −p`).
pub(crate) fn denominator(p: &G1Affine, q: &G1Affine) -> Fq {
    if p.infinity || q.infinity {
        Fq::one()
    } else if p.x != q.x {
        q.x - p.x
    } else if p.y == q.y && !p.y.is_zero() {
        p.y.double()
    } else {
        Fq::one()
    }
}

/// `p + q`, given the inverse of [`denominator`]`(p, q)` (BN254's `a = 0`: doubling slope `3x²/2y`).
pub(crate) fn add(p: &G1Affine, q: &G1Affine, inv: Fq) -> G1Affine {
    if p.infinity {
        return *q;
    }
    if q.infinity {
        return *p;
    }
    let slope = if p.x != q.x {
        (q.y - p.y) * inv
    } else if p.y == q.y && !p.y.is_zero() {
        let xx = p.x.square();
        (xx.double() + xx) * inv
    } else {
        return G1Affine::identity();
    };
    let x = slope.square() - p.x - q.x;
    let y = slope * (p.x - x) - p.y;
    G1Affine::new_unchecked(x, y)
}

/// Replace every (non-zero) element by its inverse with one field inversion (Montgomery's trick);
/// `prefix` is reused working memory. A zero element would make every result zero (a wrong sum,
/// never a panic); callers never pass one.
pub(crate) fn invert_all(v: &mut [Fq], prefix: &mut Vec<Fq>) {
    prefix.clear();
    let mut acc = Fq::one();
    for x in v.iter() {
        prefix.push(acc);
        acc *= x;
    }
    let mut inv = acc.inverse().unwrap_or_else(Fq::zero);
    for (x, before) in v.iter_mut().zip(prefix.iter()).rev() {
        let next = inv * *x;
        *x = inv * before;
        inv = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_ff::UniformRand;
    use rand::{Rng, SeedableRng};

    fn reference(bases: &[G1Affine], scalars: &[Fr]) -> G1Affine {
        G1Projective::msm_unchecked(bases, scalars).into_affine()
    }

    fn random_points(n: usize, rng: &mut impl rand::Rng) -> Vec<G1Affine> {
        let step = G1Projective::rand(rng);
        let mut p = G1Projective::rand(rng);
        let pts: Vec<G1Projective> = (0..n)
            .map(|_| {
                p += step;
                p
            })
            .collect();
        G1Projective::normalize_batch(&pts)
    }

    #[test]
    fn random_scalars_match_ark_ec() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        for n in [0, 1, 2, 3, 17, 100, 1000, 5000, 3 * CHUNK + 5] {
            let bases = random_points(n, &mut rng);
            let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            assert_eq!(
                msm(&bases, &scalars).into_affine(),
                reference(&bases, &scalars),
                "n = {n}"
            );
        }
    }

    #[test]
    fn small_signed_and_extreme_scalars_match_ark_ec() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
        let n = 3000;
        let bases = random_points(n, &mut rng);
        let half = Fr::from_bigint(Fr::MODULUS_MINUS_ONE_DIV_TWO).unwrap_or_default();
        let scalars: Vec<Fr> = (0..n)
            .map(|i| match i % 9 {
                0 => Fr::zero(),
                1 => -Fr::one(),
                2 => half,
                3 => half + Fr::one(),
                4 => Fr::from(1u64 << 40) - Fr::from(i as u64),
                5 => -Fr::from(rng.gen::<u32>() as u64),
                6 => Fr::from(2u64).pow([253u64]),
                _ => Fr::from(rng.gen::<u16>() as u64),
            })
            .collect();
        assert_eq!(msm(&bases, &scalars).into_affine(), reference(&bases, &scalars));
        // Only small magnitudes: few windows.
        let small: Vec<Fr> = (0..n)
            .map(|i| {
                let v = Fr::from((i * 7919 % 100_000) as u64);
                if i % 2 == 0 {
                    v
                } else {
                    -v
                }
            })
            .collect();
        assert_eq!(msm(&bases, &small).into_affine(), reference(&bases, &small));
        assert!(msm(&bases, &vec![Fr::zero(); n]).is_zero());
    }

    #[test]
    fn repeated_opposite_and_infinite_points_match_ark_ec() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let p = random_points(4, &mut rng);
        let bases: Vec<G1Affine> = (0..2000)
            .map(|i| match i % 5 {
                0 => p[0],
                1 => -p[0],
                2 => G1Affine::identity(),
                3 => p[1],
                _ => p[i % 4],
            })
            .collect();
        for scalars in [
            (0..2000).map(|_| Fr::rand(&mut rng)).collect::<Vec<_>>(),
            (0..2000).map(|i| Fr::from((i % 3) as u64 + 1)).collect(),
            vec![Fr::from(5u64); 2000],
        ] {
            let want = reference(&bases, &scalars);
            assert_eq!(msm(&bases, &scalars).into_affine(), want);
            // Chunks of 3 and 10: a bucket's value carried into the next chunk meets its own
            // negation (cancels to infinity) and itself (doubles).
            let (signed, bits) = signed_scalars(&scalars);
            for chunk in [3, 10] {
                let c = window_width(bases.len(), bits);
                assert_eq!(msm_with_width(&bases, &signed, bits, c, chunk).into_affine(), want);
            }
        }
    }

    #[test]
    fn every_window_width_recodes_exactly() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(4);
        let n = 300;
        let bases = random_points(n, &mut rng);
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let (signed, bits) = signed_scalars(&scalars);
        let want = reference(&bases, &scalars);
        for c in 2..=16 {
            assert_eq!(
                msm_with_width(&bases, &signed, bits, c, CHUNK).into_affine(),
                want,
                "c = {c}"
            );
            // Small chunks: bucket values carried from chunk to chunk.
            assert_eq!(
                msm_with_width(&bases, &signed, bits, c, 7).into_affine(),
                want,
                "c = {c}"
            );
        }
        // The digits reassemble every magnitude, for every width.
        for (m, _) in signed.iter().take(20) {
            for c in 2..=16 {
                let v = (0..windows(bits, c)).rev().fold(Fr::zero(), |acc, w| {
                    acc * Fr::from(1u64 << c)
                        + Fr::from(digit(m, w, c).unsigned_abs())
                            * if digit(m, w, c) < 0 { -Fr::one() } else { Fr::one() }
                });
                assert_eq!(v, Fr::from_bigint(ark_ff::BigInt(*m)).unwrap_or_default());
            }
        }
    }

    #[test]
    fn digits_stay_in_their_buckets_and_narrow_scalars_use_every_width() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let n = 200;
        let bases = random_points(n, &mut rng);
        for bits in [1u32, 7, 16, 40, 64, 65, 128, 200] {
            // Magnitudes of at most `bits` bits (the top one set in some), both signs.
            let scalars: Vec<Fr> = (0..n)
                .map(|i| {
                    let mut limbs = [0u64; 4];
                    for (l, limb) in limbs.iter_mut().enumerate() {
                        *limb = rng.gen();
                        let used = bits.saturating_sub(64 * l as u32).min(64);
                        *limb = if used == 0 { 0 } else { *limb >> (64 - used) };
                    }
                    let v = Fr::from_bigint(ark_ff::BigInt(limbs)).unwrap_or_default();
                    if i % 2 == 0 {
                        v
                    } else {
                        -v
                    }
                })
                .collect();
            let (signed, found) = signed_scalars(&scalars);
            assert!(found <= bits as usize);
            let want = reference(&bases, &scalars);
            for c in 2..=16 {
                for (m, _) in &signed {
                    for w in 0..windows(found, c) {
                        assert!(digit(m, w, c).unsigned_abs() <= 1 << (c - 1), "bits {bits}, c {c}");
                    }
                }
                assert_eq!(
                    msm_with_width(&bases, &signed, found, c, 16).into_affine(),
                    want,
                    "bits {bits}, c {c}"
                );
            }
        }
    }

    #[test]
    fn unequal_lengths_use_the_shorter() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(6);
        let bases = random_points(50, &mut rng);
        let scalars: Vec<Fr> = (0..40).map(|_| Fr::rand(&mut rng)).collect();
        assert_eq!(msm(&bases, &scalars).into_affine(), reference(&bases[..40], &scalars));
        assert_eq!(
            msm(&bases[..30], &scalars).into_affine(),
            reference(&bases[..30], &scalars[..30])
        );
    }

    #[test]
    fn the_width_follows_the_scalars() {
        assert!(window_width(1 << 17, 253) >= 11);
        assert!(window_width(1 << 17, 40) <= window_width(1 << 17, 253) + 2);
        assert_eq!(windows(253, 13), 20);
        assert!(window_width(4, 253) <= 4);
    }
}
