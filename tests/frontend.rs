//! The ONNX front end on the committed example models (`models/`, written by `models/generate.py`).

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkt_eth::model::{Activation, ForwardError};
use zkt_eth::onnx::quantize::Pooling;
use zkt_eth::onnx::{
    fidelity, fidelity_with_labels, load_model, lower, read_dataset, read_inputs, FloatReference, OnnxError,
    QuantizeOptions,
};

/// Scale 8, lookup bits 12: the fixed options these fidelity tolerances were written for.
fn s8_b12() -> QuantizeOptions {
    QuantizeOptions {
        scale_bits: Some(8),
        lookup_bits: Some(12),
        ..Default::default()
    }
}

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

fn model(rel: &str) -> PathBuf {
    models().join(rel)
}

/// `(inputs, outputs, activation)` of one layer.
type LayerShape = (usize, usize, Activation);

fn shapes(m: &zkt_eth::model::QuantizedModel) -> Vec<LayerShape> {
    m.layers
        .iter()
        .map(|l| (l.in_len(), l.out_len(), l.activation))
        .collect()
}

#[test]
fn every_example_model_loads() {
    use Activation::{Identity, Relu};
    let cases: [(&str, &[usize], &[LayerShape]); 6] = [
        ("sample/sample.onnx", &[4], &[(4, 4, Relu), (4, 4, Relu)]),
        ("digits/digits.onnx", &[1, 64], &[(64, 32, Relu), (32, 10, Identity)]),
        (
            "mlp784/mlp784.onnx",
            &[1, 1, 28, 28],
            &[(784, 128, Relu), (128, 10, Identity)],
        ),
        ("testdata/gemm_variants.onnx", &[1, 4], &[(4, 5, Relu), (5, 3, Relu)]),
        // Conv+Relu, AveragePool+Conv+Relu, AveragePool+Gemm.
        (
            "lenet/lenet.onnx",
            &[1, 1, 8, 8],
            &[(64, 256, Relu), (256, 128, Relu), (128, 10, Identity)],
        ),
        // Conv+BN+Relu (rows reordered onto the pool's cosets); MaxPool as a coset max (its
        // layer's function is the identity); Conv+BN+Relu carrying the skip (non-negative: one
        // row); Conv+BN+Add+Relu; GlobalAveragePool+Gemm.
        (
            "rescnn/rescnn.onnx",
            &[1, 1, 8, 8],
            &[
                (64, 256, Relu),
                (256, 64, Identity),
                (64, 128, Relu),
                (128, 64, Relu),
                (64, 10, Identity),
            ],
        ),
    ];
    for (path, input_shape, layers) in cases {
        let m = load_model(&model(path), &QuantizeOptions::default()).unwrap();
        assert_eq!(m.input_shape, input_shape, "{path}");
        assert_eq!(shapes(&m), layers, "{path}");
        // The default: sound for inputs in [0, 1], scale 6 or more (tests/calibration.rs). The
        // residual CNN's sound bounds are loose after five layers (scale 5, B = 16): calibrate it.
        let min_scale = if path.starts_with("rescnn") { 5 } else { 6 };
        assert!(m.scale_bits >= min_scale && m.lookup_bits <= 16, "{path}");
    }
    let sample = load_model(&model("sample/sample.onnx"), &QuantizeOptions::default()).unwrap();
    assert_eq!(sample.name, "sample");
    assert_eq!(sample.layers[0].name, "/lin1/MatMul+/lin1/Add+/relu/Relu");
}

#[test]
fn sample_matches_tract_float_inference() {
    let path = model("sample/sample.onnx");
    let inputs = read_inputs(&model("sample/input.json")).unwrap();
    assert_eq!(inputs, vec![vec![0.09, 0.13, 0.24, 0.05]]);
    let m = load_model(&path, &s8_b12()).unwrap();
    let report = fidelity(&path, &m, &inputs).unwrap();
    println!("sample (s=8, B=12):\n{report}");
    // Two layers of 4 inputs: each rescale adds ≤ 2^-9, weight rounding ≤ 4·2^-9·|x|.
    let tolerance = 4.0 / 256.0;
    assert!(report.max_error() <= tolerance, "{report}");
    assert_eq!(report.argmax_agree, 1);

    // Calibrated on its own input: the first tier (B ≤ 8, s ≥ 6) fits with the 2× margin at s = 6.
    let calibrated = QuantizeOptions {
        calibration: Some(inputs.clone()),
        ..Default::default()
    };
    let c = load_model(&path, &calibrated).unwrap();
    let report = fidelity(&path, &c, &inputs).unwrap();
    println!("sample (calibrated):\n{report}");
    assert_eq!((c.scale_bits, c.lookup_bits), (6, 8));
    assert!(report.max_error() <= 2.0 * tolerance, "{report}");

    // Also on 64 seeded random inputs in [-1, 1].
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let random: Vec<Vec<f32>> = (0..64)
        .map(|_| (0..4).map(|_| rng.gen_range(-1.0..1.0)).collect())
        .collect();
    let report = fidelity(&path, &m, &random).unwrap();
    println!("sample, 64 random inputs:\n{report}");
    assert!(report.max_error() <= tolerance, "{report}");
}

