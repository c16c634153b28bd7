//! `check-vk` recomputes what a vk author could lie about: a tampered lookup table, a foreign `τ`,
//! an unpinned ceremony, and a deployed contract that is not this vk's verifier are all caught.

mod common;

use ark_bn254::Fr;
use common::cli as run;
use zkt_eth::keys::{srs_len_for, ProvingKey, VerifyingKey, Visibility};
use zkt_eth::kzg::commit;
use zkt_eth::srs::Srs;
use zkt_eth::vk_check::check_vk;

fn status(r: &zkt_eth::vk_check::VkReport, name: &str) -> Option<bool> {
    r.checks.iter().find(|c| c.name == name).and_then(|c| c.ok)
}

fn dev_key() -> (Srs, ProvingKey) {
    let model = common::model();
    let srs = Srs::dev(1, srs_len_for(&model));
    let pk = ProvingKey::setup(&model, &srs, Visibility::Public).unwrap();
    (srs, pk)
}

#[test]
fn an_honest_dev_key_is_consistent_but_not_pinned() {
    let (srs, pk) = dev_key();
    let r = check_vk(&pk.vk, &pk.vk.to_bytes(), Some((&srs.g1, &srs.g2[1])));
    assert!(r.consistent(), "{:?}", r.checks);
    assert_eq!(status(&r, "ceremony"), Some(false));
    assert!(!r.all_passed());
}

#[test]
fn a_tampered_table_is_rejected() {
    let (srs, pk) = dev_key();
    // The attack: the vk author commits a table in which ReLU(-1) = 1, so a proof may claim an
    // output the model can never produce.
    let table = pk.vk.lookup_table();
    let mut cols = table.columns(pk.vk.domain);
    let relu_minus_one = table.index(1, -1).unwrap(); // kind 1, v = -1
    assert_eq!(cols[1][relu_minus_one], -Fr::from(1u64));
    cols[2][relu_minus_one] = Fr::from(1u64);
    let mut vk: VerifyingKey = pk.vk.clone();
    vk.table[1] = commit(&srs.g1, &vk.domain.interpolate(&cols[2])).unwrap();
    let bytes = vk.to_bytes();
    let r = check_vk(&vk, &bytes, Some((&srs.g1, &srs.g2[1])));
    assert_eq!(status(&r, "table"), Some(false), "{:?}", r.checks);
    assert!(!r.consistent());
}

#[test]
fn a_key_from_another_tau_is_rejected() {
    let model = common::model();
    let (srs, _) = dev_key();
    let other = Srs::dev(99, srs_len_for(&model));
    let pk = ProvingKey::setup(&model, &other, Visibility::Public).unwrap();
    let r = check_vk(&pk.vk, &pk.vk.to_bytes(), Some((&srs.g1, &srs.g2[1])));
    assert_eq!(status(&r, "srs"), Some(false), "{:?}", r.checks);
    assert!(!r.consistent());
    // Powers that do not belong to the [τ]₂ they come with are refused too.
    let r = check_vk(&pk.vk, &pk.vk.to_bytes(), Some((&srs.g1, &other.g2[1])));
    assert_eq!(status(&r, "srs"), Some(false), "{:?}", r.checks);
}

#[test]
fn a_wrong_domain_is_rejected() {
    let (srs, pk) = dev_key();
    let mut vk = pk.vk.clone();
    vk.domain = zkt_eth::poly::Domain::new(vk.domain.log_size + 1);
    let r = check_vk(&vk, &vk.to_bytes(), Some((&srs.g1, &srs.g2[1])));
    assert_eq!(status(&r, "domain"), Some(false), "{:?}", r.checks);
}

fn build(dir: &std::path::Path, model: &str) {
    let d = dir.to_str().unwrap();
    for args in [
        vec![
            "compile",
            &format!("models/{model}/{model}.onnx"),
            "-o",
            d,
            "--calibrate",
            &format!("models/{model}/input.json"),
        ],
        vec!["setup", d, "--dev"],
    ] {
        let o = run(&args.iter().map(|s| s.as_ref()).collect::<Vec<&str>>());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_checks_keys_and_deployed_verifiers() {
    let node = zkt_eth::chain::LocalNode::spawn().unwrap();
    let url = node.endpoint();
    let dir = tempfile::tempdir().unwrap();
    build(dir.path(), "sample");
    let vk = dir.path().join("vk.bin");
    let vk = vk.to_str().unwrap();
    // Insecure (dev) keys fail unless allowed; every recomputable part passes.
    let o = run(&["check-vk", vk]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("failed: ceremony"));
    let o = run(&["check-vk", vk, "--dev", "--allow-insecure", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true);
    // With the wrong dev seed, the SRS check fails.
    let o = run(&["check-vk", vk, "--dev", "--seed", "2", "--allow-insecure"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("srs"));

    // A deployed verifier: right vk → ok; empty address → no code; another model → bytecode differs.
    let o = run(&[
        "deploy-verifier",
        dir.path().to_str().unwrap(),
        "--rpc-url",
        &url,
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dep: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let addr = dep["address"].as_str().unwrap().to_string();
    let o = run(&[
        "check-vk",
        vk,
        "--allow-insecure",
        "--address",
        &addr,
        "--rpc-url",
        &url,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&[
        "check-vk",
        vk,
        "--allow-insecure",
        "--address",
        "0x1234567890123456789012345678901234567890",
        "--rpc-url",
        &url,
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("no contract code"));
    let other = tempfile::tempdir().unwrap();
    build(other.path(), "sample");
    // Same model, different blinding-free vk? The dev SRS and weights are the same, so use another
    // visibility to get a different key.
    let o = run(&[
        "setup",
        other.path().to_str().unwrap(),
        "--dev",
        "--visibility",
        "private",
    ]);
    assert!(o.status.success());
    let other_vk = other.path().join("vk.bin");
    let o = run(&[
        "check-vk",
        other_vk.to_str().unwrap(),
        "--allow-insecure",
        "--address",
        &addr,
        "--rpc-url",
        &url,
        "--json",
    ]);
    assert!(!o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let failed: Vec<_> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        failed.contains(&"bytecode".to_string()) && failed.contains(&"vk_digest".to_string()),
        "{failed:?}"
    );
}
