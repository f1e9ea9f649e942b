#!/usr/bin/env bash
# bench/track: builds dist/ if needed, checks MLflow, runs bench/track.mjs (see its header).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/adapters/mlflow/index.js ] || npx tsc -p .
exec node bench/track.mjs "$@"
