#!/usr/bin/env bash
# The whole test suite from a fresh checkout: bootstrap .venv/, then pytest (arguments go to it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m pytest "$@"
