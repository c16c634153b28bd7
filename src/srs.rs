//! The structured reference string (SRS) for KZG commitments on BN254.
//!
//! An [`Srs`] holds the powers `[τ^0]₁, [τ^1]₁, …, [τ^(n-1)]₁` in G1 and
//! `[1]₂, [τ]₂` in G2 for a secret `τ` nobody knows. It comes from one of two
//! places:
//!
//! * [`Srs::from_ptau`]: a Powers-of-Tau ceremony transcript in the snarkjs /
//!   Perpetual Powers of Tau `.ptau` format. This is the only secure source.
//! * [`Srs::dev`]: `τ` derived from a public seed. Anyone who knows the seed
//!   knows `τ` and can forge proofs: for tests and local experiments only.
//!
//! # The `.ptau` format
//!
//! All integers are little-endian.
//!
//! ```text
//! "ptau" | u32 version (= 1) | u32 nSections
//! nSections × ( u32 type | u64 size | size bytes of data )
//! ```
//!
//! | type | contents                                                        |
//! |------|-----------------------------------------------------------------|
//! | 1    | header: u32 n8 (= 32), q (n8 bytes), u32 power, u32 ceremonyPower |
//! | 2    | tauG1: `2^(power+1) − 1` G1 points `[τ^i]₁`                     |
//! | 3    | tauG2: `2^power` G2 points `[τ^i]₂`                             |
//! | 4, 5 | alphaTauG1, betaTauG1: `2^power` G1 points each                 |
//! | 6    | betaG2: one G2 point                                            |
//! | 7    | contributions                                                   |
//! | 12–15| Lagrange-basis points, only in "phase2 prepared" files          |
//!
//! A G1 point is stored affine as `x ‖ y`, a G2 point as `x.c0 ‖ x.c1 ‖ y.c0 ‖
//! y.c1`, and every base-field coordinate takes 32 bytes, little-endian, in
//! **Montgomery form** (the value stored is `a·2^256 mod p`; this is
//! ffjavascript's in-memory representation, written out by `toRprLEM`).
//! Only sections 1, 2 and 3 are read; the others are skipped (their sizes are
//! checked when present).
//!
//! # Checks
//!
//! Loading a file verifies, and fails with a [`SrsError`] naming the problem:
//!
//! * the magic, version and section table (every section lies inside the
//!   file, no required section is missing or duplicated, section sizes match
//!   the header's `power`);
//! * the header's field modulus is the BN254 base field `Fq`;
//! * every coordinate read is a canonical field element (`< p`);
//! * every G1 point read is on the curve (G1 has cofactor 1, so it is then in
//!   the prime-order group); every G2 point read is on the twist **and** in
//!   the prime-order subgroup;
//! * the first G1 and G2 points are the standard generators, and `τ ≠ 1` (a
//!   file nobody contributed to has `τ = 1`);
//! * `e([τ]₁, [1]₂) = e([1]₁, [τ]₂)`, so G1 and G2 share one `τ`;
//! * the G1 points are consecutive powers: with fresh random 128-bit
//!   coefficients `c_i` (from the thread-local CSPRNG, so a file cannot be
//!   crafted against them),
//!   `e(Σ c_i·[τ^i]₁, [τ]₂) = e(Σ c_i·[τ^(i+1)]₁, [1]₂)` over `i < n−1`.
//!   Two multi-scalar multiplications and one two-pairing product check all
//!   `n` points at once; a file whose points are not `P_{i+1} = τ·P_i` for
//!   every `i` passes with probability at most `2^-128`.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{BigInt, Field, One, PrimeField, UniformRand, Zero};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;

/// Bytes in one serialized base-field element.
const N8: usize = 32;
/// Bytes in one serialized affine G1 point.
const G1_BYTES: usize = 2 * N8;
/// Bytes in one serialized affine G2 point.
const G2_BYTES: usize = 4 * N8;
/// The largest `power` a BN254 ptau can have (the 2-adicity of `Fr`).
const MAX_POWER: u32 = 28;
/// Larger than any plausible header section (n8 is 32 for BN254, 48 for
/// BLS12-381); bounds the allocation for a malformed one.
const MAX_HEADER_BYTES: u64 = 1024;
// Section types of the `.ptau` format used here.
const SECTION_HEADER: u32 = 1;
const SECTION_TAU_G1: u32 = 2;
const SECTION_TAU_G2: u32 = 3;
const SECTION_ALPHA_TAU_G1: u32 = 4;
const SECTION_BETA_TAU_G1: u32 = 5;
const SECTION_BETA_G2: u32 = 6;

/// Structured reference string for KZG on BN254: powers of a secret `τ`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srs {
    /// `[τ^i]₁` for `i < g1.len()`; `g1[0]` is the G1 generator.
    pub g1: Vec<G1Affine>,
    /// `[1]₂` (the G2 generator) and `[τ]₂`.
    pub g2: [G2Affine; 2],
    /// Where `τ` came from; decides [`Srs::is_insecure`].
    pub source: SrsSource,
}

/// Where an [`Srs`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SrsSource {
    /// Loaded from a Powers-of-Tau ceremony file.
    Ptau {
        /// The file it was read from, as given.
        path: String,
        /// The file's `power` (header field): it holds `2^(power+1) − 1`
        /// G1 powers and `2^power` G2 powers. For a file truncated from a
        /// bigger ceremony this is smaller than the ceremony's own power.
        power: u32,
    },
    /// **INSECURE.** `τ` derived from a public seed: anyone who knows the
    /// seed can forge proofs. For tests and local development only.
    Dev {
        /// The seed `τ` was derived from.
        seed: u64,
    },
}

