//! Talking to an Ethereum node: spawning a local Anvil, deploying contracts, calling and
//! sending transactions, with errors a user can act on.
//!
//! All functions take the node's JSON-RPC URL. When no private key is given, Anvil's first
//! well-known dev key ([`ANVIL_DEV_KEY`]) is used, but only against a local dev node (chain id
//! [`ANVIL_CHAIN_ID`] at a loopback address); anywhere else the caller must supply a key.
//!
//! Revert data is decoded into a [`RevertInfo`]: `Error(string)`, `Panic(uint256)` and the
//! custom errors of zkt-eth's own contracts are named out of the box; add others (e.g. those of
//! a generated verifier) with [`ErrorDecoder::add_abi_json`] and [`RevertInfo::resolve`].

use std::{collections::HashMap, fmt, str::FromStr, time::Duration};

use alloy::{
    dyn_abi::{DynSolValue, ErrorExt},
    json_abi::JsonAbi,
    network::{EthereumWallet, TransactionBuilder},
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, Bytes, TxHash, B256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{BlockId, TransactionReceipt, TransactionRequest},
    signers::local::PrivateKeySigner,
    sol_types::{Panic, Revert, SolError},
    transports::{
        http::reqwest::{self, Url},
        RpcError, TransportErrorKind,
    },
};

use crate::toolchain::{self, ToolchainError};

/// Private key of Anvil's first default dev account
/// (`0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266`). Public knowledge: never use it on a real
/// network.
pub const ANVIL_DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// Chain id of an Anvil dev node.
pub const ANVIL_CHAIN_ID: u64 = 31337;

/// How long to wait for a TCP connection to the RPC endpoint.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a single RPC request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// How long to wait for a transaction receipt.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(300);

/// Errors from talking to a node.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// The RPC URL could not be parsed.
    #[error("invalid RPC URL `{url}`: {reason}")]
    InvalidRpcUrl {
        /// The URL given.
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// Nothing answered at the RPC URL.
    #[error("could not reach {url}: is the node running? (`zkt-eth node` runs a local one) ({reason})")]
    Unreachable {
        /// The RPC URL.
        url: String,
        /// The transport error.
        reason: String,
    },
    /// The node answered with a different chain id than expected.
    #[error("wrong chain: {url} is chain id {actual}, expected {expected}")]
    WrongChainId {
        /// The RPC URL.
        url: String,
        /// The chain id the caller asked for.
        expected: u64,
        /// The node's chain id.
        actual: u64,
    },
    /// No private key was given and the node is not a local dev node.
    #[error(
        "no private key given: pass --private-key (the Anvil dev key is only used automatically \
         on a local dev node, chain id {ANVIL_CHAIN_ID} at a loopback address; {url} is chain id \
         {chain_id})"
    )]
    MissingPrivateKey {
        /// The RPC URL.
        url: String,
        /// The node's chain id.
        chain_id: u64,
    },
    /// The private key is malformed (the key itself is never printed).
    #[error("invalid private key: {reason} (expected 64 hex digits, optionally 0x-prefixed)")]
    BadPrivateKey {
        /// What is wrong with it.
        reason: String,
    },
    /// The well-known Anvil dev key was given for a chain that is not a dev chain.
    #[error(
        "refusing to use the public Anvil dev key on chain id {chain_id}: anyone can spend from \
         it; pass your own --private-key"
    )]
    DevKeyOnPublicChain {
        /// The node's chain id.
        chain_id: u64,
    },
    /// The sender cannot pay for the transaction.
    #[error("insufficient funds: account {account} cannot pay for gas * price + value ({message})")]
    InsufficientFunds {
        /// The sender.
        account: Address,
        /// The node's message.
        message: String,
    },
    /// The transaction ran out of gas (at estimation or on chain).
    #[error(
        "out of gas{}{}: {message}",
        gas_limit.map(|g| format!(" (gas limit {g})")).unwrap_or_default(),
        tx_hash.map(|h| format!(" in transaction {h}")).unwrap_or_default()
    )]
    OutOfGas {
        /// The gas limit used, when known.
        gas_limit: Option<u64>,
        /// The mined transaction, if it got that far.
        tx_hash: Option<TxHash>,
        /// Details.
        message: String,
    },
    /// The contract is larger than the node allows (EIP-170 / EIP-3860).
    #[error(
        "contract too large for this chain ({message}); for a local Anvil set \
         `LocalNodeConfig::disable_code_size_limit` or run `anvil --disable-code-size-limit`"
    )]
    ContractTooLarge {
        /// The node's message.
        message: String,
    },
    /// The contract deployment reverted.
    #[error(
        "deployment reverted{}: {}",
        tx_hash.map(|h| format!(" in transaction {h}")).unwrap_or_default(),
        revert.as_ref().map_or_else(|| "no revert data".to_string(), ToString::to_string)
    )]
    DeploymentReverted {
        /// The decoded revert, when the node returned revert data.
        revert: Option<Box<RevertInfo>>,
        /// The mined transaction, if it got that far.
        tx_hash: Option<TxHash>,
    },
    /// The transaction reverted.
    #[error(
        "transaction reverted{}: {}",
        tx_hash.map(|h| format!(" ({h})")).unwrap_or_default(),
        revert.as_ref().map_or_else(|| "no revert data".to_string(), ToString::to_string)
    )]
    Reverted {
        /// The decoded revert, when the node returned revert data.
        revert: Option<Box<RevertInfo>>,
        /// The mined transaction, if it got that far.
        tx_hash: Option<TxHash>,
    },
    /// The node returned an error not covered above.
    #[error("RPC error from {url}: {message}")]
    Rpc {
        /// The RPC URL.
        url: String,
        /// The error.
        message: String,
    },
    /// Spawning or talking to the local node failed.
    #[error("local Anvil node: {0}")]
    Node(String),
    /// A toolchain program could not be located.
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
}

