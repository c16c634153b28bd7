//! Renders the zkt-eth Solidity verifier.
//!
//! The root crate builds a [`VerifierSpec`] from its verifying key (every index, constant and
//! per-layer expression precomputed in Rust) and this crate renders `templates/verifier.sol`, whose
//! sections follow `zkt_eth::verifier::verify` step by step. The crate has no cryptography of its own
//! and no dependency on the prover.
#![forbid(unsafe_code)]

use askama::Template;

/// One layer, with finished Solidity expressions for its inputs.
#[derive(Clone, Debug)]
pub struct LayerSpec {
    /// Layer index.
    pub k: usize,
    /// Human-readable name.
    pub name: String,
    /// Real output length (number of row commitments).
    pub out_len: usize,
    /// `1` for ReLU, `0` for identity.
    pub kind: u8,
    /// Row commitments, `x ‖ y` per row, hex without `0x`.
    pub rows_hex: String,
    /// Bias commitment x (decimal).
    pub bias_x: String,
    /// Bias commitment y (decimal).
    pub bias_y: String,
    /// Solidity expression for `x(ζ)`.
    pub x_expr: String,
    /// Solidity expression for `q(ζ)`.
    pub q_expr: String,
    /// Solidity expression for `z(ζ)` (may use `q`).
    pub z_expr: String,
    /// Evaluation index of `y(ζ)`.
    pub e_y: usize,
    /// Evaluation index of `h(ζ)`.
    pub e_h: usize,
}

/// The private-input range lookup.
#[derive(Clone, Debug)]
pub struct RangeSpec {
    /// Evaluation index of `x₀(ζ)`.
    pub e_x: usize,
    /// Evaluation index of `h_in(ζ)`.
    pub e_h: usize,
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
    /// `log2` of the model's domain size.
    pub log_n: u32,
    /// The domain size `2^log_n` (decimal).
    pub domain_size: String,
    /// Its generator (decimal).
    pub omega: String,
    /// The largest layer output length (Lagrange weights `L_i(α)` needed).
    pub max_rows: usize,
    /// `max(public inputs, outputs)` (Lagrange weights `L_j(ζ)` needed).
    pub max_public: usize,
    /// Total proof words.
    pub proof_words: usize,
    /// Commitments.
    pub n_commits: usize,
    /// Round-1 commitments.
    pub r1_end: usize,
    /// Round-1+2 commitments (the running sum follows, then the quotient).
    pub r2_end: usize,
    /// Evaluations.
    pub n_evals: usize,
    /// Word offset of the evaluations.
    pub w_evals: usize,
    /// Word offset of the openings.
    pub w_openings: usize,
    /// Per evaluation: 2-byte commitment index and 1-byte point index, hex.
    pub eval_src_hex: String,
    /// Layers.
    pub layers: Vec<LayerSpec>,
    /// Private-input range lookup.
    pub range: Option<RangeSpec>,
    /// Evaluation index of `m(ζ)` (`g(ζ)`, `s(ζ)`, `s(ζω)` follow).
    pub e_m: usize,
    /// Table column commitments `(x, y)` decimal.
    pub table_points: Vec<(String, String)>,
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
