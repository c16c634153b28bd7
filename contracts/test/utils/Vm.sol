// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

/// @dev Address of Foundry's cheatcode contract: `address(uint160(uint256(keccak256("hevm cheat code"))))`.
address constant VM_ADDRESS = 0x7109709ECfa91a80626fF3989D68f67F5b1DD12D;

/// @title Vm
/// @notice Minimal subset of Foundry's cheatcode interface used by zkt-eth's tests and scripts.
/// @dev zkt-eth does not depend on forge-std: the only npm distribution (`forge-std` 1.1.2) is
///      unofficial, years old and incomplete (its Test.sol imports ds-test, which it does not
///      ship), and GitHub is unreachable for `forge install`. The signatures below are those of
///      Foundry's `VmSafe`/`Vm` (forge 1.7.x); add more as needed, copying the exact
///      signature, or the call fails at run time as an unknown cheatcode.
interface Vm {
    // ---------------------------------------------------------------- assertions
    function assertTrue(bool condition, string calldata error) external pure;
    function assertFalse(bool condition, string calldata error) external pure;
    function assertEq(bool left, bool right, string calldata error) external pure;
    function assertEq(uint256 left, uint256 right, string calldata error) external pure;
    function assertEq(int256 left, int256 right, string calldata error) external pure;
    function assertEq(address left, address right, string calldata error) external pure;
    function assertEq(bytes32 left, bytes32 right, string calldata error) external pure;
    function assertEq(bytes calldata left, bytes calldata right, string calldata error)
        external
        pure;
    function assertEq(string calldata left, string calldata right, string calldata error)
        external
        pure;
    function assertEq(int256[] calldata left, int256[] calldata right, string calldata error)
        external
        pure;
    function assertNotEq(bytes32 left, bytes32 right, string calldata error) external pure;
    function assertGt(uint256 left, uint256 right, string calldata error) external pure;
    function assertLt(uint256 left, uint256 right, string calldata error) external pure;
    function assertLe(uint256 left, uint256 right, string calldata error) external pure;

    // ---------------------------------------------------------------- expectations
    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function expectPartialRevert(bytes4 revertData) external;
    function expectEmit() external;
    function expectEmit(address emitter) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData)
        external;
    function expectEmit(
        bool checkTopic1,
        bool checkTopic2,
        bool checkTopic3,
        bool checkData,
        address emitter
    ) external;
    function expectCall(address callee, bytes calldata data) external;

    // ---------------------------------------------------------------- environment and state
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;
    function deal(address account, uint256 newBalance) external;
    function roll(uint256 newHeight) external;
    function chainId(uint256 newChainId) external;
    function etch(address target, bytes calldata newRuntimeBytecode) external;
    function label(address account, string calldata newLabel) external;
    function addr(uint256 privateKey) external pure returns (address keyAddr);
    function toString(uint256 value) external pure returns (string memory stringifiedValue);
    function toString(bytes32 value) external pure returns (string memory stringifiedValue);
    function toString(address value) external pure returns (string memory stringifiedValue);

    // ---------------------------------------------------------------- env vars
    function envExists(string calldata name) external view returns (bool result);
    function envString(string calldata name) external view returns (string memory value);
    function envUint(string calldata name) external view returns (uint256 value);
    function envAddress(string calldata name) external view returns (address value);
    function envOr(string calldata name, string calldata defaultValue)
        external
        view
        returns (string memory value);
    function envOr(string calldata name, uint256 defaultValue) external view returns (uint256 value);
    function envOr(string calldata name, address defaultValue) external view returns (address value);
    function envOr(string calldata name, bytes32 defaultValue) external view returns (bytes32 value);
    function envOr(string calldata name, bool defaultValue) external view returns (bool value);

    // ---------------------------------------------------------------- artifacts and files
    function getCode(string calldata artifactPath)
        external
        view
        returns (bytes memory creationBytecode);
    function getDeployedCode(string calldata artifactPath)
        external
        view
        returns (bytes memory runtimeBytecode);
    function deployCode(string calldata artifactPath) external returns (address deployedAddress);
    function deployCode(string calldata artifactPath, bytes calldata constructorArgs)
        external
        returns (address deployedAddress);
    function projectRoot() external view returns (string memory path);
    function exists(string calldata path) external view returns (bool result);
    function readFile(string calldata path) external view returns (string memory data);
    function readFileBinary(string calldata path) external view returns (bytes memory data);

    // ---------------------------------------------------------------- JSON (fixtures)
    function keyExistsJson(string calldata json, string calldata key) external view returns (bool);
    function parseJsonBytes(string calldata json, string calldata key)
        external
        pure
        returns (bytes memory);
    function parseJsonBytes32(string calldata json, string calldata key)
        external
        pure
        returns (bytes32);
    function parseJsonBytes32Array(string calldata json, string calldata key)
        external
        pure
        returns (bytes32[] memory);
    function parseJsonUint(string calldata json, string calldata key)
        external
        pure
        returns (uint256);
    function parseJsonInt(string calldata json, string calldata key) external pure returns (int256);
    function parseJsonIntArray(string calldata json, string calldata key)
        external
        pure
        returns (int256[] memory);
    function parseJsonString(string calldata json, string calldata key)
        external
        pure
        returns (string memory);
    function parseJsonBool(string calldata json, string calldata key) external pure returns (bool);
    function parseJsonStringArray(string calldata json, string calldata key)
        external
        pure
        returns (string[] memory);
    function parseJsonBytesArray(string calldata json, string calldata key)
        external
        pure
        returns (bytes[] memory);
    function parseJsonKeys(string calldata json, string calldata key)
        external
        pure
        returns (string[] memory keys);
    function parseBytes(string calldata stringifiedValue)
        external
        pure
        returns (bytes memory parsedValue);
    function trim(string calldata input) external pure returns (string memory output);

    // ---------------------------------------------------------------- gas snapshots
    function startSnapshotGas(string calldata name) external;
    function stopSnapshotGas() external returns (uint256 gasUsed);
    function snapshotGasLastCall(string calldata name) external returns (uint256 gasUsed);
    function snapshotValue(string calldata name, uint256 value) external;

    // ---------------------------------------------------------------- scripts
    function startBroadcast() external;
    function startBroadcast(uint256 privateKey) external;
    function stopBroadcast() external;
}

/// @title CheatcodeTest
/// @notice Minimal base for forge tests in this repository (stands in for forge-std's `Test`).
/// @dev Assertions go through the cheatcode contract (`vm.assertEq`, ...), which forge reports
///      like forge-std's. Inherit it and write `test*` functions as usual.
abstract contract CheatcodeTest {
    /// @dev The cheatcode contract.
    Vm internal constant vm = Vm(VM_ADDRESS);

    /// @dev Marks the contract as a test contract for tools that look for it.
    bool public constant IS_TEST = true;
}

/// @title CheatcodeScript
/// @notice Minimal base for forge scripts in this repository (stands in for forge-std's `Script`).
abstract contract CheatcodeScript {
    /// @dev The cheatcode contract.
    Vm internal constant vm = Vm(VM_ADDRESS);

    /// @dev Marks the contract as a script for tools that look for it.
    bool public constant IS_SCRIPT = true;
}
