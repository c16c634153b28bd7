#!/usr/bin/env bash
# Every test: Rust unit and integration tests (prover, verifiers, ptau with snarkjs, on-chain
# agreement on a real Anvil, the Foundry quickstart, fuzzed loaders), the README walkthrough run
# verbatim outside the repository, then Foundry's tests of the generated verifiers and consumers.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
echo "• cargo fmt --check" >&2
cargo fmt --all -- --check
echo "• cargo test" >&2
cargo test --workspace --all-targets
echo "• the README walkthrough, from a directory outside the repository" >&2
./script/readme-test.sh
echo "• forge fmt --check, forge test" >&2
forge fmt --check
forge test
