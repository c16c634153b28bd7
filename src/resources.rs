//! Memory and time estimates for `setup` and `prove`, computed from the model's sizes before any
//! heavy work, and the limit that refuses a run that would exhaust the machine.
//!
//! Everything is sized by three numbers of the model: the domain `n` (the larger of the widest
//! tensor and the lookup table's `K·2^B` rows), the SRS prefix `k = 2n + 16` G1 powers
//! ([`srs_len_for`]) and the number of committed columns `c` of the proof ([`Layout`]: per layer
//! `y`, `q`, `z`, `h` (unless its share is folded), then `m`, `s`, `Q`, and `x₀`, `h_in` for a
//! private input). A folded share raises the running sum's quotient to at most
//! `2^fold_log` coefficients ([`crate::blocks::fold::DEFAULT_FOLD_LOG`], `compile --fold-budget`) or the model's matrix degree, which `k` covers. The byte counts
//! of one element in memory: `Fr` 32, an affine G1 point 72 (two 32-byte coordinates and the
//! infinity flag, padded), a projective G1 point 96, a file word 32.
//!
//! **setup** (`--dev`): the largest live set is while `pk.bin` is written: the SRS (`72k`), the
//! proving key's copy of it plus the Lagrange basis (`72(k + n)`) and the file buffer
//! (`64(k + n)`). Earlier phases hold less at once (`lagrange_basis`: the SRS twice, `96n`
//! projective points, `72n` normalized ones and `32n` of inversion scratch; the weight-row
//! commitments: the SRS twice and, per rayon thread, `~4 · 32n` of values, coefficients and MSM
//! scalars), but glibc's allocator keeps the freed blocks of those phases resident, so the peak
//! RSS is [`SETUP_RETENTION`] times the live peak. With `--srs`, reading the `.ptau` prefix
//! (`64k` bytes, then `72k` parsed) stays below that.
//!
//! **prove**: loading `pk.bin` holds the file and the parsed points (`64(k+n) + 72(k+n)`), then
//! the proving key (`72(k + n)`) stays; proving holds, per committed column, its values, its blinded
//! coefficients, the layer's copies of them, its share of the identity numerators (degree up to
//! `3n`) and of the running sum: about 8 vectors of `n` field elements (`8 · 32n`), plus the
//! table's three columns and polynomials and the two folded opening polynomials (`16 · 32n`) and
//! the FFT scratch of the largest product (`4 · 32 · 4n`).
//!
//! **RowSum (v2)** adds, per layer, its matrix domain `K = M·N`: at setup two MSMs of `K` points
//! (`[Ŵ]`, `[B̂]`); at proving the column `R` (values and coefficients) per instance (layers batched
//! into one instance share it), seven coset vectors of `2K` per concurrently proven layer, and the
//! quotient and Shplonk polynomials of the largest `K`; the time is dominated by four MSMs of `≈ K`
//! points (≈ 8 µs per point and thread here, [`crate::msm`]) and seven coset FFTs of `2K` per
//! layer. These terms are derived from the code and the measured MSM speed (mlp784, `K = 2^17`:
//! ≈ 0.5 s per MSM on 2 threads), not re-fitted to RSS measurements.
//!
//! Both add the model's weights (8 bytes each as `i64`, 32 more as `Fr` in the prover) and
//! [`BASE`] for the binary, its libraries and thread stacks.
//!
//! Checked against the peak RSS (`/usr/bin/time -v`) of the dev-profile binary on the 2-core
//! development machine, `--dev` SRS (estimate / measured; v1, before RowSum):
//!
//! | model | n | setup | prove |
//! |---|---|---|---|
//! | sample (B = 8) | 2^9 | 16.7 / 11.9 MiB | 18.0 / 14.0 MiB |
//! | mlp784 (B = 11) | 2^12 | 22.6 / 19.5 MiB | 34.7 / 34.4 MiB |
//! | digits (B = 13) | 2^14 | 39.3 / 36.7 MiB | 75.5 / 73.9 MiB |
//! | sample (B = 14) | 2^15 | 62.6 / 60.1 MiB | 142.8 / 142.9 MiB |
//! | sample (B = 16) | 2^17 | 202.3 / 193.8 MiB | 523.0 / 512.8 MiB |
//!
//! Extrapolated, the largest window (`B = 20`, `n = 2^21`) needs about 3 GiB for setup and 8.5–9 GiB
//! for prove, above the default limit: `compile` refuses it unless `--max-memory` is raised.
//!
//! Time is CPU time from per-element rates measured there (dev profile), divided by rayon's
//! threads: a guide for an idle machine, longer when the cores are shared. setup: the G1 inverse
//! FFT of the Lagrange basis costs one scalar multiplication (~150 µs) per butterfly,
//! `(n/2)·log n` of them, and each weight row and table column one MSM of `n` points (~15 µs per
//! point); prove: ~1.6 µs per column element and `log n` (FFT-based products and commitments).

