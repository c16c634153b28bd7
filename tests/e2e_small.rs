//! End-to-end on a hand-built model: honest proofs verify; tampering is rejected.
mod common;
use rand::SeedableRng;
use zkt_eth::keys::{ProvingKey, Visibility};
use zkt_eth::srs::Srs;
use zkt_eth::{prover, verifier};

#[test]
fn honest_verifies_and_tampered_rejected() {
    let srs = Srs::dev(42, zkt_eth::keys::srs_len_for(&common::model()));
    for vis in [Visibility::Public, Visibility::Private] {
        let m = common::model();
        let pk = ProvingKey::setup(&m, &srs, vis).unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let out = prover::prove(&pk, &[16, -8, 24], &mut rng).unwrap();
        let bytes = out.proof.to_bytes();
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
