// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

import {IZkTorchVerifier} from "../contracts/IZkTorchVerifier.sol";
import {MLOracle} from "../contracts/MLOracle.sol";
import {CheatcodeScript} from "../contracts/test/utils/Vm.sol";

/// @title DeployVerifier
/// @notice Deploys a zkt-eth verifier and an `MLOracle` bound to it.
/// @dev Environment:
///      - `VERIFIER_ARTIFACT`: forge artifact of the verifier, e.g.
///        `ModelVerifier.sol:ModelVerifier` (default) or `out/ModelVerifier.sol/ModelVerifier.json`.
///      - `VERIFIER_ADDRESS` (optional): reuse an already deployed verifier instead.
///      - `PRIVATE_KEY` (optional): broadcast with this key; otherwise use the sender given on
///        the command line (`--private-key`, `--account`, ...).
///      Example against a local Anvil:
///      `VERIFIER_ARTIFACT=ModelVerifier.sol:ModelVerifier node_modules/.bin/forge script
///       script/DeployVerifier.s.sol --rpc-url http://127.0.0.1:8545 --private-key <key> --broadcast`
contract DeployVerifier is CheatcodeScript {
    /// @notice The artifact has no creation code (e.g. an interface or abstract contract).
    /// @param artifact The artifact identifier.
    error EmptyCreationCode(string artifact);
    /// @notice Creating the verifier failed.
    /// @param artifact The artifact identifier.
    error VerifierDeploymentFailed(string artifact);
    /// @notice The verifier does not answer the `IZkTorchVerifier` getters.
    /// @param verifier The address checked.
    error NotAZkTorchVerifier(address verifier);

    /// @notice Entry point for `forge script`.
    /// @return verifier The verifier's address.
    /// @return oracle The oracle's address.
    function run() external returns (address verifier, address oracle) {
        string memory artifact =
            vm.envOr("VERIFIER_ARTIFACT", string("ModelVerifier.sol:ModelVerifier"));
        address existing = vm.envOr("VERIFIER_ADDRESS", address(0));
        uint256 key = vm.envOr("PRIVATE_KEY", uint256(0));
        if (key != 0) vm.startBroadcast(key);
        else vm.startBroadcast();
        (verifier, oracle) = deploy(artifact, existing);
        vm.stopBroadcast();
    }

    /// @notice Deploys (or reuses) the verifier, checks it, and deploys an oracle bound to it.
    /// @param artifact Forge artifact identifier of the verifier (ignored when `existing` is set).
    /// @param existing An already deployed verifier, or `address(0)` to deploy one.
    /// @return verifier The verifier's address.
    /// @return oracle The oracle's address.
    function deploy(string memory artifact, address existing)
        public
        returns (address verifier, address oracle)
    {
        verifier = existing == address(0) ? deployArtifact(artifact) : existing;
        checkVerifier(verifier);
        oracle = address(new MLOracle(IZkTorchVerifier(verifier)));
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

    /// @notice Reverts unless `verifier` answers the `IZkTorchVerifier` getters.
    /// @param verifier The address to check.
    function checkVerifier(address verifier) public view {
        if (verifier.code.length == 0) revert NotAZkTorchVerifier(verifier);
        try IZkTorchVerifier(verifier).vkDigest() returns (bytes32) {}
        catch {
            revert NotAZkTorchVerifier(verifier);
        }
        try IZkTorchVerifier(verifier).scaleBits() returns (uint256) {}
        catch {
            revert NotAZkTorchVerifier(verifier);
        }
    }
}
