#!/usr/bin/env bash
# Local stand-ins for the platform's upstream images (no public registry is reachable here), built
# from the debootstrap base local/debian:bookworm and cached under content-hash tags:
#   local/dap-postgres:H  Debian's postgresql-15 behind the upstream image's entrypoint contract
#   local/dap-minio:H     minio + mc from `go install` (serves as DAP_IMAGE_MINIO and DAP_IMAGE_MC)
#   local/dap-nginx:H     Debian's nginx
#   local/dap-mlflow:H    infrastructure/images/mlflow/Dockerfile itself, FROM the Debian base
# H hashes the build context and the base image id, so a changed recipe builds anew and an
# unchanged one costs one `docker image inspect`.
#   scripts/platform-images.sh build   build what is missing, print `export DAP_IMAGE_…=…` lines
#   scripts/platform-images.sh host    the sshd host the converge tests run Ansible against
# Behind a TLS-intercepting proxy set DAP_BUILD_CA_CERTS=file[:file] (pip in the MLflow build).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${DAP_CACHE:-$HOME/.cache/dap}"
BASE="${DAP_BASE_IMAGE:-local/debian:bookworm}"
MLFLOW_VERSION=3.17.2

log() { echo "platform-images: $*" >&2; }
die() { log "error: $*"; exit 1; }

go_binary() { # name module: cached `go install` into $CACHE/bin
  local name=$1 module=$2
  [ -x "$CACHE/bin/$name" ] && return 0
  export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"
  command -v go >/dev/null || die "$name is not built and Go is missing: install Go >= 1.24"
  mkdir -p "$CACHE/bin"
  exec 8>"$CACHE/bin/.$name-build.lock"; flock 8
  [ -x "$CACHE/bin/$name" ] && return 0
  log "building $name with go install $module (a few minutes, once)"
  GOBIN="$CACHE/bin" go install "$module" || die "go install $module failed"
}

# build NAME CONTEXT_DIR [docker build args…]: tag local/dap-NAME:<hash>, echo the tag
build() {
  local name=$1 ctx=$2; shift 2
  local base_id hash tag
  base_id="$(docker image inspect -f '{{.Id}}' "$BASE")"
  hash="$( { echo "$base_id $*"; (cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum); } | sha256sum | cut -c1-12)"
  tag="local/dap-$name:$hash"
  if ! docker image inspect "$tag" >/dev/null 2>&1; then
    log "building $tag"
    local t0=$SECONDS
    docker build -q --build-arg "BASE_IMAGE=$BASE" "$@" -t "$tag" "$ctx" >"$CACHE/platform-images-$name.log" 2>&1 \
      || { tail -n 30 "$CACHE/platform-images-$name.log" >&2
           if grep -q 'CERTIFICATE_VERIFY_FAILED\|No matching distribution' "$CACHE/platform-images-$name.log"; then
             log "hint: behind a TLS-intercepting proxy set DAP_BUILD_CA_CERTS=/path/to/proxy-ca.crt so pip trusts it"
           fi
           die "docker build of $tag failed"; }
    log "built $tag in $((SECONDS - t0)) s"
  fi
  echo "$tag"
}

build_all() {
  bash "$repo/scripts/docker.sh" base-image >&2
  go_binary minio github.com/minio/minio@latest
  go_binary mc github.com/minio/mc@latest
  work="$(mktemp -d)"; trap 'rm -rf "${work:-}"' EXIT
  cp -r "$repo/test/platform/images/minio" "$work/minio"
  cp "$CACHE/bin/minio" "$CACHE/bin/mc" "$work/minio/"
  cp -r "$repo/infrastructure/images/mlflow" "$work/mlflow"
  if [ -n "${DAP_BUILD_CA_CERTS:-}" ]; then
    local f; IFS=: read -ra cas <<<"$DAP_BUILD_CA_CERTS"
    for f in "${cas[@]}"; do [ -r "$f" ] || die "DAP_BUILD_CA_CERTS names $f, which cannot be read"; cat "$f"; done >"$work/mlflow/build-ca.pem"
  fi
  local pg minio nginx mlflow
  pg="$(build postgres "$repo/test/platform/images/postgres")"
  minio="$(build minio "$work/minio")"
  nginx="$(build nginx "$repo/test/platform/images/nginx")"
  mlflow="$(build mlflow "$work/mlflow" --build-arg "MLFLOW_VERSION=$MLFLOW_VERSION")"
  cat <<EOV
export DAP_IMAGE_POSTGRES=$pg
export DAP_IMAGE_MINIO=$minio
export DAP_IMAGE_MC=$minio
export DAP_IMAGE_NGINX=$nginx
export DAP_IMAGE_MLFLOW=$mlflow
export DAP_IMAGE_MLFLOW_BASE=$BASE
EOV
}

case "${1:-}" in
  build) build_all ;;
  host) bash "$repo/scripts/docker.sh" base-image >&2; echo "export DAP_TEST_HOST_IMAGE=$(build host "$repo/test/platform/images/host")" ;;
  *) echo "usage: $0 build|host" >&2; exit 2 ;;
esac
