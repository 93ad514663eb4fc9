#!/usr/bin/env bash
# Whole-process startup of a service whose private key is wrapped (AWS KMS
# embedded from Sealant.toml; OpenBao Transit in SEALANT_KEY) against the
# same program given the plain private key, with the loopback servers of
# tests/servers/key-services.sh, and the round trip of one unwrap request
# on its own (a fresh connection each, as a starting process makes).
# Target: wrapped <= plain + one round trip + 5 ms.
#
#   bash tests/servers/key-services.sh start && set -a && . target/key-services/env && set +a
#   bash bench/wrapped_startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
: "${SEALANT_TEST_AWS_OPEN_ENDPOINT:?start the servers and load target/key-services/env (see above)}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build -q --release -p cargo-sealant
cli="$target/release/cargo-sealant"
aws=(AWS_ACCESS_KEY_ID=AKIAANY AWS_SECRET_ACCESS_KEY=any AWS_ENDPOINT_URL="$SEALANT_TEST_AWS_OPEN_ENDPOINT" AWS_EC2_METADATA_DISABLED=true)
bao=(BAO_ADDR="$SEALANT_TEST_BAO_ADDR" BAO_TOKEN="$SEALANT_TEST_BAO_ROOT_TOKEN")

# The service: one secret for production, its key wrapped into Sealant.toml.
mkdir -p "$work/src"
cp bench/wrapped-startup/main.rs "$work/src/main.rs"
sed "s|@SEALANT@|$PWD|" bench/wrapped-startup/Cargo.toml.in >"$work/Cargo.toml"
cp Cargo.lock "$work/"
(
  cd "$work"
  "$cli" init >/dev/null 2>&1
  "$cli" keygen --env production --out prod.key 2>/dev/null
  printf tok_live_123 | "$cli" set API_TOKEN --env production --file src/secrets.rs 2>/dev/null
  env "${aws[@]}" "$cli" wrap --with "aws-kms:$SEALANT_TEST_AWS_OPEN_KEY_ARN" --save <prod.key >/dev/null 2>&1
  env "${bao[@]}" "$cli" wrap --with transit:transit/sealant-test <prod.key >transit.line 2>/dev/null
  CARGO_TARGET_DIR="$target/wrapped-startup" cargo build -q --release --offline
)
svc="$target/wrapped-startup/release/svc"
plain="$(cat "$work/prod.key")"
transit="$(cat "$work/transit.line")"

hyperfine -N --warmup 10 --runs 200 \
  -n "plain private key in SEALANT_KEY (baseline)" "env SEALANT_KEY=$plain $svc" \
  -n "AWS KMS, wrapped key embedded from Sealant.toml" "env ${aws[*]} $svc" \
  -n "OpenBao Transit, wrapped key in SEALANT_KEY" "env ${bao[*]} SEALANT_KEY=$transit $svc"

# One unwrap on its own, in-process (no process start): the request, its
# signing and the client's setup, over a fresh connection each time.
kms_line=$(grep -o 'sealant-wrapped-v1:[^"]*' "$work/Sealant.toml")
echo "median unwrap, AWS KMS (moto):        $(env "${aws[@]}" "$svc" rtt "$kms_line") ms"
echo "median unwrap, OpenBao Transit:       $(env "${bao[@]}" "$svc" rtt "$transit") ms"