/// Why a `.ptau` file could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SrsError {
    /// The file could not be opened or read.
    #[error("cannot read ptau file {path}: {source}; check the path, or use --dev for an insecure local SRS")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with `ptau`.
    #[error("not a ptau file (first bytes {found:02x?}, expected \"ptau\"): pass a snarkjs / Perpetual Powers of Tau .ptau file")]
    BadMagic {
        /// The first (up to) four bytes of the file.
        found: Vec<u8>,
    },
    /// The file's format version is not 1.
    #[error(
        "unsupported ptau format version {version} (only version 1 is supported): regenerate the file with snarkjs"
    )]
    UnsupportedVersion {
        /// The version in the file.
        version: u32,
    },
    /// The file ends before the section it announces. `section` is the
    /// section type, or 0 when the file header or a section header is cut off.
    #[error("ptau file is truncated (in section {section}): the download is incomplete or the file is damaged; download it again")]
    Truncated {
        /// The section type (0: file or section header).
        section: u32,
    },
    /// A section the loader needs is not in the file.
    #[error(
        "ptau file has no section {section}: it is not a complete Powers of Tau file; download a final/prepared ptau"
    )]
    MissingSection {
        /// The section type.
        section: u32,
    },
    /// A section appears more than once.
    #[error("ptau file has section {section} more than once: the file is malformed; download it again")]
    DuplicateSection {
        /// The section type.
        section: u32,
    },
    /// A section's size does not match what the header's `power` implies.
    #[error("ptau section {section} has {found} bytes but power {power} needs {expected}: the file is malformed; download it again")]
    BadSectionSize {
        /// The section type.
        section: u32,
        /// The header's power.
        power: u32,
        /// The size the power implies.
        expected: u64,
        /// The size in the file.
        found: u64,
    },
    /// The header section is malformed.
    #[error("ptau header is invalid: {reason}; download the file again")]
    BadHeader {
        /// What is wrong.
        reason: String,
    },
    /// The ceremony was run over another curve than BN254.
    #[error("ptau file is not for BN254 (bn128): its base field differs; download a BN254 ptau such as the Hermez/Perpetual Powers of Tau files")]
    WrongField,
    /// A coordinate is not a canonical field element (not `< p`).
    #[error("ptau section {section}, point {index}: a coordinate is not reduced modulo p; the file is corrupt; download it again")]
    NonCanonical {
        /// The section type.
        section: u32,
        /// The point's index in the section.
        index: usize,
    },
    /// A point is not on the curve.
    #[error("ptau section {section}, point {index} is not on the BN254 curve: the file is corrupt; download it again")]
    NotOnCurve {
        /// The section type.
        section: u32,
        /// The point's index in the section.
        index: usize,
    },
    /// A tauG2 point is on the twist but outside the prime-order subgroup.
    #[error("ptau tauG2 point {index} is not in the prime-order subgroup of G2: the file is corrupt or malicious; download it from a trusted source")]
    NotInSubgroup {
        /// The point's index in section 3.
        index: usize,
    },
    /// The first point of a section is not the standard generator.
    #[error("ptau section {section} does not start with the BN254 generator: the file is corrupt or from another setup; download it again")]
    WrongGenerator {
        /// The section type.
        section: u32,
    },
    /// `[τ]₁` is the generator, so `τ = 1`: nobody contributed to the file.
    #[error("ptau has tau = 1 (no contribution was made, e.g. straight from `snarkjs powersoftau new`): contribute to it or download a finished ceremony file")]
    TrivialTau,
    /// The file holds fewer G1 powers than requested.
    #[error("ptau has only {have} G1 powers but {need} are needed: download a larger ptau (power >= {}) or use --dev for an insecure local SRS", min_power_for(*.need))]
    TooSmall {
        /// G1 powers in the file.
        have: usize,
        /// G1 powers requested.
        need: usize,
    },
    /// Zero G1 powers were requested.
    #[error("requested an SRS with 0 G1 powers: ask for at least 1")]
    ZeroPowers,
    /// The points are valid curve points but not consecutive powers of one `τ`.
    #[error("ptau points are not consecutive powers of one tau: the file is corrupt or malicious; download it from a trusted source")]
    PowersInconsistent,
}

/// The smallest ptau `power` whose file holds at least `need` G1 powers
/// (a power-`k` file holds `2^(k+1) − 1`).
fn min_power_for(need: usize) -> u32 {
    let mut k = 0u32;
    while k < 63 && (1u128 << (k + 1)) - 1 < need as u128 {
        k += 1;
    }
    k
}

