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

#: How often the helpers' serving and accept loops look up to see whether to stop (seconds): the
#: cost of leaving a ``with`` block. socketserver's default (0.5 s) would cost that per test.
POLL = 0.01


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
                request = {
                    "target": self.headers.get("X-Amz-Target"),
                    "body": body,
                    "headers": dict(self.headers),
                }
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
        # serve_forever notices shutdown() only between polls: every 0.01 s, not the default 0.5 s,
        # so that leaving the ``with`` block costs milliseconds, not half a second per test.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": POLL}, daemon=True
        )

    def __enter__(self) -> FakeSsm:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def send(
    handler: BaseHTTPRequestHandler, status: int, payload, headers: dict | None = None
) -> None:
    headers = dict(headers or {})
    if isinstance(payload, (dict, list)):
        data = json.dumps(payload).encode()
        headers.setdefault("Content-Type", "application/x-amz-json-1.1")
    elif isinstance(payload, str):
        data = payload.encode()
    else:
        data = payload
    if any(name.lower() == "date" for name in headers):
        # The step's own Date, alone: send_response would add the handler's (now) before it.
        handler.send_response_only(status)
    else:
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
    body: dict = {
        "Parameters": [
            {"Name": n, "Value": v, "Type": "String", "Version": 1} for n, v in parameters
        ]
    }
    if token:
        body["NextToken"] = token
    return 200, body


def aws_error(code: str, message: str, status: int = 400) -> tuple[int, dict]:
    """An awsJson1.1 error answer."""
    return status, {"__type": f"com.amazonaws.ssm#{code}", "message": message}


THROTTLED = aws_error("ThrottlingException", "Rate exceeded")


# -------------------------------------------------------------------------------- fault injection
# Appended helpers: steps that misbehave at the socket level, a listener that never answers, a
# TLS-terminating relay and a CONNECT proxy. Everything binds 127.0.0.1, every loop is bounded
# (a stop event, the peer closing, or a time limit) and every thread is a daemon.

import select  # noqa: E402
import socket  # noqa: E402
import ssl  # noqa: E402
import struct  # noqa: E402
import time  # noqa: E402

_HOLD_LIMIT = 15.0  # seconds: the longest any helper keeps a connection, whatever the client does


class FaultySsm(FakeSsm):
    """A FakeSsm whose holding and dripping steps end when the ``with`` block does."""

    def __init__(self, script):
        super().__init__(script)
        self.stop = threading.Event()
        self.server.stop = self.stop

    def __exit__(self, *exc) -> None:
        self.stop.set()
        super().__exit__(*exc)


def _stop_event(handler) -> threading.Event:
    return getattr(handler.server, "stop", None) or threading.Event()


def _wait_for_close(sock: socket.socket, stop: threading.Event, limit: float = _HOLD_LIMIT) -> None:
    """Return when the peer closes ``sock`` (or resets it), ``stop`` is set, or ``limit`` passes."""
    end = time.monotonic() + limit
    while not stop.is_set() and time.monotonic() < end:
        try:
            ready, _, _ = select.select([sock], [], [], 0.05)
            if ready and not sock.recv(1, socket.MSG_PEEK):
                return
        except (OSError, ValueError):
            return
        if ready:
            time.sleep(0.05)  # the peer sent more: not expected here, but never spin


