//! `deploy-verifier`, `verify-onchain` and `node` as a user runs them, against real Anvil nodes
//! (spawned by the tests on random loopback ports, or by `zkt-eth node` itself): honest answers
//! (no code, not a verifier, another model's verifier, false, a named revert), a deploy-and-verify
//! flow that works as the README lists it, and insecure verifiers kept on local dev chains.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use zkt_eth::artifacts::ProofFile;
use zkt_eth::chain::{self, LocalNode, LocalNodeConfig};
use zkt_eth::toolchain;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `zkt-eth` in `cwd`, with this checkout's pinned toolchain (`npm ci`) named through
/// `ZKT_ETH_ROOT`: the temporary directories the tests run in have no `node_modules` of their own.
fn zkt(cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zkt-eth"));
    c.current_dir(cwd).env("ZKT_ETH_ROOT", root());
    c
}

/// Runs `zkt-eth args…` in `cwd`.
fn run_in(cwd: &Path, args: &[&str]) -> Output {
    zkt(cwd).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "expected success:\n{}", stderr(&o));
    o
}

/// Asserts failure without a panic, with every needle in stderr; returns stderr.
fn fails_with(o: &Output, needles: &[&str]) -> String {
    let err = stderr(o);
    assert!(!o.status.success(), "expected failure, got success:\n{err}");
    assert!(!err.contains("panicked"), "panic:\n{err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}:\n{err}");
    }
    err
}

/// Exactly one JSON object on stdout.
fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}):\n{}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// compile + setup --dev --seed <seed> + prove of the sample model into a fresh directory.
fn sample_build(seed: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = p(dir.path());
    let r = root();
    let model = r.join("models/sample/sample.onnx");
    let input = r.join("models/sample/input.json");
    ok(run_in(&r, &["compile", p(&model), "-o", d, "--calibrate", p(&input)]));
    ok(run_in(&r, &["setup", d, "--dev", "--seed", &seed.to_string()]));
    let proof = dir.path().join("proof.bin");
    ok(run_in(&r, &["prove", d, "--input", p(&input), "-o", p(&proof)]));
    dir
}

/// A copy of `proof.bin` with its first public output changed (the proof no longer matches).
fn tampered(build: &Path) -> PathBuf {
    let mut f = ProofFile::load(&build.join("proof.bin")).unwrap();
    f.outputs[0] += 1;
    let path = build.join("tampered.bin");
    std::fs::write(&path, f.to_bytes()).unwrap();
    path
}

fn deploy_json(cwd: &Path, build: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["deploy-verifier", p(build), "--json"];
    args.extend_from_slice(extra);
    json(&ok(run_in(cwd, &args)))
}

const EMPTY: &str = "0x1234567890123456789012345678901234567890";

#[test]
fn an_address_without_code_never_verifies() {
    let node = LocalNode::spawn().unwrap();
    let url = node.endpoint();
    let build = sample_build(1);
    let b = build.path();
    for proof in [b.join("proof.bin"), tampered(b)] {
        let o = run_in(b, &["verify-onchain", p(&proof), "--address", EMPTY, "--rpc-url", &url]);
        fails_with(&o, &["no code at", "0x1234567890123456789012345678901234567890"]);
        assert!(
            !String::from_utf8_lossy(&o.stdout).contains("valid"),
            "stdout claims valid"
        );

        let o = run_in(
            b,
            &[
                "verify-onchain",
                p(&proof),
                "--address",
                EMPTY,
                "--rpc-url",
                &url,
                "--json",
            ],
        );
        assert!(!o.status.success());
        let v = json(&o);
        assert_eq!(v["valid"], false);
        assert_eq!(v["checks"]["code"], false);
        assert!(
            v["checks"]["vk_digest"].is_null() && v["checks"]["returned_true"].is_null(),
            "{v}"
        );
        assert_eq!(v["failed_check"], "code");
        assert!(v["error"].as_str().unwrap().contains("no code"), "{v}");
    }
}

