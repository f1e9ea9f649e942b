# Shared settings and helpers for scripts/services.sh (sourced, not run).
# Everything listens on 127.0.0.1; state lives under $DAP_CACHE/services; secrets never leave secrets.env.

DAP_CACHE="${DAP_CACHE:-$HOME/.cache/dap}"
# DAP_SERVICES_STATE and the DAP_*_PORT knobs run a whole separate stack (tests that stop or wipe
# services start their own this way; the shared one on the default ports is never touched).
STATE="${DAP_SERVICES_STATE:-$DAP_CACHE/services}"
LOGS="$STATE/logs"
RUN="$STATE/run"
SECRETS="$STATE/secrets.env"

PG_PORT=${DAP_PG_PORT:-55432}
MINIO_PORT=${DAP_MINIO_PORT:-59000}
MINIO_CONSOLE_PORT=${DAP_MINIO_CONSOLE_PORT:-59001}
# DAP_MLFLOW_PORT runs an extra MLflow on another port (same Postgres and MinIO), e.g. for tests that restart it.
MLFLOW_PORT=${DAP_MLFLOW_PORT:-55000}
MINIO_BUCKET=mlflow

MLFLOW_VERSION=3.17.2 # the version these scripts and the REST client were verified against
VENV="$DAP_CACHE/mlflow-venv"
MINIO_BIN="$DAP_CACHE/bin/minio"

say() { printf 'services: %s\n' "$*"; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }

# Installs Debian packages only when a command is missing; serialised with other scripts of this machine.
apt_install() {
  say "installing $* (apt)"
  if [ -w /var/lib/dpkg ]; then
    DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 flock /tmp/dap-apt.lock apt-get install -y "$@" >/dev/null 2>&1 || {
      flock /tmp/dap-apt.lock apt-get update >/dev/null 2>&1 &&
        DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 flock /tmp/dap-apt.lock apt-get install -y "$@" >/dev/null 2>&1
    } || die "apt-get install $* failed"
  else
    die "$* is missing and we are not root: install it (apt-get install -y $*)"
  fi
}

random_secret() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }

# secrets.env: generated once, mode 600, sourced by the service starters and by tests.
ensure_secrets() {
  mkdir -p "$STATE" "$LOGS" "$RUN"
  if [ ! -s "$SECRETS" ]; then
    umask 077
    cat >"$SECRETS" <<EOS
DAP_PG_USER=mlflow
DAP_PG_PASSWORD=$(random_secret)
DAP_MINIO_ACCESS_KEY=dap$(random_secret | cut -c1-12)
DAP_MINIO_SECRET_KEY=$(random_secret)
EOS
    umask 022
    say "generated credentials in $SECRETS (mode 600)"
  fi
  chmod 600 "$SECRETS"
  # shellcheck disable=SC1090
  . "$SECRETS"
}

# Waits until "$@" succeeds; on timeout, or when the process in $WAIT_PIDFILE dies, prints the log tail and fails.
wait_for() {
  local name=$1 timeout=$2 log=$3; shift 3
  local start=$SECONDS
  until "$@" >/dev/null 2>&1; do
    if [ -n "${WAIT_PIDFILE:-}" ] && ! pid_alive "$WAIT_PIDFILE"; then
      printf 'services: error: %s exited during start; last lines of %s:\n' "$name" "$log" >&2
      tail -n 30 "$log" >&2 || true
      exit 1
    fi
    if (( SECONDS - start >= timeout )); then
      printf 'services: error: %s not healthy after %ss; last lines of %s:\n' "$name" "$timeout" "$log" >&2
      tail -n 30 "$log" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
}

http_ok() { curl -fsS --max-time 3 -o /dev/null "$1" 2>/dev/null; }

pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Starts "$@" as the leader of a new session, so `down` can stop its whole process group, and
# records the leader's pid (correct also when setsid must fork because we already lead a group).
spawn_detached() {
  local pidfile=$1 log=$2; shift 2
  rm -f "$pidfile"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >>"$log" 2>&1 </dev/null &
  for _ in $(seq 1 50); do [ -s "$pidfile" ] && return 0; sleep 0.1; done
  die "could not start $*"
}

# Stops a process group started with spawn_detached (pid file holds the leader); TERM, then KILL after a grace period.
stop_group() {
  local name=$1 pidfile=$2
  if ! pid_alive "$pidfile"; then rm -f "$pidfile"; return 0; fi
  local pid; pid=$(cat "$pidfile")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$pidfile"
  say "$name stopped"
}