#[test]
fn digits_calibrated_agrees_with_float_on_99_percent_of_the_test_split() {
    let path = model("digits/digits.onnx");
    let calibration = read_inputs(&model("digits/train.json")).unwrap();
    let test = read_dataset(&model("digits/test.json")).unwrap();
    let labels = test.labels.as_deref().unwrap();
    let opts = QuantizeOptions {
        calibration: Some(calibration),
        ..Default::default()
    };
    let m = load_model(&path, &opts).unwrap();
    assert!(
        m.lookup_bits <= 16 && m.lookup_bits > m.scale_bits,
        "{} {}",
        m.scale_bits,
        m.lookup_bits
    );
    let report = fidelity_with_labels(&path, &m, &test.inputs, Some(labels)).unwrap();
    println!("digits (calibrated):\n{report}");
    assert_eq!(report.samples, 540);
    assert!(report.argmax_ratio >= 0.99, "{report}");
    let (fa, qa) = (report.float_accuracy.unwrap(), report.quantized_accuracy.unwrap());
    assert!(fa > 0.95 && (fa - qa).abs() <= 0.01, "{report}");

    // The window [-2, 2) at scale 8 is too small for the digits hidden layer: a clear error naming
    // the layer, never a clamp. (The logits are a wide output, outside the window.)
    let s8_b10 = QuantizeOptions {
        lookup_bits: Some(10),
        ..s8_b12()
    };
    let m = load_model(&path, &s8_b10).unwrap();
    let err = fidelity(&path, &m, &test.inputs).unwrap_err();
    assert!(
        matches!(
            &err,
            OnnxError::Forward {
                source: ForwardError::OutsideWindow { layer: 0, .. },
                ..
            }
        ),
        "{err}"
    );
    // Scale 8 with the lookup bits derived from the calibration data fits.
    let opts = QuantizeOptions {
        scale_bits: Some(8),
        lookup_bits: None,
        calibration: opts.calibration,
        input_range: None,
        until_logits: false,
        pooling: Default::default(),
        conv: Default::default(),
    };
    let m = load_model(&path, &opts).unwrap();
    let report = fidelity(&path, &m, &test.inputs).unwrap();
    println!("digits (s = 8, calibrated B):\n{report}");
    assert!(report.argmax_ratio >= 0.99, "{report}");
}

#[test]
fn mlp784_and_gemm_variants_match_tract() {
    let path = model("mlp784/mlp784.onnx");
    let inputs = read_inputs(&model("mlp784/input.json")).unwrap();
    assert_eq!(inputs[0].len(), 784);
    assert!(inputs[0].iter().all(|v| (0.0..=1.0).contains(v)));
    let opts = QuantizeOptions {
        calibration: Some(inputs.clone()),
        ..Default::default()
    };
    for opts in [QuantizeOptions::default(), opts] {
        let m = load_model(&path, &opts).unwrap();
        let report = fidelity(&path, &m, &inputs).unwrap();
        println!("mlp784:\n{report}");
        // 784 inputs: rounding of weights and rescales stays within 32 steps of the scale.
        assert!(report.max_error() <= 32.0 / f64::from(1u32 << m.scale_bits), "{report}");
        assert_eq!(report.argmax_agree, 1);
    }

    let path = model("testdata/gemm_variants.onnx");
    let inputs = read_inputs(&model("testdata/gemm_variants.json")).unwrap();
    let m = load_model(&path, &s8_b12()).unwrap();
    let report = fidelity(&path, &m, &inputs).unwrap();
    println!("gemm_variants:\n{report}");
    assert!(report.max_error() <= 0.02, "{report}");
}

#[test]
fn quantization_round_trips_within_half_a_step() {
    for path in ["sample/sample.onnx", "digits/digits.onnx", "mlp784/mlp784.onnx"] {
        let float = lower(&model(path)).unwrap();
        for s in [4, 8, 12] {
            let opts = QuantizeOptions {
                scale_bits: Some(s),
                lookup_bits: Some(s + 8),
                ..Default::default()
            };
            let q = load_model(&model(path), &opts).unwrap();
            let (step, bias_step) = ((-f64::from(s)).exp2(), (-2.0 * f64::from(s)).exp2());
            for (fl, ql) in float.layers.iter().zip(&q.layers) {
                for (frow, qrow) in fl.weights.iter().zip(&ql.weights) {
                    for (w, qw) in frow.iter().zip(qrow) {
                        assert!((*qw as f64 * step - w).abs() <= step / 2.0, "{path} s={s} w={w} q={qw}");
                    }
                }
                for (b, qb) in fl.bias.iter().zip(&ql.bias) {
                    assert!(
                        (*qb as f64 * bias_step - b).abs() <= bias_step / 2.0,
                        "{path} s={s} b={b}"
                    );
                }
            }
            let mut rng = ChaCha20Rng::seed_from_u64(u64::from(s));
            for _ in 0..1000 {
                let v: f64 = rng.gen_range(-8.0..8.0);
                assert!((q.dequantize(q.quantize(v)) - v).abs() <= step / 2.0);
            }
        }
    }
}

#[test]
fn unsupported_op_names_op_node_and_supported_list() {
    let err = load_model(&model("testdata/unsupported.onnx"), &QuantizeOptions::default()).unwrap_err();
    let OnnxError::UnsupportedOp { op, node, supported } = &err else {
        panic!("unexpected error: {err}")
    };
    assert_eq!((op.as_str(), node.as_str()), ("Cos", "act/Cos"));
    assert!(supported.contains("MatMul") && supported.contains("Gemm") && supported.contains("Relu"));
    let message = err.to_string();
    assert!(
        message.contains("Cos") && message.contains("act/Cos") && message.contains("Gemm"),
        "{message}"
    );
}

