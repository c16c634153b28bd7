// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

import {IZkTorchVerifier} from "../contracts/IZkTorchVerifier.sol";
import {MLOracle} from "../contracts/MLOracle.sol";
import {CheatcodeScript} from "../contracts/test/utils/Vm.sol";

/// @title DeployVerifier
/// @notice Deploys a zkt-eth verifier and an `MLOracle` bound to it, after checking that the
///         verifier is the one for the expected model and that an insecure one stays local.
/// @dev Environment:
///      - `EXPECTED_VK_DIGEST` (required): the verifying-key digest the verifier must report
///        (`vk_digest` in the `--json` output of `zkt-eth setup` or `zkt-eth create-verifier`).
///      - `VERIFIER_ARTIFACT`: forge artifact of the verifier, e.g.
///        `ModelVerifier.sol:ModelVerifier` (default) or `out/ModelVerifier.sol/ModelVerifier.json`.
///      - `VERIFIER_ADDRESS` (optional): reuse an already deployed verifier instead; refused
///        unless its `vkDigest()` equals `EXPECTED_VK_DIGEST`.
///      - `ALLOW_INSECURE` (optional, default false): accept a verifier whose `insecureSrs()` is
///        true (a `--dev` setup: anyone can forge its proofs) on a chain other than 31337.
///      - `PRIVATE_KEY` (optional): broadcast with this key; otherwise use the sender given on
///        the command line (`--private-key`, `--account`, ...).
///      `forge script` runs the whole script locally before broadcasting anything, so a verifier
///      refused by these checks is never sent to the chain.
///      Example against a local Anvil:
///      `EXPECTED_VK_DIGEST=0x… VERIFIER_ARTIFACT=ModelVerifier.sol:ModelVerifier
///       node_modules/.bin/forge script script/DeployVerifier.s.sol --rpc-url http://127.0.0.1:8545
///       --private-key <key> --broadcast`
contract DeployVerifier is CheatcodeScript {
    /// @notice Chain id of a local dev chain (Anvil's default), the only one that accepts an
    ///         insecure verifier without `ALLOW_INSECURE`.
    uint256 public constant DEV_CHAIN_ID = 31_337;

    /// @notice The artifact has no creation code (e.g. an interface or abstract contract).
    /// @param artifact The artifact identifier.
    error EmptyCreationCode(string artifact);
    /// @notice Creating the verifier failed.
    /// @param artifact The artifact identifier.
    error VerifierDeploymentFailed(string artifact);
    /// @notice The verifier does not answer the `IZkTorchVerifier` getters.
    /// @param verifier The address checked.
    error NotAZkTorchVerifier(address verifier);
    /// @notice `EXPECTED_VK_DIGEST` is not set (or zero).
    error MissingExpectedVkDigest();
    /// @notice The verifier is bound to another verifying key (another model or setup).
    /// @param verifier The address checked.
    /// @param expected The expected digest (`EXPECTED_VK_DIGEST`).
    /// @param actual The verifier's `vkDigest()`.
    error VkDigestMismatch(address verifier, bytes32 expected, bytes32 actual);
    /// @notice An insecure verifier (or one that does not answer `insecureSrs()`) off the dev
    ///         chain, without `ALLOW_INSECURE`.
    /// @param verifier The address checked.
    /// @param chainId The current chain id.
    error InsecureVerifierOffDevChain(address verifier, uint256 chainId);

    /// @notice Entry point for `forge script`.
    /// @return verifier The verifier's address.
    /// @return oracle The oracle's address.
    function run() external returns (address verifier, address oracle) {
        bytes32 expected = vm.envOr("EXPECTED_VK_DIGEST", bytes32(0));
        if (expected == bytes32(0)) revert MissingExpectedVkDigest();
        string memory artifact =
            vm.envOr("VERIFIER_ARTIFACT", string("ModelVerifier.sol:ModelVerifier"));
        address existing = vm.envOr("VERIFIER_ADDRESS", address(0));
        bool allowInsecure = vm.envOr("ALLOW_INSECURE", false);
        uint256 key = vm.envOr("PRIVATE_KEY", uint256(0));
        if (key != 0) vm.startBroadcast(key);
        else vm.startBroadcast();
        (verifier, oracle) = deploy(artifact, existing, expected, allowInsecure);
        vm.stopBroadcast();
    }

    /// @notice Deploys (or reuses) the verifier, checks it, and deploys an oracle bound to it.
    /// @param artifact Forge artifact identifier of the verifier (ignored when `existing` is set).
    /// @param existing An already deployed verifier, or `address(0)` to deploy one.
    /// @param expectedVkDigest The digest the verifier must report.
    /// @param allowInsecure Accept an insecure verifier off the dev chain.
    /// @return verifier The verifier's address.
    /// @return oracle The oracle's address.
    function deploy(
        string memory artifact,
        address existing,
        bytes32 expectedVkDigest,
        bool allowInsecure
    ) public returns (address verifier, address oracle) {
        if (expectedVkDigest == bytes32(0)) revert MissingExpectedVkDigest();
        verifier = existing == address(0) ? deployArtifact(artifact) : existing;
        bool insecure = checkVerifier(verifier, expectedVkDigest, allowInsecure);
        oracle = address(new MLOracle(IZkTorchVerifier(verifier), insecure));
    }

    /// @notice Deploys the artifact's creation code with `CREATE` (broadcast as a transaction).
    /// @param artifact Forge artifact identifier.
    /// @return deployed The new contract's address.
    function deployArtifact(string memory artifact) public returns (address deployed) {
        bytes memory code = vm.getCode(artifact);
        if (code.length == 0) revert EmptyCreationCode(artifact);
        assembly ("memory-safe") {
            deployed := create(0, add(code, 0x20), mload(code))
        }
        if (deployed == address(0)) revert VerifierDeploymentFailed(artifact);
    }

    /// @notice Reverts unless `verifier` answers the `IZkTorchVerifier` getters, reports
    ///         `expectedVkDigest`, and is secure or allowed here (dev chain or `allowInsecure`).
    /// @param verifier The address to check.
    /// @param expectedVkDigest The digest the verifier must report.
    /// @param allowInsecure Accept an insecure verifier off the dev chain.
    /// @return insecure Whether the verifier is insecure (or does not say).
    function checkVerifier(address verifier, bytes32 expectedVkDigest, bool allowInsecure)
        public
        view
        returns (bool insecure)
    {
        if (verifier.code.length == 0) revert NotAZkTorchVerifier(verifier);
        try IZkTorchVerifier(verifier).vkDigest() returns (bytes32 digest) {
            if (digest != expectedVkDigest) {
                revert VkDigestMismatch(verifier, expectedVkDigest, digest);
            }
        } catch {
            revert NotAZkTorchVerifier(verifier);
        }
        try IZkTorchVerifier(verifier).scaleBits() returns (uint256) {}
        catch {
            revert NotAZkTorchVerifier(verifier);
        }
        insecure = true;
        try IZkTorchVerifier(verifier).insecureSrs() returns (bool flag) {
            insecure = flag;
        } catch {}
        if (insecure && block.chainid != DEV_CHAIN_ID && !allowInsecure) {
            revert InsecureVerifierOffDevChain(verifier, block.chainid);
        }
    }
}
