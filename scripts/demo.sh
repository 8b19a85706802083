#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo, no AWS account needed: a local moto SSM endpoint on 127.0.0.1, example parameters,
# and the wrapper run around a command that shows which variables arrived. Its own venv,
# .venv-demo/, holds only what scripts/demo.py imports (requirements/demo.lock: moto, boto3 and
# theirs), so the first run does not build the test suite's tools.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv-demo}"
VENV="$venv" bash scripts/bootstrap.sh demo
exec "$venv/bin/python" scripts/demo.py
