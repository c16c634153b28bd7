//! zkt-eth: prove ONNX model inference with KZG on BN254 and verify it on Ethereum.
#![forbid(unsafe_code)]

pub mod accumulate;
pub mod artifacts;
pub mod blocks;
pub mod calldata;
pub mod ceremony;
pub mod chain;
pub mod cli;
pub mod commitment;
pub mod field;
pub mod keys;
pub mod kzg;
pub mod lookup_table;
pub mod model;
pub mod msm;
pub mod onnx;
pub mod poly;
pub mod progress;
pub mod proof;
pub mod protocol;
pub mod prover;
pub mod resources;
pub mod shplonk;
pub mod solidity;
pub mod srs;
pub mod sumcheck;
pub mod toolchain;
pub mod transcript;
pub mod verifier;
pub mod vk_check;
