//! Shared test fixtures.
#![allow(dead_code)]

use zkt_eth::model::{Activation, DenseLayer, LayerOp, QuantizedModel};

/// A hand-built two-layer model (3 → 5 relu → 2 identity) at scale 2^4, window 2^7.
pub fn model() -> QuantizedModel {
    QuantizedModel {
        name: "toy".into(),
        scale_bits: 4,
        lookup_bits: 8,
        input_shape: vec![1, 3],
        dropped: None,
        fold_log: zkt_eth::blocks::fold::DEFAULT_FOLD_LOG,
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
                op: Default::default(),
                mixed: false,
                map: vec![],
            },
            DenseLayer {
                name: "l1".into(),
                weights: vec![vec![2, -3, 4, 5, 1], vec![-1, 1, -1, 1, -1]],
                bias: vec![7, -7],
                activation: Activation::Identity,
                op: Default::default(),
                mixed: false,
                map: vec![],
            },
        ],
    }
}

/// Four dense layers on the same domains (8 → 8 ReLU, three times, then 8 → 2 identity): ONE RowSum
/// instance batched by `λ`, with no padding column (8 inputs fill `H_8`), so the four biases share
/// one `[B̂]` in slots 0–3 (`blocks::rowsum::RowSumPlan`). Scale 2^4, window 2^8.
pub fn batched_model() -> QuantizedModel {
    let dense = |k: usize, rows: usize, activation| DenseLayer {
        name: format!("l{k}"),
        weights: (0..rows)
            .map(|i| (0..8).map(|j| ((i * 5 + j * 3 + k * 7) % 11) as i64 - 5).collect())
            .collect(),
        bias: (0..rows).map(|i| (i as i64 * 13 + k as i64 * 29) % 61 - 30).collect(),
        activation,
        op: Default::default(),
        mixed: false,
        map: vec![],
    };
    QuantizedModel {
        name: "batched".into(),
        scale_bits: 4,
        lookup_bits: 9,
        input_shape: vec![1, 8],
        dropped: None,
        fold_log: zkt_eth::blocks::fold::DEFAULT_FOLD_LOG,
        layers: vec![
            dense(0, 8, Activation::Relu),
            dense(1, 8, Activation::Relu),
            dense(2, 8, Activation::Relu),
            dense(3, 2, Activation::Identity),
        ],
    }
}

/// A three-layer model with every table function but the identity and ReLU: tanh, leaky ReLU
/// (α = 0.1), then a final sigmoid (a public output whose padding is σ(0) ≠ 0). Five kinds, so the
/// table has K = 8 kind slots.
pub fn activations_model() -> QuantizedModel {
    let mut m = model();
    m.layers[0].activation = Activation::Tanh;
    m.layers[1].activation = Activation::LeakyRelu { alpha_q16: 6554 };
    m.layers.push(DenseLayer {
        name: "l2".into(),
        weights: vec![vec![5, -4], vec![-3, 6], vec![2, 2]],
        bias: vec![16, -16, 0],
        activation: Activation::Sigmoid,
        op: Default::default(),
        mixed: false,
        map: vec![],
    });
    m.name = "activations".into();
    m
}

/// A product of two activations (a Hadamard gate) between dense layers: layer 0 (identity)
/// writes `a` (3 values) then zero rows to 8, and `b` then zero rows to 8; layer 1 multiplies the
/// halves and applies tanh; layer 2 is a final dense layer. On `[16, −8, 24]`: `a = (16, −8, 4)`,
/// `b = (24, 28, 8)`, products `(24, −14, 2)` at scale 2^4, inside the window. The table has
/// identity, ReLU and tanh: K = 4.
pub fn product_model() -> QuantizedModel {
    let mut rows = vec![vec![16, 0, 0], vec![0, 16, 0], vec![8, 8, 0]];
    rows.resize(8, vec![0, 0, 0]);
    rows.extend([vec![0, 0, 16], vec![16, 0, 8], vec![0, -16, 0]]);
    rows.resize(16, vec![0, 0, 0]);
    QuantizedModel {
        name: "product".into(),
        scale_bits: 4,
        lookup_bits: 8,
        input_shape: vec![1, 3],
        dropped: None,
        fold_log: zkt_eth::blocks::fold::DEFAULT_FOLD_LOG,
        layers: vec![
            DenseLayer {
                name: "operands".into(),
                weights: rows,
                bias: vec![0; 16],
                activation: Activation::Identity,
                op: LayerOp::Dense,
                mixed: false,
                map: vec![],
            },
            DenseLayer {
                name: "mul".into(),
                weights: vec![],
                bias: vec![],
                activation: Activation::Tanh,
                op: LayerOp::Product { in_len: 16, out_len: 3 },
                mixed: false,
                map: vec![],
            },
            DenseLayer {
                name: "head".into(),
                weights: vec![vec![16, 8, -8], vec![4, -4, 16]],
                bias: vec![3, -3],
                activation: Activation::Identity,
                op: LayerOp::Dense,
                mixed: false,
                map: vec![],
            },
        ],
    }
}

