"""The sections of bench/RESULTS.md about the path Lambda has (issue 21): the default-trust table
with both floors and the peers, where each start's wall time goes, the latency shapes against
their targets, and the peers and facts that stay on paper. Called by bench/report.py."""

from __future__ import annotations

import statistics

from shapes import SLACK_MS, target_ms

__all__ = [
    "PAPER",
    "accounting",
    "default_rows",
    "default_table",
    "default_verdicts",
    "shape_rows",
    "shapes_table",
    "shapes_verdicts",
]

TARGET_MINIMAL_FLOOR_RATIO = 1.15  # issue 21, "Hold what was won"
TARGET_BOTO3_RATIO = 7.0
TARGET_RSS_MIB = 20.0
CONTENDERS = ("layer", "boto3", "powertools")


def med(values: list[float]) -> float:
    return statistics.median(values)


def _cell(results: dict, **key: object) -> dict | None:
    for sample in results["samples"]:
        if all(sample.get(k) == v for k, v in key.items()):
            return sample
    return None


def default_rows(results: dict, count: int = 50) -> list[dict]:
    """Per Python: the default-trust cells (layer, boto3, Powertools, the default-trust floor)
    and the minimal floor of the same count."""
    rows = []
    for version, full in results["pythons"].items():
        row: dict = {"python": version, "full": full}
        for name in CONTENDERS + ("floor", "layer, no bytecode"):
            cell = _cell(
                results,
                table="matrix",
                scheme="https",
                trust="default",
                count=count,
                python=version,
                contender=name,
            )
            if cell:
                row[name] = {
                    "cpu": med(cell["cpu"]),
                    "wall": med(cell["wall"]),
                    "rss": max(cell["rss"]) / 1024,
                }
        minimal, layer_minimal = (
            _cell(
                results,
                table="matrix",
                scheme="https",
                trust="minimal",
                count=count,
                python=version,
                contender=name,
            )
            for name in ("floor", "layer")
        )
        if minimal:
            row["minimal floor"] = {"cpu": med(minimal["cpu"]), "wall": med(minimal["wall"])}
        if layer_minimal:
            row["minimal layer"] = {"cpu": med(layer_minimal["cpu"])}
        for name in ("layer", "floor"):
            cell = _cell(
                results,
                table="matrix",
                trust="default, no hashed directory",
                count=count,
                python=version,
                contender=name,
            )
            if cell:
                row[f"{name}, no hashed directory"] = {
                    "cpu": med(cell["cpu"]),
                    "wall": med(cell["wall"]),
                }
        if "layer" in row and "floor" in row:
            rows.append(row)
    return rows


def _v(row: dict, name: str, key: str, fmt: str = "{:.0f}") -> str:
    return fmt.format(row[name][key]) if name in row else "-"


def _ratio(row: dict, a: str, b: str, key: str = "cpu", fmt: str = "{:.1f}x") -> str:
    if a in row and b in row:
        return fmt.format(row[a][key] / row[b][key])
    return "-"