impl ChainError {
    /// The decoded revert carried by a `Reverted`/`DeploymentReverted` error.
    pub fn revert(&self) -> Option<&RevertInfo> {
        match self {
            Self::Reverted { revert, .. } | Self::DeploymentReverted { revert, .. } => revert.as_deref(),
            _ => None,
        }
    }

    /// Mutable access to the carried revert, e.g. to [`RevertInfo::resolve`] it with more ABIs.
    pub fn revert_mut(&mut self) -> Option<&mut RevertInfo> {
        match self {
            Self::Reverted { revert, .. } | Self::DeploymentReverted { revert, .. } => revert.as_deref_mut(),
            _ => None,
        }
    }
}

// ------------------------------------------------------------------------------------------
// Revert decoding
// ------------------------------------------------------------------------------------------

/// Revert data returned by a failed call, decoded as far as possible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevertInfo {
    /// The raw revert data.
    pub data: Bytes,
    /// The 4-byte error selector, when the data has one.
    pub selector: Option<[u8; 4]>,
    /// The error name (`HashCheckFailed`, `Error`, `Panic`), when known.
    pub name: Option<String>,
    /// The error signature (`UnknownInput(bytes32)`), when known.
    pub signature: Option<String>,
    /// The decoded error with its arguments, e.g. `Error("too small")`, when known.
    pub decoded: Option<String>,
}

impl RevertInfo {
    /// Decodes `data` with `decoder`.
    pub fn from_data(data: impl Into<Bytes>, decoder: &ErrorDecoder) -> Self {
        let data = data.into();
        let selector = (data.len() >= 4).then(|| [data[0], data[1], data[2], data[3]]);
        let mut info = Self {
            data,
            selector,
            name: None,
            signature: None,
            decoded: None,
        };
        info.resolve(decoder);
        info
    }

    /// Names the error with `decoder` if it is not named yet (e.g. after adding a verifier's
    /// ABI to a decoder).
    pub fn resolve(&mut self, decoder: &ErrorDecoder) {
        if self.name.is_none() {
            if let Some((name, signature, decoded)) = decoder.decode(&self.data) {
                self.name = Some(name);
                self.signature = Some(signature);
                self.decoded = Some(decoded);
            }
        }
    }

    /// Whether the revert is the custom error `name` (e.g. `"UnverifiedResult"`).
    pub fn is(&self, name: &str) -> bool {
        self.name.as_deref() == Some(name)
    }
}

impl fmt::Display for RevertInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.decoded, self.selector) {
            (Some(decoded), _) => write!(f, "{decoded}"),
            (None, Some(sel)) => {
                write!(
                    f,
                    "unknown custom error 0x{} (data {})",
                    alloy::hex::encode(sel),
                    self.data
                )
            }
            (None, None) if self.data.is_empty() => write!(f, "reverted without data"),
            (None, None) => write!(f, "revert data {}", self.data),
        }
    }
}

/// Maps error selectors to their ABI so revert data can be named and decoded.
#[derive(Clone, Debug, Default)]
pub struct ErrorDecoder {
    errors: HashMap<[u8; 4], alloy::json_abi::Error>,
}

/// Custom errors of zkt-eth's own contracts (`contracts/MLOracle.sol`), known to every
/// [`ErrorDecoder::new`].
const BUILTIN_ERRORS: &[&str] = &[
    "error UnverifiedResult()",
    "error EmptyOutputs()",
    "error UnknownInput(bytes32 inputHash)",
    "error VerifierNotAContract(address verifier)",
    "error InsecureVerifier(address verifier)",
];

