#!/usr/bin/env bash
# The README's "Foundry quickstart", end to end, offline, in a fresh temporary Foundry project:
#
#   forge init --offline --no-git --empty   (no forge-std: nothing to download)
#   zkt-eth compile / setup --dev / prove   (the sample model, ~1 s)
#   zkt-eth create-verifier build/vk.bin --out-dir src/zkt
#   zkt-eth fixture build/proof.bin -o test/zkt
#   a test that loads the fixture with ZktFixture and calls verify(); forge build; forge test
#
# and fails if `forge build` prints any lint or compiler warning for the generated code.
#
# Usage:   script/quickstart-test.sh [path/to/zkt-eth]
# Default binary: $ZKT_ETH, else $CARGO_TARGET_DIR/debug/zkt-eth, else target/debug/zkt-eth.
# forge and solc are whatever `zkt-eth toolchain which forge|solc` resolves (see
# `zkt-eth toolchain status`); forge gets that solc through `solc = "…"` in the project's
# foundry.toml (with `offline = true`), so no compiler is downloaded.
# KEEP=1 keeps the temporary project and prints its path.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ZKT="${1:-${ZKT_ETH:-${CARGO_TARGET_DIR:-$REPO/target}/debug/zkt-eth}}"
if [[ ! -x "$ZKT" ]]; then
    echo "quickstart-test: no zkt-eth binary at $ZKT (run \`cargo build --bin zkt-eth\` or pass its path)" >&2
    exit 2
fi
ZKT="$(cd "$(dirname "$ZKT")" && pwd)/$(basename "$ZKT")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/zkt-quickstart.XXXXXX")"
cleanup() {
    if [[ "${KEEP:-0}" == "1" ]]; then echo "quickstart-test: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

FORGE="$("$ZKT" toolchain which forge)"
SOLC="$("$ZKT" toolchain which solc)"
echo "• forge: $FORGE; solc: $SOLC" >&2

cd "$WORK"
"$FORGE" init --offline --no-git --empty app >/dev/null
cd app
# Offline: forge must not try to download solc. The optimizer settings are the ones zkt-eth's
# figures assume (Foundry's default is optimizer off); fs_permissions lets the test read fixtures.
sed -i "/^libs = /a solc = \"$SOLC\"\noffline = true\noptimizer = true\noptimizer_runs = 200\nfs_permissions = [{ access = \"read\", path = \"./test/zkt\" }]" foundry.toml

# step CMD…: run quietly; on failure show its output and stop.
step() {
    if ! "$@" >"$WORK/step.log" 2>&1; then
        cat "$WORK/step.log" >&2
        echo "quickstart-test: failed: $*" >&2
        exit 1
    fi
}
MODEL="$REPO/models/sample"
step "$ZKT" compile "$MODEL/sample.onnx" -o build --calibrate "$MODEL/input.json"
step "$ZKT" setup build --dev
step "$ZKT" prove build --input "$MODEL/input.json" -o build/proof.bin
"$ZKT" create-verifier build/vk.bin --out-dir src/zkt
"$ZKT" fixture build/proof.bin -o test/zkt

cat >test/ModelVerifier.t.sol <<'EOF'
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ModelVerifier} from "../src/zkt/ModelVerifier.sol";
import {ZktFixture} from "./zkt/ZktFixture.sol";

contract ModelVerifierTest {
    ModelVerifier internal verifier;

    function setUp() public {
        verifier = new ModelVerifier();
    }

    function test_VerifiesTheFixture() public view {
        ZktFixture.Fixture memory f = ZktFixture.load("test/zkt/fixture.json");
        require(verifier.vkDigest() == f.vkDigest, "fixture made for another verifying key");
        require(verifier.scaleBits() == f.scaleBits, "scale bits differ");
        require(verifier.verify(f.proof, f.inputs, f.outputs), "valid proof refused");
    }

    function test_RejectsATamperedOutput() public view {
        ZktFixture.Fixture memory f = ZktFixture.load("test/zkt/fixture.json");
        f.outputs[0] += 1;
        try verifier.verify(f.proof, f.inputs, f.outputs) returns (bool) {
            revert("tampered output accepted");
        } catch {}
    }
}
EOF

"$FORGE" build 2>&1 | tee build/forge-build.log >&2
# Lints print `warning[lint-name]: …` / `note[…]`, the compiler `Warning (1234): …`.
if grep -inE '^(warning|note|error|info|help)( \([0-9]+\))?(\[[^]]*\])?:' build/forge-build.log >&2; then
    echo "quickstart-test: forge build printed warnings or lint notes (above)" >&2
    exit 1
fi
"$FORGE" test 2>&1 | tee build/forge-test.log >&2
grep -q "2 passed; 0 failed" build/forge-test.log || {
    echo "quickstart-test: expected 2 passing tests" >&2
    exit 1
}
echo "quickstart-test: ok" >&2
