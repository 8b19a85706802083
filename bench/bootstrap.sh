#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The benchmark's contenders beside the layer: for every ~/.pyenv/versions/3.1x Python (the real
# binary, not a shim), a venv in .venv/bench/3.X/ holding exactly requirements/bench.lock (boto3
# and Powertools for AWS Lambda (Python), hash-checked). Re-running is cheap: a venv is left alone
# while the lock is unchanged. PYTHONS="/path/a/python3 /path/b/python3" picks others.
set -euo pipefail
cd "$(dirname "$0")/.."
want="$(sha256sum requirements/bench.lock | cut -d' ' -f1)"
for python in ${PYTHONS:-"$HOME"/.pyenv/versions/3.1[0-9]*/bin/python3}; do
    [ -x "$python" ] || continue
    version="$("$python" -I -S -c 'import sys; print("%d.%d" % sys.version_info[:2])')" || continue
    venv=".venv/bench/$version"
    stamp="$venv/.bench-lock"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        rm -rf "$venv"
        "$python" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            --require-hashes --no-deps -r requirements/bench.lock
        echo "$want" > "$stamp"
    fi
done