impl Srs {
    /// Loads the first `max_g1` G1 powers `[τ^i]₁` and `[1]₂, [τ]₂` from a
    /// snarkjs / Perpetual Powers of Tau `.ptau` file, verifying them (see the
    /// [module docs](self)). Only the bytes needed are read, so a large
    /// ceremony file costs no more than the powers taken from it.
    ///
    /// Returns [`SrsError::TooSmall`] when the file holds fewer than `max_g1`
    /// G1 powers, and [`SrsError::ZeroPowers`] when `max_g1 == 0`.
    pub fn from_ptau(path: &Path, max_g1: usize) -> Result<Srs, SrsError> {
        if max_g1 == 0 {
            return Err(SrsError::ZeroPowers);
        }
        let path_str = path.display().to_string();
        let io_err = |source: std::io::Error| SrsError::Io {
            path: path_str.clone(),
            source,
        };
        let mut file = File::open(path).map_err(io_err)?;
        let file_len = file.metadata().map_err(io_err)?.len();
        let sections = read_section_table(&mut file, file_len).map_err(|e| e.into_srs(&path_str))?;

        let header = sections.get(SECTION_HEADER)?;
        if header.size > MAX_HEADER_BYTES {
            return Err(SrsError::BadHeader {
                reason: format!("header section is {} bytes long", header.size),
            });
        }
        let header_bytes =
            read_at(&mut file, header.offset, header.size, SECTION_HEADER).map_err(|e| e.into_srs(&path_str))?;
        let power = parse_header(&header_bytes)?;

        let n_g1 = (1u64 << (power + 1)) - 1;
        let n_g2 = 1u64 << power;
        let expected = [
            (SECTION_TAU_G1, n_g1 * G1_BYTES as u64, true),
            (SECTION_TAU_G2, n_g2 * G2_BYTES as u64, true),
            (SECTION_ALPHA_TAU_G1, n_g2 * G1_BYTES as u64, false),
            (SECTION_BETA_TAU_G1, n_g2 * G1_BYTES as u64, false),
            (SECTION_BETA_G2, G2_BYTES as u64, false),
        ];
        for (section, expected, required) in expected {
            let found = match sections.find(section) {
                Some(s) => s.size,
                None if required => return Err(SrsError::MissingSection { section }),
                None => continue,
            };
            if found != expected {
                return Err(SrsError::BadSectionSize {
                    section,
                    power,
                    expected,
                    found,
                });
            }
        }

        let have = usize::try_from(n_g1).unwrap_or(usize::MAX);
        if have < max_g1 {
            return Err(SrsError::TooSmall { have, need: max_g1 });
        }
        // Read at least [1]₁ and [τ]₁ for the checks, even if only [1]₁ is kept.
        let n_read = max_g1.max(2);

        let g1_section = sections.get(SECTION_TAU_G1)?;
        let g1_bytes = read_at(&mut file, g1_section.offset, (n_read * G1_BYTES) as u64, SECTION_TAU_G1)
            .map_err(|e| e.into_srs(&path_str))?;
        let mut g1 = parse_g1_points(&g1_bytes, SECTION_TAU_G1)?;

        let g2_section = sections.get(SECTION_TAU_G2)?;
        let g2_bytes = read_at(&mut file, g2_section.offset, (2 * G2_BYTES) as u64, SECTION_TAU_G2)
            .map_err(|e| e.into_srs(&path_str))?;
        let g2 = [
            parse_g2_point(&g2_bytes[..G2_BYTES], 0)?,
            parse_g2_point(&g2_bytes[G2_BYTES..], 1)?,
        ];

        check_powers(&g1, &g2)?;
        g1.truncate(max_g1);
        Ok(Srs {
            g1,
            g2,
            source: SrsSource::Ptau { path: path_str, power },
        })
    }

    /// **INSECURE** SRS with `len` G1 powers, `τ` drawn from a ChaCha20 RNG
    /// seeded with `seed`. Deterministic: the same `(seed, len)` always gives
    /// the same SRS, and a longer `len` extends a shorter one. Anyone who
    /// knows the seed knows `τ`; use only for tests and local development.
    ///
    /// `len == 0` gives an empty `g1`.
    pub fn dev(seed: u64, len: usize) -> Srs {
        let tau = dev_tau(seed);
        let powers = powers_of(tau, len);
        let g1 = fixed_base_g1(&powers);
        let g2 = [G2Affine::generator(), (G2Projective::generator() * tau).into_affine()];
        Srs {
            g1,
            g2,
            source: SrsSource::Dev { seed },
        }
    }

    /// `true` when `τ` is publicly known (a [`SrsSource::Dev`] SRS): proofs
    /// made with it can be forged and must not be trusted.
    pub fn is_insecure(&self) -> bool {
        matches!(self.source, SrsSource::Dev { .. })
    }

    /// The highest polynomial degree this SRS can commit to: `g1.len() − 1`
    /// (0 for an empty SRS).
    pub fn max_degree(&self) -> usize {
        self.g1.len().saturating_sub(1)
    }
}

/// `τ` for [`Srs::dev`]: the first draw from `ChaCha20Rng::seed_from_u64(seed)`
/// that is neither 0 nor 1.
fn dev_tau(seed: u64) -> Fr {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    loop {
        let tau = Fr::rand(&mut rng);
        if !tau.is_zero() && !tau.is_one() {
            return tau;
        }
    }
}

/// `[τ^0, τ^1, …, τ^(len-1)]`, computed in parallel chunks.
fn powers_of(tau: Fr, len: usize) -> Vec<Fr> {
    const CHUNK: usize = 1 << 12;
    let mut powers = vec![Fr::zero(); len];
    powers
        .par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(chunk_index, chunk)| {
            let mut cur = tau.pow([(chunk_index * CHUNK) as u64]);
            for p in chunk.iter_mut() {
                *p = cur;
                cur *= tau;
            }
        });
    powers
}

