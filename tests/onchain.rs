//! On a real Anvil (spawned by the test, random port, loopback only): the generated verifier for the
//! sample model accepts the honest proof in a transaction and rejects wrong outputs, another model's
//! proof and malformed calldata — each with the custom error that names the failed check, and after
//! a bounded amount of gas.

use alloy::primitives::Address;
use rand::SeedableRng;
use std::path::Path;
use zkt_eth::chain::{self, ErrorDecoder, LocalNode};
use zkt_eth::keys::{srs_len_for, ProvingKey, Visibility};
use zkt_eth::onnx::{self, QuantizeOptions};
use zkt_eth::srs::Srs;
use zkt_eth::{calldata, prover, solidity, toolchain};

struct Deployed {
    address: Address,
    decoder: ErrorDecoder,
    proof: Vec<u8>,
    inputs: Vec<i64>,
    outputs: Vec<i64>,
}

async fn deploy(url: &str, model: &str, input: &str, name: &str, vis: Visibility) -> Deployed {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let x = onnx::read_inputs(&dir.join(input)).unwrap();
    let m = onnx::load_model(
        &dir.join(model),
        &QuantizeOptions {
            calibration: Some(x.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    let pk = ProvingKey::setup(&m, &Srs::dev(5, srs_len_for(&m)), vis).unwrap();
    let q = onnx::quantize_input(&m, &x[0]).unwrap();
    let out = prover::prove(&pk, &q, &mut rand_chacha::ChaCha20Rng::seed_from_u64(9)).unwrap();
    let proof = out.proof.to_bytes();
    let src = solidity::render(&pk.vk, name, model, "../IZkTorchVerifier.sol").unwrap();
    let iface =
        std::fs::read_to_string(toolchain::repo_root().unwrap().join("contracts/IZkTorchVerifier.sol")).unwrap();
    let unit = format!("contracts/generated/{name}.sol");
    let c = toolchain::compile_solidity(&[(&unit, &src), ("contracts/IZkTorchVerifier.sol", &iface)], name).unwrap();
    let dep = chain::deploy(url, None, &c.bytecode, None).await.unwrap();
    let mut decoder = ErrorDecoder::new();
    decoder.add_abi_json(&c.abi_json).unwrap();
    let (inputs, outputs) = calldata::public_ints(&out.public);
    Deployed {
        address: dep.address,
        decoder,
        proof,
        inputs,
        outputs,
    }
}

/// Calls the verifier and returns the name of the custom error it reverted with (None = accepted).
async fn verdict(url: &str, d: &Deployed, data: &[u8]) -> Option<String> {
    let mut res = chain::call(url, d.address, data).await.unwrap();
    match res.revert.as_mut() {
        None => {
            assert!(res.success);
            None
        }
        Some(r) => {
            r.resolve(&d.decoder);
            Some(r.name.clone().unwrap_or_else(|| format!("{r:?}")))
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn generated_verifier_on_anvil() {
    let node = LocalNode::spawn().unwrap();
    let url = node.endpoint();
    let a = deploy(
        &url,
        "sample/sample.onnx",
        "sample/input.json",
        "SampleVerifier",
        Visibility::Public,
    )
    .await;
    let b = deploy(
        &url,
        "mlp784/mlp784.onnx",
        "mlp784/input.json",
        "Mlp784Verifier",
        Visibility::Private,
    )
    .await;

    // Honest proofs are accepted in real transactions, with bounded gas.
    for d in [&a, &b] {
        let data = calldata::encode_verify(&d.proof, &d.inputs, &d.outputs);
        assert_eq!(verdict(&url, d, &data).await, None);
        let tx = chain::send(&url, None, d.address, &data, Default::default())
            .await
            .unwrap();
        assert!(tx.status && tx.gas_used < 3_000_000, "gas {}", tx.gas_used);
    }

    // A wrong public output.
    let mut wrong = a.outputs.clone();
    wrong[1] += 1;
    let data = calldata::encode_verify(&a.proof, &a.inputs, &wrong);
    assert_eq!(verdict(&url, &a, &data).await.as_deref(), Some("InverseMismatch"));

    // Model B's proof at model A's verifier (and the other way round).
    let data = calldata::encode_verify(&b.proof, &b.inputs, &b.outputs);
    assert!(matches!(
        verdict(&url, &a, &data).await.as_deref(),
        Some("ProofLength" | "PublicLength")
    ));
    let data = calldata::encode_verify(&a.proof, &a.inputs, &a.outputs);
    assert!(matches!(
        verdict(&url, &b, &data).await.as_deref(),
        Some("ProofLength" | "PublicLength")
    ));

    // Malformed proofs: short, non-canonical scalar, point off the curve.
    let short = &a.proof[..a.proof.len() - 32];
    let data = calldata::encode_verify(short, &a.inputs, &a.outputs);
    assert_eq!(verdict(&url, &a, &data).await.as_deref(), Some("ProofLength"));
    let layout_words = a.proof.len() / 32;
    let mut bad = a.proof.clone();
    let last_scalar = layout_words - 2 * 3 - 1; // the last evaluation, just before the 3 openings
    bad[32 * last_scalar..32 * last_scalar + 32].fill(0xff);
    let data = calldata::encode_verify(&bad, &a.inputs, &a.outputs);
    assert_eq!(verdict(&url, &a, &data).await.as_deref(), Some("ScalarNotCanonical"));
    let mut bad = a.proof.clone();
    bad[63] ^= 1;
    let data = calldata::encode_verify(&bad, &a.inputs, &a.outputs);
    assert_eq!(verdict(&url, &a, &data).await.as_deref(), Some("PointNotOnCurve"));
    // Garbage calldata that is not even ABI: reverts, never succeeds.
    let res = chain::call(&url, a.address, &[0x1b, 0x40, 0xc5, 0x72, 0x00])
        .await
        .unwrap();
    assert!(!res.success);
    // Rejections happen during decoding, before any precompile: they cost little gas.
    let gas = chain::estimate_gas(
        &url,
        None,
        a.address,
        &calldata::encode_verify(&a.proof, &a.inputs, &a.outputs),
    )
    .await
    .unwrap();
    assert!(gas < 1_000_000, "honest verify estimate {gas}");
}