def default_table(rows: list[dict]) -> list[str]:
    lines = [
        "| Python | CPU ms: layer | floor, default trust | floor, minimal | layer / default floor "
        "| layer, no hashed directory | boto3 | boto3 / layer | Powertools | Powertools / layer "
        "| wall ms: layer | floor, default | boto3 | Powertools | peak RSS MiB: layer | boto3 "
        "| Powertools |",
        "| --- |" + " ---: |" * 17,
    ]
    for r in rows:
        lines.append(
            f"| {r['full']} | {_v(r, 'layer', 'cpu')} | {_v(r, 'floor', 'cpu')} | "
            f"{_v(r, 'minimal floor', 'cpu')} | {_ratio(r, 'layer', 'floor', fmt='{:.2f}')} | "
            f"{_v(r, 'layer, no hashed directory', 'cpu')} | {_v(r, 'boto3', 'cpu')} | {_ratio(r, 'boto3', 'layer')} | "
            f"{_v(r, 'powertools', 'cpu')} | {_ratio(r, 'powertools', 'layer')} | "
            f"{_v(r, 'layer', 'wall')} | {_v(r, 'floor', 'wall')} | {_v(r, 'boto3', 'wall')} | "
            f"{_v(r, 'powertools', 'wall')} | {_v(r, 'layer', 'rss', '{:.1f}')} | "
            f"{_v(r, 'boto3', 'rss', '{:.1f}')} | {_v(r, 'powertools', 'rss', '{:.1f}')} |"
        )
    return lines


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def default_verdicts(rows: list[dict]) -> list[str]:
    lines = []
    for r in rows:
        layer, floor = r["layer"]["cpu"], r["floor"]["cpu"]
        checks = [
            f"layer {layer:.1f} ms CPU against the default-trust floor's {floor:.1f} "
            f"(target: below it: {_met(layer < floor)})"
        ]
        if "boto3" in r:
            ratio = r["boto3"]["cpu"] / layer
            checks.append(
                f"boto3 {ratio:.1f}x the layer's CPU (target >= {TARGET_BOTO3_RATIO:g}: "
                f"{_met(ratio >= TARGET_BOTO3_RATIO)})"
            )
        if "powertools" in r:
            checks.append(f"Powertools {r['powertools']['cpu'] / layer:.1f}x the layer's CPU")
        if "minimal floor" in r and "minimal layer" in r:
            ratio = r["minimal layer"]["cpu"] / r["minimal floor"]["cpu"]
            checks.append(
                f"minimal-trust layer / minimal floor {ratio:.2f} (target <= "
                f"{TARGET_MINIMAL_FLOOR_RATIO}: {_met(ratio <= TARGET_MINIMAL_FLOOR_RATIO)})"
            )
        nohash = r.get("layer, no hashed directory")
        if nohash:
            checks.append(
                f"without a hashed directory the layer takes {nohash['cpu']:.1f} ms "
                f"({nohash['cpu'] - layer:+.1f}: OpenSSL parses the whole bundle)"
            )
        rss = r["layer"]["rss"]
        checks.append(
            f"peak RSS {rss:.1f} MiB (target < {TARGET_RSS_MIB:g}: {_met(rss < TARGET_RSS_MIB)})"
        )
        lines.append(f"- {r['full']}: " + "; ".join(checks))
    return lines


PHASES = ("pre", "first", "network", "idle", "post")


def accounting(results: dict, count: int = 50) -> list[str]:
    """Where the wall time of each HTTPS start goes (medians of the front's trace, ms)."""
    lines = [
        "| Python | trust | contender | wall | CPU | fork to connection | to first request "
        "| requests in flight: first to last answer | of which client idle | last answer to exit "
        "| requests | moto ms per request |",
        "| --- | --- | --- |" + " ---: |" * 9,
    ]
    for s in results["samples"]:
        if not (s["table"] == "matrix" and s["scheme"] == "https" and s["count"] == count):
            continue
        p = {k: med(v) for k, v in s.get("phases", {}).items()}
        cols = [f"{p[k]:.1f}" if k in p else "-" for k in PHASES]
        moto = f"{p['moto']:.1f}" if "moto" in p else "-"
        lines.append(
            f"| {s['python']} | {s.get('trust', 'minimal')} | {s['contender']} | {med(s['wall']):.1f} | "
            f"{med(s['cpu']):.1f} | " + " | ".join(cols) + f" | {s['requests']} | {moto} |"
        )
    return lines


