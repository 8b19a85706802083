#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Make a venv (once) and install what the test suite, the demo and the benchmark need into it,
# exactly as pinned in requirements/test.lock (hash-checked), then the package itself, editable.
# Only the standard library is needed to *run* the wrapper.
#   PYTHON=/path/to/python3.13 bash scripts/bootstrap.sh   # .venv-3.13/ for that interpreter
# Without PYTHON: python3, into .venv/. VENV=dir picks the directory. Re-running is cheap: the
# install is skipped while the lock and pyproject.toml are unchanged.
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
if [ ! -x "$VENV/bin/python" ]; then
    "$python" -m venv "$VENV"
fi
stamp="$VENV/.ssm-env-wrapper-lock"
want="$(cat requirements/test.lock pyproject.toml | "$VENV/bin/python" -c \
    'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    pip=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
    # --require-hashes: every package, dependencies included, must match the lock's hashes.
    "${pip[@]}" --require-hashes -r requirements/test.lock
    # The package itself: nothing more to fetch (--no-deps), and setuptools from the lock
    # (--no-build-isolation) instead of a fresh, unpinned download.
    "${pip[@]}" --no-deps --no-build-isolation -e .
    echo "$want" > "$stamp"
fi
