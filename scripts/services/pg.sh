# PostgreSQL: our own cluster in $STATE/pg, port 55432 on 127.0.0.1, socket in the state dir.
# Postgres refuses to run as root, so as root it runs as the `postgres` OS user.

PG_DIR="$STATE/pg"
PG_DATA="$PG_DIR/data"
PG_SOCK="$PG_DIR/run"
PG_LOG="$LOGS/postgres.log"

pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

pg_os_user() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The postgres user must be able to reach the data dir under $HOME (often mode 700): grant it
# search-only permission (ACL u:postgres:x) on the ancestors that block it, nothing more.
pg_grant_traverse() {
  [ "$(id -u)" = 0 ] || return 0
  as_pg test -x "$PG_DIR" 2>/dev/null && return 0
  command -v setfacl >/dev/null || apt_install acl
  local d=$PG_DIR
  while [ "$d" != / ]; do
    d=$(dirname "$d")
    if ! as_pg test -x "$d" 2>/dev/null; then
      if setfacl -m u:postgres:x "$d" 2>/dev/null; then
        say "granted postgres search permission (ACL u:postgres:x) on $d"
      else
        chmod o+x "$d"
        say "granted search permission to others (chmod o+x; no ACL support) on $d"
      fi
    fi
  done
}

pg_ready() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

pg_psql() { as_pg "$BIN/psql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -Atq "$@"; }

pg_up() {
  BIN=$(pg_bindir) || { apt_install postgresql; BIN=$(pg_bindir) || die "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"; }
  local osuser; osuser=$(pg_os_user)
  mkdir -p "$PG_DIR" "$PG_SOCK"
  touch "$PG_LOG"
  [ "$(id -u)" = 0 ] && chown "$osuser" "$PG_DIR" "$PG_SOCK" "$PG_LOG"
  chmod 700 "$PG_DIR"
  pg_grant_traverse
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    say "initdb $PG_DATA ($BIN)"
    as_pg "$BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 -E UTF8 >>"$PG_LOG" 2>&1 \
      || { tail -n 20 "$PG_LOG" >&2; die "initdb failed"; }
  fi
  if pg_ready; then
    say "postgres already running on 127.0.0.1:$PG_PORT"
  else
    as_pg "$BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
      -o "-p $PG_PORT -k $PG_SOCK -c listen_addresses=127.0.0.1" start >/dev/null \
      || { tail -n 20 "$PG_LOG" >&2; die "postgres did not start"; }
    wait_for postgres 60 "$PG_LOG" pg_ready
    say "postgres started on 127.0.0.1:$PG_PORT (data $PG_DATA, log $PG_LOG)"
  fi
  # Role and database, idempotent; the password comes from secrets.env via psql's stdin, never argv.
  if [ "$(pg_psql -c "select 1 from pg_roles where rolname='$DAP_PG_USER'")" != 1 ]; then
    printf "create role \"%s\" login password '%s';\n" "$DAP_PG_USER" "$DAP_PG_PASSWORD" | pg_psql -f - >/dev/null
    say "created role $DAP_PG_USER"
  else # keep the role in step with secrets.env (e.g. after it was regenerated)
    printf "alter role \"%s\" password '%s';\n" "$DAP_PG_USER" "$DAP_PG_PASSWORD" | pg_psql -f - >/dev/null
  fi
  if [ "$(pg_psql -c "select 1 from pg_database where datname='mlflow'")" != 1 ]; then
    pg_psql -c "create database mlflow owner \"$DAP_PG_USER\"" >/dev/null
    say "created database mlflow"
  fi
  # libpq reads the password from this file, so it never appears in a process list.
  umask 077
  printf '127.0.0.1:%s:mlflow:%s:%s\n' "$PG_PORT" "$DAP_PG_USER" "$DAP_PG_PASSWORD" >"$STATE/pgpass"
  umask 022
}

pg_down() {
  BIN=$(pg_bindir) || return 0
  if [ -s "$PG_DATA/postmaster.pid" ]; then
    as_pg "$BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 && say "postgres stopped" || true
  fi
}

pg_status() {
  BIN=$(pg_bindir) || { echo "postgres: not installed"; return 1; }
  if pg_ready; then echo "postgres: up 127.0.0.1:$PG_PORT"; else echo "postgres: down"; return 1; fi
}
