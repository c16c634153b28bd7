//! Issue-level soundness tests on the real example models: honest proofs verify (public and private
//! input), and every kind of tampering is rejected with a message naming the failed check.

mod common;

use rand::SeedableRng;
use std::path::Path;
use zkt_eth::blocks::gate::GateKind;
use zkt_eth::blocks::Instance;
use zkt_eth::keys::{srs_len_for, ProvingKey, Visibility};
use zkt_eth::onnx::{self, QuantizeOptions};
use zkt_eth::proof::DecodeError;
use zkt_eth::protocol::Layout;
use zkt_eth::srs::Srs;
use zkt_eth::verifier::{verify, VerifyError};
use zkt_eth::{field::EncodingError, prover};

fn models() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models").leak()
}

/// Compile (calibrated on `calib`), set up with a dev SRS, prove `input`.
fn prove(model: &str, calib: &str, input: &str, vis: Visibility) -> (ProvingKey, zkt_eth::protocol::Public, Vec<u8>) {
    let calibration = onnx::read_inputs(&models().join(calib)).unwrap();
    let m = onnx::load_model(
        &models().join(model),
        &QuantizeOptions {
            calibration: Some(calibration),
            ..Default::default()
        },
    )
    .unwrap();
    let srs = Srs::dev(11, srs_len_for(&m));
    let pk = ProvingKey::setup(&m, &srs, vis).unwrap();
    let x = onnx::quantize_input(&m, &onnx::read_inputs(&models().join(input)).unwrap()[0]).unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    let opening = (vis == Visibility::Committed)
        .then(|| zkt_eth::commitment::commit_input(&pk.vk, &pk.g1, &x, &mut rng).unwrap());
    let out = prover::prove_with(&pk, &x, opening.as_ref(), &mut rng).unwrap();
    let bytes = out.proof.to_bytes();
    (pk, out.public, bytes)
}

fn sample(vis: Visibility) -> (ProvingKey, zkt_eth::protocol::Public, Vec<u8>) {
    prove("sample/sample.onnx", "sample/input.json", "sample/input.json", vis)
}

#[test]
fn honest_proofs_verify_for_every_example_model_public_and_private() {
    for (model, calib, input) in [
        ("sample/sample.onnx", "sample/input.json", "sample/input.json"),
        ("digits/digits.onnx", "digits/train.json", "digits/input.json"),
        ("mlp784/mlp784.onnx", "mlp784/input.json", "mlp784/input.json"),
    ] {
        for vis in [Visibility::Public, Visibility::Private, Visibility::Committed] {
            let (pk, public, bytes) = prove(model, calib, input, vis);
            verify(&pk.vk, &public, &bytes).unwrap_or_else(|e| panic!("{model} {vis:?}: {e}"));
            assert_eq!(public.inputs.is_empty(), vis.hidden());
            assert_eq!(public.commitment.is_some(), vis == Visibility::Committed);
        }
    }
}

#[test]
fn flipping_any_word_of_the_sample_proof_is_rejected() {
    for vis in [Visibility::Public, Visibility::Private, Visibility::Committed] {
        let (pk, public, bytes) = sample(vis);
        for w in 0..bytes.len() / 32 {
            let mut b = bytes.clone();
            b[32 * w + 31] ^= 1;
            assert!(
                verify(&pk.vk, &public, &b).is_err(),
                "{vis:?}: flipping word {w} was accepted"
            );
        }
    }
}

/// A model with a product layer (a Hadamard gate): the honest proof verifies for every input
/// visibility, every flipped word is rejected (among them the Product's evaluation `x(−ζ')`), and
/// its blinding covers every point at which a polynomial is revealed.
#[test]
fn a_product_layer_proves_and_every_flipped_word_is_rejected() {
    // The same for a mixed layer (sigmoid on even rows, identity on odd rows).
    for model in [common::product_model(), common::mixed_model()] {
        check_every_word(&model);
    }
    // A product whose operands layer would not output zero on a padding row (its x_i·x_{h+i}
    // would break the identity) is refused before any proving.
    let mut bad = common::product_model();
    bad.layers[0].bias[5] = 16;
    let err = bad.validate().unwrap_err().to_string();
    assert!(err.contains("row 5 is not zero"), "{err}");
    let mut bad = common::product_model();
    bad.layers[0].activation = zkt_eth::model::Activation::Sigmoid;
    assert!(bad.validate().unwrap_err().to_string().contains("f(0) = 0"));
}

/// A square layer (a square gate, `x(X)² − y(X)`, whose two reads are the Activations' own): the
/// honest proof verifies for every input visibility, every flipped word is rejected, and the
/// blinding covers every revealed point; a square that would read a non-zero padding row, the
/// model input, or a different length is refused before any proving, and by the vk decoder.
#[test]
fn a_square_layer_proves_and_every_flipped_word_is_rejected() {
    use zkt_eth::model::{Activation, LayerOp};
    let model = common::square_model();
    let trace = model.forward(&[16, -8, 24]).unwrap();
    assert_eq!(trace.out[0], vec![16, 0, 4, 0, 12]);
    assert_eq!(trace.acc[1], vec![256, 0, 16, 0, 144]);
    check_words(&model, &[16, -8, 24], |layout| {
        layout
            .instances
            .iter()
            .any(|i| matches!(i, Instance::Gate(g) if g.kind == GateKind::Square))
    });
    // A ReLU row's padding is 0; a sigmoid's f(0) is not, and the gate would force y = x² there.
    let mut bad = common::square_model();
    bad.layers[0].activation = Activation::Sigmoid;
    assert!(bad.validate().unwrap_err().to_string().contains("f(0) = 0"));
    let mut bad = common::square_model();
    bad.layers.remove(0);
    bad.layers[0].op = LayerOp::Square { len: 3 };
    assert!(bad.validate().unwrap_err().to_string().contains("first layer"));
    // The vk decoder applies the shape rules: a square reading another length is malformed.
    assert!(zkt_eth::model::layer_shape_problem(1, 3, (5, 5), (LayerOp::Square { len: 5 }, false), 4).is_none());
    for (k, shape) in [(0, (5, 5)), (1, (8, 5)), (1, (0, 0))] {
        let problem = zkt_eth::model::layer_shape_problem(k, 3, shape, (LayerOp::Square { len: shape.1 }, false), 4);
        assert!(problem.is_some_and(|p| p.contains("squares")), "{k} {shape:?}");
    }
}

