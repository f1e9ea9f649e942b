#!/usr/bin/env bash
# make bench: every benchmark in bench/, each printing ratios against a peer measured in the same run.
# generate and halving need nothing (halving: python3); track needs MLflow (make services); env needs dockerd + the python image.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== bench/generate (dap generate vs bare yaml stringify)"
node bench/generate.mjs
echo "== bench/track-silent (dap track -- true against a server that never answers, vs plain true)"
node bench/track-silent.mjs
echo "== bench/halving (successive halving vs full grid at max budget: compute and best val_loss)"
node bench/halving.mjs
echo "== bench/track (dap vs MLflow Python client vs raw HTTP ceiling)"
make --no-print-directory services >/dev/null
eval "$(bash scripts/services.sh env)"
bash bench/track.sh
echo "== bench/env (no-op dap env build vs docker build; env up to first SSH exec)"
eval "$(bash scripts/registry.sh env)"
node bench/env.mjs
echo "== bench/runners (dap runners register: 10 hosts vs 1 host)"
npx vitest run --config bench/runners/vitest.config.ts
