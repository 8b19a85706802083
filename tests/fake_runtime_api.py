"""A fake AWS Lambda Runtime API on loopback (standard library only): what Lambda's own endpoint
(``AWS_LAMBDA_RUNTIME_API``) does for one invocation, so that a real runtime interface client can
run against it.

- ``GET /2018-06-01/runtime/invocation/next`` hands out the queued events one per call, with
  Lambda's headers (request id, deadline, function ARN, trace id). Once the queue is empty a call
  is held open, as Lambda holds it while no event comes, until the fake is closed: the test kills
  the runtime once it has what it waits for.
- ``POST /2018-06-01/runtime/invocation/{id}/response`` and ``.../{id}/error`` and
  ``POST /2018-06-01/runtime/init/error`` are recorded and answered 202 Accepted.

Every request is recorded in ``calls`` as ``(method, path)``. ``start_runtime`` starts a runtime
through a wrapper against it, as Lambda's Python bootstrap does; ``lambda_environment`` is the
environment Lambda gives that runtime.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:ssm-env-wrapper-e2e"


class FakeRuntimeApi:
    def __init__(self, events=()):
        self.queue: list[dict] = []
        self.calls: list[tuple[str, str]] = []
        self.responses: dict[str, dict] = {}  # request id -> {"body": ..., "content_type": ...}
        self.errors: dict[str, dict] = {}  # request id -> {"body": ..., "error_type": ...}
        self.init_errors: list[dict] = []  # {"body": ..., "error_type": ...}
        # SnapStart: GET /runtime/restore/next is answered once ``on_restore`` (what
        # happens between the snapshot and the restore, e.g. a rotated parameter) has run.
        self.on_restore = None
        self._lock = threading.RLock()  # re-entrant: wait_for's predicate may call next_calls
        self._changed = threading.Condition(self._lock)
        self._closing = threading.Event()
        for event in events:
            self.add_event(event)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _record(self) -> None:
                with fake._changed:
                    fake.calls.append((self.command, self.path))
                    fake._changed.notify_all()

            def _reply(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

            def do_GET(self):
                self._record()
                if self.path == f"{PREFIX}/restore/next":
                    if fake.on_restore is not None:
                        fake.on_restore()
                    self._reply(200, b"", {"Content-Type": "application/json"})
                    return
                if self.path != f"{PREFIX}/invocation/next":
                    self._reply(404, b'{"errorType":"NotFound"}')
                    return
                while True:
                    with fake._changed:
                        if fake.queue:
                            event = fake.queue.pop(0)
                            break
                    # Held open while nothing is queued, as Lambda does between invocations.
                    if fake._closing.wait(0.05):
                        self.close_connection = True
                        return
                body = json.dumps(event["payload"]).encode()
                self._reply(
                    200,
                    body,
                    {
                        "Content-Type": "application/json",
                        "Lambda-Runtime-Aws-Request-Id": event["id"],
                        "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 30_000),
                        "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                        "Lambda-Runtime-Trace-Id": event["trace_id"],
                    },
                )

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                parts = self.path[len(PREFIX) :].strip("/").split("/")
                record = {
                    "body": _json_or_bytes(body),
                    "content_type": self.headers.get("Content-Type"),
                    "error_type": self.headers.get("Lambda-Runtime-Function-Error-Type"),
                    "headers": dict(self.headers),
                }
                with fake._changed:
                    if self.path == f"{PREFIX}/init/error":
                        fake.init_errors.append(record)
                    elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "response":
                        fake.responses[parts[1]] = record
                    elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "error":
                        fake.errors[parts[1]] = record
                    else:
                        parts = None
                self._record()
                if parts is None:
                    self._reply(404, b'{"errorType":"NotFound"}')
                else:
                    self._reply(202, b'{"status":"OK"}', {"Content-Type": "application/json"})

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                # The runtime is killed mid-call at the end of a test: a reset is expected there.
                import sys

                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"  # AWS_LAMBDA_RUNTIME_API
        # Polls for shutdown() every 0.01 s (socketserver's default, 0.5 s, is paid per test).
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def add_event(self, payload, request_id: str | None = None) -> str:
        request_id = request_id or str(uuid.uuid4())
        with self._changed:
            self.queue.append(
                {
                    "id": request_id,
                    "payload": payload,
                    "trace_id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};"
                    "Parent=53995c3f42cd8ad8;Sampled=0",
                }
            )
        return request_id

    def next_calls(self) -> int:
        with self._lock:
            return sum(
                1
                for method, path in self.calls
                if method == "GET" and path == f"{PREFIX}/invocation/next"
            )

    def wait_for(self, predicate, timeout: float) -> bool:
        """Wait until ``predicate(self)`` holds (re-checked on every request); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.1))
            return True

    def __enter__(self) -> FakeRuntimeApi:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()


def lambda_environment(task_root, function_name: str) -> dict[str, str]:
    """What Lambda sets for a Python function's runtime (less AWS_LAMBDA_RUNTIME_API, credentials
    and region). The task root goes on PYTHONPATH, as Lambda's Python runtimes have it on the
    path; start_runtime also makes it the working directory, which ``python -m`` puts first."""
    return {
        "LAMBDA_TASK_ROOT": str(task_root),
        "_HANDLER": "handler.fn",
        "PYTHONPATH": str(task_root),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "TZ": ":UTC",
    }


def start_runtime(
    wrapper, lambda_env, task_root, api, handler="handler.fn", until_exit=False, timeout=60
):
    """Start the runtime through the wrapper as Lambda's Python bootstrap does; return once it
    exited by itself or (unless ``until_exit``) posted a response or an invocation error: then
    it is killed, as Lambda ends an environment. Returns the finished process and its pid."""
    environ = dict(lambda_env, AWS_LAMBDA_RUNTIME_API=api.address, _HANDLER=handler)
    # Lambda's Python bootstrap: exec -- "$AWS_LAMBDA_EXEC_WRAPPER" <python> -m awslambdaric "$_HANDLER"
    process = subprocess.Popen(
        wrapper + [sys.executable, "-m", "awslambdaric", handler],
        env=environ,
        cwd=task_root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        api.wait_for(
            lambda a: process.poll() is not None or (not until_exit and (a.responses or a.errors)),
            timeout,
        )
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        out, err = process.communicate(timeout=30)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err), process.pid


def _json_or_bytes(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        return body
