#!/usr/bin/env bash
# Regenerates every proof fixture and generated verifier the tests rely on, in one go:
#
#   script/gen-fixtures.sh            # from the repository root
#
# For each model (sample: public input; mlp784: private input; lenet: a CNN; glu: a mixed layer and
# a product, from models/testdata; lenet-pool: LeNet with `--pool coset`, a coset-sum gate; rescnn:
# its MaxPool as the CosetMax block; lenet-im2col: LeNet with `--conv im2col`, a patch layer;
# sample-committed: the sample with a committed input,
# `commit-input` first) it runs the zkt-eth CLI:
# compile (calibrated on the model's input.json) → setup --dev --seed 1 → prove → verify →
# create-verifier (written to contracts/generated/<Contract>.sol after `forge fmt`, so that
# `forge fmt --check` passes; formatting does not change the bytecode), then copies proof.bin /
# vk.bin and the `encode-calldata` output into contracts/test/fixtures/<model>/. The ignored Rust test
# `tests/fixtures.rs::regenerate_fixtures` then writes fixture.json (per model) and the shared
# corpus contracts/test/fixtures/corpus.json (valid proof + invalid variants, with the verdict
# and the Solidity custom error each must produce), checked by the Rust verifier as it writes.
# Finally the non-ignored Rust fixture tests, `forge build` and `forge test` run; `forge test`
# rewrites the gas snapshots in snapshots/ (check them later with FORGE_SNAPSHOT_CHECK=true).
#
# Environment:
#   CARGO_TARGET_DIR   default $HOME/.cache/zkt-eth-target
#   SKIP_FORGE=1       stop after the Rust checks (no forge build / forge test)
#
# Scratch build directories go to build/fixtures/<model>/ (git-ignored). Proofs are randomized
# (the prover draws blinding factors from the OS RNG), so proof bytes change on every run; the
# verifying keys and generated verifiers are deterministic (dev SRS, seed 1).
set -euo pipefail

if [[ ! -f foundry.toml || ! -d models ]]; then
    echo "gen-fixtures: run me from the zkt-eth repository root" >&2
    exit 2
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zkt-eth-target}"
FORGE=node_modules/.bin/forge
FIXTURES=contracts/test/fixtures
GENERATED=contracts/generated

echo "==> building the zkt-eth CLI"
cargo build --quiet --bin zkt-eth
BIN="$CARGO_TARGET_DIR/debug/zkt-eth"

