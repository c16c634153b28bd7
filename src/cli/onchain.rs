//! deploy-verifier, verify-onchain, encode-calldata, demo.

use super::node::{live_record, NODE_RECORD};
use super::{print_json, say, Phase, INSECURE};
use crate::artifacts::{self, BuildDir, ProofFile};
use crate::calldata::IZkTorchVerifier;
use crate::chain::{self, ChainError, LocalNode};
use crate::keys::{VerifyingKey, Visibility};
use crate::toolchain::{self, CompiledContract};
use alloy::primitives::Address;
use alloy::sol_types::SolCall;
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

/// Node options shared by the on-chain commands.
#[derive(Args, Debug, Clone)]
pub struct NodeArgs {
    /// JSON-RPC URL. Omitted: the node `zkt-eth node` recorded in build/node.json if it is
    /// running, else a throwaway embedded Anvil that stops when the command ends.
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
    /// Deploy a verifier from an insecure --dev setup to a chain other than a local dev chain
    /// (chain id 31337 on a loopback address). Anyone can forge proofs for it.
    #[arg(long)]
    pub allow_insecure: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `zkt-eth verify-onchain`.
#[derive(Args, Debug)]
pub struct VerifyOnchainArgs {
    /// The deployed verifier (default: the address in <BUILD>/deployment.json).
    #[arg(long)]
    pub address: Option<Address>,
    /// The proof file.
    pub proof: PathBuf,
    /// JSON-RPC URL (default: the URL in <BUILD>/deployment.json).
    #[arg(long)]
    pub rpc_url: Option<String>,
    /// Build directory whose deployment.json supplies the defaults.
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
    /// Machine-readable output: `{proof, inputs, outputs, vk_digest, calldata}` (hex and decimal
    /// strings, ready for `cast`, ethers/viem or `vm.parseJson`).
    #[arg(long)]
    pub json: bool,
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
    /// Prove the logits of a model that ends in Softmax or LogSoftmax (see `compile --until-logits`).
    #[arg(long)]
    pub until_logits: bool,
    /// Fold budget, log2 (as `compile --fold-budget`).
    #[arg(long, value_name = "N", default_value_t = crate::blocks::fold::DEFAULT_FOLD_LOG,
          value_parser = clap::value_parser!(u32).range(10..=20))]
    pub fold_budget: u32,
    /// How pooling is proven (as `compile --pool`).
    #[arg(long, value_enum, default_value = "auto")]
    pub pool: crate::onnx::quantize::Pooling,
    /// How convolutions are proven (as `compile --conv`).
    #[arg(long, value_enum, default_value = "auto")]
    pub conv: crate::onnx::quantize::Convolution,
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

/// Where the node of an on-chain command comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeSource {
    /// `--rpc-url`.
    RpcUrl,
    /// The running `zkt-eth node` recorded in [`NODE_RECORD`].
    Recorded,
    /// An Anvil started for this command only.
    Embedded,
}

impl NodeSource {
    fn label(self) -> &'static str {
        match self {
            Self::RpcUrl => "rpc-url",
            Self::Recorded => "zkt-eth node",
            Self::Embedded => "embedded",
        }
    }
}

struct Node {
    url: String,
    source: NodeSource,
    _local: Option<LocalNode>,
}

/// A throwaway Anvil for this command.
fn embedded_node() -> anyhow::Result<Node> {
    let p = Phase::start("start embedded Anvil");
    let local = LocalNode::spawn()?;
    p.done();
    Ok(Node {
        url: local.endpoint(),
        source: NodeSource::Embedded,
        _local: Some(local),
    })
}

