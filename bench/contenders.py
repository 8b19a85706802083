"""What the benchmark runs and how: the contenders' programs, the floor, one measured start
(bench/measure.py), and ``Bench``, which runs cases round-robin and keeps their figures and the
front's trace of each start (bench/front.py, bench/shapes.py). Used by bench/benchmark.py."""

from __future__ import annotations

import glob
import os
import pathlib
import platform
import re
import subprocess
import sys

from front import Front
from shapes import phases
from trustns import SANDBOX_TRUST_VARIABLES

ROOT = pathlib.Path(__file__).resolve().parent.parent
MEASURE = str(ROOT / "bench" / "measure.py")

BOTO3_WRAPPER = """\
import os, sys
import boto3
client = boto3.client("ssm")
for page in client.get_paginator("get_parameters_by_path").paginate(
        Path=os.environ["APP_PARAMS_PATH"], Recursive=False, WithDecryption=True):
    for parameter in page["Parameters"]:
        os.environ[parameter["Name"].rsplit("/", 1)[-1]] = parameter["Value"]
os.execv(sys.argv[1], sys.argv[1:])
"""

# Powertools' Parameters utility at init, as its documentation shows it: get_parameters for a path
# (names come back relative to it), decrypted like the others.
POWERTOOLS_WRAPPER = """\
import os, sys
from aws_lambda_powertools.utilities.parameters import get_parameters
values = get_parameters(os.environ["APP_PARAMS_PATH"], recursive=False, decrypt=True)
for name, value in values.items():
    os.environ[name.rsplit("/", 1)[-1]] = value
os.execv(sys.argv[1], sys.argv[1:])
"""

# The floor: what any standard-library SigV4 JSON client pays on this Python. server_hostname is
# given as bytes, so that ssl does not reach for the idna codec: the floor is the least it takes.
# The host goes to getaddrinfo as bytes too: a str host is IDNA-encoded there as well. With the
# default store, create_default_context() loads OpenSSL's default file and directory, as any
# standard-library client that asks for the system's trust does (ssl.SSLContext.load_default_certs).
_HANDSHAKE = (
    "s = c.wrap_socket(socket.create_connection((b'localhost', int(os.environ['BENCH_PORT']))),"
    " server_hostname=b'localhost')\n"
    "s.close()\n"
)
FLOOR = {
    ("https", "minimal"): (
        "import socket, json, hmac, hashlib, ssl, os\n"
        "c = ssl.create_default_context(cafile=os.environ['AWS_CA_BUNDLE'])\n" + _HANDSHAKE
    ),
    ("https", "default"): (
        "import socket, json, hmac, hashlib, ssl, os\n"
        "c = ssl.create_default_context()\n" + _HANDSHAKE
    ),
    ("http", "-"): (
        "import socket, json, hmac, hashlib, os\n"
        "socket.create_connection((b'127.0.0.1', int(os.environ['BENCH_PORT']))).close()\n"
    ),
}


# The trust modes: "minimal" (everyone handed the test CA), "default" (each client's own store,
# the test CA added to it) and NO_HASH (the same without a hashed directory).
NO_HASH = "default, no hashed directory"


