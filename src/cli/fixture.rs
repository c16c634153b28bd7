//! `zkt-eth fixture`: a proof as a forge test fixture.
//!
//! Writes `<DIR>/<name>.json` in the format of this repository's `contracts/test/fixtures/*/fixture.json`
//! ("zkt-eth proof fixture v1": `proof`, `inputs`, `outputs` as fixed-point int256 JSON numbers,
//! `vk_digest`, `scale_bits`, …, plus `calldata`), which `vm.parseJson*` reads key by key, and the
//! loader `<DIR>/ZktFixture.sol` (`contracts/ZktFixture.sol`, needs no forge-std). The proof is checked
//! with the Rust verifier against the vk first, so a fixture always holds a valid proof.

use super::{print_json, say};
use crate::artifacts::{self, ProofFile};
use anyhow::{bail, Context};
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};

/// The Solidity loader written beside the fixture.
pub const FIXTURE_SOL: &str = include_str!("../../contracts/ZktFixture.sol");

/// The `format` field of every fixture.
pub const FORMAT: &str = "zkt-eth proof fixture v1";

/// `zkt-eth fixture`.
#[derive(Args, Debug)]
pub struct FixtureArgs {
    /// The proof file (`zkt-eth prove -o proof.bin`).
    pub proof: PathBuf,
    /// The verifying key (default: vk.bin beside the proof, else build/vk.bin).
    #[arg(long)]
    pub vk: Option<PathBuf>,
    /// Output directory: writes <NAME>.json and the ZktFixture.sol loader (e.g. test/zkt).
    #[arg(short, long)]
    pub out: PathBuf,
    /// File name (without .json) of the fixture.
    #[arg(long, default_value = "fixture")]
    pub name: String,
    /// Do not write ZktFixture.sol.
    #[arg(long)]
    pub no_helper: bool,
    /// Machine-readable output (the fixture itself and the written paths).
    #[arg(long)]
    pub json: bool,
}

fn default_vk(proof: &Path) -> Option<PathBuf> {
    let beside = proof.parent().map(|d| d.join("vk.bin"));
    [beside, Some(PathBuf::from("build/vk.bin"))]
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
}

/// Build the fixture JSON for a proof checked against `vk`.
pub fn fixture_json(file: &ProofFile, vk: &crate::keys::VerifyingKey) -> serde_json::Value {
    let calldata = crate::calldata::encode_verify_abi(&file.proof, &file.abi_inputs(), &file.outputs);
    let scale = f64::from(vk.scale_bits).exp2();
    let real: Vec<f64> = file.outputs.iter().map(|v| *v as f64 / scale).collect();
    json!({
        "format": FORMAT,
        "proof": format!("0x{}", hex::encode(&file.proof)),
        // A committed input's `inputs` are the commitment's x, y: decimal strings (too wide for a
        // JSON number; `vm.parseJsonIntArray` reads both forms).
        "inputs": match file.commitment {
            Some(_) => json!(file.abi_inputs().iter().map(|w| w.to_string()).collect::<Vec<_>>()),
            None => json!(file.inputs),
        },
        "input_commitment": file.commitment.map(|c| crate::commitment::commitment_hex(&c)),
        "outputs": file.outputs,
        "outputs_real": real,
        "argmax": crate::onnx::argmax(real.iter().copied()),
        "vk_digest": format!("0x{}", hex::encode(file.vk_digest)),
        "scale_bits": vk.scale_bits,
        "lookup_bits": vk.lookup_bits,
        "window": 1u64 << (vk.lookup_bits - 1),
        "output_bits": crate::verifier::OUTPUT_BITS,
        "wide_output": vk.wide_output(),
        "input_visibility": vk.input.name(),
        "public_inputs": file.abi_inputs().len(),
        "output_count": file.outputs.len(),
        "proof_bytes": file.proof.len(),
        "calldata": format!("0x{}", hex::encode(&calldata)),
        "calldata_bytes": calldata.len(),
        "insecure_dev_srs": vk.insecure,
    })
}

/// Write the fixture.
pub fn run(a: &FixtureArgs) -> anyhow::Result<()> {
    if a.name.is_empty() || a.name.contains(['/', '\\']) {
        bail!("--name `{}` must be a plain file name (without .json)", a.name);
    }
    let file = ProofFile::load(&a.proof)?;
    let vk_path = match &a.vk {
        Some(p) => p.clone(),
        None => default_vk(&a.proof).with_context(|| {
            format!(
                "no vk.bin beside {} nor in build/: pass --vk <vk.bin> (the key the proof was made for)",
                a.proof.display()
            )
        })?,
    };
    let vk = artifacts::load_vk(&vk_path)?;
    if vk.digest() != file.vk_digest {
        bail!(
            "{} was made for vk digest 0x{}, but {} has digest 0x{}: pass the matching --vk",
            a.proof.display(),
            hex::encode(file.vk_digest),
            vk_path.display(),
            hex::encode(vk.digest())
        );
    }
    crate::verifier::verify(&vk, &file.public(), &file.proof).with_context(|| {
        format!(
            "{} does not verify against {}: a fixture must hold a valid proof",
            a.proof.display(),
            vk_path.display()
        )
    })?;

    let fixture = fixture_json(&file, &vk);
    let json_path = a.out.join(format!("{}.json", a.name));
    artifacts::write_atomic(
        &json_path,
        format!("{}\n", serde_json::to_string_pretty(&fixture)?).as_bytes(),
    )?;
    let helper = (!a.no_helper).then(|| a.out.join("ZktFixture.sol"));
    if let Some(h) = &helper {
        artifacts::write_atomic(h, FIXTURE_SOL.as_bytes())?;
    }
    if a.json {
        return print_json(&json!({"fixture": json_path, "helper": helper, "vk": vk_path, "content": fixture}));
    }
    say!(
        "wrote {} ({} inputs, {} outputs, proof {} bytes, vk 0x{})",
        json_path.display(),
        file.inputs.len(),
        file.outputs.len(),
        file.proof.len(),
        hex::encode(&file.vk_digest[..4])
    );
    if let Some(h) = helper {
        say!(
            "wrote {} (load it with ZktFixture.load(\"{}\"))",
            h.display(),
            json_path.display()
        );
        say!(
            "forge reads it only with fs_permissions = [{{ access = \"read\", path = \"{}\" }}] in foundry.toml",
            a.out.display()
        );
    }
    if vk.insecure {
        say!("{}", super::INSECURE);
    }
    Ok(())
}