impl ErrorDecoder {
    /// A decoder that knows `Error(string)`, `Panic(uint256)` and zkt-eth's own contract errors.
    pub fn new() -> Self {
        let mut decoder = Self::default();
        for sig in BUILTIN_ERRORS {
            if let Ok(err) = alloy::json_abi::Error::parse(sig) {
                decoder.insert(err);
            }
        }
        decoder
    }

    fn insert(&mut self, err: alloy::json_abi::Error) {
        self.errors.entry(err.selector().0).or_insert(err);
    }

    /// Adds every custom error of a contract ABI (JSON, as in [`toolchain::CompiledContract`]).
    pub fn add_abi_json(&mut self, abi_json: &str) -> Result<&mut Self, serde_json::Error> {
        let abi = JsonAbi::from_json_str(abi_json)?;
        for err in abi.errors() {
            self.insert(err.clone());
        }
        Ok(self)
    }

    /// Adds one error by its Solidity signature, e.g. `"error BadInput(uint256 x)"` or
    /// `"BadInput(uint256)"`.
    pub fn add_signature(&mut self, signature: &str) -> Result<&mut Self, String> {
        let sig = signature.trim();
        let sig = if sig.starts_with("error ") {
            sig.to_string()
        } else {
            format!("error {sig}")
        };
        let err = alloy::json_abi::Error::parse(&sig).map_err(|e| e.to_string())?;
        self.insert(err);
        Ok(self)
    }

    /// Decodes revert `data` into `(name, signature, rendered)` when the selector is known.
    pub fn decode(&self, data: &[u8]) -> Option<(String, String, String)> {
        let selector: [u8; 4] = data.get(..4)?.try_into().ok()?;
        if selector == Revert::SELECTOR {
            let reason = Revert::abi_decode(data).ok()?.reason;
            return Some(("Error".into(), "Error(string)".into(), format!("Error({reason:?})")));
        }
        if selector == Panic::SELECTOR {
            let panic = Panic::abi_decode(data).ok()?;
            let kind = panic.kind().map(|k| format!(": {k}")).unwrap_or_default();
            return Some((
                "Panic".into(),
                "Panic(uint256)".into(),
                format!("Panic(0x{:x}{kind})", panic.code),
            ));
        }
        let err = self.errors.get(&selector)?;
        let rendered = match err.decode_error(data) {
            Ok(decoded) => {
                let args: Vec<String> = decoded.body.iter().map(render_value).collect();
                format!("{}({})", err.name, args.join(", "))
            }
            Err(_) => format!("{} (undecodable arguments)", err.signature()),
        };
        Some((err.name.clone(), err.signature(), rendered))
    }
}

fn render_value(value: &DynSolValue) -> String {
    match value {
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::Address(a) => a.to_string(),
        DynSolValue::FixedBytes(w, size) => format!("0x{}", alloy::hex::encode(&w[..*size])),
        DynSolValue::Bytes(b) => format!("0x{}", alloy::hex::encode(b)),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) | DynSolValue::Tuple(items) => {
            let inner: Vec<String> = items.iter().map(render_value).collect();
            format!("[{}]", inner.join(", "))
        }
        other => format!("{other:?}"),
    }
}

// ------------------------------------------------------------------------------------------
// Local node
// ------------------------------------------------------------------------------------------

/// Options for [`LocalNode::spawn_with`].
#[derive(Clone, Debug, Default)]
pub struct LocalNodeConfig {
    /// Chain id (Anvil's default, [`ANVIL_CHAIN_ID`], when `None`).
    pub chain_id: Option<u64>,
    /// TCP port on 127.0.0.1 (a free port chosen by the OS when `None`).
    pub port: Option<u16>,
    /// Lift the EIP-170 contract size limit (large generated verifiers).
    pub disable_code_size_limit: bool,
    /// Block gas limit (Anvil's default when `None`).
    pub block_gas_limit: Option<u64>,
    /// Further `anvil` arguments.
    pub extra_args: Vec<String>,
}

/// An Anvil node running on `127.0.0.1` (at a free port chosen by the OS unless
/// [`LocalNodeConfig::port`] is set); killed on drop.
#[derive(Debug)]
pub struct LocalNode {
    instance: AnvilInstance,
}

impl LocalNode {
    /// Spawns Anvil with default settings (see [`LocalNode::spawn_with`]).
    pub fn spawn() -> Result<Self, ChainError> {
        Self::spawn_with(&LocalNodeConfig::default())
    }

