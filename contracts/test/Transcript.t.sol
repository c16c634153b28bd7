// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ZktTranscript} from "../ZktTranscript.sol";
import {CheatcodeTest} from "./utils/Vm.sol";

/// @notice Replays the committed known-answer vectors `tests/vectors/transcript.json` (generated and
///         checked by the Rust transcript, `tests/transcript_vectors.rs`) through `ZktTranscript`, the
///         library every generated verifier uses: both implementations must produce the same states
///         and challenges, word for word.
contract TranscriptTest is CheatcodeTest {
    string internal constant VECTORS = "tests/vectors/transcript.json";

    function test_vectors_match_the_rust_transcript() public view {
        string memory json = vm.readFile(VECTORS);
        vm.assertEq(
            ZktTranscript.init(), vm.parseJsonBytes32(json, ".initial_state"), "initial state"
        );
        uint256 cases;
        for (
            uint256 c = 0;
            vm.keyExistsJson(json, string.concat(".cases[", vm.toString(c), "]"));
            ++c
        ) {
            _replay(json, string.concat(".cases[", vm.toString(c), "]"));
            ++cases;
        }
        vm.assertTrue(cases >= 7, "every vector case replayed");
    }

    function _replay(string memory json, string memory prefix) internal view {
        bytes32 state = ZktTranscript.init();
        for (
            uint256 i = 0;
            vm.keyExistsJson(json, string.concat(prefix, ".steps[", vm.toString(i), "]"));
            ++i
        ) {
            string memory step = string.concat(prefix, ".steps[", vm.toString(i), "]");
            string memory op = vm.parseJsonString(json, string.concat(step, ".op"));
            if (keccak256(bytes(op)) == keccak256("absorb")) {
                uint256 tag = vm.parseJsonUint(json, string.concat(step, ".tag"));
                bytes32[] memory words =
                    vm.parseJsonBytes32Array(json, string.concat(step, ".words"));
                vm.assertEq(
                    state,
                    vm.parseJsonBytes32(json, string.concat(step, ".state_before")),
                    "state before"
                );
                bytes32 viaCalldata = this.absorbFromCalldata(state, tag, abi.encodePacked(words));
                state = ZktTranscript.absorb(state, tag, abi.encodePacked(words));
                vm.assertEq(viaCalldata, state, "absorbCalldata = absorb");
                vm.assertEq(
                    state, vm.parseJsonBytes32(json, string.concat(step, ".state_after")), step
                );
            } else {
                uint256 counter = vm.parseJsonUint(json, string.concat(step, ".counter"));
                uint256 challenge =
                    uint256(vm.parseJsonBytes32(json, string.concat(step, ".challenge")));
                vm.assertEq(ZktTranscript.squeeze(state, counter), challenge, step);
            }
        }
        vm.assertEq(
            state, vm.parseJsonBytes32(json, string.concat(prefix, ".final_state")), "final state"
        );
    }

    /// The calldata path of the generated verifiers (`absorbCalldata`), on the same words.
    function absorbFromCalldata(bytes32 state, uint256 tag, bytes calldata words)
        external
        pure
        returns (bytes32)
    {
        return ZktTranscript.absorbCalldata(state, tag, words);
    }

    /// An absorb of no words never equals a squeeze: 96 vs 64 hashed bytes.
    function test_empty_absorb_differs_from_squeeze(bytes32 s, uint8 tag) public pure {
        vm.assertTrue(
            uint256(ZktTranscript.absorb(s, tag, "")) % ZktTranscript.R
                != ZktTranscript.squeeze(s, tag),
            "absorb vs squeeze"
        );
    }
}