# gen <model> <Contract> <public|private|committed> [fixture name, default <model>]
# (ONNX=… INPUT=… override models/<model>/<model>.onnx and models/<model>/input.json; COMPILE="…"
# adds compile flags)
gen() {
    local model=$1 contract=$2 visibility=$3 name=${4:-$1}
    local build="build/fixtures/$name" out="$FIXTURES/$name"
    local onnx=${ONNX:-models/$model/$model.onnx} input=${INPUT:-models/$model/input.json}
    echo "==> $model ($visibility input) → $GENERATED/$contract.sol, $out/"
    rm -rf "$build"
    mkdir -p "$build" "$out" "$GENERATED"
    # shellcheck disable=SC2086 # COMPILE is a list of flags
    "$BIN" compile "$onnx" -o "$build" --calibrate "$input" ${COMPILE:-} --json >"$build/compile.stdout.json"
    "$BIN" setup "$build" --dev --seed 1 --visibility "$visibility" --json >"$build/setup.json"
    local opening=()
    if [[ "$visibility" == committed ]]; then
        # The data owner's step: commit to the input (the opening stays with the prover).
        "$BIN" commit-input "$build" --input "$input" \
            -o "$build/input.opening.json" --json >"$build/commit-input.json"
        opening=(--opening "$build/input.opening.json")
    fi
    "$BIN" prove "$build" --input "$input" -o "$build/proof.bin" \
        "${opening[@]}" --json >"$build/prove.json"
    "$BIN" verify "$build/vk.bin" "$build/proof.bin" --json >"$build/verify.json"
    "$BIN" create-verifier "$build/vk.bin" -o "$build/$contract.sol" --name "$contract" \
        --json >"$build/create-verifier.json"
    # Committed formatted, so that `forge fmt --check` (script/test.sh) passes; same bytecode.
    # forge 1.7's formatter is not idempotent on long literals: format until it is a fixed point.
    cp "$build/$contract.sol" "$build/$contract.fmt.sol"
    local pass
    for pass in 1 2 3 4; do
        "$FORGE" fmt --raw - <"$build/$contract.fmt.sol" >"$build/$contract.fmt2.sol"
        if cmp -s "$build/$contract.fmt.sol" "$build/$contract.fmt2.sol"; then break; fi
        mv "$build/$contract.fmt2.sol" "$build/$contract.fmt.sol"
    done
    "$FORGE" fmt --check - <"$build/$contract.fmt.sol" >/dev/null
    mv "$build/$contract.fmt.sol" "$GENERATED/$contract.sol"
    cp "$build/proof.bin" "$out/proof.bin"
    cp "$build/vk.bin" "$out/vk.bin"
    "$BIN" encode-calldata "$build/proof.bin" >"$out/calldata.hex"
    if [[ "$visibility" == committed ]]; then
        # Two proofs under one commitment (first-proven semantics of MLOracle), as forge fixtures.
        "$BIN" prove "$build" --input "$input" -o "$build/proof2.bin" \
            "${opening[@]}" --json >"$build/prove2.json"
        cp "$build/proof2.bin" "$out/proof2.bin"
        "$BIN" fixture "$out/proof.bin" --vk "$out/vk.bin" -o "$out" --no-helper --json >/dev/null
        "$BIN" fixture "$out/proof2.bin" --vk "$out/vk.bin" -o "$out" --name fixture2 --no-helper \
            --json >/dev/null
    fi
}

gen sample SampleVerifier public
gen mlp784 Mlp784Verifier private
gen lenet LenetVerifier public
# GLU-style gating a ⊙ σ(b): a mixed layer, then a Hadamard gate.
ONNX=models/testdata/glu.onnx INPUT=models/testdata/glu.json gen glu GluVerifier public
# LeNet with its two 2×2 AveragePools as coset-sum layers, Gate instances (compile --pool coset).
COMPILE="--pool coset" gen lenet LenetPoolVerifier public lenet-pool
# rescnn (BatchNormalization, a residual Add): its 2×2 MaxPool is a CosetMax layer.
gen rescnn RescnnVerifier public
# A max pool of a max pool: the second reads a coset max's output, which a Copy layer lays out.
ONNX=models/testdata/pool_pool.onnx INPUT=models/testdata/pool_pool.json gen pool_pool PoolPoolVerifier public pool-pool
# An average pool of the hidden model input itself: a Copy layer (bit-reversed source), CosetSum.
ONNX=models/testdata/input_pool.onnx INPUT=models/testdata/input_pool.json COMPILE="--pool coset" \
    gen input_pool InputPoolVerifier private input-pool
# A max pool of the signed model input: a Copy layer, then a signed CosetMax (vk op 6).
ONNX=models/testdata/input_max.onnx INPUT=models/testdata/input_max.json gen input_max InputMaxVerifier public input-max
# LeNet with its first convolution by im2col (compile --conv im2col): a Copy of the patches, then a
# patch layer (vk op 7) whose RowSum reads x at ζ^(M/P').
COMPILE="--conv im2col" gen lenet LenetIm2colVerifier public lenet-im2col
gen sample SampleCommittedVerifier committed sample-committed

echo "==> writing fixture.json and corpus.json (tests/fixtures.rs, ignored test regenerate_fixtures)"
cargo test --quiet --test fixtures -- --ignored regenerate --nocapture
echo "==> checking the committed fixtures against the Rust verifier"
cargo test --quiet --test fixtures

if [[ "${SKIP_FORGE:-0}" == "1" ]]; then
    echo "==> SKIP_FORGE=1: not running forge"
    exit 0
fi
echo "==> forge build"
"$FORGE" build
echo "==> forge test (rewrites snapshots/*.json)"
"$FORGE" test
echo "==> done: review and commit $GENERATED/, $FIXTURES/ and snapshots/"
