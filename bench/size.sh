#!/usr/bin/env bash
# Binary size added per sealed secret: a stripped release binary with 1,000
# sealed secrets of 32 bytes against the same program with none.
# Target: the ciphertext (32 + 16 bytes) plus under 100 bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
cargo build --release -p sealant-bench --example size_0 --example size_1000
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for n in 0 1000; do strip -o "$work/size_$n" "$target/release/examples/size_$n"; done
s0=$(stat -c %s "$work/size_0"); s1=$(stat -c %s "$work/size_1000")
echo "stripped size_0: $s0 bytes; size_1000: $s1 bytes"
python3 -c "d=($s1-$s0)/1000; print(f'per secret: {d:.1f} bytes = 48 bytes of ciphertext and tag + {d-48:.1f} bytes overhead')"
SEALANT_KEY="$bench_key" "$target/release/examples/size_1000"
