#!/usr/bin/env bash
# Docker engine for dap's tests and dev environments on this machine.
#   scripts/docker.sh up          install docker.io if missing, start dockerd on /var/run/docker.sock, health-check
#   scripts/docker.sh down        stop the dockerd this script started
#   scripts/docker.sh status      print whether the engine answers
#   scripts/docker.sh base-image  build local/debian:bookworm with debootstrap + docker import (cached)
# Idempotent: every step checks first. State/cache under ${DAP_CACHE:-$HOME/.cache/dap}.
set -euo pipefail

CACHE="${DAP_CACHE:-$HOME/.cache/dap}"
STATE="$CACHE/dockerd"
SOCK=/var/run/docker.sock
BASE_IMAGE="${DAP_BASE_IMAGE:-local/debian:bookworm}"
mkdir -p "$STATE"

log() { echo "docker.sh: $*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

engine_ok() { docker -H "unix://$SOCK" info >/dev/null 2>&1; }

install_engine() {
  if command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1; then return; fi
  log "installing docker.io (apt)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
}

up() {
  install_engine
  if engine_ok; then log "dockerd already running on $SOCK"; return; fi
  log "starting dockerd on unix://$SOCK (log: $STATE/dockerd.log)"
  # setsid: survive the calling shell. dockerd writes its own pid (`$!` would be the subshell's), so
  # `down` stops exactly the daemon we started
  as_root setsid dockerd --host "unix://$SOCK" --pidfile "$STATE/dockerd.pid" >"$STATE/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    if engine_ok; then log "dockerd ready ($(docker -H "unix://$SOCK" version --format '{{.Server.Version}}' 2>/dev/null))"; return; fi
    sleep 0.5
  done
  log "dockerd did not become ready in 30 s; last log lines:"; tail -n 20 "$STATE/dockerd.log" >&2
  exit 3
}

down() {
  if [ -f "$STATE/dockerd.pid" ]; then
    pid="$(cat "$STATE/dockerd.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping dockerd (pid $pid)"; as_root kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      if kill -0 "$pid" 2>/dev/null; then log "dockerd (pid $pid) did not stop in 30 s"; exit 1; fi
    fi
    rm -f "$STATE/dockerd.pid"
  else
    log "no dockerd started by this script (nothing to stop)"
  fi
}

status() {
  if engine_ok; then log "running: $(docker -H "unix://$SOCK" version --format 'engine {{.Server.Version}}, API {{.Server.APIVersion}}')"
  else log "not running (start it: scripts/docker.sh up)"; exit 3; fi
}

# The mirror apt already uses here (deb822 sources first, then one-line sources), so debootstrap
# goes wherever the machine is allowed to go.
apt_mirror() {
  local m=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    m="$(awk '/^URIs:/{print $2; exit}' "$f" | grep -v security || true)"
    [ -n "$m" ] && break
  done
  if [ -z "$m" ]; then
    m="$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -i debian | grep -v security | awk '{print $2}' | head -n1 || true)"
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

base_image() {
  up
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then log "$BASE_IMAGE already present"; return; fi
  local tarball="$CACHE/rootfs/debian-bookworm-minbase.tar"
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null 2>&1 || { log "installing debootstrap"; as_root apt-get update -qq; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
    local mirror rootfs; mirror="$(apt_mirror)"; rootfs="$(mktemp -d "$CACHE/rootfs-build.XXXXXX")"
    mkdir -p "$CACHE/rootfs"
    log "debootstrap --variant=minbase bookworm from $mirror (about 30 s)"
    as_root debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$CACHE/rootfs/debootstrap.log" 2>&1 \
      || { tail -n 20 "$CACHE/rootfs/debootstrap.log" >&2; exit 1; }
    # smaller image: no apt lists or caches in the base layer
    as_root rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
    as_root tar -C "$rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    as_root rm -rf "$rootfs"
  else
    log "using cached rootfs $tarball"
  fi
  log "docker import -> $BASE_IMAGE"
  docker import --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$tarball" "$BASE_IMAGE" >/dev/null
  log "$BASE_IMAGE ready"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  base-image) base_image ;;
  *) echo "usage: $0 up|down|status|base-image" >&2; exit 2 ;;
esac