/// A square of a ReLU layer's whole output (a square gate): layer 0 (ReLU, 5 rows on a domain of
/// 8), layer 1 squares its 5 values and applies tanh, layer 2 is a final dense layer. On
/// `[16, −8, 24]`: `r = (16, 0, 4, 0, 12)` at scale 2^4, squares `(256, 0, 16, 0, 144)` at 2^8,
/// inside the window. The table has identity, ReLU and tanh: K = 4.
pub fn square_model() -> QuantizedModel {
    QuantizedModel {
        name: "square".into(),
        scale_bits: 4,
        lookup_bits: 8,
        input_shape: vec![1, 3],
        dropped: None,
        fold_log: zkt_eth::blocks::fold::DEFAULT_FOLD_LOG,
        layers: vec![
            DenseLayer {
                name: "relu".into(),
                weights: vec![
                    vec![16, 0, 0],
                    vec![0, 16, 0],
                    vec![8, 8, 0],
                    vec![0, 0, -16],
                    vec![0, 0, 8],
                ],
                bias: vec![0, 0, 0, 0, 0],
                activation: Activation::Relu,
                op: LayerOp::Dense,
                mixed: false,
                map: vec![],
            },
            DenseLayer {
                name: "square".into(),
                weights: vec![],
                bias: vec![],
                activation: Activation::Tanh,
                op: LayerOp::Square { len: 5 },
                mixed: false,
                map: vec![],
            },
            DenseLayer {
                name: "head".into(),
                weights: vec![vec![16, 8, -8, 4, 2], vec![4, -4, 16, 0, -2]],
                bias: vec![3, -3],
                activation: Activation::Identity,
                op: LayerOp::Dense,
                mixed: false,
                map: vec![],
            },
        ],
    }
}

/// A coset-sum (pooling) layer with window `w ∈ {2, 4}`: a ReLU layer of `w` blocks of 8 rows
/// (5 real rows, then the zero rows of the block's padding), the mean of each window
/// `{j, j + 8, …}` (a coset-sum gate), then a dense head.
pub fn coset_model(w: usize) -> QuantizedModel {
    let mut rows = vec![];
    let mut bias = vec![];
    for k in 0..w as i64 {
        for j in 0..8i64 {
            if j < 5 {
                rows.push(vec![j - 2 + k, 3 - k * j, 2 * j - k]);
                bias.push(5 * j - 7 * k);
            } else {
                rows.push(vec![0, 0, 0]);
                bias.push(0);
            }
        }
    }
    QuantizedModel {
        name: format!("coset{w}"),
        scale_bits: 4,
        lookup_bits: 8,
        input_shape: vec![1, 3],
        dropped: None,
        fold_log: zkt_eth::blocks::fold::DEFAULT_FOLD_LOG,
        layers: vec![
            DenseLayer {
                name: "conv".into(),
                weights: rows,
                bias,
                activation: Activation::Relu,
                op: LayerOp::Dense,
                mixed: false,
                map: vec![],
            },
            DenseLayer {
                name: "pool".into(),
                weights: vec![],
                bias: vec![],
                activation: Activation::Identity,
                op: LayerOp::CosetSum {
                    in_len: 8 * w,
                    out_len: 5,
                },
                mixed: false,
                map: vec![],
            },
            DenseLayer {
                name: "head".into(),
                weights: vec![vec![16, 8, -8, 4, 0], vec![4, -4, 16, 0, -12]],
                bias: vec![3, -3],
                activation: Activation::Identity,
                op: LayerOp::Dense,
                mixed: false,
                map: vec![],
            },
        ],
    }
}

