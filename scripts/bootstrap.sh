#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Make a venv (once) and install into it exactly what a lock pins (hash-checked). Only the
# standard library is needed to *run* the wrapper; the venvs are for its tests and its demo.
#   bash scripts/bootstrap.sh        # requirements/test.lock into .venv/, then the package
#                                    # itself, editable: the test suite and the benchmark
#   bash scripts/bootstrap.sh demo   # requirements/demo.lock into .venv-demo/: moto and boto3,
#                                    # what scripts/demo.py imports, and nothing else
#   PYTHON=/path/to/python3.13 bash scripts/bootstrap.sh   # .venv-3.13/ for that interpreter
# VENV=dir picks the directory. Re-running is cheap: the install is skipped while the lock (and,
# for the tests, pyproject.toml) is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
what="${1:-test}"
# First, before any venv or pip: the project needs Python 3.10 or newer (pyproject.toml's
# requires-python), and an older one would fail deep inside pip on some package's metadata.
if ! found="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)"; then
    echo "scripts/bootstrap.sh: needs Python 3.10 or newer, and '$python' does not run; set PYTHON=/path/to/python3" >&2
    exit 1
fi
case "$found" in
    3.[0-9].* | [0-2].*)
        echo "scripts/bootstrap.sh: needs Python 3.10 or newer, '$python' is $found; set PYTHON=/path/to/python3.10 (or newer)" >&2
        exit 1
        ;;
esac
case "$what" in
    test) lock=requirements/test.lock default_venv=.venv ;;
    demo) lock=requirements/demo.lock default_venv=.venv-demo ;;
    *)
        echo "scripts/bootstrap.sh: unknown argument '$what'; use test (the default) or demo" >&2
        exit 2
        ;;
esac
if [ -z "${VENV:-}" ]; then
    if [ -n "${PYTHON:-}" ]; then
        VENV="$default_venv-${found%.*}"
    else
        VENV="$default_venv"
    fi
fi
if [ ! -x "$VENV/bin/python" ]; then
    "$python" -m venv "$VENV"
fi
stamp="$VENV/.ssm-env-wrapper-lock"
inputs=("$lock")
if [ "$what" = test ]; then
    inputs+=(pyproject.toml)
fi
want="$(cat "${inputs[@]}" | "$VENV/bin/python" -c \
    'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    pip=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
    # --require-hashes: every package, dependencies included, must match the lock's hashes.
    if [ "$what" = test ]; then
        "${pip[@]}" --require-hashes -r requirements/test.lock
        # The package itself: nothing more to fetch (--no-deps), and setuptools from the lock
        # (--no-build-isolation) instead of a fresh, unpinned download.
        "${pip[@]}" --no-deps --no-build-isolation -e .
    else
        # The demo runs bin/wrapper from the checkout: the package is not installed.
        "${pip[@]}" --require-hashes -r requirements/demo.lock
    fi
    echo "$want" > "$stamp"
fi
