#!/usr/bin/env bash
# bench/track: builds dist/ if needed, then runs bench/track.mjs (see its header) against an MLflow
# server configured as MLflow ships it: its default of 4 workers, started for the bench on port
# ${BENCH_MLFLOW_PORT:-55020} beside the test server (same PostgreSQL and MinIO; `make services`
# first) and stopped afterwards. The test services run one worker to spare a 2-core machine; to
# measure against that server, or any other, set BENCH_MLFLOW_URI (e.g. http://127.0.0.1:55000).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/adapters/mlflow/index.js ] || npx tsc -p .
if [ -n "${BENCH_MLFLOW_URI:-}" ]; then
  MLFLOW_TRACKING_URI="$BENCH_MLFLOW_URI" exec node bench/track.mjs "$@"
fi
port="${BENCH_MLFLOW_PORT:-55020}"
workers="${BENCH_MLFLOW_WORKERS:-4}"
trap 'DAP_MLFLOW_PORT=$port bash scripts/services.sh stop-mlflow >/dev/null 2>&1 || true' EXIT
DAP_MLFLOW_PORT="$port" DAP_MLFLOW_WORKERS="$workers" bash scripts/services.sh start-mlflow
# more connections than workers: keep-alive connections stay with one worker, and 4 of them may
# land on 3 workers (the bench's figures were noisy at 4 against 4 workers)
MLFLOW_TRACKING_URI="http://127.0.0.1:$port" BENCH_CONCURRENCY="${BENCH_CONCURRENCY:-8}" BENCH_SERVER="MLflow with $workers workers (port $port)" \
  node bench/track.mjs "$@"
