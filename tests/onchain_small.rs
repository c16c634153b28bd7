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
        if vis == Visibility::Public {
            forged_wide_output_reverts(&url, &pk, &out, dep.address, &mut rng).await;
        }
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

/// The toy model's output is wide (its last layer is the identity): a proof that states output 0 as
/// `(acc + 2^(s−1) − r')/2^s` for a wrong remainder `r'` passes every algebraic check
/// (`tests/soundness.rs::a_forged_wide_output_is_refused_only_by_the_output_range_check`); on chain
/// it reverts with `OutputOutOfWindow(0)`, the output's 64-bit range check.
async fn forged_wide_output_reverts(
    url: &str,
    pk: &ProvingKey,
    honest: &prover::ProveOutput,
    verifier: alloy::primitives::Address,
    rng: &mut rand_chacha::ChaCha20Rng,
) {
    use alloy::primitives::{keccak256, I256, U256};
    use alloy::sol_types::SolCall;
    let s = pk.vk.scale_bits;
    let (acc, q) = (honest.trace.acc[1][0], honest.trace.rescaled[1][0]);
    let wrong_r = (acc + (1 << (s - 1)) - (q << s) + 1) % (1 << s);
    let input = &honest.trace.input;
    let forged = prover::prove_forging_wide_output(pk, input, (0, wrong_r), rng).unwrap();
    // Output 0 is the forged field element, positive below r < 2^255: its own int256; the others
    // are the honest small values.
    let (ins, outs) = calldata::public_ints(&forged.public);
    let outputs: Vec<I256> = outs
        .iter()
        .enumerate()
        .map(|(i, v)| match i {
            0 => I256::from_raw(U256::from_be_bytes(zkt_eth::field::fr_to_word(
                &forged.public.outputs[0],
            ))),
            _ => I256::try_from(*v).unwrap(),
        })
        .collect();
    let cd = calldata::IZkTorchVerifier::verifyCall {
        proof: forged.proof.to_bytes().into(),
        inputs: ins.iter().map(|x| I256::try_from(*x).unwrap()).collect(),
        outputs,
    }
    .abi_encode();
    let res = chain::call(url, verifier, &cd).await.unwrap();
    assert!(!res.success, "a forged wide output passed on chain");
    let data = res.revert.map(|r| r.data.to_vec()).unwrap_or_default();
    let mut expected = keccak256("OutputOutOfWindow(uint256)")[..4].to_vec();
    expected.extend_from_slice(&[0u8; 32]);
    assert_eq!(data, expected, "the forged output must stop at the output range check");
}

/// Every table function (tanh, leaky ReLU, sigmoid: K = 8 kind slots, the kind column's
/// polynomial in ζ^(n/8)) and a public output padded with σ(0), then K = 4 tables (softplus, ELU,
/// SELU, SiLU, erf): Rust and
/// Solidity accept the honest proof, and both reject a wrong output and every flipped proof word.
#[tokio::test(flavor = "multi_thread")]
async fn activation_tables_agree_on_chain() {
    let node = LocalNode::spawn().unwrap();
    let url = node.endpoint();
    // K = 4: softplus then a final ELU (public output); SELU then the identity.
    use zkt_eth::model::Activation;
    let mut k4 = common::model();
    k4.layers[0].activation = Activation::Softplus;
    k4.layers[1].activation = Activation::Elu { alpha_q16: 65536 };
    let mut selu = common::model();
    selu.layers[0].activation = Activation::Selu {
        alpha_q16: 109_657,
        gamma_q16: 68_859,
    };
    let mut silu = common::model();
    silu.layers[0].activation = Activation::Silu;
    let mut erf = common::model();
    erf.layers[0].activation = Activation::Erf;
    for (model, slots) in [
        (common::activations_model(), 8),
        (k4, 4),
        (selu, 4),
        (silu, 4),
        (erf, 4),
    ] {
        check_activation_model(&url, &model, slots).await;
    }
}

/// A product of two activations (a Hadamard gate, its evaluation `x(−ζ')`): Rust and Solidity
/// accept the honest proof and reject a wrong output and every flipped proof word.
#[tokio::test(flavor = "multi_thread")]
async fn product_layers_agree_on_chain() {
    let node = LocalNode::spawn().unwrap();
    let model = common::product_model();
    let trace = model.forward(&[16, -8, 24]).unwrap();
    assert_eq!(trace.acc[1], vec![16 * 24, -8 * 28, 4 * 8]);
    check_activation_model(&node.endpoint(), &model, 4).await;
}