/// `--rpc-url`, else the running `zkt-eth node`, else a throwaway embedded Anvil.
async fn resolve_node(rpc: &Option<String>) -> anyhow::Result<Node> {
    if let Some(url) = rpc {
        return Ok(Node {
            url: url.clone(),
            source: NodeSource::RpcUrl,
            _local: None,
        });
    }
    if let Some(rec) = live_record().await {
        eprintln!(
            "using the node recorded in {NODE_RECORD}: {} (chain id {}, anvil pid {})",
            rec.url, rec.chain_id, rec.pid
        );
        return Ok(Node {
            url: rec.url,
            source: NodeSource::Recorded,
            _local: None,
        });
    }
    embedded_node()
}

/// Deploy the verifier (and optionally the oracle).
pub async fn deploy(a: &DeployArgs) -> anyhow::Result<()> {
    let dir = BuildDir(a.build.clone());
    let vk = artifacts::load_vk(&dir.vk())?;
    super::check_vk::gate(&dir.vk())?;
    if a.with_oracle && vk.input == Visibility::Private {
        bail!(
            "--with-oracle: MLOracle refuses a private-input verifier (its proofs name no input, so anyone \
             could record any class under one key); set up with `--visibility committed` (the input stays \
             hidden, bound to its owner's commitment) or `--visibility public`"
        );
    }
    let model = a
        .build
        .file_name()
        .map_or("model".into(), |n| n.to_string_lossy().into_owned());
    let n = resolve_node(&a.node.rpc_url).await?;
    let chain_id = chain::chain_id(&n.url).await?;
    if vk.insecure && !chain::is_local_dev_chain(&n.url, chain_id) {
        if !a.allow_insecure {
            bail!(
                "refusing to deploy an INSECURE verifier to chain id {chain_id} at {}: {} comes from \
                 `zkt-eth setup --dev` (a public seed), so anyone can forge proofs it accepts. Only a local \
                 dev chain (chain id {} on a loopback address) takes it; elsewhere run `zkt-eth setup \
                 --srs <ceremony .ptau>`, or pass --allow-insecure if forgeable proofs are acceptable there",
                n.url,
                dir.vk().display(),
                chain::ANVIL_CHAIN_ID
            );
        }
        eprintln!(
            "warning: deploying an INSECURE verifier to chain id {chain_id} ({}) because of \
             --allow-insecure: anyone can forge proofs it accepts",
            n.url
        );
    }
    let p = Phase::start("render and compile the verifier");
    let (src, compiled) = build_verifier(&vk, "ModelVerifier", &model)?;
    p.done();
    artifacts::write_atomic(&dir.verifier(), src.as_bytes())?;
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
        // The insecure gate above already decided whether an insecure verifier belongs here.
        let code = crate::calldata::oracle_creation_code(&o.bytecode, dep.address, vk.insecure);
        Some(chain::deploy(&n.url, a.node.private_key.as_deref(), &code, a.node.chain_id).await?)
    } else {
        None
    };
    let ephemeral = n.source == NodeSource::Embedded;
    let record = json!({"address": dep.address.to_string(), "url": n.url, "chain_id": dep.chain_id,
        "vk_digest": format!("0x{}", hex::encode(vk.digest())), "node": n.source.label(), "ephemeral": ephemeral,
        "oracle": oracle.as_ref().map(|o| o.address.to_string()), "tx": dep.tx_hash.to_string(),
        "deployer": dep.deployer.to_string(), "deploy_gas": dep.gas_used,
        "runtime_bytes": compiled.deployed_bytecode.len(), "insecure": vk.insecure});
    artifacts::write_atomic(&dir.deployment(), serde_json::to_string_pretty(&record)?.as_bytes())?;
    if ephemeral {
        eprintln!(
            "note: the embedded Anvil at {} stops when this command ends, and the verifier with it: \
             `verify-onchain` will not reach it. To keep a node running, start `zkt-eth node` (in another \
             terminal) and deploy again: deploy-verifier then uses it",
            n.url
        );
    }
    if a.json {
        return print_json(&record);
    }
    say!(
        "verifier deployed at {} (chain {}, {} gas, runtime {})",
        dep.address,
        dep.chain_id,
        dep.gas_used,
        size_note(compiled.deployed_bytecode.len())
    );
    if let Some(o) = oracle {
        say!("MLOracle deployed at {}", o.address);
    }
    say!("recorded in {} (node {})", dir.deployment().display(), n.url);
    if vk.insecure {
        say!("{INSECURE}");
    }
    Ok(())
}

