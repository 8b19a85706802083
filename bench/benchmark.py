"""Cold-start benchmark on the path Lambda takes: HTTPS, one kept-alive connection, every Python.

Every start is a fresh process that loads the same parameters from the same endpoint and execs
/bin/true. The endpoint is moto on 127.0.0.1 behind a small HTTP/1.1 front of our own that keeps
connections alive (moto closes each one), optionally adds a round-trip time (RTT) per request and
per connection (TCP, plus the TLS handshake), and for HTTPS terminates TLS with a certificate from a
test CA (trustme) that the clients verify through AWS_CA_BUNDLE. For each Python found (the real
binaries under ~/.pyenv/versions, 3.10 and later) it runs, round-robin so that drift on the machine
hits all alike:

- the layer exactly as `bash build_layer.sh` builds it by default (bytecode for every Python);
- the same file without bytecode (what a runtime the build had no interpreter for pays);
- boto3 (paginated get_parameters_by_path, then exec), from a venv of that Python;
- the floor: `python3 -I -S` importing socket, json, hmac, hashlib and ssl, a verifying context
  and one TLS handshake to the same endpoint (plain HTTP: the imports and one TCP connect).

CPU is user+sys of the child (os.wait4, in bench/measure.py), wall is fork to exit, peak RSS is the
child's ru_maxrss. Then, with the RTT, wall time against parameter count per source (path, names,
one JSON parameter, and the DescribeParameters prototype in bench/describe_fetch.py). Everything
goes to bench/results.json; bench/RESULTS.md and bench/chart.svg are written from that file.
Figures, never a pass/fail test: `bash bench/run.sh` (`--quick` for a short run).
"""

from __future__ import annotations

import argparse
import datetime
import glob
import http.client
import json
import logging
import os
import pathlib
import platform
import re
import shutil
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
MEASURE = str(BENCH / "measure.py")

# The issue's targets (issue 13), printed against the figures, never asserted.
TARGET_FLOOR_RATIO = 1.2
TARGET_BOTO3_RATIO = 7.0
TARGET_PAGE_MS = 0.5
TARGET_RSS_MIB = 20.0

# Modules the path has no use for: IDNA (ssl encodes a str server_hostname with the idna codec),
# and threading when there is a single source.
UNNEEDED = {
    "encodings.idna",
    "stringprep",
    "unicodedata",
    "threading",
    "_weakrefset",
    "_threading_local",
    "argparse",
    "gettext",
    "locale",
    "dataclasses",
    "inspect",
    "typing",
    "datetime",
    "email",
    "http.client",
    "urllib.request",
    "logging",
    "tempfile",
    "random",
}


