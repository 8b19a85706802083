#!/usr/bin/env bash
# The cold-start benchmark (figures, not a test): bootstraps .venv/, then runs bench/benchmark.py.
# Arguments go to it: --quick for a short run, --runs N.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python bench/benchmark.py "$@"