    /// Spawns the Anvil found by [`toolchain::anvil_path`], listening on 127.0.0.1 only.
    pub fn spawn_with(config: &LocalNodeConfig) -> Result<Self, ChainError> {
        let path = toolchain::anvil_path()?;
        let mut anvil = Anvil::at(&path)
            .host("127.0.0.1")
            .port(config.port.unwrap_or(0))
            .timeout(60_000);
        if let Some(chain_id) = config.chain_id {
            anvil = anvil.chain_id(chain_id);
        }
        if config.disable_code_size_limit {
            anvil = anvil.arg("--disable-code-size-limit");
        }
        if let Some(limit) = config.block_gas_limit {
            anvil = anvil.arg("--gas-limit").arg(limit.to_string());
        }
        anvil = anvil.args(&config.extra_args);
        let instance = anvil
            .try_spawn()
            .map_err(|e| ChainError::Node(format!("could not start {}: {e}", path.display())))?;
        Ok(Self { instance })
    }

    /// HTTP JSON-RPC endpoint, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.instance.port())
    }

    /// The TCP port the node listens on.
    pub fn port(&self) -> u16 {
        self.instance.port()
    }

    /// The node's chain id.
    pub fn chain_id(&self) -> u64 {
        self.instance.chain_id()
    }

    /// Private keys of the node's funded dev accounts, 0x-prefixed hex.
    pub fn dev_keys(&self) -> Vec<String> {
        self.instance
            .keys()
            .iter()
            .map(|k| format!("0x{}", alloy::hex::encode(k.to_bytes())))
            .collect()
    }

    /// Addresses of the node's funded dev accounts.
    pub fn dev_addresses(&self) -> &[Address] {
        self.instance.addresses()
    }

    /// The operating-system process id of the Anvil process.
    pub fn pid(&self) -> u32 {
        self.instance.child().id()
    }

    /// The Anvil process's exit status if it has exited (without waiting).
    pub fn try_wait(&mut self) -> Result<Option<std::process::ExitStatus>, ChainError> {
        self.instance
            .child_mut()
            .try_wait()
            .map_err(|e| ChainError::Node(format!("could not query the Anvil process: {e}")))
    }
}

// ------------------------------------------------------------------------------------------
// RPC plumbing
// ------------------------------------------------------------------------------------------

/// Whether `rpc_url` with `chain_id` is a local dev chain: chain id [`ANVIL_CHAIN_ID`] at a
/// loopback address. Only there is the public dev key used implicitly, and only there may an
/// insecure (`--dev`) verifier be deployed without an explicit override.
pub fn is_local_dev_chain(rpc_url: &str, chain_id: u64) -> bool {
    chain_id == ANVIL_CHAIN_ID && is_loopback_url(rpc_url)
}

/// Whether `rpc_url` points at this machine (localhost, 127.0.0.0/8 or ::1).
pub fn is_loopback_url(rpc_url: &str) -> bool {
    let Ok(url) = Url::parse(rpc_url) else {
        return false;
    };
    match url.host_str() {
        Some(host) => {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    }
}

fn parse_url(rpc_url: &str) -> Result<Url, ChainError> {
    let url = Url::parse(rpc_url).map_err(|e| ChainError::InvalidRpcUrl {
        url: rpc_url.to_string(),
        reason: e.to_string(),
    })?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(ChainError::InvalidRpcUrl {
            url: rpc_url.to_string(),
            reason: format!("unsupported scheme `{other}` (use http:// or https://)"),
        }),
    }
}

fn http_client() -> Result<reqwest::Client, ChainError> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| ChainError::Node(format!("could not build the HTTP client: {e}")))
}

/// A connected provider plus what we learnt while connecting.
struct Connection {
    url: String,
    provider: DynProvider,
    chain_id: u64,
}

/// Connects to `rpc_url` (optionally with a signing wallet) and fetches the chain id, which
/// doubles as the reachability check.
async fn connect(
    rpc_url: &str,
    wallet: Option<EthereumWallet>,
    expected_chain_id: Option<u64>,
) -> Result<Connection, ChainError> {
    let url = parse_url(rpc_url)?;
    let client = http_client()?;
    let provider = match wallet {
        Some(wallet) => ProviderBuilder::new()
            .wallet(wallet)
            .connect_reqwest(client, url)
            .erased(),
        None => ProviderBuilder::new().connect_reqwest(client, url).erased(),
    };
    let chain_id = provider.get_chain_id().await.map_err(|e| match e {
        RpcError::Transport(kind) => ChainError::Unreachable {
            url: rpc_url.to_string(),
            reason: transport_reason(&kind),
        },
        other => ChainError::Rpc {
            url: rpc_url.to_string(),
            message: other.to_string(),
        },
    })?;
    if let Some(expected) = expected_chain_id {
        if expected != chain_id {
            return Err(ChainError::WrongChainId {
                url: rpc_url.to_string(),
                expected,
                actual: chain_id,
            });
        }
    }
    Ok(Connection {
        url: rpc_url.to_string(),
        provider,
        chain_id,
    })
}