/// What `deployment.json` says (older files used `verifier`, `rpc_url`, `embedded_node`).
#[derive(Debug, Default)]
struct DeploymentRecord {
    address: Option<Address>,
    url: Option<String>,
    ephemeral: bool,
}

fn read_deployment(path: &Path) -> anyhow::Result<DeploymentRecord> {
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(DeploymentRecord::default());
    };
    let v: serde_json::Value = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is not valid JSON: redeploy with `zkt-eth deploy-verifier`, or pass --address and --rpc-url",
            path.display()
        )
    })?;
    let field = |new: &str, old: &str| v[new].as_str().or_else(|| v[old].as_str()).map(str::to_string);
    let address = match field("address", "verifier") {
        Some(s) => Some(
            s.parse()
                .with_context(|| format!("{}: `address` {s:?} is not an address", path.display()))?,
        ),
        None => None,
    };
    Ok(DeploymentRecord {
        address,
        url: field("url", "rpc_url"),
        ephemeral: v["ephemeral"]
            .as_bool()
            .or_else(|| v["embedded_node"].as_bool())
            .unwrap_or(false),
    })
}

/// The generated verifier's template, whose `error` declarations name every refusal.
const VERIFIER_TEMPLATE: &str = include_str!("../../codegen/templates/verifier.sol");

/// The custom errors of every generated verifier, read from the `error` declarations of
/// codegen/templates/verifier.sol (so the decoder cannot drift from the template).
pub fn verifier_errors() -> chain::ErrorDecoder {
    let mut d = chain::ErrorDecoder::new();
    for line in VERIFIER_TEMPLATE.lines().map(str::trim) {
        if let Some(decl) = line.strip_prefix("error ").and_then(|l| l.strip_suffix(';')) {
            let _ = d.add_signature(decl);
        }
    }
    d
}

/// The result of `verify-onchain`, checks in order; `None` means "not reached".
#[derive(Debug, Default)]
struct OnchainReport {
    address: Option<Address>,
    url: Option<String>,
    chain_id: Option<u64>,
    code: Option<bool>,
    vk_digest: Option<bool>,
    returned_true: Option<bool>,
    failed_check: Option<&'static str>,
    proof_vk_digest: Option<String>,
    contract_vk_digest: Option<String>,
    insecure_srs: Option<bool>,
    revert: Option<chain::RevertInfo>,
    return_data: Option<String>,
    gas: Option<u64>,
    calldata_bytes: Option<usize>,
}

impl OnchainReport {
    fn valid(&self) -> bool {
        self.code == Some(true) && self.vk_digest == Some(true) && self.returned_true == Some(true)
    }

    fn json(&self, error: Option<String>) -> serde_json::Value {
        json!({
            "valid": self.valid(),
            "checks": {"code": self.code, "vk_digest": self.vk_digest, "returned_true": self.returned_true},
            "failed_check": self.failed_check,
            "error": error,
            "gas": self.gas,
            "address": self.address.map(|a| a.to_string()),
            "url": self.url,
            "chain_id": self.chain_id,
            "proof_vk_digest": self.proof_vk_digest,
            "contract_vk_digest": self.contract_vk_digest,
            "insecure_srs": self.insecure_srs,
            "revert": self.revert.as_ref().map(|r| json!({
                "name": r.name, "signature": r.signature, "decoded": r.decoded,
                "data": format!("0x{}", hex::encode(&r.data)),
            })),
            "return_data": self.return_data,
            "calldata_bytes": self.calldata_bytes,
        })
    }
}

