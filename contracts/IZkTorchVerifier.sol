// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

/// @title IZkTorchVerifier
/// @notice On-chain verifier of a zkt-eth proof that a fixed, quantized ML model maps `inputs`
///         to `outputs`. Proofs are KZG-based over BN254; each deployed verifier is bound to
///         one model through its verifying key (see `vkDigest`).
/// @dev Implementations are generated per model into `contracts/generated/`. Inputs and
///      outputs are fixed-point integers: a real value `x` is encoded as
///      `round(x * 2**scaleBits())`, reduced into the BN254 scalar field by the verifier.
///      An invalid proof never makes `verify` return false: it reverts with a custom error
///      that names the check that failed (e.g. a pairing or an opening check), so callers can
///      tell a bad proof apart from malformed calldata.
interface IZkTorchVerifier {
    /// @notice Verifies a proof of `outputs = model(inputs)`.
    /// @param proof The serialized proof, as produced by `zkt-eth prove`.
    /// @param inputs The model inputs, fixed-point with `scaleBits()` fractional bits; empty for a
    ///        private input; the commitment's x, y for a committed input (see `inputVisibility`).
    /// @param outputs The claimed model outputs, fixed-point with `scaleBits()` fractional bits.
    /// @return True when the proof is valid. Invalid proofs revert with a custom error naming
    ///         the failed check; this function never returns false for an invalid proof.
    function verify(bytes calldata proof, int256[] calldata inputs, int256[] calldata outputs)
        external
        view
        returns (bool);

    /// @notice Number of fractional bits of the fixed-point encoding of inputs and outputs.
    /// @return The scale exponent: a real value `x` is encoded as `round(x * 2**scaleBits())`.
    function scaleBits() external view returns (uint256);

    /// @notice Digest of the verifying key this verifier is bound to.
    /// @dev Identifies the model (architecture, weights and setup) that proofs are checked
    ///      against; `zkt-eth` prints the same digest for a verifying key file.
    /// @return The verifying-key digest.
    function vkDigest() external view returns (bytes32);

    /// @notice Whether the verifying key comes from an insecure, publicly seeded setup.
    /// @dev True for verifiers generated from `zkt-eth setup --dev`: anyone who knows the public
    ///      seed can forge proofs that this verifier accepts. Such a verifier belongs on a local
    ///      dev chain only; consumers should refuse it (see `MLOracle`'s constructor).
    /// @return True when proofs for this verifier can be forged by anyone.
    function insecureSrs() external view returns (bool);

    /// @notice How the model input enters the statement.
    /// @dev 0: private, bound to nothing (a proof says "some input gives these outputs": a consumer
    ///      cannot tell which input, and should not key anything by it); 1: public (`inputs` are the
    ///      model inputs); 2: committed (`inputs` are the two words x, y of a hiding commitment to
    ///      the input that its owner published, `zkt-eth commit-input`: the proof says "the input
    ///      behind this commitment gives these outputs").
    /// @return The visibility code.
    function inputVisibility() external view returns (uint8);

    /// @notice Number of words `verify` expects in `inputs` (model inputs, 0, or 2).
    /// @return The input count.
    function inputCount() external view returns (uint256);

    /// @notice Number of words `verify` expects in `outputs`.
    /// @return The output count.
    function outputCount() external view returns (uint256);
}
