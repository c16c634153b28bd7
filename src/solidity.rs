//! Builds the Solidity verifier's [`VerifierSpec`] from a verifying key: every index, constant and
//! per-layer expression is computed here, so the template only lays out finished lines.

use crate::keys::{g2_to_words, VerifyingKey, Visibility};
use crate::model::Activation;
use crate::protocol::Layout;
use crate::toolchain::{self, CompilerSettings};
use ark_bn254::{G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use zkt_codegen::{LayerSpec, RangeSpec, VerifierSpec};

fn dec<F: PrimeField>(x: F) -> String {
    x.into_bigint().to_string()
}

fn point_dec(p: &G1Affine) -> (String, String) {
    p.xy().map_or(("0".into(), "0".into()), |(x, y)| (dec(x), dec(y)))
}

fn point_hex(p: &G1Affine) -> String {
    p.xy().map_or_else(
        || "00".repeat(64),
        |(x, y)| hex::encode([x.into_bigint().to_bytes_be(), y.into_bigint().to_bytes_be()].concat()),
    )
}

fn g2_dec(p: &G2Affine) -> [String; 4] {
    g2_to_words(p).map(|w| dec(ark_bn254::Fq::from_be_bytes_mod_order(&w)))
}

/// The spec for `vk`, named `contract_name`; `interface_import` is the import path of
/// `IZkTorchVerifier.sol` as seen from the generated file (`ZktTranscript.sol` is imported from the
/// same directory). The header states [`CompilerSettings::FOUNDRY`].
pub fn spec(vk: &VerifyingKey, contract_name: &str, model_name: &str, interface_import: &str) -> VerifierSpec {
    spec_with(
        vk,
        contract_name,
        model_name,
        interface_import,
        &CompilerSettings::FOUNDRY,
    )
}

/// The header line for `settings`: `solc <pinned>, <settings>`.
pub fn settings_note(settings: &CompilerSettings) -> String {
    format!("solc {}, {}", toolchain::PINNED_SOLC, settings.describe())
}

/// [`spec`] whose header states `settings` (the settings `create-verifier` measured under).
pub fn spec_with(
    vk: &VerifyingKey,
    contract_name: &str,
    model_name: &str,
    interface_import: &str,
    settings: &CompilerSettings,
) -> VerifierSpec {
    let layout = Layout::new(vk);
    let d = layout.domain;
    let w_evals = 2 * layout.n_commits;
    let w_openings = w_evals + layout.n_evals;
    let ev = |e: usize| format!("_ev(proof, {e})");
    let layers = vk
        .layers
        .iter()
        .zip(&layout.layers)
        .enumerate()
        .map(|(k, (l, idx))| {
            let x_expr = match (k, &layout.input) {
                (0, Some(r)) => ev(r.e_x),
                (0, None) => "st.inZeta".into(),
                _ => "st.zPrev".into(),
            };
            let (bias_x, bias_y) = point_dec(&l.bias);
            LayerSpec {
                k,
                name: format!("{}x{} {:?}", l.out_len, l.in_len, l.activation),
                out_len: l.out_len,
                kind: u8::from(l.activation == Activation::Relu),
                rows_hex: l.rows.iter().map(point_hex).collect(),
                bias_x,
                bias_y,
                x_expr,
                q_expr: idx.e_q.map_or_else(|| "st.outZeta".into(), ev),
                z_expr: match (idx.e_z, l.activation) {
                    (Some(e), _) => ev(e),
                    (None, Activation::Identity) => "q".into(),
                    (None, Activation::Relu) => "st.outZeta".into(),
                },
                e_y: idx.e_y,
                e_h: idx.e_h,
            }
        })
        .collect();
    let public_inputs = if vk.input == Visibility::Public {
        vk.input_len()
    } else {
        0
    };
    let (s, b) = (vk.scale_bits, vk.lookup_bits);
    VerifierSpec {
        contract_name: contract_name.into(),
        model_name: model_name.into(),
        interface_import: interface_import.into(),
        transcript_import: interface_import.replace("IZkTorchVerifier.sol", "ZktTranscript.sol"),
        vk_digest: format!("0x{}", hex::encode(vk.digest())),
        insecure: vk.insecure,
        scale_bits: s,
        lookup_bits: b,
        public_inputs,
        outputs: vk.output_len(),
        log_n: d.log_size,
        domain_size: d.size().to_string(),
        omega: dec(d.omega()),
        max_rows: vk.layers.iter().map(|l| l.out_len).max().unwrap_or(1),
        max_public: public_inputs.max(vk.output_len()),
        proof_words: layout.proof_words(),
        n_commits: layout.n_commits,
        r1_end: layout.r1_end,
        r2_end: layout.r2_end,
        n_evals: layout.n_evals,
        w_evals,
        w_openings,
        eval_src_hex: layout
            .eval_sources
            .iter()
            .map(|(c, p)| format!("{c:04x}{p:02x}"))
            .collect(),
        layers,
        range: layout.input.as_ref().map(|r| RangeSpec { e_x: r.e_x, e_h: r.e_h }),
        e_m: layout.e_m,
        table_points: vk.table.iter().map(point_dec).collect(),
        half: (1u64 << (s - 1)).to_string(),
        two_s: (1u64 << s).to_string(),
        rem_scale: (1u64 << (b - 1 - s)).to_string(),
        window: (1u64 << (b - 1)).to_string(),
        tau_g2: g2_dec(&vk.g2.tau),
        one_g2: g2_dec(&vk.g2.one),
        version: env!("CARGO_PKG_VERSION").into(),
        compiler_settings: settings_note(settings),
    }
}

/// Render the verifier source.
pub fn render(
    vk: &VerifyingKey,
    contract_name: &str,
    model_name: &str,
    interface_import: &str,
) -> Result<String, zkt_codegen::RenderError> {
    spec(vk, contract_name, model_name, interface_import).render_solidity()
}

/// [`render`] whose header states `settings`.
pub fn render_with(
    vk: &VerifyingKey,
    contract_name: &str,
    model_name: &str,
    interface_import: &str,
    settings: &CompilerSettings,
) -> Result<String, zkt_codegen::RenderError> {
    spec_with(vk, contract_name, model_name, interface_import, settings).render_solidity()
}