def shape_rows(results: dict) -> list[dict]:
    """Per shape and delay: the medians, the critical path and the target against the minimal
    floor of the same delay (the strict bound; the default-trust floor's is looser)."""
    samples = [s for s in results["samples"] if s["table"] == "shapes"]
    rows = []
    for s in samples:
        if s["contender"].startswith("floor"):
            continue
        floors = {
            t: next(
                (
                    f
                    for f in samples
                    if f["contender"] == f"floor, {t} trust" and f["delay_ms"] == s["delay_ms"]
                ),
                None,
            )
            for t in ("minimal", "default")
        }
        p = {k: med(v) for k, v in s["phases"].items()}
        row = {
            "shape": s["contender"],
            "delay": s["delay_ms"],
            "wall": med(s["wall"]),
            "cpu": med(s["cpu"]),
            "requests": s["requests"],
            "connections": s["connections"],
            "critical": int(p.get("critical", 0)),
            "depth": p.get("depth", 0),
            "moto": p.get("moto", 0.0),
            "phases": p,
        }
        for trust, floor in floors.items():
            if floor:
                row[f"target_{trust}"] = target_ms(
                    med(floor["wall"]),
                    row["critical"],
                    results["rtt_ms"],
                    s["delay_ms"],
                    row["moto"],
                )
                row[f"floor_{trust}"] = med(floor["wall"])
        rows.append(row)
    return rows


def shapes_table(rows: list[dict]) -> list[str]:
    lines = [
        "| shape | server delay ms | wall ms | target ms | met | requests, connections | critical "
        "path / done in sequence | requests in flight ms | client idle ms | fork to connection ms "
        "| moto ms per request | target against the default-trust floor |",
        "| --- |" + " ---: |" * 11,
    ]
    for r in rows:
        target = r.get("target_minimal")
        p = r["phases"]
        lines.append(
            f"| {r['shape']} | {r['delay']:g} | {r['wall']:.0f} | "
            f"{'-' if target is None else f'{target:.0f}'} | "
            f"{'-' if target is None else _met(r['wall'] <= target)} | "
            f"{r['requests']}, {r['connections']} | {r['critical']} / {r['depth']:.0f} | "
            f"{p.get('network', 0):.0f} | {p.get('idle', 0):.0f} | {p.get('pre', 0):.0f} | "
            f"{r['moto']:.1f} | "
            + (
                f"{r['target_default']:.0f} ({_met(r['wall'] <= r['target_default'])})"
                if "target_default" in r
                else "-"
            )
            + " |"
        )
    return lines


def shapes_verdicts(rows: list[dict], rtt_ms: float) -> list[str]:
    """For each shape that misses its target, what the trace says was sequential."""
    lines = []
    for r in rows:
        target = r.get("target_minimal")
        if target is None or r["wall"] <= target:
            continue
        over = r["wall"] - target
        p = r["phases"]
        floor_pre = r["floor_minimal"]
        causes = []
        if r["depth"] > r["critical"]:
            causes.append(
                f"{r['depth']:.0f} requests ran one after another where the API needs "
                f"{r['critical']}: each costs {rtt_ms:g} + {r['delay']:g} + {r['moto']:.1f} ms"
            )
        if p.get("idle", 0) > 1:
            causes.append(
                f"{p['idle']:.0f} ms with no request at the server (the client between requests)"
            )
        causes.append(
            f"{p.get('pre', 0) + p.get('first', 0) + p.get('post', 0):.0f} ms outside the "
            f"requests (start, handshake, exit) against the floor's whole wall of {floor_pre:.0f}"
        )
        lines.append(
            f"- {r['shape']}, {r['delay']:g} ms: {over:.0f} ms over; " + "; ".join(causes) + "."
        )
    return lines or ["- every shape met its target"]


