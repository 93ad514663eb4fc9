#!/usr/bin/env bash
# Compile time of a crate with 1,000 secrets, three ways: plain string
# constants (the baseline), `#[secret]` items, and litcrypt's `lc!`.
# Dependencies are built first; then the crate alone is timed, clean
# (`cargo clean -p`) and incremental (after touching its source).
# Target: sealant <= 1.5x the plain crate. Also: the one-time cost of
# building the macro crate and its dependencies from nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
source bench/common.sh
# The 1,000 sealed and plain items that sealant-bench's build script makes.
cargo build --release -p sealant-bench --example size_1000
out=$(ls -d "$target"/release/build/sealant-bench-*/out | head -n 1)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR="$work/target"

make_crate() { # name, dependency line, source file
  mkdir -p "$work/$1/src"
  printf '[package]\nname = "ctime-%s"\nversion = "0.0.0"\nedition = "2024"\n\n[dependencies]\n%s\n\n[workspace]\n' "$1" "$2" > "$work/$1/Cargo.toml"
  printf '#![allow(dead_code)]\n' > "$work/$1/src/lib.rs"
  cat "$3" >> "$work/$1/src/lib.rs"
}
make_crate plain "" "$out/plain_1000.rs"
make_crate sealant "sealant = { path = \"$repo\" }" "$out/sealed_1000.rs"
PYTHONPATH="$repo/bench" python3 - "$work/litcrypt.rs" <<'PY'
import sys
from values import plaintext
with open(sys.argv[1], "w") as f:
    f.write("#[macro_use]\nextern crate litcrypt;\nuse_litcrypt!();\n")
    for i in range(1000):
        f.write(f'pub fn s{i}() -> String {{ lc!("{plaintext(i)}") }}\n')
PY
make_crate litcrypt 'litcrypt = "0.4"' "$work/litcrypt.rs"
export LITCRYPT_ENCRYPT_KEY=throwaway-benchmark-key

for kind in plain sealant litcrypt; do (cd "$work/$kind" && cargo build -q); done

hyperfine --warmup 1 --runs 5 \
  --prepare "cd $work/plain && cargo clean -q -p ctime-plain" -n "clean: plain (baseline)" "cd $work/plain && cargo build -q" \
  --prepare "cd $work/sealant && cargo clean -q -p ctime-sealant" -n "clean: sealant" "cd $work/sealant && cargo build -q" \
  --prepare "cd $work/litcrypt && cargo clean -q -p ctime-litcrypt" -n "clean: litcrypt" "cd $work/litcrypt && cargo build -q"
hyperfine --warmup 1 --runs 5 \
  --prepare "touch $work/plain/src/lib.rs" -n "incremental: plain (baseline)" "cd $work/plain && cargo build -q" \
  --prepare "touch $work/sealant/src/lib.rs" -n "incremental: sealant" "cd $work/sealant && cargo build -q" \
  --prepare "touch $work/litcrypt/src/lib.rs" -n "incremental: litcrypt" "cd $work/litcrypt && cargo build -q"
# The one-time cost: the macro crate and everything it needs, from nothing.
hyperfine --runs 3 --prepare "rm -rf $work/macro-target" \
  -n "sealant-macros and its dependencies, from nothing" \
  "cd $repo && CARGO_TARGET_DIR=$work/macro-target cargo build -q -p sealant-macros"
(cd "$repo" && cargo tree -p sealant-macros -e normal --prefix none | sort -u)
