// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {IZkTorchVerifier} from "../IZkTorchVerifier.sol";
import {GluVerifier} from "../generated/GluVerifier.sol";
import {InputMaxVerifier} from "../generated/InputMaxVerifier.sol";
import {InputPoolVerifier} from "../generated/InputPoolVerifier.sol";
import {LenetIm2colVerifier} from "../generated/LenetIm2colVerifier.sol";
import {LenetPoolVerifier} from "../generated/LenetPoolVerifier.sol";
import {LenetVerifier} from "../generated/LenetVerifier.sol";
import {Mlp784Verifier} from "../generated/Mlp784Verifier.sol";
import {PoolPoolVerifier} from "../generated/PoolPoolVerifier.sol";
import {RescnnVerifier} from "../generated/RescnnVerifier.sol";
import {SampleVerifier} from "../generated/SampleVerifier.sol";
import {CheatcodeTest} from "./utils/Vm.sol";

/// @dev The public constants every generated verifier exposes.
interface IGeneratedVerifier is IZkTorchVerifier {
    function VK_DIGEST() external view returns (bytes32);
    function SCALE_BITS() external view returns (uint256);
    function LOOKUP_BITS() external view returns (uint256);
    function OUTPUT_BITS() external view returns (uint256);
    function PUBLIC_INPUTS() external view returns (uint256);
    function OUTPUTS() external view returns (uint256);
    function INSECURE_SRS() external view returns (bool);
}

/// @notice Reads the proof fixtures written by `script/gen-fixtures.sh` (contracts/test/fixtures/):
///         `<model>/fixture.json` per model and the shared `corpus.json` (sample model).
abstract contract FixtureTest is CheatcodeTest {
    string internal constant FIXTURES = "contracts/test/fixtures/";
    string internal constant REGEN = " (stale fixtures? run script/gen-fixtures.sh)";

    /// @dev One submission of a fixture list (`corpus.json` entries, `fixture.json` `invalid`).
    struct Entry {
        string name;
        bool valid;
        string error;
        bytes4 selector;
        bytes revertData;
        bytes proof;
        int256[] inputs;
        int256[] outputs;
    }

    /// @dev The valid proof of a model's fixture.json.
    struct Fixture {
        bytes proof;
        int256[] inputs;
        int256[] outputs;
        uint256 argmax;
        bytes32 inputHash;
    }

    function _read(string memory rel) internal view returns (string memory) {
        return vm.readFile(string.concat(FIXTURES, rel));
    }

    function _fixture(string memory json) internal pure returns (Fixture memory f) {
        f.proof = vm.parseJsonBytes(json, ".proof");
        f.inputs = vm.parseJsonIntArray(json, ".inputs");
        f.outputs = vm.parseJsonIntArray(json, ".outputs");
        f.argmax = vm.parseJsonUint(json, ".argmax");
        f.inputHash = vm.parseJsonBytes32(json, ".input_hash");
    }

    /// @dev Entry `i` of the array at `list` (".entries" or ".invalid").
    function _entry(string memory json, string memory list, uint256 i)
        internal
        pure
        returns (Entry memory e)
    {
        string memory k = string.concat(list, "[", vm.toString(i), "]");
        e.name = vm.parseJsonString(json, string.concat(k, ".name"));
        e.valid = _eq(vm.parseJsonString(json, string.concat(k, ".expected")), "valid");
        e.error = vm.parseJsonString(json, string.concat(k, ".error"));
        e.selector = _head(vm.parseJsonBytes(json, string.concat(k, ".selector")));
        e.revertData = vm.parseJsonBytes(json, string.concat(k, ".revert_data"));
        e.proof = vm.parseJsonBytes(json, string.concat(k, ".proof"));
        e.inputs = vm.parseJsonIntArray(json, string.concat(k, ".inputs"));
        e.outputs = vm.parseJsonIntArray(json, string.concat(k, ".outputs"));
    }

    /// @dev The first four bytes (the selector of a custom error), zero-padded.
    function _head(bytes memory b) internal pure returns (bytes4 s) {
        if (b.length >= 4) {
            assembly ("memory-safe") {
                s := mload(add(b, 0x20))
            }
        }
    }

    function _eq(string memory a, string memory b) internal pure returns (bool) {
        return keccak256(bytes(a)) == keccak256(bytes(b));
    }

    /// @dev The verifier's own selector for a custom error name: independent of the selectors the
    ///      Rust side recorded (which come from parsing the generated source).
    function _selectorOf(string memory name) internal pure returns (bytes4) {
        if (_eq(name, "ProofLength")) return SampleVerifier.ProofLength.selector;
        if (_eq(name, "ScalarNotCanonical")) return SampleVerifier.ScalarNotCanonical.selector;
        if (_eq(name, "CoordinateNotCanonical")) {
            return SampleVerifier.CoordinateNotCanonical.selector;
        }
        if (_eq(name, "PointNotOnCurve")) return SampleVerifier.PointNotOnCurve.selector;
        if (_eq(name, "PublicLength")) return SampleVerifier.PublicLength.selector;
        if (_eq(name, "InputOutOfWindow")) return SampleVerifier.InputOutOfWindow.selector;
        if (_eq(name, "OutputOutOfWindow")) return SampleVerifier.OutputOutOfWindow.selector;
        if (_eq(name, "DegenerateChallenge")) return SampleVerifier.DegenerateChallenge.selector;
        if (_eq(name, "InverseMismatch")) return SampleVerifier.InverseMismatch.selector;
        if (_eq(name, "PairingFailed")) return SampleVerifier.PairingFailed.selector;
        if (_eq(name, "PrecompileFailed")) return SampleVerifier.PrecompileFailed.selector;
        if (_eq(name, "InputCommitmentInvalid")) {
            return SampleVerifier.InputCommitmentInvalid.selector;
        }
        revert(string.concat("unknown verifier error ", name, ": update ModelVerifier.t.sol"));
    }

    /// @dev Flips the lowest bit of word `w` (as the Rust fixture generator does).
    function _flip(bytes memory proof, uint256 w) internal pure returns (bytes memory b) {
        b = bytes.concat(proof);
        b[32 * w + 31] = b[32 * w + 31] ^ 0x01;
    }
}

