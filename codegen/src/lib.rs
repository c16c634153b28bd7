//! Renders the zkt-eth Solidity verifier.
//!
//! The root crate builds a [`VerifierSpec`] from its verifying key (every index, constant and
//! expression and every block instance's call precomputed in Rust) and this crate renders `templates/verifier.sol`, whose
//! sections follow `zkt_eth::verifier::verify` step by step. The crate has no cryptography of its own
//! and no dependency on the prover.
#![forbid(unsafe_code)]

use askama::Template;

/// One block instance's part of the verifier.
#[derive(Clone, Debug)]
pub struct BlockCall {
    /// What the instance proves (a comment above its call).
    pub comment: String,
    /// Its call in `verify()`, e.g. `_rowsum(st, [uint256(_ev(proof, 3)), …]);`.
    pub call: String,
    /// Its lines in `_inversions` (denominators of the batched inversion).
    pub denominators: Vec<String>,
}

/// A public tensor evaluated by the verifier at one point.
#[derive(Clone, Debug)]
pub struct PublicEvalSpec {
    /// `pubIn` or `pubOut`.
    pub vector: String,
    /// Point index.
    pub point: usize,
    /// `log2` of the tensor's domain.
    pub log: u32,
    /// The domain's generator (decimal).
    pub omega: String,
    /// `1/D` (decimal), `D` the domain's size.
    pub inv_size: String,
    /// Its slot in the batched inversion: the product `Π_j (x − ω^j)`.
    pub inv_at: usize,
    /// The value at its padding positions (decimal field element; `f(0)` for an activation
    /// output, else 0).
    pub pad: String,
    /// `−pad` as a field element (decimal; 0 when the padding is 0).
    pub neg_pad: String,
}

/// Everything the template needs.
#[derive(Clone, Debug, Template)]
#[template(path = "verifier.sol", escape = "none")]
pub struct VerifierSpec {
    /// Contract name.
    pub contract_name: String,
    /// Model name (comment only).
    pub model_name: String,
    /// Import path of `IZkTorchVerifier.sol` as seen from the generated file.
    pub interface_import: String,
    /// Import path of `ZktTranscript.sol` (same directory as the interface).
    pub transcript_import: String,
    /// `0x…` vk digest.
    pub vk_digest: String,
    /// SRS generated with `--dev`.
    pub insecure: bool,
    /// `s`.
    pub scale_bits: u32,
    /// `B`.
    pub lookup_bits: u32,
    /// `inputs` words `verify` takes: the public input count, 0 when private, 2 when committed.
    pub public_inputs: usize,
    /// 0 private, 1 public, 2 committed (`keys::Visibility::code`).
    pub input_visibility: u64,
    /// The input is committed (the binding block and the commitment checks are emitted).
    pub committed: bool,
    /// Some lookup share is folded into the running sum (`blocks::fold`: the fold accumulators
    /// are emitted).
    pub folded: bool,
    /// Some RowSum instance batches several layers (`blocks::rowsum::RowSumPlan`: the batch
    /// functions and their state are emitted).
    pub batched: bool,
    /// Output count.
    pub outputs: usize,
    /// `log2` of the lookup domain's size.
    pub log_n: u32,
    /// `log2 K`: the lookup table's kind slots.
    pub log_kinds: u32,
    /// The kind column's coefficients `c_l` in `ζ^(n/K)` (decimal), highest degree first.
    pub kind_coefficients_desc: Vec<String>,
    /// `log2` of the largest domain.
    pub max_log: u32,
    /// Per point: its Solidity expression from `zp` (`ζ^(2^k)`).
    pub points: Vec<String>,
    /// Number of batched inversions.
    pub n_inv: usize,
    /// The first inversion slot of the Shplonk weights `1/(ξ^T − x_p)`, one per divisor.
    pub xi_inv: usize,
    /// Number of Shplonk divisors.
    pub n_divisors: usize,
    /// Per group divisor (after the `X − x_p` of every point): its point and `T` (2 bytes each), hex.
    pub divisors_hex: String,
    /// Total proof words.
    pub proof_words: usize,
    /// Commitments.
    pub n_commits: usize,
    /// Round-1 commitments.
    pub r1_end: usize,
    /// Round-1+2 commitments (the quotient follows).
    pub r2_end: usize,
    /// Evaluations.
    pub n_evals: usize,
    /// Word offset of the evaluations.
    pub w_evals: usize,
    /// Word offset of `[W]`, `[W']`.
    pub w_openings: usize,
    /// Number of evaluation claims.
    pub n_claims: usize,
    /// Per claim: commitment, divisor, `T`, then `T` evaluation indices, 2 bytes each, hex.
    pub claim_src_hex: String,
    /// Block instances, in protocol order.
    pub blocks: Vec<BlockCall>,
    /// Internal functions that block instances generate (a gate's identity), each once, after the
    /// blocks' template functions.
    pub functions: Vec<String>,
    /// Public evaluations, in `Layout::public_evals` order.
    pub public_evals: Vec<PublicEvalSpec>,
    /// Number of vk G1 points (with `G`).
    pub n_vk: usize,
    /// The vk's G1 points in MSM order (table, `[Ŵ_k] [B̂_k]` per layer, `G`), hex `x ‖ y`.
    pub vk_points_hex: String,
    /// `2^(s−1)`.
    pub half: String,
    /// `2^s`.
    pub two_s: String,
    /// `c = 2^(B−1−s)`.
    pub rem_scale: String,
    /// `2^(B−1)`: public inputs (and outputs that are looked up) lie in `[−2^(B−1), 2^(B−1))`.
    pub window: String,
    /// The public outputs' bound `2^(output_bits − 1)`: every output is a signed integer of
    /// `output_bits` bits (a wide output's range check; a looked-up output is pinned by the table).
    pub output_window: String,
    /// `zkt_eth::verifier::OUTPUT_BITS` (64).
    pub output_bits: u32,
    /// The output is wide (only its rescale remainder is looked up).
    pub wide: bool,
    /// `[τ]₂` in precompile order, decimal.
    pub tau_g2: [String; 4],
    /// `[1]₂` in precompile order, decimal.
    pub one_g2: [String; 4],
    /// Generator version string.
    pub version: String,
    /// The compiler settings the header states, e.g. `solc 0.8.30, optimizer on (200 runs), …`.
    pub compiler_settings: String,
}

/// Rendering failed: a template bug, or a layout the template cannot encode.
#[derive(Debug, thiserror::Error)]
#[error("rendering the Solidity verifier failed: {0}")]
pub struct RenderError(String);

impl RenderError {
    /// An error with this explanation.
    pub fn new(why: impl Into<String>) -> Self {
        Self(why.into())
    }
}

impl VerifierSpec {
    /// Render the Solidity source.
    pub fn render_solidity(&self) -> Result<String, RenderError> {
        self.render().map_err(|e| RenderError(e.to_string()))
    }
}
