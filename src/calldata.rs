//! ABI encoding of `IZkTorchVerifier.verify(bytes proof, int256[] inputs, int256[] outputs)`.

use crate::field::fr_to_i64;
use crate::protocol::Public;
use alloy::primitives::I256;
use alloy::sol_types::SolCall;

alloy::sol! {
    /// The stable verifier interface (contracts/IZkTorchVerifier.sol).
    interface IZkTorchVerifier {
        function verify(bytes proof, int256[] inputs, int256[] outputs) external view returns (bool);
        function scaleBits() external view returns (uint256);
        function vkDigest() external view returns (bytes32);
        function insecureSrs() external view returns (bool);
    }
}

/// Public values as signed integers (they are always small: inside the lookup window).
pub fn public_ints(public: &Public) -> (Vec<i64>, Vec<i64>) {
    let f = |v: &[ark_bn254::Fr]| v.iter().map(|x| fr_to_i64(*x).unwrap_or(i64::MAX)).collect();
    (f(&public.inputs), f(&public.outputs))
}

/// The `int256[] inputs` argument of `verify` for a statement: the public inputs, or for a
/// committed input the commitment's `x`, `y` (both below the base-field modulus, so positive).
pub fn abi_inputs(public: &Public) -> Vec<I256> {
    match &public.commitment {
        Some(c) => commitment_words(c),
        None => public_ints(public).0.into_iter().map(int).collect(),
    }
}

/// `x`, `y` of a commitment as `int256` words.
pub fn commitment_words(c: &ark_bn254::G1Affine) -> Vec<I256> {
    crate::field::g1_to_words(c)
        .iter()
        .map(|w| I256::from_raw(alloy::primitives::U256::from_be_bytes(*w)))
        .collect()
}

fn int(x: i64) -> I256 {
    I256::try_from(x).unwrap_or_default()
}

/// The calldata of `verify(proof, inputs, outputs)`.
pub fn encode_verify(proof: &[u8], inputs: &[i64], outputs: &[i64]) -> Vec<u8> {
    encode_verify_abi(proof, &inputs.iter().map(|x| int(*x)).collect::<Vec<_>>(), outputs)
}

/// [`encode_verify`] with the `inputs` words as given ([`abi_inputs`]).
pub fn encode_verify_abi(proof: &[u8], inputs: &[I256], outputs: &[i64]) -> Vec<u8> {
    IZkTorchVerifier::verifyCall {
        proof: proof.to_vec().into(),
        inputs: inputs.to_vec(),
        outputs: outputs.iter().map(|x| int(*x)).collect(),
    }
    .abi_encode()
}

alloy::sol! {
    /// The example consumer (contracts/MLOracle.sol).
    interface IMLOracle {
        function submit(bytes proof, int256[] inputs, int256[] outputs) external returns (bytes32 inputHash, uint256 label);
    }
}

/// The calldata of `MLOracle.submit(proof, inputs, outputs)` (`inputs` as [`abi_inputs`]).
pub fn encode_submit(proof: &[u8], inputs: &[I256], outputs: &[i64]) -> Vec<u8> {
    IMLOracle::submitCall {
        proof: proof.to_vec().into(),
        inputs: inputs.to_vec(),
        outputs: outputs.iter().map(|x| int(*x)).collect(),
    }
    .abi_encode()
}

/// The creation code of `MLOracle(verifier, allowInsecure)`: `bytecode` (the compiled creation
/// code) followed by the ABI-encoded constructor arguments.
pub fn oracle_creation_code(bytecode: &[u8], verifier: alloy::primitives::Address, allow_insecure: bool) -> Vec<u8> {
    let mut code = bytecode.to_vec();
    code.extend_from_slice(&[0u8; 12]);
    code.extend_from_slice(verifier.as_slice());
    let mut flag = [0u8; 32];
    flag[31] = u8::from(allow_insecure);
    code.extend_from_slice(&flag);
    code
}
