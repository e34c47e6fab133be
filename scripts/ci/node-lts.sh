#!/usr/bin/env bash
# Unpacks the official node binary of a major line from the npm registry's node-linux-<arch> package (the only
# way to it from these machines) into $DEST/<major>, and prints its bin dir. The images run Node 24 LTS; the
# machines' own node is 20.
#   PATH="$(scripts/ci/node-lts.sh 24):$PATH" npm test
set -euo pipefail
major="${1:-24}"
dest="${DEST:-/opt/node}/$major"
arch="$(node -p process.arch)"
if ! "$dest/bin/node" --version 2>/dev/null | grep -q "^v$major\."; then
  work="$(mktemp -d)"
  (cd "$work" && npm pack --silent "node-linux-$arch@$major" >/dev/null && tar xzf node-linux-*.tgz)
  rm -rf "$dest" && mkdir -p "$(dirname "$dest")" && mv "$work/package" "$dest"
  rm -rf "$work"
fi
echo "$dest/bin"
