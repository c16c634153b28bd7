//! A verifying key is not self-certifying: the origin of `τ` is checked against pinned
//! ceremonies, never read from a flag the vk author sets; a small-order `τ` is refused at setup.

mod common;

use ark_bn254::{Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, One};
use zkt_eth::keys::{domain_of, srs_len_for, KeyError, ProvingKey, VerifyingKey, Visibility};
use zkt_eth::srs::{Srs, SrsSource};

#[test]
fn a_cleared_insecure_bit_does_not_make_a_dev_vk_secure() {
    let model = common::model();
    let srs = Srs::dev(1, srs_len_for(&model));
    let pk = ProvingKey::setup(&model, &srs, Visibility::Public).unwrap();
    assert!(pk.vk.insecure);
    // The vk author clears the flag (word 4 of the encoding) …
    let mut bytes = pk.vk.to_bytes();
    let flag = 4 * 32 + 31;
    assert_eq!(bytes[flag], 1, "layout: word 4 is the insecure flag");
    bytes[flag] = 0;
    // … but [τ]₂ is not a pinned ceremony's, so the loaded key is still insecure.
    let vk = VerifyingKey::from_bytes(&bytes).unwrap();
    assert!(vk.insecure);
}

#[test]
fn a_self_made_ptau_is_not_a_pinned_ceremony() {
    // An SRS that claims to come from a .ptau file (as a self-made ceremony would) but whose τ
    // is known: the vk made from it is insecure.
    let model = common::model();
    let mut srs = Srs::dev(7, srs_len_for(&model));
    srs.source = SrsSource::Ptau {
        path: "self-made.ptau".into(),
        power: 12,
    };
    assert!(!srs.is_insecure(), "the file claims a ceremony");
    let pk = ProvingKey::setup(&model, &srs, Visibility::Public).unwrap();
    assert!(pk.vk.insecure, "unpinned τ must be flagged insecure");
    assert!(zkt_eth::ceremony::identify(&pk.vk.g2.tau).is_none());
}

#[test]
fn small_order_tau_is_rejected_at_setup() {
    let model = common::model();
    let n = domain_of(&model).size();
    let len = srs_len_for(&model);
    // τ = ω, a generator of the model's domain: τ^n = 1.
    let tau = domain_of(&model).omega();
    assert_eq!(tau.pow([n as u64]), Fr::one());
    let mut p = Fr::one();
    let g1: Vec<G1Affine> = (0..len)
        .map(|_| {
            let pt = (G1Affine::generator() * p).into_affine();
            p *= tau;
            pt
        })
        .collect();
    let g2 = [
        ark_bn254::G2Affine::generator(),
        (ark_bn254::G2Affine::generator() * tau).into_affine(),
    ];
    let srs = Srs {
        g1,
        g2,
        source: SrsSource::Ptau {
            path: "small-order.ptau".into(),
            power: 12,
        },
    };
    match ProvingKey::setup(&model, &srs, Visibility::Public) {
        Err(KeyError::SmallOrderTau { n: m }) => assert_eq!(m, n),
        other => panic!("expected SmallOrderTau, got {:?}", other.map(|_| ())),
    }
}
