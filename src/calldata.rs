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

/// The calldata of `verify(proof, inputs, outputs)`.
pub fn encode_verify(proof: &[u8], inputs: &[i64], outputs: &[i64]) -> Vec<u8> {
    let ints = |v: &[i64]| v.iter().map(|x| I256::try_from(*x).unwrap_or_default()).collect();
    IZkTorchVerifier::verifyCall {
        proof: proof.to_vec().into(),
        inputs: ints(inputs),
        outputs: ints(outputs),
    }
    .abi_encode()
}

alloy::sol! {
    /// The example consumer (contracts/MLOracle.sol).
    interface IMLOracle {
        function submit(bytes proof, int256[] inputs, int256[] outputs) external returns (bytes32 inputHash, uint256 label);
    }
}

/// The calldata of `MLOracle.submit(proof, inputs, outputs)`.
pub fn encode_submit(proof: &[u8], inputs: &[i64], outputs: &[i64]) -> Vec<u8> {
    let ints = |v: &[i64]| v.iter().map(|x| I256::try_from(*x).unwrap_or_default()).collect();
    IMLOracle::submitCall {
        proof: proof.to_vec().into(),
        inputs: ints(inputs),
        outputs: ints(outputs),
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
