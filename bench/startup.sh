#!/usr/bin/env bash
# Whole-process startup: a release binary that unseals 100 secrets at
# startup, against the same program with the 100 values as plain string
# constants. Target: <= 1.2x the plain program's wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
cargo build --release -p sealant-bench --example startup_sealed --example startup_plain
export SEALANT_KEY="$bench_key"
hyperfine -N --warmup 20 --runs 300 \
  -n "plain constants (baseline)" "$target/release/examples/startup_plain" \
  -n "sealant, 100 secrets" "$target/release/examples/startup_sealed"
