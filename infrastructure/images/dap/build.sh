#!/usr/bin/env bash
# Build (and with --push, push) the dap CLI image from this checkout:
#   infrastructure/images/dap/build.sh [--push] [--tag IMAGE] [--no-tsc]
# Default tag: ${DAP_REGISTRY_IMAGE:-${CI_REGISTRY_IMAGE:-127.0.0.1:55001/dap}}/dap:<package version>.
# Context (in a temp dir): the host's node binary + `npm pack` of the repo with production deps.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
push=0; tag=""; tsc=1
while [ $# -gt 0 ]; do
  case "$1" in
    --push) push=1 ;;
    --no-tsc) tsc=0 ;;
    --tag) tag="$2"; shift ;;
    *) echo "usage: $0 [--push] [--tag IMAGE] [--no-tsc]" >&2; exit 2 ;;
  esac; shift
done
version="$(node -p 'require(process.argv[1]).version' "$repo/package.json")"
tag="${tag:-${DAP_REGISTRY_IMAGE:-${CI_REGISTRY_IMAGE:-127.0.0.1:55001/dap}}/dap:$version}"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || { echo "build.sh: node $(node --version) is too old; dap needs >= 20.10" >&2; exit 1; }

ctx="$(mktemp -d)"; trap 'rm -rf "$ctx"' EXIT
# --no-tsc: dist/ is already built (make build)
( cd "$repo" && { [ "$tsc" = 0 ] || npx tsc -p tsconfig.json >/dev/null; } && npm pack --silent --pack-destination "$ctx" >/dev/null )
mkdir -p "$ctx/dap"
tar -xzf "$ctx"/dap-*.tgz -C "$ctx/dap" --strip-components=1
cp "$repo/package-lock.json" "$ctx/dap/"
( cd "$ctx/dap" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error && rm -f package-lock.json )
cp "$(readlink -f "$(command -v node)")" "$ctx/node"
cp "$here/Dockerfile" "$ctx/Dockerfile"
docker build -q -t "$tag" "$ctx" >/dev/null
echo "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
if [ "$push" = 1 ]; then
  if [ -n "${DAP_REGISTRY_USER:-${CI_REGISTRY_USER:-}}" ]; then
    printf '%s' "${DAP_REGISTRY_PASSWORD:-${CI_REGISTRY_PASSWORD:-}}" | docker login -u "${DAP_REGISTRY_USER:-${CI_REGISTRY_USER:-}}" --password-stdin "${tag%%/*}" >/dev/null
  fi
  docker push -q "$tag"
fi
