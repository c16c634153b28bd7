//! Renders the zkt-eth Solidity verifier.
//!
//! The root crate builds a [`VerifierSpec`] from its verifying key (every index, constant and
//! per-layer expression precomputed in Rust) and this crate renders `templates/verifier.sol`, whose
//! sections follow `zkt_eth::verifier::verify` step by step. The crate has no cryptography of its own
//! and no dependency on the prover.
#![forbid(unsafe_code)]

use askama::Template;

/// One layer: its constants for the generic `_layer` function and its vk points.
#[derive(Clone, Debug)]
pub struct LayerSpec {
    /// Layer index.
    pub k: usize,
    /// Human-readable name (comment only).
    pub name: String,
    /// The comma-separated constants of `_layer` (see the template's doc comment).
    pub consts: String,
    /// Index of the layer's first denominator in the batched inversion.
    pub inv_base: usize,
    /// `log2 K` (matrix domain).
    pub log_k: u32,
    /// Point index of `ζ^M`.
    pub p_x: usize,
    /// `N` (input domain size).
    pub n_size: String,
    /// `ω_N` (decimal).
    pub omega_n: String,
}

/// The private-input range lookup.
#[derive(Clone, Debug)]
pub struct RangeSpec {
    /// Evaluation index of `x₀(ζ^{n/N₀})`.
    pub e_x: usize,
    /// Evaluation index of `h_in(ζ^{n/N₀})`.
    pub e_h: usize,
    /// `N₀/n` as a field element (decimal).
    pub weight: String,
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
    /// Public input count (0 when private).
    pub public_inputs: usize,
    /// Output count.
    pub outputs: usize,
    /// `log2` of the lookup domain's size.
    pub log_n: u32,
    /// `log2` of the largest domain.
    pub max_log: u32,
    /// Per point: its Solidity expression from `zp` (`ζ^(2^k)`).
    pub points: Vec<String>,
    /// Number of batched inversions.
    pub n_inv: usize,
    /// Public input: point index, `log2 N₀`, `ω_{N₀}`, first inverse index.
    pub in_point: usize,
    /// See `in_point`.
    pub in_log: u32,
    /// See `in_point`.
    pub in_omega: String,
    /// See `in_point`.
    pub in_inv: usize,
    /// Public output: point index, `log2 M`, `ω_M`, first inverse index.
    pub out_point: usize,
    /// See `out_point`.
    pub out_log: u32,
    /// See `out_point`.
    pub out_omega: String,
    /// See `out_point`.
    pub out_inv: usize,
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
    /// Per evaluation: 2-byte commitment index and 1-byte point index, hex.
    pub eval_src_hex: String,
    /// Layers.
    pub layers: Vec<LayerSpec>,
    /// Private-input range lookup.
    pub range: Option<RangeSpec>,
    /// The vk's G1 points in MSM order (table, `[Ŵ_k] [B̂_k]` per layer, `G`), hex `x ‖ y`.
    pub vk_points_hex: String,
    /// Evaluation index of `m(ζ)` (`g(ζ)`, `s(ζ)`, `s(ω_nζ)` follow).
    pub e_m: usize,
    /// `2^(s−1)`.
    pub half: String,
    /// `2^s`.
    pub two_s: String,
    /// `c = 2^(B−1−s)`.
    pub rem_scale: String,
    /// `2^(B−1)`: public values lie in `[−2^(B−1), 2^(B−1))`.
    pub window: String,
    /// `[τ]₂` in precompile order, decimal.
    pub tau_g2: [String; 4],
    /// `[1]₂` in precompile order, decimal.
    pub one_g2: [String; 4],
    /// Generator version string.
    pub version: String,
    /// The compiler settings the header states, e.g. `solc 0.8.30, optimizer on (200 runs), …`.
    pub compiler_settings: String,
}

/// Rendering failed (a template bug).
#[derive(Debug, thiserror::Error)]
#[error("rendering the Solidity verifier failed: {0}")]
pub struct RenderError(String);

impl VerifierSpec {
    /// Render the Solidity source.
    pub fn render_solidity(&self) -> Result<String, RenderError> {
        self.render().map_err(|e| RenderError(e.to_string()))
    }
}
