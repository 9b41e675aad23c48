#!/usr/bin/env bash
# Set up everything (see setup.sh) and open the quickstart notebook in JupyterLab.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)  # JupyterLab refuses root without it (containers, CI machines)
exec .venv/bin/jupyter lab notebooks/01_quickstart.ipynb "${extra[@]}" "$@"
