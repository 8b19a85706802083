"""The benchmark's own code paths that use the package (so that a change in the package cannot
silently break the benchmark): the DescribeParameters prototype loads a path like the wrapper."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, SRC, assert_no_secrets, put


def test_the_describe_parameters_prototype_loads_every_parameter_of_a_path(ssm, env):
    for i in range(12):  # more than one GetParameters batch
        put(ssm, f"/bench/proto/VAR_{i:02d}", f"value-{i}")
    put(ssm, "/bench/proto/deeper/NOT_ONE_LEVEL", "no")
    proc = subprocess.run(
        [sys.executable, "-I", "-S", str(ROOT / "bench" / "describe_fetch.py"), str(SRC)]
        + ["/bin/sh", "-c", 'printf "%s %s %s" "$VAR_00" "$VAR_11" "${NOT_ONE_LEVEL-unset}"'],
        env=dict(env, APP_PARAMS_PATH="/bench/proto"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_no_secrets(proc)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "value-0 value-11 unset"


def _bench_module(name: str):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(ROOT / "bench"))


def _request(read: float, sent: float, target: str = "GetParameters", path: str = "") -> dict:
    return {"read": read, "sent": sent, "moto": 0.001, "target": target, "path": path, "conn": 0}


def test_the_latency_table_counts_a_paths_pages_as_its_critical_path_and_batches_as_one():
    shapes = _bench_module("shapes")
    pages = [_request(i, i + 0.5, "GetParametersByPath", "/p") for i in range(6)]
    other = [_request(i, i + 0.5, "GetParametersByPath", "/q") for i in range(2)]
    assert shapes.critical_requests(pages + other) == 6
    batches = [_request(0.0, 1.0) for _ in range(4)] + [_request(1.1, 2.0)]
    assert shapes.critical_requests(batches) == 1
    # four at once, then a fifth after them: the client made two rounds
    assert shapes.observed_depth(batches) == 2
    assert shapes.observed_depth(pages) == 6
    assert shapes.critical_requests([]) == 0


def test_the_trace_splits_a_start_into_its_phases():
    shapes = _bench_module("shapes")
    t = _bench_module("front").Trace()
    t.connections.append((10.010, 10.020))
    t.requests += [_request(10.025, 10.035), _request(10.040, 10.050)]
    got = shapes.phases(t, fork=10.0, wall_ms=60.0)
    assert round(got["pre"]) == 10 and round(got["first"]) == 15
    assert round(got["network"]) == 25 and round(got["idle"]) == 5
    assert round(got["post"]) == 10 and got["depth"] == 2


def test_the_bench_lock_pins_boto3_as_the_test_lock_does_with_hashes():
    def pins(path):  # type: ignore[no-untyped-def]
        text = (ROOT / "requirements" / path).read_text()
        return dict(
            line.split(" ")[0].split("==")
            for line in text.splitlines()
            if "==" in line and not line.startswith(("#", " "))
        ), text

    bench, text = pins("bench.lock")
    test, _ = pins("test.lock")
    assert "aws-lambda-powertools" in bench
    for name in ("boto3", "botocore", "s3transfer", "jmespath"):
        assert bench[name] == test[name], name
    assert text.count("--hash=sha256:") >= len(bench)


def _between(text: str, name: str) -> str:
    start, end = f"<!-- bench:{name} -->\n", f"<!-- /bench:{name} -->"
    assert text.count(start) == 1 and text.count(end) == 1, name
    return text.split(start, 1)[1].split(end, 1)[0]


def test_the_report_fills_every_block_where_it_lives_from_the_committed_results(tmp_path):
    """bench/report.py, run on the committed bench/results.json against a copy of the README and
    the site, fills every generated block in the file it lives in, keeps the README within 15 KB,
    and writes what is committed: the figures the README and the site state are that run's."""
    places = _bench_module("report_docs").PLACES
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    shutil.copytree(ROOT / "docs", tmp_path / "docs", symlinks=True)
    (tmp_path / "bench").mkdir()
    shutil.copy(ROOT / "bench" / "results.json", tmp_path / "bench" / "results.json")
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "report.py"),
            str(tmp_path / "bench" / "results.json"),
        ]
        + ["--root", str(tmp_path), "--no-chart"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "bench" / "RESULTS.md").stat().st_size > 1000
    assert sorted(places) == ["README.md", "docs/performance.md", "docs/scaling.md"]
    for relative, names in places.items():
        rendered = (tmp_path / relative).read_text(encoding="utf-8")
        committed = (ROOT / relative).read_text(encoding="utf-8")
        for name in names:
            block = _between(rendered, name)
            assert len(block.strip()) > 100, (relative, name, block)
            assert block == _between(committed, name), (relative, name)
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) <= 15_000
    headline = _between(readme, "headline")
    assert "[Performance](docs/performance.md)" in headline
    assert re.search(r"\d{4}-\d\d-\d\d, .*cores", headline)  # the run's date and machine


def test_a_missing_marker_is_an_error_not_a_block_left_unwritten(tmp_path):
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    shutil.copytree(ROOT / "docs", tmp_path / "docs", symlinks=True)
    page = tmp_path / "docs" / "scaling.md"
    page.write_text(page.read_text(encoding="utf-8").replace("<!-- /bench:scaling -->", ""))
    with pytest.raises(SystemExit, match="docs/scaling.md needs one <!-- bench:scaling -->"):
        _bench_module("report_docs").fill(tmp_path, dict.fromkeys(_names(), "x"))


def _names() -> list[str]:
    return [n for names in _bench_module("report_docs").PLACES.values() for n in names]
