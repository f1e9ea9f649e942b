#!/bin/sh
# Starts `mlflow server` with its credentials read from compose secrets (/run/secrets), so no
# password is in the compose file, the environment of `docker inspect`, or a process list.
#   MLFLOW_DB_HOST/PORT/NAME/USER   the Postgres database (password: /run/secrets/mlflow_db_password)
#   MLFLOW_S3_ENDPOINT_URL, MLFLOW_BUCKET   MinIO (key: /run/secrets/mlflow_s3_access_key, _secret_key)
#   MLFLOW_WORKERS, MLFLOW_ALLOWED_HOSTS, MLFLOW_WORKER_HEALTHCHECK_TIMEOUT
set -eu
umask 077
secret() { tr -d '\n' < "/run/secrets/$1"; }
# libpq ignores a password file others can read, so it gets a private copy
export PGPASSFILE=/tmp/pgpass
printf '%s:%s:%s:%s:%s\n' "$MLFLOW_DB_HOST" "${MLFLOW_DB_PORT:-5432}" "$MLFLOW_DB_NAME" "$MLFLOW_DB_USER" "$(secret mlflow_db_password)" > "$PGPASSFILE"
AWS_ACCESS_KEY_ID=$(secret mlflow_s3_access_key)
AWS_SECRET_ACCESS_KEY=$(secret mlflow_s3_secret_key)
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION=us-east-1
# uvicorn kills a worker that misses a 5 s health ping; a busy host (a worker importing MLflow
# takes a while) then loses its workers one by one, so the ping gets 60 s.
# dap does not use MLflow's job runner; it only costs CPU
export MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false
exec mlflow server --host 0.0.0.0 --port 5000 --workers "${MLFLOW_WORKERS:-4}" \
  --backend-store-uri "postgresql+psycopg2://$MLFLOW_DB_USER@$MLFLOW_DB_HOST:${MLFLOW_DB_PORT:-5432}/$MLFLOW_DB_NAME" \
  --artifacts-destination "s3://$MLFLOW_BUCKET/" --serve-artifacts \
  --allowed-hosts "${MLFLOW_ALLOWED_HOSTS:-localhost:5000}" \
  --uvicorn-opts "--timeout-worker-healthcheck ${MLFLOW_WORKER_HEALTHCHECK_TIMEOUT:-60}" "$@"