fn transport_reason(kind: &TransportErrorKind) -> String {
    // reqwest errors hide the interesting part (e.g. "Connection refused") in their sources.
    let mut reason = kind.to_string();
    let mut source = std::error::Error::source(kind);
    while let Some(s) = source {
        let text = s.to_string();
        if !reason.contains(&text) {
            reason.push_str(": ");
            reason.push_str(&text);
        }
        source = s.source();
    }
    reason
}

/// Parses a hex private key (never echoing it in errors).
pub fn parse_private_key(key: &str) -> Result<PrivateKeySigner, ChainError> {
    let hex = key.trim();
    let digits = hex.strip_prefix("0x").or_else(|| hex.strip_prefix("0X")).unwrap_or(hex);
    if digits.len() != 64 {
        return Err(ChainError::BadPrivateKey {
            reason: format!("it has {} hex digits", digits.len()),
        });
    }
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ChainError::BadPrivateKey {
            reason: "it is not hexadecimal".into(),
        });
    }
    PrivateKeySigner::from_str(digits).map_err(|_| ChainError::BadPrivateKey {
        reason: "it is not a valid secp256k1 secret key (zero or >= the curve order)".into(),
    })
}

/// Picks the signer for a transaction to `rpc_url` on `chain_id`: the given key, else the
/// Anvil dev key when the node is a local dev node (printing a notice), else an error.
pub fn resolve_signer(private_key: Option<&str>, rpc_url: &str, chain_id: u64) -> Result<PrivateKeySigner, ChainError> {
    let dev = parse_private_key(ANVIL_DEV_KEY)?;
    match private_key {
        Some(key) => {
            let signer = parse_private_key(key)?;
            if signer.address() == dev.address() && chain_id != ANVIL_CHAIN_ID {
                return Err(ChainError::DevKeyOnPublicChain { chain_id });
            }
            Ok(signer)
        }
        None if is_local_dev_chain(rpc_url, chain_id) => {
            eprintln!(
                "notice: no private key given; using Anvil's public dev account {} on the local \
                 dev node {rpc_url} (chain id {chain_id})",
                dev.address()
            );
            Ok(dev)
        }
        None => Err(ChainError::MissingPrivateKey {
            url: rpc_url.to_string(),
            chain_id,
        }),
    }
}

/// What an RPC error means for a transaction that was being estimated or sent.
fn classify_tx_error(
    err: RpcError<TransportErrorKind>,
    url: &str,
    from: Address,
    gas_limit: Option<u64>,
    deploying: bool,
) -> ChainError {
    match err {
        RpcError::Transport(kind) => ChainError::Unreachable {
            url: url.to_string(),
            reason: transport_reason(&kind),
        },
        RpcError::ErrorResp(payload) => {
            let message = payload.message.to_string();
            let lower = message.to_ascii_lowercase();
            if lower.contains("insufficient funds") || lower.contains("lack of funds") {
                return ChainError::InsufficientFunds { account: from, message };
            }
            if lower.contains("contractsizelimit")
                || lower.contains("initcodesizelimit")
                || lower.contains("max code size")
                || lower.contains("max initcode size")
                || lower.contains("code size")
            {
                return ChainError::ContractTooLarge { message };
            }
            if lower.contains("out of gas")
                || lower.contains("gas required exceeds")
                || lower.contains("intrinsic gas too low")
                || lower.contains("outofgas")
            {
                return ChainError::OutOfGas {
                    gas_limit,
                    tx_hash: None,
                    message,
                };
            }
            if lower.contains("revert") {
                let data = payload.as_revert_data().unwrap_or_default();
                let revert = Some(Box::new(RevertInfo::from_data(data, &ErrorDecoder::new())));
                return if deploying {
                    ChainError::DeploymentReverted { revert, tx_hash: None }
                } else {
                    ChainError::Reverted { revert, tx_hash: None }
                };
            }
            ChainError::Rpc {
                url: url.to_string(),
                message: format!("{message} (code {})", payload.code),
            }
        }
        other => ChainError::Rpc {
            url: url.to_string(),
            message: other.to_string(),
        },
    }
}

/// A log emitted by a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventLog {
    /// The emitting contract.
    pub address: Address,
    /// Indexed topics (`topics[0]` is the event signature hash for non-anonymous events).
    pub topics: Vec<B256>,
    /// Non-indexed data.
    pub data: Bytes,
}

