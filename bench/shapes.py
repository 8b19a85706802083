"""SSM's own latency: the shapes of load users have, and where a start's wall time goes.

Each shape is the wrapper's settings for one way of keeping configuration (bench/benchmark.py
runs them with a per-request server delay at the front). ``phases`` splits one start's wall time
by what the front saw; ``critical_requests`` is the number of requests that must run one after
another whatever the client does: a path's pages are a chain (each request carries the previous
answer's NextToken; GetParametersByPath, SSM API reference), while batches of names, a JSON
parameter and a batch of secrets depend on nothing and can all be in flight at once.
"""

from __future__ import annotations

import collections
import json
import statistics

__all__ = ["SHAPES", "critical_requests", "observed_depth", "phases", "seed_shapes", "target_ms"]

THREE = ("a", "b", "c")
THREE_COUNT = 15  # two pages each
SECRETS = 5
SLACK_MS = 10.0  # the allowance over the critical path


def _names(prefix: str, count: int, var: str = "") -> str:
    return ",".join(
        (f"{var}{i:03d}=" if var else "") + f"{prefix}/VAR_{i:03d}" for i in range(count)
    )


THREE_PATHS = ",".join(f"/bench/three/{x}" for x in THREE)
SECRET_IDS = ",".join(f"SECRET_{i}=bench/secret-{i}" for i in range(SECRETS))

# name -> the wrapper's settings. /bench/p50, /bench/p200 and /bench/json50 are the matrix's data.
SHAPES: dict[str, dict[str, str]] = {
    "one path of 50": {"APP_PARAMS_PATH": "/bench/p50"},
    f"three paths of {THREE_COUNT}": {"SSM_ENV_PATHS": THREE_PATHS},
    "50 names": {"SSM_ENV_NAMES": _names("/bench/p50", 50)},
    "one JSON parameter (50 keys)": {"SSM_ENV_JSON_NAMES": "/bench/json50"},
    f"{SECRETS} secrets by batch": {"SSM_ENV_SECRETS": SECRET_IDS},
    "a mix of all": {
        "APP_PARAMS_PATH": "/bench/p50",
        "SSM_ENV_PATHS": THREE_PATHS,
        "SSM_ENV_NAMES": _names("/bench/p200", 50, "N_"),
        "SSM_ENV_JSON_NAMES": "J_=/bench/json50",
        "SSM_ENV_SECRETS": SECRET_IDS,
    },
}


def seed_shapes(ssm, secrets) -> None:  # type: ignore[no-untyped-def]
    """The shapes' own data (moto), beside the matrix's /bench/pN and /bench/jsonN."""
    for x in THREE:
        for i in range(THREE_COUNT):
            ssm.put_parameter(
                Name=f"/bench/three/{x}/{x.upper()}_{i:03d}",
                Value=f"value-{x}-{i:03d}-" + "x" * 24,
                Type="SecureString" if i % 5 == 0 else "String",
            )
    for i in range(SECRETS):
        secrets.create_secret(Name=f"bench/secret-{i}", SecretString=f"secret-{i}-" + "s" * 32)


def critical_requests(requests: list[dict]) -> int:
    """Requests that must be sequential: the longest chain of one path's pages, else one."""
    if not requests:
        return 0
    chains = collections.Counter(
        r["path"] for r in requests if r["target"] == "GetParametersByPath"
    )
    return max(max(chains.values(), default=0), 1)


def observed_depth(requests: list[dict]) -> int:
    """The longest run of requests each read after the previous one's answer was sent: how many
    the client actually made one after another."""
    ordered = sorted(requests, key=lambda r: r["read"])
    best: list[int] = []
    for i, r in enumerate(ordered):
        before = [best[j] for j in range(i) if ordered[j]["sent"] <= r["read"]]
        best.append(1 + max(before, default=0))
    return max(best, default=0)


def _busy(requests: list[dict]) -> float:
    """Seconds during which at least one request was at the server (union of intervals)."""
    total, end = 0.0, float("-inf")
    for r in sorted(requests, key=lambda r: r["read"]):
        start = max(r["read"], end)
        if r["sent"] > start:
            total += r["sent"] - start
        end = max(end, r["sent"])
    return total


def phases(trace, fork: float, wall_ms: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """One start's wall time, ms, by what the front saw: ``pre`` fork to the first connection
    (interpreter, imports, settings, the TCP connect's round trip), ``first`` from there to the
    first request (TLS handshake and the client's first request), ``network`` first request to
    last answer, of which ``idle`` with no request at the server (the client's own time between
    requests: parsing a page, signing the next), ``post`` the last answer to exit (variables,
    exec). Connections made, requests, their depth and moto's median time per request too."""
    end = fork + wall_ms / 1000
    out: dict[str, float] = {}
    if trace.connections:
        accepted = min(c[0] for c in trace.connections)
        out["pre"] = (accepted - fork) * 1000
        if not trace.requests:
            out["first"] = (min(c[1] for c in trace.connections) - accepted) * 1000
            out["post"] = (end - min(c[1] for c in trace.connections)) * 1000
    if trace.requests:
        first = min(r["read"] for r in trace.requests)
        last = max(r["sent"] for r in trace.requests)
        if trace.connections:
            out["first"] = (first - min(c[0] for c in trace.connections)) * 1000
        out["network"] = (last - first) * 1000
        out["idle"] = (last - first - _busy(trace.requests)) * 1000
        out["post"] = (end - last) * 1000
        out["moto"] = statistics.median(r["moto"] for r in trace.requests) * 1000
        out["depth"] = observed_depth(trace.requests)
        out["critical"] = critical_requests(trace.requests)
    return out


def target_ms(floor_wall: float, critical: int, rtt_ms: float, delay_ms: float, moto_ms: float):  # type: ignore[no-untyped-def]
    """The issue's bound: the floor's wall, plus per request on the critical path one round trip
    and the server's time (the added delay and moto's own), plus 10 ms."""
    return floor_wall + critical * (rtt_ms + delay_ms + moto_ms) + SLACK_MS


def describe(requests: list[dict]) -> str:
    """What a start asked, for the report: {action: count}."""
    return json.dumps(collections.Counter(r["target"] for r in requests), sort_keys=True)
