"""Cold-start benchmark: ssm-env-wrapper side by side with a boto3 wrapper and the interpreter's floor.

Every start is a fresh process that loads the same parameters from the same local endpoint (moto on
127.0.0.1, behind a counting relay; for HTTPS a TLS relay with a CA made by trustme) and execs
/bin/true. Contenders run round-robin, so that drift on the machine hits all of them alike. CPU is
user+sys of the whole process (wait4), which includes /bin/true after the exec: that is the same
small constant for everyone. Figures, never a pass/fail test: run `bash bench/run.sh`.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import pathlib
import platform
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


class Relay:
    """A TCP relay on 127.0.0.1 that counts connections and requests (``POST /`` lines) on the way
    to ``target``; with ``context`` it terminates TLS first."""

    def __init__(self, target: tuple[str, int], context: ssl.SSLContext | None = None) -> None:
        self.target, self.context = target, context
        self.connections = self.requests = 0
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            if self.context is not None:
                client = self.context.wrap_socket(client, server_side=True)
            upstream = socket.create_connection(self.target)
        except OSError:
            client.close()
            return
        with self.lock:
            self.connections += 1
        threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()
        self._pipe(client, upstream, True)

    def _pipe(self, source: socket.socket, sink: socket.socket, count: bool) -> None:
        tail = b""
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if count:
                    seen = (tail + data).count(b"POST / HTTP/1.1") - tail.count(b"POST / HTTP/1.1")
                    tail = data[-15:]
                    with self.lock:
                        self.requests += seen
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def take(self) -> tuple[int, int]:
        with self.lock:
            counts = (self.requests, self.connections)
            self.requests = self.connections = 0
        return counts


BOTO3_WRAPPER = '''\
import os, sys
import boto3
client = boto3.client("ssm")
for page in client.get_paginator("get_parameters_by_path").paginate(
        Path=os.environ["APP_PARAMS_PATH"], Recursive=False, WithDecryption=True):
    for parameter in page["Parameters"]:
        os.environ[parameter["Name"].rsplit("/", 1)[-1]] = parameter["Value"]
os.execv(sys.argv[1], sys.argv[1:])
'''


MEASURE = str(ROOT / "bench" / "measure.py")


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall ms, CPU ms (user+sys) and peak RSS KiB of one start, measured by bench/measure.py."""
    out = subprocess.run([sys.executable, "-I", "-S", MEASURE] + command, env=env,
                         capture_output=True, text=True, timeout=120).stdout.split()
    if len(out) != 4 or out[3] != "0":
        raise SystemExit(f"{command[0]} failed ({out}); run it by hand to see why")
    return float(out[0]), float(out[1]), int(out[2])


