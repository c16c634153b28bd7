//! Integration tests for `zkt_eth::chain` and `zkt_eth::toolchain` against a real Anvil from
//! `node_modules` (run `npm ci` first) and contracts compiled with the pinned solc.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use alloy::{
    primitives::{Address, U256},
    sol,
    sol_types::{SolCall, SolError, SolEvent},
};
use zkt_eth::{
    chain::{self, ChainError, ErrorDecoder, LocalNode, LocalNodeConfig, TxOptions, ANVIL_CHAIN_ID, ANVIL_DEV_KEY},
    toolchain::{self, CompiledContract, ToolchainError},
};

const PROBE_SOL: &str = r#"// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract Probe {
    error BadInput(uint256 value);
    event Stored(address indexed from, uint256 value);

    uint256 public stored;

    function check(uint256 x) external pure returns (bool) {
        if (x == 0) revert BadInput(x);
        return true;
    }

    function store(uint256 x) external {
        if (x == 0) revert BadInput(x);
        stored = x;
        emit Stored(msg.sender, x);
    }
}

contract Reverter {
    constructor() {
        revert("nope");
    }
}
"#;

sol! {
    interface IProbe {
        error BadInput(uint256 value);
        event Stored(address indexed from, uint256 value);
        function check(uint256 x) external pure returns (bool);
        function store(uint256 x) external;
        function stored() external view returns (uint256);
    }
}

/// Compiles the probe contracts once per test binary.
fn compiled(contract: &str) -> CompiledContract {
    static PROBE: OnceLock<CompiledContract> = OnceLock::new();
    static REVERTER: OnceLock<CompiledContract> = OnceLock::new();
    let (cell, name) = match contract {
        "Probe" => (&PROBE, "Probe.sol:Probe"),
        "Reverter" => (&REVERTER, "Reverter"),
        other => panic!("unknown test contract {other}"),
    };
    cell.get_or_init(|| toolchain::compile_solidity(&[("Probe.sol", PROBE_SOL)], name).unwrap())
        .clone()
}

fn call_data<C: SolCall>(c: C) -> Vec<u8> {
    c.abi_encode()
}

/// A loopback URL where nothing listens.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn toolchain_finds_tools() {
    let solc = toolchain::solc().unwrap();
    assert!(solc.semver >= toolchain::MIN_NATIVE_SOLC, "{solc}");
    assert!(toolchain::anvil_path().unwrap().is_file());
    assert!(toolchain::forge_path().unwrap().is_file());
    let root = toolchain::repo_root().unwrap();
    assert!(root.join("foundry.toml").is_file(), "root {}", root.display());
}

#[test]
fn compile_reports_errors_and_missing_contracts() {
    let bad = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract A { function f( }";
    match toolchain::compile_solidity(&[("A.sol", bad)], "A") {
        Err(ToolchainError::Compilation { errors }) => {
            assert!(errors.iter().any(|e| e.contains("ParserError")), "{errors:?}")
        }
        other => panic!("expected a compilation error, got {other:?}"),
    }
    let good = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract A {}";
    match toolchain::compile_solidity(&[("A.sol", good)], "B") {
        Err(ToolchainError::ContractNotFound { available, .. }) => {
            assert_eq!(available, vec!["A.sol:A".to_string()])
        }
        other => panic!("expected ContractNotFound, got {other:?}"),
    }
    let iface = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ninterface I {}";
    assert!(matches!(
        toolchain::compile_solidity(&[("I.sol", iface)], "I"),
        Err(ToolchainError::NotDeployable { .. })
    ));
}

#[test]
fn compiles_repo_contracts_with_imports_from_root() {
    let root = toolchain::repo_root().unwrap();
    let oracle = std::fs::read_to_string(root.join("contracts/MLOracle.sol")).unwrap();
    // `./IZkTorchVerifier.sol` is not given: it is read from the repository root.
    let out = toolchain::compile_solidity(&[("contracts/MLOracle.sol", &oracle)], "MLOracle").unwrap();
    assert_eq!(out.name, "contracts/MLOracle.sol:MLOracle");
    assert!(!out.bytecode.is_empty() && !out.deployed_bytecode.is_empty());
    assert!(out.abi_json.contains("UnverifiedResult"));
}

/// `forge build` (through foundry.toml and the solc shim) and `compile_solidity` agree.
#[test]
fn forge_build_matches_compile_solidity() {
    let root = toolchain::repo_root().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let status = std::process::Command::new(toolchain::forge_path().unwrap())
        .current_dir(&root)
        .args(["build", "--skip", "test", "--skip", "script", "--out"])
        .arg(&out_dir)
        .arg("--cache-path")
        .arg(tmp.path().join("cache"))
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "forge build failed:\n{}\n{}",
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr)
    );
    let artifact: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("MLOracle.sol/MLOracle.json")).unwrap()).unwrap();
    let forge_code = artifact["deployedBytecode"]["object"].as_str().unwrap();

    let oracle = std::fs::read_to_string(root.join("contracts/MLOracle.sol")).unwrap();
    let ours = toolchain::compile_solidity(&[("contracts/MLOracle.sol", &oracle)], "MLOracle").unwrap();
    assert_eq!(
        forge_code.trim_start_matches("0x"),
        alloy::hex::encode(&ours.deployed_bytecode),
        "foundry.toml and CompilerSettings::FOUNDRY disagree"
    );
}