#[test]
fn a_final_softmax_is_refused_or_dropped_on_request() {
    let path = model("testdata/softmax.onnx");
    let err = load_model(&path, &QuantizeOptions::default()).unwrap_err();
    let OnnxError::FinalNormalisation { op, node } = &err else {
        panic!("unexpected error: {err}")
    };
    assert_eq!((op.as_str(), node.as_str()), ("Softmax", "prob/Softmax"));
    assert!(err.to_string().contains("--until-logits"), "{err}");

    let opts = QuantizeOptions {
        until_logits: true,
        ..QuantizeOptions::default()
    };
    let m = load_model(&path, &opts).unwrap();
    assert_eq!(m.dropped.as_deref(), Some("Softmax (node `prob/Softmax`)"));
    assert_eq!((m.layers.len(), m.output_len()), (2, 3));
    // The reference is cut at the same place: it computes the logits, not probabilities (which
    // would sum to 1), and the quantized model agrees with it.
    let x = [0.5f32, -1.0, 0.25, 2.0];
    let logits = FloatReference::load_with(&path, true).unwrap().run(&x).unwrap();
    let probabilities = FloatReference::load(&path).unwrap().run(&x).unwrap();
    assert!((probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    assert!((logits.iter().sum::<f32>() - 1.0).abs() > 1e-3, "{logits:?}");
    let report = fidelity(&path, &m, &[x.to_vec()]).unwrap();
    assert!(report.max_error() < 0.1, "{report:?}");
    // The argmax is the same before and after the softmax.
    let f64s = |v: &[f32]| v.iter().map(|x| f64::from(*x)).collect::<Vec<_>>();
    assert_eq!(
        zkt_eth::onnx::argmax(f64s(&logits)),
        zkt_eth::onnx::argmax(f64s(&probabilities))
    );

    // A graph that does not end in a normalisation: the flag is an error, not silently ignored.
    let err = load_model(&model("sample/sample.onnx"), &opts).unwrap_err();
    assert!(matches!(err, OnnxError::NoFinalNormalisation { .. }), "{err}");
    assert!(err.to_string().contains("leave the flag out"), "{err}");
}

#[test]
fn graphs_outside_the_mlp_subset_are_clear_errors() {
    let load = |p: &str| load_model(&model(p), &QuantizeOptions::default()).unwrap_err();
    // A residual `x + fc(x)` is an affine map of x: one layer, W + I.
    let branch = load_model(&model("testdata/branch.onnx"), &QuantizeOptions::default()).unwrap();
    assert_eq!(branch.layers.len(), 1);
    assert_eq!(branch.layers[0].name, "fc/MatMul+residual/Add");
    // A Relu on the input itself gets an identity layer; a fixed batch of 2 is one flattened input.
    let ok = |p: &str| load_model(&model(p), &QuantizeOptions::default()).unwrap();
    let relu_first = ok("testdata/relu_first.onnx");
    assert_eq!(relu_first.layers[0].activation, zkt_eth::model::Activation::Relu);
    assert_eq!(relu_first.layers[0].name, "first/Relu");
    let batch2 = ok("testdata/batch2.onnx");
    assert_eq!(batch2.input_shape[0], 2);
    let err = load("testdata/dynamic_weights.onnx");
    assert!(
        matches!(&err, OnnxError::NonConstantOperand { op, input, .. } if op == "MatMul" && input == "xt"),
        "{err}"
    );
    println!("{}", load("testdata/dynamic_weights.onnx"));
    // A quotient of two activations is not linear.
    let err = load("testdata/div_branches.onnx");
    assert!(
        matches!(&err, OnnxError::Misplaced { op, reason, .. } if op == "Div" && reason.contains("divides by an activation")),
        "{err}"
    );
    println!("{err}");
}

/// A skip connection around a ReLU, with a skipped tensor that can be negative (the raw input):
/// it rides through the ReLU layer as `x` and `−x` (8 rows for 4 + 4), and the lowering agrees with
/// tract (the self-check inside `lower`) and proves end to end.
#[test]
fn a_skip_connection_around_a_relu_is_carried_through_it() {
    let float = lower(&model("testdata/skip_relu.onnx")).unwrap();
    let shapes: Vec<(usize, usize)> = float.layers.iter().map(|l| (l.out_len(), l.in_len())).collect();
    assert_eq!(
        shapes,
        vec![(12, 4), (4, 12), (3, 4)],
        "h, x, −x; then fc2 + skip; then the head"
    );
    let q = load_model(&model("testdata/skip_relu.onnx"), &QuantizeOptions::default()).unwrap();
    let srs = zkt_eth::srs::Srs::dev(3, zkt_eth::keys::srs_len_for(&q));
    let pk = zkt_eth::keys::ProvingKey::setup(&q, &srs, zkt_eth::keys::Visibility::Public).unwrap();
    let x = zkt_eth::onnx::quantize_input(&q, &[-0.5, 0.25, -1.0, 0.75]).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let out = zkt_eth::prover::prove(&pk, &x, &mut rng).unwrap();
    zkt_eth::verifier::verify(&pk.vk, &out.public, &out.proof.to_bytes()).unwrap();
    // The integer model follows the float one.
    let want = float.forward(&[-0.5, 0.25, -1.0, 0.75]);
    let got = zkt_eth::onnx::dequantize_output(&q, out.trace.output());
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() < 0.1, "{got:?} vs {want:?}");
    }
}

/// `Mul` of two activations becomes an identity layer holding both operands (and everything still
/// needed after it) and a product layer (a Hadamard gate); both models agree with tract (the
/// self-check inside `lower`), and prove and verify end to end with outputs near the float ones.
#[test]
fn a_product_of_two_activations_is_proven() {
    use zkt_eth::model::LayerOp;
    for (path, shapes, input) in [
        // (x·W) ⊙ x: operands 4 + 4 in halves of 8; 4 products.
        (
            "testdata/mul_branches.onnx",
            vec![(16, 4), (4, 16)],
            [0.5f32, 0.25, 1.0, 0.75],
        ),
        // relu(x·W1) = r, then r ⊙ (r·W2) with r carried through the product as r·1 (6 + 6 values
        // in halves of 16), then the head reads both.
        (
            "testdata/gated.onnx",
            vec![(6, 4), (32, 6), (12, 32), (3, 12)],
            [-0.5, 0.25, 1.0, 0.75],
        ),
    ] {
        let float = lower(&model(path)).unwrap();
        let got: Vec<(usize, usize)> = float.layers.iter().map(|l| (l.out_len(), l.in_len())).collect();
        assert_eq!(got, shapes, "{path}");
        let q = prove_matches_tract(path, input, zkt_eth::keys::Visibility::Private);
        let products = q.layers.iter().filter(|l| matches!(l.op, LayerOp::Product { .. }));
        assert_eq!(products.count(), 1);
    }
}

/// `Mul(r, r)` and `Pow(r, 2)` of a ReLU layer's whole output become ONE square layer (a square
/// gate, no operands layer); `Pow` of an affine expression is an identity layer that holds it and
/// a square layer; all three agree with tract and prove end to end; `Pow(r, 3)` is a clear error.
#[test]
fn a_square_of_an_activation_is_one_square_layer() {
    use zkt_eth::model::{Activation, LayerOp};
    for (path, first) in [
        ("testdata/square.onnx", Activation::Relu),
        ("testdata/square_pow.onnx", Activation::Relu),
        ("testdata/square_affine.onnx", Activation::Identity),
    ] {
        let float = lower(&model(path)).unwrap();
        let got: Vec<(usize, usize)> = float.layers.iter().map(|l| (l.out_len(), l.in_len())).collect();
        assert_eq!(got, vec![(8, 4), (8, 8), (3, 8)], "{path}");
        let q = prove_matches_tract(path, [0.5f32, -0.25, 1.0, 0.75], zkt_eth::keys::Visibility::Private);
        assert_eq!(q.layers[0].activation, first, "{path}");
        assert_eq!(q.layers[1].op, LayerOp::Square { len: 8 }, "{path}");
        assert!(
            !q.layers.iter().any(|l| matches!(l.op, LayerOp::Product { .. })),
            "{path}"
        );
    }
    let err = load_model(&model("testdata/cube.onnx"), &QuantizeOptions::default()).unwrap_err();
    assert!(
        matches!(&err, OnnxError::Misplaced { op, reason, .. } if op == "Pow" && reason.contains("only Pow(x, 2)")),
        "{err}"
    );
}