/// Four dense layers on one domain (one RowSum instance batched by `λ`, the biases in slots 0–3
/// of one `[B̂]`): the honest proof verifies for every input visibility, every flipped word is
/// rejected, the blinding covers every revealed point; a model whose non-carrier bias was edited
/// after setup is refused, naming the layers that share the `[B̂]`.
#[test]
fn a_batched_rowsum_proves_and_every_flipped_word_is_rejected() {
    let model = common::batched_model();
    check_words(&model, &[16, -8, 4, 0, 3, -7, 12, 1], |layout| {
        layout
            .instances
            .iter()
            .any(|i| matches!(i, Instance::RowSum(r) if r.parts.len() == 4 && r.carrier == Some(0)))
    });
    let srs = Srs::dev(11, srs_len_for(&model));
    let pk = ProvingKey::setup(&model, &srs, Visibility::Public).unwrap();
    let mut edited = model.clone();
    edited.layers[2].bias[1] += 1;
    let err = zkt_eth::keys::check_model_against_vk(&edited, &pk.vk, &pk.g1, &pk.lagrange, &pk.blinds)
        .unwrap_err()
        .to_string();
    assert!(err.contains("layers[0]") && err.contains("layers[2]"), "{err}");
}

/// A coset-sum (pooling) layer, windows 2 and 4 (a coset-sum gate): the honest proof verifies for
/// every input visibility, every flipped word is rejected (among them the block's evaluations
/// `x(ω_w^k·ζ')`), its blinding covers every revealed point; shapes and padding rows that would
/// break the identity are refused before any proving.
#[test]
fn a_coset_sum_layer_proves_and_every_flipped_word_is_rejected() {
    use zkt_eth::model::{Activation, LayerOp};
    for w in [2, 4] {
        let model = common::coset_model(w);
        let trace = model.forward(&[16, -8, 24]).unwrap();
        // The mean of each window, rounded: 2^s/w·Σ, then rescaled by 2^s.
        let m = 8;
        for j in 0..5 {
            let sum: i64 = (0..w).map(|k| trace.out[0][j + k * m]).sum();
            assert_eq!(trace.acc[1][j], 16 / w as i64 * sum);
        }
        check_words(&model, &[16, -8, 24], |layout| {
            layout
                .instances
                .iter()
                .any(|i| matches!(i, Instance::Gate(g) if matches!(g.kind, GateKind::CosetSum { window, .. } if window == w)))
        });
        // The pooled tensor is revealed at τ, ζ' and the w − 1 rotations: w + 2 blinding
        // coefficients, within the degree bounds' BLIND_MAX.
        let pk = ProvingKey::setup(&model, &Srs::dev(11, srs_len_for(&model)), Visibility::Private).unwrap();
        let layout = Layout::new(&pk.vk);
        let x = layout
            .instances
            .iter()
            .find_map(|i| match i {
                Instance::Gate(g) => Some(g.reads[0].tensor),
                _ => None,
            })
            .unwrap();
        let zkt_eth::blocks::Col::Commit(c) = layout.tensors[x].col else {
            panic!("the pooled tensor is committed")
        };
        assert_eq!(layout.blinding(c), w + 2);
        assert!(layout.blinding(c) <= zkt_eth::blocks::fold::BLIND_MAX);
        assert!(layout.max_degree() < pk.g1.len());
    }
    // The vk encodes the layer as op 3 and decodes it back; a vk whose coset sum has a window of 8
    // is refused by the decoder.
    let model = common::coset_model(4);
    let pk = ProvingKey::setup(&model, &Srs::dev(11, srs_len_for(&model)), Visibility::Public).unwrap();
    let bytes = pk.vk.to_bytes();
    assert_eq!(zkt_eth::keys::VerifyingKey::from_bytes(&bytes).unwrap(), pk.vk);
    let mut vk = pk.vk.clone();
    vk.layers[0].out_len = 64;
    vk.layers[1].in_len = 64;
    vk.layers[1].op = LayerOp::CosetSum { in_len: 64, out_len: 5 };
    let err = zkt_eth::keys::VerifyingKey::from_bytes(&vk.to_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("coset sum"), "{err}");
    let refused = |edit: &dyn Fn(&mut zkt_eth::model::QuantizedModel), needle: &str| {
        let mut bad = common::coset_model(4);
        edit(&mut bad);
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.contains(needle), "{needle}: {err}");
    };
    // A padding row (j ≥ 5 in a block of 8) that is not zero would enter a window's sum.
    refused(&|m| m.layers[0].bias[13] = 16, "row 13 is not zero");
    refused(&|m| m.layers[0].activation = Activation::Sigmoid, "f(0) = 0");
    // A window of 8 (x revealed at 8 points) or one that does not divide is refused, as is a
    // coset sum as the first layer.
    refused(
        &|m| {
            m.layers[0].weights.resize(64, vec![0, 0, 0]);
            m.layers[0].bias.resize(64, 0);
            m.layers[1].op = LayerOp::CosetSum { in_len: 64, out_len: 5 };
        },
        "2 ≤ w ≤ min(4, 2^4)",
    );
    refused(
        &|m| {
            m.layers.remove(0);
            m.input_shape = vec![1, 32];
        },
        "must not be the first layer",
    );
}

