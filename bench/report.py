"""Turn bench/results.json (written by bench/benchmark.py) into bench/RESULTS.md, bench/chart.svg
and the generated blocks (between <!-- bench:NAME --> markers) of README.md, docs/performance.md
and docs/scaling.md (bench/report_docs.py says which block lives where).

usage: python3 bench/report.py [RESULTS_JSON] [--root DIR] [--no-chart]
(matplotlib is needed for the chart only). RESULTS.md and chart.svg go beside the results file.
The README and the site are rewritten under --root, by default the repository's own when the
results file is bench/results.json; another results file leaves them alone.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import sys

BENCH = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from benchmark import (  # noqa: E402
    TARGET_BOTO3_RATIO,
    TARGET_FLOOR_RATIO,
    TARGET_PAGE_MS,
    TARGET_RSS_MIB,
    UNNEEDED,
)
from report_docs import blocks, fill  # noqa: E402
from report_lambda import (  # noqa: E402
    IMAGES,
    PAPER,
    accounting,
    default_rows,
    default_table,
    default_verdicts,
    shape_rows,
    shapes_table,
    shapes_verdicts,
)

MAIN = 50  # the reference load

# Why a module the path does not need comes in, where the cause is known (ssl.py, transport.py).
WHY = {
    "encodings.idna": "ssl encodes a str server_hostname with the idna codec",
    "stringprep": "ssl encodes a str server_hostname with the idna codec",
    "unicodedata": "ssl encodes a str server_hostname with the idna codec",
    "threading": "the DNS lookup runs on a thread to keep its deadline (transport._resolve)",
    "_weakrefset": "the DNS lookup runs on a thread to keep its deadline (transport._resolve)",
}


def med(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float]) -> str:
    ordered = sorted(values)
    return f"{med(ordered):.1f} ({ordered[0]:.1f}-{ordered[-1]:.1f})"


def cell(samples: list[dict], **key: object) -> dict | None:
    for sample in samples:
        if all(sample.get(k) == v for k, v in key.items()):
            return sample
    return None


def per_python(results: dict, scheme: str) -> list[dict]:
    trust = "minimal" if scheme == "https" else "-"
    samples = [
        s
        for s in results["samples"]
        if s["table"] == "matrix" and s["scheme"] == scheme and s.get("trust", trust) == trust
    ]
    rows = []
    for version in results["pythons"]:
        get = lambda name, count=MAIN, version=version: cell(  # noqa: E731
            samples, python=version, contender=name, count=count
        )
        layer, floor, boto, bare = (
            get("layer"),
            get("floor"),
            get("boto3"),
            get("layer, no bytecode"),
        )
        if not (layer and floor):
            continue
        row = {
            "python": version,
            "full": results["pythons"][version],
            "layer_cpu": med(layer["cpu"]),
            "layer_wall": med(layer["wall"]),
            "floor_cpu": med(floor["cpu"]),
            "floor_wall": med(floor["wall"]),
            "rss": max(layer["rss"]) / 1024,
            "requests": layer["requests"],
            "connections": layer["connections"],
            "layer": layer,
            "floor": floor,
        }
        row["ratio"] = row["layer_cpu"] / row["floor_cpu"]
        if boto:
            row.update(
                boto_cpu=med(boto["cpu"]),
                boto_wall=med(boto["wall"]),
                boto=boto,
                boto_rss=max(boto["rss"]) / 1024,
            )
            row["boto_ratio"] = row["boto_cpu"] / row["layer_cpu"]
            row["boto_wall_ratio"] = row["boto_wall"] / row["layer_wall"]
        if bare:
            row["bare_cpu"] = med(bare["cpu"])
        peer = get("powertools")
        if peer:
            row.update(pt_cpu=med(peer["cpu"]), pt_wall=med(peer["wall"]))
            row["pt_ratio"] = row["pt_cpu"] / row["layer_cpu"]
        big = get("layer", 200)
        if big and big["requests"] > layer["requests"]:
            row["page_ms"] = (med(big["cpu"]) - row["layer_cpu"]) / (
                big["requests"] - layer["requests"]
            )
        rows.append(row)
    return rows


def f(value: float | None, fmt: str = "{:.1f}") -> str:
    return "-" if value is None else fmt.format(value)


def table(rows: list[dict], scheme: str) -> list[str]:
    lines = [
        "| Python | layer CPU ms | floor CPU ms | layer / floor | boto3 CPU ms | boto3 / layer CPU "
        "| boto3 / layer wall | Powertools CPU ms | Powertools / layer CPU | layer wall ms "
        "| per page CPU ms | peak RSS MiB | no bytecode CPU ms |",
        "| --- |" + " ---: |" * 12,
    ]
    for r in rows:
        lines.append(
            f"| {r['full']} | {r['layer_cpu']:.1f} | {r['floor_cpu']:.1f} | {r['ratio']:.2f} | "
            f"{f(r.get('boto_cpu'))} | {f(r.get('boto_ratio'))}x | {f(r.get('boto_wall_ratio'))}x | "
            f"{f(r.get('pt_cpu'))} | {f(r.get('pt_ratio'))}x | "
            f"{r['layer_wall']:.1f} | {f(r.get('page_ms'), '{:.2f}')} | {r['rss']:.1f} | "
            f"{f(r.get('bare_cpu'))} (+{f(r.get('bare_cpu', 0) - r['layer_cpu'])}) |"
        )
    return lines


def full_table(results: dict, scheme: str) -> list[str]:
    lines = [
        "| Python | params | contender | wall ms | CPU ms | peak RSS MiB | requests | connections |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in results["samples"]:
        if s["table"] == "matrix" and s["scheme"] == scheme:
            trust = "" if s.get("trust", "-") == "-" else f" ({s['trust']} trust)"
            traffic = (
                "- | -" if s["contender"] == "floor" else f"{s['requests']} | {s['connections']}"
            )
            lines.append(
                f"| {s['python']} | {s['count']} | {s['contender']}{trust} | {spread(s['wall'])} | "
                f"{spread(s['cpu'])} | {max(s['rss']) / 1024:.1f} | {traffic} |"
            )
    return lines


def verdicts(rows: list[dict], extras: dict[str, list[str]]) -> list[str]:
    lines = []
    for r in rows:
        checks = [
            f"CPU {r['ratio']:.2f}x the floor, {r['layer_cpu'] - r['floor_cpu']:+.1f} ms "
            f"(target <= {TARGET_FLOOR_RATIO}: "
            f"{'met' if r['ratio'] <= TARGET_FLOOR_RATIO else 'NOT met'})"
        ]
        if "boto_ratio" in r:
            # Why the ratio is what it is: even a client at the floor could not beat boto3/floor.
            checks.append(
                f"{r['boto_ratio']:.1f}x less CPU than boto3 (target >= {TARGET_BOTO3_RATIO}: "
                f"{'met' if r['boto_ratio'] >= TARGET_BOTO3_RATIO else 'NOT met'}; "
                f"the floor itself is {r['boto_cpu'] / r['floor_cpu']:.1f}x less)"
            )
        if "page_ms" in r:
            checks.append(
                f"{r['page_ms']:.2f} ms CPU per further page (target <= {TARGET_PAGE_MS}: "
                f"{'met' if r['page_ms'] <= TARGET_PAGE_MS else 'NOT met'})"
            )
        checks.append(
            f"peak RSS {r['rss']:.1f} MiB (target <= {TARGET_RSS_MIB:.0f}: "
            f"{'met' if r['rss'] <= TARGET_RSS_MIB else 'NOT met'})"
        )
        unneeded = [m for m in extras.get(r["python"], []) if m in UNNEEDED]
        causes = sorted({WHY[m] for m in unneeded if m in WHY})
        checks.append(
            "imports nothing the path does not use: "
            + (
                "met"
                if not unneeded
                else f"NOT met ({', '.join(unneeded)}"
                + (f": {'; '.join(causes)}" if causes else "")
                + ")"
            )
        )
        lines.append(f"- {r['full']}: " + "; ".join(checks))
    return lines


def scaling(results: dict) -> list[str]:
    samples = [s for s in results["samples"] if s["table"] == "scaling"]
    sources = list(dict.fromkeys(s["contender"] for s in samples))
    counts = sorted({s["count"] for s in samples})
    lines = [
        "| source (wall ms; requests, connections) | "
        + " | ".join(f"{c} parameters" for c in counts)
        + " |",
        "| --- |" + " ---: |" * len(counts),
    ]
    for source in sources:
        row = []
        for count in counts:
            s = cell(samples, contender=source, count=count)
            row.append(
                "-"
                if s is None
                else f"{med(s['wall']):.0f} ms; {s['requests']}, {s['connections']}"
            )
        lines.append(f"| {source} | " + " | ".join(row) + " |")
    return lines


def compact(rows: list[dict]) -> list[str]:
    """The site's table of one scheme (docs/performance.md: bench:https, bench:http)."""
    lines = [
        "| Python | CPU: layer | floor | layer / floor | boto3 | boto3 / layer | wall: layer "
        "| boto3 / layer | per further page (CPU) | peak RSS | CPU without bytecode |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['full']} | {r['layer_cpu']:.0f} ms | {r['floor_cpu']:.0f} ms | {r['ratio']:.2f} | "
            f"{f(r.get('boto_cpu'), '{:.0f} ms')} | {f(r.get('boto_ratio'), '{:.1f}x')} | "
            f"{r['layer_wall']:.0f} ms | {f(r.get('boto_wall_ratio'), '{:.1f}x')} | "
            f"{f(r.get('page_ms'), '{:.2f} ms')} | {r['rss']:.1f} MiB | "
            f"{f(r.get('bare_cpu'), '{:.0f} ms')} |"
        )
    return lines


