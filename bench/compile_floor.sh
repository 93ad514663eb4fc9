#!/usr/bin/env bash
# Why `#[secret]` cannot reach 1.5x a plain crate's compile time by making
# the macro faster: the least code that can hold 1,000 secrets the way
# Sealant must (ciphertext in a `#[used]` link-section static, found by the
# runtime, and a `const` item that refers to it) already costs several times
# the plain crate, with no macro at all. Three hand-written crates of 1,000
# items each, no dependencies, built without incremental state (5 runs):
#   plain   const S0: &str = "...";                          (the baseline)
#   statics #[used] #[link_section] static R0: [u8; 93] = *b"...";
#   floor   the statics, plus const S0: W = W { r: &R0 };    (W holds a &[u8])
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR="$work/target" CARGO_INCREMENTAL=0
python3 - "$work" <<'PY'
import os, sys
work = sys.argv[1]
record = "\\x01" + "\\x00" * 22 + "sealant:v1:S0:00000000" + "\\x00" * 48  # 93 bytes
static = '#[used] #[cfg_attr(target_os = "linux", unsafe(link_section = "floor_records"))] static R{i}: [u8; 93] = *b"{r}";'
kinds = {
    "plain": ['pub const S{i}: &str = "' + "x" * 93 + '";'],
    "statics": [static],
    "floor": [static, "pub const S{i}: W = W {{ r: &R{i} }};"],
}
for kind, lines in kinds.items():
    os.makedirs(f"{work}/{kind}/src")
    with open(f"{work}/{kind}/Cargo.toml", "w") as f:
        f.write(f'[package]\nname = "floor-{kind}"\nversion = "0.0.0"\nedition = "2024"\n\n[workspace]\n')
    with open(f"{work}/{kind}/src/lib.rs", "w") as f:
        f.write("#![allow(dead_code)]\npub struct W { r: &'static [u8] }\n")
        for i in range(1000):
            for line in lines:
                f.write(line.format(i=i, r=record) + "\n")
PY
args=()
for kind in plain statics floor; do
  args+=(--prepare "touch $work/$kind/src/lib.rs" -n "$kind" "cd $work/$kind && cargo build -q")
done
hyperfine --warmup 1 --runs 5 "${args[@]}"
