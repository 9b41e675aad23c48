#!/usr/bin/env bash
# Install everything nnwidgets needs on a fresh machine, idempotently:
#   - a virtual environment in .venv with the CPU build of torch (pinned here,
#     not in the package: a bare `torch` would pull a CUDA build of several GB),
#   - nnwidgets itself, editable (building it runs the esbuild front-end build),
#     with its test and demo extras,
#   - torchvision==0.28.0 in .venv/torchvision, outside the environment (tests only),
#   - the front end's npm dev dependencies (vitest, typescript),
#   - with --browser, Debian's Chromium for the real-browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    *) echo "usage: scripts/setup.sh [--browser]" >&2; exit 2 ;;
  esac
done

if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# pip here warns about every missing local index folder; keep real errors only.
quiet_pip() { .venv/bin/python -m pip "$@" 2> >(grep -v "^WARNING: Location 'file:" >&2); }

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$PY" -m venv .venv
fi
echo "== installing torch (CPU) and nnwidgets[test,demo]"
quiet_pip install -q "torch==2.13.0"
quiet_pip install -q -e ".[test,demo]"

# torchvision's model code, for the tests on real architectures only: beside the
# environment (--no-deps: it must not pull another torch; inside .venv's
# site-packages its compiled ops fail against this torch and break transformers).
if [ ! -d .venv/torchvision/torchvision ]; then
  echo "== installing torchvision's models into .venv/torchvision (tests only)"
  quiet_pip install -q --no-deps --target .venv/torchvision "torchvision==0.28.0"
fi

echo "== installing the front end's dev dependencies"
(cd js && npm ci --no-audit --no-fund --loglevel=error)