/// A square of a layer's output (a square gate, no evaluation of its own): Rust and Solidity accept
/// the honest proof and reject a wrong output and every flipped proof word.
#[tokio::test(flavor = "multi_thread")]
async fn square_layers_agree_on_chain() {
    let node = LocalNode::spawn().unwrap();
    let model = common::square_model();
    let trace = model.forward(&[16, -8, 24]).unwrap();
    assert_eq!(trace.acc[1], vec![256, 0, 16, 0, 144]);
    check_activation_model(&node.endpoint(), &model, 4).await;
}

/// A mixed layer (sigmoid on even rows, identity on odd rows: the kind column
/// `(A + I)/2 + (A − I)/2·X^{M/2}`, evaluated by Solidity from ζ^{n/2}): Rust and Solidity accept
/// the honest proof and reject a wrong output and every flipped word.
#[tokio::test(flavor = "multi_thread")]
async fn mixed_layers_agree_on_chain() {
    let node = LocalNode::spawn().unwrap();
    let model = common::mixed_model();
    let trace = model.forward(&[16, -8, 24]).unwrap();
    // Odd rows are carried unchanged: z = q there.
    assert!((1..8).step_by(2).all(|i| trace.out[0][i] == trace.rescaled[0][i]));
    check_activation_model(&node.endpoint(), &model, 4).await;
}

/// Four dense layers on one domain share ONE RowSum instance batched by `λ` (one `[R]` in round 2,
/// the four biases in slots 0–3 of one `[B̂]`): Rust and Solidity accept the honest proof and reject
/// a wrong output and every flipped proof word.
#[tokio::test(flavor = "multi_thread")]
async fn batched_layers_agree_on_chain() {
    let node = LocalNode::spawn().unwrap();
    let model = common::batched_model();
    let plan = zkt_eth::keys::model_plan(&model, Visibility::Public);
    assert_eq!(plan.batches, vec![vec![0, 1, 2, 3]]);
    assert_eq!(plan.slotted(0).len(), 4);
    check_model_on_chain(&node.endpoint(), &model, &[16, -8, 4, 0, 3, -7, 12, 1], 2).await;
}

async fn check_activation_model(url: &str, model: &zkt_eth::model::QuantizedModel, slots: usize) {
    check_model_on_chain(url, model, &[16, -8, 24], slots).await;
}

async fn check_model_on_chain(url: &str, model: &zkt_eth::model::QuantizedModel, input: &[i64], slots: usize) {
    let url = url.to_owned();
    let srs = Srs::dev(42, zkt_eth::keys::srs_len_for(model));
    let pk = ProvingKey::setup(model, &srs, Visibility::Public).unwrap();
    assert_eq!(pk.vk.lookup_table().slots(), slots);
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let out = prover::prove(&pk, input, &mut rng).unwrap();
    let bytes = out.proof.to_bytes();
    verifier::verify(&pk.vk, &out.public, &bytes).unwrap();
    let src = solidity::render(&pk.vk, "ActVerifier", "activations", "contracts/IZkTorchVerifier.sol").unwrap();
    let iface =
        std::fs::read_to_string(toolchain::repo_root().unwrap().join("contracts/IZkTorchVerifier.sol")).unwrap();
    let compiled = toolchain::compile_solidity(
        &[("ActVerifier.sol", &src), ("contracts/IZkTorchVerifier.sol", &iface)],
        "ActVerifier",
    )
    .unwrap();
    let dep = chain::deploy(&url, None, &compiled.bytecode, None).await.unwrap();
    let (ins, outs) = calldata::public_ints(&out.public);
    let res = chain::call(&url, dep.address, &calldata::encode_verify(&bytes, &ins, &outs))
        .await
        .unwrap();
    assert!(res.success, "honest proof rejected on chain: {:?}", res.revert);
    // A wrong output (one grid step higher) fails in both verifiers.
    let mut wrong = out.public.clone();
    wrong.outputs[0] += ark_bn254::Fr::from(1u64);
    assert!(verifier::verify(&pk.vk, &wrong, &bytes).is_err());
    let (wins, wouts) = calldata::public_ints(&wrong);
    let res = chain::call(&url, dep.address, &calldata::encode_verify(&bytes, &wins, &wouts))
        .await
        .unwrap();
    assert!(!res.success, "a wrong output passed on chain");
    for w in 0..bytes.len() / 32 {
        let mut b = bytes.clone();
        b[32 * w + 31] ^= 1;
        assert!(verifier::verify(&pk.vk, &out.public, &b).is_err(), "word {w}");
        let sol = chain::call(&url, dep.address, &calldata::encode_verify(&b, &ins, &outs))
            .await
            .unwrap()
            .success;
        assert!(!sol, "word {w}");
    }
}