/// A coset-max (max pooling) layer, windows 2 and 4 (the CosetMax block): the honest proof verifies
/// for every input visibility and every flipped word is rejected (among them `[h]`, `h(ζ')` and the
/// evaluations `x(ω_w^k·ζ')`); the pooled tensor's blinding covers every revealed point; the degree
/// bound from the model covers the gate's quotient; the vk round-trips op 4; and a coset max after
/// an activation that can be negative, or with a window of 8, is refused before any proving.
#[test]
fn a_coset_max_layer_proves_and_every_flipped_word_is_rejected() {
    use zkt_eth::model::{Activation, LayerOp};
    for w in [2, 4] {
        let model = common::coset_max_model(w);
        let x = [16, -8, 24];
        let trace = model.forward(&x).unwrap();
        let m = 8;
        for j in 0..5 {
            let max = (0..w).map(|k| trace.out[0][j + k * m]).max().unwrap();
            assert_eq!(trace.acc[1][j], 16 * max);
            assert_eq!(trace.out[1][j], max, "the rescale of 2^s·max is exact");
        }
        check_words(&model, &x, |layout| {
            layout
                .instances
                .iter()
                .any(|i| matches!(i, Instance::CosetMax(c) if c.window == w))
        });
        let pk = ProvingKey::setup(&model, &Srs::dev(11, srs_len_for(&model)), Visibility::Private).unwrap();
        let layout = Layout::new(&pk.vk);
        let x_t = layout
            .instances
            .iter()
            .find_map(|i| match i {
                Instance::CosetMax(c) => Some(c.x),
                _ => None,
            })
            .unwrap();
        let zkt_eth::blocks::Col::Commit(c) = layout.tensors[x_t].col else {
            panic!("the pooled tensor is committed")
        };
        assert_eq!(layout.blinding(c), w + 2);
        assert!(layout.blinding(c) <= zkt_eth::blocks::fold::BLIND_MAX);
        assert!(layout.max_degree() < pk.g1.len());
        let bytes = pk.vk.to_bytes();
        assert_eq!(zkt_eth::keys::VerifyingKey::from_bytes(&bytes).unwrap(), pk.vk);
    }
    let refused = |edit: &dyn Fn(&mut zkt_eth::model::QuantizedModel), needle: &str| {
        let mut bad = common::coset_max_model(4);
        edit(&mut bad);
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.contains(needle), "{needle}: {err}");
    };
    // The differences max − x_i must lie in the table's non-negative half.
    refused(
        &|m| m.layers[0].activation = Activation::LeakyRelu { alpha_q16: 6554 },
        "values in [0,",
    );
    refused(&|m| m.layers[0].bias[13] = 16, "row 13 is not zero");
    refused(
        &|m| {
            m.layers[0].weights.resize(64, vec![0, 0, 0]);
            m.layers[0].bias.resize(64, 0);
            m.layers[1].op = LayerOp::CosetMax {
                in_len: 64,
                out_len: 5,
                signed: false,
            };
        },
        "2 ≤ w ≤ 4",
    );
}

/// Copy layers (the Copy block) prove for every input visibility (the first copies the model
/// input, bit-reversed when hidden; the second a coset max's output, pool after pool), and every
/// flipped word is rejected (among them `[h_y]`, `[h_x]` and their evaluations); the vk round-trips
/// op 5 with its map; and a map outside the source, a copy of the signed input read by a coset
/// max, or a copied value on a coset layer's padding row is refused before any proving.
#[test]
fn copy_layers_prove_and_every_flipped_word_is_rejected() {
    use zkt_eth::model::{LayerOp, COPY_ZERO};
    let model = common::copy_model();
    model.validate().unwrap();
    let x = [16, -8, 24];
    let trace = model.forward(&x).unwrap();
    let moved: Vec<i64> = [0, 8, 1, 9, 2, 10].iter().map(|i| trace.out[0][*i]).collect();
    assert_eq!(
        moved,
        [16, -8, 24, 0, -8, 24],
        "the copy moves the input and copies a zero"
    );
    let second: Vec<i64> = [0, 8, 1, 9, 2, 10].iter().map(|i| trace.out[4][*i]).collect();
    let maxima = &trace.out[3];
    assert_eq!(
        second,
        [maxima[0], maxima[1], maxima[2], maxima[3], maxima[4], maxima[4]]
    );
    check_words(&model, &x, |layout| {
        layout
            .instances
            .iter()
            .filter(|i| matches!(i, Instance::Copy(_)))
            .count()
            == 2
            && !layout
                .instances
                .iter()
                .any(|i| matches!(i, Instance::Activation(a) if a.layer == 0 || a.layer == 4))
    });
    let pk = ProvingKey::setup(&model, &Srs::dev(11, srs_len_for(&model)), Visibility::Private).unwrap();
    let bytes = pk.vk.to_bytes();
    assert_eq!(zkt_eth::keys::VerifyingKey::from_bytes(&bytes).unwrap(), pk.vk);
    let refused = |edit: &dyn Fn(&mut zkt_eth::model::QuantizedModel), needle: &str| {
        let mut bad = common::copy_model();
        edit(&mut bad);
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.contains(needle), "{needle}: {err}");
    };
    refused(&|m| m.layers[0].map[3] = 3, "an input index below 3");
    refused(&|m| m.layers[4].map[7] = 0, "are copied zeros");
    refused(
        &|m| {
            m.layers[1].op = LayerOp::CosetMax {
                in_len: 16,
                out_len: 3,
                signed: false,
            };
        },
        "not the signed model input",
    );
    refused(&|m| m.layers[0].map.push(COPY_ZERO), "one source per copied value");
}

