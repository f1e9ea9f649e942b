# MinIO: built once with `go install`, cached in $DAP_CACHE/bin; data in $STATE/minio; bucket `mlflow`.

MINIO_DATA="$STATE/minio"
MINIO_LOG="$LOGS/minio.log"
MINIO_PID="$RUN/minio.pid"

minio_ready() { http_ok "http://127.0.0.1:$MINIO_PORT/minio/health/ready"; }

minio_build() {
  [ -x "$MINIO_BIN" ] && return 0
  export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"
  command -v go >/dev/null || die "MinIO is not built ($MINIO_BIN) and Go is missing: install Go >= 1.24 from https://go.dev/dl/"
  say "building MinIO with go install (takes a few minutes, once)"
  mkdir -p "$DAP_CACHE/bin"
  GOBIN="$DAP_CACHE/bin" go install github.com/minio/minio@latest || die "go install github.com/minio/minio@latest failed"
}

minio_up() {
  minio_build
  mkdir -p "$MINIO_DATA"
  if minio_ready; then
    say "minio already running on 127.0.0.1:$MINIO_PORT"
  else
    pid_alive "$MINIO_PID" && stop_group minio "$MINIO_PID"
    ( # credentials through the environment, never argv
      export MINIO_ROOT_USER="$DAP_MINIO_ACCESS_KEY" MINIO_ROOT_PASSWORD="$DAP_MINIO_SECRET_KEY" MINIO_BROWSER=on
      spawn_detached "$MINIO_PID" "$MINIO_LOG" "$MINIO_BIN" server "$MINIO_DATA" --address "127.0.0.1:$MINIO_PORT" --console-address "127.0.0.1:$MINIO_CONSOLE_PORT"
    )
    WAIT_PIDFILE="$MINIO_PID" wait_for minio 60 "$MINIO_LOG" minio_ready
    say "minio started on 127.0.0.1:$MINIO_PORT, console 127.0.0.1:$MINIO_CONSOLE_PORT (log $MINIO_LOG)"
  fi
}

# Bucket creation through boto3 from the MLflow venv (mc is not installed); idempotent.
minio_bucket() {
  AWS_ACCESS_KEY_ID="$DAP_MINIO_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$DAP_MINIO_SECRET_KEY" \
  "$VENV/bin/python" - "http://127.0.0.1:$MINIO_PORT" "$MINIO_BUCKET" <<'PY' || die "could not create bucket $MINIO_BUCKET"
import sys, boto3
endpoint, bucket = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
names = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
if bucket in names:
    print(f"services: bucket {bucket} exists")
else:
    s3.create_bucket(Bucket=bucket)
    print(f"services: created bucket {bucket}")
PY
}

minio_down() { stop_group minio "$MINIO_PID"; }

minio_status() {
  if minio_ready; then echo "minio: up 127.0.0.1:$MINIO_PORT (console $MINIO_CONSOLE_PORT)"; else echo "minio: down"; return 1; fi
}
