#!/usr/bin/env bash
# Real services for dap's tests and local use, all on 127.0.0.1:
#   PostgreSQL 55432 · MinIO 59000 (console 59001, bucket mlflow) · MLflow 55000 (Postgres backend, artifacts via MinIO)
# Usage: scripts/services.sh up|down|status|env [--with-secrets]|restart-mlflow|stop-mlflow|start-mlflow|stop-pg|start-pg|stop-minio|start-minio
# State, logs and generated credentials (secrets.env, mode 600) live in ${DAP_CACHE:-$HOME/.cache/dap}/services.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/services/common.sh"
. "$HERE/services/pg.sh"
. "$HERE/services/minio.sh"
. "$HERE/services/mlflow.sh"

need_tools() {
  command -v curl >/dev/null || apt_install curl
  command -v setsid >/dev/null || apt_install util-linux
}

print_env() {
  cat <<EOV
export MLFLOW_TRACKING_URI=http://127.0.0.1:$MLFLOW_PORT
export DAP_MLFLOW_PYTHON=$VENV/bin/python
export DAP_MINIO_ENDPOINT=http://127.0.0.1:$MINIO_PORT
export DAP_MINIO_BUCKET=$MINIO_BUCKET
export DAP_SERVICES_SECRETS=$SECRETS
export DAP_SERVICES_STATE=$STATE
export DAP_PG_PORT=$PG_PORT
export DAP_MINIO_PORT=$MINIO_PORT
EOV
  if [ "${1:-}" = --with-secrets ]; then
    ensure_secrets >/dev/null
    printf 'export DAP_MINIO_ACCESS_KEY=%s\nexport DAP_MINIO_SECRET_KEY=%s\n' "$DAP_MINIO_ACCESS_KEY" "$DAP_MINIO_SECRET_KEY"
  fi
}

cmd=${1:-}
case "$cmd" in
  up)
    need_tools; ensure_secrets
    pg_up; minio_up; mlflow_venv; minio_bucket; mlflow_up
    say "all up — eval \"\$(scripts/services.sh env)\" to use them" ;;
  down)
    mlflow_down; minio_down; pg_down ;;
  status)
    rc=0; pg_status || rc=1; minio_status || rc=1; mlflow_status || rc=1; exit $rc ;;
  env)
    print_env "${2:-}" ;;
  restart-mlflow)
    ensure_secrets >/dev/null; mlflow_down; mlflow_start ;;
  stop-mlflow)
    mlflow_down ;;
  start-mlflow)
    ensure_secrets >/dev/null; mlflow_up ;;
  stop-pg) pg_down ;;
  start-pg) ensure_secrets >/dev/null; pg_up ;;
  stop-minio) minio_down ;;
  start-minio) ensure_secrets >/dev/null; minio_up ;;
  *)
    echo "usage: scripts/services.sh up|down|status|env [--with-secrets]|restart-mlflow|stop-mlflow|start-mlflow|stop-pg|start-pg|stop-minio|start-minio" >&2; exit 2 ;;
esac
