//! Builds the Solidity verifier's [`VerifierSpec`] from a verifying key: every index, constant and
//! expression is computed here, so the template only lays out finished lines. Each block instance
//! writes its own call and denominators ([`crate::blocks::Block::solidity`], through [`SolCx`]); the
//! functions it calls live in `codegen/templates/blocks/<block>.sol`.

use crate::blocks::{At, Col};
use crate::keys::{g2_to_words, VerifyingKey, Visibility};
use crate::protocol::{Base, Layout};
use crate::toolchain::{self, CompilerSettings};
use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, Field, PrimeField};
use zkt_codegen::{PublicEvalSpec, VerifierSpec};

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

/// What a block instance contributes to the Solidity verifier (see [`crate::blocks::Block::solidity`]).
pub use zkt_codegen::BlockCall as SolBlock;

/// What a block's Solidity generator reads and allocates.
pub struct SolCx<'a> {
    /// The proof's layout.
    pub layout: &'a Layout,
    n_inv: usize,
    /// Per layer, the index of its `[Ŵ]` in `VK_POINTS` (its `[B̂]`, if any, is the next one).
    vk_index: Vec<usize>,
    /// Generated internal functions ([`SolCx::function`]): `(prefix, text)`, in order of first use.
    functions: Vec<(String, String)>,
}

impl SolCx<'_> {
    /// The Solidity expression of a value: a proof evaluation, or a public evaluation that
    /// `verify()` computed before the blocks run.
    pub fn val(&self, a: At) -> String {
        match a {
            At::Eval(e) => format!("_ev(proof, {e})"),
            At::Public(j) => format!("st.pubAt[{j}]"),
        }
    }
    /// The name of a generated internal function `(State memory st, <params>)` with `body`: one
    /// function per distinct signature and body, shared by the instances that generate the same
    /// (so the verifier's size grows with the kinds of gates, not their number). A function of its
    /// own keeps a gate's expression off `verify()`'s stack.
    pub fn function(&mut self, prefix: &str, params: &str, body: &str) -> String {
        let text =
            |name: &str| format!("function {name}(State memory st, {params}) internal pure {{\n        {body}\n    }}");
        // Names are `prefix` and the index among the functions with that prefix.
        let ours: Vec<&String> = self
            .functions
            .iter()
            .filter(|(p, _)| p == prefix)
            .map(|(_, f)| f)
            .collect();
        if let Some(i) = ours
            .iter()
            .enumerate()
            .position(|(i, f)| **f == text(&format!("{prefix}{i}")))
        {
            return format!("{prefix}{i}");
        }
        let name = format!("{prefix}{}", ours.len());
        self.functions.push((prefix.to_string(), text(&name)));
        name
    }
    /// Reserve `count` slots of the batched inversion; returns the first.
    pub fn inverses(&mut self, count: usize) -> usize {
        self.n_inv += count;
        self.n_inv - count
    }
    /// The index of a vk point in `VK_POINTS` (the MSM order): `[T_v]`, `[T_f]`, then `[Ŵ_k]` and
    /// `[B̂_k]` per dense layer (a product layer has none, a layer with a bias column no `[B̂_k]`),
    /// `[Ŝ_k]` and `[m̂_k]` per copy layer, then `G`.
    pub fn vk_point(&self, b: Base) -> usize {
        match b {
            Base::Table(c) => c,
            Base::Weights(l) => self.vk_index[l],
            Base::Bias(l) => self.vk_index[l] + 1,
            Base::CopyTags(l) => self.vk_index[l],
            Base::CopyCounts(l) => self.vk_index[l] + 1,
            Base::Commit(_) | Base::InputCommitment => usize::MAX,
        }
    }
    /// A `uint256[k]` memory array literal of `items`.
    pub fn args<S: AsRef<str>>(items: &[S]) -> String {
        let mut out = String::from("[");
        for (i, s) in items.iter().enumerate() {
            if i == 0 {
                out.push_str(&format!("uint256({})", s.as_ref()));
            } else {
                out.push_str(", ");
                out.push_str(s.as_ref());
            }
        }
        out.push(']');
        out
    }
    /// A field element in decimal.
    pub fn dec(x: Fr) -> String {
        dec(x)
    }
}