#[tokio::test]
async fn deploy_call_send_on_local_anvil() {
    let node = LocalNode::spawn().unwrap();
    let url = node.endpoint();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(node.chain_id(), ANVIL_CHAIN_ID);
    assert_eq!(node.dev_keys()[0], ANVIL_DEV_KEY);
    let probe = compiled("Probe");

    let dep = chain::deploy(&url, None, &probe.bytecode, Some(ANVIL_CHAIN_ID))
        .await
        .unwrap();
    assert!(dep.gas_used > 21_000, "{dep:?}");
    assert!(dep.block >= 1);
    assert_eq!(dep.deployer, node.dev_addresses()[0]);
    let code = chain::code_at(&url, dep.address).await.unwrap();
    assert_eq!(code.as_ref(), probe.deployed_bytecode.as_slice());

    // A successful view call.
    let ok = chain::call(&url, dep.address, &call_data(IProbe::checkCall { x: U256::from(7) }))
        .await
        .unwrap();
    assert!(ok.success && ok.revert.is_none());
    assert!(IProbe::checkCall::abi_decode_returns(&ok.return_data).unwrap());

    // A reverting call: the selector is always there, the name once the ABI is known.
    let bad = chain::call(&url, dep.address, &call_data(IProbe::checkCall { x: U256::ZERO }))
        .await
        .unwrap();
    assert!(!bad.success);
    let mut revert = bad.revert.unwrap();
    assert_eq!(revert.selector, Some(IProbe::BadInput::SELECTOR));
    assert!(revert.name.is_none());
    let mut decoder = ErrorDecoder::new();
    decoder.add_abi_json(&probe.abi_json).unwrap();
    revert.resolve(&decoder);
    assert!(revert.is("BadInput"));
    assert_eq!(revert.decoded.as_deref(), Some("BadInput(0)"));
    assert_eq!(revert.signature.as_deref(), Some("BadInput(uint256)"));

    let store = call_data(IProbe::storeCall { x: U256::from(42) });
    let estimate = chain::estimate_gas(&url, Some(dep.deployer), dep.address, &store)
        .await
        .unwrap();
    assert!(estimate > 21_000);

    let tx = chain::send(&url, None, dep.address, &store, TxOptions::default())
        .await
        .unwrap();
    assert!(tx.status);
    assert!(tx.gas_used > 21_000 && tx.gas_used <= tx.gas_limit, "{tx:?}");
    assert_eq!(tx.logs.len(), 1);
    assert_eq!(tx.logs[0].address, dep.address);
    assert_eq!(tx.logs[0].topics[0], IProbe::Stored::SIGNATURE_HASH);
    let stored = chain::call(&url, dep.address, &call_data(IProbe::storedCall {}))
        .await
        .unwrap();
    assert_eq!(
        IProbe::storedCall::abi_decode_returns(&stored.return_data).unwrap(),
        U256::from(42)
    );

    // Reverting transaction: caught at estimation, decoded.
    let zero = call_data(IProbe::storeCall { x: U256::ZERO });
    let mut err = chain::send(&url, None, dep.address, &zero, TxOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ChainError::Reverted { tx_hash: None, .. }), "{err}");
    err.revert_mut().unwrap().resolve(&decoder);
    assert!(err.revert().unwrap().is("BadInput"), "{err}");
    assert!(err.to_string().contains("BadInput(0)"), "{err}");

    // Reverting transaction with an explicit gas limit: mined, then replayed for the reason.
    let opts = TxOptions {
        gas_limit: Some(100_000),
        ..TxOptions::default()
    };
    let err = chain::send(&url, None, dep.address, &zero, opts).await.unwrap_err();
    match &err {
        ChainError::Reverted {
            tx_hash: Some(_),
            revert: Some(revert),
        } => {
            assert_eq!(revert.selector, Some(IProbe::BadInput::SELECTOR))
        }
        other => panic!("expected a mined revert, got {other}"),
    }

    // Out of gas: enough for the intrinsic cost, not for the SSTORE.
    let opts = TxOptions {
        gas_limit: Some(23_000),
        ..TxOptions::default()
    };
    let err = chain::send(&url, None, dep.address, &store, opts).await.unwrap_err();
    assert!(
        matches!(
            err,
            ChainError::OutOfGas {
                gas_limit: Some(23_000),
                tx_hash: Some(_),
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn deployment_revert_is_decoded() {
    let node = LocalNode::spawn().unwrap();
    let reverter = compiled("Reverter");
    let err = chain::deploy(&node.endpoint(), None, &reverter.bytecode, None)
        .await
        .unwrap_err();
    match &err {
        ChainError::DeploymentReverted {
            revert: Some(revert), ..
        } => {
            assert!(revert.is("Error"), "{revert:?}");
            assert_eq!(revert.decoded.as_deref(), Some("Error(\"nope\")"));
        }
        other => panic!("expected DeploymentReverted, got {other}"),
    }
}

#[tokio::test]
async fn oversized_contracts_need_a_lifted_limit() {
    // Init code returning 24,577 zero bytes: one byte over the EIP-170 limit.
    let initcode = alloy::hex::decode("620060016000f3").unwrap();
    let node = LocalNode::spawn().unwrap();
    let err = chain::deploy(&node.endpoint(), None, &initcode, None)
        .await
        .unwrap_err();
    assert!(matches!(err, ChainError::ContractTooLarge { .. }), "{err}");
    assert!(err.to_string().contains("disable-code-size-limit"), "{err}");

    let config = LocalNodeConfig {
        disable_code_size_limit: true,
        ..LocalNodeConfig::default()
    };
    let node = LocalNode::spawn_with(&config).unwrap();
    let dep = chain::deploy(&node.endpoint(), None, &initcode, None).await.unwrap();
    let code = chain::code_at(&node.endpoint(), dep.address).await.unwrap();
    assert_eq!(code.len(), 24_577);
}

#[tokio::test]
async fn unreachable_rpc_is_explained() {
    let url = closed_port_url();
    let err = chain::call(&url, Address::ZERO, &[]).await.unwrap_err();
    assert!(matches!(err, ChainError::Unreachable { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains(&format!("could not reach {url}")), "{msg}");
    assert!(msg.contains("zkt-eth node"), "{msg}");
    assert!(
        !msg.contains("omit --rpc-url"),
        "no advice about options that do not exist: {msg}"
    );

    let err = chain::deploy(&url, None, &[0x00], None).await.unwrap_err();
    assert!(matches!(err, ChainError::Unreachable { .. }), "{err}");

    let err = chain::deploy("ftp://127.0.0.1:1", None, &[0x00], None)
        .await
        .unwrap_err();
    assert!(matches!(err, ChainError::InvalidRpcUrl { .. }), "{err}");
}

#[tokio::test]
async fn node_is_killed_on_drop() {
    let node = LocalNode::spawn().unwrap();
    let url = node.endpoint();
    assert_eq!(chain::chain_id(&url).await.unwrap(), ANVIL_CHAIN_ID);
    drop(node);
    let err = chain::chain_id(&url).await.unwrap_err();
    assert!(matches!(err, ChainError::Unreachable { .. }), "{err}");
}

#[tokio::test]
async fn chain_id_and_key_checks() {
    let node = LocalNode::spawn_with(&LocalNodeConfig {
        chain_id: Some(4242),
        ..Default::default()
    })
    .unwrap();
    let url = node.endpoint();
    let probe = compiled("Probe");

    // Wrong expected chain id.
    let err = chain::deploy(&url, None, &probe.bytecode, Some(1)).await.unwrap_err();
    match err {
        ChainError::WrongChainId {
            expected: 1,
            actual: 4242,
            ..
        } => {}
        other => panic!("expected WrongChainId, got {other}"),
    }

    // Not a dev chain id: the dev key is not used implicitly, nor accepted explicitly.
    let err = chain::deploy(&url, None, &probe.bytecode, None).await.unwrap_err();
    assert!(
        matches!(err, ChainError::MissingPrivateKey { chain_id: 4242, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("--private-key"), "{err}");
    let err = chain::deploy(&url, Some(ANVIL_DEV_KEY), &probe.bytecode, None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ChainError::DevKeyOnPublicChain { chain_id: 4242 }),
        "{err}"
    );

    // An explicit (funded) key works.
    let key = node.dev_keys()[1].clone();
    let dep = chain::deploy(&url, Some(&key), &probe.bytecode, Some(4242))
        .await
        .unwrap();
    assert_eq!(dep.deployer, node.dev_addresses()[1]);
    assert_eq!(dep.chain_id, 4242);

    // Malformed key.
    let err = chain::deploy(&url, Some("0x1234"), &probe.bytecode, None)
        .await
        .unwrap_err();
    assert!(matches!(err, ChainError::BadPrivateKey { .. }), "{err}");

    // Valid key without funds.
    let poor = format!("0x{}", "11".repeat(32));
    let err = chain::deploy(&url, Some(&poor), &probe.bytecode, None)
        .await
        .unwrap_err();
    assert!(matches!(err, ChainError::InsufficientFunds { .. }), "{err}");
    let store = call_data(IProbe::storeCall { x: U256::from(1) });
    let err = chain::send(&url, Some(&poor), dep.address, &store, TxOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ChainError::InsufficientFunds { .. }), "{err}");

    // Expected chain id on send.
    let opts = TxOptions {
        expected_chain_id: Some(ANVIL_CHAIN_ID),
        ..TxOptions::default()
    };
    let err = chain::send(&url, Some(&key), dep.address, &store, opts)
        .await
        .unwrap_err();
    assert!(matches!(err, ChainError::WrongChainId { .. }), "{err}");
}