/// A 32-byte ABI word holding `value` (a `bool` or small `uint`).
fn is_word(data: &[u8], value: u8) -> bool {
    data.len() == 32 && data[..31].iter().all(|b| *b == 0) && data[31] == value
}

/// Check a proof against a deployed verifier: code at the address, `vkDigest()` equal to the
/// proof's, and `verify(...)` returning ABI-encoded `true` in an `eth_call`.
pub async fn verify_onchain(a: &VerifyOnchainArgs) -> anyhow::Result<()> {
    let mut report = OnchainReport::default();
    let result = check_onchain(a, &mut report).await;
    if a.json {
        print_json(&report.json(result.as_ref().err().map(|e| format!("{e:#}"))))?;
    } else if result.is_ok() {
        say!(
            "valid: the verifier at {} (chain {}, {}) accepted the proof (vk digest {}, gas estimate {}, calldata {} bytes)",
            report.address.map_or("?".into(), |a| a.to_string()),
            report.chain_id.map_or("?".into(), |c| c.to_string()),
            report.url.as_deref().unwrap_or("?"),
            report.proof_vk_digest.as_deref().unwrap_or("?"),
            report.gas.map_or("?".into(), |g| g.to_string()),
            report.calldata_bytes.unwrap_or_default(),
        );
    }
    if report.insecure_srs == Some(true) {
        eprintln!("warning: the verifier reports insecureSrs() = true: {INSECURE}");
    }
    result
}