/// A coset max of signed values (after a leaky ReLU; vk op 6) proves for every input visibility,
/// with negative maxima, and every flipped word is rejected; the unsigned op on the same values
/// is refused, and so is the signed one after an activation that leaves the window.
#[test]
fn a_signed_coset_max_proves_and_every_flipped_word_is_rejected() {
    use zkt_eth::model::{Activation, LayerOp};
    for w in [2, 4] {
        let model = common::signed_coset_max_model(w);
        model.validate().unwrap();
        let x = [-40, 30, -20];
        let trace = model.forward(&x).unwrap();
        assert!(trace.out[0].iter().any(|v| *v < 0), "negative values pooled");
        for j in 0..5 {
            let max = (0..w).map(|k| trace.out[0][j + k * 8]).max().unwrap();
            assert_eq!(trace.out[1][j], max);
        }
        assert!(trace.out[1][..5].iter().any(|v| *v < 0), "a negative maximum");
        check_words(&model, &x, |layout| {
            layout
                .instances
                .iter()
                .any(|i| matches!(i, Instance::CosetMax(c) if c.window == w && c.lookup.0 == 0))
        });
        let pk = ProvingKey::setup(&model, &Srs::dev(11, srs_len_for(&model)), Visibility::Public).unwrap();
        assert_eq!(
            zkt_eth::keys::VerifyingKey::from_bytes(&pk.vk.to_bytes()).unwrap(),
            pk.vk
        );
    }
    let mut unsigned = common::signed_coset_max_model(4);
    unsigned.layers[1].op = LayerOp::CosetMax {
        in_len: 32,
        out_len: 5,
        signed: false,
    };
    let err = unsigned.validate().unwrap_err().to_string();
    assert!(err.contains("values in [0,"), "{err}");
    let mut wide = common::signed_coset_max_model(4);
    wide.layers[0].activation = Activation::Selu {
        alpha_q16: 1 << 20,
        gamma_q16: 1 << 20,
    };
    let err = wide.validate().unwrap_err().to_string();
    assert!(err.contains("values in the window"), "{err}");
}

/// A cheating prover for a coset-max layer states a window's smallest member as its maximum
/// (`prover::prove_forging_coset_max`): the gate holds (the value is a member), the later layers
/// follow from it, and the negative differences it cannot count in the multiplicities leave the
/// LogUp sum unbalanced. The verifier rejects it, for windows 2 and 4. The same forgery on a window
/// whose members are all equal is the honest proof and verifies: the hook itself is sound.
#[test]
fn a_coset_max_that_is_not_the_maximum_is_rejected() {
    use zkt_eth::prover;
    for w in [2, 4] {
        let model = common::coset_max_model(w);
        let pk = ProvingKey::setup(&model, &Srs::dev(11, srs_len_for(&model)), Visibility::Public).unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(21);
        let input = [16i64, -8, 24];
        let trace = model.forward(&input).unwrap();
        let members = |j: usize| -> Vec<i64> { (0..w).map(|k| trace.out[0][j + 8 * k]).collect() };
        let j = (0..5)
            .find(|j| members(*j).iter().min() != members(*j).iter().max())
            .expect("a window with distinct members");
        let forged = prover::prove_forging_coset_max(&pk, &input, (1, j), &mut rng).unwrap();
        assert_eq!(
            forged.trace.out[1][j],
            *members(j).iter().min().unwrap(),
            "w = {w}: the forged value is the smallest member"
        );
        assert_ne!(
            forged.public.outputs,
            prover::prove(&pk, &input, &mut rng).unwrap().public.outputs
        );
        assert!(
            verify(&pk.vk, &forged.public, &forged.proof.to_bytes()).is_err(),
            "w = {w}: a non-maximal member verified"
        );
        // Input 0: window 0's members are all 0, so the "forgery" is the honest proof.
        let zero = [0i64, 0, 0];
        let equal = prover::prove_forging_coset_max(&pk, &zero, (1, 0), &mut rng).unwrap();
        assert_eq!(
            verify(&pk.vk, &equal.public, &equal.proof.to_bytes()),
            Ok(()),
            "w = {w}"
        );
    }
}