def store(trust: str) -> str:
    """The floor's store in a trust mode: the one-certificate file, or OpenSSL's defaults."""
    return trust if trust in ("minimal", "-") else "default"


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float, int, float]:
    """Wall ms, CPU ms (user+sys), peak RSS KiB and the monotonic fork time of one start, measured
    by bench/measure.py."""
    proc = subprocess.run(
        [sys.executable, "-I", "-S", MEASURE] + command,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = proc.stdout.split()
    if len(out) != 5 or out[3] != "0":
        raise SystemExit(f"{command[:2]} failed ({out}): {proc.stderr[-2000:]}")
    return float(out[0]), float(out[1]), int(out[2]), float(out[4])


class Bench:
    """What every run shares: the layer's files, the endpoint, the Pythons and their venvs."""

    def __init__(self, work: pathlib.Path, found: dict[str, str], runs: int) -> None:
        self.work, self.found, self.runs = work, found, runs
        self.opt, self.bare = work / "opt", work / "opt-source-only"
        self.fronts: dict[str, Front] = {}
        self.urls: dict[str, str] = {}
        self.bindirs: dict[str, pathlib.Path] = {}
        self.venvs: dict[str, str | None] = {}
        self.default_trust = False
        for version, real in found.items():
            self.bindirs[version] = work / f"bin-{version}"
            self.bindirs[version].mkdir()
            (self.bindirs[version] / "python3").symlink_to(real)
            venv = ROOT / ".venv" / "bench" / version / "bin" / "python"
            self.venvs[version] = str(venv) if venv.exists() else None

    def environment(self, version: str, scheme: str, trust: str, **extra: str) -> dict[str, str]:
        env = {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench-secret-key",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_CONFIG_FILE": "/nonexistent",
            "PATH": f"{self.bindirs[version]}:/usr/bin:/bin",
            "AWS_ENDPOINT_URL_SSM": self.urls[scheme],
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": self.urls[scheme],
            "BENCH_PORT": str(self.fronts[scheme].port),
            **extra,
        }
        if scheme == "https" and trust == "minimal":
            env["AWS_CA_BUNDLE"] = str(self.work / "ca.pem")
        assert not set(env) & set(SANDBOX_TRUST_VARIABLES) - {"AWS_CA_BUNDLE"}
        return env

    def contenders(self, version: str, scheme: str, trust: str) -> list[tuple[str, list[str]]]:
        python = str(self.bindirs[version] / "python3")
        cases = [
            ("layer", [str(self.opt / "ssm-env-wrapper"), "/bin/true"]),
            ("layer, no bytecode", [str(self.bare / "ssm-env-wrapper"), "/bin/true"]),
            ("floor", [python, "-I", "-S", "-c", FLOOR[(scheme, store(trust))]]),
        ]
        if trust == NO_HASH:  # only the layer looks for a hashed directory
            return [cases[0], cases[2]]
        venv = self.venvs[version]
        if venv:
            cases.append(("boto3", [venv, str(self.work / "boto3_wrapper.py"), "/bin/true"]))
            cases.append(
                ("powertools", [venv, str(self.work / "powertools_wrapper.py"), "/bin/true"])
            )
        return cases

    def cells(self, front: Front | None, cases: list[tuple[dict, list[str], dict]]) -> list[dict]:
        """Run every case ``self.runs`` times, round-robin; one cell per case: its ``meta`` and
        the lists of wall, CPU, RSS and the trace's phases (bench/shapes.py)."""
        cells: dict[int, dict] = {}
        for _ in range(self.runs):
            for index, (meta, command, env) in enumerate(cases):
                if front is not None:
                    front.take()
                wall, cpu, rss, fork = run_once(command, env)
                trace = front.take() if front is not None else None
                cell = cells.setdefault(
                    index,
                    dict(meta, wall=[], cpu=[], rss=[], phases={}, requests=0, connections=0),
                )
                cell["wall"].append(wall)
                cell["cpu"].append(cpu)
                cell["rss"].append(rss)
                if trace is not None:
                    cell["requests"] = len(trace.requests)
                    cell["connections"] = len(trace.connections)
                    cell["actions"] = sorted({r["target"] for r in trace.requests})
                    for key, value in phases(trace, fork, wall).items():
                        cell["phases"].setdefault(key, []).append(value)
        return list(cells.values())


def pythons(wanted: list[str]) -> dict[str, str]:
    """{"3.12": "/path/to/python3", ...}: the given interpreters, or pyenv's real binaries."""
    paths = wanted or sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")))
    found: dict[str, str] = {}
    for path in paths:
        try:
            version = subprocess.run(
                [path, "-I", "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout.strip()
        except OSError:
            continue
        if version and tuple(map(int, version.split("."))) >= (3, 10):
            found.setdefault(version, os.path.realpath(path))
    return dict(sorted(found.items(), key=lambda kv: tuple(map(int, kv[0].split(".")))))


def imported(stderr: str) -> set[str]:
    """Module names from -X importtime lines."""
    return {
        m.group(1).strip()
        for m in re.finditer(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)", stderr, re.M)
    }


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def package_version(python: str | None, module: str) -> str | None:
    if not python:
        return None
    return (
        subprocess.run(
            [
                python,
                "-c",
                f"import importlib.metadata as m; print(m.version({module!r}.replace('_', '-')))",
            ],
            capture_output=True,
            text=True,
        ).stdout.strip()
        or None
    )


def platform_version(python: str) -> str:
    return subprocess.run(
        [python, "-I", "-S", "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout.strip()
