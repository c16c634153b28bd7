//! Renders the zkt-eth Solidity verifier.
//!
//! The root crate builds a [`VerifierSpec`] from its verifying key (every index, constant and
//! per-layer expression precomputed in Rust) and this crate renders `templates/verifier.sol`, whose
//! sections follow `zkt_eth::verifier::verify` step by step. The crate has no cryptography of its own
//! and no dependency on the prover.
#![forbid(unsafe_code)]

use askama::Template;

/// One evaluation domain.
#[derive(Clone, Debug)]
pub struct DomainSpec {
    /// Index in the ascending domain list.
    pub index: usize,
    /// `log2(n)`.
    pub log_size: u32,
    /// `1/n mod r` (decimal).
    pub size_inv: String,
    /// Index of the quotient commitment.
    pub quotient: usize,
    /// Evaluation index of the running sum at `ζ` (`ζω` follows).
    pub e_sum: usize,
}

/// One layer, with finished Solidity expressions for its inputs.
#[derive(Clone, Debug)]
pub struct LayerSpec {
    /// Layer index.
    pub k: usize,
    /// Human-readable name.
    pub name: String,
    /// Real output length (number of row commitments).
    pub out_len: usize,
    /// Input-domain index.
    pub din: usize,
    /// Output-domain index.
    pub dout: usize,
    /// `log2` of the output domain size.
    pub out_log: u32,
    /// Output domain generator (decimal).
    pub out_omega: String,
    /// `1/N` (decimal).
    pub in_size_inv: String,
    /// `1/M` (decimal).
    pub out_size_inv: String,
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
    /// Word index of the scalar `S`.
    pub w_sum: usize,
    /// Word index of the scalar `σ`.
    pub w_sigma: usize,
}

/// The private-input range lookup.
#[derive(Clone, Debug)]
pub struct RangeSpec {
    /// Input-domain index.
    pub din: usize,
    /// `1/N` (decimal).
    pub size_inv: String,
    /// Evaluation index of `x₀(ζ)`.
    pub e_x: usize,
    /// `h(ζ)`.
    pub e_h: usize,
    /// Word index of `σ_in`.
    pub w_sigma: usize,
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
    /// Model input length.
    pub input_len: usize,
    /// Input is public.
    pub input_public: bool,
    /// Log size of the first layer's input domain.
    pub in_log: u32,
    /// Its generator.
    pub in_omega: String,
    /// Log size of the last layer's output domain.
    pub out_log: u32,
    /// Its generator.
    pub out_omega: String,
    /// Total proof words.
    pub proof_words: usize,
    /// Round-1 commitments.
    pub r1_end: usize,
    /// Round-1+2 commitments.
    pub r2_end: usize,
    /// Round-1..3 commitments.
    pub r3_end: usize,
    /// All commitments.
    pub n_commits: usize,
    /// Round-2 scalars.
    pub n_scalars: usize,
    /// Evaluations.
    pub n_evals: usize,
    /// Evaluation points.
    pub n_points: usize,
    /// Word offset of the scalars.
    pub w_scalars: usize,
    /// Word offset of the running-sum commitments (round 3).
    pub w_sums: usize,
    /// Word offset of the quotient commitments (round 4).
    pub w_quotients: usize,
    /// Word offset of the evaluations.
    pub w_evals: usize,
    /// Word offset of the openings.
    pub w_openings: usize,
    /// Per evaluation: 2-byte commitment index and 1-byte point index, hex.
    pub eval_src_hex: String,
    /// Number of lookup/range/table identities (they take γ⁰…; the running sums follow).
    pub n_identities: usize,
    /// Generators `ω_d` of the shifted points `ζ·ω_d` (points `1..`), decimal.
    pub point_omegas: Vec<String>,
    /// Domains, ascending.
    pub domains: Vec<DomainSpec>,
    /// Layers.
    pub layers: Vec<LayerSpec>,
    /// Private-input range lookup.
    pub range: Option<RangeSpec>,
    /// Table domain index.
    pub table_dom: usize,
    /// `1/|T|`.
    pub table_size_inv: String,
    /// Evaluation index of `m(ζ)`.
    pub table_e: usize,
    /// Word of `σ_T`.
    pub table_w_sigma: usize,
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
