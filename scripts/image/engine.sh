#!/usr/bin/env bash
# Starts a Docker engine when none answers (Debian's docker.io; these machines have no bridge networking, so
# containers run with --network host, on loopback). Its log goes to $DOCKERD_LOG.
set -euo pipefail
docker info >/dev/null 2>&1 && exit 0
if ! command -v dockerd >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
log="${DOCKERD_LOG:-/var/log/iofog-nats-dockerd.log}"
nohup dockerd --bridge=none --iptables=false >"$log" 2>&1 &
for _ in $(seq 60); do docker info >/dev/null 2>&1 && exit 0; sleep 0.5; done
echo "engine: dockerd did not answer within 30 s; its log: $log" >&2
tail -20 "$log" >&2
exit 1
