#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Refresh requirements/bench.lock: boto3 and Powertools for AWS Lambda (Python) with their
# SHA-256 hashes, for every Python 3.10+ at once (universal), boto3 and what it shares with the
# test suite held to requirements/test.lock's versions. bench/bootstrap.sh installs from it with
# --require-hashes. uv resolves; it is installed into .venv/ (as scripts/lock.sh does).
#   bash bench/lock.sh                                        # newest allowed versions
#   bash bench/lock.sh --upgrade-package aws-lambda-powertools
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
exec "$venv/bin/uv" pip compile requirements/bench.in --constraint requirements/test.lock \
    --universal --python-version 3.10 --generate-hashes \
    --custom-compile-command "bash bench/lock.sh" --quiet \
    --output-file requirements/bench.lock "${args[@]}"
