#!/usr/bin/env bash
# The cold-start benchmark (figures, not a test): bootstraps .venv/ (plus matplotlib for the
# chart) and, for every ~/.pyenv/versions/3.1x Python, a venv with boto3 in .venv/bench/3.X/ (the
# boto3 contender on that Python), then runs bench/benchmark.py, which writes bench/results.json,
# bench/RESULTS.md and bench/chart.svg. Arguments go to it: --quick (a few minutes), --runs N,
# --rtt MS (default 5), --python PATH (repeatable).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
pip=(-m pip install --quiet --disable-pip-version-check)
# matplotlib: the project's `bench` extra (pinned there) where it exists, else from PyPI.
.venv/bin/python -c 'import matplotlib' 2>/dev/null || .venv/bin/python "${pip[@]}" -e '.[bench]'
.venv/bin/python -c 'import matplotlib' 2>/dev/null || .venv/bin/python "${pip[@]}" matplotlib
# Every Python measures the same boto3: the version the project's .venv has.
boto3="boto3==$(.venv/bin/python -c 'import boto3; print(boto3.__version__)')"
for python in "$HOME"/.pyenv/versions/3.1[0-9]*/bin/python3; do
    [ -x "$python" ] || continue
    version="$("$python" -I -S -c 'import sys; print("%d.%d" % sys.version_info[:2])')" || continue
    venv=".venv/bench/$version/bin/python"
    if [ ! -x "$venv" ] || [ "$("$venv" -c 'import boto3; print("boto3==" + boto3.__version__)' 2>/dev/null)" != "$boto3" ]; then
        "$python" -m venv ".venv/bench/$version"
        "$venv" "${pip[@]}" "$boto3"
    fi
done
exec .venv/bin/python bench/benchmark.py "$@"
