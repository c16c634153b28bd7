// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

/// @title IZktFixtureVm
/// @notice The Foundry cheatcodes {ZktFixture} calls, with the exact signatures of forge-std's `Vm`.
/// @dev Declared here so that {ZktFixture} needs no forge-std; it works beside forge-std as well.
// The cheatcode interface lives beside the library so that one file is all a project copies.
// forge-lint: disable-next-item(multi-contract-file)
interface IZktFixtureVm {
    function readFile(string calldata path) external view returns (string memory data);
    function parseJsonBytes(string calldata json, string calldata key)
        external
        pure
        returns (bytes memory);
    function parseJsonBytes32(string calldata json, string calldata key)
        external
        pure
        returns (bytes32);
    function parseJsonUint(string calldata json, string calldata key)
        external
        pure
        returns (uint256);
    function parseJsonIntArray(string calldata json, string calldata key)
        external
        pure
        returns (int256[] memory);
}

/// @title ZktFixture
/// @notice Loads a zkt-eth proof fixture (`zkt-eth fixture proof.bin -o DIR`, format
///         "zkt-eth proof fixture v1") in a forge test:
///
///             ZktFixture.Fixture memory f = ZktFixture.load("test/zkt/fixture.json");
///             verifier.verify(f.proof, f.inputs, f.outputs);
///
/// @dev Paths are relative to the project root, and foundry.toml must allow reading them, e.g.
///      `fs_permissions = [{ access = "read", path = "./test/zkt" }]`. Values are fixed point:
///      a real value is `x / 2**scaleBits`.
// forge-lint: disable-next-item(multi-contract-file)
library ZktFixture {
    /// @dev Foundry's cheatcode address, `address(uint160(uint256(keccak256("hevm cheat code"))))`.
    IZktFixtureVm private constant VM = IZktFixtureVm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    /// @notice One proof and its public statement.
    struct Fixture {
        /// The proof bytes, exactly as `verify(bytes, …)` takes them.
        bytes proof;
        /// Public inputs (empty when the input is private; the commitment's x, y when committed).
        int256[] inputs;
        /// Public outputs.
        int256[] outputs;
        /// The digest of the verifying key the proof was made for (the verifier's `vkDigest()`).
        bytes32 vkDigest;
        /// Fractional bits of the fixed-point values (the verifier's `scaleBits()`).
        uint256 scaleBits;
    }

    /// @notice Reads and parses the fixture file at `path` (relative to the project root).
    function load(string memory path) internal view returns (Fixture memory) {
        // Reading files is what a fixture loader is for; foundry.toml's fs_permissions bounds it.
        // forge-lint: disable-next-line(unsafe-cheatcode)
        return parse(VM.readFile(path));
    }

    /// @notice Parses a fixture JSON text.
    function parse(string memory json) internal pure returns (Fixture memory f) {
        f.proof = VM.parseJsonBytes(json, ".proof");
        f.inputs = VM.parseJsonIntArray(json, ".inputs");
        f.outputs = VM.parseJsonIntArray(json, ".outputs");
        f.vkDigest = VM.parseJsonBytes32(json, ".vk_digest");
        f.scaleBits = VM.parseJsonUint(json, ".scale_bits");
    }
}
