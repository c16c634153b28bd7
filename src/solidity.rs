//! Builds the Solidity verifier's [`VerifierSpec`] from a verifying key: every index, constant and
//! per-layer expression is computed here, so the template only lays out finished lines.

use crate::keys::{g2_to_words, VerifyingKey, Visibility};
use crate::model::Activation;
use crate::protocol::Layout;
use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, Field, PrimeField};
use zkt_codegen::{DomainSpec, LayerSpec, RangeSpec, VerifierSpec};

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

fn inv(n: usize) -> String {
    dec(Fr::from(n as u64).inverse().unwrap_or_default())
}

/// The spec for `vk`, named `contract_name`; `interface_import` is the import path of
/// `IZkTorchVerifier.sol` as seen from the generated file.
pub fn spec(vk: &VerifyingKey, contract_name: &str, model_name: &str, interface_import: &str) -> VerifierSpec {
    let layout = Layout::new(vk);
    let dom_index = |d| layout.domain_index(d);
    let w_scalars = 2 * layout.r2_end;
    let w_sums = w_scalars + layout.n_scalars;
    let w_quotients = w_sums + 2 * (layout.r3_end - layout.r2_end);
    let w_evals = w_quotients + 2 * (layout.n_commits - layout.r3_end);
    let w_openings = w_evals + layout.n_evals;
    let last = vk.layers.len() - 1;
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
            let q_expr = idx.e_q.map_or_else(|| "st.outZeta".into(), ev);
            let z_expr = match (idx.e_z, l.activation) {
                (Some(e), _) => ev(e),
                (None, Activation::Identity) => "q".into(),
                (None, Activation::Relu) => "st.outZeta".into(),
            };
            let _ = k == last;
            let (bias_x, bias_y) = point_dec(&l.bias);
            LayerSpec {
                k,
                name: format!("layer {k}: {}x{} {:?}", l.out_len, l.in_len, l.activation),
                out_len: l.out_len,
                din: dom_index(l.in_domain),
                dout: dom_index(l.out_domain),
                out_log: l.out_domain.log_size,
                out_omega: dec(l.out_domain.omega()),
                in_size_inv: inv(l.in_domain.size()),
                out_size_inv: inv(l.out_domain.size()),
                kind: u8::from(l.activation == Activation::Relu),
                rows_hex: l.rows.iter().map(point_hex).collect(),
                bias_x,
                bias_y,
                x_expr,
                q_expr,
                z_expr,
                e_y: idx.e_y,
                e_h: idx.e_h,
                w_sum: w_scalars + idx.s_sum,
                w_sigma: w_scalars + idx.sigma,
            }
        })
        .collect();
    let first = &vk.layers[0];
    let range = layout.input.as_ref().map(|r| RangeSpec {
        din: dom_index(first.in_domain),
        size_inv: inv(first.in_domain.size()),
        e_x: r.e_x,
        e_h: r.e_h,
        w_sigma: w_scalars + r.sigma,
    });
    let eval_src_hex = layout
        .eval_sources
        .iter()
        .map(|(c, p)| format!("{c:04x}{p:02x}"))
        .collect();
    let n_identities = vk.layers.len() + usize::from(layout.input.is_some()) + 1;
    let s = vk.scale_bits;
    let b = vk.lookup_bits;
    VerifierSpec {
        contract_name: contract_name.into(),
        model_name: model_name.into(),
        interface_import: interface_import.into(),
        vk_digest: format!("0x{}", hex::encode(vk.digest())),
        insecure: vk.insecure,
        scale_bits: s,
        lookup_bits: b,
        public_inputs: if vk.input == Visibility::Public {
            vk.input_len()
        } else {
            0
        },
        outputs: vk.output_len(),
        input_len: vk.input_len(),
        input_public: vk.input == Visibility::Public,
        in_log: first.in_domain.log_size,
        in_omega: dec(first.in_domain.omega()),
        out_log: vk.layers[last].out_domain.log_size,
        out_omega: dec(vk.layers[last].out_domain.omega()),
        proof_words: layout.proof_words(),
        r1_end: layout.r1_end,
        r2_end: layout.r2_end,
        r3_end: layout.r3_end,
        n_commits: layout.n_commits,
        n_scalars: layout.n_scalars,
        n_evals: layout.n_evals,
        n_points: layout.points.len(),
        w_scalars,
        w_sums,
        w_quotients,
        w_evals,
        w_openings,
        eval_src_hex,
        n_identities,
        point_omegas: layout
            .points
            .iter()
            .skip(1)
            .map(|p| dec(p.map_or(Fr::from(1u64), |d| d.omega())))
            .collect(),
        domains: layout
            .domains
            .iter()
            .enumerate()
            .map(|(i, d)| DomainSpec {
                index: i,
                log_size: d.domain.log_size,
                size_inv: inv(d.domain.size()),
                quotient: d.quotient,
                e_sum: d.e_sum,
            })
            .collect(),
        layers,
        range,
        table_dom: dom_index(vk.table_domain),
        table_size_inv: inv(vk.table_domain.size()),
        table_e: layout.table.e_m,
        table_w_sigma: w_scalars + layout.table.sigma,
        table_points: vk.table.iter().map(point_dec).collect(),
        half: (1u64 << (s - 1)).to_string(),
        two_s: (1u64 << s).to_string(),
        rem_scale: (1u64 << (b - 1 - s)).to_string(),
        window: (1u64 << (b - 1)).to_string(),
        tau_g2: g2_dec(&vk.g2.tau),
        one_g2: g2_dec(&vk.g2.one),
        version: env!("CARGO_PKG_VERSION").into(),
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
