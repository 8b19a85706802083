"""A scripted SSM endpoint on loopback (standard library only) for what moto cannot do: empty
pages that carry a token, AWS error answers, broken bodies, counting connections.

Each script step is either ``(status, body)`` (body: a dict sent as JSON, or bytes/str sent as
is), ``(status, body, headers)``, or a callable ``step(handler, request)`` that writes the answer
itself (or breaks the connection). The last step repeats once the script is used up.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeSsm:
    def __init__(self, script):
        self.script = list(script)
        self.requests: list[dict] = []  # {"target": ..., "body": {...}, "headers": {...}}
        self.connections = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as SSM

            def setup(self):
                super().setup()
                with fake._lock:
                    fake.connections += 1

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                request = {"target": self.headers.get("X-Amz-Target"), "body": body,
                           "headers": dict(self.headers)}
                with fake._lock:
                    index = len(fake.requests)
                    fake.requests.append(request)
                    step = fake.script[min(index, len(fake.script) - 1)]
                if callable(step):
                    step(self, request)
                    return
                status, payload, *rest = step
                headers = rest[0] if rest else {}
                send(self, status, payload, headers)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeSsm:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def send(handler: BaseHTTPRequestHandler, status: int, payload, headers: dict | None = None) -> None:
    headers = dict(headers or {})
    if isinstance(payload, (dict, list)):
        data = json.dumps(payload).encode()
        headers.setdefault("Content-Type", "application/x-amz-json-1.1")
    elif isinstance(payload, str):
        data = payload.encode()
    else:
        data = payload
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    if not any(name.lower() == "content-length" for name in headers):
        handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
    handler.wfile.flush()


def page(parameters: list[tuple[str, str]], token: str | None = None) -> tuple[int, dict]:
    """A GetParametersByPath answer."""
    body: dict = {"Parameters": [{"Name": n, "Value": v, "Type": "String", "Version": 1}
                                 for n, v in parameters]}
    if token:
        body["NextToken"] = token
    return 200, body


def aws_error(code: str, message: str, status: int = 400) -> tuple[int, dict]:
    """An awsJson1.1 error answer."""
    return status, {"__type": f"com.amazonaws.ssm#{code}", "message": message}