/// `[s]₁` for every `s` in `scalars`: fixed-base windowed multiplication.
///
/// Uses arkworks' precomputed table (`table[k][d] = d·2^(w·k)·G`) but adds
/// the table entries in **affine** coordinates, batching the inversions of a
/// whole chunk of accumulators (Montgomery's trick): about 6 field
/// multiplications per addition instead of 11 for mixed addition, and the
/// results come out affine with no final normalization. The addition is
/// `crate::msm`'s (doubling and cancellation included).
fn fixed_base_g1(scalars: &[Fr]) -> Vec<G1Affine> {
    const CHUNK: usize = 2048;
    if scalars.is_empty() {
        return Vec::new();
    }
    let pre = BatchMulPreprocessing::new(G1Projective::generator(), scalars.len());
    let window = pre.window;
    let table = &pre.table;
    let mut out = vec![G1Affine::identity(); scalars.len()];
    out.par_chunks_mut(CHUNK)
        .zip(scalars.par_chunks(CHUNK))
        .for_each(|(acc, scalars)| {
            let bigints: Vec<BigInt<4>> = scalars.iter().map(|s| s.into_bigint()).collect();
            // (index, table point) added this round, and their denominators.
            let mut pending: Vec<(usize, G1Affine)> = Vec::with_capacity(acc.len());
            let mut dens: Vec<Fq> = Vec::with_capacity(acc.len());
            let mut scratch: Vec<Fq> = Vec::with_capacity(acc.len());
            for (k, row) in table.iter().enumerate() {
                pending.clear();
                dens.clear();
                for (i, (a, s)) in acc.iter().zip(&bigints).enumerate() {
                    if let Some(q) = row.get(window_digit(s, k * window, window)) {
                        pending.push((i, *q));
                        dens.push(crate::msm::denominator(a, q));
                    }
                }
                crate::msm::invert_all(&mut dens, &mut scratch);
                for (&(i, q), inv) in pending.iter().zip(&dens) {
                    acc[i] = crate::msm::add(&acc[i], &q, *inv);
                }
            }
        });
    out
}

/// Bits `start .. start + width` of `s` (little-endian), `width <= 32`.
fn window_digit(s: &BigInt<4>, start: usize, width: usize) -> usize {
    let limbs = s.as_ref();
    let (limb, shift) = (start / 64, start % 64);
    let lo = limbs.get(limb).copied().unwrap_or(0) >> shift;
    let hi = if shift == 0 {
        0
    } else {
        limbs.get(limb + 1).copied().unwrap_or(0) << (64 - shift)
    };
    ((lo | hi) & ((1u64 << width) - 1)) as usize
}

/// Verifies that `g1[i] = [τ^i]₁` and `g2 = [1]₂, [τ]₂` for one `τ ≠ 1`.
/// Needs `g1.len() >= 2`; points must already be on the curve / in the group.
pub(crate) fn check_powers(g1: &[G1Affine], g2: &[G2Affine; 2]) -> Result<(), SrsError> {
    let (Some(&g1_one), Some(&g1_tau)) = (g1.first(), g1.get(1)) else {
        return Err(SrsError::PowersInconsistent);
    };
    if g1_one != G1Affine::generator() {
        return Err(SrsError::WrongGenerator {
            section: SECTION_TAU_G1,
        });
    }
    if g2[0] != G2Affine::generator() {
        return Err(SrsError::WrongGenerator {
            section: SECTION_TAU_G2,
        });
    }
    if g1_tau == g1_one {
        return Err(SrsError::TrivialTau);
    }
    // e([τ]₁, [1]₂) · e(−[1]₁, [τ]₂) = 1
    let same_tau = Bn254::multi_pairing([g1_tau, -g1_one], [g2[0], g2[1]]);
    if !same_tau.is_zero() {
        return Err(SrsError::PowersInconsistent);
    }
    if g1.len() > 2 {
        // e(Σ c_i·P_i, [τ]₂) · e(−Σ c_i·P_{i+1}, [1]₂) = 1 for random 128-bit c_i.
        let mut rng = rand::thread_rng();
        let coeffs: Vec<u128> = (0..g1.len() - 1).map(|_| rng.gen()).collect();
        let [lhs, rhs] = msm_u128_pair([&g1[..g1.len() - 1], &g1[1..]], &coeffs);
        let chained = Bn254::multi_pairing([lhs.into_affine(), (-rhs).into_affine()], [g2[1], g2[0]]);
        if !chained.is_zero() {
            return Err(SrsError::PowersInconsistent);
        }
    }
    Ok(())
}

/// `[Σ c_i·bases[0][i], Σ c_i·bases[1][i]]`: two multi-scalar multiplications sharing 128-bit
/// coefficients, in parallel, by [`crate::msm`] (batched affine additions; its windows follow the
/// coefficients' 128 bits).
fn msm_u128_pair(bases: [&[G1Affine]; 2], coeffs: &[u128]) -> [G1Projective; 2] {
    let scalars: Vec<Fr> = coeffs.par_iter().map(|c| Fr::from(*c)).collect();
    let (a, b) = rayon::join(
        || crate::msm::msm(bases[0], &scalars),
        || crate::msm::msm(bases[1], &scalars),
    );
    [a, b]
}

/// One entry of the section table.
#[derive(Debug, Clone, Copy)]
struct Section {
    kind: u32,
    offset: u64,
    size: u64,
}

/// All sections of a file, in file order.
struct SectionTable(Vec<Section>);

impl SectionTable {
    fn find(&self, kind: u32) -> Option<Section> {
        self.0.iter().copied().find(|s| s.kind == kind)
    }

    fn get(&self, kind: u32) -> Result<Section, SrsError> {
        self.find(kind).ok_or(SrsError::MissingSection { section: kind })
    }
}

/// A read failure before the file's path is attached.
enum ReadError {
    Io(std::io::Error),
    Srs(SrsError),
}

impl ReadError {
    fn into_srs(self, path: &str) -> SrsError {
        match self {
            ReadError::Io(source) => SrsError::Io {
                path: path.to_owned(),
                source,
            },
            ReadError::Srs(e) => e,
        }
    }
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Io(e)
    }
}

impl From<SrsError> for ReadError {
    fn from(e: SrsError) -> Self {
        ReadError::Srs(e)
    }
}

