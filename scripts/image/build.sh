#!/usr/bin/env bash
# `npm run image`: builds docker/Dockerfile as iofog-nats:local (IMAGE overrides the tag). Base images that
# cannot be pulled are stood in (scripts/image/stand-ins.sh). nats-server is the official image's 2.14 line;
# where that cannot be pulled, the stand-in carries Debian's newest (sid's 2.15) and the image is labelled so.
set -euo pipefail
cd "$(dirname "$0")/../.."
IMAGE="${IMAGE:-iofog-nats:local}"
scripts/image/engine.sh
nats="${NATS_SERVER_VERSION:-2.14}"
if ! scripts/image/stand-ins.sh "nats:$nats-scratch" 2>/dev/null; then
  nats=2.15
  scripts/image/stand-ins.sh "nats:$nats-scratch"
fi
scripts/image/stand-ins.sh debian:trixie-slim node:24-trixie-slim
version="$(node -p "require('./package.json').version")"
# The engine's own builder: no buildx here (its deprecation notice is left out of the output).
status=0
docker build --network host -f docker/Dockerfile -t "$IMAGE" \
  --build-arg "NATS_SERVER_VERSION=$nats" --build-arg "VERSION=$version" . 2>&1 \
  | grep -v -e '^DEPRECATED' -e 'legacy builder is deprecated' -e 'buildx' -e '^ *$' || status="${PIPESTATUS[0]}"
[ "$status" = 0 ] || { echo "image: docker build failed ($status)" >&2; exit "$status"; }
docker image inspect "$IMAGE" --format "image: {{index .RepoTags 0}} {{.Size}} bytes, nats-server {{index .Config.Labels \"io.nats.server.version\"}}"
