// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

import {DeployVerifier} from "../../script/DeployVerifier.s.sol";
import {MLOracle} from "../MLOracle.sol";
import {FalseReturningVerifierDouble, HashCheckVerifierDouble} from "./doubles/VerifierDoubles.sol";
import {CheatcodeTest} from "./utils/Vm.sol";

/// @notice The deployment script, exercised with the test doubles as "verifiers": the hash-check
///         double reports an insecure setup, the false-returning double a secure one.
contract DeployVerifierTest is CheatcodeTest {
    string internal constant INSECURE_ARTIFACT = "VerifierDoubles.sol:HashCheckVerifierDouble";
    string internal constant SECURE_ARTIFACT = "VerifierDoubles.sol:FalseReturningVerifierDouble";
    bytes32 internal constant INSECURE_DIGEST = keccak256("HashCheckVerifierDouble");
    bytes32 internal constant SECURE_DIGEST = keccak256("FalseReturningVerifierDouble");

    DeployVerifier internal script;

    function setUp() public {
        script = new DeployVerifier();
    }

    function test_DeploysArtifactAndOracleOnDevChain() public {
        vm.assertEq(block.chainid, script.DEV_CHAIN_ID(), "forge tests run on the dev chain id");
        (address verifier, address oracle) =
            script.deploy(INSECURE_ARTIFACT, address(0), INSECURE_DIGEST, false);
        vm.assertGt(verifier.code.length, 0, "verifier deployed");
        vm.assertEq(address(MLOracle(oracle).verifier()), verifier, "oracle bound to verifier");
        vm.assertTrue(MLOracle(oracle).insecureVerifier(), "oracle knows it is insecure");
        vm.assertEq(HashCheckVerifierDouble(verifier).vkDigest(), INSECURE_DIGEST, "is the double");
    }

    function test_ReusesExistingVerifierWithExpectedDigest() public {
        HashCheckVerifierDouble existing = new HashCheckVerifierDouble();
        (address verifier, address oracle) =
            script.deploy("unused", address(existing), INSECURE_DIGEST, false);
        vm.assertEq(verifier, address(existing), "reused");
        vm.assertEq(address(MLOracle(oracle).verifier()), verifier, "oracle bound");
    }

    function test_RefusesExistingVerifierOfAnotherModel() public {
        HashCheckVerifierDouble existing = new HashCheckVerifierDouble();
        vm.expectRevert(
            abi.encodeWithSelector(
                DeployVerifier.VkDigestMismatch.selector,
                address(existing),
                SECURE_DIGEST,
                INSECURE_DIGEST
            )
        );
        script.deploy("unused", address(existing), SECURE_DIGEST, false);
    }

    function test_RefusesDeployedArtifactOfAnotherModel() public {
        vm.expectPartialRevert(DeployVerifier.VkDigestMismatch.selector);
        script.deploy(INSECURE_ARTIFACT, address(0), SECURE_DIGEST, false);
    }

    function test_RequiresExpectedDigest() public {
        vm.expectRevert(DeployVerifier.MissingExpectedVkDigest.selector);
        script.deploy(INSECURE_ARTIFACT, address(0), bytes32(0), false);
    }

    function test_RefusesInsecureDeployOffDevChain() public {
        vm.chainId(1);
        vm.expectPartialRevert(DeployVerifier.InsecureVerifierOffDevChain.selector);
        script.deploy(INSECURE_ARTIFACT, address(0), INSECURE_DIGEST, false);

        HashCheckVerifierDouble existing = new HashCheckVerifierDouble();
        vm.expectRevert(
            abi.encodeWithSelector(
                DeployVerifier.InsecureVerifierOffDevChain.selector, address(existing), 1
            )
        );
        script.deploy("unused", address(existing), INSECURE_DIGEST, false);
    }

    function test_InsecureOffDevChainOnlyWithExplicitFlag() public {
        vm.chainId(1);
        (, address oracle) = script.deploy(INSECURE_ARTIFACT, address(0), INSECURE_DIGEST, true);
        vm.assertTrue(MLOracle(oracle).insecureVerifier(), "oracle knows it is insecure");
    }

    function test_SecureVerifierDeploysOffDevChain() public {
        vm.chainId(1);
        (address verifier, address oracle) =
            script.deploy(SECURE_ARTIFACT, address(0), SECURE_DIGEST, false);
        vm.assertEq(
            FalseReturningVerifierDouble(verifier).vkDigest(), SECURE_DIGEST, "is the double"
        );
        vm.assertFalse(MLOracle(oracle).insecureVerifier(), "secure");
    }

    function test_RejectsNonVerifier() public {
        address notVerifier = address(new NotAVerifier());
        vm.expectRevert(
            abi.encodeWithSelector(DeployVerifier.NotAZkTorchVerifier.selector, notVerifier)
        );
        script.deploy("unused", notVerifier, INSECURE_DIGEST, true);
    }
}

/// @dev A contract without the verifier getters.
contract NotAVerifier {
    function ping() external pure returns (uint256) {
        return 1;
    }
}
