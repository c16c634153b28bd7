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
# The user's machine: the binary on PATH, the pinned toolchain in the project's node_modules (what
# `zkt-eth toolchain install` or `npm ci` provides), nothing pointing back into the checkout.
ln -s "$ROOT/node_modules" "$work/node_modules"
unset ZKT_ETH_ROOT
export PATH="$bin:$PATH"

echo "• README walkthrough in $work" >&2
cd "$work"
printf '%s\n' "$block" >walkthrough.sh
bash -euo pipefail -x walkthrough.sh
echo "• README walkthrough passed" >&2