/// A convolution by im2col (`compile --conv im2col`): LeNet's first convolution becomes a Copy
/// layer (its patches) and a patch layer (vk op 7, `docs/protocols/rowsum.md#patches`). The integer
/// model computes what the dense lowering computes; it proves for every input visibility and every
/// flipped word is rejected; its vk round-trips, a patch count of 0 is refused, and a proof does
/// not verify under a vk that states another patch count.
#[test]
fn a_patch_layer_proves_and_every_flipped_word_is_rejected() {
    use zkt_eth::model::LayerOp;
    use zkt_eth::onnx::quantize::Convolution;
    let calib = onnx::read_inputs(&models().join("lenet/input.json")).unwrap();
    let load = |conv| {
        let opts = QuantizeOptions {
            calibration: Some(calib.clone()),
            conv,
            ..Default::default()
        };
        onnx::load_model(&models().join("lenet/lenet.onnx"), &opts).unwrap()
    };
    let (patch, dense) = (load(Convolution::Im2col), load(Convolution::Dense));
    assert!(patch.layers[0].op.is_copy());
    assert!(matches!(patch.layers[1].op, LayerOp::Patch { patches: 64, .. }));
    assert!(!dense.layers.iter().any(|l| matches!(l.op, LayerOp::Patch { .. })));
    assert_eq!(
        load(Convolution::Auto),
        dense,
        "auto keeps LeNet's small convolutions dense"
    );
    let x = onnx::quantize_input(&patch, &calib[0]).unwrap();
    assert_eq!(patch.forward(&x).unwrap().output(), dense.forward(&x).unwrap().output());
    check_words(&patch, &x, |layout| {
        layout.instances.iter().any(|i| match i {
            Instance::RowSum(r) => r.doms.x_power() < r.doms.m_dom.size() && r.doms.stride() == 64,
            _ => false,
        })
    });

    // A hand-built patch layer (5 patches of 3 taps, padding copied as zeros) reading the hidden
    // input through its Copy; and the shape rules the model and the vk decoder share.
    let small = common::patch_model();
    check_words(&small, &[16, -8, 4, 0, 3], |layout| {
        layout
            .instances
            .iter()
            .any(|i| matches!(i, Instance::RowSum(r) if r.doms.stride() == 8))
    });
    let refused = |edit: &dyn Fn(&mut zkt_eth::model::QuantizedModel), needle: &str| {
        let mut bad = common::patch_model();
        edit(&mut bad);
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.contains(needle), "{needle}: {err}");
    };
    refused(
        &|m| m.layers[1].weights[0].pop().map(drop).unwrap_or(()),
        "one weight per tap",
    );
    refused(&|m| m.layers[1].bias.push(1), "one row and one bias per filter");
    refused(
        &|m| {
            m.layers[1].op = LayerOp::Patch {
                in_len: 64,
                out_len: 16,
                patches: 16,
            }
        },
        "multiples of 16",
    );
    refused(&|m| drop(m.layers.remove(0)), "must not be the first layer");
    // As the last layer its outputs are public, the padding patches' rows (p ≥ P) zero.
    let mut last = common::patch_model();
    last.layers.truncate(2);
    let out = last.forward(&[16, -8, 4, 0, 3]).unwrap().output().to_vec();
    assert_eq!(out.len(), 16);
    assert!(out[5..8].iter().chain(&out[13..]).all(|v| *v == 0));
    check_words(&last, &[16, -8, 4, 0, 3], |_| true);

    let pk = ProvingKey::setup(&patch, &Srs::dev(11, srs_len_for(&patch)), Visibility::Public).unwrap();
    let words = pk.vk.to_words();
    assert_eq!(
        zkt_eth::keys::VerifyingKey::from_bytes(&pk.vk.to_bytes()).unwrap(),
        pk.vk
    );
    let with_patches = |n: usize| {
        let mut vk = pk.vk.clone();
        if let LayerOp::Patch { patches, .. } = &mut vk.layers[1].op {
            *patches = n;
        }
        vk
    };
    // The patch count's word: the one word two such vks differ in.
    let other = with_patches(63).to_words();
    let differ: Vec<usize> = (0..words.len()).filter(|w| words[*w] != other[*w]).collect();
    assert_eq!(differ.len(), 1);
    let mut zero = pk.vk.to_bytes();
    zero[32 * differ[0]..32 * differ[0] + 32].fill(0);
    let err = zkt_eth::keys::VerifyingKey::from_bytes(&zero).unwrap_err().to_string();
    assert!(err.contains("patch count"), "{err}");
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let out = prover::prove_with(&pk, &x, None, &mut rng).unwrap();
    let bytes = out.proof.to_bytes();
    verify(&pk.vk, &out.public, &bytes).unwrap();
    assert!(verify(&with_patches(63), &out.public, &bytes).is_err());
}

fn check_every_word(model: &zkt_eth::model::QuantizedModel) {
    check_words(model, &[16, -8, 24], |layout| {
        layout.instances.iter().any(|i| match i {
            Instance::Gate(g) => g.kind == GateKind::Hadamard,
            Instance::Activation(a) => a.odd_kind.is_some(),
            _ => false,
        })
    });
}

fn check_words(model: &zkt_eth::model::QuantizedModel, x: &[i64], has_block: impl Fn(&Layout) -> bool) {
    for vis in [Visibility::Public, Visibility::Private, Visibility::Committed] {
        let srs = Srs::dev(11, srs_len_for(model));
        let pk = ProvingKey::setup(model, &srs, vis).unwrap();
        let layout = Layout::new(&pk.vk);
        assert!(has_block(&layout));
        for c in (0..layout.n_columns).filter(|c| *c != layout.quotient) {
            let (pts, rotated) = revealed_points(&layout, c);
            assert!(layout.blinding(c) > pts + usize::from(rotated), "commitment {c}");
        }
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let opening = (vis == Visibility::Committed)
            .then(|| zkt_eth::commitment::commit_input(&pk.vk, &pk.g1, x, &mut rng).unwrap());
        let out = prover::prove_with(&pk, x, opening.as_ref(), &mut rng).unwrap();
        let bytes = out.proof.to_bytes();
        verify(&pk.vk, &out.public, &bytes).unwrap();
        for w in 0..bytes.len() / 32 {
            let mut b = bytes.clone();
            b[32 * w + 31] ^= 1;
            assert!(verify(&pk.vk, &out.public, &b).is_err(), "{vis:?}: word {w} accepted");
        }
    }
}

#[test]
fn wrong_outputs_and_inputs_are_rejected() {
    let (pk, public, bytes) = sample(Visibility::Public);
    for i in 0..public.outputs.len() {
        let mut p = public.clone();
        p.outputs[i] += ark_bn254::Fr::from(1u64);
        // The proof's inversion hint no longer fits the challenges...
        assert_eq!(
            verify(&pk.vk, &p, &bytes),
            Err(VerifyError::InverseMismatch),
            "output {i}"
        );
        // ...and with the hint recomputed, as anyone can, the pairing refuses it.
        assert_eq!(
            verify(&pk.vk, &p, &common::rehint(&pk.vk, &p, &bytes)),
            Err(VerifyError::PairingFailed),
            "output {i}"
        );
    }
    let mut p = public.clone();
    p.inputs[0] += ark_bn254::Fr::from(1u64);
    assert!(verify(&pk.vk, &p, &bytes).is_err());
    let mut p = public.clone();
    p.outputs.pop();
    let e = verify(&pk.vk, &p, &bytes).unwrap_err();
    assert!(e.to_string().contains("expected 4 public outputs"), "{e}");
}