/// @notice The generated SampleVerifier / Mlp784Verifier against the committed fixtures: the valid
///         proofs verify (gas snapshot), every corpus entry gets the verdict and the custom error
///         the Rust verifier gives, and every single-word flip of the proofs reverts.
contract ModelVerifierTest is FixtureTest {
    SampleVerifier internal sample;
    Mlp784Verifier internal mlp;
    LenetVerifier internal lenet;
    GluVerifier internal glu;
    LenetPoolVerifier internal lenetPool;
    RescnnVerifier internal rescnn;
    PoolPoolVerifier internal poolPool;
    InputPoolVerifier internal inputPool;
    InputMaxVerifier internal inputMax;
    LenetIm2colVerifier internal lenetIm2col;

    function setUp() public {
        sample = new SampleVerifier();
        mlp = new Mlp784Verifier();
        lenet = new LenetVerifier();
        glu = new GluVerifier();
        lenetPool = new LenetPoolVerifier();
        rescnn = new RescnnVerifier();
        poolPool = new PoolPoolVerifier();
        inputPool = new InputPoolVerifier();
        inputMax = new InputMaxVerifier();
        lenetIm2col = new LenetIm2colVerifier();
    }

    // ───────────────────────────────────────────────────────────── constants ──

    function _checkConstants(IGeneratedVerifier v, string memory fx, string memory artifact)
        internal
        view
    {
        bytes32 digest = vm.parseJsonBytes32(fx, ".vk_digest");
        vm.assertEq(v.vkDigest(), digest, string.concat("vkDigest()", REGEN));
        vm.assertEq(v.VK_DIGEST(), digest, "VK_DIGEST");
        vm.assertEq(v.scaleBits(), vm.parseJsonUint(fx, ".scale_bits"), "scaleBits()");
        vm.assertEq(v.SCALE_BITS(), vm.parseJsonUint(fx, ".scale_bits"), "SCALE_BITS");
        vm.assertEq(v.LOOKUP_BITS(), vm.parseJsonUint(fx, ".lookup_bits"), "LOOKUP_BITS");
        vm.assertEq(v.OUTPUT_BITS(), vm.parseJsonUint(fx, ".output_bits"), "OUTPUT_BITS");
        vm.assertEq(v.PUBLIC_INPUTS(), vm.parseJsonUint(fx, ".public_inputs"), "PUBLIC_INPUTS");
        vm.assertEq(v.OUTPUTS(), vm.parseJsonUint(fx, ".output_count"), "OUTPUTS");
        vm.assertEq(v.INSECURE_SRS(), vm.parseJsonBool(fx, ".insecure_dev_srs"), "INSECURE_SRS");
        vm.assertEq(v.insecureSrs(), vm.parseJsonBool(fx, ".insecure_dev_srs"), "insecureSrs()");
        // forge's compile (foundry.toml) and the CLI's (`create-verifier` runtime_bytes) agree.
        uint256 cliSize = vm.parseJsonUint(fx, ".runtime_bytes");
        vm.assertEq(
            address(v).code.length, cliSize, "runtime size: forge vs zkt-eth create-verifier"
        );
        vm.assertEq(vm.getDeployedCode(artifact).length, cliSize, "artifact runtime size");
        vm.assertLe(cliSize, 24_576, "EIP-170");
    }

    function test_SampleConstantsMatchFixture() public view {
        _checkConstants(
            IGeneratedVerifier(address(sample)),
            _read("sample/fixture.json"),
            "SampleVerifier.sol:SampleVerifier"
        );
        vm.assertEq(
            vm.parseJsonBytes32(_read("corpus.json"), ".vk_digest"),
            sample.vkDigest(),
            "corpus is for SampleVerifier"
        );
    }

    function test_Mlp784ConstantsMatchFixture() public view {
        _checkConstants(
            IGeneratedVerifier(address(mlp)),
            _read("mlp784/fixture.json"),
            "Mlp784Verifier.sol:Mlp784Verifier"
        );
        vm.assertEq(mlp.PUBLIC_INPUTS(), 0, "mlp784 input is private");
    }

    function test_LenetConstantsMatchFixture() public view {
        _checkConstants(
            IGeneratedVerifier(address(lenet)),
            _read("lenet/fixture.json"),
            "LenetVerifier.sol:LenetVerifier"
        );
    }

    function test_GluConstantsMatchFixture() public view {
        _checkConstants(
            IGeneratedVerifier(address(glu)),
            _read("glu/fixture.json"),
            "GluVerifier.sol:GluVerifier"
        );
    }

    function test_LenetPoolConstantsMatchFixture() public view {
        _checkConstants(
            IGeneratedVerifier(address(lenetPool)),
            _read("lenet-pool/fixture.json"),
            "LenetPoolVerifier.sol:LenetPoolVerifier"
        );
    }

    function test_RescnnConstantsMatchFixture() public view {
        _checkConstants(
            IGeneratedVerifier(address(rescnn)),
            _read("rescnn/fixture.json"),
            "RescnnVerifier.sol:RescnnVerifier"
        );
    }

    function test_PoolPoolConstantsMatchFixture() public view {
        _checkConstants(
            IGeneratedVerifier(address(poolPool)),
            _read("pool-pool/fixture.json"),
            "PoolPoolVerifier.sol:PoolPoolVerifier"
        );
    }

    function test_InputPoolConstantsMatchFixture() public view {
        _checkConstants(
            IGeneratedVerifier(address(inputPool)),
            _read("input-pool/fixture.json"),
            "InputPoolVerifier.sol:InputPoolVerifier"
        );
    }

    function test_InputMaxConstantsMatchFixture() public view {
        _checkConstants(
            IGeneratedVerifier(address(inputMax)),
            _read("input-max/fixture.json"),
            "InputMaxVerifier.sol:InputMaxVerifier"
        );
    }

    function test_LenetIm2colConstantsMatchFixture() public view {
        _checkConstants(
            IGeneratedVerifier(address(lenetIm2col)),
            _read("lenet-im2col/fixture.json"),
            "LenetIm2colVerifier.sol:LenetIm2colVerifier"
        );
    }

    /// @dev The recorded selectors (Rust: keccak of the parsed `error` declarations) are the ABI's.
    function test_RecordedSelectorsAreTheVerifierAbi() public view {
        string[11] memory files = [
            "corpus.json",
            "sample/fixture.json",
            "mlp784/fixture.json",
            "lenet/fixture.json",
            "glu/fixture.json",
            "lenet-pool/fixture.json",
            "rescnn/fixture.json",
            "pool-pool/fixture.json",
            "input-pool/fixture.json",
            "input-max/fixture.json",
            "lenet-im2col/fixture.json"
        ];
        for (uint256 f = 0; f < files.length; ++f) {
            string memory json = vm.readFile(string.concat(FIXTURES, files[f]));
            string[] memory names = vm.parseJsonKeys(json, ".selectors");
            vm.assertGt(names.length, 5, "selectors recorded");
            for (uint256 i = 0; i < names.length; ++i) {
                bytes memory sel = vm.parseJsonBytes(json, string.concat(".selectors.", names[i]));
                vm.assertEq(
                    sel,
                    abi.encodePacked(_selectorOf(names[i])),
                    string.concat(files[f], ": selector of ", names[i])
                );
            }
        }
    }

    // ─────────────────────────────────────────────────────────── valid proofs ──

    function test_SampleValidProofVerifies() public {
        string memory fx = _read("sample/fixture.json");
        Fixture memory f = _fixture(fx);
        bool ok = sample.verify(f.proof, f.inputs, f.outputs);
        vm.snapshotGasLastCall("SampleVerifier.verify (valid sample proof)");
        vm.assertTrue(ok, string.concat("valid sample proof rejected", REGEN));
        vm.assertEq(f.proof.length, 32 * vm.parseJsonUint(fx, ".proof_words"), "proof words");

        // calldata.hex (the CLI's `encode-calldata`, alloy's ABI encoder) is solc's encoding.
        bytes memory cd = vm.parseBytes(vm.trim(_read("sample/calldata.hex")));
        vm.assertEq(
            cd,
            abi.encodeCall(IZkTorchVerifier.verify, (f.proof, f.inputs, f.outputs)),
            "calldata.hex"
        );
        vm.assertEq(cd.length, vm.parseJsonUint(fx, ".calldata_bytes"), "calldata bytes");
        (bool success, bytes memory ret) = address(sample).staticcall(cd);
        vm.assertTrue(success && abi.decode(ret, (bool)), "raw calldata.hex call");
    }

    function test_Mlp784ValidProofVerifies() public {
        string memory fx = _read("mlp784/fixture.json");
        Fixture memory f = _fixture(fx);
        vm.assertEq(f.inputs.length, 0, "private input: no public inputs");
        bool ok = mlp.verify(f.proof, f.inputs, f.outputs);
        vm.snapshotGasLastCall("Mlp784Verifier.verify (valid mlp784 proof, private input)");
        vm.assertTrue(ok, string.concat("valid mlp784 proof rejected", REGEN));
        bytes memory cd = vm.parseBytes(vm.trim(_read("mlp784/calldata.hex")));
        vm.assertEq(
            cd,
            abi.encodeCall(IZkTorchVerifier.verify, (f.proof, f.inputs, f.outputs)),
            "calldata.hex"
        );
    }

    /// @dev The LeNet-style CNN (Conv, AveragePool, Gemm: three composed dense layers).
    function test_LenetValidProofVerifies() public {
        string memory fx = _read("lenet/fixture.json");
        Fixture memory f = _fixture(fx);
        bool ok = lenet.verify(f.proof, f.inputs, f.outputs);
        vm.snapshotGasLastCall("LenetVerifier.verify (valid lenet proof, CNN)");
        vm.assertTrue(ok, string.concat("valid lenet proof rejected", REGEN));
        bytes memory cd = vm.parseBytes(vm.trim(_read("lenet/calldata.hex")));
        vm.assertEq(
            cd,
            abi.encodeCall(IZkTorchVerifier.verify, (f.proof, f.inputs, f.outputs)),
            "calldata.hex"
        );
    }

    /// @dev GLU-style gating a ⊙ σ(b) (models/testdata/glu.onnx): a mixed layer (sigmoid on even
    ///      rows, identity on odd rows), an operands layer and a Hadamard gate.
    function test_GluValidProofVerifies() public {
        string memory fx = _read("glu/fixture.json");
        Fixture memory f = _fixture(fx);
        bool ok = glu.verify(f.proof, f.inputs, f.outputs);
        vm.snapshotGasLastCall("GluVerifier.verify (valid glu proof: mixed layer and product)");
        vm.assertTrue(ok, string.concat("valid glu proof rejected", REGEN));
        bytes memory cd = vm.parseBytes(vm.trim(_read("glu/calldata.hex")));
        vm.assertEq(
            cd,
            abi.encodeCall(IZkTorchVerifier.verify, (f.proof, f.inputs, f.outputs)),
            "calldata.hex"
        );
    }

    /// @dev LeNet compiled with `--pool cosetsum`: its two 2×2 AveragePools are CosetSum layers.
    function test_LenetPoolValidProofVerifies() public {
        string memory fx = _read("lenet-pool/fixture.json");
        Fixture memory f = _fixture(fx);
        bool ok = lenetPool.verify(f.proof, f.inputs, f.outputs);
        vm.snapshotGasLastCall("LenetPoolVerifier.verify (valid lenet proof, CosetSum pooling)");
        vm.assertTrue(ok, string.concat("valid lenet-pool proof rejected", REGEN));
        bytes memory cd = vm.parseBytes(vm.trim(_read("lenet-pool/calldata.hex")));
        vm.assertEq(
            cd,
            abi.encodeCall(IZkTorchVerifier.verify, (f.proof, f.inputs, f.outputs)),
            "calldata.hex"
        );
    }

    /// @dev rescnn (BatchNormalization, a residual Add): its 2×2 MaxPool is a CosetMax layer.
    function test_RescnnValidProofVerifies() public {
        string memory fx = _read("rescnn/fixture.json");
        Fixture memory f = _fixture(fx);
        bool ok = rescnn.verify(f.proof, f.inputs, f.outputs);
        vm.snapshotGasLastCall("RescnnVerifier.verify (valid rescnn proof, CosetMax pooling)");
        vm.assertTrue(ok, string.concat("valid rescnn proof rejected", REGEN));
        bytes memory cd = vm.parseBytes(vm.trim(_read("rescnn/calldata.hex")));
        vm.assertEq(
            cd,
            abi.encodeCall(IZkTorchVerifier.verify, (f.proof, f.inputs, f.outputs)),
            "calldata.hex"
        );
    }

    /// @dev A max pool of a max pool: a Copy layer lays the first's output out for the second.
    function test_PoolPoolValidProofVerifies() public {
        _checkValid(
            IZkTorchVerifier(address(poolPool)),
            "pool-pool",
            "PoolPoolVerifier.verify (valid pool-pool proof, Copy + CosetMax)"
        );
    }

    /// @dev An average pool of the hidden model input: a Copy layer (bit-reversed source), CosetSum.
    function test_InputPoolValidProofVerifies() public {
        _checkValid(
            IZkTorchVerifier(address(inputPool)),
            "input-pool",
            "InputPoolVerifier.verify (valid input-pool proof, Copy + CosetSum)"
        );
    }

    /// @dev A max pool of the signed model input: a Copy layer, then a signed CosetMax (op 6).
    function test_InputMaxValidProofVerifies() public {
        _checkValid(
            IZkTorchVerifier(address(inputMax)),
            "input-max",
            "InputMaxVerifier.verify (valid input-max proof, Copy + signed CosetMax)"
        );
    }

    /// @dev LeNet's first convolution by im2col: a Copy of the patches, then a patch layer (op 7)
    ///      whose RowSum reads the patches at ζ^(M/P').
    function test_LenetIm2colValidProofVerifies() public {
        _checkValid(
            IZkTorchVerifier(address(lenetIm2col)),
            "lenet-im2col",
            "LenetIm2colVerifier.verify (valid lenet proof, im2col Copy + patch RowSum)"
        );
    }

    function _checkValid(IZkTorchVerifier v, string memory name, string memory snapshot) internal {
        string memory fx = _read(string.concat(name, "/fixture.json"));
        Fixture memory f = _fixture(fx);
        bool ok = v.verify(f.proof, f.inputs, f.outputs);
        vm.snapshotGasLastCall(snapshot);
        vm.assertTrue(ok, string.concat("valid ", name, " proof rejected", REGEN));
        bytes memory cd = vm.parseBytes(vm.trim(_read(string.concat(name, "/calldata.hex"))));
        vm.assertEq(
            cd,
            abi.encodeCall(IZkTorchVerifier.verify, (f.proof, f.inputs, f.outputs)),
            "calldata.hex"
        );
    }

    // ──────────────────────────────────────────────────────────────── corpus ──

    /// @dev Every corpus entry: valid ones return true, invalid ones revert with the recorded
    ///      custom error (`vm.expectRevert(bytes4)` / `vm.expectPartialRevert(bytes4)`).
    function test_CorpusVerdicts() public {
        string memory json = _read("corpus.json");
        uint256 n = vm.parseJsonUint(json, ".count");
        vm.assertGt(n, 12, "corpus size");
        uint256 valid;
        for (uint256 i = 0; i < n; ++i) {
            Entry memory e = _entry(json, ".entries", i);
            _expectVerdict(IZkTorchVerifier(address(sample)), e);
            if (e.valid) valid++;
        }
        vm.assertEq(valid, 1, "exactly one valid corpus entry");
    }

    /// @dev Same, with the full revert data (error arguments: word index, lengths) compared.
    function test_CorpusRevertData() public view {
        string memory json = _read("corpus.json");
        uint256 n = vm.parseJsonUint(json, ".count");
        for (uint256 i = 0; i < n; ++i) {
            _expectRevertData(IZkTorchVerifier(address(sample)), _entry(json, ".entries", i));
        }
    }

    function test_SampleFixtureInvalidVariants() public {
        _checkInvalidList(IZkTorchVerifier(address(sample)), _read("sample/fixture.json"));
    }

    function test_Mlp784FixtureInvalidVariants() public {
        _checkInvalidList(IZkTorchVerifier(address(mlp)), _read("mlp784/fixture.json"));
    }

    function test_GluFixtureInvalidVariants() public {
        _checkInvalidList(IZkTorchVerifier(address(glu)), _read("glu/fixture.json"));
    }

    function test_RescnnFixtureInvalidVariants() public {
        _checkInvalidList(IZkTorchVerifier(address(rescnn)), _read("rescnn/fixture.json"));
    }

    function test_PoolPoolFixtureInvalidVariants() public {
        _checkInvalidList(IZkTorchVerifier(address(poolPool)), _read("pool-pool/fixture.json"));
    }

    function test_InputMaxFixtureInvalidVariants() public {
        _checkInvalidList(IZkTorchVerifier(address(inputMax)), _read("input-max/fixture.json"));
    }

    function test_LenetIm2colFixtureInvalidVariants() public {
        _checkInvalidList(
            IZkTorchVerifier(address(lenetIm2col)), _read("lenet-im2col/fixture.json")
        );
    }

    function test_InputPoolFixtureInvalidVariants() public {
        _checkInvalidList(IZkTorchVerifier(address(inputPool)), _read("input-pool/fixture.json"));
    }

    function test_LenetPoolFixtureInvalidVariants() public {
        _checkInvalidList(IZkTorchVerifier(address(lenetPool)), _read("lenet-pool/fixture.json"));
    }

    function test_LenetFixtureInvalidVariants() public {
        _checkInvalidList(IZkTorchVerifier(address(lenet)), _read("lenet/fixture.json"));
    }

    function _checkInvalidList(IZkTorchVerifier v, string memory fx) internal {
        uint256 n = vm.parseJsonUint(fx, ".invalid_count");
        vm.assertGt(n, 12, "invalid variants");
        for (uint256 i = 0; i < n; ++i) {
            Entry memory e = _entry(fx, ".invalid", i);
            vm.assertFalse(e.valid, e.name);
            _expectVerdict(v, e);
            _expectRevertData(v, e);
        }
    }

    function _expectVerdict(IZkTorchVerifier v, Entry memory e) internal {
        if (e.valid) {
            vm.assertTrue(v.verify(e.proof, e.inputs, e.outputs), string.concat(e.name, REGEN));
            return;
        }
        if (bytes(e.error).length == 0) {
            vm.expectRevert();
        } else {
            vm.assertEq(
                abi.encodePacked(e.selector), abi.encodePacked(_selectorOf(e.error)), e.name
            );
            // forge 1.7: expectRevert(bytes4) matches the whole revert data, so it fits errors
            // without arguments; errors with arguments are matched on their selector.
            if (e.revertData.length == 4) vm.expectRevert(e.selector);
            else vm.expectPartialRevert(e.selector);
        }
        v.verify(e.proof, e.inputs, e.outputs);
    }

    function _expectRevertData(IZkTorchVerifier v, Entry memory e) internal view {
        try v.verify(e.proof, e.inputs, e.outputs) returns (bool ok) {
            vm.assertTrue(
                e.valid && ok, string.concat(e.name, ": accepted, expected a revert", REGEN)
            );
        } catch (bytes memory reason) {
            vm.assertFalse(e.valid, string.concat(e.name, ": valid entry reverted", REGEN));
            if (e.revertData.length > 0) {
                vm.assertEq(reason, e.revertData, string.concat(e.name, ": revert data"));
            } else {
                vm.assertGt(reason.length, 3, string.concat(e.name, ": custom error expected"));
            }
        }
    }

    // ──────────────────────────────────────────────────────────── word flips ──

    /// @dev Flipping the lowest bit of any single word of the sample proof reverts, with exactly
    ///      the error (and arguments) the Rust verifier gives for that word.
    function test_EverySampleWordFlipReverts() public view {
        _checkWordFlips(IZkTorchVerifier(address(sample)), _read("sample/fixture.json"));
    }

    function test_EveryMlp784WordFlipReverts() public view {
        _checkWordFlips(IZkTorchVerifier(address(mlp)), _read("mlp784/fixture.json"));
    }

    function test_EveryGluWordFlipReverts() public view {
        _checkWordFlips(IZkTorchVerifier(address(glu)), _read("glu/fixture.json"));
    }

    function test_EveryLenetWordFlipReverts() public view {
        _checkWordFlips(IZkTorchVerifier(address(lenet)), _read("lenet/fixture.json"));
    }

    function test_EveryRescnnWordFlipReverts() public view {
        _checkWordFlips(IZkTorchVerifier(address(rescnn)), _read("rescnn/fixture.json"));
    }

    function test_EveryPoolPoolWordFlipReverts() public view {
        _checkWordFlips(IZkTorchVerifier(address(poolPool)), _read("pool-pool/fixture.json"));
    }

    function test_EveryInputMaxWordFlipReverts() public view {
        _checkWordFlips(IZkTorchVerifier(address(inputMax)), _read("input-max/fixture.json"));
    }

    function test_EveryLenetIm2colWordFlipReverts() public view {
        _checkWordFlips(IZkTorchVerifier(address(lenetIm2col)), _read("lenet-im2col/fixture.json"));
    }

    function test_EveryInputPoolWordFlipReverts() public view {
        _checkWordFlips(IZkTorchVerifier(address(inputPool)), _read("input-pool/fixture.json"));
    }

    function test_EveryLenetPoolWordFlipReverts() public view {
        _checkWordFlips(IZkTorchVerifier(address(lenetPool)), _read("lenet-pool/fixture.json"));
    }

    function _checkWordFlips(IZkTorchVerifier v, string memory fx) internal view {
        Fixture memory f = _fixture(fx);
        string[] memory errors = vm.parseJsonStringArray(fx, ".word_flip_errors");
        bytes[] memory data = vm.parseJsonBytesArray(fx, ".word_flip_revert_data");
        uint256 words = f.proof.length / 32;
        vm.assertEq(errors.length, words, string.concat("word flips recorded", REGEN));
        vm.assertEq(data.length, words, "word flip revert data recorded");
        for (uint256 w = 0; w < words; ++w) {
            string memory what = string.concat("word ", vm.toString(w));
            try v.verify(_flip(f.proof, w), f.inputs, f.outputs) returns (bool) {
                vm.assertTrue(false, string.concat(what, ": flipped proof accepted"));
            } catch (bytes memory reason) {
                vm.assertEq(
                    abi.encodePacked(_head(reason)),
                    abi.encodePacked(_selectorOf(errors[w])),
                    string.concat(what, ": ", errors[w])
                );
                if (data[w].length > 0) {
                    vm.assertEq(reason, data[w], string.concat(what, ": revert data"));
                }
            }
        }
    }

    /// @dev Any single-word replacement of the sample proof reverts.
    function testFuzz_ReplacingAnyWordReverts(uint256 word, bytes32 value) public {
        Fixture memory f = _fixture(_read("sample/fixture.json"));
        uint256 w = word % (f.proof.length / 32);
        bytes memory p = bytes.concat(f.proof);
        bytes32 old;
        assembly ("memory-safe") {
            old := mload(add(add(p, 0x20), mul(w, 0x20)))
            mstore(add(add(p, 0x20), mul(w, 0x20)), value)
        }
        if (old == value) return;
        vm.expectRevert();
        sample.verify(p, f.inputs, f.outputs);
    }

    /// @dev Any change of one output (inside or outside the window) reverts.
    function testFuzz_AnyOtherOutputReverts(uint256 index, int256 value) public {
        Fixture memory f = _fixture(_read("sample/fixture.json"));
        uint256 i = index % f.outputs.length;
        if (f.outputs[i] == value) return;
        f.outputs[i] = value;
        vm.expectRevert();
        sample.verify(f.proof, f.inputs, f.outputs);
    }
}