const FALSE_VERIFIER: &str = r#"// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Claims a digest, accepts nothing (returns false instead of reverting).
contract FalseVerifier {
    bytes32 immutable digest;

    constructor(bytes32 d) {
        digest = d;
    }

    function vkDigest() external view returns (bytes32) {
        return digest;
    }

    function verify(bytes calldata, int256[] calldata, int256[] calldata) external pure returns (bool) {
        return false;
    }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn verify_onchain_names_the_failed_check() {
    let node = LocalNode::spawn().unwrap();
    let url = node.endpoint();
    let (a, other) = (sample_build(1), sample_build(2));
    let (a, other) = (a.path(), other.path());

    // The model's verifier and oracle; deployment.json records where.
    let dep = deploy_json(a, a, &["--rpc-url", &url, "--with-oracle"]);
    assert_eq!(dep["url"], url.as_str());
    assert_eq!(dep["chain_id"], 31337);
    assert_eq!(dep["ephemeral"], false);
    assert_eq!(dep["node"], "rpc-url");
    let on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("deployment.json")).unwrap()).unwrap();
    assert_eq!(on_disk, dep);
    let digest = dep["vk_digest"].as_str().unwrap().to_string();
    let oracle = dep["oracle"].as_str().unwrap().to_string();

    // A valid proof on the right verifier: defaults from deployment.json.
    let o = ok(run_in(a, &["verify-onchain", "proof.bin", "--build", p(a)]));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("valid"), "{out}");
    let v = json(&ok(run_in(
        a,
        &["verify-onchain", "proof.bin", "--build", p(a), "--json"],
    )));
    assert_eq!(v["valid"], true);
    assert_eq!(
        v["checks"],
        serde_json::json!({"code": true, "vk_digest": true, "returned_true": true})
    );
    assert!(v["error"].is_null() && v["failed_check"].is_null(), "{v}");
    assert!(v["gas"].as_u64().unwrap() > 21_000, "{v}");
    assert_eq!(v["contract_vk_digest"], digest.as_str());
    assert_eq!(v["insecure_srs"], true);
    assert_eq!(v["return_data"], format!("0x{}1", "0".repeat(63)));

    // A tampered proof on the right verifier: refused, with the verifier's custom error.
    let bad = tampered(a);
    let o = run_in(a, &["verify-onchain", p(&bad), "--build", p(a)]);
    fails_with(&o, &["refused the proof", "reverted with InverseMismatch()"]);
    let v = json(&run_in(a, &["verify-onchain", p(&bad), "--build", p(a), "--json"]));
    assert_eq!(v["valid"], false);
    assert_eq!(v["checks"]["vk_digest"], true);
    assert_eq!(v["checks"]["returned_true"], false);
    assert_eq!(v["revert"]["name"], "InverseMismatch");
    assert_eq!(v["revert"]["data"], format!("0x{}", selector("InverseMismatch()")));

    // Another model's (setup's) verifier: both digests shown.
    let dep_other = deploy_json(other, other, &["--rpc-url", &url]);
    let other_addr = dep_other["address"].as_str().unwrap();
    let other_digest = dep_other["vk_digest"].as_str().unwrap();
    assert_ne!(other_digest, digest);
    let o = run_in(
        a,
        &[
            "verify-onchain",
            "proof.bin",
            "--address",
            other_addr,
            "--rpc-url",
            &url,
        ],
    );
    fails_with(&o, &["verifier of another model", other_digest, &digest]);
    let v = json(&run_in(
        a,
        &[
            "verify-onchain",
            "proof.bin",
            "--address",
            other_addr,
            "--rpc-url",
            &url,
            "--json",
        ],
    ));
    assert_eq!(v["checks"]["code"], true);
    assert_eq!(v["checks"]["vk_digest"], false);
    assert_eq!(v["failed_check"], "vk_digest");

    // A contract that is no verifier (the oracle has code but no vkDigest()).
    let o = run_in(
        a,
        &["verify-onchain", "proof.bin", "--address", &oracle, "--rpc-url", &url],
    );
    fails_with(&o, &["is not a zkt-eth verifier", "vkDigest() reverted"]);

    // A contract with the right digest that returns false.
    let c = toolchain::compile_solidity(&[("FalseVerifier.sol", FALSE_VERIFIER)], "FalseVerifier").unwrap();
    let mut code = c.bytecode.clone();
    code.extend_from_slice(&alloy::hex::decode(&digest).unwrap());
    let fake = chain::deploy(&url, None, &code, None).await.unwrap();
    let fake = fake.address.to_string();
    let o = run_in(
        a,
        &["verify-onchain", "proof.bin", "--address", &fake, "--rpc-url", &url],
    );
    fails_with(&o, &["returned false"]);
    let v = json(&run_in(
        a,
        &[
            "verify-onchain",
            "proof.bin",
            "--address",
            &fake,
            "--rpc-url",
            &url,
            "--json",
        ],
    ));
    assert_eq!(
        v["checks"],
        serde_json::json!({"code": true, "vk_digest": true, "returned_true": false})
    );
}

fn selector(sig: &str) -> String {
    alloy::hex::encode(&alloy::primitives::keccak256(sig)[..4])
}

#[test]
fn insecure_verifier_is_refused_off_the_dev_chain() {
    // Loopback, but chain id 1: not a local dev chain.
    let node = LocalNode::spawn_with(&LocalNodeConfig {
        chain_id: Some(1),
        ..Default::default()
    })
    .unwrap();
    let url = node.endpoint();
    let key = node.dev_keys()[1].clone();
    let build = sample_build(1);
    let b = build.path();
    let o = run_in(b, &["deploy-verifier", p(b), "--rpc-url", &url, "--private-key", &key]);
    fails_with(
        &o,
        &[
            "refusing to deploy an INSECURE verifier to chain id 1",
            "--allow-insecure",
        ],
    );
    assert!(
        !b.join("deployment.json").exists(),
        "nothing recorded for a refused deploy"
    );

    let o = ok(run_in(
        b,
        &[
            "deploy-verifier",
            p(b),
            "--rpc-url",
            &url,
            "--private-key",
            &key,
            "--allow-insecure",
            "--json",
        ],
    ));
    assert!(
        stderr(&o).contains("warning: deploying an INSECURE verifier"),
        "{}",
        stderr(&o)
    );
    let v = json(&o);
    assert_eq!(v["chain_id"], 1);
    assert_eq!(v["insecure"], true);
    ok(run_in(b, &["verify-onchain", "proof.bin", "--build", p(b)]));
}

