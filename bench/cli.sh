#!/usr/bin/env bash
# Times `cargo sealant check` (with the key) and `rotate` over a generated
# tree of 1,000 files holding 10,000 sealed secrets, and `list` of one file
# holding 10,000 items, with hyperfine.
# Targets: check and rotate under 1 s (issue "cargo sealant"); the 10,000
# secrets in 1,000 files checked, and the one file of 10,000 items listed,
# each under 0.3 s (issue "The CLI must never lose an edit"): the scan is
# a full Rust parse, and must stay linear.
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
"$target/release/examples/gen_tree" "$work/one" "$work/one.key" 1 10000
chmod 600 "$work/old.key" "$work/one.key"
"$bin" keygen --out "$work/new.key" 2>/dev/null

export SEALANT_KEY_FILE="$work/old.key"

# check. Baseline: reading every file of the tree, which any check must do.
hyperfine --warmup 1 --runs 10 --export-markdown "$work/check.md" \
  -n "baseline: cat every .rs file" "find $work/tree -name '*.rs' -exec cat {} + >/dev/null" \
  -n "check (10,000 secrets, with key)" "$bin check $work/tree"

# list, one file of 10,000 items (2.4 MB). Baseline: reading the file.
hyperfine --warmup 1 --runs 10 --export-markdown "$work/list.md" \
  -n "baseline: cat the file" "cat $work/one/src/m0.rs >/dev/null" \
  -n "list (10,000 items in one file)" "$bin list $work/one >/dev/null"

# rotate. Each run rotates its own copy of the tree, made and flushed to
# disk before timing starts, so that every run re-seals all 10,000 blobs
# and nothing is deleted between runs: ext4 does not reuse an inode for a
# minute after it is freed, and an `rm -rf` of 1,000 files just before each
# run makes creating the next 1,000 files scan for free inodes, which timed
# the file system's allocator rather than rotate. Baseline: copying the
# tree to a new place and syncing it, the least that durably rewriting
# every file costs.
runs=10
for i in $(seq 0 "$runs"); do cp -r "$work/tree" "$work/copy$i"; done
sync
echo 0 > "$work/rotate.n"; echo 0 > "$work/copy.n"
next() { echo "n=\$(cat $work/$1.n); echo \$((n + 1)) > $work/$1.n"; }
hyperfine --warmup 1 --runs "$runs" --export-markdown "$work/rotate.md" \
  --prepare "$(next copy)" -n "baseline: cp -r the tree, then sync" \
  "cp -r $work/tree $work/plain\$(cat $work/copy.n) && sync" \
  --prepare "$(next rotate)" -n "rotate (10,000 secrets)" \
  "$bin rotate --to $work/new.key $work/copy\$(( \$(cat $work/rotate.n) - 1 ))"

cat "$work/check.md" "$work/list.md" "$work/rotate.md"
