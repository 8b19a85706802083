"""The benchmark's endpoint: an HTTP/1.1 front with keep-alive in front of moto.

moto closes every connection and answers in about a millisecond; SSM keeps connections alive and
takes longer. The front forwards each request to moto (a fresh connection to it each time) and
answers on the client's kept-alive connection, adding:

- ``rtt`` seconds per new connection (TCP's handshake), once more for a TLS handshake (TLS 1.3
  takes one round trip before the first request), and once per request;
- ``delay`` seconds per request: the server's own time, which moto does not have.

It records what it saw, on the machine's monotonic clock (CLOCK_MONOTONIC, the clock
``time.monotonic`` reads in every process, so bench/measure.py's fork time lines up with it): per
connection when it was accepted and when its handshake ended; per request when it was read, when
its answer was sent, moto's own time for it (measured here, without the added delays), its
X-Amz-Target and, for GetParametersByPath, its Path (a path's pages are a chain: each needs the
previous page's NextToken).
"""

from __future__ import annotations

import http.client
import json
import socket
import socketserver
import ssl
import threading
import time

__all__ = ["Front", "Trace"]


class Trace:
    """What one start did at the front: ``connections`` as (accepted, ready) times, ``requests``
    as dicts with ``read``, ``sent``, ``moto`` (seconds), ``target``, ``path`` and ``conn``."""

    def __init__(self) -> None:
        self.connections: list[tuple[float, float]] = []
        self.requests: list[dict] = []


class Front(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, moto: tuple[str, int], context: ssl.SSLContext | None, rtt: float, delay: float = 0.0
    ) -> None:
        self.moto, self.context, self.rtt, self.delay = moto, context, rtt, delay
        self.lock = threading.Lock()
        self.trace = Trace()
        super().__init__(("127.0.0.1", 0), FrontHandler)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def take(self) -> Trace:
        """The trace since the last call, and a fresh one."""
        with self.lock:
            trace, self.trace = self.trace, Trace()
        return trace

    def counts(self) -> tuple[int, int]:
        trace = self.take()
        return len(trace.requests), len(trace.connections)


class FrontHandler(socketserver.BaseRequestHandler):
    server: Front

    def handle(self) -> None:
        server = self.server
        accepted = time.monotonic()
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
            trace = server.trace
            conn = len(trace.connections)
            trace.connections.append((accepted, time.monotonic()))
        reader = sock.makefile("rb")
        try:
            while self._one(sock, reader, trace, conn):
                pass
        except (OSError, ValueError):
            pass
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def _read(self, reader) -> tuple[str, str, list[tuple[str, str]], bytes, bool] | None:  # type: ignore[no-untyped-def]
        line = reader.readline(65537)
        if not line:
            return None
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
        return method, target, headers, body, close

    def _one(self, sock: socket.socket, reader, trace: Trace, conn: int) -> bool:  # type: ignore[no-untyped-def]
        server = self.server
        request = self._read(reader)
        if request is None:
            return False
        read = time.monotonic()
        method, target, headers, body, close = request
        began = time.monotonic()
        status, reason, kept, data = self._forward(method, target, headers, body)
        moto = time.monotonic() - began
        time.sleep(server.delay + server.rtt)  # the server's own time, then the round trip
        head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in kept)
        head += f"Content-Length: {len(data)}\r\n"
        head += "Connection: close\r\n\r\n" if close else "\r\n"
        sock.sendall(head.encode("latin-1") + data)
        action = next((v for k, v in headers if k.lower() == "x-amz-target"), "")
        path = ""
        if action.endswith("GetParametersByPath"):
            try:
                path = str(json.loads(body).get("Path", ""))
            except ValueError:
                pass
        entry = {
            "read": read,
            "sent": time.monotonic(),
            "moto": moto,
            "target": action.rsplit(".", 1)[-1],
            "path": path,
            "conn": conn,
        }
        with server.lock:
            trace.requests.append(entry)
        return not close

    def _forward(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        upstream = http.client.HTTPConnection(*self.server.moto, timeout=60)
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
            return answer.status, answer.reason, kept, data
        finally:
            upstream.close()
