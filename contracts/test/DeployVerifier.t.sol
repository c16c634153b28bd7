// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

import {DeployVerifier} from "../../script/DeployVerifier.s.sol";
import {MLOracle} from "../MLOracle.sol";
import {HashCheckVerifierDouble} from "./doubles/VerifierDoubles.sol";
import {CheatcodeTest} from "./utils/Vm.sol";

/// @notice The deployment script, exercised with the hash-check test double as "verifier".
contract DeployVerifierTest is CheatcodeTest {
    DeployVerifier internal script;

    function setUp() public {
        script = new DeployVerifier();
    }

    function test_DeploysArtifactAndOracle() public {
        (address verifier, address oracle) =
            script.deploy("VerifierDoubles.sol:HashCheckVerifierDouble", address(0));
        vm.assertGt(verifier.code.length, 0, "verifier deployed");
        vm.assertEq(address(MLOracle(oracle).verifier()), verifier, "oracle bound to verifier");
        vm.assertEq(
            HashCheckVerifierDouble(verifier).vkDigest(),
            keccak256("HashCheckVerifierDouble"),
            "is the double"
        );
    }

    function test_ReusesExistingVerifier() public {
        HashCheckVerifierDouble existing = new HashCheckVerifierDouble();
        (address verifier, address oracle) = script.deploy("unused", address(existing));
        vm.assertEq(verifier, address(existing), "reused");
        vm.assertEq(address(MLOracle(oracle).verifier()), verifier, "oracle bound");
    }

    function test_RejectsNonVerifier() public {
        address notVerifier = address(new NotAVerifier());
        vm.expectRevert(
            abi.encodeWithSelector(DeployVerifier.NotAZkTorchVerifier.selector, notVerifier)
        );
        script.deploy("unused", notVerifier);
    }
}

/// @dev A contract without the verifier getters.
contract NotAVerifier {
    function ping() external pure returns (uint256) {
        return 1;
    }
}
