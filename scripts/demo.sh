#!/usr/bin/env bash
# `npm run demo`: the supervisor on the bundled example config, on loopback, in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."

# The images' line (>= 2.14) by default: as root, Debian's newest (sid's 2.15) is fetched beside the machine's
# own; otherwise NATS_SERVER_BIN or the nats-server on the PATH.
if [ -z "${NATS_SERVER_BIN:-}" ]; then
  if [ "$(id -u)" = 0 ] && scripts/ci/nats-server-lines.sh 2.15 >/dev/null 2>&1; then
    NATS_SERVER_BIN=/opt/nats-server/2.15/nats-server
  elif command -v nats-server >/dev/null 2>&1; then
    NATS_SERVER_BIN="$(command -v nats-server)"
  elif [ "$(id -u)" = 0 ]; then
    echo "demo: installing nats-server from Debian…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
    NATS_SERVER_BIN="$(command -v nats-server)"
  else
    echo "demo: nats-server is not installed; run: sudo apt-get install nats-server (or set NATS_SERVER_BIN)" >&2
    exit 2
  fi
fi
# The dependencies need Node >= 22 (package.json engines); an older node (Debian bookworm's 20) would make npm
# warn about each of them. The demo then runs on Node 24, the images' line, from the npm registry.
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  echo "demo: node $(node --version) is older than the 22 the dependencies need; using Node 24 (fetched once into ~/.cache/iofog-nats/node)"
  PATH="$(DEST="${XDG_CACHE_HOME:-$HOME/.cache}/iofog-nats/node" scripts/ci/node-lts.sh 24):$PATH"
  export PATH
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
[ -f dist/cli.js ] && [ -z "$(find src machines -newer dist/cli.js -name '*.ts' | head -1)" ] || npm run build --silent

demo=.demo
rm -rf "$demo"
mkdir -p "$demo"
cp -r docker/examples/. "$demo/"

export NATS_CONF="$PWD/$demo/config/server.conf"
export NATS_ACCOUNTS="$PWD/$demo/config/accounts.conf"
export NATS_TLS_DIR="$PWD/$demo/certs"
export NATS_CREDS_DIR="$PWD/$demo/creds"
export NATS_JWT_MOUNT_DIR="$PWD/$demo/jwt"
export NATS_JWT_DIR="$PWD/$demo/resolver"
export NATS_SERVER_BIN
export NATS_CONTROL_SOCKET="$PWD/$demo/iofog-nats.sock"
export NATS_LOG_FORMAT="${NATS_LOG_FORMAT:-pretty}"
export SERVER_NAME="${SERVER_NAME:-iofog-nats-demo}"

cat <<TXT
iofog-nats demo ($("$NATS_SERVER_BIN" --version))
  config:      $NATS_CONF   (edit it: the supervisor validates and reloads)
  accounts:    $NATS_ACCOUNTS
  clients:     nats://demo:demo@127.0.0.1:4222
  monitoring:  http://127.0.0.1:${NATS_MONITOR_PORT:-8222}/varz
  statechart:  http://${NATS_STATUS_ADDR:-127.0.0.1:8223}/   (the live page: state, transitions, errors)
  inspect:     NATS_CONTROL_SOCKET=$NATS_CONTROL_SOCKET node dist/cli.js inspect   (in another terminal)
  try:         sed -i 's/max_payload: 1MB/max_payload: 2MB/' $NATS_CONF
               curl -s http://127.0.0.1:${NATS_MONITOR_PORT:-8222}/varz | grep max_payload
  stop:        Ctrl-C (nats-server is stopped gracefully first)
TXT
exec node dist/cli.js run
