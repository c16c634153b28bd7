//! zkt-eth: prove ONNX model inference with KZG on BN254 and verify it on Ethereum.
#![forbid(unsafe_code)]

pub mod model;
pub mod onnx;
pub mod srs;
pub mod field;
pub mod kzg;
pub mod poly;
pub mod transcript;
pub mod toolchain;
pub mod chain;
pub mod accumulate;
pub mod blocks;
pub mod keys;
pub mod proof;
pub mod protocol;
pub mod prover;
pub mod verifier;
pub mod solidity;
pub mod calldata;
pub mod artifacts;
pub mod cli;