def spread(values: list[float]) -> str:
    values = sorted(values)
    low = values[len(values) // 10]
    high = values[(len(values) * 9) // 10 - (1 if len(values) % 10 == 0 else 0)]
    return f"{statistics.median(values):7.1f} ({low:.1f}-{high:.1f})"


def installed_size(names: list[str]) -> int:
    import importlib.util

    total = 0
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            continue
        origin = pathlib.Path(spec.origin)
        if origin.name == "__init__.py":  # a package: its whole directory
            total += sum(f.stat().st_size for f in origin.parent.rglob("*") if f.is_file())
        else:  # a single module, such as six.py
            total += origin.stat().st_size
    return total


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="starts per contender and case")
    parser.add_argument("--quick", action="store_true", help="5 runs, 0 and 50 parameters, HTTP only")
    parser.add_argument("--write", default=str(ROOT / "bench" / "RESULTS.md"), help="markdown output")
    options = parser.parse_args()
    runs = 5 if options.quick else options.runs
    counts = [0, 50] if options.quick else [0, 10, 50, 200]
    schemes = ["http"] if options.quick else ["http", "https"]

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    import boto3
    import trustme
    from moto.server import ThreadedMotoServer

    work = pathlib.Path(tempfile.mkdtemp(prefix="ssm-env-bench-"))
    subprocess.run(["bash", str(ROOT / "build_layer.sh"), str(work / "dist")], check=True,
                   capture_output=True)
    opt = work / "opt"
    with zipfile.ZipFile(work / "dist" / "ssm-env-wrapper-layer.zip") as archive:
        archive.extractall(opt)
    (opt / "ssm-env-wrapper").chmod(0o755)
    (work / "boto3_wrapper.py").write_text(BOTO3_WRAPPER)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    moto = server.get_host_and_port()
    ca = trustme.CA()
    (work / "ca.pem").write_bytes(ca.cert_pem.bytes())
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(tls)
    relays = {"http": Relay(moto), "https": Relay(moto, tls)}
    urls = {"http": f"http://127.0.0.1:{relays['http'].port}",
            "https": f"https://localhost:{relays['https'].port}"}
    ssm = boto3.client("ssm", region_name="us-east-1", endpoint_url=f"http://{moto[0]}:{moto[1]}",
                       aws_access_key_id="bench", aws_secret_access_key="bench")
    for count in counts:
        for i in range(count):
            ssm.put_parameter(Name=f"/bench/p{count}/VAR_{i:03d}", Value=f"value-{i:03d}-" + "x" * 24,
                              Type="SecureString" if i % 5 == 0 else "String")

    # One interpreter for every contender: python3 on PATH is this Python (not a version
    # manager's shim, which would add its own start-up to whoever runs "python3").
    bindir = work / "bin"
    bindir.mkdir()
    (bindir / "python3").symlink_to(sys.executable)
    python = sys.executable  # the venv's python: boto3 is importable there, as on a Lambda runtime
    contenders = {
        "ours: layer /opt/ssm-env-wrapper": [str(opt / "ssm-env-wrapper"), "/bin/true"],
        "ours: bin/wrapper": [str(ROOT / "bin" / "wrapper"), "/bin/true"],
        "boto3 wrapper": [python, str(work / "boto3_wrapper.py"), "/bin/true"],
        "floor: python3 -I -S -c pass": [str(bindir / "python3"), "-I", "-S", "-c", "pass"],
        "floor: + socket json hmac hashlib": [str(bindir / "python3"), "-I", "-S", "-c",
                                              "import socket, json, hmac, hashlib"],
    }
    base = {"PATH": f"{bindir}:/usr/bin:/bin", "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench-secret-key", "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1"}
    rows: list[tuple] = []
    for scheme in schemes:
        for count in counts:
            env = dict(base, AWS_ENDPOINT_URL_SSM=urls[scheme], APP_PARAMS_PATH=f"/bench/p{count}")
            if scheme == "https":
                env["AWS_CA_BUNDLE"] = str(work / "ca.pem")
            cases = dict(contenders)
            if scheme == "https":
                cases["floor: + socket json hmac hashlib"] = cases["floor: + socket json hmac hashlib"][:-1] + [
                    "import socket, json, hmac, hashlib, ssl"]
            results: dict[str, list] = {name: [] for name in cases}
            traffic: dict[str, tuple[int, int]] = {}
            for _ in range(runs):
                for name, command in cases.items():  # round-robin
                    relays[scheme].take()
                    results[name].append(run_once(command, env))
                    traffic[name] = relays[scheme].take()
            for name in cases:
                walls, cpus, rss = zip(*results[name])
                rows.append((scheme, count, name, list(walls), list(cpus), max(rss), traffic[name]))
            print(f"{scheme} {count} parameters: done", file=sys.stderr)

    # Nothing configured: the launcher's fast path against a bare interpreter start.
    idle = {"ours: layer, nothing configured": [str(opt / "ssm-env-wrapper"), "/bin/true"],
            "floor: python3 -I -S -c pass": [str(bindir / "python3"), "-I", "-S", "-c", "pass"]}
    idle_results: dict[str, list] = {name: [] for name in idle}
    for _ in range(runs * 2):
        for name, command in idle.items():
            idle_results[name].append(run_once(command, {"PATH": base["PATH"]}))
    server.stop()

    lines = [f"# ssm-env-wrapper benchmark\n",
             f"{datetime.date.today()}, {machine()}; {runs} starts per cell, round-robin; median "
             "(p10-p90). CPU is user+sys of the whole process. Re-run: `bash bench/run.sh` "
             "(`--quick` for a short run).\n",
             "| scheme | params | contender | wall ms | CPU ms | peak RSS MiB | requests | connections |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for scheme, count, name, walls, cpus, rss, (requests, connections) in rows:
        traffic_cells = (f"{requests} | {connections}" if not name.startswith("floor")
                         else "- | -")
        lines.append(f"| {scheme} | {count} | {name} | {spread(walls)} | {spread(cpus)} | "
                     f"{rss / 1024:.1f} | {traffic_cells} |")
    lines.append("\nRatios (medians):\n")
    for scheme in schemes:
        for count in counts:
            cell = {name: (statistics.median(w), statistics.median(c))
                    for s, n, name, w, c, _, _ in rows if s == scheme and n == count}
            boto = cell["boto3 wrapper"]
            floor = cell["floor: + socket json hmac hashlib"]
            for name in ("ours: layer /opt/ssm-env-wrapper", "ours: bin/wrapper"):
                wall, cpu = cell[name]
                lines.append(f"- {scheme}, {count} parameters, {name}: boto3/ours wall "
                             f"{boto[0] / wall:.1f}x, CPU {boto[1] / cpu:.1f}x; CPU over the floor "
                             f"{cpu - floor[1]:+.1f} ms")
    idle_cpu = {name: statistics.median(c for _, c, _ in values) for name, values in idle_results.items()}
    idle_wall = {name: statistics.median(w for w, _, _ in values) for name, values in idle_results.items()}
    lines.append(f"- nothing configured: ours {idle_wall['ours: layer, nothing configured']:.1f} ms wall, "
                 f"{idle_cpu['ours: layer, nothing configured']:.1f} ms CPU; bare python3 -I -S "
                 f"{idle_wall['floor: python3 -I -S -c pass']:.1f} ms wall, "
                 f"{idle_cpu['floor: python3 -I -S -c pass']:.1f} ms CPU")
    layer_zip = (work / "dist" / "ssm-env-wrapper-layer.zip").stat().st_size
    single = (work / "dist" / "ssm_env_wrapper.py").stat().st_size
    boto_size = installed_size(["boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"])
    lines.append(f"\nSizes: layer zip {layer_zip / 1024:.1f} KiB (the single file plus its bytecode "
                 f"for this Python), single file {single / 1024:.1f} KiB; boto3 and what it needs, "
                 f"installed: {boto_size / 1024 / 1024:.1f} MiB ({boto_size / layer_zip:.0f}x the layer).")
    text = "\n".join(lines) + "\n"
    print(text)
    pathlib.Path(options.write).write_text(text)
    print(f"written to {options.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