PAPER = f"""\
## On paper: the peers not measured here

- **AWS Parameters and Secrets Lambda Extension**: a companion process serving an in-memory cache
  of parameters and secrets over HTTP on localhost (port 2773), filled from SSM and Secrets
  Manager on first use and kept for a configurable TTL
  (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-integration-lambda-extensions.html ,
  https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html ,
  https://aws.amazon.com/blogs/compute/using-the-aws-parameter-and-secrets-lambda-extension-to-cache-parameters-and-secrets/ ).
  A cold start still fetches from the service, and the function's code calls it; an exec
  wrapper runs before the runtime. No cold-start figure for it was found published by AWS.
- **Go exec wrappers** (for example https://github.com/springload/ssm-parent and
  https://github.com/segmentio/chamber `chamber exec`): a static binary has no interpreter to
  start but carries the AWS SDK for Go and its own TLS stack. No Lambda cold-start figure for
  either was found published by their authors; with no Go toolchain here they stay unmeasured.

The target of the latency table: the minimal floor's wall at that delay, plus per request on the
critical path one round trip, the server delay and moto's median time per request at the front,
plus {SLACK_MS:g} ms. The critical path counts the requests that must be sequential whatever
the client does: the pages of the longest path (each needs the previous NextToken); batches of
names, a JSON parameter and a batch of secrets need nothing before them. "Done in sequence" is
what the client did: the longest run of requests each sent after the previous one's answer.
"""

IMAGES = """\
## Lambda's Python images: is there a hashed directory where trust.py looks?

`trust.system_trust` takes the first directory holding `xxxxxxxx.N` names among OpenSSL's
compiled-in directory, `/etc/ssl/certs`, `/etc/pki/ca-trust/extracted/pem/directory-hash` and
`/etc/pki/tls/certs`; with none, OpenSSL's defaults (the bundle, parsed whole: the "layer, no
hashed directory" column above measures that start). What could be established from sources
reachable here (no docker; the image layers in github.com/aws/aws-lambda-base-images are Git LFS
objects, not in its git history):

- Confirmed, Amazon Linux 2023 (the base of python3.12 to python3.14): OpenSSL's directory is
  `/etc/pki/tls`; `/etc/pki/tls/cert.pem` links to
  `/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem`, and `/etc/pki/tls/certs` holds only the
  bundle's links (an AWS maintainer's listing on an AL2023 instance, January 2024:
  https://github.com/aws/aws-lambda-dotnet/pull/1661). The default file thus lies inside the
  default directory, and AWS's dotnet8 runtime points SSL_CERT_FILE at an empty file so that the
  bundle is not loaded twice at every cold start
  (https://github.com/aws/aws-lambda-dotnet/pull/1663).
- Reported, the cost on Lambda: a handler that only creates an `http.client.HTTPSConnection` (a
  default SSL context) ran 2-3 times longer on python3.12 (AL2023) than on python3.11 (AL2) at
  128 MB; the issue is open since March 2024
  (https://github.com/aws/aws-lambda-base-images/issues/154).
- Confirmed: the Lambda images' interpreters link an OpenSSL of their own in `/var/lang/lib`, owned
  by no package (https://github.com/amazonlinux/amazon-linux-2023/issues/625, on nodejs:20), so
  its compiled-in directory is AWS's build choice, not the distribution's.
- Not confirmed: whether `/etc/pki/ca-trust/extracted/pem/directory-hash` exists in the AL2023
  images. Fedora's ca-certificates has built it since 2021.2.50-5 (December 2021) and has copied
  its hash links into `/etc/pki/tls/certs` since 2024.2.69_v8.0.303-5 (August 2024) (the package's
  spec changelog); AL2023 carries its own build (ca-certificates 2023.2.64-1.0.amzn2023.0.1 in the
  dotnet:8 image, https://github.com/aws/aws-lambda-base-images/issues/180), whose file list could
  not be seen here. Amazon Linux 2 (python3.10, python3.11): not confirmed either way.
- To settle it for an image: `docker run --rm --entrypoint /bin/sh public.ecr.aws/lambda/python:3.12
  -c 'python3 -c "import ssl; print(ssl.get_default_verify_paths())"; ls
  /etc/pki/ca-trust/extracted/pem/directory-hash | head -3; ls /etc/ssl/certs /etc/pki/tls/certs'`
  (the same for 3.10, 3.11, 3.13, 3.14).
"""