async fn check_onchain(a: &VerifyOnchainArgs, r: &mut OnchainReport) -> anyhow::Result<()> {
    let file = ProofFile::load(&a.proof)?;
    r.proof_vk_digest = Some(format!("0x{}", hex::encode(file.vk_digest)));
    let dep_path = BuildDir(a.build.clone()).deployment();
    let dep = read_deployment(&dep_path)?;
    let address = a.address.or(dep.address).with_context(|| {
        format!(
            "no --address given and {} records no verifier: deploy one with `zkt-eth deploy-verifier {}`, \
             or pass --address and --rpc-url",
            dep_path.display(),
            a.build.display()
        )
    })?;
    r.address = Some(address);
    let (url, recorded) = match &a.rpc_url {
        Some(url) => (url.clone(), false),
        None => (
            dep.url.clone().with_context(|| {
                format!(
                    "no --rpc-url given and {} records no node URL: pass --rpc-url",
                    dep_path.display()
                )
            })?,
            true,
        ),
    };
    r.url = Some(url.clone());
    let chain_id = match chain::chain_id(&url).await {
        Ok(id) => id,
        Err(ChainError::Unreachable { .. }) if recorded => {
            r.failed_check = Some("node");
            let why = if dep.ephemeral {
                "it was an embedded node that stopped when `deploy-verifier` ended"
            } else {
                "the node was stopped"
            };
            bail!(
                "the node at {url} recorded in {} is not reachable ({why}): start one with `zkt-eth node` \
                 and redeploy with `zkt-eth deploy-verifier`",
                dep_path.display()
            );
        }
        Err(e) => {
            r.failed_check = Some("node");
            return Err(e.into());
        }
    };
    r.chain_id = Some(chain_id);

    // 1. Code at the address: an eth_call to an account without code "succeeds" with no data.
    let code = chain::code_at(&url, address).await?;
    r.code = Some(!code.is_empty());
    if code.is_empty() {
        r.failed_check = Some("code");
        let hint = if recorded && a.address.is_none() {
            format!(
                " (was the node at {url} restarted since {} was written? redeploy with `zkt-eth deploy-verifier`)",
                dep_path.display()
            )
        } else {
            " (wrong address or wrong network?)".to_string()
        };
        bail!("invalid: no code at {address} on chain {chain_id} ({url}): no contract is deployed there, so nothing verified the proof{hint}");
    }

    // 2. The contract is a zkt-eth verifier for this proof's verifying key.
    let digest_call = IZkTorchVerifier::vkDigestCall {}.abi_encode();
    let res = chain::call(&url, address, &digest_call).await?;
    if !res.success || res.return_data.len() != 32 {
        r.vk_digest = Some(false);
        r.failed_check = Some("vk_digest");
        let what = if res.success {
            format!("returned {} bytes instead of 32", res.return_data.len())
        } else {
            "reverted".to_string()
        };
        bail!(
            "invalid: {address} is not a zkt-eth verifier: it has code ({} bytes) but vkDigest() {what}",
            code.len()
        );
    }
    let contract_digest = format!("0x{}", hex::encode(&res.return_data));
    r.contract_vk_digest = Some(contract_digest.clone());
    if res.return_data.as_ref() != file.vk_digest.as_slice() {
        r.vk_digest = Some(false);
        r.failed_check = Some("vk_digest");
        bail!(
            "invalid: {address} is the verifier of another model (or another setup): its vkDigest() is \
             {contract_digest} but the proof was made for the verifying key with digest 0x{}; point --address \
             at this model's verifier, or deploy it with `zkt-eth deploy-verifier`",
            hex::encode(file.vk_digest)
        );
    }
    r.vk_digest = Some(true);
    // Informational: verifiers generated before `insecureSrs()` existed do not answer it.
    let insecure_call = IZkTorchVerifier::insecureSrsCall {}.abi_encode();
    if let Ok(res) = chain::call(&url, address, &insecure_call).await {
        if res.success && (is_word(&res.return_data, 0) || is_word(&res.return_data, 1)) {
            r.insecure_srs = Some(is_word(&res.return_data, 1));
        }
    }

    // 3. verify(...) returns ABI-encoded true.
    let data = crate::calldata::encode_verify_abi(&file.proof, &file.abi_inputs(), &file.outputs);
    r.calldata_bytes = Some(data.len());
    let res = chain::call(&url, address, &data).await?;
    if !res.success {
        r.returned_true = Some(false);
        r.failed_check = Some("returned_true");
        let mut revert = res
            .revert
            .unwrap_or_else(|| chain::RevertInfo::from_data(res.return_data.clone(), &chain::ErrorDecoder::new()));
        revert.resolve(&verifier_errors());
        let shown = revert.to_string();
        r.revert = Some(revert);
        bail!("invalid: the verifier at {address} refused the proof: it reverted with {shown}");
    }
    r.return_data = Some(format!("0x{}", hex::encode(&res.return_data)));
    if !is_word(&res.return_data, 1) {
        r.returned_true = Some(false);
        r.failed_check = Some("returned_true");
        if is_word(&res.return_data, 0) {
            bail!("invalid: the verifier at {address} returned false");
        }
        bail!(
            "invalid: the verifier at {address} returned {} bytes (0x{}) instead of ABI-encoded true",
            res.return_data.len(),
            hex::encode(&res.return_data)
        );
    }
    r.returned_true = Some(true);
    r.gas = chain::estimate_gas(&url, None, address, &data).await.ok();
    Ok(())
}

