#!/usr/bin/env bash
# Local image registry for dap's tests: Debian's docker-registry (distribution 2.8) on 127.0.0.1:55001,
# with htpasswd (bcrypt) basic auth so pushes really authenticate.
#   scripts/registry.sh up|down|status|env
# Storage, config and the generated credentials live under ${DAP_CACHE:-$HOME/.cache/dap}/registry.
# The password is random per machine, kept in a mode-600 file, printed only by `env`.
set -euo pipefail

CACHE="${DAP_CACHE:-$HOME/.cache/dap}"
DIR="$CACHE/registry"
PORT="${DAP_REGISTRY_PORT:-55001}"
ADDR="127.0.0.1:$PORT"
USER_NAME=dap
mkdir -p "$DIR/storage"
chmod 700 "$DIR"

log() { echo "registry.sh: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install() {
  command -v docker-registry >/dev/null 2>&1 && return
  log "installing docker-registry (apt)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null
}

credentials() {
  if [ ! -s "$DIR/password" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$DIR/password")
  fi
  if [ ! -s "$DIR/htpasswd" ] || [ "$DIR/password" -nt "$DIR/htpasswd" ]; then
    # distribution accepts bcrypt only: htpasswd -B (apache2-utils), else libxcrypt via python3's crypt
    local line
    if ! command -v htpasswd >/dev/null 2>&1 && ! /usr/bin/python3 -W ignore -c 'import crypt' 2>/dev/null; then
      log "installing apache2-utils (htpasswd, for bcrypt)"
      as_root apt-get update -qq
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apache2-utils >/dev/null
    fi
    if command -v htpasswd >/dev/null 2>&1; then
      line="$(htpasswd -nbB -C 10 "$USER_NAME" "$(cat "$DIR/password")" | head -n1)"
    else
      line="$USER_NAME:$(DAP_PW="$(cat "$DIR/password")" /usr/bin/python3 -W ignore -c \
        'import crypt,os; print(crypt.crypt(os.environ["DAP_PW"], crypt.mksalt(crypt.METHOD_BLOWFISH)))')"
    fi
    (umask 077; echo "$line" >"$DIR/htpasswd")
  fi
}

write_config() {
  cat >"$DIR/config.yml" <<CFG
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $DIR/storage}
  delete: {enabled: true}
http:
  addr: $ADDR
  headers: {X-Content-Type-Options: [nosniff]}
auth:
  htpasswd: {realm: dap-registry, path: $DIR/htpasswd}
CFG
}

healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/v2/")" = 401 ]; }

up() {
  install; credentials; write_config
  if healthy; then log "registry already running on $ADDR"; return; fi
  log "starting docker-registry on $ADDR (storage $DIR/storage, log $DIR/registry.log)"
  setsid docker-registry serve "$DIR/config.yml" >"$DIR/registry.log" 2>&1 </dev/null &
  echo $! >"$DIR/registry.pid"
  for _ in $(seq 1 40); do
    if healthy; then
      local code; code="$(curl -s -o /dev/null -w '%{http_code}' -u "$USER_NAME:$(cat "$DIR/password")" "http://$ADDR/v2/")"
      [ "$code" = 200 ] || { log "registry up but auth check returned $code"; exit 1; }
      log "registry ready on $ADDR (htpasswd auth, user $USER_NAME)"; return
    fi
    sleep 0.25
  done
  log "registry did not answer in 10 s:"; tail -n 20 "$DIR/registry.log" >&2; exit 3
}

down() {
  if [ -f "$DIR/registry.pid" ] && kill -0 "$(cat "$DIR/registry.pid")" 2>/dev/null; then
    log "stopping registry (pid $(cat "$DIR/registry.pid"))"; kill "$(cat "$DIR/registry.pid")"
  else log "no registry started by this script"; fi
  rm -f "$DIR/registry.pid"
}

status() { if healthy; then log "running on $ADDR"; else log "not running (scripts/registry.sh up)"; exit 3; fi; }

env_lines() {
  credentials
  echo "export DAP_REGISTRY=$ADDR"
  echo "export DAP_REGISTRY_USER=$USER_NAME"
  echo "export DAP_REGISTRY_PASSWORD=$(cat "$DIR/password")"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  env) env_lines ;;
  *) echo "usage: $0 up|down|status|env" >&2; exit 2 ;;
esac
