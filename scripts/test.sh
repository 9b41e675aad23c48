#!/usr/bin/env bash
# Set up everything (see setup.sh) and run every test: JS unit tests and type
# check, then Python tests, notebooks, packaging and the real-browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup.sh --browser

echo "== JS: type check and unit tests"
(cd js && npm run --silent typecheck && npm test --silent)

echo "== Python: unit, notebook, packaging and real-browser tests"
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
echo "== all tests passed in $(( $(date +%s) - start )) s"