/// Load the CNN at `path` calibrated on `digits/train.json`, with the given pooling.
fn digits_calibrated(
    path: &std::path::Path,
) -> impl Fn(zkt_eth::onnx::quantize::Pooling) -> zkt_eth::model::QuantizedModel + '_ {
    let calibration = read_inputs(&model("digits/train.json")).unwrap();
    move |pooling| {
        let opts = QuantizeOptions {
            calibration: Some(calibration.clone()),
            pooling,
            ..Default::default()
        };
        load_model(path, &opts).unwrap()
    }
}

/// `compile --pool`: LeNet's two 2×2 AveragePools become CosetSum layers with `coset` (the
/// layer before each reordered, window `j`'s values at `j + k·m`), and compose into the next
/// layers with `compose` and `auto` (256 and 128 values, below `AUTO_COSET_POOL`); both agree with
/// tract on the test split like the composed chain (the self-check inside `lower` compares every
/// lowering with tract on probe inputs too). The 28×28 CNN's pools (3,136 and 1,568 values) take
/// the CosetSum path under `auto`, which shrinks its second convolution's matrix fourfold.
#[test]
fn average_pooling_lowers_to_coset_sums() {
    use zkt_eth::model::LayerOp;
    use zkt_eth::onnx::quantize::Pooling;
    let test = read_dataset(&model("digits/test.json")).unwrap();
    let path = model("lenet/lenet.onnx");
    let load = digits_calibrated(&path);
    let shape = |m: &zkt_eth::model::QuantizedModel| -> Vec<(usize, usize, LayerOp)> {
        m.layers.iter().map(|l| (l.out_len(), l.in_len(), l.op)).collect()
    };
    let pooled = load(Pooling::Coset);
    assert_eq!(
        shape(&pooled),
        vec![
            (256, 64, LayerOp::Dense),
            (
                64,
                256,
                LayerOp::CosetSum {
                    in_len: 256,
                    out_len: 64
                }
            ),
            (128, 64, LayerOp::Dense),
            (
                32,
                128,
                LayerOp::CosetSum {
                    in_len: 128,
                    out_len: 32
                }
            ),
            (10, 32, LayerOp::Dense),
        ]
    );
    let composed = load(Pooling::Compose);
    assert_eq!(
        shape(&composed),
        vec![
            (256, 64, LayerOp::Dense),
            (128, 256, LayerOp::Dense),
            (10, 128, LayerOp::Dense)
        ]
    );
    assert_eq!(load(Pooling::Auto), composed);
    for m in [&pooled, &composed] {
        let report = fidelity(&path, m, &test.inputs).unwrap();
        assert!(report.argmax_ratio >= 0.99, "{report}");
    }
    // Without calibration the window comes from the range analysis, which bounds a coset sum as the
    // dense layer it equals (back-substitution runs through it): the same scale and window as the
    // composed lowering.
    let by_range = |pooling: Pooling| {
        let m = load_model(
            &path,
            &QuantizeOptions {
                pooling,
                ..Default::default()
            },
        )
        .unwrap();
        (m.scale_bits, m.lookup_bits)
    };
    assert_eq!(by_range(Pooling::Coset), by_range(Pooling::Compose));
    // And as tightly: the second convolution's bounds (layer 2 pooled, layer 1 composed) are no
    // wider than the composed ones, which interval arithmetic alone through the pool would not give.
    let range = zkt_eth::onnx::quantize::DEFAULT_INPUT_RANGE;
    let s = pooled.scale_bits;
    let pooled_b = zkt_eth::onnx::quantize::interval_bounds(&pooled.layers, s, range).unwrap();
    let composed_b = zkt_eth::onnx::quantize::interval_bounds(&composed.layers, s, range).unwrap();
    let width = |b: (i128, i128)| b.1 - b.0;
    assert!(
        width(pooled_b[3]) <= width(composed_b[2]),
        "{:?} vs {:?}",
        pooled_b[3],
        composed_b[2]
    );
    let cnn28 = zkt_eth::onnx::lower_with(
        &model("testdata/cnn28.onnx"),
        false,
        Pooling::Auto,
        zkt_eth::onnx::quantize::Convolution::Dense,
    )
    .unwrap();
    let ops: Vec<LayerOp> = cnn28.layers.iter().map(|l| l.op).collect();
    assert_eq!(
        ops,
        vec![
            LayerOp::Dense,
            LayerOp::CosetSum {
                in_len: 4096,
                out_len: 784
            },
            LayerOp::Dense,
            LayerOp::CosetSum {
                in_len: 2048,
                out_len: 392
            },
            LayerOp::Dense,
        ]
    );
    assert_eq!(
        cnn28.layers[2].weights.len(),
        2048,
        "conv2: 1,568 rows, padded per window offset"
    );
    assert_eq!(
        cnn28.layers[2].weights[0].len(),
        784,
        "conv2 reads the 784 pooled values"
    );
}

