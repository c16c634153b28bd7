//! A verifying key is not self-certifying: the origin of `τ` is checked against pinned
//! ceremonies, never read from a flag the vk author sets; a small-order `τ` is refused at setup.

mod common;

use ark_bn254::{Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, One};
use zkt_eth::keys::{domain_of, srs_len_for, BlindSeed, KeyError, ProvingKey, VerifyingKey, Visibility};
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

/// The weight-confirmation attack: anyone can compute the Lagrange basis `[L_j(τ)]₁` from the public
/// SRS, hence the plain commitment `Σ_j W_ij·[L_j(τ)]₁` of a guessed row. With hiding vk
/// commitments (`W + ρ_W·Z_K`, `B + ρ_B·Z_K`), the true matrices and biases match no vk point: the
/// toy model (two layers with bias columns), the batched one (four layers whose biases share one
/// `[B̂]`, guessed both alone and laid out in their slots) and the patch one (a convolution's
/// filters, guessed replicated per patch as its `[Ŵ]` holds them, and alone).
#[test]
fn true_weights_cannot_be_confirmed_against_the_vk() {
    use zkt_eth::blocks::rowsum::{bias_values, matrix_values, positioned_weights, BiasColumn};
    use zkt_eth::kzg::{commit, lagrange_basis, lincomb};
    use zkt_eth::protocol::tensor_domain;
    for (model, input) in [
        (common::model(), vec![16, -8, 4]),
        (common::batched_model(), vec![16, -8, 4, 0, 3, -7, 12, 1]),
        (common::patch_model(), vec![16, -8, 4, 0, 3]),
    ] {
        let srs = Srs::dev(1, srs_len_for(&model));
        let plan = zkt_eth::keys::model_plan(&model, Visibility::Public);
        // The attacker's guesses: each layer's true matrix and bias, laid out exactly as the vk's
        // RowSum polynomials (W_ij at j + N·i of H_K, b_i at the row starts or in the layers' slots,
        // or the matrix with the bias as its padding column n'), committed from the public SRS
        // through the Lagrange basis of H_K.
        let mut guesses: Vec<G1Affine> = vec![];
        let (mut columns, mut slots, mut patches) = (0, 0, 0);
        for (k, l) in model.layers.iter().enumerate().filter(|(_, l)| l.op.is_rowsum()) {
            let (n, m) = l.matrix_shape();
            let (nd, md) = (tensor_domain(n), tensor_domain(m));
            let kd = zkt_eth::poly::Domain::new(nd.log_size + md.log_size);
            let basis = lagrange_basis(&srs.g1, kd).unwrap();
            let plain = |vals: &[ark_bn254::Fr]| {
                lincomb(&vals.iter().copied().zip(basis.iter().copied()).collect::<Vec<_>>()).into_affine()
            };
            let (rows, bias) = l.matrix_rows();
            let (w, b) = (matrix_values(&rows, nd, kd), bias_values(&[(0, &bias[..])], nd, kd));
            // The attacker's computation is right: it equals a plain KZG commitment of the matrix.
            assert_eq!(plain(&w), commit(&srs.g1, &kd.interpolate(&w)).unwrap());
            guesses.extend([plain(&w), plain(&b)]);
            if rows.len() != l.weights.len() {
                // A patch layer's filters alone, as if for one patch.
                let one = [
                    matrix_values(&l.weights, nd, kd),
                    bias_values(&[(0, &l.bias[..])], nd, kd),
                ];
                guesses.extend(one.iter().map(|v| plain(v)));
                patches += 1;
            }
            if l.op.is_dense() && nd.size() > l.in_len() {
                let augmented = BiasColumn::augment(&l.weights, &l.bias);
                let wb = matrix_values(&positioned_weights(&augmented, nd, false), nd, kd);
                guesses.push(plain(&wb));
                columns += 1;
            }
            if plan.carries_bias(k) {
                let slotted = zkt_eth::keys::slotted_biases(&model, &plan, k);
                slots += slotted.len();
                let refs: Vec<(usize, &[i64])> = slotted.iter().map(|(s, b)| (*s, &b[..])).collect();
                guesses.push(plain(&bias_values(&refs, nd, kd)));
            }
        }
        assert!(
            columns > 0 || slots > 1 || patches > 0,
            "a bias column, a shared [B̂] or a patch layer is tested"
        );

        for seed in [BlindSeed::Random, BlindSeed::Fixed([7; 32])] {
            let pk = ProvingKey::setup_with(&model, &srs, Visibility::Public, seed).unwrap();
            let vk_points: Vec<G1Affine> = pk.vk.layers.iter().flat_map(|l| [l.weights, l.bias]).collect();
            for g in &guesses {
                assert!(
                    !vk_points.contains(g),
                    "a weight matrix or bias is confirmable from the vk"
                );
            }
            // Still a working key: prove and verify one inference.
            let mut rng = <rand_chacha::ChaCha20Rng as rand::SeedableRng>::seed_from_u64(3);
            let out = zkt_eth::prover::prove(&pk, &input, &mut rng).unwrap();
            zkt_eth::verifier::verify(&pk.vk, &out.public, &out.proof.to_bytes()).unwrap();
        }
        // Two random-seeded setups of the same model give unrelated weight commitments.
        let a = ProvingKey::setup_with(&model, &srs, Visibility::Public, BlindSeed::Random).unwrap();
        let b = ProvingKey::setup_with(&model, &srs, Visibility::Public, BlindSeed::Random).unwrap();
        for (k, (la, lb)) in a.vk.layers.iter().zip(&b.vk.layers).enumerate() {
            if !la.op.is_rowsum() {
                continue; // a copy's columns are public, recomputable from its map
            }
            assert_ne!(la.weights, lb.weights);
            if plan.carries_bias(k) {
                assert_ne!(la.bias, lb.bias);
            }
        }
    }
}