class Front(socketserver.ThreadingTCPServer):
    """HTTP/1.1 with keep-alive in front of moto: each request is forwarded to moto (which closes
    its connections) and the answer goes back on the client's kept-alive connection. ``rtt``
    seconds are added per request, per new connection, and once more for a TLS handshake (TLS 1.3
    takes one round trip; TCP's own handshake another)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, moto: tuple[str, int], context: ssl.SSLContext | None, rtt: float) -> None:
        self.moto, self.context, self.rtt = moto, context, rtt
        self.lock = threading.Lock()
        self.requests = self.connections = 0
        super().__init__(("127.0.0.1", 0), FrontHandler)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def take(self) -> tuple[int, int]:
        with self.lock:
            counts = (self.requests, self.connections)
            self.requests = self.connections = 0
        return counts


class FrontHandler(socketserver.BaseRequestHandler):
    server: Front

    def handle(self) -> None:
        server = self.server
        sock = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        time.sleep(server.rtt)  # the TCP handshake's round trip
        try:
            if server.context is not None:
                time.sleep(server.rtt)  # TLS 1.3: one more round trip before the first request
                sock = server.context.wrap_socket(sock, server_side=True)
        except (OSError, ssl.SSLError):
            return
        with server.lock:
            server.connections += 1
        reader = sock.makefile("rb")
        try:
            while self._one(sock, reader):
                pass
        except (OSError, ValueError):
            pass
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def _one(self, sock: socket.socket, reader) -> bool:
        server = self.server
        line = reader.readline(65537)
        if not line:
            return False
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers: list[tuple[str, str]] = []
        length, close = 0, False
        while True:
            raw = reader.readline(65537)
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            name, value = name.strip(), value.strip()
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection":
                close = value.lower() == "close"
                continue
            headers.append((name, value))
        body = reader.read(length) if length else b""
        with server.lock:
            server.requests += 1
        upstream = http.client.HTTPConnection(*server.moto, timeout=60)
        try:
            upstream.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                upstream.putheader(name, value)
            upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body)
            answer = upstream.getresponse()
            data = answer.read()
            kept = [
                (k, v)
                for k, v in answer.getheaders()
                if k.lower()
                not in ("connection", "content-length", "transfer-encoding", "keep-alive")
            ]
            status, reason = answer.status, answer.reason
        finally:
            upstream.close()
        time.sleep(server.rtt)  # the request's round trip
        head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in kept)
        head += f"Content-Length: {len(data)}\r\n"
        head += "Connection: close\r\n\r\n" if close else "\r\n"
        sock.sendall(head.encode("latin-1") + data)
        return not close


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

# The floor: what any standard-library SigV4 JSON client pays on this Python. server_hostname is
# given as bytes, so that ssl does not reach for the idna codec: the floor is the least it takes.
# The host goes to getaddrinfo as bytes too: a str host is IDNA-encoded there as well.
FLOOR = {
    "https": (
        "import socket, json, hmac, hashlib, ssl, os\n"
        "c = ssl.create_default_context(cafile=os.environ['AWS_CA_BUNDLE'])\n"
        "s = c.wrap_socket(socket.create_connection((b'localhost', int(os.environ['BENCH_PORT']))),"
        " server_hostname=b'localhost')\n"
        "s.close()\n"
    ),
    "http": (
        "import socket, json, hmac, hashlib, os\n"
        "socket.create_connection((b'127.0.0.1', int(os.environ['BENCH_PORT']))).close()\n"
    ),
}


def describe_parameters_by_max_results(self):  # type: ignore[no-untyped-def]
    """moto's DescribeParameters pages by 10 whatever MaxResults says; SSM honours MaxResults up
    to 50 (API reference, DescribeParameters). The prototype's figures need SSM's page size."""
    from moto.core.responses import ActionResult

    page_size = min(int(self._get_param("MaxResults") or 10), 50)
    token = int(str(self._get_param("NextToken") or "0").strip() or "0")
    result = self.ssm_backend.describe_parameters(
        self._get_param("Filters"), self._get_param("ParameterFilters")
    )
    page = result[token : token + page_size]
    response: dict = {"Parameters": [p.describe_response_object(False) for p in page]}
    if token + page_size < len(result):
        response["NextToken"] = str(token + page_size)
    return ActionResult(response)


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall ms, CPU ms (user+sys) and peak RSS KiB of one start, measured by bench/measure.py."""
    proc = subprocess.run(
        [sys.executable, "-I", "-S", MEASURE] + command,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = proc.stdout.split()
    if len(out) != 4 or out[3] != "0":
        raise SystemExit(f"{command[:2]} failed ({out}): {proc.stderr[-2000:]}")
    return float(out[0]), float(out[1]), int(out[2])


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=11, help="starts per contender and cell (default 11)"
    )
    parser.add_argument("--quick", action="store_true", help="3 starts per cell (about 3 minutes)")
    parser.add_argument(
        "--rtt",
        type=float,
        default=5.0,
        help="round-trip time to inject, ms (default 5: in-region SSM)",
    )
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        help="an interpreter to measure (repeatable; default: ~/.pyenv/versions/3.1x)",
    )
    parser.add_argument("--results", default=str(BENCH / "results.json"))
    options = parser.parse_args()
    runs = 3 if options.quick else options.runs
    counts = [50, 200]  # the reference load, and the one that shows the cost of a further page
    scale_counts = [10, 50, 200]
    rtt = options.rtt / 1000

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    import boto3
    import trustme
    from moto.server import ThreadedMotoServer
    from moto.ssm.responses import SimpleSystemManagerResponse

    SimpleSystemManagerResponse.describe_parameters = describe_parameters_by_max_results

    found = pythons(options.python)
    if not found:
        raise SystemExit("no Python 3.10+ found; pass --python /path/to/python3")
    work = pathlib.Path(tempfile.mkdtemp(prefix="ssm-env-bench-"))
    build = subprocess.run(
        ["bash", str(ROOT / "build_layer.sh"), str(work / "dist")],
        check=True,
        capture_output=True,
        text=True,
    )
    print(build.stdout, file=sys.stderr, end="")
    opt, bare = work / "opt", work / "opt-source-only"
    with zipfile.ZipFile(work / "dist" / "ssm-env-wrapper-layer.zip") as archive:
        archive.extractall(opt)
        archive.extract("ssm-env-wrapper", bare)
        layer_pycs = sorted(n for n in archive.namelist() if n.endswith(".pyc"))
    for directory in (opt, bare):
        (directory / "ssm-env-wrapper").chmod(0o755)
    (work / "boto3_wrapper.py").write_text(BOTO3_WRAPPER)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    moto = server.get_host_and_port()
    ca = trustme.CA()
    (work / "ca.pem").write_bytes(ca.cert_pem.bytes())
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(tls)
    fronts = {"https": Front(moto, tls, rtt), "http": Front(moto, None, rtt)}
    urls = {
        "http": f"http://127.0.0.1:{fronts['http'].port}",
        "https": f"https://localhost:{fronts['https'].port}",
    }
    ssm = boto3.client(
        "ssm",
        region_name="us-east-1",
        endpoint_url=f"http://{moto[0]}:{moto[1]}",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )
    for count in sorted(set(counts) | set(scale_counts)):
        document = {}
        for i in range(count):
            name = f"/bench/p{count}/VAR_{i:03d}"
            value = f"value-{i:03d}-" + "x" * 24
            ssm.put_parameter(
                Name=name, Value=value, Type="SecureString" if i % 5 == 0 else "String"
            )
            document[f"VAR_{i:03d}"] = f"v{i:03d}"
        # One JSON parameter holding all of them (values kept short: 8 KB is the Advanced tier's
        # limit, https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html).
        ssm.put_parameter(
            Name=f"/bench/json{count}",
            Value=json.dumps(document),
            Type="SecureString",
            Tier="Advanced",
        )

    base = {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench-secret-key",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_CONFIG_FILE": "/nonexistent",
    }
    bindirs: dict[str, pathlib.Path] = {}
    boto_pythons: dict[str, str | None] = {}
    for version, real in found.items():
        bindirs[version] = work / f"bin-{version}"
        bindirs[version].mkdir()
        (bindirs[version] / "python3").symlink_to(real)
        venv = ROOT / ".venv" / "bench" / version / "bin" / "python"
        boto_pythons[version] = str(venv) if venv.exists() else None

    def environment(version: str, scheme: str, **extra: str) -> dict[str, str]:
        env = dict(
            base,
            PATH=f"{bindirs[version]}:/usr/bin:/bin",
            AWS_ENDPOINT_URL_SSM=urls[scheme],
            BENCH_PORT=str(fronts[scheme].port),
            **extra,
        )
        if scheme == "https":
            env["AWS_CA_BUNDLE"] = str(work / "ca.pem")
        return env

    samples: list[dict] = []
    for scheme in ("https", "http"):
        for count in counts:
            cases = []
            for version in found:
                cases += [
                    (version, "layer", [str(opt / "ssm-env-wrapper"), "/bin/true"]),
                    (version, "layer, no bytecode", [str(bare / "ssm-env-wrapper"), "/bin/true"]),
                    (
                        version,
                        "floor",
                        [str(bindirs[version] / "python3"), "-I", "-S", "-c", FLOOR[scheme]],
                    ),
                ]
                if boto_pythons[version]:
                    cases.append(
                        (
                            version,
                            "boto3",
                            [boto_pythons[version], str(work / "boto3_wrapper.py"), "/bin/true"],
                        )
                    )
            cells: dict[tuple[str, str], dict] = {}
            for _ in range(runs):
                for version, name, command in cases:  # round-robin
                    fronts[scheme].take()
                    wall, cpu, rss = run_once(
                        command, environment(version, scheme, APP_PARAMS_PATH=f"/bench/p{count}")
                    )
                    requests, connections = fronts[scheme].take()
                    cell = cells.setdefault(
                        (version, name),
                        {
                            "table": "matrix",
                            "scheme": scheme,
                            "count": count,
                            "python": version,
                            "contender": name,
                            "wall": [],
                            "cpu": [],
                            "rss": [],
                            "requests": requests,
                            "connections": connections,
                        },
                    )
                    cell["wall"].append(wall)
                    cell["cpu"].append(cpu)
                    cell["rss"].append(rss)
            samples += cells.values()
            print(f"{scheme} {count} parameters: done", file=sys.stderr)

    # What the layer imports beyond the floor (-X importtime; one start per Python, 50 parameters).
    extras: dict[str, list[str]] = {}
    for version, real in found.items():
        probe = work / f"importtime-{version}"
        probe.mkdir()
        (probe / "python3").write_text(f'#!/bin/sh\nexec {real} -X importtime "$@"\n')
        (probe / "python3").chmod(0o755)
        env = environment(version, "https", APP_PARAMS_PATH="/bench/p50")
        layer = subprocess.run(
            [str(opt / "ssm-env-wrapper"), "/bin/true"],
            capture_output=True,
            text=True,
            env=dict(env, PATH=f"{probe}:/usr/bin:/bin"),
            timeout=60,
        )
        floor = subprocess.run(
            [real, "-X", "importtime", "-I", "-S", "-c", FLOOR["https"]],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        extras[version] = sorted(imported(layer.stderr) - imported(floor.stderr))

    # Wall time against parameter count, per source, with the RTT (HTTPS, one Python).
    scale_python = next(
        (v for v in found if v == "{}.{}".format(*sys.version_info[:2])), list(found)[-1]
    )
    for count in scale_counts:
        names = ",".join(f"/bench/p{count}/VAR_{i:03d}" for i in range(count))
        sources = {
            "path (GetParametersByPath pages)": (
                [str(opt / "ssm-env-wrapper"), "/bin/true"],
                {"APP_PARAMS_PATH": f"/bench/p{count}"},
            ),
            "names (GetParameters, 10 a call, in parallel)": (
                [str(opt / "ssm-env-wrapper"), "/bin/true"],
                {"SSM_ENV_NAMES": names},
            ),
            "one JSON parameter": (
                [str(opt / "ssm-env-wrapper"), "/bin/true"],
                {"SSM_ENV_JSON_NAMES": f"/bench/json{count}"},
            ),
            "prototype: DescribeParameters + parallel GetParameters": (
                [
                    str(bindirs[scale_python] / "python3"),
                    "-I",
                    "-S",
                    str(BENCH / "describe_fetch.py"),
                    str(ROOT / "src"),
                    "/bin/true",
                ],
                {"APP_PARAMS_PATH": f"/bench/p{count}"},
            ),
        }
        cells = {}
        for _ in range(runs):
            for name, (command, extra) in sources.items():
                fronts["https"].take()
                wall, cpu, rss = run_once(command, environment(scale_python, "https", **extra))
                requests, connections = fronts["https"].take()
                cell = cells.setdefault(
                    name,
                    {
                        "table": "scaling",
                        "scheme": "https",
                        "count": count,
                        "python": scale_python,
                        "contender": name,
                        "wall": [],
                        "cpu": [],
                        "rss": [],
                        "requests": requests,
                        "connections": connections,
                    },
                )
                cell["wall"].append(wall)
                cell["cpu"].append(cpu)
                cell["rss"].append(rss)
        samples += cells.values()
        print(f"scaling {count} parameters: done", file=sys.stderr)
    # Nothing configured: the launcher's shell fast path against a bare interpreter start.
    idle = {
        "layer, nothing configured": [str(opt / "ssm-env-wrapper"), "/bin/true"],
        "python3 -I -S -c pass": [str(bindirs[scale_python] / "python3"), "-I", "-S", "-c", "pass"],
    }
    cells = {}
    for _ in range(runs):
        for name, command in idle.items():
            wall, cpu, rss = run_once(command, {"PATH": f"{bindirs[scale_python]}:/usr/bin:/bin"})
            cell = cells.setdefault(
                name,
                {
                    "table": "idle",
                    "scheme": "-",
                    "count": 0,
                    "python": scale_python,
                    "contender": name,
                    "wall": [],
                    "cpu": [],
                    "rss": [],
                    "requests": 0,
                    "connections": 0,
                },
            )
            cell["wall"].append(wall)
            cell["cpu"].append(cpu)
            cell["rss"].append(rss)
    samples += cells.values()
    server.stop()

    results = {
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "runs": runs,
        "rtt_ms": options.rtt,
        "quick": options.quick,
        "pythons": {v: platform_version(p) for v, p in found.items()},
        "boto3": {
            v: p
            and subprocess.run(
                [p, "-c", "import boto3; print(boto3.__version__)"], capture_output=True, text=True
            ).stdout.strip()
            for v, p in boto_pythons.items()
        },
        "layer": {
            "zip_bytes": (work / "dist" / "ssm-env-wrapper-layer.zip").stat().st_size,
            "single_bytes": (work / "dist" / "ssm_env_wrapper.py").stat().st_size,
            "bytecode": layer_pycs,
            "build": build.stdout,
        },
        "extra_imports": extras,
        "samples": samples,
    }
    pathlib.Path(options.results).write_text(json.dumps(results, indent=1) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    print(f"written to {options.results}", file=sys.stderr)
    subprocess.run([sys.executable, str(BENCH / "report.py"), options.results], check=True)
    return 0


def platform_version(python: str) -> str:
    return subprocess.run(
        [python, "-I", "-S", "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
