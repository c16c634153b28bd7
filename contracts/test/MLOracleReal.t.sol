// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {IZkTorchVerifier} from "../IZkTorchVerifier.sol";
import {MLOracle} from "../MLOracle.sol";
import {Mlp784Verifier} from "../generated/Mlp784Verifier.sol";
import {SampleVerifier} from "../generated/SampleVerifier.sol";
import {FixtureTest} from "./ModelVerifier.t.sol";

/// @notice MLOracle bound to the real generated SampleVerifier (and Mlp784Verifier, a private
///         input it refuses), fed with the committed proof fixtures (script/gen-fixtures.sh).
contract MLOracleRealTest is FixtureTest {
    event Classified(
        bytes32 indexed inputHash, address indexed submitter, uint256 label, int256[] outputs
    );

    SampleVerifier internal verifier;
    MLOracle internal oracle;

    function setUp() public {
        verifier = new SampleVerifier();
        oracle = new MLOracle(IZkTorchVerifier(address(verifier)), true);
    }

    function _sample() internal view returns (Fixture memory) {
        return _fixture(_read("sample/fixture.json"));
    }

    function _assertNotRecorded(MLOracle o, int256[] memory inputs, string memory what) internal {
        bytes32 h = o.hashInputs(inputs);
        vm.assertFalse(o.isClassified(h), string.concat(what, ": recorded"));
        vm.expectRevert(abi.encodeWithSelector(MLOracle.UnknownInput.selector, h));
        o.labelOf(inputs);
    }

    /// @dev The fixtures come from a `--dev` setup: the verifier says so and the oracle refuses
    ///      it unless told to accept an insecure verifier.
    function test_DevVerifierIsInsecureAndRefusedWithoutFlag() public {
        vm.assertTrue(verifier.insecureSrs(), "dev SRS verifier reports insecure");
        vm.assertTrue(oracle.insecureVerifier(), "oracle records it");
        vm.expectRevert(
            abi.encodeWithSelector(MLOracle.InsecureVerifier.selector, address(verifier))
        );
        new MLOracle(IZkTorchVerifier(address(verifier)), false);
    }

    function test_ValidSubmitRecordsArgmaxAndEmits() public {
        Fixture memory f = _sample();
        vm.assertEq(oracle.hashInputs(f.inputs), f.inputHash, "input hash: Rust vs Solidity");
        vm.assertEq(oracle.argmax(f.outputs), f.argmax, "argmax: Rust vs Solidity");

        vm.expectEmit(true, true, false, true, address(oracle));
        emit Classified(f.inputHash, address(this), f.argmax, f.outputs);
        (bytes32 inputHash, uint256 label) = oracle.submit(f.proof, f.inputs, f.outputs);
        vm.snapshotGasLastCall("MLOracle.submit (SampleVerifier, valid sample proof)");

        vm.assertEq(inputHash, f.inputHash, "returned input hash");
        vm.assertEq(label, f.argmax, "returned label");
        vm.assertEq(oracle.labelOf(f.inputs), f.argmax, "labelOf");
        vm.assertTrue(oracle.isClassified(inputHash), "isClassified");
        MLOracle.Classification memory c = oracle.classification(inputHash);
        vm.assertEq(c.label, f.argmax, "classification.label");
        vm.assertEq(c.submitter, address(this), "submitter");
        vm.assertEq(uint256(c.blockNumber), block.number, "blockNumber");
    }

    /// @dev Outputs claiming another class (and a one-unit change of the true maximum) are refused.
    function test_WrongOutputsRejected() public {
        Fixture memory f = _sample();
        uint256 other = (f.argmax + 1) % f.outputs.length;
        int256[] memory claimed = new int256[](f.outputs.length);
        for (uint256 i = 0; i < claimed.length; ++i) {
            claimed[i] = f.outputs[i];
        }
        claimed[other] = f.outputs[f.argmax] + 1;
        vm.assertEq(oracle.argmax(claimed), other, "the forged outputs claim another class");
        vm.expectRevert(MLOracle.UnverifiedResult.selector);
        oracle.submit(f.proof, f.inputs, claimed);

        claimed[other] = f.outputs[other];
        claimed[f.argmax] = f.outputs[f.argmax] - 1;
        vm.expectRevert(MLOracle.UnverifiedResult.selector);
        oracle.submit(f.proof, f.inputs, claimed);
        _assertNotRecorded(oracle, f.inputs, "wrong outputs");
    }

    /// @dev The valid proof with any single word flipped is refused.
    function test_TamperedProofRejected() public {
        Fixture memory f = _sample();
        uint256 words = f.proof.length / 32;
        for (uint256 w = 0; w < words; w += 7) {
            vm.expectRevert(MLOracle.UnverifiedResult.selector);
            oracle.submit(_flip(f.proof, w), f.inputs, f.outputs);
        }
        vm.expectRevert(MLOracle.UnverifiedResult.selector);
        oracle.submit(_flip(f.proof, words - 1), f.inputs, f.outputs);
        _assertNotRecorded(oracle, f.inputs, "tampered proof");
    }

    /// @dev Every invalid corpus entry reverts with UnverifiedResult and leaves no record.
    function test_InvalidCorpusEntriesNeverRecorded() public {
        string memory json = _read("corpus.json");
        uint256 n = vm.parseJsonUint(json, ".count");
        uint256 rejected;
        for (uint256 i = 0; i < n; ++i) {
            Entry memory e = _entry(json, ".entries", i);
            if (e.valid) continue;
            vm.expectRevert(MLOracle.UnverifiedResult.selector);
            oracle.submit(e.proof, e.inputs, e.outputs);
            rejected++;
        }
        vm.assertEq(rejected, n - 1, "all but the valid entry rejected");
        for (uint256 i = 0; i < n; ++i) {
            Entry memory e = _entry(json, ".entries", i);
            _assertNotRecorded(oracle, e.inputs, e.name);
        }
    }

    /// @dev After a valid submission, later ones for the same inputs (wrong outputs, a tampered
    ///      proof) revert with AlreadyClassified (first proven is final) and change nothing.
    function test_RejectedSubmissionKeepsRecord() public {
        Fixture memory f = _sample();
        oracle.submit(f.proof, f.inputs, f.outputs);
        uint256 recordedAt = block.number;
        vm.roll(block.number + 10);

        int256[] memory claimed = new int256[](f.outputs.length);
        uint256 other = (f.argmax + 1) % f.outputs.length;
        claimed[other] = 1;
        bytes memory already =
            abi.encodeWithSelector(MLOracle.AlreadyClassified.selector, f.inputHash);
        vm.prank(address(0xBAD));
        vm.expectRevert(already);
        oracle.submit(f.proof, f.inputs, claimed);
        vm.prank(address(0xBAD));
        vm.expectRevert(already);
        oracle.submit(_flip(f.proof, 3), f.inputs, f.outputs);

        MLOracle.Classification memory c = oracle.classification(f.inputHash);
        vm.assertEq(c.label, f.argmax, "label unchanged");
        vm.assertEq(c.submitter, address(this), "submitter unchanged");
        vm.assertEq(uint256(c.blockNumber), recordedAt, "block unchanged");
    }

    /// @dev Private input (mlp784): bound to nothing, so the oracle refuses the verifier (every
    ///      proof would record under the key of the empty input list, overwritable at will).
    function test_PrivateInputVerifierIsRefused() public {
        Mlp784Verifier mlp = new Mlp784Verifier();
        vm.assertEq(mlp.inputVisibility(), 0, "private");
        vm.expectRevert(abi.encodeWithSelector(MLOracle.UnboundInputs.selector, address(mlp)));
        new MLOracle(IZkTorchVerifier(address(mlp)), true);
    }
}