/// The fold budget (vk word 5) is part of the vk and its digest, and only `FOLD_LOG_RANGE` loads.
#[test]
fn the_fold_budget_word_is_bounded_and_in_the_digest() {
    use zkt_eth::blocks::fold::DEFAULT_FOLD_LOG;
    let model = common::model();
    let srs = Srs::dev(1, srs_len_for(&model));
    let pk = ProvingKey::setup(&model, &srs, Visibility::Public).unwrap();
    let mut bytes = pk.vk.to_bytes();
    let word = 5 * 32 + 31;
    assert_eq!(
        u32::from(bytes[word]),
        DEFAULT_FOLD_LOG,
        "layout: word 5 is the fold budget"
    );
    for bad in [9u8, 21] {
        bytes[word] = bad;
        let e = VerifyingKey::from_bytes(&bytes).unwrap_err().to_string();
        assert!(e.contains("fold budget (log2) (word 5)"), "{e}");
    }
    bytes[word] = 16;
    let vk = VerifyingKey::from_bytes(&bytes).unwrap();
    assert_eq!(vk.fold_log, 16);
    assert_ne!(vk.digest(), pk.vk.digest());
}

/// `check-vk` recomputes each copy layer's tag and count columns from the map in the vk: a vk whose
/// `[Ŝ]` commits another map's tags (so that the prover could move other values) is flagged, and
/// so is one whose map was edited under the same columns; without an SRS the check is reported as
/// not done; and a vk that gives a copy another activation than the identity does not load.
#[test]
fn check_vk_recomputes_the_copy_columns() {
    use zkt_eth::vk_check::check_vk;
    let model = common::copy_model();
    let srs = Srs::dev(4, srs_len_for(&model));
    let pk = ProvingKey::setup(&model, &srs, Visibility::Public).unwrap();
    let tau = pk.vk.g2.tau;
    let copy_ok = |vk: &VerifyingKey| {
        let report = check_vk(vk, &vk.to_bytes(), Some((&pk.g1, &tau)));
        report.checks.iter().find(|c| c.name == "copy").and_then(|c| c.ok)
    };
    assert_eq!(copy_ok(&pk.vk), Some(true));
    // The tags of the second copy in the first copy's place.
    let mut swapped = pk.vk.clone();
    swapped.layers[0].weights = pk.vk.layers[4].weights;
    assert_eq!(copy_ok(&swapped), Some(false));
    // The map edited (a source moved), the columns kept.
    let mut edited = pk.vk.clone();
    edited.layers[0].map.swap(0, 8);
    assert_eq!(copy_ok(&edited), Some(false));
    // Without an SRS the columns are listed as not checked, never silently passed over.
    let report = check_vk(&pk.vk, &pk.vk.to_bytes(), None);
    assert_eq!(
        report.checks.iter().find(|c| c.name == "copy").map(|c| c.ok),
        Some(None)
    );
    // A copy names no other function than the identity it proves.
    let mut relabelled = pk.vk.clone();
    relabelled.layers[0].activation = zkt_eth::model::Activation::Sigmoid;
    let err = VerifyingKey::from_bytes(&relabelled.to_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("a copy's activation is the identity"), "{err}");
}
