//! Builds the Solidity verifier's [`VerifierSpec`] from a verifying key: every index, constant and
//! per-layer expression is computed here, so the template only lays out finished lines.

use crate::keys::{g2_to_words, VerifyingKey, Visibility};
use crate::model::Activation;
use crate::protocol::{tensor_domain, Layout};
use crate::toolchain::{self, CompilerSettings};
use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, Field, PrimeField};
use zkt_codegen::{LayerSpec, RangeSpec, VerifierSpec};

fn dec<F: PrimeField>(x: F) -> String {
    x.into_bigint().to_string()
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
    let n = layout.domain;
    let w_evals = 2 * layout.n_commits;
    let w_openings = w_evals + layout.n_evals;
    let none = "NONE".to_string();
    let opt = |e: Option<usize>| e.map_or_else(|| none.clone(), |e| e.to_string());
    let last = vk.layers.len() - 1;
    let n_inv_field = Fr::from(n.size() as u64).inverse().unwrap_or_default();
    let layers: Vec<LayerSpec> = vk
        .layers
        .iter()
        .zip(&layout.layers)
        .enumerate()
        .map(|(k, (l, idx))| {
            let inv_base = 1 + 3 * k;
            let consts = [
                format!("uint256({k})"),
                idx.e_r.to_string(),
                opt(idx.e_x),
                idx.e_y_end.to_string(),
                idx.e_y.to_string(),
                opt(idx.e_q),
                opt(idx.e_z),
                idx.e_h.to_string(),
                idx.p_x.to_string(),
                idx.p_lift.to_string(),
                u8::from(l.activation == Activation::Relu).to_string(),
                dec(Fr::from(idx.m_dom.size() as u64) * n_inv_field),
                inv_base.to_string(),
                idx.k_dom.log_size.to_string(),
                u8::from(k == last && l.activation == Activation::Relu).to_string(),
            ]
            .join(", ");
            LayerSpec {
                k,
                name: format!("{}x{} {:?}", l.out_len, l.in_len, l.activation),
                consts,
                inv_base,
                log_k: idx.k_dom.log_size,
                p_x: idx.p_x,
                n_size: idx.n_dom.size().to_string(),
                omega_n: dec(idx.n_dom.omega()),
            }
        })
        .collect();
    let public_inputs = if vk.input == Visibility::Public {
        vk.input_len()
    } else {
        0
    };
    let (first, last_idx) = (&layout.layers[0], &layout.layers[last]);
    let in_inv = 1 + 3 * vk.layers.len();
    let out_inv = in_inv + public_inputs;
    let points = layout
        .points
        .iter()
        .map(|p| {
            let log = p.exp.trailing_zeros();
            let f = p.factor();
            if f == Fr::from(1u64) {
                format!("zp[{log}]")
            } else {
                format!("mulmod(zp[{log}], {}, R)", dec(f))
            }
        })
        .collect();
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
        log_n: n.log_size,
        max_log: layout.max_domain.log_size,
        points,
        n_inv: out_inv + vk.output_len(),
        in_point: first.p_x,
        in_log: first.n_dom.log_size,
        in_omega: dec(first.n_dom.omega()),
        in_inv,
        out_point: last_idx.p_lift,
        out_log: last_idx.m_dom.log_size,
        out_omega: dec(last_idx.m_dom.omega()),
        out_inv,
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
        range: layout.input.as_ref().map(|r| RangeSpec {
            e_x: r.e_x,
            e_h: r.e_h,
            weight: dec(Fr::from(tensor_domain(vk.input_len()).size() as u64) * n_inv_field),
        }),
        vk_points_hex: vk
            .table
            .iter()
            .chain(vk.layers.iter().flat_map(|l| [&l.weights, &l.bias]))
            .chain([&G1Affine::generator()])
            .map(point_hex)
            .collect(),
        e_m: layout.e_m,
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