def rendered(results: dict) -> dict[str, str]:
    """The README's and the site's generated blocks (bench/report_docs.py places them)."""
    https, http = per_python(results, "https"), per_python(results, "http")
    tables = {"https": compact(https), "http": compact(http), "scaling": scaling(results)}
    return blocks(results, tables, https)


def chart(results: dict, path: pathlib.Path) -> None:
    """CPU, wall and peak RSS per Python on Lambda's path (default trust), and wall by shape
    and server delay against its target."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "ssm-env-wrapper"  # stable ids: the SVG diffs cleanly
    import matplotlib.pyplot as plt

    rows = default_rows(results)
    fig, axes = plt.subplots(2, 2, figsize=(15, 10))
    series = [
        ("floor, minimal trust", "minimal floor", "#cccccc"),
        ("floor, default trust", "floor", "#888888"),
        ("ssm-env-wrapper layer", "layer", "#1f77b4"),
        ("Powertools (boto3)", "powertools", "#ff7f0e"),
        ("boto3", "boto3", "#d62728"),
    ]
    where = f"{MAIN} parameters, HTTPS keep-alive, RTT {results['rtt_ms']:g} ms, default trust"
    for axis, key, title in (
        (axes[0][0], "cpu", "Cold-start CPU (user+sys), ms"),
        (axes[0][1], "wall", "Cold-start wall, ms"),
        (axes[1][0], "rss", "Peak RSS, MiB"),
    ):
        shown = [s for s in series if any(key in r.get(s[1], {}) for r in rows)]
        width = 0.8 / max(len(shown), 1)
        for offset, (label, name, color) in enumerate(shown):
            values = [r.get(name, {}).get(key, 0) for r in rows]
            bars = axis.bar(
                [i + (offset - (len(shown) - 1) / 2) * width for i in range(len(rows))],
                values,
                width,
                label=label,
                color=color,
            )
            axis.bar_label(bars, fmt="%.0f", fontsize=7)
        axis.set_xticks(range(len(rows)), [f"Python {r['python']}" for r in rows])
        axis.set_title(f"{title}\n{where}", fontsize=10)
        axis.set_ylim(0, axis.get_ylim()[1] * 1.25)  # room for the legend above the bars
        axis.legend(fontsize=7, loc="upper left", ncol=3)
    shape_chart(axes[1][1], results)
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)


def shape_chart(axis, results: dict) -> None:  # type: ignore[no-untyped-def]
    rows = shape_rows(results)
    shapes = list(dict.fromkeys(r["shape"] for r in rows))
    delays = sorted({r["delay"] for r in rows})
    width = 0.8 / max(len(delays), 1)
    colors = ["#9ecae1", "#4292c6", "#08519c", "#08306b"]
    for offset, delay in enumerate(delays):
        xs, walls, targets = [], [], []
        for i, shape in enumerate(shapes):
            r = next((r for r in rows if r["shape"] == shape and r["delay"] == delay), None)
            if r:
                xs.append(i + (offset - (len(delays) - 1) / 2) * width)
                walls.append(r["wall"])
                targets.append(r.get("target_minimal", 0))
        bars = axis.bar(
            xs, walls, width, label=f"wall, server delay {delay:g} ms", color=colors[offset % 4]
        )
        axis.bar_label(bars, fmt="%.0f", fontsize=6)
        axis.scatter(xs, targets, marker="_", s=200, color="#d62728", zorder=3)
    axis.scatter([], [], marker="_", s=200, color="#d62728", label="target")
    axis.set_xticks(range(len(shapes)), shapes, rotation=15, fontsize=7)
    python = next((s["python"] for s in results["samples"] if s["table"] == "shapes"), "")
    axis.set_title(
        f"Wall by shape and SSM server delay, ms\nHTTPS, default trust, RTT "
        f"{results['rtt_ms']:g} ms, Python {python}",
        fontsize=10,
    )
    axis.set_ylim(0, axis.get_ylim()[1] * 1.25)
    axis.legend(fontsize=7, loc="upper left", ncol=2)


def lambda_sections(results: dict) -> list[str]:
    """Lambda's path first: default trust with both floors and the peers, where the wall time
    goes, and the latency shapes against their targets."""
    rows = default_rows(results)
    shapes = shape_rows(results)
    stores = results.get("trust_stores") or []
    lines = [
        f"## HTTPS, Lambda's trust (each client's own default store), {MAIN} parameters\n",
        "Nobody is handed a CA: the layer uses its system-trust lookup, boto3 and Powertools "
        "botocore's bundle, the default-trust floor `ssl.create_default_context()`; the test CA "
        "was added to those stores in a private mount namespace:\n",
        *[f"- {line}" for line in stores],
        "",
        *default_table(rows),
        "\nAgainst the targets (issue 21):\n",
        *default_verdicts(rows),
        "\n## Where the wall time goes (HTTPS, 50 parameters; the front's trace, medians, ms)\n",
        "Fork to connection: the interpreter, imports, settings and the TCP round trip. To first "
        "request: the TLS handshake's round trip and CPU. In flight: first request read to last "
        "answer sent, each request costing one round trip plus the server's time; client idle is "
        "the part of it with no request at the server. Then the answer to exit.\n",
        *accounting(results),
    ]
    if shapes:
        lines += [
            "\n## SSM's own latency: wall time by shape and server delay "
            f"(HTTPS, default trust, RTT {results['rtt_ms']:g} ms)\n",
            *shapes_table(shapes),
            "\nWhere a shape misses its target, what the trace shows:\n",
            *shapes_verdicts(shapes, results["rtt_ms"]),
        ]
    return lines


def minimal_sections(results: dict, https: list[dict], http: list[dict]) -> list[str]:
    return [
        f"\n## HTTPS, minimal trust (every client handed the one-certificate CA), {MAIN} "
        "parameters\n",
        *table(https, "https"),
        "\nAgainst the issues' targets:\n",
        *verdicts(https, results["extra_imports"]),
        "\nPer further page is a difference of two medians (200 and 50 parameters) over the extra "
        "requests: each millisecond of noise in either median moves it by 1/15 ms, so a --quick run "
        "or a busy machine blurs it; the boto3 ratio is bounded by boto3 / floor, the ratio a "
        "client at the floor would reach.",
        "\nModules the layer imports beyond the floor's (-X importtime, HTTPS, 50 parameters):\n",
        *[
            f"- {results['pythons'][v]}: {', '.join(m for m in mods) or 'none'}"
            for v, mods in results["extra_imports"].items()
        ],
        f"\n## Plain HTTP with keep-alive, {MAIN} parameters\n",
        *table(http, "http"),
        "",
        rendered(results)["http"].rsplit("\n", 1)[-1],
        "\n## Wall time by source (HTTPS, with the round-trip time)\n",
        *scaling(results),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", default=str(BENCH / "results.json"))
    parser.add_argument("--root", help="where README.md and docs/ are rewritten")
    parser.add_argument("--no-chart", dest="chart", action="store_false")
    options = parser.parse_args()
    source = pathlib.Path(options.results)
    canonical = source.resolve() == (BENCH / "results.json").resolve()
    root = pathlib.Path(options.root) if options.root else BENCH.parent if canonical else None
    results = json.loads(source.read_text())
    https, http = per_python(results, "https"), per_python(results, "http")
    layer = results["layer"]
    versions = sorted({v for v in results.get("powertools", {}).values() if v})
    lines = [
        "# ssm-env-wrapper benchmark\n",
        f"{results['date']}, {results['machine']}; {results['runs']} starts per cell, round-robin; "
        f"medians (min-max in the full tables); round-trip time injected: {results['rtt_ms']:g} ms per "
        "request, per connection and per TLS handshake; server delays for the shapes: "
        f"{', '.join(f'{d:g}' for d in results.get('delays_ms', [])) or 'not run'} ms. CPU is "
        "user+sys of the child. boto3 "
        f"{'/'.join(sorted({v for v in results['boto3'].values() if v}))}, Powertools for AWS "
        f"Lambda (Python) {'/'.join(versions) or '-'}. Generated by `bench/report.py` from "
        "`bench/results.json`; re-run with `bash bench/run.sh` (BENCH_RUNS=N starts per cell).\n",
        *lambda_sections(results),
        *minimal_sections(results, https, http),
        "",
        PAPER,
        IMAGES,
        "## Sizes\n",
        f"Layer zip {layer['zip_bytes'] / 1024:.0f} KiB (the single file, {layer['single_bytes'] / 1024:.0f} "
        f"KiB, and bytecode: {', '.join(p.rsplit('/', 1)[-1] for p in layer['bytecode'])}).\n",
        "Build output:\n\n```\n" + layer["build"].rstrip() + "\n```\n",
        "## Every cell, HTTPS\n",
        *full_table(results, "https"),
        "\n## Every cell, HTTP\n",
        *full_table(results, "http"),
    ]
    text = "\n".join(lines) + "\n"
    (source.parent / "RESULTS.md").write_text(text)
    print("\n".join(lines[: lines.index("## Every cell, HTTPS\n")]))
    if root is not None:
        for changed in fill(root, rendered(results)):
            print(f"{changed}: generated blocks updated", file=sys.stderr)
    if not options.chart:
        return 0
    try:
        chart(results, source.parent / "chart.svg")
        print(f"chart: {source.parent / 'chart.svg'}", file=sys.stderr)
    except ImportError:
        print("no chart: matplotlib is not installed (pip install matplotlib)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
