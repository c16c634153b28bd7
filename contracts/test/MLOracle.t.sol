// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

import {IZkTorchVerifier} from "../IZkTorchVerifier.sol";
import {MLOracle} from "../MLOracle.sol";
import {FalseReturningVerifierDouble, HashCheckVerifierDouble} from "./doubles/VerifierDoubles.sol";
import {CheatcodeTest} from "./utils/Vm.sol";

/// @notice MLOracle against test doubles (no real proofs: see VerifierDoubles.sol).
contract MLOracleTest is CheatcodeTest {
    event Classified(
        bytes32 indexed inputHash, address indexed submitter, uint256 label, int256[] outputs
    );

    HashCheckVerifierDouble internal verifierDouble;
    MLOracle internal oracle;

    function setUp() public {
        verifierDouble = new HashCheckVerifierDouble();
        oracle = new MLOracle(IZkTorchVerifier(address(verifierDouble)), true);
    }

    function sample() internal pure returns (int256[] memory inputs, int256[] memory outputs) {
        inputs = new int256[](3);
        inputs[0] = 256;
        inputs[1] = -128;
        inputs[2] = 0;
        outputs = new int256[](4);
        outputs[0] = -300;
        outputs[1] = 17;
        outputs[2] = 512;
        outputs[3] = 511;
    }

    function test_SubmitRecordsArgmaxAndEmits() public {
        (int256[] memory inputs, int256[] memory outputs) = sample();
        bytes memory proof = verifierDouble.fakeProof(inputs, outputs);
        bytes32 expectedHash = keccak256(abi.encodePacked(inputs));

        vm.expectEmit(true, true, false, true, address(oracle));
        emit Classified(expectedHash, address(this), 2, outputs);
        (bytes32 inputHash, uint256 label) = oracle.submit(proof, inputs, outputs);
        vm.snapshotGasLastCall("MLOracle.submit (hash double, 3 in / 4 out)");

        vm.assertEq(inputHash, expectedHash, "input hash");
        vm.assertEq(inputHash, oracle.hashInputs(inputs), "hashInputs");
        vm.assertEq(label, 2, "label");
        vm.assertEq(oracle.labelOf(inputs), 2, "labelOf");
        vm.assertTrue(oracle.isClassified(inputHash), "isClassified");
        MLOracle.Classification memory c = oracle.classification(inputHash);
        vm.assertEq(c.label, 2, "classification.label");
        vm.assertEq(c.submitter, address(this), "submitter");
        vm.assertEq(uint256(c.blockNumber), block.number, "blockNumber");
    }

    function test_RejectsWrongProof() public {
        (int256[] memory inputs, int256[] memory outputs) = sample();
        bytes memory proof = verifierDouble.fakeProof(inputs, outputs);
        outputs[0] = 10_000; // claim a different result
        vm.expectRevert(MLOracle.UnverifiedResult.selector);
        oracle.submit(proof, inputs, outputs);
        vm.assertFalse(oracle.isClassified(oracle.hashInputs(inputs)), "nothing recorded");
    }

    function test_RejectsMalformedProof() public {
        (int256[] memory inputs, int256[] memory outputs) = sample();
        vm.expectRevert(MLOracle.UnverifiedResult.selector);
        oracle.submit(hex"01", inputs, outputs);
    }

    function test_DoubleRevertsWithNamedCheck() public {
        (int256[] memory inputs, int256[] memory outputs) = sample();
        vm.expectRevert(HashCheckVerifierDouble.HashCheckFailed.selector);
        verifierDouble.verify(new bytes(32), inputs, outputs);
    }

    function test_RejectsWhenVerifierReturnsFalse() public {
        MLOracle strict =
            new MLOracle(IZkTorchVerifier(address(new FalseReturningVerifierDouble())), false);
        (int256[] memory inputs, int256[] memory outputs) = sample();
        vm.expectRevert(MLOracle.UnverifiedResult.selector);
        strict.submit(hex"", inputs, outputs);
    }

    function test_RejectsEmptyOutputs() public {
        (int256[] memory inputs,) = sample();
        int256[] memory outputs = new int256[](0);
        bytes memory proof = verifierDouble.fakeProof(inputs, outputs);
        vm.expectRevert(MLOracle.EmptyOutputs.selector);
        oracle.submit(proof, inputs, outputs);
    }

    function test_UnknownInputReverts() public {
        (int256[] memory inputs,) = sample();
        bytes32 h = oracle.hashInputs(inputs);
        vm.expectRevert(abi.encodeWithSelector(MLOracle.UnknownInput.selector, h));
        oracle.labelOf(inputs);
        vm.expectRevert(abi.encodeWithSelector(MLOracle.UnknownInput.selector, h));
        oracle.classification(h);
    }

    function test_ConstructorRejectsAccountWithoutCode() public {
        address eoa = address(0xBEEF);
        vm.expectRevert(abi.encodeWithSelector(MLOracle.VerifierNotAContract.selector, eoa));
        new MLOracle(IZkTorchVerifier(eoa), true);
    }

    function test_ConstructorRefusesInsecureVerifierWithoutFlag() public {
        vm.expectRevert(
            abi.encodeWithSelector(MLOracle.InsecureVerifier.selector, address(verifierDouble))
        );
        new MLOracle(IZkTorchVerifier(address(verifierDouble)), false);
        vm.assertTrue(oracle.insecureVerifier(), "accepted with the flag, and says so");
    }

    function test_ConstructorTreatsSilentVerifierAsInsecure() public {
        address silent = address(new NoInsecureGetter());
        vm.expectRevert(abi.encodeWithSelector(MLOracle.InsecureVerifier.selector, silent));
        new MLOracle(IZkTorchVerifier(silent), false);
    }

    function test_SecureVerifierNeedsNoFlag() public {
        MLOracle o =
            new MLOracle(IZkTorchVerifier(address(new FalseReturningVerifierDouble())), false);
        vm.assertFalse(o.insecureVerifier(), "secure verifier");
    }

    function test_ArgmaxFirstIndexOnTies() public view {
        int256[] memory outputs = new int256[](4);
        outputs[0] = -5;
        outputs[1] = 7;
        outputs[2] = 7;
        outputs[3] = -9;
        vm.assertEq(oracle.argmax(outputs), 1, "first maximum wins");
        int256[] memory negatives = new int256[](3);
        negatives[0] = -3;
        negatives[1] = -2;
        negatives[2] = type(int256).min;
        vm.assertEq(oracle.argmax(negatives), 1, "all negative");
    }

    function testFuzz_ArgmaxMatchesReference(int256[] calldata outputs) public view {
        if (outputs.length == 0) return;
        uint256 got = oracle.argmax(outputs);
        for (uint256 i = 0; i < outputs.length; ++i) {
            if (i < got) vm.assertTrue(outputs[i] < outputs[got], "earlier index not smaller");
            else vm.assertTrue(outputs[i] <= outputs[got], "later index larger");
        }
    }

    /// @dev First proven is final: a second valid submission for the same key reverts and the
    ///      record keeps its first submitter and block.
    function test_FirstProvenIsFinal() public {
        (int256[] memory inputs, int256[] memory outputs) = sample();
        bytes memory proof = verifierDouble.fakeProof(inputs, outputs);
        oracle.submit(proof, inputs, outputs);
        uint256 first = block.number;
        vm.roll(block.number + 5);
        bytes32 h = oracle.hashInputs(inputs);
        vm.prank(address(0xCAFE));
        vm.expectRevert(abi.encodeWithSelector(MLOracle.AlreadyClassified.selector, h));
        oracle.submit(proof, inputs, outputs);
        MLOracle.Classification memory c = oracle.classification(h);
        vm.assertEq(c.submitter, address(this), "first submitter kept");
        vm.assertEq(uint256(c.blockNumber), first, "first block kept");
        vm.assertEq(c.label, 2, "label");
    }

    /// @dev A verifier whose input is private (bound to nothing), or that cannot say, is refused.
    function test_ConstructorRefusesUnboundInputs() public {
        address priv = address(new PrivateInputVerifierDouble());
        vm.expectRevert(abi.encodeWithSelector(MLOracle.UnboundInputs.selector, priv));
        new MLOracle(IZkTorchVerifier(priv), true);
        address silent = address(new NoVisibilityGetter());
        vm.expectRevert(abi.encodeWithSelector(MLOracle.UnboundInputs.selector, silent));
        new MLOracle(IZkTorchVerifier(silent), true);
    }
}

/// @dev A secure-looking verifier whose input is private: `inputVisibility()` is 0.
contract PrivateInputVerifierDouble {
    function insecureSrs() external pure returns (bool) {
        return false;
    }

    function inputVisibility() external pure returns (uint8) {
        return 0;
    }
}

/// @dev Has `insecureSrs()` but no `inputVisibility()` (a verifier generated before it existed).
contract NoVisibilityGetter {
    function insecureSrs() external pure returns (bool) {
        return false;
    }
}

/// @dev Has code but no `insecureSrs()` (e.g. a verifier generated before the getter existed).
contract NoInsecureGetter {
    function vkDigest() external pure returns (bytes32) {
        return bytes32(uint256(1));
    }
}
