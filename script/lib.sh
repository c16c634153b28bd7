#!/usr/bin/env bash
# Shared setup for script/demo.sh and script/test.sh: check the toolchain and install the pinned
# npm packages (Foundry's forge/anvil/cast, solc-js, snarkjs) from package-lock.json.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "error: '$1' not found. $2" >&2; exit 1; }
}
need cargo "Install Rust (https://rustup.rs), then re-run."
need node "Install Node.js ≥ 18 (it runs the solc-js compiler shim and snarkjs), then re-run."
need npm "Install npm (ships with Node.js), then re-run."

# npm ci only when node_modules is missing or older than the lockfile.
if [ ! -x node_modules/.bin/forge ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "• installing the pinned Ethereum toolchain (npm ci)…" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
export PATH="$ROOT/node_modules/.bin:$PATH"
export ZKT_ETH_ROOT="$ROOT"
