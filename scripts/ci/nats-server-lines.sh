#!/usr/bin/env bash
# Puts each tested nats-server line side by side under $DEST (default /opt/nats-server): <line>/nats-server.
# 2.9 is bookworm's package (apt-get install); 2.10 and 2.15 are trixie's and sid's, fetched with apt-get download
# through a sources list of their own (the machine's sources stay as they are) and unpacked with dpkg-deb -x:
# they need nothing from libc that bookworm lacks.
# DEB_ARCH picks another architecture's binary (2.10 and 2.15 only), for an image of that architecture.
#   scripts/ci/nats-server-lines.sh [2.9|2.10|2.15 ...]   (default: all three)
set -euo pipefail
DEST="${DEST:-/opt/nats-server}"
arch="${DEB_ARCH:-$(dpkg --print-architecture)}"
lines=("$@"); [ ${#lines[@]} -gt 0 ] || lines=(2.9 2.10 2.15)
declare -A SUITE=([2.10]=trixie [2.15]=sid)

apt_dir="${APT_LINES_DIR:-/var/cache/iofog-nats-apt}"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Debug::NoLocking=1
  -o APT::Sandbox::User=root -o "APT::Architectures::=$arch" -o Acquire::Check-Valid-Until=false)
apt_updated=

other_suites_update() {
  [ -n "$apt_updated" ] && return
  local s
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  : > "$apt_dir/sources.list"
  for s in trixie sid; do
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $s main" >> "$apt_dir/sources.list"
  done
  apt-get "${apt_opts[@]}" update -qq
  apt_updated=1
}

for line in "${lines[@]}"; do
  bin="$DEST/$line/nats-server"
  if [ -x "$bin" ] && { [ -n "${DEB_ARCH:-}" ] || "$bin" --version | grep -q "v$line\."; }; then continue; fi
  mkdir -p "$DEST/$line"
  if [ "$line" = 2.9 ]; then
    command -v /usr/sbin/nats-server >/dev/null 2>&1 || {
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null; }
    ln -sf /usr/sbin/nats-server "$bin"
  else
    suite="${SUITE[$line]:?unknown line $line (known: 2.9 2.10 2.15)}"
    other_suites_update
    work="$(mktemp -d)"
    version="$(apt-cache "${apt_opts[@]}" madison nats-server | grep " $suite/" | head -1 | cut -d'|' -f2 | tr -d ' ')"
    [ -n "$version" ] || { echo "nats-server-lines: no nats-server in $suite" >&2; exit 1; }
    (cd "$work" && apt-get "${apt_opts[@]}" download -qq "nats-server:$arch=$version" && dpkg-deb -x nats-server_*.deb root)
    install -m 0755 "$work/root/usr/sbin/nats-server" "$bin"
    rm -rf "$work"
  fi
  if [ -n "${DEB_ARCH:-}" ]; then echo "nats-server $line ($arch): $bin"; else echo "nats-server $line: $("$bin" --version)"; fi
done