#[test]
fn a_proof_for_another_model_is_rejected() {
    let (pk, public, bytes) = sample(Visibility::Public);
    // Same architecture, different weights: same proof length, so only the cryptography can tell.
    let mut other = pk.model.clone();
    other.layers[0].weights[0][0] += 1;
    let other_pk = ProvingKey::setup(&other, &Srs::dev(11, srs_len_for(&other)), Visibility::Public).unwrap();
    assert_eq!(Layout::new(&other_pk.vk).proof_words(), bytes.len() / 32);
    assert!(verify(&other_pk.vk, &public, &bytes).is_err());
    // A different model entirely: the length does not even match.
    let (digits, _, _) = prove(
        "digits/digits.onnx",
        "digits/train.json",
        "digits/input.json",
        Visibility::Public,
    );
    let e = verify(&digits.vk, &public, &bytes).unwrap_err();
    assert!(
        matches!(
            e,
            VerifyError::Malformed(DecodeError::Length { .. }) | VerifyError::PublicLength { .. }
        ),
        "{e}"
    );
}

#[test]
fn malformed_proofs_are_rejected_with_clear_messages() {
    let (pk, public, bytes) = sample(Visibility::Public);
    let layout = Layout::new(&pk.vk);
    // Truncated.
    let e = verify(&pk.vk, &public, &bytes[..bytes.len() - 32]).unwrap_err();
    assert!(
        e.to_string().contains("truncated file or proof for another model"),
        "{e}"
    );
    // A coordinate ≥ p (word 0 is the x coordinate of the first commitment).
    let p_bytes = hex::decode("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47").unwrap();
    let mut b = bytes.clone();
    b[..32].copy_from_slice(&p_bytes);
    let e = verify(&pk.vk, &public, &b).unwrap_err();
    assert_eq!(
        e,
        VerifyError::Malformed(DecodeError::Element(EncodingError::CoordinateNotCanonical { word: 0 }))
    );
    assert!(e.to_string().contains("not canonical (≥ p)"));
    // A scalar ≥ r (the first evaluation).
    let r_bytes = hex::decode("30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001").unwrap();
    let w_eval = 2 * layout.n_commits;
    let mut b = bytes.clone();
    b[32 * w_eval..32 * w_eval + 32].copy_from_slice(&r_bytes);
    let e = verify(&pk.vk, &public, &b).unwrap_err();
    assert_eq!(
        e,
        VerifyError::Malformed(DecodeError::Element(EncodingError::ScalarNotCanonical { word: w_eval }))
    );
    // A point off the curve (y + 1).
    let mut b = bytes.clone();
    b[63] ^= 1;
    let e = verify(&pk.vk, &public, &b).unwrap_err();
    assert_eq!(
        e,
        VerifyError::Malformed(DecodeError::Element(EncodingError::NotOnCurve { word: 0 }))
    );
    assert!(e.to_string().contains("not on the curve"));
}

#[test]
fn out_of_window_public_values_are_rejected() {
    let (pk, public, bytes) = sample(Visibility::Public);
    let mut p = public.clone();
    p.inputs[0] = zkt_eth::field::fr_from_i64(1 << 40);
    assert_eq!(
        verify(&pk.vk, &p, &bytes),
        Err(VerifyError::InputOutOfWindow { index: 0 })
    );
    let mut p = public;
    // Outputs are 64-bit integers: −2^63 − 1 is the first value below.
    p.outputs[1] = -ark_bn254::Fr::from(1u64 << 63) - ark_bn254::Fr::from(1u64);
    assert_eq!(
        verify(&pk.vk, &p, &bytes),
        Err(VerifyError::OutputOutOfWindow { index: 1 })
    );
}

/// ζ on any domain of the proof (the lookup domain, a tensor domain, a RowSum matrix domain) is
/// refused before any claim is formed; a random ζ is accepted.
#[test]
fn zeta_on_any_domain_is_rejected() {
    use ark_ff::Field;
    use zkt_eth::protocol::{build_claims, check_zeta, AlgebraError, Challenges};
    for vis in [Visibility::Public, Visibility::Private, Visibility::Committed] {
        let (pk, public, bytes) = sample(vis);
        let layout = Layout::new(&pk.vk);
        let proof = zkt_eth::proof::Proof::from_bytes(&bytes, &layout).unwrap();
        let mut domains = layout.domains();
        domains.push(layout.max_domain);
        for d in domains {
            let zeta = d.omega().pow([3u64]);
            assert_eq!(check_zeta(&layout, zeta), Err(AlgebraError::DegenerateChallenge));
            let ch = Challenges {
                zeta,
                ..zkt_eth::verifier::replay(&pk.vk, &layout, &public, &proof)
            };
            assert_eq!(
                build_claims(&pk.vk, &layout, &public, &proof.evals, &ch),
                Err(AlgebraError::DegenerateChallenge),
                "ζ in a domain of size {}",
                d.size()
            );
        }
        let ch = zkt_eth::verifier::replay(&pk.vk, &layout, &public, &proof);
        assert!(check_zeta(&layout, ch.zeta).is_ok());
    }
}

/// The number of distinct points at which column `c` is revealed, and whether one is rotated,
/// counted from what the verifier receives rather than from the layout's own bookkeeping
/// (`Layout::column_points`, which `Layout::blinding` reads): every opening claim of `c`'s group
/// commitment reveals every member at that claim's point (`S ≡ Σ_t X^t·v_t mod X^T − y`).
fn revealed_points(layout: &Layout, c: usize) -> (usize, bool) {
    let (slot, _) = layout.slot_of[c];
    let mut pts: Vec<usize> = layout
        .claims
        .iter()
        .filter(|cl| cl.slot == slot)
        .map(|cl| layout.divisors[cl.divisor].point)
        .collect();
    pts.sort_unstable();
    pts.dedup();
    assert_eq!(
        pts,
        layout.column_points(c),
        "column {c}: the claims reveal it at other points than the layout counts"
    );
    (pts.len(), pts.iter().any(|p| layout.points[*p].root_log > 0))
}

