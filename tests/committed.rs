//! Committed inputs (`docs/protocols/input_binding.md`): a proof binds the hidden input to the
//! public commitment its owner made; no other commitment, input or opening gets through.

mod common;
use rand::SeedableRng;
use zkt_eth::commitment::{commit_input, CommitmentError};
use zkt_eth::keys::{ProvingKey, Visibility};
use zkt_eth::prover::{self, ProveError};
use zkt_eth::srs::Srs;
use zkt_eth::verifier::{verify, VerifyError};

fn key(vis: Visibility) -> ProvingKey {
    let m = common::model();
    let srs = Srs::dev(42, zkt_eth::keys::srs_len_for(&m));
    ProvingKey::setup(&m, &srs, vis).unwrap()
}

#[test]
fn a_proof_is_bound_to_its_commitment_only() {
    let pk = key(Visibility::Committed);
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
    let (a, b) = ([16i64, -8, 24], [16i64, -8, 25]);
    let opening = commit_input(&pk.vk, &pk.g1, &a, &mut rng).unwrap();
    let out = prover::prove_with(&pk, &a, Some(&opening), &mut rng).unwrap();
    let bytes = out.proof.to_bytes();
    assert_eq!(out.public.commitment, Some(opening.commitment));
    assert!(out.public.inputs.is_empty());
    verify(&pk.vk, &out.public, &bytes).unwrap();

    // The same proof against another commitment to the same input (fresh blinding), or to
    // another input: rejected.
    for other in [
        commit_input(&pk.vk, &pk.g1, &a, &mut rng).unwrap(),
        commit_input(&pk.vk, &pk.g1, &b, &mut rng).unwrap(),
    ] {
        let mut p = out.public.clone();
        p.commitment = Some(other.commitment);
        assert_eq!(verify(&pk.vk, &p, &bytes), Err(VerifyError::InverseMismatch));
        let rehinted = common::rehint(&pk.vk, &p, &bytes);
        assert_eq!(verify(&pk.vk, &p, &rehinted), Err(VerifyError::PairingFailed));
    }

    // A cheating prover proves b with its own opening but states a's commitment, with a transcript
    // consistent with it (the binding identity is divided by Z_{N₀}, so it cannot be absorbed into
    // [Q]): rejected.
    let own = commit_input(&pk.vk, &pk.g1, &b, &mut rng).unwrap();
    let forged = prover::prove_claiming_commitment(&pk, &b, &own, opening.commitment, &mut rng).unwrap();
    assert_eq!(forged.public.commitment, Some(opening.commitment));
    assert_eq!(
        verify(&pk.vk, &forged.public, &forged.proof.to_bytes()),
        Err(VerifyError::PairingFailed)
    );

    // Two inputs under one commitment: the prover cannot use a's opening for b.
    assert!(matches!(
        prover::prove_with(&pk, &b, Some(&opening), &mut rng),
        Err(ProveError::Commitment(CommitmentError::Mismatch))
    ));
    let mut forged = opening.clone();
    forged.input = b.to_vec();
    assert!(matches!(
        prover::prove_with(&pk, &b, Some(&forged), &mut rng),
        Err(ProveError::Commitment(CommitmentError::Mismatch))
    ));

    // No commitment, or the point at infinity: refused before any algebra.
    let mut p = out.public.clone();
    p.commitment = None;
    assert!(matches!(verify(&pk.vk, &p, &bytes), Err(VerifyError::Commitment(_))));
    p.commitment = Some(ark_bn254::G1Affine::default());
    assert!(matches!(verify(&pk.vk, &p, &bytes), Err(VerifyError::Commitment(_))));
    // A point off the curve (only constructible unchecked): refused too.
    let c = opening.commitment;
    p.commitment = Some(ark_bn254::G1Affine::new_unchecked(c.x, c.y + ark_bn254::Fq::from(1u64)));
    assert!(matches!(verify(&pk.vk, &p, &bytes), Err(VerifyError::Commitment(_))));
    // A committed proof needs its opening; other visibilities take none.
    assert!(matches!(
        prover::prove(&pk, &a, &mut rng),
        Err(ProveError::Commitment(CommitmentError::MissingOpening))
    ));
    let private = key(Visibility::Private);
    assert!(matches!(
        prover::prove_with(&private, &a, Some(&opening), &mut rng),
        Err(ProveError::Commitment(CommitmentError::NotCommitted(_)))
    ));
    assert!(matches!(
        commit_input(&private.vk, &private.g1, &a, &mut rng),
        Err(CommitmentError::NotCommitted(_))
    ));
}

/// A commitment is perfectly hiding: commitments to two different inputs are both uniform, and
/// the proof reveals no evaluation of the committed polynomial (its binding term opens to 0).
#[test]
fn one_commitment_serves_many_proofs() {
    let pk = key(Visibility::Committed);
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(10);
    let x = [16i64, -8, 24];
    let opening = commit_input(&pk.vk, &pk.g1, &x, &mut rng).unwrap();
    let p1 = prover::prove_with(&pk, &x, Some(&opening), &mut rng).unwrap();
    let p2 = prover::prove_with(&pk, &x, Some(&opening), &mut rng).unwrap();
    assert_ne!(p1.proof.to_bytes(), p2.proof.to_bytes(), "fresh blinding per proof");
    verify(&pk.vk, &p1.public, &p1.proof.to_bytes()).unwrap();
    verify(&pk.vk, &p2.public, &p2.proof.to_bytes()).unwrap();
}

/// The forge fixture (contracts/test/fixtures/sample-committed/, `script/gen-fixtures.sh`) verifies
/// with the Rust verifier, and its `inputs` words are the commitment of its proof file.
#[test]
fn the_committed_forge_fixture_verifies_in_rust() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts/test/fixtures/sample-committed");
    let vk = zkt_eth::artifacts::load_vk(&dir.join("vk.bin")).unwrap();
    assert_eq!(vk.input, Visibility::Committed);
    for (proof, json) in [("proof.bin", "fixture.json"), ("proof2.bin", "fixture2.json")] {
        let file = zkt_eth::artifacts::ProofFile::load(&dir.join(proof)).unwrap();
        let public = file.public();
        assert!(public.commitment.is_some());
        verify(&vk, &public, &file.proof).unwrap();
        let fx: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join(json)).unwrap()).unwrap();
        let words: Vec<String> = file.abi_inputs().iter().map(|w| w.to_string()).collect();
        assert_eq!(
            fx["inputs"],
            serde_json::json!(words),
            "{json}: inputs are the commitment words"
        );
        assert_eq!(
            fx["input_commitment"],
            serde_json::json!(zkt_eth::commitment::commitment_hex(&public.commitment.unwrap()))
        );
    }
}