/// Print calldata.
pub fn encode(a: &EncodeArgs) -> anyhow::Result<()> {
    let file = ProofFile::load(&a.proof)?;
    let data = crate::calldata::encode_verify_abi(&file.proof, &file.abi_inputs(), &file.outputs);
    if let Some(p) = &a.out {
        artifacts::write_atomic(p, &data)?;
    }
    if a.json {
        let ints = |v: &[i64]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        return print_json(&json!({
            "proof": format!("0x{}", hex::encode(&file.proof)),
            "inputs": ints(&file.inputs),
            "outputs": ints(&file.outputs),
            "vk_digest": format!("0x{}", hex::encode(file.vk_digest)),
            "calldata": format!("0x{}", hex::encode(&data)),
            "out": a.out,
        }));
    }
    match &a.out {
        Some(p) => eprintln!("wrote {} ({} bytes of calldata)", p.display(), data.len()),
        None => say!("0x{}", hex::encode(&data)),
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
        input_range: None,
        calibrate: Some(a.input.clone()),
        eval: None,
        until_logits: a.until_logits,
        fold_budget: a.fold_budget,
        pool: a.pool,
        conv: a.conv,
        limits: Default::default(),
        json: false,
    })?;
    local::setup(&local::SetupArgs {
        build: out.clone(),
        srs: None,
        dev: true,
        seed: 1,
        visibility: a.visibility,
        input_deprecated: None,
        limits: Default::default(),
        json: false,
    })?;
    let proof_path = out.join("proof.bin");
    // A committed input: the data owner's step (here the same machine) comes first.
    let opening = (a.visibility == Visibility::Committed).then(|| out.join("input.opening.json"));
    if let Some(path) = &opening {
        super::commit_input::run(&super::commit_input::CommitInputArgs {
            build: out.clone(),
            input: a.input.clone(),
            out: path.clone(),
            srs: None,
            dev: false,
            seed: 0,
            json: false,
        })?;
    }
    local::prove(&local::ProveArgs {
        build: out.clone(),
        input: a.input.clone(),
        out: proof_path.clone(),
        opening,
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
    let n = embedded_node()?;
    let p = Phase::start("deploy verifier and oracle");
    let dep = chain::deploy(&n.url, None, &verifier.bytecode, None).await?;
    // MLOracle refuses a private input (bound to nothing): the demo then shows the verifier alone.
    let with_oracle = vk.input != Visibility::Private;
    let odep = if with_oracle {
        // The demo's dev-SRS verifier on its embedded dev chain: the oracle must be told to accept it.
        let code = crate::calldata::oracle_creation_code(&oracle.bytecode, dep.address, vk.insecure);
        Some(chain::deploy(&n.url, None, &code, None).await?)
    } else {
        None
    };
    p.done();

    let inputs = file.abi_inputs();
    let verify_data = crate::calldata::encode_verify_abi(&file.proof, &inputs, &file.outputs);
    let p = Phase::start("verify() in a transaction");
    let vtx = chain::send(&n.url, None, dep.address, &verify_data, Default::default()).await?;
    p.done();
    // A tampered output must be refused by the consumer (or by the verifier, without one).
    let mut wrong = file.outputs.clone();
    if let Some(o) = wrong.first_mut() {
        *o += 1;
    }
    let (stx_gas, refused) = match &odep {
        Some(odep) => {
            let submit = crate::calldata::encode_submit(&file.proof, &inputs, &file.outputs);
            let p = Phase::start("MLOracle.submit() in a transaction");
            let stx = chain::send(&n.url, None, odep.address, &submit, Default::default()).await?;
            p.done();
            let wrong_call = crate::calldata::encode_submit(&file.proof, &inputs, &wrong);
            (
                Some(stx.gas_used),
                !chain::call(&n.url, odep.address, &wrong_call).await?.success,
            )
        }
        None => {
            let wrong_call = crate::calldata::encode_verify_abi(&file.proof, &inputs, &wrong);
            (None, !chain::call(&n.url, dep.address, &wrong_call).await?.success)
        }
    };
    let real = crate::onnx::dequantize_output(&model, &file.outputs);
    let label = crate::onnx::argmax(real.iter().copied());
    let summary = json!({
        "model": a.model, "verifier": dep.address.to_string(), "oracle": odep.as_ref().map(|d| d.address.to_string()),
        "input_visibility": vk.input.name(), "input_commitment": file.commitment.map(|c| crate::commitment::commitment_hex(&c)),
        "verify_tx_gas": vtx.gas_used, "oracle_submit_gas": stx_gas, "calldata_bytes": verify_data.len(),
        "proof_bytes": file.proof.len(), "runtime_bytes": verifier.deployed_bytecode.len(),
        "outputs": real, "label": label, "tampered_output_refused": refused, "insecure": vk.insecure,
    });
    if a.json {
        return print_json(&summary);
    }
    say!();
    match &odep {
        Some(o) => say!(
            "verifier {} · MLOracle {} (embedded Anvil {})",
            dep.address,
            o.address,
            n.url
        ),
        None => say!(
            "verifier {} (embedded Anvil {}); no MLOracle: a private input is bound to nothing (use --visibility committed)",
            dep.address,
            n.url
        ),
    }
    if let Some(c) = &file.commitment {
        say!("input commitment: {}", crate::commitment::commitment_hex(c));
    }
    say!(
        "verified output: [{}] → class {label}",
        real.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>().join(", ")
    );
    say!(
        "gas: verify() transaction {}{} · calldata {} bytes · verifier runtime {}",
        vtx.gas_used,
        stx_gas.map_or_else(String::new, |g| format!(" · MLOracle.submit() {g}")),
        verify_data.len(),
        size_note(verifier.deployed_bytecode.len())
    );
    say!(
        "tampered output refused by {}: {}",
        if odep.is_some() { "MLOracle" } else { "the verifier" },
        if refused { "yes" } else { "NO" }
    );
    say!("{INSECURE} (demo only)");
    if !refused {
        bail!("the consumer accepted a tampered output");
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use alloy::primitives::keccak256;

    #[test]
    fn every_template_error_is_decoded() {
        let decls = VERIFIER_TEMPLATE
            .lines()
            .filter(|l| l.trim().starts_with("error "))
            .count();
        assert!(decls >= 10, "the template declares {decls} errors");
        let d = verifier_errors();
        let info = chain::RevertInfo::from_data(keccak256("PairingFailed()")[..4].to_vec(), &d);
        assert_eq!(info.decoded.as_deref(), Some("PairingFailed()"));
        let mut data = keccak256("ProofLength(uint256,uint256)")[..4].to_vec();
        data.extend_from_slice(&[[0u8; 31].as_slice(), &[5u8]].concat());
        data.extend_from_slice(&[[0u8; 31].as_slice(), &[7u8]].concat());
        let info = chain::RevertInfo::from_data(data, &d);
        assert_eq!(info.decoded.as_deref(), Some("ProofLength(5, 7)"));
    }

    #[test]
    fn deployment_records_old_and_new() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deployment.json");
        assert!(read_deployment(&path).unwrap().address.is_none());
        let addr = "0x1234567890123456789012345678901234567890";
        std::fs::write(
            &path,
            format!(r#"{{"address":"{addr}","url":"http://127.0.0.1:1","ephemeral":true}}"#),
        )
        .unwrap();
        let d = read_deployment(&path).unwrap();
        assert_eq!(d.address, Some(addr.parse().unwrap()));
        assert_eq!(d.url.as_deref(), Some("http://127.0.0.1:1"));
        assert!(d.ephemeral);
        std::fs::write(
            &path,
            format!(r#"{{"verifier":"{addr}","rpc_url":"http://x:2","embedded_node":false}}"#),
        )
        .unwrap();
        let d = read_deployment(&path).unwrap();
        assert_eq!(d.url.as_deref(), Some("http://x:2"));
        assert!(!d.ephemeral);
        std::fs::write(&path, "{").unwrap();
        let err = read_deployment(&path).unwrap_err().to_string();
        assert!(err.contains("not valid JSON"), "{err}");
        std::fs::write(&path, r#"{"address":"nope"}"#).unwrap();
        assert!(read_deployment(&path).is_err());
    }

    #[test]
    fn abi_true_is_exactly_one_word() {
        let mut t = [0u8; 32];
        t[31] = 1;
        assert!(is_word(&t, 1) && !is_word(&t, 0));
        assert!(!is_word(&t[..31], 1));
        let mut two = t;
        two[0] = 1;
        assert!(!is_word(&two, 1));
        assert!(!is_word(&[t, t].concat(), 1));
    }
}