use crate::artifacts::{self, ArtifactError, BuildDir};
use crate::keys::{domain_of, srs_len_for, VerifyingKey, Visibility};
use crate::model::{Activation, QuantizedModel};
use crate::protocol::Layout;
use std::fmt;
use std::str::FromStr;

/// The default memory limit: 8 GiB.
pub const DEFAULT_MAX_MEMORY: u64 = 8 << 30;

/// CPU seconds per point of a full-width MSM ([`crate::msm`]; mlp784's `2^17` points: ≈ 0.5 s on
/// 2 threads on the development machine).
const MSM_SECONDS_PER_POINT: f64 = 8e-6;

/// Bytes of an affine G1 point in memory.
const G1_AFFINE: u64 = 72;
/// Bytes of a serialized G1 point (or two file words).
const G1_FILE: u64 = 64;
/// Bytes of a projective G1 point.
const G1_PROJECTIVE: u64 = 96;
/// Bytes of a field element.
const FR: u64 = 32;
/// The process before any model-sized allocation: binary, libraries, allocator arenas, thread
/// stacks (the sample's setup and prove peak at 12–14 MiB in all).
pub const BASE: u64 = 16 << 20;
/// Peak RSS over the live peak of `setup` (glibc keeps freed blocks of earlier phases resident):
/// measured 2.6–2.8 at `n = 2^15 … 2^17`, as tenths.
pub const SETUP_RETENTION_TENTHS: u64 = 27;
/// [`SETUP_RETENTION_TENTHS`] as a factor, for the docs.
pub const SETUP_RETENTION: f64 = SETUP_RETENTION_TENTHS as f64 / 10.0;

/// An estimate of one command's peak memory and running time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Peak resident memory, bytes.
    pub bytes: u64,
    /// Wall-clock time on an idle machine, seconds (a rough guide).
    pub seconds: f64,
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "about {} peak memory and {}",
            MemorySize(self.bytes),
            fmt_seconds(self.seconds)
        )
    }
}

/// The sizes an estimate is derived from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Domain size `n`.
    pub domain: u64,
    /// SRS powers `k`.
    pub srs_powers: u64,
    /// Committed columns `c`.
    pub columns: u64,
    /// Weights in all layers.
    pub weights: u64,
    /// The largest RowSum matrix domain `K = M·N` (padded rows × columns).
    pub matrix_max: u64,
    /// `Σ K` over the layers.
    pub matrix_total: u64,
    /// `Σ K` over the RowSum instances (one running sum `R` each; batched layers share one).
    pub instance_total: u64,
}

fn matrix_of(l: &crate::model::DenseLayer) -> u64 {
    l.matrix_log().map_or(0, |log| 1u64 << log)
}

