#!/usr/bin/env bash
# Docker Compose v2 as the `docker compose` CLI plugin, built once from its Go module and cached.
#   scripts/compose.sh install   build (cached) and link into ~/.docker/cli-plugins; prints the version
#   scripts/compose.sh path      print the cached binary's path (builds it if missing)
# Debian's docker-compose is v1 (Python) and not enough; `go install …/cmd@VERSION` is refused because
# compose's go.mod has `exclude` directives, so we build the module's own ./cmd from its module-cache copy.
# Cache: ${DAP_CACHE:-$HOME/.cache/dap}/bin/docker-compose-$VERSION (about 3 minutes to build on 2 cores).
set -euo pipefail

VERSION="${DAP_COMPOSE_VERSION:-v2.40.3}"
CACHE="${DAP_CACHE:-$HOME/.cache/dap}"
BIN="$CACHE/bin/docker-compose-$VERSION"
PLUGIN_DIR="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"

log() { echo "compose.sh: $*" >&2; }

build() {
  [ -x "$BIN" ] && "$BIN" version >/dev/null 2>&1 && return 0
  export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"
  command -v go >/dev/null || { log "Go is missing: install Go >= 1.24 (https://go.dev/dl/) to build Compose $VERSION"; exit 1; }
  mkdir -p "$CACHE/bin"
  # one builder at a time on this machine; a second caller waits and then finds the binary
  exec 9>"$CACHE/bin/.compose-build.lock"
  flock 9
  if [ -x "$BIN" ] && "$BIN" version >/dev/null 2>&1; then return 0; fi
  log "building Docker Compose $VERSION from its Go module (about 3 minutes, once)"
  local dir
  dir="$(go mod download -json "github.com/docker/compose/v2@$VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')" \
    || { log "go mod download github.com/docker/compose/v2@$VERSION failed"; exit 1; }
  src="$(mktemp -d "$CACHE/bin/compose-src.XXXXXX")"
  trap 'rm -rf "${src:-}"' EXIT
  cp -r "$dir/." "$src" && chmod -R u+w "$src"
  ( cd "$src" && CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$VERSION" -o "$BIN.tmp" ./cmd ) \
    || { log "go build of compose $VERSION failed"; rm -f "$BIN.tmp"; exit 1; }
  mv "$BIN.tmp" "$BIN"
}

install() {
  build
  mkdir -p "$PLUGIN_DIR"
  if [ "$(readlink -f "$PLUGIN_DIR/docker-compose" 2>/dev/null)" != "$BIN" ]; then
    ln -sfn "$BIN" "$PLUGIN_DIR/docker-compose"
  fi
  docker compose version >/dev/null 2>&1 || { log "docker compose does not answer after linking $PLUGIN_DIR/docker-compose"; exit 1; }
  log "$(docker compose version)"
}

case "${1:-}" in
  install) install ;;
  path) build; echo "$BIN" ;;
  *) echo "usage: $0 install|path" >&2; exit 2 ;;
esac