/// `compile --conv`: `auto` lowers cnn28's two convolutions (dense matrices of `2^22` and `2^21`
/// points) by im2col, a Copy layer of the patches and a patch layer of the filters (`F·P'·N`:
/// `2^16` and `2^17`), each pooled through a layout Copy; LeNet's stay dense. Both lowerings agree
/// with tract's float inference, the patch layers' outputs relabelled (`p + P'·f`).
#[test]
fn large_convolutions_lower_by_im2col() {
    use zkt_eth::model::LayerOp;
    use zkt_eth::onnx::quantize::Convolution;
    let lowered = |path: &str, conv| zkt_eth::onnx::lower_with(&model(path), false, Pooling::Auto, conv).unwrap();
    let cnn28 = lowered("testdata/cnn28.onnx", Convolution::Auto);
    let ops: Vec<LayerOp> = cnn28.layers.iter().map(|l| l.op).collect();
    let copy = |in_len, out_len| LayerOp::Copy { in_len, out_len };
    let pool = |in_len, out_len| LayerOp::CosetSum { in_len, out_len };
    assert_eq!(
        ops,
        vec![
            copy(784, 16 * 1024),
            LayerOp::Patch {
                in_len: 16 * 1024,
                out_len: 4 * 1024,
                patches: 784
            },
            copy(4096, 4096),
            pool(4096, 784),
            copy(784, 64 * 256),
            LayerOp::Patch {
                in_len: 64 * 256,
                out_len: 8 * 256,
                patches: 196
            },
            copy(2048, 2048),
            pool(2048, 392),
            LayerOp::Dense,
        ]
    );
    assert_eq!(
        (cnn28.layers[1].weights.len(), cnn28.layers[1].weights[0].len()),
        (4, 16)
    );
    assert_eq!(
        (cnn28.layers[5].weights.len(), cnn28.layers[5].weights[0].len()),
        (8, 64)
    );
    let dense = lowered("testdata/cnn28.onnx", Convolution::Dense);
    let input: Vec<f64> = (0..784).map(|i| ((i * 37) % 101) as f64 / 101.0).collect();
    let (a, b) = (cnn28.forward(&input), dense.forward(&input));
    assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-9), "{a:?} vs {b:?}");
    // LeNet (dense matrices of 2^15 points and below) stays dense under auto.
    let lenet = lowered("lenet/lenet.onnx", Convolution::Auto);
    assert!(!lenet.layers.iter().any(|l| matches!(l.op, LayerOp::Patch { .. })));
    let forced = lowered("lenet/lenet.onnx", Convolution::Im2col);
    assert!(matches!(forced.layers[1].op, LayerOp::Patch { patches: 64, .. }));
}