impl Sizes {
    /// The sizes of `model` with the given input visibility.
    pub fn of(model: &QuantizedModel, input: Visibility) -> Self {
        let last = model.layers.len().saturating_sub(1);
        // Layout::new's column count, computed from the model (no vk exists before setup).
        let per_layer: u64 = model
            .layers
            .iter()
            .enumerate()
            .map(|(k, l)| {
                let q = !(k == last && l.activation == Activation::Identity);
                let z = k < last && l.activation.has_output();
                3 + u64::from(q) + u64::from(z) // y, R, h, q?, z?
            })
            .sum();
        // x₀ and its range inverse (a committed input's binding sends nothing).
        let private = if input.hidden() { 2 } else { 0 };
        Self {
            domain: domain_of(model).size() as u64,
            srs_powers: srs_len_for(model) as u64,
            columns: per_layer + 4 + private,
            weights: model
                .layers
                .iter()
                .map(|l| l.weights.iter().map(Vec::len).sum::<usize>() as u64)
                .sum(),
            matrix_max: model.layers.iter().map(matrix_of).max().unwrap_or(0),
            matrix_total: model.layers.iter().map(matrix_of).sum(),
            instance_total: crate::keys::model_plan(model, input)
                .batches
                .iter()
                .filter_map(|b| b.first().and_then(|k| model.layers.get(*k)))
                .map(matrix_of)
                .sum(),
        }
    }

    /// The sizes of a proof for `vk` (its [`Layout`]) with `model`'s weights.
    pub fn of_vk(model: &QuantizedModel, vk: &VerifyingKey) -> Self {
        Self {
            columns: Layout::new(vk).n_commits as u64,
            ..Self::of(model, vk.input)
        }
    }
}

/// `setup`'s peak memory and time (see the module docs for the derivation).
pub fn setup_estimate(s: &Sizes) -> Estimate {
    let (n, k) = (s.domain, s.srs_powers);
    let threads = rayon::current_num_threads().max(1) as u64;
    let write_peak = G1_AFFINE * k + G1_AFFINE * (k + n) + G1_FILE * (k + n);
    let lagrange_peak = 2 * G1_AFFINE * k + G1_PROJECTIVE * n + G1_AFFINE * n + FR * n;
    // Each matrix and bias commitment: values, coefficients and MSM scalars of its matrix domain.
    let matrix_peak = 2 * G1_AFFINE * k + threads.min(2) * 4 * FR * s.matrix_max;
    let live = write_peak.max(lagrange_peak).max(matrix_peak);
    let bytes = BASE + 8 * s.weights + live * SETUP_RETENTION_TENTHS / 10;
    let log_n = (n.max(2) as f64).log2();
    // Two MSMs of K points per layer.
    let cpu = 150e-6 * (n / 2) as f64 * log_n + 2.0 * MSM_SECONDS_PER_POINT * s.matrix_total as f64;
    Estimate {
        bytes,
        seconds: cpu / threads as f64,
    }
}

/// `prove`'s peak memory and time (see the module docs for the derivation).
pub fn prove_estimate(s: &Sizes) -> Estimate {
    let (n, k) = (s.domain, s.srs_powers);
    let threads = rayon::current_num_threads().max(1) as u64;
    let pk = G1_AFFINE * (k + n);
    let load_peak = G1_FILE * (k + n) + pk;
    // RowSum: every instance's R (values and coefficients), the quotient, W and W' on the largest
    // matrix domain, and per concurrent layer seven coset vectors of 2K (blocks/rowsum.rs).
    let rowsum = FR * (2 * s.instance_total + 3 * s.matrix_max) + threads.min(2) * 7 * FR * 2 * s.matrix_max;
    let prove_peak = pk + FR * n * (8 * s.columns + 16) + 4 * FR * 4 * n + rowsum;
    let bytes = BASE + 40 * s.weights + load_peak.max(prove_peak);
    let log_n = (n.max(2) as f64).log2();
    let log_2k = ((2 * s.matrix_max).max(2) as f64).log2();
    // The MSMs of [R] per instance and of [Q], [W], [W'], seven coset FFTs of 2K per layer, and
    // the rest of the matrix work (R's values, the quotient's products, the opening polynomials):
    // fitted to mlp784 (K = 2^17: 3.8 s measured, 3.6 s estimated) and the 28×28 CNN
    // `models/testdata/cnn28.onnx` (K = 2^22 + 2^21: 183 s measured, 154 s estimated).
    let cpu = 1.6e-6 * (n * s.columns) as f64 * log_n
        + MSM_SECONDS_PER_POINT * (s.instance_total + 3 * s.matrix_max) as f64
        + 4e-8 * 7.0 * (2 * s.matrix_total) as f64 * log_2k
        + 1.2e-5 * s.matrix_total as f64;
    Estimate {
        bytes,
        seconds: cpu / threads as f64,
    }
}

