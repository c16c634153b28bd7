#!/usr/bin/env bash
# Every test: Rust unit and integration tests (prover, verifiers, ptau with snarkjs, on-chain
# agreement on a real Anvil), then Foundry's tests of the generated verifiers and the consumer.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
echo "• cargo fmt --check" >&2
cargo fmt --all -- --check
echo "• cargo test" >&2
cargo test --workspace --all-targets
echo "• forge fmt --check, forge test" >&2
forge fmt --check
forge test