/// Result of [`deploy`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// Address of the new contract.
    pub address: Address,
    /// The deployment transaction.
    pub tx_hash: TxHash,
    /// Gas used by the deployment.
    pub gas_used: u64,
    /// Block the deployment was included in.
    pub block: u64,
    /// The deploying account.
    pub deployer: Address,
    /// Chain id of the node.
    pub chain_id: u64,
}

/// Result of [`call`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// Whether the call returned normally.
    pub success: bool,
    /// Return data on success, revert data on failure.
    pub return_data: Bytes,
    /// The decoded revert on failure.
    pub revert: Option<RevertInfo>,
}

/// Options for [`send`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TxOptions {
    /// Explicit gas limit; estimated (plus 20%, capped at the block gas limit) when `None`.
    pub gas_limit: Option<u64>,
    /// Refuse to send unless the node reports this chain id.
    pub expected_chain_id: Option<u64>,
}

/// Result of a successful [`send`]. Failed transactions are reported as
/// [`ChainError::Reverted`] or [`ChainError::OutOfGas`] carrying the transaction hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxOutcome {
    /// Receipt status (true: success).
    pub status: bool,
    /// Gas used.
    pub gas_used: u64,
    /// Gas limit the transaction was sent with.
    pub gas_limit: u64,
    /// The transaction hash.
    pub tx_hash: TxHash,
    /// Block the transaction was included in.
    pub block: u64,
    /// Logs emitted.
    pub logs: Vec<EventLog>,
}

/// Gas limit to send with: the estimate plus 20%, capped at the latest block's gas limit.
async fn padded_gas_limit(provider: &DynProvider, estimate: u64) -> u64 {
    let padded = estimate.saturating_add(estimate / 5);
    let block_limit = provider
        .get_block(BlockId::latest())
        .await
        .ok()
        .flatten()
        .map(|b| b.header.gas_limit);
    match block_limit {
        Some(limit) if limit >= estimate => padded.min(limit),
        _ => padded,
    }
}

fn receipt_logs(receipt: &TransactionReceipt) -> Vec<EventLog> {
    receipt
        .inner
        .logs()
        .iter()
        .map(|log| EventLog {
            address: log.address(),
            topics: log.topics().to_vec(),
            data: log.data().data.clone(),
        })
        .collect()
}

/// Sends `tx` (with `from` and `gas` set) and waits for the receipt; failed receipts become
/// errors (replaying the transaction to recover revert data).
async fn send_and_confirm(
    conn: &Connection,
    tx: TransactionRequest,
    from: Address,
    gas_limit: u64,
    deploying: bool,
) -> Result<TransactionReceipt, ChainError> {
    let pending = conn
        .provider
        .send_transaction(tx.clone())
        .await
        .map_err(|e| classify_tx_error(e, &conn.url, from, Some(gas_limit), deploying))?;
    let tx_hash = *pending.tx_hash();
    let receipt = pending
        .with_timeout(Some(RECEIPT_TIMEOUT))
        .get_receipt()
        .await
        .map_err(|e| ChainError::Rpc {
            url: conn.url.clone(),
            message: format!("waiting for the receipt of {tx_hash}: {e}"),
        })?;
    if receipt.status() {
        return Ok(receipt);
    }
    if receipt.gas_used >= gas_limit {
        return Err(ChainError::OutOfGas {
            gas_limit: Some(gas_limit),
            tx_hash: Some(tx_hash),
            message: format!("used all {} gas", receipt.gas_used),
        });
    }
    // Replay on the parent block's state to recover the revert data (best effort).
    let mut revert = None;
    if let Some(block) = receipt.block_number {
        let replay = conn
            .provider
            .call(tx)
            .block(BlockId::number(block.saturating_sub(1)))
            .await;
        if let Err(RpcError::ErrorResp(payload)) = replay {
            revert = payload
                .as_revert_data()
                .map(|d| Box::new(RevertInfo::from_data(d, &ErrorDecoder::new())));
        }
    }
    Err(if deploying {
        ChainError::DeploymentReverted {
            revert,
            tx_hash: Some(tx_hash),
        }
    } else {
        ChainError::Reverted {
            revert,
            tx_hash: Some(tx_hash),
        }
    })
}

