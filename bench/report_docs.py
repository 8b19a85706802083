"""The generated blocks of the README and the documentation site, and where each one lives.

Each block sits between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->`` in the file that
``PLACES`` names; bench/report.py renders them from one results file and ``fill`` rewrites them,
so that every figure the README and the site state comes from the same run. The README carries
one short headline (Lambda's path: each client's own trust store); the tables live in
docs/performance.md and docs/scaling.md.
"""

from __future__ import annotations

import pathlib
import re
import statistics
import textwrap

from report_lambda import IMAGES, PAPER, default_rows, default_table, shape_rows, shapes_table

__all__ = ["PLACES", "blocks", "boto3_fact", "fill", "headline", "sizes"]

# file (relative to the repository's root) -> the blocks it holds, in the order they appear.
PLACES: dict[str, tuple[str, ...]] = {
    "README.md": ("headline",),
    "docs/performance.md": (
        "https-default",
        "shapes",
        "https",
        "sizes",
        "http",
        "paper",
        "images",
    ),
    "docs/scaling.md": ("scaling",),
}


def _span(values: list[float], fmt: str = "{:.0f}") -> str:
    """'38 to 45' over the Pythons measured, or '41' when they agree at that precision."""
    low, high = fmt.format(min(values)), fmt.format(max(values))
    return low if low == high else f"{low} to {high}"


def _starts(results: dict) -> str:
    runs = results["runs"]
    return f"{runs} start{'' if runs == 1 else 's'} per cell"


def stamp(results: dict) -> str:
    versions = sorted({v for v in results.get("boto3", {}).values() if isinstance(v, str) and v})
    return (
        f"*{results['date']}, {results['machine']}, {_starts(results)}"
        f"{', boto3 ' + '/'.join(versions) if versions else ''}"
        f"{' (--quick)' if results.get('quick') else ''}, RTT {results['rtt_ms']:g} ms; "
        "medians.*"
    )


def _lambda_figures(results: dict) -> dict[str, list[float]]:
    """Per Python, Lambda's path (default trust): the layer, the floor and the peers' CPU."""
    out: dict[str, list[float]] = {"layer": [], "floor": [], "boto3": [], "powertools": []}
    out |= {"rss": [], "boto3 ratio": [], "powertools ratio": [], "floor ratio": []}
    for row in default_rows(results):
        layer = row["layer"]["cpu"]
        out["layer"].append(layer)
        out["floor"].append(row["floor"]["cpu"])
        out["floor ratio"].append(layer / row["floor"]["cpu"])
        out["rss"].append(row["layer"]["rss"])
        for peer in ("boto3", "powertools"):
            if peer in row:
                out[peer].append(row[peer]["cpu"])
                out[f"{peer} ratio"].append(row[peer]["cpu"] / layer)
    return out


def _minimal_figures(https: list[dict]) -> dict[str, list[float]]:
    return {
        "layer": [r["layer_cpu"] for r in https],
        "floor": [r["floor_cpu"] for r in https],
        "floor ratio": [r["ratio"] for r in https],
        "rss": [r["rss"] for r in https],
        "boto3": [r["boto_cpu"] for r in https if "boto_cpu" in r],
        "boto3 ratio": [r["boto_ratio"] for r in https if "boto_ratio" in r],
        "powertools ratio": [r["pt_ratio"] for r in https if "pt_ratio" in r],
    }


def headline(results: dict, https: list[dict]) -> str:
    """The README's figures: Lambda's path when the run measured it, else (said so) the path
    where every client is handed the test CA."""
    lam = _lambda_figures(results)
    figures = lam if lam["layer"] else _minimal_figures(https)
    where = (
        "each client with its own trust store, as on Lambda"
        if lam["layer"]
        else "every client handed the test CA; Lambda's path is not in these results"
    )
    parts = [
        f"50 parameters over HTTPS ({where}), {results['rtt_ms']:g} ms round trips: the layer "
        f"spends {_span(figures['layer'])} ms of CPU, "
        f"{_span(figures['floor ratio'], '{:.2f}')} times the floor's "
        f"{_span(figures['floor'])} ms (a standard-library client's start and TLS handshake)"
    ]
    if figures["boto3 ratio"]:
        parts.append(f"boto3 {_span(figures['boto3 ratio'], '{:.1f}')} times the layer's CPU")
    if figures["powertools ratio"]:
        parts.append(f"Powertools Parameters {_span(figures['powertools ratio'], '{:.1f}')} times")
    parts.append(f"peak RSS {_span(figures['rss'], '{:.0f}')} MiB")
    quick = " (--quick)" if results.get("quick") else ""
    text = (
        "; ".join(parts) + f". *{results['date']}, {results['machine']}, {_starts(results)}{quick},"
        " medians; [Performance](docs/performance.md).*"
    )
    return textwrap.fill(text, 99, break_long_words=False, break_on_hyphens=False)


def boto3_fact(results: dict, https: list[dict]) -> str:
    """The one sentence that states what boto3 costs in absolute terms (docs/performance.md,
    the default-trust block); tests/e2e/test_docs.py checks it is stated once."""
    lam = _lambda_figures(results)
    cpu = lam["boto3"] or _minimal_figures(https)["boto3"]
    if not cpu:
        return "boto3 was not measured in this run"
    return f"a boto3-based wrapper spends {_span(cpu)} ms of CPU at every cold start"


