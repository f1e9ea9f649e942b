#!/usr/bin/env bash
# make test: install what the tests need, start the real services, run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
make --no-print-directory services
eval "$(bash scripts/services.sh env)"
eval "$(bash scripts/registry.sh env)"
mkdir -p .dap
report=.dap/vitest-report.json
rm -f "$report"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# the plain closing line, so a run that executed no test cannot pass for one that did
if [ -f "$report" ]; then
  node -e 'const r = require(process.argv[1]); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`); if (r.numTotalTests === 0) process.exit(1)' "$PWD/$report" || status=1
else
  echo "0 passed, 0 failed"; status=1
fi
exit $status
