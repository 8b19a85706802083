#!/usr/bin/env bash
# The cold-start benchmark (figures, not a test): bootstraps .venv/ (plus matplotlib for the
# chart) and, for every ~/.pyenv/versions/3.1x Python, a venv in .venv/bench/3.X/ holding
# requirements/bench.lock (boto3 and Powertools for AWS Lambda (Python), the contenders on that
# Python; bench/bootstrap.sh), then runs bench/benchmark.py, which writes bench/results.json,
# bench/RESULTS.md and bench/chart.svg, and rewrites the generated blocks (<!-- bench:NAME -->)
# of README.md, docs/performance.md and docs/scaling.md from that one run (bench/report.py and
# bench/report_docs.py; with --results elsewhere, those are left alone). Arguments go to it:
# --quick (3 starts per cell),
# --runs N (or BENCH_RUNS=N), --rtt MS (default 5), --delays MS,MS (default 0,10,30),
# --python PATH (repeatable), --no-default-trust.
# The default-trust mode runs the benchmark in a private mount namespace (unshare --mount; as
# root, or with unprivileged user namespaces): nothing outside it sees the test CA.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
pip=(-m pip install --quiet --disable-pip-version-check)
# matplotlib: the project's `bench` extra (pinned there) where it exists, else from PyPI.
.venv/bin/python -c 'import matplotlib' 2>/dev/null || .venv/bin/python "${pip[@]}" -e '.[bench]'
.venv/bin/python -c 'import matplotlib' 2>/dev/null || .venv/bin/python "${pip[@]}" matplotlib
bash bench/bootstrap.sh
# Some machines point every client at one store (this is what Lambda does not do); the benchmark
# chooses each client's trust itself.
unset AWS_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE CURL_CA_BUNDLE NIX_SSL_CERT_FILE
exec .venv/bin/python bench/benchmark.py "$@"
