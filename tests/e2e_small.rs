//! End-to-end on a hand-built model: honest proofs verify; tampering is rejected.
use rand::SeedableRng;
use zkt_eth::keys::{ProvingKey, Visibility};
use zkt_eth::model::{Activation, DenseLayer, QuantizedModel};
use zkt_eth::protocol::Layout;
use zkt_eth::srs::Srs;
use zkt_eth::{prover, verifier};

fn model() -> QuantizedModel {
    QuantizedModel {
        name: "toy".into(),
        scale_bits: 4,
        lookup_bits: 8,
        input_shape: vec![1, 3],
        layers: vec![
            DenseLayer {
                name: "l0".into(),
                weights: vec![
                    vec![3, -5, 7],
                    vec![-2, 4, 1],
                    vec![6, 6, -6],
                    vec![1, 0, 2],
                    vec![-9, 2, 2],
                ],
                bias: vec![10, -20, 30, 0, 5],
                activation: Activation::Relu,
            },
            DenseLayer {
                name: "l1".into(),
                weights: vec![vec![2, -3, 4, 5, 1], vec![-1, 1, -1, 1, -1]],
                bias: vec![7, -7],
                activation: Activation::Identity,
            },
        ],
    }
}

#[test]
fn honest_verifies_and_tampered_rejected() {
    let srs = Srs::dev(42, zkt_eth::keys::srs_len_for(&model()));
    for vis in [Visibility::Public, Visibility::Private] {
        let m = model();
        let pk = ProvingKey::setup(&m, &srs, vis).unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let out = prover::prove(&pk, &[16, -8, 24], &mut rng).unwrap();
        let layout = Layout::new(&pk.vk);
        let bytes = out.proof.to_bytes(&layout);
        verifier::verify(&pk.vk, &out.public, &bytes).unwrap();
        for w in 0..bytes.len() / 32 {
            let mut b = bytes.clone();
            b[32 * w + 31] ^= 1;
            assert!(
                verifier::verify(&pk.vk, &out.public, &b).is_err(),
                "word {w} flip accepted ({vis:?})"
            );
        }
        let mut p = out.public.clone();
        p.outputs[0] += ark_bn254::Fr::from(1u64);
        assert!(verifier::verify(&pk.vk, &p, &bytes).is_err());
    }
}
