// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

import {IZkTorchVerifier} from "./IZkTorchVerifier.sol";

/// @title MLOracle
/// @notice Example consumer of an `IZkTorchVerifier`: records the class (argmax of the model
///         outputs) of inputs whose inference was proven, so other contracts can rely on it.
/// @dev Anyone may submit; only results the verifier accepts are recorded. A record is keyed by
///      `keccak256(abi.encodePacked(inputs))` (see `hashInputs`): the model inputs themselves for a
///      public-input verifier, or the input commitment (x, y) for a committed-input verifier, which
///      its data owner published (`zkt-eth commit-input`). A private-input verifier (input bound to
///      nothing: every proof has the same empty `inputs`) is refused, since any prover could then
///      record any reachable class under one key. A verifier from an insecure `--dev` setup is
///      refused unless the deployer passes `allowInsecure`.
///
///      Replay semantics: the FIRST proven result for a key is final. A later submission for a
///      recorded key reverts with `AlreadyClassified`, even with a valid proof. For the verifiers
///      this oracle accepts every valid proof for one key proves the same outputs (a deterministic
///      model applied to public inputs, or to the one input a binding commitment opens to), so
///      first-proven never hides a different answer; it keeps the original submitter and block.
contract MLOracle {
    /// @notice A recorded classification.
    /// @param label The argmax index of the proven outputs (first index on ties).
    /// @param blockNumber The block in which the result was recorded.
    /// @param submitter The account that submitted the proof.
    struct Classification {
        uint256 label;
        uint64 blockNumber;
        address submitter;
    }

    /// @notice The verifier every submission is checked against.
    IZkTorchVerifier public immutable verifier;
    /// @notice True when the verifier reported an insecure (`--dev`) setup and the deployer
    ///         accepted it explicitly: anyone can forge the results this oracle records.
    bool public immutable insecureVerifier;
    /// @notice The verifier's `inputVisibility()`: 1 (public inputs) or 2 (committed input).
    uint8 public immutable inputVisibility;

    mapping(bytes32 inputHash => Classification) private _classifications;

    /// @notice Emitted when a proven classification is recorded.
    /// @param inputHash `keccak256(abi.encodePacked(inputs))`: of the inputs, or of the commitment.
    /// @param submitter The account that submitted the proof.
    /// @param label The argmax index of `outputs`.
    /// @param outputs The proven model outputs.
    event Classified(
        bytes32 indexed inputHash, address indexed submitter, uint256 label, int256[] outputs
    );

    /// @notice The verifier rejected the proof (it reverted or returned false).
    error UnverifiedResult();
    /// @notice A submission had no outputs, so there is no class to record.
    error EmptyOutputs();
    /// @notice No classification has been recorded for this input hash.
    /// @param inputHash The queried input hash.
    error UnknownInput(bytes32 inputHash);
    /// @notice The verifier address given to the constructor holds no code.
    /// @param verifier The rejected address.
    error VerifierNotAContract(address verifier);
    /// @notice The verifier reports an insecure setup (or cannot say), and `allowInsecure` was
    ///         false: anyone could forge the proofs it accepts.
    /// @param verifier The rejected verifier.
    error InsecureVerifier(address verifier);
    /// @notice The verifier's input is private and bound to nothing (or it cannot say): its
    ///         proofs name no input, so there is nothing to key a record by.
    /// @param verifier The rejected verifier.
    error UnboundInputs(address verifier);
    /// @notice A result is already recorded for this key (first proven is final).
    /// @param inputHash The key.
    error AlreadyClassified(bytes32 inputHash);

    /// @param verifier_ The deployed verifier for the model this oracle serves.
    /// @param allowInsecure Accept a verifier whose `insecureSrs()` is true (or that does not
    ///        answer it). Only for local testing: its results can be forged by anyone.
    constructor(IZkTorchVerifier verifier_, bool allowInsecure) {
        // A call to an address without code would make the try/catch below revert with empty
        // data instead of `UnverifiedResult`, so reject such verifiers up front.
        if (address(verifier_).code.length == 0) revert VerifierNotAContract(address(verifier_));
        // A verifier that cannot show a secure setup counts as insecure.
        bool insecure = true;
        try verifier_.insecureSrs() returns (bool flag) {
            insecure = flag;
        } catch {}
        if (insecure && !allowInsecure) revert InsecureVerifier(address(verifier_));
        // Only inputs that are public or committed name what was classified.
        uint8 visibility = 0;
        try verifier_.inputVisibility() returns (uint8 v) {
            visibility = v;
        } catch {}
        if (visibility != 1 && visibility != 2) revert UnboundInputs(address(verifier_));
        verifier = verifier_;
        insecureVerifier = insecure;
        inputVisibility = visibility;
    }

    /// @notice Submits a proven inference; records and emits its class when the proof is valid and
    ///         nothing is recorded for its key yet (first proven is final).
    /// @param proof The zkt-eth proof.
    /// @param inputs The model inputs (fixed-point, see `IZkTorchVerifier.scaleBits`), or the
    ///        input commitment's x, y for a committed-input verifier.
    /// @param outputs The model outputs (fixed-point).
    /// @return inputHash The key under which the classification is recorded.
    /// @return label The argmax index of `outputs`.
    function submit(bytes calldata proof, int256[] calldata inputs, int256[] calldata outputs)
        external
        returns (bytes32 inputHash, uint256 label)
    {
        if (outputs.length == 0) revert EmptyOutputs();
        inputHash = keccak256(abi.encodePacked(inputs));
        if (_classifications[inputHash].blockNumber != 0) revert AlreadyClassified(inputHash);
        try verifier.verify(proof, inputs, outputs) returns (bool ok) {
            if (!ok) revert UnverifiedResult();
        } catch {
            revert UnverifiedResult();
        }
        label = argmax(outputs);
        _classifications[inputHash] = Classification({
            label: label, blockNumber: uint64(block.number), submitter: msg.sender
        });
        emit Classified(inputHash, msg.sender, label, outputs);
    }

    /// @notice Returns the recorded classification of `inputHash`.
    /// @dev Reverts with `UnknownInput` when nothing was recorded for it.
    /// @param inputHash `keccak256(abi.encodePacked(inputs))`.
    /// @return The recorded classification.
    function classification(bytes32 inputHash) external view returns (Classification memory) {
        Classification memory c = _classifications[inputHash];
        if (c.blockNumber == 0) revert UnknownInput(inputHash);
        return c;
    }

    /// @notice Returns the recorded class of `inputs`.
    /// @dev Reverts with `UnknownInput` when nothing was recorded for these inputs.
    /// @param inputs The model inputs.
    /// @return The argmax label recorded for `inputs`.
    function labelOf(int256[] calldata inputs) external view returns (uint256) {
        bytes32 h = hashInputs(inputs);
        Classification memory c = _classifications[h];
        if (c.blockNumber == 0) revert UnknownInput(h);
        return c.label;
    }

    /// @notice Whether a classification is recorded for `inputHash`.
    /// @param inputHash `keccak256(abi.encodePacked(inputs))`.
    /// @return True when a proven result was recorded.
    function isClassified(bytes32 inputHash) external view returns (bool) {
        return _classifications[inputHash].blockNumber != 0;
    }

    /// @notice The key used for `inputs`: `keccak256(abi.encodePacked(inputs))`.
    /// @param inputs The model inputs.
    /// @return The input hash.
    function hashInputs(int256[] calldata inputs) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(inputs));
    }

    /// @notice Index of the largest output; the first such index on ties.
    /// @param outputs A non-empty list of outputs.
    /// @return best The argmax index.
    function argmax(int256[] calldata outputs) public pure returns (uint256 best) {
        if (outputs.length == 0) revert EmptyOutputs();
        int256 bestValue = outputs[0];
        for (uint256 i = 1; i < outputs.length; ++i) {
            if (outputs[i] > bestValue) {
                bestValue = outputs[i];
                best = i;
            }
        }
    }
}