/// Reads the magic, version and section table, seeking over section data.
fn read_section_table(file: &mut File, file_len: u64) -> Result<SectionTable, ReadError> {
    let mut head = [0u8; 12];
    let got = read_up_to(file, &mut head)?;
    if got < 4 || &head[..4] != b"ptau" {
        return Err(SrsError::BadMagic {
            found: head[..got.min(4)].to_vec(),
        }
        .into());
    }
    if got < 12 {
        return Err(SrsError::Truncated { section: 0 }.into());
    }
    let version = le_u32(&head[4..8]);
    if version != 1 {
        return Err(SrsError::UnsupportedVersion { version }.into());
    }
    let n_sections = le_u32(&head[8..12]);

    let mut sections: Vec<Section> = Vec::new();
    let mut pos: u64 = 12;
    for _ in 0..n_sections {
        if file_len.saturating_sub(pos) < 12 {
            return Err(SrsError::Truncated { section: 0 }.into());
        }
        let mut sh = [0u8; 12];
        file.seek(SeekFrom::Start(pos))?;
        file.read_exact(&mut sh)?;
        let kind = le_u32(&sh[..4]);
        let size = le_u64(&sh[4..12]);
        let offset = pos + 12;
        if file_len.saturating_sub(offset) < size {
            return Err(SrsError::Truncated { section: kind }.into());
        }
        if sections.iter().any(|s| s.kind == kind) {
            return Err(SrsError::DuplicateSection { section: kind }.into());
        }
        sections.push(Section { kind, offset, size });
        pos = offset + size;
    }
    Ok(SectionTable(sections))
}

/// Reads into `buf` until it is full or the file ends; returns bytes read.
fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Reads `len` bytes at `offset` (inside section `section`).
fn read_at(file: &mut File, offset: u64, len: u64, section: u32) -> Result<Vec<u8>, ReadError> {
    let len = usize::try_from(len).map_err(|_| SrsError::Truncated { section })?;
    let mut buf = vec![0u8; len];
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(&mut buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            ReadError::Srs(SrsError::Truncated { section })
        } else {
            ReadError::Io(e)
        }
    })?;
    Ok(buf)
}

/// Parses section 1 and returns the file's `power`.
fn parse_header(bytes: &[u8]) -> Result<u32, SrsError> {
    let bad = |reason: &str| SrsError::BadHeader {
        reason: reason.to_owned(),
    };
    if bytes.len() < 4 {
        return Err(bad("header section shorter than 4 bytes"));
    }
    let n8 = le_u32(&bytes[..4]) as usize;
    if n8 != N8 {
        // Another curve (e.g. BLS12-381 has n8 = 48).
        return Err(SrsError::WrongField);
    }
    if bytes.len() != 4 + N8 + 8 {
        return Err(bad("header section has the wrong size"));
    }
    let q = le_bigint(&bytes[4..4 + N8]);
    if q != Fq::MODULUS {
        return Err(SrsError::WrongField);
    }
    let power = le_u32(&bytes[4 + N8..8 + N8]);
    let ceremony_power = le_u32(&bytes[8 + N8..12 + N8]);
    if power == 0 || power > MAX_POWER {
        return Err(bad(&format!(
            "power {power} is outside 1..={MAX_POWER} (BN254 supports at most 2^{MAX_POWER})"
        )));
    }
    if ceremony_power < power || ceremony_power > MAX_POWER {
        return Err(bad(&format!(
            "ceremony power {ceremony_power} is not in {power}..={MAX_POWER}"
        )));
    }
    Ok(power)
}

fn le_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[..4]);
    u32::from_le_bytes(a)
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// 32 little-endian bytes as an integer.
fn le_bigint(b: &[u8]) -> BigInt<4> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(b.chunks_exact(8)) {
        *limb = le_u64(chunk);
    }
    BigInt::new(limbs)
}

/// A base-field element stored as 32 little-endian bytes in Montgomery form,
/// or `None` if the stored integer is not `< p`.
fn parse_fq_montgomery(b: &[u8]) -> Option<Fq> {
    let repr = le_bigint(b);
    if repr >= Fq::MODULUS {
        return None;
    }
    // `new_unchecked` takes exactly the Montgomery representation; it is a
    // valid field element because it was just checked to be < p.
    Some(Fq::new_unchecked(repr))
}

/// Parses and checks (canonical, on curve) consecutive G1 points.
fn parse_g1_points(bytes: &[u8], section: u32) -> Result<Vec<G1Affine>, SrsError> {
    bytes
        .par_chunks_exact(G1_BYTES)
        .enumerate()
        .map(|(index, b)| {
            let non_canonical = SrsError::NonCanonical { section, index };
            let x = parse_fq_montgomery(&b[..N8]).ok_or(non_canonical)?;
            let y = parse_fq_montgomery(&b[N8..]).ok_or(SrsError::NonCanonical { section, index })?;
            let p = G1Affine::new_unchecked(x, y);
            // G1 has cofactor 1: on the curve means in the prime-order group.
            if !p.is_on_curve() {
                return Err(SrsError::NotOnCurve { section, index });
            }
            Ok(p)
        })
        .collect()
}

