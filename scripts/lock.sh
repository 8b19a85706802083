#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Refresh requirements/test.lock: the exact versions, with their SHA-256 hashes, of everything the
# `test` and `bench` extras need (and the build backend), for every Python 3.10+ and platform at
# once (a universal lock: one file, environment markers where versions differ). scripts/bootstrap.sh
# installs from it with --require-hashes, so a new release of moto, botocore or pytest cannot
# break a clean clone's test run until someone refreshes the lock on purpose:
#   bash scripts/lock.sh                        # every package to its newest allowed version
#   bash scripts/lock.sh --upgrade-package moto # only moto (and what it needs); others stay
# uv does the resolving; it is installed into .venv/ for this and used for nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"
if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv>=0.5"
args=("$@")
if [ ${#args[@]} -eq 0 ]; then
    args=(--upgrade)
fi
exec "$venv/bin/uv" pip compile pyproject.toml requirements/build.in \
    --extra test --extra bench \
    --universal --python-version 3.10 --generate-hashes \
    --custom-compile-command "bash scripts/lock.sh" --quiet \
    --output-file requirements/test.lock "${args[@]}"