/// Deploys `bytecode` (creation code, constructor arguments appended) from the account of
/// `private_key` (see [`resolve_signer`] for `None`), checking the chain id first when
/// `expected_chain_id` is given.
pub async fn deploy(
    rpc_url: &str,
    private_key: Option<&str>,
    bytecode: &[u8],
    expected_chain_id: Option<u64>,
) -> Result<Deployment, ChainError> {
    let probe = connect(rpc_url, None, expected_chain_id).await?;
    let signer = resolve_signer(private_key, rpc_url, probe.chain_id)?;
    let from = signer.address();
    let conn = connect(rpc_url, Some(EthereumWallet::from(signer)), Some(probe.chain_id)).await?;

    let tx = TransactionRequest::default()
        .with_from(from)
        .with_deploy_code(Bytes::copy_from_slice(bytecode));
    let estimate = conn
        .provider
        .estimate_gas(tx.clone())
        .await
        .map_err(|e| classify_tx_error(e, &conn.url, from, None, true))?;
    let gas_limit = padded_gas_limit(&conn.provider, estimate).await;
    let receipt = send_and_confirm(&conn, tx.with_gas_limit(gas_limit), from, gas_limit, true).await?;
    let address = receipt.contract_address.ok_or_else(|| ChainError::Rpc {
        url: conn.url.clone(),
        message: format!("receipt of {} has no contract address", receipt.transaction_hash),
    })?;
    Ok(Deployment {
        address,
        tx_hash: receipt.transaction_hash,
        gas_used: receipt.gas_used,
        block: receipt.block_number.unwrap_or_default(),
        deployer: from,
        chain_id: conn.chain_id,
    })
}

/// `eth_call`s `to` with `calldata` on the latest block. A revert is not an error: it is
/// returned as `success: false` with the decoded [`RevertInfo`].
pub async fn call(rpc_url: &str, to: Address, calldata: &[u8]) -> Result<CallOutcome, ChainError> {
    let conn = connect(rpc_url, None, None).await?;
    let tx = TransactionRequest::default()
        .with_to(to)
        .with_input(Bytes::copy_from_slice(calldata));
    match conn.provider.call(tx).await {
        Ok(data) => Ok(CallOutcome {
            success: true,
            return_data: data,
            revert: None,
        }),
        Err(RpcError::ErrorResp(payload)) if payload.message.to_ascii_lowercase().contains("revert") => {
            let data = payload.as_revert_data().unwrap_or_default();
            let revert = RevertInfo::from_data(data.clone(), &ErrorDecoder::new());
            Ok(CallOutcome {
                success: false,
                return_data: data,
                revert: Some(revert),
            })
        }
        Err(RpcError::Transport(kind)) => Err(ChainError::Unreachable {
            url: conn.url,
            reason: transport_reason(&kind),
        }),
        Err(other) => Err(ChainError::Rpc {
            url: conn.url,
            message: other.to_string(),
        }),
    }
}

/// Estimates the gas of calling `to` with `calldata` (from `from`, or the zero address).
/// A revert is reported as [`ChainError::Reverted`] with the decoded revert data.
pub async fn estimate_gas(
    rpc_url: &str,
    from: Option<Address>,
    to: Address,
    calldata: &[u8],
) -> Result<u64, ChainError> {
    let conn = connect(rpc_url, None, None).await?;
    let mut tx = TransactionRequest::default()
        .with_to(to)
        .with_input(Bytes::copy_from_slice(calldata));
    if let Some(from) = from {
        tx = tx.with_from(from);
    }
    conn.provider
        .estimate_gas(tx)
        .await
        .map_err(|e| classify_tx_error(e, &conn.url, from.unwrap_or_default(), None, false))
}

/// Sends a transaction calling `to` with `calldata` from the account of `private_key` (see
/// [`resolve_signer`] for `None`) and waits for its receipt.
pub async fn send(
    rpc_url: &str,
    private_key: Option<&str>,
    to: Address,
    calldata: &[u8],
    options: TxOptions,
) -> Result<TxOutcome, ChainError> {
    let probe = connect(rpc_url, None, options.expected_chain_id).await?;
    let signer = resolve_signer(private_key, rpc_url, probe.chain_id)?;
    let from = signer.address();
    let conn = connect(rpc_url, Some(EthereumWallet::from(signer)), Some(probe.chain_id)).await?;

    let tx = TransactionRequest::default()
        .with_from(from)
        .with_to(to)
        .with_input(Bytes::copy_from_slice(calldata));
    let gas_limit = match options.gas_limit {
        Some(limit) => limit,
        None => {
            let estimate = conn
                .provider
                .estimate_gas(tx.clone())
                .await
                .map_err(|e| classify_tx_error(e, &conn.url, from, None, false))?;
            padded_gas_limit(&conn.provider, estimate).await
        }
    };
    let receipt = send_and_confirm(&conn, tx.with_gas_limit(gas_limit), from, gas_limit, false).await?;
    Ok(TxOutcome {
        status: receipt.status(),
        gas_used: receipt.gas_used,
        gas_limit,
        tx_hash: receipt.transaction_hash,
        block: receipt.block_number.unwrap_or_default(),
        logs: receipt_logs(&receipt),
    })
}

