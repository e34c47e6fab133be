#!/usr/bin/env bash
# Builds the edge image (docker/Dockerfile.edge) for each architecture named, under emulation
# (qemu-user-static through binfmt_misc), as iofog-nats:edge-<arch>, and smoke-tests each one
# (test/container/smoke.test.ts: starts, serves, applies an edit through the native watcher, stops on SIGTERM).
#   scripts/image/edge.sh [riscv64] [armhf]       (default: both)
set -euo pipefail
cd "$(dirname "$0")/../.."
arches=("$@"); [ ${#arches[@]} -gt 0 ] || arches=(riscv64 armhf)

if ! command -v qemu-riscv64-static >/dev/null 2>&1 || ! command -v update-binfmts >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static binfmt-support >/dev/null
fi
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
update-binfmts --enable >/dev/null 2>&1 || true
scripts/image/engine.sh

build_platform="linux/$(docker version -f '{{.Server.Arch}}')"
scripts/image/stand-ins.sh node:24-trixie-slim
version="$(node -p "require('./package.json').version")"
for arch in "${arches[@]}"; do
  case "$arch" in armhf) node_arch=arm ;; *) node_arch="$arch" ;; esac
  image="iofog-nats:edge-$arch"
  t0=$(date +%s)
  STANDIN_ARCH="$arch" scripts/image/stand-ins.sh debian:forky-slim nats:2.15-scratch
  t1=$(date +%s)
  status=0
  # The engine's own builder refuses a build-platform stage under --platform, so none is given: each base is
  # the one stood in (or pulled) for its architecture, and the image's metadata names the build machine's
  # architecture while its binaries are the target's (the smoke test checks which node runs). BuildKit
  # (buildx) builds it with --platform as usual.
  docker build --network host -f docker/Dockerfile.edge -t "$image" \
    --build-arg "BUILDPLATFORM=$build_platform" --build-arg NATS_SERVER_VERSION=2.15 --build-arg "VERSION=$version" . \
    > "test-artifacts/edge-$arch-build.log" 2>&1 || status=$?
  [ "$status" = 0 ] || { tail -40 "test-artifacts/edge-$arch-build.log"; echo "edge: building $image failed" >&2; exit 1; }
  t2=$(date +%s)
  echo "edge: $image $(docker image inspect -f '{{.Size}}' "$image") bytes; stand-ins $((t1 - t0)) s, build $((t2 - t1)) s"
  IOFOG_NATS_IMAGE="$image" EXPECT_NODE_ARCH="$node_arch" node --import tsx --test test/container/smoke.test.ts
  echo "edge: $image smoke test $(( $(date +%s) - t2 )) s"
done
