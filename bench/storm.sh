#!/usr/bin/env bash
# The cold-start storm (figures, not a test): bootstraps .venv/, then runs bench/storm.py.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python bench/storm.py "$@"
