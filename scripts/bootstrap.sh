#!/usr/bin/env bash
# Make .venv/ (once) and install the package with its test extras into it: what the test suite,
# the demo and the benchmark need. Only the standard library is needed to *run* the wrapper.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
