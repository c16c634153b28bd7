// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {IZkTorchVerifier} from "../IZkTorchVerifier.sol";
import {MLOracle} from "../MLOracle.sol";
import {SampleCommittedVerifier} from "../generated/SampleCommittedVerifier.sol";
import {CheatcodeTest} from "./utils/Vm.sol";

/// @notice A committed input on chain (docs/protocols/input_binding.md): the generated verifier
///         checks the proof against the commitment passed as `inputs`, and MLOracle keys the record
///         by that commitment with first-proven semantics. Fixtures: `zkt-eth commit-input`, then
///         two proofs under one commitment (script/gen-fixtures.sh, sample-committed/).
contract CommittedInputTest is CheatcodeTest {
    event Classified(
        bytes32 indexed inputHash, address indexed submitter, uint256 label, int256[] outputs
    );

    string internal constant DIR = "contracts/test/fixtures/sample-committed/";
    uint256 internal constant P =
        21_888_242_871_839_275_222_246_405_745_257_275_088_696_311_157_297_823_662_689_037_894_645_226_208_583;

    struct Fx {
        bytes proof;
        int256[] inputs;
        int256[] outputs;
        uint256 argmax;
    }

    SampleCommittedVerifier internal verifier;

    function setUp() public {
        verifier = new SampleCommittedVerifier();
    }

    function _fx(string memory name) internal view returns (Fx memory f) {
        string memory json = vm.readFile(string.concat(DIR, name, ".json"));
        f.proof = vm.parseJsonBytes(json, ".proof");
        f.inputs = vm.parseJsonIntArray(json, ".inputs");
        f.outputs = vm.parseJsonIntArray(json, ".outputs");
        f.argmax = vm.parseJsonUint(json, ".argmax");
    }

    function test_InterfaceSaysCommitted() public view {
        vm.assertEq(verifier.inputVisibility(), 2, "committed");
        vm.assertEq(verifier.inputCount(), 2, "two commitment words");
        vm.assertEq(verifier.outputCount(), _fx("fixture").outputs.length, "outputs");
    }

    function test_ValidProofVerifies() public {
        Fx memory f = _fx("fixture");
        vm.assertEq(f.inputs.length, 2, "inputs are the commitment");
        vm.assertTrue(verifier.verify(f.proof, f.inputs, f.outputs), "valid");
        vm.snapshotGasLastCall(
            "SampleCommittedVerifier.verify (valid sample proof, committed input)"
        );
        Fx memory g = _fx("fixture2");
        vm.assertEq(
            keccak256(abi.encode(g.inputs)), keccak256(abi.encode(f.inputs)), "one commitment"
        );
        vm.assertTrue(verifier.verify(g.proof, g.inputs, g.outputs), "second proof valid");
    }

    /// @dev Every word of the proof is bound: a flipped bit anywhere reverts.
    function test_EveryWordFlipReverts() public {
        Fx memory f = _fx("fixture");
        for (uint256 w = 0; w < f.proof.length / 32; ++w) {
            bytes memory b = bytes.concat(f.proof);
            b[32 * w + 31] = bytes1(uint8(b[32 * w + 31]) ^ 1);
            (bool ok,) =
                address(verifier).call(abi.encodeCall(verifier.verify, (b, f.inputs, f.outputs)));
            vm.assertFalse(ok, string.concat("word ", vm.toString(w), " flip accepted"));
        }
    }

    /// @dev Another valid curve point as the commitment (the generator) fails (the challenges change,
    ///      so the inversion hint no longer fits; the Rust tests recompute it and reach the pairing); a word
    ///      off the curve, negative, or >= p, and a wrong count, are refused before any algebra.
    function test_OtherCommitmentsRevert() public {
        Fx memory f = _fx("fixture");
        int256[] memory c = new int256[](2);
        (c[0], c[1]) = (int256(1), int256(2));
        vm.expectRevert(SampleCommittedVerifier.InverseMismatch.selector);
        verifier.verify(f.proof, c, f.outputs);

        c[0] = f.inputs[0];
        c[1] = f.inputs[1] + 1;
        vm.expectRevert(SampleCommittedVerifier.InputCommitmentInvalid.selector);
        verifier.verify(f.proof, c, f.outputs);

        c[1] = -f.inputs[1];
        vm.expectRevert(SampleCommittedVerifier.InputCommitmentInvalid.selector);
        verifier.verify(f.proof, c, f.outputs);

        // (x, y + p) is the same point mod p: refused as non-canonical.
        c[1] = int256(uint256(f.inputs[1]) + P);
        vm.expectRevert(SampleCommittedVerifier.InputCommitmentInvalid.selector);
        verifier.verify(f.proof, c, f.outputs);

        int256[] memory none = new int256[](0);
        vm.expectRevert(
            abi.encodeWithSelector(
                SampleCommittedVerifier.PublicLength.selector, 2, f.outputs.length
            )
        );
        verifier.verify(f.proof, none, f.outputs);
    }

    /// @dev The oracle keys by the commitment; the first proven result is final (a second valid
    ///      proof under the same commitment reverts); no other commitment gets the record.
    function test_OracleKeysByCommitmentFirstProvenFinal() public {
        MLOracle oracle = new MLOracle(IZkTorchVerifier(address(verifier)), true);
        vm.assertEq(oracle.inputVisibility(), 2, "committed verifier accepted");
        Fx memory f = _fx("fixture");
        bytes32 key = keccak256(abi.encodePacked(f.inputs));

        int256[] memory other = new int256[](2);
        (other[0], other[1]) = (int256(1), int256(2));
        vm.expectRevert(MLOracle.UnverifiedResult.selector);
        oracle.submit(f.proof, other, f.outputs);

        vm.expectEmit(true, true, false, true, address(oracle));
        emit Classified(key, address(this), f.argmax, f.outputs);
        (bytes32 h, uint256 label) = oracle.submit(f.proof, f.inputs, f.outputs);
        vm.snapshotGasLastCall("MLOracle.submit (SampleCommittedVerifier, committed input)");
        vm.assertEq(h, key, "keyed by the commitment");
        vm.assertEq(label, f.argmax, "label");

        Fx memory g = _fx("fixture2");
        vm.prank(address(0xBEEF));
        vm.expectRevert(abi.encodeWithSelector(MLOracle.AlreadyClassified.selector, key));
        oracle.submit(g.proof, g.inputs, g.outputs);
        vm.assertEq(oracle.classification(key).submitter, address(this), "first submitter kept");
        vm.assertFalse(
            oracle.isClassified(keccak256(abi.encodePacked(other))), "nothing under another key"
        );
    }
}