def sizes(results: dict, https: list[dict]) -> str:
    """What the build made (the layer zip, the single file, which bytecode) and what a start
    without that bytecode costs: the one place these figures are stated (the other pages link
    here)."""
    layer = results.get("layer") or {}
    if not layer:
        return "The build's sizes are not in these results."
    tags = [name.rsplit("wrapper", 1)[-1].removesuffix(".pyc") for name in layer["bytecode"]]
    extra = [r["bare_cpu"] - r["layer_cpu"] for r in https if "bare_cpu" in r]
    lines = [
        f"- The layer zip: {layer['zip_bytes'] / 1024:.0f} KiB, with bytecode for "
        f"{len(tags)} Python{'' if len(tags) == 1 else 's'} ({', '.join(tags) or 'none'}).",
        f"- The single file: {layer['single_bytes'] / 1024:.0f} KiB of readable source (the "
        "modules' docstrings kept as comments).",
    ]
    if extra:
        lines.append(
            f"- A start without the bytecode (a runtime whose Python the build did not have, or "
            f"a changed file) compiles the file first: {_span(extra)} ms more CPU than the layer's "
            "start in the minimal-trust table above."
        )
    return "\n".join(lines)


def blocks(results: dict, tables: dict[str, list[str]], https: list[dict]) -> dict[str, str]:
    """Every generated block by marker name, rendered from one results file. ``tables``: the
    lines of the https, http and scaling tables (bench/report.py); ``https``: its rows of the
    minimal-trust HTTPS table."""
    when = stamp(results)
    idle = {s["contender"]: s for s in results["samples"] if s["table"] == "idle"}
    idle_note = []
    if idle:
        ours, bare = idle["layer, nothing configured"], idle["python3 -I -S -c pass"]
        idle_note = [
            "",
            "Nothing configured, the shell execs the command without starting Python: "
            f"{statistics.median(ours['cpu']):.1f} ms CPU, against "
            f"{statistics.median(bare['cpu']):.1f} ms for a bare `python3 -I -S -c pass` "
            f"(Python {ours['python']}).",
        ]
        loaded = idle.get("the wrapper's code, loaded")
        if loaded:
            cost = statistics.median(loaded["cpu"]) - statistics.median(bare["cpu"])
            idle_note[-1] += (
                " Loading the wrapper's code (its bytecode read and checked, every function and "
                f"class defined, nothing run) costs {cost:.1f} ms of CPU over that bare start: "
                "what every configured start pays before its first request."
            )
    rows = default_rows(results)
    trust = (
        "On this path (boto3 and Powertools verify with certifi's bundle, or botocore's own) "
        f"{boto3_fact(results, https)}."
    )
    default = (
        default_table(rows) + ["", trust, "", when]
        if rows
        else [
            "Lambda's path (each client's own default trust store) is not in these results "
            "(a run with `--no-default-trust`, or from before that mode existed).",
            "",
            f"With every client handed the test CA, {boto3_fact(results, https)}.",
            "",
            when,
        ]
    )
    shapes = shape_rows(results)
    return {
        "headline": headline(results, https),
        "https-default": "\n".join(default),
        "shapes": "\n".join(
            shapes_table(shapes) + ["", when]
            if shapes
            else ["The latency shapes are not in these results.", "", when]
        ),
        "https": "\n".join(tables["https"] + ["", when]),
        "sizes": sizes(results, https) + "\n\n" + when,
        "http": "\n".join(tables["http"] + ["", when] + idle_note),
        "scaling": "\n".join(tables["scaling"] + ["", when]),
        "paper": _body(PAPER),
        "images": _body(IMAGES),
    }


def _body(section: str) -> str:
    """A RESULTS.md section without its heading: the page keeps its own."""
    return section.split("\n", 2)[2].strip("\n")


def fill(root: pathlib.Path, rendered: dict[str, str]) -> list[str]:
    """Rewrite every block under ``root``; returns the files changed. A file or marker that is
    missing is an error: a block silently not written would leave a figure from another run."""
    changed = []
    for relative, names in PLACES.items():
        path = root / relative
        if not path.is_file():
            raise SystemExit(f"bench/report.py: {path} is missing (it holds {', '.join(names)})")
        text = original = path.read_text(encoding="utf-8")
        for name in names:
            pattern = rf"(<!-- bench:{re.escape(name)} -->\n)(?:.*?\n)?(<!-- /bench:{re.escape(name)} -->)"
            if len(re.findall(pattern, text, flags=re.S)) != 1:
                raise SystemExit(
                    f"bench/report.py: {relative} needs one <!-- bench:{name} --> ... "
                    f"<!-- /bench:{name} --> pair"
                )
            text = re.sub(
                pattern,
                lambda m, block=rendered[name]: m.group(1) + block + "\n" + m.group(2),
                text,
                flags=re.S,
            )
        if text != original:
            path.write_text(text, encoding="utf-8")
            changed.append(relative)
    return changed
