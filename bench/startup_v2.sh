#!/usr/bin/env bash
# Whole-process startup with 100 v2 secrets (one batch, and each sealed by
# its own `set`) against the same program over 100 v1 secrets.
# Target: one batch <= 1.2x the v1 program's wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
# Both with the v2 feature: the same program, on v1 or v2 blobs.
cargo build --release -p sealant-bench --features v2 --example startup_sealed --example startup_v2
# One variable holds both keys (a list may mix v1 and v2 keys), so that
# all three programs load the same ring.
export SEALANT_KEY="$bench_key,$(grep -v '^#' crates/sealant-bench/src/bench-v2.key)"
hyperfine -N --warmup 20 --runs 300 \
  -n "v1, 100 secrets (baseline)" "$target/release/examples/startup_sealed" \
  -n "v2, 100 secrets, one batch" "$target/release/examples/startup_v2" \
  -n "v2, 100 secrets, each its own set" "$target/release/examples/startup_v2 each"
