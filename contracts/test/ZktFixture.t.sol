// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ZktFixture} from "../ZktFixture.sol";
import {Mlp784Verifier} from "../generated/Mlp784Verifier.sol";
import {SampleVerifier} from "../generated/SampleVerifier.sol";
import {CheatcodeTest} from "./utils/Vm.sol";

/// @notice `ZktFixture`, the loader `zkt-eth fixture` writes beside a fixture, reads the committed
///         fixtures (same format) into exactly what the generated verifiers accept.
contract ZktFixtureTest is CheatcodeTest {
    string internal constant SAMPLE = "contracts/test/fixtures/sample/fixture.json";
    string internal constant MLP784 = "contracts/test/fixtures/mlp784/fixture.json";

    function test_LoadsAFixtureTheVerifierAccepts() public {
        SampleVerifier verifier = new SampleVerifier();
        ZktFixture.Fixture memory f = ZktFixture.load(SAMPLE);
        vm.assertEq(f.vkDigest, verifier.vkDigest(), "vk digest");
        vm.assertEq(f.scaleBits, verifier.scaleBits(), "scale bits");
        vm.assertEq(f.inputs, vm.parseJsonIntArray(vm.readFile(SAMPLE), ".inputs"), "inputs");
        vm.assertTrue(verifier.verify(f.proof, f.inputs, f.outputs), "valid fixture refused");
    }

    function test_LoadsAPrivateInputFixture() public {
        Mlp784Verifier verifier = new Mlp784Verifier();
        ZktFixture.Fixture memory f = ZktFixture.load(MLP784);
        vm.assertEq(f.inputs.length, 0, "private input: no public inputs");
        vm.assertEq(f.vkDigest, verifier.vkDigest(), "vk digest");
        vm.assertTrue(verifier.verify(f.proof, f.inputs, f.outputs), "valid fixture refused");
    }

    function test_ParsedOutputsAreTheProvenOnes() public {
        SampleVerifier verifier = new SampleVerifier();
        ZktFixture.Fixture memory f = ZktFixture.parse(vm.readFile(SAMPLE));
        f.outputs[0] += 1;
        // Another statement changes the challenges, so the proof's inversion hint no longer fits.
        vm.expectRevert(SampleVerifier.InverseMismatch.selector);
        verifier.verify(f.proof, f.inputs, f.outputs);
    }
}
