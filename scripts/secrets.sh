#!/usr/bin/env bash
# make secrets: every secret the platform needs, generated once into infrastructure/secrets/
# (gitignored; directory 0700, files 0600). Running it again keeps what exists and only adds what
# is missing, so a re-run never locks a running service out.
#   scripts/secrets.sh [DIR]      DIR defaults to $DAP_SECRETS_DIR, else infrastructure/secrets
# Contents: database passwords, MinIO root and MLflow's S3 key, MLflow basic-auth user
# (mlflow_user, mlflow_password, mlflow_htpasswd with a bcrypt hash), GitLab root and pgAdmin
# passwords, and a self-signed TLS CA (tls/ca.crt, tls/ca.key) from which the service_host role
# issues the server certificate. Nothing secret is printed.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-${DAP_SECRETS_DIR:-$repo/infrastructure/secrets}}"
CA_DAYS="${DAP_CA_DAYS:-3650}"

say() { echo "secrets: $*"; }
die() { echo "secrets: error: $*" >&2; exit 1; }
for tool in openssl htpasswd; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install -y openssl apache2-utils)"
done

umask 077
mkdir -p "$dir/tls"
chmod 700 "$dir" "$dir/tls"
created=()

# random: URL- and shell-safe, 32 characters from the kernel's CSPRNG
random() { openssl rand -base64 48 | tr -d '/+=\n' | cut -c1-32; }

# put NAME VALUE: writes the file only when absent, atomically, mode 0600, no trailing newline
put() {
  local f="$dir/$1"
  [ -s "$f" ] && return 0
  printf '%s' "$2" >"$f.tmp" && mv "$f.tmp" "$f"
  created+=("$1")
}

put postgres_password "$(random)"
put postgres_data_password "$(random)"
put mlflow_db_password "$(random)"
put minio_root_user "dap-root"
put minio_root_password "$(random)"
put mlflow_s3_access_key "mlflow-$(random | cut -c1-12)"
put mlflow_s3_secret_key "$(random)"
put mlflow_user "dap"
put mlflow_password "$(random)"
put gitlab_root_password "$(random)"
put pgadmin_password "$(random)"

# the htpasswd line follows mlflow_user/mlflow_password; the password goes in on stdin, not argv
if [ ! -s "$dir/mlflow_htpasswd" ] || [ "$dir/mlflow_password" -nt "$dir/mlflow_htpasswd" ] || [ "$dir/mlflow_user" -nt "$dir/mlflow_htpasswd" ]; then
  htpasswd -niB -C 10 "$(cat "$dir/mlflow_user")" <"$dir/mlflow_password" | head -n1 >"$dir/mlflow_htpasswd.tmp"
  mv "$dir/mlflow_htpasswd.tmp" "$dir/mlflow_htpasswd"
  created+=(mlflow_htpasswd)
fi

if [ ! -s "$dir/tls/ca.key" ] || [ ! -s "$dir/tls/ca.crt" ]; then
  [ -e "$dir/tls/ca.crt" ] && die "$dir/tls/ca.key is missing but ca.crt exists: restore the key or remove both to make a new CA"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days "$CA_DAYS" \
    -subj "/CN=dap platform CA $(hostname -s 2>/dev/null || echo host) $(date -u +%Y-%m-%d)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$dir/tls/ca.key.tmp" -out "$dir/tls/ca.crt.tmp" 2>/dev/null || die "openssl could not create the CA"
  mv "$dir/tls/ca.key.tmp" "$dir/tls/ca.key"
  mv "$dir/tls/ca.crt.tmp" "$dir/tls/ca.crt"
  created+=(tls/ca.key tls/ca.crt)
fi
find "$dir" -type f -exec chmod 600 {} +

if [ ${#created[@]} -eq 0 ]; then
  say "all present in $dir (kept)"
else
  say "created ${created[*]} in $dir (mode 0600)"
fi
say "clients trust the platform with: $dir/tls/ca.crt (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE)"
