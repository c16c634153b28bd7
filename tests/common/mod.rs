//! Shared test fixtures.
#![allow(dead_code)]

use zkt_eth::model::{Activation, DenseLayer, QuantizedModel};

/// A hand-built two-layer model (3 → 5 relu → 2 identity) at scale 2^4, window 2^7.
pub fn model() -> QuantizedModel {
    QuantizedModel {
        name: "toy".into(),
        scale_bits: 4,
        lookup_bits: 8,
        input_shape: vec![1, 3],
        dropped: None,
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
    });
    m.name = "activations".into();
    m
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
