# MLflow tracking server from PyPI in a venv: Postgres backend, artifacts proxied to MinIO (s3://mlflow/).
# SQLAlchemy 2.1 maps postgresql:// to psycopg 3, so the URI names psycopg2 (what the venv has).
# No --default-artifact-root: clients then upload through the server and need no MinIO credentials.

MLFLOW_SUFFIX=$([ "$MLFLOW_PORT" = 55000 ] || echo "-$MLFLOW_PORT")
MLFLOW_LOG="$LOGS/mlflow$MLFLOW_SUFFIX.log"
MLFLOW_PID="$RUN/mlflow$MLFLOW_SUFFIX.pid"

mlflow_ready() { http_ok "http://127.0.0.1:$MLFLOW_PORT/health"; }

mlflow_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    command -v python3 >/dev/null || apt_install python3
    python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$VENV"; } || die "cannot create venv $VENV"
    say "created venv $VENV"
  fi
  if ! "$VENV/bin/python" -c 'import mlflow, psycopg2, boto3' 2>/dev/null; then
    say "installing mlflow==$MLFLOW_VERSION psycopg2-binary boto3 into $VENV"
    "$VENV/bin/pip" install -q "mlflow==$MLFLOW_VERSION" psycopg2-binary boto3 || die "pip install mlflow failed"
  fi
  local have; have=$("$VENV/bin/python" -c 'import mlflow; print(mlflow.__version__)')
  [ "$have" = "$MLFLOW_VERSION" ] || say "note: venv has mlflow $have, verified with $MLFLOW_VERSION"
}

mlflow_start() {
  pid_alive "$MLFLOW_PID" && stop_group mlflow "$MLFLOW_PID"
  # The database password reaches libpq through PGPASSFILE, MinIO's through exported AWS_* variables:
  # never argv. Background job runners (huey) are off: dap does not use MLflow jobs and they cost
  # CPU. One worker by default (2-core machines); DAP_MLFLOW_WORKERS changes it.
  (
  export PGPASSFILE="$STATE/pgpass" MLFLOW_S3_ENDPOINT_URL="http://127.0.0.1:$MINIO_PORT"
  export AWS_ACCESS_KEY_ID="$DAP_MINIO_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$DAP_MINIO_SECRET_KEY" AWS_DEFAULT_REGION=us-east-1
  export MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false
  spawn_detached "$MLFLOW_PID" "$MLFLOW_LOG" \
    "$VENV/bin/mlflow" server --host 127.0.0.1 --port "$MLFLOW_PORT" --workers "${DAP_MLFLOW_WORKERS:-1}" \
      --backend-store-uri "postgresql+psycopg2://$DAP_PG_USER@127.0.0.1:$PG_PORT/mlflow" \
      --artifacts-destination "s3://$MINIO_BUCKET/" --serve-artifacts \
      --allowed-hosts "127.0.0.1:$MLFLOW_PORT,localhost:$MLFLOW_PORT${DAP_MLFLOW_EXTRA_ALLOWED_HOSTS:+,$DAP_MLFLOW_EXTRA_ALLOWED_HOSTS}"
  )
  WAIT_PIDFILE="$MLFLOW_PID" wait_for mlflow 180 "$MLFLOW_LOG" mlflow_ready
  say "mlflow $MLFLOW_VERSION started on http://127.0.0.1:$MLFLOW_PORT, ${DAP_MLFLOW_WORKERS:-1} worker(s) (log $MLFLOW_LOG)"
}

mlflow_up() {
  mlflow_venv
  if mlflow_ready; then say "mlflow already running on 127.0.0.1:$MLFLOW_PORT"; else mlflow_start; fi
}

mlflow_down() { stop_group mlflow "$MLFLOW_PID"; }

mlflow_status() {
  if mlflow_ready; then echo "mlflow: up http://127.0.0.1:$MLFLOW_PORT"; else echo "mlflow: down"; return 1; fi
}