/// A memory size given on the command line: `8GiB`, `512MiB`, `2G`, `1.5GiB`, `1000000` (bytes).
/// `K`/`M`/`G`/`T` and `KiB`/`MiB`/`GiB`/`TiB` are all powers of 1024.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemorySize(pub u64);

impl FromStr for MemorySize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let shift = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 0,
            "k" | "kb" | "kib" => 10,
            "m" | "mb" | "mib" => 20,
            "g" | "gb" | "gib" => 30,
            "t" | "tb" | "tib" => 40,
            u => {
                return Err(format!(
                    "unknown unit {u:?} in {s:?}; use e.g. 8GiB, 512MiB or a byte count"
                ))
            }
        };
        let v: f64 = num
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not a memory size; use e.g. 8GiB, 512MiB or a byte count"))?;
        let bytes = v * (1u64 << shift) as f64;
        if !bytes.is_finite() || bytes < 1.0 || bytes > u64::MAX as f64 {
            return Err(format!("{s:?} is not a positive memory size"));
        }
        Ok(Self(bytes as u64))
    }
}

impl fmt::Display for MemorySize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0 as f64;
        match self.0 {
            0..1024 => write!(f, "{} B", self.0),
            1024..1_048_576 => write!(f, "{:.1} KiB", b / 1024.0),
            1_048_576..1_073_741_824 => write!(f, "{:.1} MiB", b / 1_048_576.0),
            _ => write!(f, "{:.2} GiB", b / 1_073_741_824.0),
        }
    }
}

/// A human duration: `850 ms`, `42 s`, `3.2 min`, `1.5 h`.
pub fn fmt_seconds(s: f64) -> String {
    match s {
        s if s < 1.0 => format!("{:.0} ms", s * 1e3),
        s if s < 120.0 => format!("{s:.0} s"),
        s if s < 7200.0 => format!("{:.1} min", s / 60.0),
        s => format!("{:.1} h", s / 3600.0),
    }
}

/// The memory limit: `--max-memory` (or the `ZKT_ETH_MAX_MEMORY` environment variable).
#[derive(clap::Args, Clone, Debug)]
pub struct LimitArgs {
    /// Refuse to start when the estimated peak memory of setup or prove (derived from the domain
    /// size, SRS powers and columns) exceeds this: e.g. 16GiB, 512MiB.
    #[arg(long, env = "ZKT_ETH_MAX_MEMORY", default_value = "8GiB", value_name = "SIZE")]
    pub max_memory: MemorySize,
}

impl Default for LimitArgs {
    fn default() -> Self {
        Self {
            max_memory: MemorySize(DEFAULT_MAX_MEMORY),
        }
    }
}

/// An estimate above the limit.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{what} would need about {} of memory (estimated from domain 2^{} = {} rows, {} SRS powers, {} committed columns, {} weights, largest matrix domain {}) and take about {}, more than --max-memory {}; lower the lookup window (re-run `zkt-eth compile` with a smaller --lookup-bits), use narrower layers, or raise the limit with --max-memory / ZKT_ETH_MAX_MEMORY",
    MemorySize(self.estimate.bytes),
    self.sizes.domain.trailing_zeros(),
    self.sizes.domain,
    self.sizes.srs_powers,
    self.sizes.columns,
    self.sizes.weights,
    self.sizes.matrix_max,
    fmt_seconds(self.estimate.seconds),
    self.limit
)]
pub struct OverLimit {
    /// The command (`setup`, `prove`, ...).
    pub what: String,
    /// The sizes.
    pub sizes: Sizes,
    /// The estimate.
    pub estimate: Estimate,
    /// The limit.
    pub limit: MemorySize,
}

