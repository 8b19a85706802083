"""Cold-start storm: 50 wrappers start at once against an SSM-like endpoint that admits 40 requests
a second (SSM's default shared GetParameter* quota) and throttles the rest as SSM does. Each loads
20 parameters (two pages) and execs a command that records when it started. Ours and the boto3
approach (boto3's defaults) run in the same invocation, each against a fresh bucket.
Figures, never a test: `bash bench/storm.sh`.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = pathlib.Path(__file__).resolve().parent.parent
PARAMETERS = [
    {"Name": f"/storm/app/VAR_{i:02d}", "Value": f"value-{i:02d}", "Type": "String"}
    for i in range(20)
]
BOTO3_WRAPPER = """\
import os, sys
import boto3
client = boto3.client("ssm")
for page in client.get_paginator("get_parameters_by_path").paginate(
        Path="/storm/app", Recursive=False, WithDecryption=True):
    for parameter in page["Parameters"]:
        os.environ[parameter["Name"].rsplit("/", 1)[-1]] = parameter["Value"]
os.execvp(sys.argv[1], sys.argv[1:])
"""


class Bucket:
    """A token bucket: ``rate`` requests a second, bursts of at most ``rate``."""

    def __init__(self, rate: float) -> None:
        self.rate, self.tokens, self.stamp = rate, rate, time.monotonic()
        self.lock = threading.Lock()
        self.admitted = self.throttled = 0

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                self.admitted += 1
                return True
            self.throttled += 1
            return False


def serve(bucket_box: list) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = json.loads(
                self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}"
            )
            if bucket_box[0].take():
                start = int(body.get("NextToken") or 0)
                answer = {"Parameters": PARAMETERS[start : start + 10]}
                if start + 10 < len(PARAMETERS):
                    answer["NextToken"] = str(start + 10)
                status = 200
            else:  # SSM's answer to a throttled awsJson1.1 call
                answer = {"__type": "ThrottlingException", "message": "Rate exceeded"}
                status = 400
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def storm(command: list[str], env: dict[str, str], count: int) -> tuple[list[float], int]:
    """Start ``count`` copies at once; return the seconds from launch to each runtime's start
    (for those that started) and how many started."""
    launched = time.time()
    processes = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        for _ in range(count)
    ]
    times = []
    for process in processes:
        out, _ = process.communicate(timeout=60)
        if process.returncode == 0 and out.strip():
            times.append(float(out.strip()) - launched)
    return times, len(times)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=50)
    parser.add_argument("--rate", type=float, default=40.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--write", default=str(ROOT / "bench" / "STORM.md"))
    options = parser.parse_args()

    work = pathlib.Path(tempfile.mkdtemp(prefix="ssm-env-storm-"))
    subprocess.run(
        ["bash", str(ROOT / "build_layer.sh"), str(work / "dist")], check=True, capture_output=True
    )
    (work / "boto3_wrapper.py").write_text(BOTO3_WRAPPER)
    bindir = work / "bin"
    bindir.mkdir()
    (bindir / "python3").symlink_to(sys.executable)
    box = [Bucket(options.rate)]
    server = serve(box)
    env = {
        "PATH": f"{bindir}:/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID": "storm",
        "AWS_SECRET_ACCESS_KEY": "storm-secret",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_SSM": f"http://127.0.0.1:{server.server_address[1]}",
        "SSM_ENV_PATHS": "/storm/app",
    }
    # The runtime: bash prints the wall-clock instant it started, in microseconds.
    runtime = ["bash", "-c", "echo $EPOCHREALTIME"]
    contenders = {
        "ours: single file (python3 -I -S)": [str(work / "dist" / "ssm_env_wrapper.py")] + runtime,
        "ours: bin/wrapper": [str(ROOT / "bin" / "wrapper")] + runtime,
        "boto3 (default retries)": [sys.executable, str(work / "boto3_wrapper.py")] + runtime,
    }
    lines = [
        "# Cold-start storm\n",
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, Python {sys.version.split()[0]}: "
        f"{options.functions} wrappers started at once, each loading 20 parameters (2 pages) "
        f"from an endpoint admitting {options.rate:g} requests/s and throttling the rest "
        "(ThrottlingException), a fresh bucket per contender. Re-run: `bash bench/storm.sh`.\n",
        "| round | contender | started | p50 s | p95 s | max s | admitted | throttled |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    summary: dict[str, list[float]] = {}
    for round_number in range(1, options.rounds + 1):
        for name, command in contenders.items():
            time.sleep(1.5)  # let the previous bucket's refill not matter: a fresh one
            box[0] = Bucket(options.rate)
            times, started = storm(command, env, options.functions)
            summary.setdefault(name, []).extend(times)
            lines.append(
                f"| {round_number} | {name} | {started}/{options.functions} | "
                f"{statistics.median(times) if times else float('nan'):.2f} | "
                f"{pct(times, 0.95):.2f} | {max(times) if times else float('nan'):.2f} | "
                f"{box[0].admitted} | {box[0].throttled} |"
            )
            print(lines[-1], file=sys.stderr)
    server.shutdown()
    ours = summary["ours: single file (python3 -I -S)"] + summary["ours: bin/wrapper"]
    boto = summary["boto3 (default retries)"]
    expected = options.rounds * 2 * options.functions
    lines.append("")
    lines.append(
        f"- every one of ours started inside the 5 s deadline: "
        f"{'yes' if len(ours) == expected and max(ours) < 5 else 'NO'} "
        f"({len(ours)}/{expected}, max {max(ours):.2f} s)"
    )
    lines.append(
        f"- ours p95 {pct(ours, 0.95):.2f} s against boto3's p95 {pct(boto, 0.95):.2f} s "
        f"({len(boto)}/{options.rounds * options.functions} boto3 wrappers started): "
        f"{'ahead' if pct(ours, 0.95) < pct(boto, 0.95) else 'NOT ahead'}"
    )
    text = "\n".join(lines) + "\n"
    print(text)
    pathlib.Path(options.write).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
