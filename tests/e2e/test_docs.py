"""The README and the documentation site: a README that fits (at most 15 KB, its sections in
order, links that resolve, the settings table between its markers), facts stated once, and the
site built by MkDocs with --strict, so that a broken link, anchor or page fails the suite."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
PAGES = {p.name: p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md"))}
SECTIONS = [
    "What it is and why",
    "Quick start",
    "Use it in Lambda",
    "Source syntax",
    "Settings",
    "Command line",
    "Common failures",
    "Versioning and releases",
    "Documentation",
]


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_readme_fits_and_has_its_sections_in_order():
    assert len(README.encode("utf-8")) <= 15_000
    headings = re.findall(r"^## (.+)$", README, re.M)
    assert headings == SECTIONS
    # The table of contents links every section.
    contents = README[README.index("**Contents:**") : README.index("## What it is and why")]
    assert re.findall(r"\]\(#([^)]+)\)", contents) == [_anchor(h) for h in SECTIONS]


def test_the_readme_says_how_to_use_it_in_lambda_with_iam():
    lambda_ = " ".join(README[README.index("## Use it in Lambda") :].split("## ")[1].split())
    assert "AWS_LAMBDA_EXEC_WRAPPER=/opt/ssm-env-wrapper" in lambda_
    plain = lambda_.replace("`", "")
    assert (
        "ssm-env-wrapper policy prints the least-privilege policy for your configuration "
        "([IAM](docs/iam.md))"
    ) in plain
    assert '"Action": "ssm:GetParametersByPath"' in lambda_  # a policy written by hand, too
    quick = README[README.index("## Quick start") : README.index("## Use it in Lambda")]
    # The demo's first run: its own venv, and what it costs, before and after.
    assert ".venv-demo/" in quick and re.search(r"\d+ MB in about \d+ s", quick)


def test_the_readmes_links_resolve():
    anchors = {_anchor(h) for h in re.findall(r"^#+ (.+)$", README, re.M)}
    for target in re.findall(r"\]\(([^)\s]+)\)", README):
        if target.startswith("https://"):
            continue
        if target.startswith("#"):
            assert target[1:] in anchors, target
            continue
        path, _, fragment = target.partition("#")
        assert (ROOT / path).exists(), target
        if fragment and path.endswith(".md"):
            text = (ROOT / path).read_text(encoding="utf-8")
            assert fragment in {_anchor(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}, target


def _settings_in_source() -> set[str]:
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "src" / "ssm_env_wrapper").glob("*.py")
    )
    return set(re.findall(r"\bSSM_ENV_[A-Z]+(?:_[A-Z]+)*\b", source)) | {
        "APP_ENV",
        "APP_PARAMS_PATH",
    }


def test_the_settings_table_sits_between_its_markers_and_names_every_setting():
    assert README.count("<!-- settings:begin -->") == 1
    assert README.count("<!-- settings:end -->") == 1
    block = README.split("<!-- settings:begin -->\n")[1].split("<!-- settings:end -->")[0]
    rows = [line for line in block.splitlines() if line.startswith("| `")]
    named = {name for row in rows for name in re.findall(r"`([A-Z][A-Z_]+)`", row.split("|")[1])}
    assert _settings_in_source() <= named, _settings_in_source() - named


def _all_text() -> str:
    return "\n".join([README, *PAGES.values()])


def _bench(name: str):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(ROOT / "bench"))


def _boto3_figure() -> str:
    """What boto3 costs, as bench/report.py states it from the committed bench/results.json (in
    docs/performance.md's generated block): the one place that figure may live."""
    report, place = _bench("report"), _bench("report_docs")
    results = json.loads((ROOT / "bench" / "results.json").read_text(encoding="utf-8"))
    return place.boto3_fact(results, report.per_python(results, "https"))


def _compile_figure() -> str:
    """What a start without bytecode costs, as bench/report.py states it in docs/performance.md's
    sizes block: its one place."""
    report, place = _bench("report"), _bench("report_docs")
    results = json.loads((ROOT / "bench" / "results.json").read_text(encoding="utf-8"))
    sizes = place.sizes(results, report.per_python(results, "https"))
    return sizes.split("compiles the file first: ")[1].split(" than")[0]


@pytest.mark.parametrize(
    "fact",
    [
        "loaded 12 variables from /prod/myapp in 38 ms",  # the sample log line
        "40 requests per second",  # SSM's quota
        "deprecated on 2026-10-31",  # runtime support
        _boto3_figure(),  # the boto3 figure, generated
        "10,000 requests per second",  # Secrets Manager's quota
        "is authorized against the *path in the request*",  # the IAM rule for paths
        _compile_figure(),  # a start without bytecode, generated
    ],
)
def test_each_fact_is_stated_once(fact):
    assert _all_text().count(fact) == 1, fact


def test_no_page_states_a_boto3_figure_by_hand():
    """Figures of a run live in the blocks bench/report.py writes, so that a re-run cannot leave
    an old one behind in the prose."""
    for name, text in {"README.md": README, **PAGES}.items():
        prose = re.sub(r"<!-- bench:([\w-]+) -->\n.*?<!-- /bench:\1 -->", "", text, flags=re.S)
        found = re.findall(r"boto3[^.|]{0,120}?\d+ ms of CPU", prose)
        assert not found, (name, found)


def test_where_facts_come_from_is_said_under_sources():
    """Notes on where a fact was sourced sit in a page's Sources section, not among its
    instructions."""
    for name, text in PAGES.items():
        body = text.split("\n## Sources\n", 1)[0]
        for note in ("could not be confirmed", "Could not be confirmed", "What's New"):
            assert note not in body, (name, note)


def test_the_site_shows_the_benchmarks_chart_and_tables():
    chart = DOCS / "assets" / "chart.svg"
    assert chart.resolve() == (ROOT / "bench" / "chart.svg").resolve()
    assert "](assets/chart.svg)" in PAGES["performance.md"]
    # The blocks bench/report.py regenerates.
    for page, name in [
        ("performance.md", "https"),
        ("performance.md", "http"),
        ("scaling.md", "scaling"),
    ]:
        assert f"<!-- bench:{name} -->" in PAGES[page] and f"<!-- /bench:{name} -->" in PAGES[page]
    # Every block where bench/report_docs.py writes it, once.
    for relative, names in _bench("report_docs").PLACES.items():
        text = (ROOT / relative).read_text(encoding="utf-8")
        for name in names:
            assert text.count(f"<!-- bench:{name} -->") == 1, (relative, name)
            assert text.count(f"<!-- /bench:{name} -->") == 1, (relative, name)


def test_the_single_file_points_at_the_site(built):
    """Someone who has only the vendored file finds the documentation from its overview."""
    site = re.search(r"^site_url: (\S+)$", (ROOT / "mkdocs.yml").read_text(), re.M)[1]
    single = built["single"].read_text(encoding="utf-8")
    assert re.search(r"the documentation at\s+#\s+(\S+)", single)[1] == site


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None,
    reason="mkdocs-material is not installed (scripts/bootstrap.sh installs it from the lock)",
)
def test_the_site_builds_with_strict(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(tmp_path / "site"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),  # no end-of-life banner
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "assets" / "chart.svg").stat().st_size > 10_000
    for name in PAGES:
        if name != "index.md":
            assert (tmp_path / "site" / name[:-3] / "index.html").is_file(), name
