#!/usr/bin/env bash
# Times `cargo sealant check` (with the key) and `rotate` over a generated
# tree of 1,000 files holding 10,000 sealed secrets, with hyperfine.
# Target (issue "cargo sealant"): each under 1 s on a 2-core machine.
#
#   bash bench/cli.sh            # installs hyperfine from Debian if missing
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -q && apt-get install -y -q hyperfine; }

cargo build --release -p cargo-sealant --bin cargo-sealant --example gen_tree
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target/release/cargo-sealant"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$target/release/examples/gen_tree" "$work/tree" "$work/old.key" 1000 10000
"$bin" keygen --out "$work/new.key" 2>/dev/null

export SEALANT_KEY_FILE="$work/old.key"

# check. Baseline: reading every file of the tree, which any check must do.
hyperfine --warmup 1 --runs 10 --export-markdown "$work/check.md" \
  -n "baseline: cat every .rs file" "find $work/tree -name '*.rs' -exec cat {} + >/dev/null" \
  -n "check (10,000 secrets, with key)" "$bin check $work/tree"

# rotate. Each run starts from a fresh copy of the tree, flushed to disk (not
# timed), so that every run re-seals all 10,000 blobs and does not pay for
# the copy's writes. Baseline: copying the tree and syncing it, the least
# that durably rewriting every file costs.
hyperfine --warmup 1 --runs 10 --export-markdown "$work/rotate.md" \
  --prepare "rm -rf $work/copy $work/plain && cp -r $work/tree $work/copy && sync" \
  -n "baseline: cp -r the tree, then sync" "cp -r $work/tree $work/plain && sync" \
  -n "rotate (10,000 secrets)" "$bin rotate --to $work/new.key $work/copy"

cat "$work/check.md" "$work/rotate.md"
