#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo, no AWS account needed: a local moto SSM endpoint on 127.0.0.1, example parameters,
# and the wrapper run around a command that shows which variables arrived.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python scripts/demo.py
