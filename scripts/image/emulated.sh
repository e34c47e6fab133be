#!/usr/bin/env bash
# Builds the image for each architecture named, under emulation (qemu-user-static through binfmt_misc), and
# smoke-tests each one (test/container/smoke.test.ts: starts, serves, applies an edit through the native watcher,
# stops on SIGTERM):
#   arm64            docker/Dockerfile (the main image, as for amd64) as iofog-nats:arm64
#   armhf, riscv64   docker/Dockerfile.edge as iofog-nats:edge-<arch>
#   scripts/image/emulated.sh [arm64] [riscv64] [armhf]       (default: all three)
# Each prints the image's size and how long its stand-ins, its build and its smoke test took.
set -euo pipefail
cd "$(dirname "$0")/../.."
arches=("$@"); [ ${#arches[@]} -gt 0 ] || arches=(arm64 riscv64 armhf)

if ! command -v qemu-riscv64-static >/dev/null 2>&1 || ! command -v update-binfmts >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static binfmt-support >/dev/null
fi
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
update-binfmts --enable >/dev/null 2>&1 || true
scripts/image/engine.sh

build_platform="linux/$(docker version -f '{{.Server.Arch}}')"
version="$(node -p "require('./package.json').version")"
mkdir -p test-artifacts

# The main image: its bases stood in for the architecture; no --platform (each base is the one stood in).
build_main() { # arch image
  STANDIN_ARCH="$1" scripts/image/stand-ins.sh debian:trixie-slim node:24-trixie-slim nats:2.15-scratch
  t1=$(date +%s)
  docker build --network host -f docker/Dockerfile -t "$2" --build-arg NATS_SERVER_VERSION=2.15 --build-arg "VERSION=$version" .
}

# The edge image. The engine's own builder refuses a build-platform stage under --platform, so none is given:
# each base is the one stood in (or pulled) for its architecture, and the image's metadata names the build
# machine's architecture while its binaries are the target's (the smoke test checks which node runs). BuildKit
# (buildx) builds it with --platform as usual.
build_edge() { # arch image
  scripts/image/stand-ins.sh node:24-trixie-slim
  STANDIN_ARCH="$1" scripts/image/stand-ins.sh debian:forky-slim nats:2.15-scratch
  t1=$(date +%s)
  docker build --network host -f docker/Dockerfile.edge -t "$2" \
    --build-arg "BUILDPLATFORM=$build_platform" --build-arg NATS_SERVER_VERSION=2.15 --build-arg "VERSION=$version" .
}

for arch in "${arches[@]}"; do
  case "$arch" in
    arm64) kind=main; image="iofog-nats:arm64"; node_arch=arm64 ;;
    armhf) kind=edge; image="iofog-nats:edge-armhf"; node_arch=arm ;;
    riscv64) kind=edge; image="iofog-nats:edge-riscv64"; node_arch=riscv64 ;;
    *) echo "emulated: no image for $arch (arm64, armhf, riscv64)" >&2; exit 2 ;;
  esac
  log="test-artifacts/image-$arch-build.log"
  t0=$(date +%s)
  status=0
  "build_$kind" "$arch" "$image" > "$log" 2>&1 || status=$?
  [ "$status" = 0 ] || { tail -40 "$log"; echo "emulated: building $image failed" >&2; exit 1; }
  t2=$(date +%s)
  echo "emulated: $image $(docker image inspect -f '{{.Size}}' "$image") bytes; stand-ins $((t1 - t0)) s, build $((t2 - t1)) s"
  IOFOG_NATS_IMAGE="$image" EXPECT_NODE_ARCH="$node_arch" node --import tsx --test test/container/smoke.test.ts
  echo "emulated: $image smoke test $(( $(date +%s) - t2 )) s"
done