/// [`spec`] whose header states `settings`.
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
    let plan = vk.rowsum_plan();
    // Inversion slot 0 is Z_n(ζ); the blocks' denominators follow, then the public evaluations'.
    let mut sx = SolCx {
        layout: &layout,
        n_inv: 1,
        functions: vec![],
        vk_index: vk
            .layers
            .iter()
            .enumerate()
            .scan(vk.table.len(), |next, (k, l)| {
                let index = *next;
                *next += l.op.vk_points(plan.carries_bias(k));
                Some(index)
            })
            .collect(),
    };
    let blocks: Vec<SolBlock> = layout.instances.iter().map(|i| i.block().solidity(&mut sx)).collect();
    let table = vk.lookup_table();
    let public_evals: Vec<PublicEvalSpec> = layout
        .public_evals
        .iter()
        .map(|(t, p)| {
            let t = &layout.tensors[*t];
            let input = t.col == Col::PublicInput;
            PublicEvalSpec {
                vector: if input { "pubIn" } else { "pubOut" }.into(),
                point: *p,
                log: t.dom.log_size,
                omega: dec(t.dom.omega()),
                inv_size: dec(Fr::from(t.dom.size() as u64).inverse().unwrap_or_default()),
                inv_at: sx.inverses(1),
                pad: dec(crate::field::fr_from_i64(t.pad)),
                neg_pad: dec(-crate::field::fr_from_i64(t.pad)),
            }
        })
        .collect();
    let xi_inv = sx.inverses(layout.divisors.len());
    let public_inputs = match vk.input {
        Visibility::Public => vk.input_len(),
        Visibility::Private => 0,
        Visibility::Committed => 2,
    };
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
    let vk_points: Vec<&G1Affine> = vk
        .table
        .iter()
        .chain(vk.layers.iter().enumerate().flat_map(|(k, l)| {
            [&l.weights, &l.bias]
                .into_iter()
                .take(l.op.vk_points(plan.carries_bias(k)))
        }))
        .collect();
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
        input_visibility: vk.input.code(),
        committed: vk.input == Visibility::Committed,
        folded: layout.instances.iter().any(|i| match i {
            crate::blocks::Instance::Activation(a) => a.folded,
            crate::blocks::Instance::InputRange(r) => r.folded,
            _ => false,
        }),
        batched: layout
            .instances
            .iter()
            .any(|i| matches!(i, crate::blocks::Instance::RowSum(r) if r.batched())),
        outputs: vk.output_len(),
        log_n: n.log_size,
        log_kinds: table.slots().trailing_zeros(),
        kind_coefficients_desc: table.kind_coefficients(n).iter().rev().map(|c| dec(*c)).collect(),
        max_log: layout.max_domain.log_size,
        points,
        n_inv: sx.n_inv,
        xi_inv,
        proof_words: layout.proof_words(),
        n_commits: layout.n_commits,
        r1_end: layout.r1_end,
        r2_end: layout.r2_end,
        n_evals: layout.n_evals,
        w_evals,
        w_openings,
        n_claims: layout.claims.len(),
        claim_src_hex: layout
            .claims
            .iter()
            .map(|c| {
                let evals: String = c.evals.iter().map(|e| format!("{e:04x}")).collect();
                format!("{:04x}{:04x}{:04x}{evals}", c.slot, c.divisor, c.evals.len())
            })
            .collect(),
        n_divisors: layout.divisors.len(),
        divisors_hex: layout.divisors[layout.points.len()..]
            .iter()
            .map(|d| format!("{:04x}{:04x}", d.point, d.power))
            .collect(),
        blocks,
        functions: sx.functions.iter().map(|(_, f)| f.clone()).collect(),
        public_evals,
        n_vk: vk_points.len() + 1,
        vk_points_hex: vk_points
            .into_iter()
            .chain([&G1Affine::generator()])
            .map(point_hex)
            .collect(),
        half: (1u64 << (s - 1)).to_string(),
        two_s: (1u64 << s).to_string(),
        rem_scale: (1u64 << (b - 1 - s)).to_string(),
        window: (1u64 << (b - 1)).to_string(),
        output_window: (1u128 << (crate::verifier::OUTPUT_BITS - 1)).to_string(),
        output_bits: crate::verifier::OUTPUT_BITS,
        wide: vk.wide_output(),
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
    check_encodable(vk)?;
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
    check_encodable(vk)?;
    spec_with(vk, contract_name, model_name, interface_import, settings).render_solidity()
}

/// Refuse a layout the template cannot encode ([`two_byte_problem`]).
fn check_encodable(vk: &VerifyingKey) -> Result<(), zkt_codegen::RenderError> {
    let layout = Layout::new(vk);
    let fields = layout
        .claims
        .iter()
        .flat_map(|c| {
            [c.slot, c.divisor, c.evals.len()]
                .into_iter()
                .chain(c.evals.iter().copied())
        })
        .chain(layout.divisors.iter().flat_map(|d| [d.point, d.power]));
    two_byte_problem(fields).map_or(Ok(()), |p| Err(zkt_codegen::RenderError::new(p)))
}

/// The claim table (`CLAIM_SRC`) and the divisor table (`DIVISORS`) store every field in 2 bytes:
/// a larger value would be misread by the Yul loop, so it is refused here.
fn two_byte_problem(fields: impl Iterator<Item = usize>) -> Option<String> {
    let largest = fields.max()?;
    (largest > usize::from(u16::MAX)).then(|| {
        format!(
            "this vk's proof layout needs the index {largest} in the verifier's claim table, whose fields are 2 bytes (at most 65535): split the model into smaller ones"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A claim-table field above 65535 would be misread on chain: it is refused with a message,
    /// and every example layout fits.
    #[test]
    fn claim_table_fields_fit_two_bytes() {
        assert_eq!(two_byte_problem([0usize, 7, 65_535].into_iter()), None);
        let e = two_byte_problem([3usize, 65_536].into_iter()).unwrap_or_default();
        assert!(e.contains("65536") && e.contains("2 bytes"), "{e}");
        assert_eq!(two_byte_problem(std::iter::empty()), None);
    }
}