/// Zero knowledge bookkeeping: every committed polynomial carries at least as many blinding
/// coefficients as points at which it is revealed (τ and each distinct evaluation point), one
/// more when one of them is rotated (its τ-counterpart enters [Q]); `s` has four, `R` four plus one
/// per point its group adds (LeNet's `R_0`, `R_2`: five; glu's three `R`: six).
#[test]
fn blinding_covers_every_revealed_point() {
    for (model, calib, input) in [
        ("sample/sample.onnx", "sample/input.json", "sample/input.json"),
        ("mlp784/mlp784.onnx", "mlp784/input.json", "mlp784/input.json"),
        // Its R_0 and R_2 share a commitment: three points, five coefficients each.
        ("lenet/lenet.onnx", "lenet/input.json", "lenet/input.json"),
        // Its three R share a commitment at four points: six coefficients, R_MAX_BLINDING.
        ("testdata/glu.onnx", "testdata/glu.json", "testdata/glu.json"),
    ] {
        for vis in [Visibility::Public, Visibility::Private, Visibility::Committed] {
            let (pk, _, _) = prove(model, calib, input, vis);
            let layout = Layout::new(&pk.vk);
            let r_columns: Vec<usize> = layout
                .instances
                .iter()
                .filter_map(|i| match i {
                    Instance::RowSum(r) => Some(r.r),
                    _ => None,
                })
                .collect();
            assert!(
                layout.max_degree() < pk.g1.len(),
                "{model} {vis:?}: the layout's degree bound {} exceeds the SRS ({} powers)",
                layout.max_degree(),
                pk.g1.len()
            );
            for c in 0..layout.n_columns {
                let (pts, rotated) = revealed_points(&layout, c);
                if c == layout.quotient {
                    assert_eq!(pts, 0, "[Q] is never evaluated");
                    continue;
                }
                assert!(pts > 0, "{model}: commitment {c} is never opened");
                // The fold plan's bound is for tensors lifted by a power map; R has its own.
                let most = if r_columns.contains(&c) {
                    zkt_eth::blocks::rowsum::R_MAX_BLINDING + 1
                } else {
                    zkt_eth::blocks::fold::BLIND_MAX
                };
                assert!(
                    layout.blinding(c) < most,
                    "{model}: commitment {c} has more blinding coefficients than its degree bound assumes"
                );
                assert!(
                    layout.blinding(c) > pts + usize::from(rotated),
                    "{model} {vis:?}: commitment {c} is revealed at {} points",
                    1 + pts
                );
            }
            for inst in &layout.instances {
                match inst {
                    // Four, one more per point its group adds.
                    Instance::RowSum(r) => {
                        let (pts, _) = revealed_points(&layout, r.r);
                        assert_eq!(layout.blinding(r.r), 2 + pts, "{model}: R");
                    }
                    Instance::Table(t) => assert_eq!(layout.blinding(t.s), 4),
                    // A committed input's blinding also enters [Q] through (x₀ − c)/Z = r' − r.
                    Instance::InputBinding(b) => {
                        let pts = layout.eval_sources.iter().filter(|(k, _)| *k == b.x_commit).count();
                        assert_eq!(layout.blinding(b.x_commit), 2 + pts);
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Rust's inversion set (`protocol::inversion_set`, whose product the proof's hint inverts) and the
/// generated Solidity `_inversions` reserve the same number of denominators, for every block type
/// and visibility (their values agree on chain: `tests/onchain_small.rs`, the forge fixtures).
#[test]
fn rust_and_solidity_invert_the_same_denominators() {
    use zkt_eth::protocol::{inversion_set, ClaimCx};
    let x = [16, -8, 24];
    for model in [
        common::model(),
        common::activations_model(),
        common::product_model(),
        common::mixed_model(),
    ] {
        for vis in [Visibility::Public, Visibility::Private, Visibility::Committed] {
            let srs = Srs::dev(11, srs_len_for(&model));
            let pk = ProvingKey::setup(&model, &srs, vis).unwrap();
            let layout = Layout::new(&pk.vk);
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
            let opening = (vis == Visibility::Committed)
                .then(|| zkt_eth::commitment::commit_input(&pk.vk, &pk.g1, &x, &mut rng).unwrap());
            let out = prover::prove_with(&pk, &x, opening.as_ref(), &mut rng).unwrap();
            let ch = zkt_eth::verifier::replay(&pk.vk, &layout, &out.public, &out.proof);
            let cx = ClaimCx::new(&pk.vk, &layout, &out.public, &out.proof.evals, &ch).unwrap();
            let spec = zkt_eth::solidity::spec(&pk.vk, "V", "m", "IZkTorchVerifier.sol");
            assert_eq!(
                inversion_set(&cx).len(),
                spec.n_inv,
                "{}, {vis:?}: Rust and Solidity invert different numbers of values",
                model.name
            );
        }
    }
}

/// Grouped commitments (`Layout::groups`, `docs/protocols/accumulation.md`): the sample's ten
/// columns share five commitments, and each member's evaluation is bound on its own. Swapping two
/// members' values at a group point, or changing an extra evaluation (one that no block reads, only
/// the group claim), is refused by the pairing even with the inversion hint recomputed.
#[test]
fn grouped_commitments_bind_every_member() {
    let (pk, public, bytes) = sample(Visibility::Public);
    let layout = Layout::new(&pk.vk);
    assert!(layout.n_commits < layout.n_columns, "the sample groups its columns");
    let w_eval = 2 * layout.n_commits;
    let word = |e: usize| 32 * (w_eval + e)..32 * (w_eval + e + 1);
    let group = layout.claims.iter().find(|c| c.evals.len() > 1).expect("a group claim");
    let (a, b) = (group.evals[0], group.evals[1]);
    let mut swapped = bytes.clone();
    let (ra, rb) = (word(a), word(b));
    let va = swapped[ra.clone()].to_vec();
    let vb = swapped[rb.clone()].to_vec();
    assert_ne!(va, vb);
    swapped[ra].copy_from_slice(&vb);
    swapped[rb].copy_from_slice(&va);
    assert_eq!(
        verify(&pk.vk, &public, &common::rehint(&pk.vk, &public, &swapped)).unwrap_err(),
        VerifyError::PairingFailed
    );
    // The blocks read the first evaluations; the groups' extra ones come last.
    assert!(
        layout.n_block_evals < layout.n_evals,
        "the sample's groups add evaluations"
    );
    let extra = layout.n_block_evals;
    let mut changed = bytes.clone();
    let r = word(extra);
    changed[r.end - 1] ^= 1;
    assert_eq!(
        verify(&pk.vk, &public, &common::rehint(&pk.vk, &public, &changed)).unwrap_err(),
        VerifyError::PairingFailed
    );
}

/// A model whose Activation on `H_8` would leave the SRS if grouping raised its columns' blinding
/// (784 → 8 → 32 → 10, public input, lookup domain `2^14`, nothing folds): with the Activation's
/// blinding cap (`LayoutBuilder::cap_blinding`) every group fits, and it proves and verifies.
#[test]
fn grouping_keeps_a_small_activation_domain_within_the_srs() {
    use zkt_eth::model::{Activation, DenseLayer, QuantizedModel};
    let layer = |name: &str, rows: usize, cols: usize, activation| DenseLayer {
        name: name.into(),
        weights: (0..rows)
            .map(|i| (0..cols).map(|j| ((i * 7 + j * 3) % 5) as i64 - 2).collect())
            .collect(),
        bias: (0..rows).map(|i| (i % 3) as i64 - 1).collect(),
        activation,
        op: Default::default(),
        mixed: false,
        map: vec![],
    };
    let m = QuantizedModel {
        name: "narrow".into(),
        scale_bits: 6,
        lookup_bits: 13,
        input_shape: vec![1, 784],
        dropped: None,
        fold_log: zkt_eth::blocks::fold::DEFAULT_FOLD_LOG,
        layers: vec![
            layer("l0", 8, 784, Activation::Relu),
            layer("l1", 32, 8, Activation::Relu),
            layer("l2", 10, 32, Activation::Identity),
        ],
    };
    let srs = Srs::dev(11, srs_len_for(&m));
    let pk = ProvingKey::setup(&m, &srs, Visibility::Public).unwrap();
    let layout = Layout::new(&pk.vk);
    assert_eq!(layout.domain.size(), 1 << 14);
    assert!(layout.n_commits < layout.n_columns, "some columns still group");
    let x: Vec<i64> = (0..784).map(|i| (i % 16) as i64).collect();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let out = prover::prove(&pk, &x, &mut rng).unwrap_or_else(|e| panic!("{e}"));
    verify(&pk.vk, &out.public, &out.proof.to_bytes()).unwrap();
}

/// A wide output (`model::wide_output`, `docs/protocols/lookup.md` "Wide outputs") is not looked
/// up, so a cheating prover can state any of the `2^s` field values `q' = (acc + 2^(s−1) − r)/2^s`
/// with the remainder lookup satisfied. Every algebraic check passes for such a proof; only the
/// verifier's 64-bit range check of the outputs refuses it, which is what the soundness argument
/// (lookup.md item 8) says.
#[test]
fn a_forged_wide_output_is_refused_only_by_the_output_range_check() {
    use ark_ff::One;
    use zkt_eth::field::fr_to_i64;
    let model = common::model();
    assert!(model.wide_output());
    let srs = Srs::dev(1, srs_len_for(&model));
    let pk = ProvingKey::setup(&model, &srs, Visibility::Public).unwrap();
    let input = [5i64, -3, 9];
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    let honest = prover::prove(&pk, &input, &mut rng).unwrap();
    let bytes = honest.proof.to_bytes();
    assert_eq!(verify(&pk.vk, &honest.public, &bytes), Ok(()));
    let s = model.scale_bits;
    let acc = honest.trace.acc[1][0];
    let honest_r = acc + (1 << (s - 1)) - (honest.trace.rescaled[1][0] << s);
    for r in [(honest_r + 1) % (1 << s), (honest_r + (1 << s) - 1) % (1 << s)] {
        let forged = prover::prove_forging_wide_output(&pk, &input, (0, r), &mut rng).unwrap();
        let q = forged.public.outputs[0];
        assert!(
            fr_to_i64(q).is_none(),
            "r = {r}: the forged output is no 64-bit integer"
        );
        let bytes = forged.proof.to_bytes();
        assert_eq!(
            verify(&pk.vk, &forged.public, &bytes),
            Err(VerifyError::OutputOutOfWindow { index: 0 }),
            "r = {r}"
        );
        // The steps of `verifier::verify` after its public-value check: all pass.
        let vk = &pk.vk;
        let layout = Layout::new(vk);
        let proof = zkt_eth::proof::Proof::from_bytes(&bytes, &layout).unwrap();
        let ch = zkt_eth::verifier::replay(vk, &layout, &forged.public, &proof);
        let claims = zkt_eth::protocol::build_claims(vk, &layout, &forged.public, &proof.evals, &ch).unwrap();
        let cx = zkt_eth::protocol::ClaimCx::new(vk, &layout, &forged.public, &proof.evals, &ch).unwrap();
        let product: ark_bn254::Fr = zkt_eth::protocol::inversion_set(&cx).into_iter().product();
        assert!(
            product * proof.inverse == ark_bn254::Fr::one(),
            "r = {r}: inversion hint"
        );
        let divs = layout.divisor_values(&layout.point_values(ch.zeta));
        let pairing = zkt_eth::shplonk::verify(
            &claims,
            &divs,
            ch.nu,
            ch.xi,
            (proof.openings[0], proof.openings[1]),
            |b| zkt_eth::protocol::resolve(vk, &proof.commits, &forged.public, b),
            &vk.g2,
        );
        assert!(pairing, "r = {r}: the forged proof is algebraically valid");
    }
}