/// [`coset_model`] with a maximum instead of a mean (the CosetMax block): a `MaxPool` of the
/// ReLU layer's windows `{j, j + 8, …}`.
pub fn coset_max_model(w: usize) -> QuantizedModel {
    let mut model = coset_model(w);
    model.name = format!("cosetmax{w}");
    model.layers[1].op = LayerOp::CosetMax {
        in_len: 8 * w,
        out_len: 5,
        signed: false,
    };
    model
}

/// [`coset_max_model`] over signed values: a leaky ReLU before the pool, and a signed coset max
/// (vk op 6), whose differences are looked up in the identity rows shifted by `−2^(B−1)`.
pub fn signed_coset_max_model(w: usize) -> QuantizedModel {
    let mut model = coset_max_model(w);
    model.name = format!("signedmax{w}");
    model.layers[0].activation = Activation::LeakyRelu { alpha_q16: 1 << 14 };
    model.layers[1].op = LayerOp::CosetMax {
        in_len: 8 * w,
        out_len: 5,
        signed: true,
    };
    model
}

/// Copy layers (the Copy block): the model input copied into a coset layout (with a copied zero
/// and fan-out) and averaged by a CosetSum layer; then a ReLU layer, a coset max of it, a Copy of
/// that max's output into a second coset layout and a coset max over it (pool after pool); then a
/// dense head.
pub fn copy_model() -> QuantizedModel {
    use zkt_eth::model::COPY_ZERO as Z;
    let weightless = |name: &str, op: LayerOp, map: Vec<u32>| DenseLayer {
        name: name.into(),
        weights: vec![],
        bias: vec![],
        activation: Activation::Identity,
        op,
        mixed: false,
        map,
    };
    // Windows of 2 over the input: (x0, x1), (x2, 0), (x1, x2) at j, j + 8.
    let mut layout = vec![Z; 16];
    for (j, (a, b)) in [(0, 1), (2, Z), (1, 2)].into_iter().enumerate() {
        layout[j] = a;
        layout[j + 8] = b;
    }
    let mut relu = coset_max_model(4);
    let mut layers = vec![
        weightless("input.layout", LayerOp::Copy { in_len: 3, out_len: 16 }, layout),
        weightless("mean", LayerOp::CosetSum { in_len: 16, out_len: 3 }, vec![]),
    ];
    // The ReLU layer of coset_max_model(4) on these 3 means, and its coset max (5 windows).
    layers.push(relu.layers.remove(0));
    layers.push(relu.layers.remove(0));
    // Pool after pool: windows (0, 1), (2, 3), (4, 4) of the 5 maxima.
    let mut second = vec![Z; 16];
    for (j, (a, b)) in [(0, 1), (2, 3), (4, 4)].into_iter().enumerate() {
        second[j] = a;
        second[j + 8] = b;
    }
    layers.push(weightless(
        "max.layout",
        LayerOp::Copy { in_len: 5, out_len: 16 },
        second,
    ));
    layers.push(weightless(
        "max2",
        LayerOp::CosetMax {
            in_len: 16,
            out_len: 3,
            signed: false,
        },
        vec![],
    ));
    layers.push(DenseLayer {
        name: "head".into(),
        weights: vec![vec![3, -1, 2], vec![-2, 4, 1]],
        bias: vec![5, -5],
        activation: Activation::Identity,
        op: LayerOp::Dense,
        mixed: false,
        map: vec![],
    });
    QuantizedModel {
        name: "copy".into(),
        layers,
        ..relu
    }
}

