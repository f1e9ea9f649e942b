#!/usr/bin/env bash
# make test: install what the tests need, start the real services, run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
make --no-print-directory services
eval "$(bash scripts/services.sh env)"
eval "$(bash scripts/registry.sh env)"
npx vitest run "$@"
