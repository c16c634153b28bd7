// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title ZktTranscript
/// @notice The zkt-eth Fiat–Shamir transcript (docs/transcript.md), byte-identical to
///         `zkt_eth::transcript::Transcript` (src/transcript.rs). Every generated verifier uses it, and
///         `contracts/test/Transcript.t.sol` replays the committed vectors `tests/vectors/transcript.json`
///         through it.
/// @dev state₀ = keccak256("zkt-eth.transcript.v2"); absorb: state ← keccak256(state ‖ tag ‖ n ‖ w₀ … w_{n−1})
///      for n 32-byte words; squeeze: keccak256(state ‖ counter) mod r, the state unchanged.
library ZktTranscript {
    /// The BN254 scalar field modulus.
    uint256 internal constant R =
        21_888_242_871_839_275_222_246_405_745_257_275_088_548_364_400_416_034_343_698_204_186_575_808_495_617;

    /// @notice The initial state.
    function init() internal pure returns (bytes32) {
        return keccak256("zkt-eth.transcript.v2");
    }

    /// @notice Absorbs `words` (a whole number of 32-byte words) under `tag`.
    function absorb(bytes32 state, uint256 tag, bytes memory words)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(state, tag, words.length / 32, words));
    }

    /// @notice `absorb` for words read straight from calldata (a verifier's proof slice), without
    ///         copying them through `abi.encodePacked`: the same bytes are hashed.
    function absorbCalldata(bytes32 state, uint256 tag, bytes calldata words)
        internal
        pure
        returns (bytes32 out)
    {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, state)
            mstore(add(m, 0x20), tag)
            mstore(add(m, 0x40), shr(5, words.length))
            calldatacopy(add(m, 0x60), words.offset, words.length)
            out := keccak256(m, add(0x60, words.length))
        }
    }

    /// @notice The challenge for `counter` (the transcript's global squeeze count, from 1).
    function squeeze(bytes32 state, uint256 counter) internal pure returns (uint256) {
        return uint256(keccak256(abi.encodePacked(state, counter))) % R;
    }
}