/// Parses and checks (canonical, on the twist, in the prime-order subgroup)
/// the tauG2 point with the given index.
fn parse_g2_point(b: &[u8], index: usize) -> Result<G2Affine, SrsError> {
    let section = SECTION_TAU_G2;
    let coord =
        |i: usize| parse_fq_montgomery(&b[i * N8..(i + 1) * N8]).ok_or(SrsError::NonCanonical { section, index });
    let x = Fq2::new(coord(0)?, coord(1)?);
    let y = Fq2::new(coord(2)?, coord(3)?);
    let p = G2Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(SrsError::NotOnCurve { section, index });
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(SrsError::NotInSubgroup { index });
    }
    Ok(p)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use ark_ec::scalar_mul::ScalarMul;
    use ark_ec::VariableBaseMSM;
    use ark_ff::BigInteger;
    use std::path::PathBuf;
    use std::time::Instant;

    fn fixture() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pot8.ptau")
    }

    fn fixture_bytes() -> Vec<u8> {
        std::fs::read(fixture()).expect("tests/fixtures/pot8.ptau")
    }

    /// Byte offset of section `kind`'s data in a well-formed file.
    fn section_offset(bytes: &[u8], kind: u32) -> usize {
        let n = le_u32(&bytes[8..12]);
        let mut pos = 12usize;
        for _ in 0..n {
            let k = le_u32(&bytes[pos..pos + 4]);
            let size = le_u64(&bytes[pos + 4..pos + 12]) as usize;
            if k == kind {
                return pos + 12;
            }
            pos += 12 + size;
        }
        panic!("no section {kind}");
    }

    fn load_modified(max_g1: usize, modify: impl FnOnce(&mut Vec<u8>)) -> Result<Srs, SrsError> {
        let mut bytes = fixture_bytes();
        modify(&mut bytes);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("modified.ptau");
        std::fs::write(&path, &bytes).unwrap();
        Srs::from_ptau(&path, max_g1)
    }

    fn fq_montgomery_bytes(f: Fq) -> Vec<u8> {
        // `f.0` is the Montgomery representation.
        f.0.to_bytes_le()
    }

    fn g1_bytes(p: G1Affine) -> Vec<u8> {
        [fq_montgomery_bytes(p.x), fq_montgomery_bytes(p.y)].concat()
    }

    fn g2_bytes(p: G2Affine) -> Vec<u8> {
        [
            fq_montgomery_bytes(p.x.c0),
            fq_montgomery_bytes(p.x.c1),
            fq_montgomery_bytes(p.y.c0),
            fq_montgomery_bytes(p.y.c1),
        ]
        .concat()
    }

    /// An on-curve G2 point outside the prime-order subgroup: try-and-increment
    /// on the twist without cofactor clearing.
    fn g2_outside_subgroup() -> G2Affine {
        for k in 1u64.. {
            let x = Fq2::new(Fq::from(k), Fq::zero());
            if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) {
                assert!(p.is_on_curve());
                if !p.is_in_correct_subgroup_assuming_on_curve() {
                    return p;
                }
            }
        }
        unreachable!()
    }

    #[test]
    fn srs_fixture_loads_and_is_consistent() {
        let start = Instant::now();
        let srs = Srs::from_ptau(&fixture(), 511).unwrap();
        eprintln!("loaded 511 G1 powers from pot8.ptau in {:?}", start.elapsed());
        assert_eq!(srs.g1.len(), 511);
        assert_eq!(srs.max_degree(), 510);
        assert!(!srs.is_insecure());
        assert_eq!(
            srs.source,
            SrsSource::Ptau {
                path: fixture().display().to_string(),
                power: 8
            }
        );
        // The decoded [τ^0]₁ and [τ^0]₂ are the generators (Montgomery decoding
        // and G2 coordinate order are right).
        assert_eq!(srs.g1[0], G1Affine::generator());
        assert_eq!(srs.g2[0], G2Affine::generator());
        assert_ne!(srs.g1[1], srs.g1[0]);
        // Spot-check e([τ^i]₁, [τ]₂) = e([τ^(i+1)]₁, [1]₂) directly.
        for i in [0, 1, 100, 509] {
            assert_eq!(
                Bn254::pairing(srs.g1[i], srs.g2[1]),
                Bn254::pairing(srs.g1[i + 1], srs.g2[0])
            );
        }
    }

    #[test]
    fn srs_fixture_prefix_matches() {
        let full = Srs::from_ptau(&fixture(), 300).unwrap();
        let one = Srs::from_ptau(&fixture(), 1).unwrap();
        let two = Srs::from_ptau(&fixture(), 2).unwrap();
        assert_eq!(one.g1, full.g1[..1]);
        assert_eq!(two.g1, full.g1[..2]);
        assert_eq!(one.g2, full.g2);
        assert_eq!(one.max_degree(), 0);
    }

    #[test]
    fn srs_too_small() {
        match Srs::from_ptau(&fixture(), 512) {
            Err(e @ SrsError::TooSmall { have: 511, need: 512 }) => {
                let msg = e.to_string();
                assert!(msg.contains("power >= 9"), "{msg}");
                assert!(msg.contains("--dev"), "{msg}");
            }
            other => panic!("expected TooSmall, got {other:?}"),
        }
        assert!(matches!(Srs::from_ptau(&fixture(), 0), Err(SrsError::ZeroPowers)));
    }

    #[test]
    fn srs_min_power() {
        assert_eq!(min_power_for(1), 0);
        assert_eq!(min_power_for(2), 1);
        assert_eq!(min_power_for(3), 1);
        assert_eq!(min_power_for(4), 2);
        assert_eq!(min_power_for(511), 8);
        assert_eq!(min_power_for(512), 9);
        assert_eq!(min_power_for(1 << 16), 16);
    }

    #[test]
    fn srs_bad_magic() {
        let r = load_modified(4, |b| b[..4].copy_from_slice(b"ptax"));
        assert!(matches!(r, Err(SrsError::BadMagic { .. })), "{r:?}");
        let r = load_modified(4, |b| b.truncate(2));
        assert!(matches!(r, Err(SrsError::BadMagic { .. })), "{r:?}");
    }

    #[test]
    fn srs_bad_version() {
        let r = load_modified(4, |b| b[4] = 2);
        assert!(matches!(r, Err(SrsError::UnsupportedVersion { version: 2 })), "{r:?}");
    }

    #[test]
    fn srs_truncated() {
        // Cut inside the tauG1 section.
        let r = load_modified(4, |b| {
            let off = section_offset(b, SECTION_TAU_G1);
            b.truncate(off + 1000);
        });
        assert!(matches!(r, Err(SrsError::Truncated { section: 2 })), "{r:?}");
        // Cut inside the file header.
        let r = load_modified(4, |b| b.truncate(10));
        assert!(matches!(r, Err(SrsError::Truncated { section: 0 })), "{r:?}");
        // Cut at the end: last section (contributions) incomplete.
        let r = load_modified(4, |b| {
            let len = b.len();
            b.truncate(len - 1)
        });
        assert!(matches!(r, Err(SrsError::Truncated { section: 7 })), "{r:?}");
    }

    #[test]
    fn srs_missing_file() {
        let r = Srs::from_ptau(Path::new("/nonexistent/zkt-eth/none.ptau"), 4);
        match r {
            Err(e @ SrsError::Io { .. }) => assert!(e.to_string().contains("none.ptau")),
            other => panic!("expected Io, got {other:?}"),
        }
    }

    #[test]
    fn srs_wrong_field() {
        // Change the modulus q in the header.
        let r = load_modified(4, |b| {
            let off = section_offset(b, SECTION_HEADER);
            b[off + 4] ^= 1;
        });
        assert!(matches!(r, Err(SrsError::WrongField)), "{r:?}");
    }

    #[test]
    fn srs_bad_section_size() {
        // Claim power 7 in the header: section 2 is then too large.
        let r = load_modified(4, |b| {
            let off = section_offset(b, SECTION_HEADER);
            b[off + 4 + N8] = 7;
        });
        assert!(
            matches!(
                r,
                Err(SrsError::BadSectionSize {
                    section: 2,
                    power: 7,
                    ..
                })
            ),
            "{r:?}"
        );
    }

    #[test]
    fn srs_flipped_g1_byte_not_on_curve() {
        let r = load_modified(16, |b| {
            let off = section_offset(b, SECTION_TAU_G1);
            b[off + 5 * G1_BYTES + 3] ^= 0x01;
        });
        assert!(matches!(r, Err(SrsError::NotOnCurve { section: 2, index: 5 })), "{r:?}");
        // Beyond the requested powers the file is not read at all.
        let r = load_modified(5, |b| {
            let off = section_offset(b, SECTION_TAU_G1);
            b[off + 5 * G1_BYTES + 3] ^= 0x01;
        });
        assert!(r.is_ok(), "{r:?}");
    }

    #[test]
    fn srs_non_canonical_coordinate() {
        let r = load_modified(16, |b| {
            let off = section_offset(b, SECTION_TAU_G1) + 3 * G1_BYTES;
            b[off..off + N8].fill(0xff);
        });
        assert!(
            matches!(r, Err(SrsError::NonCanonical { section: 2, index: 3 })),
            "{r:?}"
        );
    }

    #[test]
    fn srs_flipped_g2_byte_not_on_curve() {
        let r = load_modified(16, |b| {
            let off = section_offset(b, SECTION_TAU_G2);
            b[off + G2_BYTES + 7] ^= 0x10;
        });
        assert!(matches!(r, Err(SrsError::NotOnCurve { section: 3, index: 1 })), "{r:?}");
    }

    #[test]
    fn srs_g2_outside_subgroup() {
        let bad = g2_outside_subgroup();
        let r = load_modified(16, |b| {
            let off = section_offset(b, SECTION_TAU_G2) + G2_BYTES;
            b[off..off + G2_BYTES].copy_from_slice(&g2_bytes(bad));
        });
        assert!(matches!(r, Err(SrsError::NotInSubgroup { index: 1 })), "{r:?}");
    }

    #[test]
    fn srs_wrong_generator() {
        let r = load_modified(16, |b| {
            let off = section_offset(b, SECTION_TAU_G1);
            let p = (G1Affine::generator() + G1Affine::generator()).into_affine();
            b[off..off + G1_BYTES].copy_from_slice(&g1_bytes(p));
        });
        assert!(matches!(r, Err(SrsError::WrongGenerator { section: 2 })), "{r:?}");
    }

    #[test]
    fn srs_trivial_tau_rejected() {
        let r = load_modified(16, |b| {
            let off = section_offset(b, SECTION_TAU_G1);
            let g = g1_bytes(G1Affine::generator());
            b[off + G1_BYTES..off + 2 * G1_BYTES].copy_from_slice(&g);
        });
        assert!(matches!(r, Err(SrsError::TrivialTau)), "{r:?}");
    }

    #[test]
    fn srs_inconsistent_g1_power_detected() {
        // A valid curve point that is not τ·P_{i-1}, deep in the vector.
        let r = load_modified(200, |b| {
            let off = section_offset(b, SECTION_TAU_G1) + 150 * G1_BYTES;
            let srs = Srs::from_ptau(&fixture(), 200).unwrap();
            let p = (srs.g1[150] + G1Affine::generator()).into_affine();
            b[off..off + G1_BYTES].copy_from_slice(&g1_bytes(p));
        });
        assert!(matches!(r, Err(SrsError::PowersInconsistent)), "{r:?}");
        // Two swapped powers.
        let r = load_modified(200, |b| {
            let off = section_offset(b, SECTION_TAU_G1);
            let (a, c) = (off + 10 * G1_BYTES, off + 11 * G1_BYTES);
            let tmp = b[a..a + G1_BYTES].to_vec();
            b.copy_within(c..c + G1_BYTES, a);
            b[c..c + G1_BYTES].copy_from_slice(&tmp);
        });
        assert!(matches!(r, Err(SrsError::PowersInconsistent)), "{r:?}");
    }

    #[test]
    fn srs_inconsistent_g2_tau_detected() {
        // [τ]₂ replaced by another subgroup point: e([τ]₁,[1]₂) ≠ e([1]₁,[τ']₂).
        let r = load_modified(16, |b| {
            let off = section_offset(b, SECTION_TAU_G2) + G2_BYTES;
            let p = (G2Projective::generator() * Fr::from(5u64)).into_affine();
            b[off..off + G2_BYTES].copy_from_slice(&g2_bytes(p));
        });
        assert!(matches!(r, Err(SrsError::PowersInconsistent)), "{r:?}");
    }

    #[test]
    fn srs_error_messages_are_actionable() {
        let e = SrsError::PowersInconsistent.to_string();
        assert!(e.contains("download"), "{e}");
        let e = SrsError::TooSmall {
            have: 511,
            need: 1 << 16,
        }
        .to_string();
        assert!(e.contains("power >= 16") && e.contains("--dev"), "{e}");
    }

    #[test]
    fn srs_dev_deterministic_and_consistent() {
        let a = Srs::dev(42, 64);
        let b = Srs::dev(42, 64);
        let c = Srs::dev(43, 64);
        let longer = Srs::dev(42, 100);
        assert_eq!(a, b);
        assert_ne!(a.g1[1], c.g1[1]);
        assert_eq!(a.g1[..], longer.g1[..64]);
        assert!(a.is_insecure());
        assert_eq!(a.max_degree(), 63);
        assert_eq!(a.source, SrsSource::Dev { seed: 42 });
        assert_eq!(a.g1[0], G1Affine::generator());
        assert_eq!(a.g2[0], G2Affine::generator());
        // Same full verification as a loaded file.
        check_powers(&a.g1, &a.g2).unwrap();
        // And the exact powers of the documented τ.
        let tau = dev_tau(42);
        assert_eq!(a.g1[5], (G1Projective::generator() * tau.pow([5u64])).into_affine());
        assert_eq!(a.g2[1], (G2Projective::generator() * tau).into_affine());
    }

    #[test]
    fn srs_fixed_base_matches_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let mut scalars: Vec<Fr> = (0..3000).map(|_| Fr::rand(&mut rng)).collect();
        // Edge cases: zero, one, −1, small values, a repeated scalar.
        scalars[0] = Fr::zero();
        scalars[1] = Fr::one();
        scalars[2] = -Fr::one();
        scalars[3] = Fr::from(2u64);
        scalars[4] = Fr::from(1u64 << 11);
        scalars[2500] = scalars[7];
        let ours = fixed_base_g1(&scalars);
        let theirs = G1Projective::generator().batch_mul(&scalars);
        assert_eq!(ours, theirs);
        assert!(ours[0].is_zero());
        assert!(ours.iter().all(|p| p.is_on_curve()));
        assert!(fixed_base_g1(&[]).is_empty());
    }

    #[test]
    fn srs_msm_u128_matches_arkworks() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        for n in [0usize, 1, 2, 3, 100, 3000] {
            let mut bases: Vec<G1Affine> = (0..n)
                .map(|_| (G1Projective::generator() * Fr::rand(&mut rng)).into_affine())
                .collect();
            let mut coeffs: Vec<u128> = (0..n).map(|_| rng.gen()).collect();
            if n >= 100 {
                // Same base and same digits twice (doubling in a bucket), a
                // base and its negation (cancellation), extreme coefficients.
                bases[1] = bases[0];
                coeffs[1] = coeffs[0];
                bases[3] = -bases[2];
                coeffs[3] = coeffs[2];
                bases[5] = bases[4];
                coeffs[4] = 0;
                coeffs[5] = u128::MAX;
                coeffs[6] = 1;
                bases[7] = G1Affine::identity();
            }
            let other: Vec<G1Affine> = bases.iter().rev().copied().collect();
            let [a, b] = msm_u128_pair([&bases, &other], &coeffs);
            let bigints: Vec<BigInt<4>> = coeffs
                .iter()
                .map(|&c| BigInt::new([c as u64, (c >> 64) as u64, 0, 0]))
                .collect();
            assert_eq!(a, G1Projective::msm_bigint(&bases, &bigints), "n = {n}");
            assert_eq!(b, G1Projective::msm_bigint(&other, &bigints), "n = {n}");
        }
    }

    #[test]
    fn srs_window_digit() {
        let s = BigInt::new([0xfedc_ba98_7654_3210, 0x0123_4567_89ab_cdef, 0, u64::MAX]);
        assert_eq!(window_digit(&s, 0, 8), 0x10);
        assert_eq!(window_digit(&s, 60, 8), 0xff);
        assert_eq!(window_digit(&s, 56, 12), 0xffe);
        assert_eq!(window_digit(&s, 250, 11), 0x3f);
    }

    #[test]
    fn srs_dev_edge_lengths() {
        let empty = Srs::dev(1, 0);
        assert!(empty.g1.is_empty());
        assert_eq!(empty.max_degree(), 0);
        let one = Srs::dev(1, 1);
        assert_eq!(one.g1, vec![G1Affine::generator()]);
        // Crosses the parallel chunk boundary of `powers_of`.
        let n = (1 << 12) + 3;
        let tau = dev_tau(9);
        let powers = powers_of(tau, n);
        assert_eq!(powers[n - 1], tau.pow([(n - 1) as u64]));
        assert_eq!(powers[1 << 12], tau.pow([1u64 << 12]));
    }

    #[test]
    fn srs_dev_2_16_timing() {
        let start = Instant::now();
        let srs = Srs::dev(7, 1 << 16);
        let gen = start.elapsed();
        let start = Instant::now();
        check_powers(&srs.g1, &srs.g2).unwrap();
        eprintln!(
            "Srs::dev(7, 1<<16): {gen:?}; full consistency check of 2^16 points: {:?}",
            start.elapsed()
        );
        assert_eq!(srs.g1.len(), 1 << 16);
    }
}