/// The chain id reported by the node at `rpc_url` (also a reachability check).
pub async fn chain_id(rpc_url: &str) -> Result<u64, ChainError> {
    Ok(connect(rpc_url, None, None).await?.chain_id)
}

/// The code deployed at `address` (empty for accounts without code).
pub async fn code_at(rpc_url: &str, address: Address) -> Result<Bytes, ChainError> {
    let conn = connect(rpc_url, None, None).await?;
    conn.provider.get_code_at(address).await.map_err(|e| ChainError::Rpc {
        url: conn.url,
        message: e.to_string(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn loopback_detection() {
        assert!(is_loopback_url("http://127.0.0.1:8545"));
        assert!(is_loopback_url("http://127.3.2.1:8545"));
        assert!(is_loopback_url("http://localhost:8545"));
        assert!(is_loopback_url("http://[::1]:8545"));
        assert!(!is_loopback_url("https://eth.example.org"));
        assert!(!is_loopback_url("http://10.0.0.1:8545"));
        assert!(!is_loopback_url("not a url"));
    }

    #[test]
    fn private_keys_are_validated_without_echo() {
        assert!(parse_private_key(ANVIL_DEV_KEY).is_ok());
        assert!(parse_private_key(ANVIL_DEV_KEY.trim_start_matches("0x")).is_ok());
        let secret = "0xdeadbeef";
        let err = parse_private_key(secret).unwrap_err().to_string();
        assert!(err.contains("8 hex digits"), "{err}");
        assert!(!err.contains("deadbeef"), "{err}");
        let zero = format!("0x{}", "0".repeat(64));
        assert!(matches!(
            parse_private_key(&zero),
            Err(ChainError::BadPrivateKey { .. })
        ));
        let not_hex = "z".repeat(64);
        assert!(matches!(
            parse_private_key(&not_hex),
            Err(ChainError::BadPrivateKey { .. })
        ));
    }

    #[test]
    fn dev_key_only_on_local_dev_chain() {
        assert!(resolve_signer(None, "http://127.0.0.1:8545", ANVIL_CHAIN_ID).is_ok());
        assert!(matches!(
            resolve_signer(None, "https://rpc.example.org", ANVIL_CHAIN_ID),
            Err(ChainError::MissingPrivateKey { .. })
        ));
        assert!(matches!(
            resolve_signer(None, "http://127.0.0.1:8545", 1),
            Err(ChainError::MissingPrivateKey { .. })
        ));
        assert!(matches!(
            resolve_signer(Some(ANVIL_DEV_KEY), "https://rpc.example.org", 1),
            Err(ChainError::DevKeyOnPublicChain { chain_id: 1 })
        ));
    }

    #[test]
    fn decodes_builtin_reverts() {
        let decoder = ErrorDecoder::new();
        let data = Revert::from("too small").abi_encode();
        let info = RevertInfo::from_data(data, &decoder);
        assert!(info.is("Error"));
        assert_eq!(info.decoded.as_deref(), Some("Error(\"too small\")"));

        let data = Panic::from(alloy::sol_types::PanicKind::UnderOverflow).abi_encode();
        let info = RevertInfo::from_data(data, &decoder);
        assert!(info.is("Panic"));
        assert!(info.to_string().contains("0x11"), "{info}");

        let mut data = alloy::primitives::keccak256("UnknownInput(bytes32)")[..4].to_vec();
        data.extend_from_slice(&[7u8; 32]);
        let info = RevertInfo::from_data(data, &decoder);
        assert_eq!(info.signature.as_deref(), Some("UnknownInput(bytes32)"));
        assert!(info.to_string().starts_with("UnknownInput(0x0707"), "{info}");

        let mut unknown = RevertInfo::from_data(vec![1, 2, 3, 4], &decoder);
        assert!(unknown.name.is_none());
        assert!(unknown.to_string().contains("0x01020304"), "{unknown}");
        let mut more = ErrorDecoder::default();
        assert!(more.add_signature("Custom()").is_ok());
        let sel = alloy::primitives::keccak256("Custom()");
        let mut custom = RevertInfo::from_data(sel[..4].to_vec(), &decoder);
        custom.resolve(&more);
        assert!(custom.is("Custom"));
        unknown.resolve(&more);
        assert!(unknown.name.is_none());

        assert_eq!(
            RevertInfo::from_data(Vec::new(), &decoder).to_string(),
            "reverted without data"
        );
    }
}