/// Refuse when `estimate` is above `limit`.
pub fn check(what: &str, sizes: Sizes, estimate: Estimate, limit: MemorySize) -> Result<Estimate, OverLimit> {
    if estimate.bytes > limit.0 {
        return Err(OverLimit {
            what: what.to_owned(),
            sizes,
            estimate,
            limit,
        });
    }
    Ok(estimate)
}

/// Check `setup` of `model` against `limit`.
pub fn check_setup(model: &QuantizedModel, input: Visibility, limit: MemorySize) -> Result<Estimate, OverLimit> {
    let sizes = Sizes::of(model, input);
    check("setup", sizes, setup_estimate(&sizes), limit)
}

/// Check `prove` of `model` (made with a vk of input visibility `input`) against `limit`.
pub fn check_prove(model: &QuantizedModel, input: Visibility, limit: MemorySize) -> Result<Estimate, OverLimit> {
    let sizes = Sizes::of(model, input);
    check("prove", sizes, prove_estimate(&sizes), limit)
}

/// What `compile` checks: that `setup` and `prove` of the compiled model fit in `limit` (with a
/// private input, the larger case), so that a window too large for the machine is refused before
/// anything is written.
pub fn check_compile(model: &QuantizedModel, limit: MemorySize) -> Result<Estimate, OverLimit> {
    let sizes = Sizes::of(model, Visibility::Private);
    let (setup, prove) = (setup_estimate(&sizes), prove_estimate(&sizes));
    let (what, worst) = if setup.bytes >= prove.bytes {
        ("setup of the compiled model", setup)
    } else {
        ("prove of the compiled model", prove)
    };
    check(what, sizes, worst, limit)
}

/// Check `prove` for a build directory before its proving key is read: validates `model.json`
/// (with the usual hints when it is missing), takes the input visibility from `vk.bin` when it can
/// be read (private, the larger case, otherwise; `load_pk` then reports what is wrong with it).
pub fn check_prove_dir(dir: &BuildDir, limit: MemorySize) -> Result<Estimate, LimitError> {
    let model = artifacts::load_model(&dir.model())?;
    let input = artifacts::load_vk(&dir.vk()).map_or(Visibility::Private, |vk| vk.input);
    Ok(check_prove(&model, input, limit)?)
}

/// [`check_prove_dir`]'s errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    /// A file of the build directory is missing or invalid.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// The estimate is above the limit.
    #[error(transparent)]
    OverLimit(#[from] OverLimit),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_parse() {
        assert_eq!("8GiB".parse::<MemorySize>(), Ok(MemorySize(8 << 30)));
        assert_eq!("512 MiB".parse::<MemorySize>(), Ok(MemorySize(512 << 20)));
        assert_eq!("1.5g".parse::<MemorySize>(), Ok(MemorySize(3 << 29)));
        assert_eq!("1000".parse::<MemorySize>(), Ok(MemorySize(1000)));
        for bad in ["", "GiB", "-1GiB", "8 parsecs", "0", "nan"] {
            assert!(bad.parse::<MemorySize>().is_err(), "{bad}");
        }
        assert_eq!(MemorySize(8 << 30).to_string(), "8.00 GiB");
    }

    #[test]
    fn estimates_grow_with_the_domain() {
        let s = |domain: u64| Sizes {
            domain,
            srs_powers: 2 * domain + 16,
            columns: 8,
            weights: 16,
            matrix_max: 64,
            matrix_total: 128,
            instance_total: 128,
        };
        let (small, big) = (s(1 << 10), s(1 << 21));
        // Two layers batched into one instance: one R less to hold and commit.
        let batched = Sizes {
            instance_total: 64,
            ..small
        };
        assert!(prove_estimate(&batched).bytes < prove_estimate(&small).bytes);
        assert!(prove_estimate(&batched).seconds < prove_estimate(&small).seconds);
        assert!(setup_estimate(&small).bytes < setup_estimate(&big).bytes);
        assert!(prove_estimate(&small).bytes < prove_estimate(&big).bytes);
        let e = prove_estimate(&big);
        assert!(check("prove", big, e, MemorySize(e.bytes - 1)).is_err());
        assert!(check("prove", big, e, MemorySize(e.bytes)).is_ok());
    }
}
