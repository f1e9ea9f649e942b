#!/usr/bin/env bash
# make test: install what the tests need, start the real services, run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
bash scripts/docker.sh up
bash scripts/docker.sh base-image
bash scripts/registry.sh up
bash scripts/services.sh up
eval "$(bash scripts/services.sh env)"
npx vitest run "$@"
