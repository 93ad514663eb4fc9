#!/usr/bin/env bash
# `history` and `exposure` over a generated repository of 2,000 commits
# touching 200 secrets (bench/history_repo.py), with hyperfine; the
# baseline is git itself printing the same history with patches
# (`git log -p`). Target: each command < 2 s.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
cargo build -q --release -p cargo-sealant
cli="$target/release/cargo-sealant"
repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
git -C "$repo" init -q -b main
python3 bench/history_repo.py 2000 200 20 | git -C "$repo" fast-import --quiet
git -C "$repo" checkout -q main
kid=$(grep -o 'sealant:v1:[^:]*:[0-9a-f]*' "$repo/src/secrets_00.rs" | head -1 | cut -d: -f4)
echo "$(git -C "$repo" rev-list --all --count) commits; HEAD's kid $kid"
cd "$repo"
hyperfine -N --warmup 2 --runs 10 \
  -n "git log -p (baseline)" "git log --all -p --no-color -- src" \
  -n "cargo sealant history" "$cli history --json" \
  -n "cargo sealant exposure" "$cli exposure --kid $kid --json"
