#!/usr/bin/env bash
# The main job end to end: ONNX model → quantized basic blocks → proof → Solidity verifier and
# MLOracle consumer deployed on an embedded Anvil → verify() and submit() transactions → gas.
# Extra arguments go to `zkt-eth demo` (see `zkt-eth demo --help`).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
echo "• building zkt-eth (first build takes several minutes)…" >&2
cargo build --quiet --bin zkt-eth
exec "${CARGO_TARGET_DIR:-$ROOT/target}/debug/zkt-eth" demo "$@"
