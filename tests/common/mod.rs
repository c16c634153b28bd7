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
