#!/usr/bin/env bash
# Fuzzes the blob (v1 and v2) and key parsers for a bounded time each, on the stable
# toolchain, and grows the corpus under fuzz/corpus (which the normal test
# suite replays: crates/sealant-format/tests/corpus.rs).
#
#   bash fuzz/run.sh [SECONDS_PER_TARGET]     (default 300)
#
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address); RUSTC_BOOTSTRAP=1
# lets the stable compiler accept them. A crash is saved under
# fuzz/artifacts/<target>/: add it to fuzz/corpus/<target>/ so that the suite
# replays it, and fix the bug.
# The key corpus grew from the public test-vector key of docs/FORMAT.md: the
# key-shaped strings in it are fuzz inputs, not keys anyone uses.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-300}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for target in blob blob_v2 key; do
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$seconds" 2>&1 | grep -E '^#[0-9]+.*DONE|^Done|SUMMARY' || true
done
