//! The generated Solidity verifier agrees with the Rust verifier on a real Anvil.
mod common;
use rand::SeedableRng;
use zkt_eth::chain::{self, LocalNode};
use zkt_eth::keys::{ProvingKey, Visibility};
use zkt_eth::srs::Srs;
use zkt_eth::{calldata, prover, solidity, toolchain, verifier};

#[tokio::test(flavor = "multi_thread")]
async fn solidity_and_rust_agree() {
    let node = LocalNode::spawn().unwrap();
    let url = node.endpoint();
    let srs = Srs::dev(42, zkt_eth::keys::srs_len_for(&common::model()));
    for vis in [Visibility::Public, Visibility::Private] {
        let pk = ProvingKey::setup(&common::model(), &srs, vis).unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let out = prover::prove(&pk, &[16, -8, 24], &mut rng).unwrap();
        let bytes = out.proof.to_bytes();
        let src = solidity::render(&pk.vk, "ToyVerifier", "toy", "contracts/IZkTorchVerifier.sol").unwrap();
        std::fs::write(format!("/tmp/ToyVerifier_{vis:?}.sol"), &src).unwrap();
        let iface =
            std::fs::read_to_string(toolchain::repo_root().unwrap().join("contracts/IZkTorchVerifier.sol")).unwrap();
        let compiled = toolchain::compile_solidity(
            &[("ToyVerifier.sol", &src), ("contracts/IZkTorchVerifier.sol", &iface)],
            "ToyVerifier",
        )
        .unwrap();
        println!("runtime bytecode: {} bytes", compiled.deployed_bytecode.len());
        let dep = chain::deploy(&url, None, &compiled.bytecode, None).await.unwrap();
        let (ins, outs) = calldata::public_ints(&out.public);
        let cd = calldata::encode_verify(&bytes, &ins, &outs);
        let res = chain::call(&url, dep.address, &cd).await.unwrap();
        assert!(res.success, "honest proof rejected on chain: {:?}", res.revert);
        let tx = chain::send(&url, None, dep.address, &cd, Default::default())
            .await
            .unwrap();
        println!("{vis:?}: verify gas {}", tx.gas_used);
        for w in 0..bytes.len() / 32 {
            let mut b = bytes.clone();
            b[32 * w + 31] ^= 1;
            let rust = verifier::verify(&pk.vk, &out.public, &b).is_ok();
            let sol = chain::call(&url, dep.address, &calldata::encode_verify(&b, &ins, &outs))
                .await
                .unwrap()
                .success;
            assert_eq!(rust, sol, "word {w}");
            assert!(!sol, "word {w}");
        }
    }
}
