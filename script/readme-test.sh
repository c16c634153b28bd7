#!/usr/bin/env bash
# Runs the README's "Using it" walkthrough top to bottom, verbatim, the way a new user would:
# from a fresh project directory OUTSIDE the repository, with the zkt-eth binary on PATH (as
# `cargo install --path .` would put it) and the pinned toolchain found the documented way.
#
#   script/readme-test.sh            # from the repository root (script/test.sh runs it)
#
# The walkthrough is the ```sh block between the markers `<!-- readme-test:begin -->` and
# `<!-- readme-test:end -->` in README.md; lines are run in order with `set -euo pipefail`, so any
# command that fails (or is renamed without the README following) fails this test. The user's
# "project" is a temporary directory holding a copy of the example models.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zkt-eth-target}"

block="$(awk '/<!-- readme-test:begin -->/{on=1; next} /<!-- readme-test:end -->/{on=0} on' "$ROOT/README.md" \
  | sed -n '/^```sh$/,/^```$/p' | sed '1d;$d')"
if [ -z "$block" ]; then
  echo "readme-test: no walkthrough found between the readme-test markers in README.md" >&2
  exit 1
fi

(cd "$ROOT" && cargo build --quiet --bin zkt-eth)
bin="$(mktemp -d)"
ln -s "$CARGO_TARGET_DIR/debug/zkt-eth" "$bin/zkt-eth"
work="$(mktemp -d)"
trap 'rm -rf "$bin" "$work"' EXIT
cp -r "$ROOT/models" "$work/models"
# The user's machine: the binary on PATH (what `cargo install --path .` gives), a fresh HOME whose
# toolchain comes from the README's Install step (`zkt-eth toolchain install`: the pinned npm
# packages, from npm's cache when warm), and nothing pointing back into the checkout.
unset ZKT_ETH_ROOT ZKT_ETH_HOME ZKT_ETH_FORGE ZKT_ETH_ANVIL ZKT_ETH_CAST ZKT_ETH_SOLC
export npm_config_cache="${npm_config_cache:-$HOME/.npm}"
export HOME="$work/home"
mkdir -p "$HOME"
export PATH="$bin:$(echo "$PATH" | tr ':' '\n' | grep -v "^$ROOT" | paste -sd:)"
cd "$work"
echo "• zkt-eth toolchain install (README, Install)" >&2
zkt-eth toolchain install

echo "• README walkthrough in $work" >&2
# A failing line must not leave the walkthrough's background node running.
{ echo "trap 'kill \$(jobs -p) 2>/dev/null || true' EXIT"; printf '%s\n' "$block"; } >walkthrough.sh
bash -euo pipefail -x walkthrough.sh
echo "• README walkthrough passed" >&2
