//! create-verifier, deploy-verifier, verify-onchain, encode-calldata, demo.

use super::{print_json, Phase, INSECURE};
use crate::artifacts::{self, BuildDir, ProofFile};
use crate::chain::{self, LocalNode};
use crate::keys::{VerifyingKey, Visibility};
use crate::toolchain::{self, CompiledContract};
use alloy::primitives::Address;
use anyhow::{bail, Context};
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};

/// EIP-170 runtime code limit.
pub const EIP170: usize = 24_576;
/// The verifier interface, embedded so the binary works outside the repository.
pub const INTERFACE_SOL: &str = include_str!("../../contracts/IZkTorchVerifier.sol");
/// The transcript library every generated verifier imports.
pub const TRANSCRIPT_SOL: &str = include_str!("../../contracts/ZktTranscript.sol");
/// The example consumer contract.
pub const ORACLE_SOL: &str = include_str!("../../contracts/MLOracle.sol");

/// `zkt-eth create-verifier`.
#[derive(Args, Debug)]
pub struct CreateVerifierArgs {
    /// The verifying key (vk.bin).
    pub vk: PathBuf,
    /// Output Solidity file.
    #[arg(short, long, default_value = "contracts/generated/ModelVerifier.sol")]
    pub out: PathBuf,
    /// Contract name.
    #[arg(long, default_value = "ModelVerifier")]
    pub name: String,
    /// Skip compiling (no bytecode size report; needs no solc).
    #[arg(long)]
    pub no_compile: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// Node options shared by the on-chain commands.
#[derive(Args, Debug, Clone)]
pub struct NodeArgs {
    /// JSON-RPC URL. Omitted: an embedded Anvil is started for this command (and stops with it).
    #[arg(long)]
    pub rpc_url: Option<String>,
    /// Private key (0x-hex). Omitted: Anvil's first dev key, only on a local dev node (chain 31337).
    #[arg(long, env = "ZKT_PRIVATE_KEY", hide_env_values = true)]
    pub private_key: Option<String>,
    /// Refuse to send unless the node reports this chain id.
    #[arg(long)]
    pub chain_id: Option<u64>,
}

/// `zkt-eth deploy-verifier`.
#[derive(Args, Debug)]
pub struct DeployArgs {
    /// Build directory with vk.bin.
    #[arg(default_value = "build")]
    pub build: PathBuf,
    /// Node options.
    #[command(flatten)]
    pub node: NodeArgs,
    /// Also deploy the example MLOracle consumer bound to the verifier.
    #[arg(long)]
    pub with_oracle: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `zkt-eth verify-onchain`.
#[derive(Args, Debug)]
pub struct VerifyOnchainArgs {
    /// The deployed verifier (default: the address in build/deployment.json).
    #[arg(long)]
    pub address: Option<Address>,
    /// The proof file.
    pub proof: PathBuf,
    /// JSON-RPC URL (default: the URL in build/deployment.json).
    #[arg(long)]
    pub rpc_url: Option<String>,
    /// Build directory whose deployment.json supplies defaults.
    #[arg(long, default_value = "build")]
    pub build: PathBuf,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `zkt-eth encode-calldata`.
#[derive(Args, Debug)]
pub struct EncodeArgs {
    /// The proof file.
    pub proof: PathBuf,
    /// Write raw calldata bytes here instead of printing hex.
    #[arg(short, long)]
    pub out: Option<PathBuf>,
}

/// `zkt-eth demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// ONNX model.
    #[arg(long, default_value = "models/sample/sample.onnx")]
    pub model: PathBuf,
    /// Input JSON.
    #[arg(long, default_value = "models/sample/input.json")]
    pub input: PathBuf,
    /// Work directory.
    #[arg(long, default_value = "build/demo")]
    pub out: PathBuf,
    /// Input visibility.
    #[arg(long, value_enum, default_value = "public")]
    pub visibility: Visibility,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// Render and compile the verifier for `vk`.
pub fn build_verifier(vk: &VerifyingKey, name: &str, model: &str) -> anyhow::Result<(String, CompiledContract)> {
    let src = crate::solidity::render(vk, name, model, "../IZkTorchVerifier.sol")?;
    let unit = format!("contracts/generated/{name}.sol");
    let compiled = toolchain::compile_solidity(
        &[
            (&unit, &src),
            ("contracts/IZkTorchVerifier.sol", INTERFACE_SOL),
            ("contracts/ZktTranscript.sol", TRANSCRIPT_SOL),
        ],
        name,
    )?;
    Ok((src, compiled))
}

/// Compile the example consumer.
pub fn build_oracle() -> anyhow::Result<CompiledContract> {
    Ok(toolchain::compile_solidity(
        &[
            ("contracts/MLOracle.sol", ORACLE_SOL),
            ("contracts/IZkTorchVerifier.sol", INTERFACE_SOL),
        ],
        "MLOracle",
    )?)
}

fn size_note(n: usize) -> String {
    if n > EIP170 {
        format!("{n} bytes — OVER the EIP-170 limit of {EIP170}: it cannot be deployed on mainnet")
    } else {
        format!("{n} bytes (EIP-170 limit {EIP170})")
    }
}

/// Generate the Solidity verifier.
pub fn create_verifier(a: &CreateVerifierArgs) -> anyhow::Result<()> {
    let vk = artifacts::load_vk(&a.vk)?;
    let model =
        a.vk.parent()
            .and_then(|p| p.file_name())
            .map_or("model".into(), |n| n.to_string_lossy().into_owned());
    let (src, size) = if a.no_compile {
        (
            crate::solidity::render(&vk, &a.name, &model, "../IZkTorchVerifier.sol")?,
            None,
        )
    } else {
        let p = Phase::start("render and compile the verifier");
        let (src, c) = build_verifier(&vk, &a.name, &model)?;
        p.done();
        (src, Some(c.deployed_bytecode.len()))
    };
    artifacts::write_atomic(&a.out, src.as_bytes())?;
    if a.json {
        return print_json(
            &json!({"out": a.out, "contract": a.name, "runtime_bytes": size, "eip170_ok": size.map(|s| s <= EIP170),
            "vk_digest": format!("0x{}", hex::encode(vk.digest())), "insecure": vk.insecure}),
        );
    }
    println!("wrote {} (contract {})", a.out.display(), a.name);
    if let Some(s) = size {
        println!("runtime bytecode: {}", size_note(s));
    }
    if vk.insecure {
        println!("{INSECURE}");
    }
    Ok(())
}

struct Node {
    url: String,
    _local: Option<LocalNode>,
}

fn node(rpc: &Option<String>) -> anyhow::Result<Node> {
    match rpc {
        Some(url) => Ok(Node {
            url: url.clone(),
            _local: None,
        }),
        None => {
            let p = Phase::start("start embedded Anvil");
            let local = LocalNode::spawn()?;
            p.done();
            Ok(Node {
                url: local.endpoint(),
                _local: Some(local),
            })
        }
    }
}

/// Deploy the verifier (and optionally the oracle).
pub async fn deploy(a: &DeployArgs) -> anyhow::Result<()> {
    let dir = BuildDir(a.build.clone());
    let vk = artifacts::load_vk(&dir.vk())?;
    let model = a
        .build
        .file_name()
        .map_or("model".into(), |n| n.to_string_lossy().into_owned());
    let p = Phase::start("render and compile the verifier");
    let (src, compiled) = build_verifier(&vk, "ModelVerifier", &model)?;
    p.done();
    artifacts::write_atomic(&dir.verifier(), src.as_bytes())?;
    let n = node(&a.node.rpc_url)?;
    let p = Phase::start("deploy the verifier");
    let dep = chain::deploy(
        &n.url,
        a.node.private_key.as_deref(),
        &compiled.bytecode,
        a.node.chain_id,
    )
    .await?;
    p.done();
    let oracle = if a.with_oracle {
        let o = build_oracle()?;
        let mut code = o.bytecode.clone();
        code.extend_from_slice(&[0u8; 12]);
        code.extend_from_slice(dep.address.as_slice());
        Some(chain::deploy(&n.url, a.node.private_key.as_deref(), &code, a.node.chain_id).await?)
    } else {
        None
    };
    let record = json!({"verifier": dep.address.to_string(), "oracle": oracle.as_ref().map(|o| o.address.to_string()),
        "rpc_url": n.url, "chain_id": dep.chain_id, "tx": dep.tx_hash.to_string(), "deploy_gas": dep.gas_used,
        "runtime_bytes": compiled.deployed_bytecode.len(), "vk_digest": format!("0x{}", hex::encode(vk.digest())),
        "embedded_node": a.node.rpc_url.is_none(), "insecure": vk.insecure});
    artifacts::write_atomic(&dir.deployment(), serde_json::to_string_pretty(&record)?.as_bytes())?;
    if a.json {
        return print_json(&record);
    }
    println!(
        "verifier deployed at {} (chain {}, {} gas, runtime {})",
        dep.address,
        dep.chain_id,
        dep.gas_used,
        size_note(compiled.deployed_bytecode.len())
    );
    if let Some(o) = oracle {
        println!("MLOracle deployed at {}", o.address);
    }
    println!("recorded in {}", dir.deployment().display());
    if a.node.rpc_url.is_none() {
        println!("note: the embedded Anvil stops with this command; pass --rpc-url for a persistent node, or run `zkt-eth demo`");
    }
    if vk.insecure {
        println!("{INSECURE}");
    }
    Ok(())
}

fn deployment_defaults(build: &Path) -> (Option<Address>, Option<String>) {
    let Ok(bytes) = std::fs::read(BuildDir(build.to_path_buf()).deployment()) else {
        return (None, None);
    };
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let addr = v["verifier"].as_str().and_then(|s| s.parse().ok());
    let url = v["rpc_url"]
        .as_str()
        .map(str::to_string)
        .filter(|_| !v["embedded_node"].as_bool().unwrap_or(false));
    (addr, url)
}

/// The custom errors of every generated verifier (codegen/templates/verifier.sol).
pub fn verifier_errors() -> chain::ErrorDecoder {
    let mut d = chain::ErrorDecoder::new();
    for sig in [
        "ProofLength(uint256,uint256)",
        "ScalarNotCanonical(uint256)",
        "CoordinateNotCanonical(uint256)",
        "PointNotOnCurve(uint256)",
        "PublicLength(uint256,uint256)",
        "InputOutOfWindow(uint256)",
        "OutputOutOfWindow(uint256)",
        "DegenerateChallenge()",
        "PairingFailed()",
        "PrecompileFailed()",
    ] {
        let _ = d.add_signature(sig);
    }
    d
}

/// eth_call the verifier.
pub async fn verify_onchain(a: &VerifyOnchainArgs) -> anyhow::Result<()> {
    let (d_addr, d_url) = deployment_defaults(&a.build);
    let address = a
        .address
        .or(d_addr)
        .context("no --address given and no deployment.json with a verifier address")?;
    let url = a
        .rpc_url
        .clone()
        .or(d_url)
        .unwrap_or_else(|| "http://127.0.0.1:8545".into());
    let file = ProofFile::load(&a.proof)?;
    let data = crate::calldata::encode_verify(&file.proof, &file.inputs, &file.outputs);
    let mut res = chain::call(&url, address, &data).await?;
    let gas = if res.success {
        chain::estimate_gas(&url, None, address, &data).await.ok()
    } else {
        None
    };
    let decoder = verifier_errors();
    let reason = res.revert.as_mut().map(|r| {
        r.resolve(&decoder);
        r.decoded
            .clone()
            .or_else(|| r.name.clone())
            .unwrap_or_else(|| format!("0x{}", hex::encode(&r.data)))
    });
    if a.json {
        print_json(
            &json!({"valid": res.success, "gas_estimate": gas, "revert": reason, "calldata_bytes": data.len(), "address": address.to_string()}),
        )?;
    } else if res.success {
        println!(
            "valid (gas estimate {}, calldata {} bytes)",
            gas.map_or("?".into(), |g| g.to_string()),
            data.len()
        );
    }
    if !res.success {
        bail!("invalid: the verifier reverted: {}", reason.unwrap_or_default());
    }
    Ok(())
}

/// Print calldata.
pub fn encode(a: &EncodeArgs) -> anyhow::Result<()> {
    let file = ProofFile::load(&a.proof)?;
    let data = crate::calldata::encode_verify(&file.proof, &file.inputs, &file.outputs);
    match &a.out {
        Some(p) => artifacts::write_atomic(p, &data)?,
        None => println!("0x{}", hex::encode(&data)),
    }
    Ok(())
}

/// The whole pipeline.
pub async fn demo(a: &DemoArgs) -> anyhow::Result<()> {
    use super::local;
    let out = a.out.clone();
    local::compile(&local::CompileArgs {
        model: a.model.clone(),
        out: out.clone(),
        scale_bits: None,
        lookup_bits: None,
        calibrate: Some(a.input.clone()),
        eval: None,
        limits: Default::default(),
        json: false,
    })?;
    local::setup(&local::SetupArgs {
        build: out.clone(),
        srs: None,
        dev: true,
        seed: 1,
        input: a.visibility,
        limits: Default::default(),
        json: false,
    })?;
    let proof_path = out.join("proof.bin");
    local::prove(&local::ProveArgs {
        build: out.clone(),
        input: a.input.clone(),
        out: proof_path.clone(),
        limits: Default::default(),
        json: false,
    })?;
    local::verify(&local::VerifyArgs {
        vk: BuildDir(out.clone()).vk(),
        proof: proof_path.clone(),
        json: false,
    })?;
    let vk = artifacts::load_vk(&BuildDir(out.clone()).vk())?;
    let model = artifacts::load_model(&BuildDir(out.clone()).model())?;
    let file = ProofFile::load(&proof_path)?;

    let p = Phase::start("compile the verifier and the MLOracle consumer");
    let (src, verifier) = build_verifier(&vk, "ModelVerifier", &model.name)?;
    artifacts::write_atomic(&BuildDir(out.clone()).verifier(), src.as_bytes())?;
    let oracle = build_oracle()?;
    p.done();
    let n = node(&None)?;
    let p = Phase::start("deploy verifier and oracle");
    let dep = chain::deploy(&n.url, None, &verifier.bytecode, None).await?;
    let mut code = oracle.bytecode.clone();
    code.extend_from_slice(&[0u8; 12]);
    code.extend_from_slice(dep.address.as_slice());
    let odep = chain::deploy(&n.url, None, &code, None).await?;
    p.done();

    let verify_data = crate::calldata::encode_verify(&file.proof, &file.inputs, &file.outputs);
    let p = Phase::start("verify() in a transaction");
    let vtx = chain::send(&n.url, None, dep.address, &verify_data, Default::default()).await?;
    p.done();
    let submit = crate::calldata::encode_submit(&file.proof, &file.inputs, &file.outputs);
    let p = Phase::start("MLOracle.submit() in a transaction");
    let stx = chain::send(&n.url, None, odep.address, &submit, Default::default()).await?;
    p.done();
    // A tampered output must be refused by the consumer.
    let mut wrong = file.outputs.clone();
    if let Some(o) = wrong.first_mut() {
        *o += 1;
    }
    let refused = !chain::call(
        &n.url,
        odep.address,
        &crate::calldata::encode_submit(&file.proof, &file.inputs, &wrong),
    )
    .await?
    .success;
    let real = crate::onnx::dequantize_output(&model, &file.outputs);
    let label = crate::onnx::argmax(real.iter().copied());
    let summary = json!({
        "model": a.model, "verifier": dep.address.to_string(), "oracle": odep.address.to_string(),
        "verify_tx_gas": vtx.gas_used, "oracle_submit_gas": stx.gas_used, "calldata_bytes": verify_data.len(),
        "proof_bytes": file.proof.len(), "runtime_bytes": verifier.deployed_bytecode.len(),
        "outputs": real, "label": label, "tampered_output_refused": refused, "insecure": vk.insecure,
    });
    if a.json {
        return print_json(&summary);
    }
    println!();
    println!(
        "verifier {} · MLOracle {} (embedded Anvil {})",
        dep.address, odep.address, n.url
    );
    println!(
        "verified output: [{}] → class {label}",
        real.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>().join(", ")
    );
    println!(
        "gas: verify() transaction {} · MLOracle.submit() {} · calldata {} bytes · verifier runtime {}",
        vtx.gas_used,
        stx.gas_used,
        verify_data.len(),
        size_note(verifier.deployed_bytecode.len())
    );
    println!(
        "tampered output refused by MLOracle: {}",
        if refused { "yes" } else { "NO" }
    );
    println!("{INSECURE} (demo only)");
    if !refused {
        bail!("the consumer accepted a tampered output");
    }
    Ok(())
}