/// `--conv im2col` on every example and test model with a convolution: it lowers wherever `dense`
/// does (both checked against tract's float inference by the lowering itself). Where no patch layer
/// results (the input is not the state, a tensor is carried, the convolution's output is the
/// model's, a row mixes patches: the pending Copy is undone), the layers are exactly the dense
/// lowering's; where one does, the float models agree on random inputs.
#[test]
fn im2col_lowers_wherever_dense_does() {
    use zkt_eth::model::LayerOp;
    use zkt_eth::onnx::quantize::Convolution;
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let mut cases: Vec<PathBuf> = ["lenet/lenet.onnx", "rescnn/rescnn.onnx"]
        .iter()
        .map(|p| model(p))
        .collect();
    for dir in ["testdata", "testdata/conformance"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(model(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| if p.is_dir() { p.join("model.onnx") } else { p })
            .filter(|p| p.extension().is_some_and(|e| e == "onnx") && p.exists())
            .collect();
        found.sort();
        cases.extend(found);
    }
    let (mut patched, mut same) = (vec![], 0);
    for path in &cases {
        let lower = |conv| zkt_eth::onnx::lower_with(path, false, Pooling::Auto, conv);
        let (dense, im2col) = (lower(Convolution::Dense), lower(Convolution::Im2col));
        let (Ok(dense), Ok(im2col)) = (&dense, &im2col) else {
            assert_eq!(
                dense.is_ok(),
                im2col.is_ok(),
                "{}: {dense:?} vs {im2col:?}",
                path.display()
            );
            continue;
        };
        if !im2col.layers.iter().any(|l| matches!(l.op, LayerOp::Patch { .. })) {
            // The same layers; an undone Copy's coefficients were summed in another order.
            assert_eq!(im2col.layers.len(), dense.layers.len(), "{}", path.display());
            for (a, b) in im2col.layers.iter().zip(&dense.layers) {
                let close = |x: &[f64], y: &[f64]| {
                    x.len() == y.len() && x.iter().zip(y).all(|(p, q)| (p - q).abs() <= 1e-12 * (1.0 + q.abs()))
                };
                assert!(
                    (&a.name, a.op, a.activation, &a.map) == (&b.name, b.op, b.activation, &b.map)
                        && a.weights.len() == b.weights.len()
                        && a.weights.iter().zip(&b.weights).all(|(x, y)| close(x, y))
                        && close(&a.bias, &b.bias),
                    "{}: {} differs",
                    path.display(),
                    a.name
                );
            }
            same += 1;
            continue;
        }
        patched.push(path.file_name().unwrap().to_string_lossy().into_owned());
        for _ in 0..3 {
            let x: Vec<f64> = (0..dense.input_len()).map(|_| rng.gen_range(-1.0..1.0)).collect();
            let (a, b) = (im2col.forward(&x), dense.forward(&x));
            let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            assert!(
                a.iter().zip(&b).all(|(p, q)| (p - q).abs() <= 1e-9 * scale),
                "{}: {a:?} vs {b:?}",
                path.display()
            );
        }
    }
    // LeNet, rescnn (its first convolution; the others read a carried skip tensor), cnn28, cnn28max,
    // and conv_last (a patch layer as the model's last); conv_out and conv_gemm undo their Copy.
    assert_eq!(patched.len(), 5, "{patched:?}");
    assert!(patched.contains(&"conv_last.onnx".to_string()));
    assert!(same > 10);
}

/// `compile --pool` on max pooling: rescnn's 2×2 MaxPool after a ReLU becomes one CosetMax layer
/// under `auto` and `coset` (the layer before reordered, window `j` at `j + k·64`), and the
/// tournament of two ReLU layers under `compose`; both agree with float inference on the test split
/// equally, and the CosetMax model is one layer shorter, its matrices 3× smaller in total.
#[test]
fn max_pooling_lowers_to_a_coset_max() {
    use zkt_eth::model::LayerOp;
    use zkt_eth::onnx::quantize::Pooling;
    let test = read_dataset(&model("digits/test.json")).unwrap();
    let path = model("rescnn/rescnn.onnx");
    let load = digits_calibrated(&path);
    let pooled = load(Pooling::Auto);
    assert_eq!(pooled, load(Pooling::Coset));
    assert_eq!(
        pooled.layers[1].op,
        LayerOp::CosetMax {
            in_len: 256,
            out_len: 64,
            signed: false,
        }
    );
    assert_eq!(pooled.layers.len(), 5);
    let composed = load(Pooling::Compose);
    assert_eq!(composed.layers.len(), 6, "two ReLU layers for the 2×2 tournament");
    assert!(composed.layers.iter().all(|l| l.op == LayerOp::Dense));
    let entries = |m: &zkt_eth::model::QuantizedModel| -> usize {
        m.layers
            .iter()
            .filter_map(|l| l.matrix_log())
            .map(|k| 1usize << k)
            .sum()
    };
    assert!(
        3 * entries(&pooled) <= entries(&composed) + 1,
        "{} vs {}",
        entries(&pooled),
        entries(&composed)
    );
    // The same integer values: a maximum of rescaled values is exact either way (95.56 % argmax
    // agreement at the calibrated s = 6, the README's figure).
    let agreement = |m| fidelity(&path, m, &test.inputs).unwrap().argmax_ratio;
    assert!(agreement(&pooled) >= 0.95);
    assert_eq!(agreement(&pooled), agreement(&composed));
}

/// `GlobalMaxPool`: over 4 positions after a ReLU layer it is one CosetMax layer (window 4), over 16
/// a tree of two (the maxima of 4 groups of 4, laid out by a Copy layer, then their maximum); both
/// agree with tract (the self-check in `lower`) and prove end to end, and `--pool compose` takes
/// the tournament of ReLU layers (one per halving) for both.
#[test]
fn global_max_pooling_is_a_coset_max_or_a_tree_of_them() {
    use zkt_eth::model::LayerOp;
    use zkt_eth::onnx::quantize::Pooling;
    let ops = |path: &str| -> Vec<LayerOp> { lower(&model(path)).unwrap().layers.iter().map(|l| l.op).collect() };
    assert_eq!(
        ops("testdata/global_max.onnx"),
        vec![
            LayerOp::Dense,
            LayerOp::CosetMax {
                in_len: 32,
                out_len: 3,
                signed: false
            },
            LayerOp::Dense
        ]
    );
    assert_eq!(
        ops("testdata/global_max16.onnx"),
        vec![
            LayerOp::Dense,
            LayerOp::CosetMax {
                in_len: 32,
                out_len: 8,
                signed: false
            },
            LayerOp::Copy { in_len: 8, out_len: 32 },
            LayerOp::CosetMax {
                in_len: 32,
                out_len: 2,
                signed: false
            },
            LayerOp::Dense
        ],
        "conv, 8 groups of 4, their layout, 2 windows of 4 partial maxima, head"
    );
    let composed =
        |path: &str| zkt_eth::onnx::lower_with(&model(path), false, Pooling::Compose, Default::default()).unwrap();
    assert_eq!(
        composed("testdata/global_max.onnx").layers.len(),
        4,
        "conv, two halvings of 4, head"
    );
    let tournament = composed("testdata/global_max16.onnx");
    assert_eq!(tournament.layers.len(), 6, "conv, four halvings of 16, head");
    assert!(tournament.layers.iter().all(|l| l.op == LayerOp::Dense));
    for path in ["testdata/global_max.onnx", "testdata/global_max16.onnx"] {
        prove_matches_tract(path, [0.5, -0.25, 1.0, 0.75], zkt_eth::keys::Visibility::Public);
    }
}

/// A max pool whose windows overlap (kernel 2, stride 1) or run over the padding (kernel 2,
/// stride 2, pads 1: border windows of 1 or 2 values) is still one CosetMax layer: a maximum is
/// unchanged by repeating a value, so the layer before gets a row per (window, slot), repeated
/// where a window is short or shares a value. Both agree with tract and prove end to end.
#[test]
fn max_pools_with_overlapping_or_padded_windows_are_coset_maxes() {
    use zkt_eth::model::LayerOp;
    for path in ["testdata/max_overlap.onnx", "testdata/max_padded.onnx"] {
        let float = lower(&model(path)).unwrap();
        let ops: Vec<LayerOp> = float.layers.iter().map(|l| l.op).collect();
        // 2 channels × 3×3 windows of 4 slots: 18 windows on m = 32, so 128 rows before.
        assert_eq!(
            ops,
            vec![
                LayerOp::Dense,
                LayerOp::CosetMax {
                    in_len: 128,
                    out_len: 18,
                    signed: false,
                },
                LayerOp::Dense
            ],
            "{path}"
        );
        assert_eq!(float.layers[0].out_len(), 128, "{path}");
        prove_matches_tract(path, [0.5, -0.25, 1.0, 0.75], zkt_eth::keys::Visibility::Public);
    }
}

/// Pools of tensors that no dense layer can reorder go through a Copy layer: a max pool of a max
/// pool (the second reads a coset max's output), and an average pool of the model input itself
/// (`--pool coset`; `auto` composes a pool this small), proven with a hidden input (a bit-reversed
/// source) against tract.
#[test]
fn pools_of_unreorderable_tensors_use_a_copy() {
    use zkt_eth::model::LayerOp;
    let ops = |path: &str, pooling| -> Vec<LayerOp> {
        let float = zkt_eth::onnx::lower_with(&model(path), false, pooling, Default::default()).unwrap();
        float.layers.iter().map(|l| l.op).collect()
    };
    assert_eq!(
        ops("testdata/pool_pool.onnx", Pooling::Auto),
        vec![
            LayerOp::Dense,
            LayerOp::CosetMax {
                in_len: 32,
                out_len: 8,
                signed: false
            },
            LayerOp::Copy { in_len: 8, out_len: 32 },
            LayerOp::CosetMax {
                in_len: 32,
                out_len: 2,
                signed: false
            },
            LayerOp::Dense
        ]
    );
    let image: Vec<f32> = (0..16).map(|i| ((i * 7) % 11) as f32 / 10.0).collect();
    prove_matches_tract_with(
        "testdata/pool_pool.onnx",
        &image,
        zkt_eth::keys::Visibility::Public,
        Pooling::Auto,
    );
    assert_eq!(ops("testdata/input_pool.onnx", Pooling::Auto), vec![LayerOp::Dense]);
    assert_eq!(
        ops("testdata/input_pool.onnx", Pooling::Coset),
        vec![
            LayerOp::Copy {
                in_len: 64,
                out_len: 64
            },
            LayerOp::CosetSum {
                in_len: 64,
                out_len: 16
            },
            LayerOp::Dense
        ]
    );
    let image: Vec<f32> = (0..64).map(|i| ((i * 5) % 13) as f32 / 12.0).collect();
    for visibility in [zkt_eth::keys::Visibility::Private, zkt_eth::keys::Visibility::Public] {
        prove_matches_tract_with("testdata/input_pool.onnx", &image, visibility, Pooling::Coset);
    }
}

/// Max pools of signed values are signed coset maxes (their differences looked up in the whole
/// window): the model input itself, laid out by a Copy layer; a leaky ReLU's output, whose dense
/// layer is reordered; and a convolution pooled before its activation, materialised by an identity
/// layer. All prove against tract.
#[test]
fn max_pools_of_signed_values_are_signed_coset_maxes() {
    use zkt_eth::model::LayerOp;
    let ops = |path: &str| -> Vec<LayerOp> {
        let float = lower(&model(path)).unwrap();
        float.layers.iter().map(|l| l.op).collect()
    };
    assert_eq!(
        ops("testdata/input_max.onnx"),
        vec![
            LayerOp::Copy {
                in_len: 64,
                out_len: 64
            },
            LayerOp::CosetMax {
                in_len: 64,
                out_len: 16,
                signed: true
            },
            LayerOp::Dense
        ]
    );
    assert_eq!(
        ops("testdata/leaky_max.onnx"),
        vec![
            LayerOp::Dense,
            LayerOp::CosetMax {
                in_len: 32,
                out_len: 8,
                signed: true
            },
            LayerOp::Dense
        ]
    );
    let image: Vec<f32> = (0..64).map(|i| ((i * 5) % 13) as f32 / 6.0 - 1.0).collect();
    for visibility in [zkt_eth::keys::Visibility::Public, zkt_eth::keys::Visibility::Private] {
        prove_matches_tract_with("testdata/input_max.onnx", &image, visibility, Pooling::Auto);
    }
    prove_matches_tract_with(
        "testdata/leaky_max.onnx",
        &image[..16],
        zkt_eth::keys::Visibility::Public,
        Pooling::Auto,
    );
    // A convolution pooled before its ReLU: an identity layer materialises it (in the coset
    // order), a signed coset max pools it, and the ReLU is a layer of its own.
    let conv_max = lower(&model("testdata/conv_max.onnx")).unwrap();
    let ops: Vec<LayerOp> = conv_max.layers.iter().map(|l| l.op).collect();
    assert_eq!(
        ops,
        vec![
            LayerOp::Dense,
            LayerOp::CosetMax {
                in_len: 32,
                out_len: 8,
                signed: true
            },
            LayerOp::Dense,
            LayerOp::Dense
        ]
    );
    assert_eq!(conv_max.layers[0].activation, zkt_eth::onnx::FloatActivation::Identity);
    prove_matches_tract_with(
        "testdata/conv_max.onnx",
        &image[16..32],
        zkt_eth::keys::Visibility::Public,
        Pooling::Auto,
    );
    let tournament = zkt_eth::onnx::lower_with(
        &model("testdata/conv_max.onnx"),
        false,
        Pooling::Compose,
        Default::default(),
    )
    .unwrap();
    assert!(tournament.layers.iter().all(|l| l.op == LayerOp::Dense));
}

/// Compile `path` calibrated on `input`, prove and verify it with `visibility`, and check the
/// proven output against tract's float inference within 16 grid steps; returns the model.
fn prove_matches_tract(
    path: &str,
    input: [f32; 4],
    visibility: zkt_eth::keys::Visibility,
) -> zkt_eth::model::QuantizedModel {
    prove_matches_tract_with(path, &input, visibility, Pooling::Auto)
}

/// [`prove_matches_tract`] for any input length and pooling choice.
fn prove_matches_tract_with(
    path: &str,
    input: &[f32],
    visibility: zkt_eth::keys::Visibility,
    pooling: Pooling,
) -> zkt_eth::model::QuantizedModel {
    let calibration = QuantizeOptions {
        calibration: Some(vec![input.to_vec()]),
        pooling,
        ..QuantizeOptions::default()
    };
    let q = load_model(&model(path), &calibration).unwrap();
    let srs = zkt_eth::srs::Srs::dev(3, zkt_eth::keys::srs_len_for(&q));
    let pk = zkt_eth::keys::ProvingKey::setup(&q, &srs, visibility).unwrap();
    let x = zkt_eth::onnx::quantize_input(&q, input).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let out = zkt_eth::prover::prove(&pk, &x, &mut rng).unwrap();
    zkt_eth::verifier::verify(&pk.vk, &out.public, &out.proof.to_bytes()).unwrap();
    let reference = FloatReference::load(&model(path)).unwrap().run(input).unwrap();
    let got = zkt_eth::onnx::dequantize_output(&q, out.trace.output());
    let step = 2f64.powi(-(q.scale_bits as i32));
    for (g, w) in got.iter().zip(&reference) {
        assert!(
            (g - f64::from(*w)).abs() < 16.0 * step,
            "{path}: {got:?} vs {reference:?}"
        );
    }
    q
}

/// A tensor still needed after a sigmoid rides through it on the odd rows of a mixed layer (the
/// identity there): a skip connection around a sigmoid, and GLU-style gating `a ⊙ σ(b)` (then a
/// product). Both agree with tract (the self-check in `lower`) and prove end to end.
#[test]
fn skip_connections_around_a_sigmoid_use_mixed_layers() {
    for (path, shapes, mixed_at) in [
        // σ(x·W) on even rows, x on odd rows (8 = 2·4); then the Add.
        ("testdata/skip_sigmoid.onnx", vec![(8, 4), (4, 8)], 0),
        // σ(b) on even rows, a on odd rows (16 ≥ 2·5); operands (16); product (5); head.
        ("testdata/glu.onnx", vec![(16, 4), (16, 16), (5, 16), (3, 5)], 0),
        // GELU: erf(h/√2) on even rows, h on odd rows; operands; the product h·(1 + erf); head.
        ("testdata/gelu.onnx", vec![(16, 4), (16, 16), (6, 16), (3, 6)], 0),
    ] {
        let float = lower(&model(path)).unwrap();
        let got: Vec<(usize, usize)> = float.layers.iter().map(|l| (l.out_len(), l.in_len())).collect();
        assert_eq!(got, shapes, "{path}");
        assert!(float.layers[mixed_at].mixed, "{path}");
        let q = prove_matches_tract(path, [0.5, -0.25, 1.0, 0.75], zkt_eth::keys::Visibility::Public);
        assert!(q.layers[mixed_at].mixed, "{path}");
    }
}

/// `Abs` is one ReLU layer with rows `v` and `−v`, read back as their sum.
#[test]
fn abs_is_a_relu_layer_of_both_signs() {
    let float = lower(&model("testdata/abs.onnx")).unwrap();
    let shapes: Vec<(usize, usize)> = float.layers.iter().map(|l| (l.out_len(), l.in_len())).collect();
    assert_eq!(shapes, vec![(12, 4), (3, 12)]);
    prove_matches_tract(
        "testdata/abs.onnx",
        [0.5, -0.25, 1.0, 0.75],
        zkt_eth::keys::Visibility::Public,
    );
}

/// `Mul(h, Sigmoid(h))` (PyTorch's `nn.SiLU`) is one table function, SiLU, whose minimum the
/// range analysis accounts for: the window holds every input in the declared range, and the proof
/// follows tract.
#[test]
fn silu_is_one_table_function() {
    let path = model("testdata/silu.onnx");
    let opts = QuantizeOptions {
        input_range: Some("-1,1".parse().unwrap()),
        ..QuantizeOptions::default()
    };
    let q = load_model(&path, &opts).unwrap();
    assert_eq!(q.layers.len(), 2);
    assert_eq!(q.layers[0].activation, Activation::Silu);
    assert_eq!(q.layers[0].name, "fc1/MatMul+act/Sigmoid+act/Mul");
    let srs = zkt_eth::srs::Srs::dev(3, zkt_eth::keys::srs_len_for(&q));
    let pk = zkt_eth::keys::ProvingKey::setup(&q, &srs, zkt_eth::keys::Visibility::Public).unwrap();
    let input = [-1.0f32, 0.5, -0.25, 1.0];
    let x = zkt_eth::onnx::quantize_input(&q, &input).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let out = zkt_eth::prover::prove(&pk, &x, &mut rng).unwrap();
    zkt_eth::verifier::verify(&pk.vk, &out.public, &out.proof.to_bytes()).unwrap();
    let reference = FloatReference::load(&path).unwrap().run(&input).unwrap();
    let got = zkt_eth::onnx::dequantize_output(&q, out.trace.output());
    for (g, w) in got.iter().zip(&reference) {
        assert!((g - f64::from(*w)).abs() < 0.05, "{got:?} vs {reference:?}");
    }
    // SiLU is not monotone: its bounds on an interval around the minimiser include the minimum.
    let s = q.scale_bits;
    let unit = 1i64 << s;
    let (lo, hi) = Activation::Silu.bounds(-3 * unit, 0, s);
    let true_min = (-3 * unit..=0).map(|v| Activation::Silu.apply(v, s)).min().unwrap();
    assert!(
        lo <= true_min && true_min < Activation::Silu.apply(-3 * unit, s),
        "{lo} {true_min}"
    );
    assert_eq!(hi, 0);
}

#[test]
fn malformed_files_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.onnx");
    assert!(matches!(
        load_model(&missing, &QuantizeOptions::default()),
        Err(OnnxError::Io { .. })
    ));
    assert!(matches!(FloatReference::load(&missing), Err(OnnxError::Io { .. })));

    let file = dir.path().join("bad.onnx");
    std::fs::write(&file, b"").unwrap();
    assert!(matches!(
        load_model(&file, &QuantizeOptions::default()),
        Err(OnnxError::Malformed { .. })
    ));

    let mut rng = ChaCha20Rng::seed_from_u64(7);
    for len in [1, 16, 100, 743, 4096] {
        let bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        std::fs::write(&file, &bytes).unwrap();
        let err = load_model(&file, &QuantizeOptions::default()).unwrap_err();
        println!("{len} random bytes: {err}");
    }

    // Every prefix of the sample model (except the whole file) is refused.
    let sample = std::fs::read(model("sample/sample.onnx")).unwrap();
    for cut in 0..sample.len() {
        std::fs::write(&file, &sample[..cut]).unwrap();
        assert!(
            load_model(&file, &QuantizeOptions::default()).is_err(),
            "prefix of {cut} bytes accepted"
        );
    }
    // A flipped byte in the weights changes the function but must not panic.
    for at in (0..sample.len()).step_by(5) {
        let mut bytes = sample.clone();
        bytes[at] ^= 0x5a;
        std::fs::write(&file, &bytes).unwrap();
        let _ = load_model(&file, &QuantizeOptions::default());
    }

    // Bad input files.
    let json = dir.path().join("input.json");
    std::fs::write(&json, r#"{"inputs": [[1.0]]}"#).unwrap();
    let err = read_inputs(&json).unwrap_err();
    assert!(
        matches!(err, OnnxError::InputFile { .. }) && err.to_string().contains("input_data"),
        "{err}"
    );
    assert!(matches!(
        read_inputs(&dir.path().join("none.json")),
        Err(OnnxError::Io { .. })
    ));

    // A row of the wrong length is an error in fidelity.
    let path = model("sample/sample.onnx");
    let m = load_model(&path, &QuantizeOptions::default()).unwrap();
    let err = fidelity(&path, &m, &[vec![0.1; 4], vec![0.1; 3]]).unwrap_err();
    assert!(matches!(err, OnnxError::InputRow { row: 1, .. }), "{err}");
    // An input outside the window is reported with its sample index, never clamped.
    let err = fidelity(&path, &m, &[vec![100.0; 4]]).unwrap_err();
    assert!(matches!(err, OnnxError::Forward { sample: 0, .. }), "{err}");
}

#[test]
fn test_split_file_has_labels() {
    let test = read_dataset(&model("digits/test.json")).unwrap();
    assert_eq!(test.inputs.len(), 540);
    assert!(test
        .inputs
        .iter()
        .all(|r| r.len() == 64 && r.iter().all(|v| (0.0..=1.0).contains(v))));
    assert_eq!(test.labels.map(|l| l.len()), Some(540));
    assert_eq!(read_inputs(&model("digits/input.json")).unwrap()[0], test.inputs[0]);
}