/// A mixed layer (a skip connection around a sigmoid): layer 0 has 8 rows, sigmoid on the even
/// ones and the identity on the odd ones (which carry values past it), then a dense head. The
/// table has identity, ReLU and sigmoid: K = 4.
pub fn mixed_model() -> QuantizedModel {
    QuantizedModel {
        name: "mixed".into(),
        scale_bits: 4,
        lookup_bits: 8,
        input_shape: vec![1, 3],
        dropped: None,
        fold_log: zkt_eth::blocks::fold::DEFAULT_FOLD_LOG,
        layers: vec![
            DenseLayer {
                name: "gate".into(),
                weights: (0..8).map(|i| vec![i - 3, 2 * (i % 3) - 2, 5 - i]).collect(),
                bias: (0..8).map(|i| 7 * i - 20).collect(),
                activation: Activation::Sigmoid,
                op: LayerOp::Dense,
                mixed: true,
                map: vec![],
            },
            DenseLayer {
                name: "head".into(),
                weights: vec![vec![3, -1, 2, 4, -2, 1, 1, 5], vec![-4, 2, 2, -1, 3, 0, -3, 1]],
                bias: vec![5, -5],
                activation: Activation::Identity,
                op: LayerOp::Dense,
                mixed: false,
                map: vec![],
            },
        ],
    }
}

/// The repository root (the tests' working directory for the CLI).
pub fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the `zkt-eth` binary from the repository root, with the pinned toolchain on `PATH`.
pub fn cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_zkt-eth"))
        .args(args)
        .current_dir(root())
        .env(
            "PATH",
            format!(
                "{}:{}",
                root().join("node_modules/.bin").display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .expect("run zkt-eth")
}

/// A command's stderr as text.
pub fn stderr_of(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `bytes` with its last word (the inversion hint) recomputed for `public`, as anyone can: what a
/// tamperer sends, so that a test of a tampered statement reaches the pairing check.
pub fn rehint(vk: &zkt_eth::keys::VerifyingKey, public: &zkt_eth::protocol::Public, bytes: &[u8]) -> Vec<u8> {
    use zkt_eth::protocol::{inversion_hint, ClaimCx, Layout};
    let layout = Layout::new(vk);
    let mut proof = zkt_eth::proof::Proof::from_bytes(bytes, &layout).expect("a decodable proof");
    let ch = zkt_eth::verifier::replay(vk, &layout, public, &proof);
    let cx = ClaimCx::new(vk, &layout, public, &proof.evals, &ch).expect("a non-degenerate ζ");
    proof.inverse = inversion_hint(&cx).expect("non-zero denominators");
    proof.to_bytes()
}

/// A 1-D convolution by im2col (`LayerOp::Patch`): the input's 5 values, a Copy layer laying out
/// the 5 patches of 3 taps (padding 1) at `[8p, 8p + 8)` of `H_64`, a patch layer of 2 filters
/// (output `p + 8·f`, ReLU), then a dense head over the 10 real outputs. Scale 2^4, window 2^8.
pub fn patch_model() -> QuantizedModel {
    use zkt_eth::model::COPY_ZERO as Z;
    let mut map = vec![Z; 64];
    for p in 0..5i64 {
        for t in 0..3i64 {
            let at = p + t - 1;
            if (0..5).contains(&at) {
                map[(t + 8 * p) as usize] = at as u32;
            }
        }
    }
    let mut head = vec![vec![0i64; 16]; 2];
    for (i, row) in head.iter_mut().enumerate() {
        for p in 0..5 {
            row[p] = (p as i64 + i as i64) % 3 - 1;
            row[p + 8] = 2 - (p as i64 * (i as i64 + 1)) % 4;
        }
    }
    QuantizedModel {
        name: "patch".into(),
        scale_bits: 4,
        lookup_bits: 8,
        input_shape: vec![1, 1, 5],
        dropped: None,
        fold_log: zkt_eth::blocks::fold::DEFAULT_FOLD_LOG,
        layers: vec![
            DenseLayer {
                name: "conv.im2col".into(),
                weights: vec![],
                bias: vec![],
                activation: Activation::Identity,
                op: LayerOp::Copy { in_len: 5, out_len: 64 },
                mixed: false,
                map,
            },
            DenseLayer {
                name: "conv".into(),
                weights: vec![vec![3, -2, 5, 0, 0, 0, 0, 0], vec![-4, 6, 1, 0, 0, 0, 0, 0]],
                bias: vec![20, -12],
                activation: Activation::Relu,
                op: LayerOp::Patch {
                    in_len: 64,
                    out_len: 16,
                    patches: 5,
                },
                mixed: false,
                map: vec![],
            },
            DenseLayer {
                name: "head".into(),
                weights: head,
                bias: vec![7, -9],
                activation: Activation::Identity,
                op: LayerOp::Dense,
                mixed: false,
                map: vec![],
            },
        ],
    }
}
