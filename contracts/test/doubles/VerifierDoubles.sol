// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

import {IZkTorchVerifier} from "../../IZkTorchVerifier.sol";

/// @title HashCheckVerifierDouble
/// @notice TEST DOUBLE ONLY, NOT A VERIFIER: stands in for a generated zkt-eth verifier in
///         MLOracle tests until real fixtures exist. It checks no proof: a "proof" is accepted
///         when it is exactly `keccak256(abi.encode(inputs, outputs))`, so anyone can forge one.
/// @dev Mirrors the real verifiers' error convention: a rejected proof reverts with a custom
///      error naming the failed check.
contract HashCheckVerifierDouble is IZkTorchVerifier {
    /// @notice The "proof" is not 32 bytes long.
    /// @param length The length received.
    error MalformedProof(uint256 length);
    /// @notice The "proof" is not the hash of the public inputs and outputs.
    error HashCheckFailed();

    /// @notice The fake proof this double accepts for `inputs` and `outputs`.
    /// @param inputs The model inputs.
    /// @param outputs The model outputs.
    /// @return The 32-byte "proof".
    function fakeProof(int256[] calldata inputs, int256[] calldata outputs)
        external
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(keccak256(abi.encode(inputs, outputs)));
    }

    /// @inheritdoc IZkTorchVerifier
    function verify(bytes calldata proof, int256[] calldata inputs, int256[] calldata outputs)
        external
        pure
        returns (bool)
    {
        if (proof.length != 32) revert MalformedProof(proof.length);
        // casting to 'bytes32' is safe because the length was checked to be exactly 32
        // forge-lint: disable-next-line(unsafe-typecast)
        if (bytes32(proof) != keccak256(abi.encode(inputs, outputs))) revert HashCheckFailed();
        return true;
    }

    /// @inheritdoc IZkTorchVerifier
    function scaleBits() external pure returns (uint256) {
        return 8;
    }

    /// @inheritdoc IZkTorchVerifier
    function vkDigest() external pure returns (bytes32) {
        return keccak256("HashCheckVerifierDouble");
    }

    /// @inheritdoc IZkTorchVerifier
    /// @dev True: anyone can forge the double's "proofs", like those of a `--dev` verifier.
    function insecureSrs() external pure returns (bool) {
        return true;
    }

    /// @inheritdoc IZkTorchVerifier
    /// @dev 1: public inputs, like a verifier set up with `--visibility public`.
    function inputVisibility() external pure returns (uint8) {
        return 1;
    }

    /// @inheritdoc IZkTorchVerifier
    function inputCount() external pure returns (uint256) {
        return 0;
    }

    /// @inheritdoc IZkTorchVerifier
    function outputCount() external pure returns (uint256) {
        return 0;
    }
}

/// @title FalseReturningVerifierDouble
/// @notice TEST DOUBLE ONLY: a misbehaving verifier that returns false instead of reverting,
///         used to check that consumers treat `false` as a rejection too. It claims a secure
///         setup (`insecureSrs()` is false), so consumers accept it without an insecure flag.
contract FalseReturningVerifierDouble is IZkTorchVerifier {
    /// @inheritdoc IZkTorchVerifier
    function verify(bytes calldata, int256[] calldata, int256[] calldata)
        external
        pure
        returns (bool)
    {
        return false;
    }

    /// @inheritdoc IZkTorchVerifier
    function scaleBits() external pure returns (uint256) {
        return 8;
    }

    /// @inheritdoc IZkTorchVerifier
    function vkDigest() external pure returns (bytes32) {
        return keccak256("FalseReturningVerifierDouble");
    }

    /// @inheritdoc IZkTorchVerifier
    function insecureSrs() external pure returns (bool) {
        return false;
    }

    /// @inheritdoc IZkTorchVerifier
    /// @dev 1: public inputs, like a verifier set up with `--visibility public`.
    function inputVisibility() external pure returns (uint8) {
        return 1;
    }

    /// @inheritdoc IZkTorchVerifier
    function inputCount() external pure returns (uint256) {
        return 0;
    }

    /// @inheritdoc IZkTorchVerifier
    function outputCount() external pure returns (uint256) {
        return 0;
    }
}
