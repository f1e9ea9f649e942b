#!/usr/bin/env bash
# make demo: validate the example experiments, generate the pipeline, run it locally, show results.
# Needs no server: with no MLFLOW_TRACKING_URI the runs stay in the local journal under .dap/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh demo
dap() { node dist/cli/bin.js "$@"; }
echo "== dap validate"; dap validate
echo "== dap plan"; dap plan
echo "== dap generate"; dap generate
echo "== dap lint .gitlab-ci.yml"; dap lint .gitlab-ci.yml
echo "== dap run --local"; dap run --local
echo "== dap runs"; dap runs
