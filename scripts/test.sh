#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite from a fresh checkout: a venv installed from the lock, then the checks in
# the order a reviewer would read their output: ruff (lint), ruff format --check, mypy (settings
# in pyproject.toml), pytest on every core (pytest-xdist's `-n auto`; arguments go to pytest, and
# `-n 0` runs it in one process).
#   bash scripts/test.sh                                  # python3, in .venv/
#   PYTHON=~/.pyenv/versions/3.13.0/bin/python3 bash scripts/test.sh -x   # in .venv-3.13/
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
if [ -z "${VENV:-}" ]; then
    if [ -n "${PYTHON:-}" ]; then
        VENV=".venv-$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    else
        VENV=.venv
    fi
fi
export VENV
PYTHON="$python" bash scripts/bootstrap.sh
bin="$VENV/bin"
echo "$("$bin/python" -VV | head -n 1) in $VENV" >&2
"$bin/ruff" check --quiet .
"$bin/ruff" format --check --quiet .
"$bin/mypy" --no-error-summary
exec "$bin/python" -m pytest -n auto "$@"
