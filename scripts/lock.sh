#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Refresh the two locks, the exact versions with their SHA-256 hashes, for every Python 3.10+ and
# platform at once (universal locks: one file each, environment markers where versions differ):
#   requirements/test.lock  what the `test` and `bench` extras need, the docs site's builder
#                           (requirements/docs.in) and the build backend (requirements/build.in);
#   requirements/demo.lock  what scripts/demo.py imports (requirements/demo.in), at the versions
#                           of test.lock, so that the demo runs what the tests run.
# scripts/bootstrap.sh installs from them with --require-hashes, so a new release of moto,
# botocore or pytest cannot break a clean clone's run until someone refreshes a lock on purpose:
#   bash scripts/lock.sh                        # every package to its newest allowed version
#   bash scripts/lock.sh --upgrade-package moto # only moto (and what it needs); others stay
# uv does the resolving; it is installed into .venv/ (VENV=dir for another) for this and used for
# nothing else.
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
compile=("$venv/bin/uv" pip compile --universal --python-version 3.10 --generate-hashes
    --custom-compile-command "bash scripts/lock.sh" --quiet)
"${compile[@]}" pyproject.toml requirements/build.in requirements/docs.in \
    --extra test --extra bench --output-file requirements/test.lock "${args[@]}"
# test.lock constrains it (demo.in says -c test.lock): no --upgrade can move it past the tests.
"${compile[@]}" requirements/demo.in --output-file requirements/demo.lock "${args[@]}"