def http_answer(
    status: int, payload, headers: dict | None = None, *, content_length: int | None = None
) -> bytes:
    """The bytes of one HTTP/1.1 answer with exactly ``headers`` (no Server or Date added, unlike
    BaseHTTPRequestHandler.send_response). ``content_length`` overrides the true length."""
    if isinstance(payload, (dict, list)):
        data = json.dumps(payload).encode()
    elif isinstance(payload, str):
        data = payload.encode()
    else:
        data = payload
    lines = [f"HTTP/1.1 {status} Whatever"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append(f"Content-Length: {len(data) if content_length is None else content_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data


def raw(data: bytes, *, then_hold: bool = False, then_close: bool = False):
    """A step that writes ``data`` as it is (status line included); then holds the connection open
    until the client gives up, or closes it."""

    def step(handler, request):
        handler.connection.sendall(data)
        if then_hold:
            _wait_for_close(handler.connection, _stop_event(handler))
        if then_hold or then_close:
            handler.close_connection = True

    return step


def reset(handler) -> None:
    """Abort the connection with a TCP RST (SO_LINGER 0), not a FIN."""
    sock = handler.connection
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.rfile.close()  # the makefile() reference, or close() would not release the descriptor
    sock.close()


def reset_after(data: bytes, pause: float = 0.05):
    """A step that writes ``data`` (e.g. headers promising 1000 bytes and 10 of them), waits a
    moment so that the client reads it, then resets the connection."""

    def step(handler, request):
        handler.connection.sendall(data)
        time.sleep(pause)
        reset(handler)

    return step


def hold():
    """A step that reads the request and never answers, until the client gives up."""

    def step(handler, request):
        _wait_for_close(handler.connection, _stop_event(handler))
        handler.close_connection = True

    return step


def drip(head: bytes, body: bytes, interval: float = 0.3):
    """A step that sends ``head`` at once, then ``body`` one byte every ``interval`` seconds, until
    the body is done, the client goes away or the test ends."""

    def step(handler, request):
        sock, stop = handler.connection, _stop_event(handler)
        handler.close_connection = True
        try:
            sock.sendall(head)
            for i in range(len(body)):
                if stop.wait(interval):
                    return
                sock.sendall(body[i : i + 1])
        except OSError:
            return

    return step


def request_text(handler, request) -> str:
    """The request as the endpoint received it: request line, headers, body."""
    body = json.dumps(request["body"], separators=(",", ":")) if request["body"] is not None else ""
    return f"{handler.requestline}\r\n{handler.headers}{body}"


def by_token(first, rest):
    """A step that answers the first page (no NextToken in the request) with ``first`` and every
    later request with ``rest`` (each a step: a tuple or a callable)."""

    def step(handler, request):
        chosen = first if not (request["body"] or {}).get("NextToken") else rest
        if callable(chosen):
            chosen(handler, request)
        else:
            status, payload, *more = chosen
            send(handler, status, payload, more[0] if more else {})

    return step


def read_head(conn: socket.socket, limit: int = 65536) -> bytes | None:
    """What ``conn`` sends up to and including the end of a request head (CRLF CRLF), with any
    bytes after it; None when the peer closes first or sends more than ``limit`` without one."""
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        data = conn.recv(65536)
        if not data or len(buffer) > limit:
            return None
        buffer += data
    return buffer


class _Listener:
    """A bounded accept loop on 127.0.0.1 handing each connection to ``handle`` in a daemon
    thread; ``close`` stops it and closes every socket it made."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def track(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._sockets.append(sock)
        return sock

    def _accept_loop(self) -> None:
        while not self.stop.is_set():
            ready, _, _ = select.select([self.sock], [], [], POLL)
            if not ready:
                continue
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with self._lock:
                self.accepted += 1
            self.track(conn)
            threading.Thread(target=self._guarded, args=(conn,), daemon=True).start()

    def _guarded(self, conn: socket.socket) -> None:
        try:
            self.handle(conn)
        except (OSError, ValueError):
            pass
        finally:
            conn.close()

    def handle(self, conn: socket.socket) -> None:  # overridden
        raise NotImplementedError

    def close(self) -> None:
        self.stop.set()
        self._thread.join(timeout=5)
        self.sock.close()
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.close()
                except OSError:
                    pass


class SilentServer(_Listener):
    """Accepts connections, reads what comes, never answers: an open port in front of a hung
    service. ``requests`` counts the SSM requests received (one X-Amz-Target header each)."""

    def __init__(self) -> None:
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}"
        self.received = b""

    @property
    def requests(self) -> int:
        return self.received.count(b"X-Amz-Target:")

    def handle(self, conn: socket.socket) -> None:
        end = time.monotonic() + _HOLD_LIMIT
        while not self.stop.is_set() and time.monotonic() < end:
            ready, _, _ = select.select([conn], [], [], 0.05)
            if ready:
                data = conn.recv(65536)
                if not data:
                    return
                with self._lock:
                    self.received += data


def pipe(
    a: socket.socket, b: socket.socket, stop: threading.Event, limit: float = _HOLD_LIMIT
) -> None:
    """Copy bytes both ways between ``a`` and ``b`` (either may be TLS) until one side closes."""
    end = time.monotonic() + limit
    while not stop.is_set() and time.monotonic() < end:
        ready = [s for s in (a, b) if isinstance(s, ssl.SSLSocket) and s.pending()]
        if not ready:
            ready, _, _ = select.select([a, b], [], [], 0.05)
        for sock in ready:
            other = b if sock is a else a
            try:
                data = sock.recv(65536)
            except ssl.SSLWantReadError:
                continue
            except OSError:
                return
            if not data:
                return
            other.sendall(data)


class TlsRelay(_Listener):
    """Terminates TLS on 127.0.0.1 with ``context`` (a server context holding a test CA's
    certificate) and relays the plain bytes to ``upstream`` (host, port): https in front of moto.
    ``handshakes`` counts completed TLS handshakes, ``failed_handshakes`` the refused ones."""

    def __init__(self, context: ssl.SSLContext, upstream: tuple[str, int]) -> None:
        super().__init__()
        self.context = context
        self.upstream = upstream
        self.handshakes = 0
        self.failed_handshakes = 0

    def handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            tls = self.context.wrap_socket(conn, server_side=True)
        except (OSError, ValueError):
            with self._lock:
                self.failed_handshakes += 1
            return
        self.track(tls)
        with self._lock:
            self.handshakes += 1
        upstream = self.track(socket.create_connection(self.upstream, timeout=5))
        pipe(tls, upstream, self.stop)
        upstream.close()
        tls.close()


class ConnectProxy(_Listener):
    """An HTTP proxy on 127.0.0.1: ``CONNECT host:port`` tunnels and absolute-form requests
    (``POST http://host:port/ HTTP/1.1``), to the address ``hosts`` maps each name to (an unknown
    name gets 502). ``lines`` records each request line, ``headers`` each header block (names
    lower-cased). With ``status`` set, every request gets that answer (e.g. 407) and nothing else."""

    def __init__(self, hosts: dict[str, str], *, status: int | None = None) -> None:
        super().__init__()
        self.hosts = hosts
        self.status = status
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self.headers: list[dict[str, str]] = []

    def handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        buffer = read_head(conn)
        if buffer is None:
            return
        head, _, rest = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        with self._lock:
            self.lines.append(lines[0])
            self.headers.append(headers)
        if self.status is not None:
            conn.sendall(
                f"HTTP/1.1 {self.status} Refused\r\nContent-Length: 0\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            return
        method, target, _ = (lines[0].split(" ") + ["", ""])[:3]
        if method == "CONNECT":
            hostport = target
        elif target.startswith("http://"):
            hostport = target[len("http://") :].split("/", 1)[0]
        else:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        host, _, port = hostport.rpartition(":")
        address = self.hosts.get(host.strip("[]"))
        if address is None or not port.isdigit():
            conn.sendall(
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            return
        upstream = self.track(socket.create_connection((address, int(port)), timeout=5))
        if method == "CONNECT":
            conn.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            upstream.sendall(rest)
        else:
            upstream.sendall(buffer)  # absolute form as it came: moto's server accepts it
        pipe(conn, upstream, self.stop)
        upstream.close()


class ContainerCredentials:
    """The container credentials provider on 127.0.0.1 (what Lambda SnapStart, ECS and EKS Pod
    Identity serve): GET ``path`` answers ``answer`` (status, body[, headers]); other paths 404. ``requests``
    records each request's path and headers (names lower-cased)."""

    def __init__(self, answer: tuple[int, object], path: str = "/creds") -> None:
        self.answer = answer
        self.path = path
        self.requests: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                provider.requests.append(
                    {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}}
                )
                status, body, *more = provider.answer if self.path == provider.path else (404, "no")
                send(
                    self,
                    status,
                    body,
                    {"Content-Type": "application/json", **(more[0] if more else {})},
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": POLL}, daemon=True
        )

    def __enter__(self) -> ContainerCredentials:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------------------ a scriptable model
# Parameter Store as the real API answers, where moto simplifies: GetParameters returns the
# Selector (":3", ":label") of a name asked with one, a Secrets Manager reference comes back under
# its full /aws/reference/secretsmanager/ name with the secret's ARN, and GetParametersByPath pages
# by MaxResults. ``tampered`` turns each answer into a hostile one, for the answer-checking tests.

ACCOUNT = "123456789012"
SECRETS_PREFIX = "/aws/reference/secretsmanager/"


class SsmModel:
    """Parameters (every version, with labels) and secrets in memory; ``answer(request)`` gives
    ``(status, body)`` for GetParameters and GetParametersByPath as SSM would."""

    def __init__(self, region: str = "us-east-1") -> None:
        self.region = region
        self.versions: dict[str, list[tuple[str, set[str]]]] = {}
        self.secrets: dict[str, str] = {}
        # Parameters shared with this account through AWS RAM: readable only by their
        # full ARN ("Working with shared parameters", Systems Manager user guide).
        self.shared: dict[tuple[str, str], list[tuple[str, set[str]]]] = {}

    def share(
        self, account: str, name: str, value: str, *, labels: tuple[str, ...] = ()
    ) -> SsmModel:
        self.shared.setdefault((account, name), []).append((value, set(labels)))
        return self

    def put(self, name: str, value: str, *, labels: tuple[str, ...] = ()) -> SsmModel:
        self.versions.setdefault(name, []).append((value, set(labels)))
        return self

    def secret(self, name: str, value: str) -> SsmModel:
        self.secrets[name] = value
        return self

    def _parameter(self, name: str, version: int, selector: str = "") -> dict:
        value = self.versions[name][version - 1][0]
        parameter = {
            "Name": name,
            "Type": "String",
            "Value": value,
            "Version": version,
            "ARN": f"arn:aws:ssm:{self.region}:{ACCOUNT}:parameter/{name.lstrip('/')}",
            "DataType": "text",
            "LastModifiedDate": 1.7e9,
        }
        if selector:
            parameter["Selector"] = selector
        return parameter

    def _lookup_arn(self, requested: str) -> dict | None:
        """A name asked as ``arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME[:SELECTOR]``. The
        answer's Name is the ARN asked (without the selector); another region is not found."""
        parts = requested.split(":", 5)
        if len(parts) != 6 or parts[2] != "ssm" or not parts[5].startswith("parameter/"):
            return None
        resource, colon, chosen = parts[5].partition(":")
        base = ":".join(parts[:5] + [resource])
        name = "/" + resource[len("parameter/") :]
        if parts[3] != self.region:
            return None
        versions = (
            self.versions.get(name) if parts[4] == ACCOUNT else self.shared.get((parts[4], name))
        )
        if not versions:
            return None
        number = len(versions)
        if colon:
            if chosen.isdigit():
                number = int(chosen) if len(chosen) < 10 else 0
            else:
                found = [n for n, (_, labels) in enumerate(versions, 1) if chosen in labels]
                number = found[0] if found else 0
            if not 1 <= number <= len(versions):
                return None
        parameter = {
            "Name": base,
            "Type": "String",
            "Value": versions[number - 1][0],
            "Version": number,
            "ARN": base,
            "DataType": "text",
            "LastModifiedDate": 1.7e9,
        }
        if colon:
            parameter["Selector"] = colon + chosen
        return parameter

    def lookup(self, requested: str) -> dict | None:
        if requested.startswith("arn:"):
            return self._lookup_arn(requested)
        name, colon, chosen = requested.rpartition(":")
        if not colon:
            name, chosen = requested, ""
        if name.startswith(SECRETS_PREFIX):
            secret = name[len(SECRETS_PREFIX) :]
            if secret not in self.secrets or chosen:
                return None
            return {
                "Name": name,
                "Type": "SecureString",
                "Value": self.secrets[secret],
                "Version": 0,
                "ARN": f"arn:aws:secretsmanager:{self.region}:{ACCOUNT}:secret:{secret}-AbCdEf",
                "SourceResult": "{}",
                "DataType": "text",
            }
        versions = self.versions.get(name)
        if not versions:
            return None
        if not chosen:
            return self._parameter(name, len(versions))
        if chosen.isdigit():
            if len(chosen) > 9:
                return None
            number = int(chosen)
            return (
                self._parameter(name, number, ":" + chosen)
                if 1 <= number <= len(versions)
                else None
            )
        for number, (_, labels) in enumerate(versions, 1):
            if chosen in labels:
                return self._parameter(name, number, ":" + chosen)
        return None

    def get_parameters(self, names: list[str]) -> dict:
        found = [(name, self.lookup(name)) for name in names]
        return {
            "Parameters": [p for _, p in found if p is not None],
            "InvalidParameters": [name for name, p in found if p is None],
        }

    def get_parameters_by_path(
        self, path: str, recursive: bool, max_results: int = 10, token: str | None = None
    ) -> dict:
        base = path.rstrip("/") + "/"
        names = sorted(
            n
            for n in self.versions
            if n.startswith(base) and (recursive or "/" not in n[len(base) :])
        )
        start = int(token[len("page-") :]) if token else 0
        body: dict = {
            "Parameters": [
                self._parameter(n, len(self.versions[n]))
                for n in names[start : start + max_results]
            ]
        }
        if start + max_results < len(names):
            body["NextToken"] = f"page-{start + max_results}"
        return body

    def answer(self, request: dict) -> tuple[int, dict]:
        body = request["body"] or {}
        target = request["target"] or ""
        if target.endswith(".GetParameters"):
            return 200, self.get_parameters(list(body.get("Names") or []))
        if target.endswith(".GetParametersByPath"):
            return 200, self.get_parameters_by_path(
                body["Path"],
                bool(body.get("Recursive")),
                int(body.get("MaxResults") or 10),
                body.get("NextToken"),
            )
        return 400, {"__type": "com.amazonaws.ssm#InvalidAction", "message": target}


def modelled(model: SsmModel, tamper=None):
    """A step answering from ``model``; ``tamper(body, request)`` may change (or replace) the
    answer's body first: the hostile endpoint. A str or bytes it returns is sent as it is."""

    def step(handler, request):
        status, body = model.answer(request)
        if tamper is not None and status == 200:
            body = tamper(body, request)
        send(handler, status, body, {"Content-Type": "application/x-amz-json-1.1"})

    return step
