#!/usr/bin/env bash
# Makes sure each base image named on the command line is in the local engine: already there, pulled, or, where
# no registry can be reached (these machines reach only the npm registry and Debian's packages), stood in by an
# image built here under the same tag:
#   debian:<release>-slim         a Debian root fs from Debian's packages (mmdebstrap, minbase, docs left out)
#   node:<major>-<release>-slim   that Debian with node from the npm registry's node-linux-<arch> package and npm
#   nats:<version>-scratch        nats-server from Debian's packages (scripts/ci/nats-server-lines.sh) at /nats-server
# The Dockerfiles stay as they are; only their bases are stood in. STANDIN_ARCH (a Debian architecture: armhf,
# riscv64, …) stands in debian and nats for another architecture, run under emulation (qemu-user-static); one
# tag holds one architecture at a time, so each stand-in is also kept as iofog-nats-stand-in:<tag>-<arch> and
# tagged again when it is needed.
#   scripts/image/stand-ins.sh debian:trixie-slim node:24-trixie-slim nats:2.15-scratch
#   STANDIN_ARCH=riscv64 scripts/image/stand-ins.sh debian:forky-slim nats:2.15-scratch
set -euo pipefail
cd "$(dirname "$0")/../.."

# The registry is reached through a TLS-intercepting proxy here: a stand-in that builds with npm trusts the
# machine's CA bundle too.
CA_BUNDLE="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
DEB_ARCH="${STANDIN_ARCH:-$(dpkg --print-architecture)}"
# Node's name for it, as its npm registry packages (node-linux-<arch>) are named.
case "$DEB_ARCH" in amd64) NODE_ARCH=x64 ;; armhf) NODE_ARCH=armv7l ;; *) NODE_ARCH="$DEB_ARCH" ;; esac
# Docker's name for the architecture, as `docker image inspect` reports it.
case "$DEB_ARCH" in armhf) DOCKER_ARCH=arm; PLATFORM=linux/arm/v7 ;; *) DOCKER_ARCH="$DEB_ARCH"; PLATFORM="linux/$DEB_ARCH" ;; esac

log() { echo "stand-ins: $*" >&2; }

# Stand-ins carry the architecture they were built for as a label: this engine records the build machine's
# architecture for an imported root fs whatever --platform says.
LABEL_ARCH=io.iofog-nats.stand-in.arch

label_arch() {
  local a; a="$(docker image inspect -f "{{index .Config.Labels \"$LABEL_ARCH\"}}" "$1" 2>/dev/null)" || return 1
  [ "$a" = "<no value>" ] && a=""
  echo "$a"
}

# A stand-in of ours for this architecture, under its own tag.
kept_present() {
  [ "$(label_arch "$1")" = "$DOCKER_ARCH" ]
}

# The tag the Dockerfiles name: a stand-in of ours says its architecture in its label; an image from a
# registry says it in its metadata; an unlabelled one that is also one of our stand-in tags is of unknown
# architecture (made before the label) and is not trusted.
is_present() {
  local arch id
  arch="$(label_arch "$1")" || return 1
  if [ -z "$arch" ]; then
    id="$(docker image inspect -f '{{.Id}}' "$1")"
    docker images --no-trunc --format '{{.ID}}' iofog-nats-stand-in | grep -qx "$id" && return 1
    arch="$(docker image inspect -f '{{.Architecture}}' "$1")"
  fi
  [ "$arch" = "$DOCKER_ARCH" ]
}

present_or_pulled() {
  is_present "$1" && return 0
  timeout 60 docker pull -q --platform "$PLATFORM" "$1" >/dev/null 2>&1 && is_present "$1"
}

debian_slim() { # tag release
  command -v mmdebstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null; }
  local tar; tar="$(mktemp --suffix=.tar)"
  # A testing or unstable suite's Release file carries a Valid-Until that a frozen mirror outlives.
  mmdebstrap --quiet --variant=minbase --architectures="$DEB_ARCH" --aptopt='Acquire::Check-Valid-Until "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
    "$2" "$tar" http://deb.debian.org/debian
  docker import --platform "$PLATFORM" --change 'CMD ["bash"]' --change "LABEL $LABEL_ARCH=$DOCKER_ARCH" "$tar" "$1" >/dev/null
  rm -f "$tar"
}

node_slim() { # tag major release
  ensure "debian:$3-slim"
  local ctx; ctx="$(mktemp -d)"
  (cd "$ctx" && npm pack --silent "node-linux-$NODE_ARCH@$2" "npm@11" >/dev/null \
    && mkdir node npm && tar xzf node-linux-*.tgz -C node && tar xzf npm-*.tgz -C npm)
  cp "$CA_BUNDLE" "$ctx/ca-certificates.crt"
  cat > "$ctx/Dockerfile" <<EOF
FROM debian:$3-slim
LABEL $LABEL_ARCH=$DOCKER_ARCH
COPY node/package/bin/node /usr/local/bin/node
COPY npm/package /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /usr/local/share/stand-in/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/stand-in/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && npm config set --global cafile /usr/local/share/stand-in/ca-certificates.crt
CMD ["node"]
EOF
  docker build -q --network host -t "$1" "$ctx" >/dev/null
  rm -rf "$ctx"
}

nats_scratch() { # tag version
  local dest; dest="$(mktemp -d)"
  DEST="$dest" DEB_ARCH="$DEB_ARCH" scripts/ci/nats-server-lines.sh "$2" >/dev/null
  mkdir "$dest/root" && cp -L "$dest/$2/nats-server" "$dest/root/nats-server"
  tar -C "$dest/root" -c nats-server | docker import --platform "$PLATFORM" --change 'ENTRYPOINT ["/nats-server"]' --change "LABEL $LABEL_ARCH=$DOCKER_ARCH" - "$1" >/dev/null
  rm -rf "$dest"
}

ensure() {
  local tag="$1" kept="iofog-nats-stand-in:${1/:/-}-$DEB_ARCH"
  if kept_present "$kept"; then docker tag "$kept" "$tag"; return 0; fi
  present_or_pulled "$tag" && return 0
  log "$tag ($DEB_ARCH) cannot be pulled: building a stand-in"
  case "$tag" in
    debian:*-slim) local release="${tag#debian:}"; debian_slim "$tag" "${release%-slim}" ;;
    node:*-*-slim) local rest="${tag#node:}"; node_slim "$tag" "${rest%%-*}" "$(echo "$rest" | cut -d- -f2)" ;;
    nats:*-scratch) local v="${tag#nats:}"; nats_scratch "$tag" "${v%-scratch}" ;;
    *) log "no stand-in known for $tag"; return 1 ;;
  esac
  docker tag "$tag" "$kept"
  log "$tag stood in"
}

for tag in "$@"; do ensure "$tag"; done