#[test]
fn an_embedded_deploy_says_it_is_gone_and_verify_onchain_explains() {
    let cwd = tempfile::tempdir().unwrap(); // no build/node.json here
    let build = sample_build(1);
    let b = build.path();
    let o = ok(run_in(cwd.path(), &["deploy-verifier", p(b), "--json"]));
    let v = json(&o);
    assert_eq!(v["ephemeral"], true);
    assert_eq!(v["node"], "embedded");
    assert!(stderr(&o).contains("stops when this command ends"), "{}", stderr(&o));
    assert!(stderr(&o).contains("zkt-eth node"), "{}", stderr(&o));

    let o = run_in(
        cwd.path(),
        &["verify-onchain", p(&b.join("proof.bin")), "--build", p(b)],
    );
    let err = fails_with(
        &o,
        &[
            "recorded in",
            "deployment.json is not reachable",
            "it was an embedded node that stopped",
            "zkt-eth node",
        ],
    );
    assert!(err.contains(v["url"].as_str().unwrap()), "{err}");
    assert!(!err.contains("8545") && !err.contains("omit --rpc-url"), "{err}");
    let v = json(&run_in(
        cwd.path(),
        &["verify-onchain", p(&b.join("proof.bin")), "--build", p(b), "--json"],
    ));
    assert_eq!(v["valid"], false);
    assert_eq!(v["failed_check"], "node");
}

/// Waits for `child` to exit (up to 20 s).
fn wait_exit(child: &mut std::process::Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "zkt-eth node did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn zkt_eth_node_keeps_a_node_for_deploy_and_verify() {
    let cwd = tempfile::tempdir().unwrap();
    let mut child = zkt(cwd.path())
        .args(["node", "--port", "0", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let ready: serde_json::Value = serde_json::Deserializer::from_reader(&mut stdout)
        .into_iter()
        .next()
        .expect("one JSON object once ready")
        .unwrap();
    let url = ready["url"].as_str().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{ready}");
    assert_eq!(ready["chain_id"], 31337);
    assert_eq!(ready["owner_pid"], child.id());
    assert!(ready["pid"].as_u64().unwrap() > 0);
    assert_eq!(ready["accounts"][0]["private_key"], chain::ANVIL_DEV_KEY);
    let record = cwd.path().join("build/node.json");
    let rec: serde_json::Value = serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
    assert_eq!(rec["url"], url.as_str());

    // A second node in the same place is refused while the first runs.
    let o = run_in(cwd.path(), &["node", "--port", "0"]);
    fails_with(&o, &["already running", &url]);

    // deploy-verifier without --rpc-url uses it; verify-onchain finds it through deployment.json.
    let build = sample_build(1);
    let b = build.path();
    let o = ok(run_in(cwd.path(), &["deploy-verifier", p(b), "--json"]));
    assert!(
        stderr(&o).contains("using the node recorded in build/node.json"),
        "{}",
        stderr(&o)
    );
    let v = json(&o);
    assert_eq!(v["url"], url.as_str());
    assert_eq!(v["ephemeral"], false);
    assert_eq!(v["node"], "zkt-eth node");
    let proof = b.join("proof.bin");
    let v = json(&ok(run_in(
        cwd.path(),
        &["verify-onchain", p(&proof), "--build", p(b), "--json"],
    )));
    assert_eq!(v["valid"], true);

    // Ctrl-C: the node stops, the record goes.
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(wait_exit(&mut child).success(), "clean exit on SIGINT");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.trim().is_empty(), "one JSON object only, then nothing: {rest:?}");
    assert!(!record.exists(), "record removed on exit");
    assert!(chain::chain_id(&url).await.is_err(), "anvil stopped with it");

    let o = run_in(cwd.path(), &["verify-onchain", p(&proof), "--build", p(b)]);
    fails_with(&o, &["is not reachable", "the node was stopped", "zkt-eth node"]);
}

#[test]
fn zkt_eth_node_on_a_busy_port_fails_at_once() {
    let cwd = tempfile::tempdir().unwrap();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let start = Instant::now();
    let o = run_in(cwd.path(), &["node", "--port", &port]);
    fails_with(&o, &[&format!("port {port} on 127.0.0.1 is not available"), "--port 0"]);
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    assert!(!cwd.path().join("build/node.json").exists());
}
