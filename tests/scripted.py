"""A scripted byte stream under the JSON clients, on a fake clock: no port, no thread, no wait.

httpcore tests its connection pool on a mock network backend that hands back scripted bytes; this
is the same idea one level down. ``transport._open(host, port, deadline)`` is the one place where
``HttpConnection`` gets a socket, so a test swaps it (``monkeypatch``) for ``Script.open``, which
returns one end of a ``socket.socketpair()`` (an in-kernel pair: no address, no listener). Every
request the client sends is parsed as it arrives and answered at once with the script's next
step, written into the other end. What runs is the real code: signing, ``HttpConnection``'s
keep-alive check (``_idle`` peeks the real descriptor), ``http11``'s reader, the retry loop and
its classification; only the network and the passing of time are scripted.

A step is one of:
- ``bytes``: a whole HTTP response; the connection stays open (or the response says close);
- ``Close(data)``: ``data`` (possibly a cut response), then the peer closes;
- ``SILENT``: no answer: the client's next read times out at once, and the clock moves on by
  the read's timeout, as if the deadline's remaining time had passed;
- an ``OSError`` instance: raised when the client connects (refused, reset, unreachable);
- a callable ``step(request)`` returning one of the above (e.g. a Date from the fake clock).
The last step repeats once the script is used up.

Clients are made with ``clock``, ``sleep`` and a ``Deadline`` on ``FakeClock``: backoff waits are
recorded in ``clock.sleeps`` and move the clock, never the test.
"""

from __future__ import annotations

import json
import select
import socket
from dataclasses import dataclass, field

__all__ = ["SILENT", "Close", "FakeClock", "Script", "answer"]


class FakeClock:
    """Unix time for signatures and a monotonic clock for deadlines, moved only by ``sleep``
    (the client's backoff) and by reads that time out."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.ticks = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now + self.ticks

    def monotonic(self) -> float:
        return self.ticks

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.ticks += max(0.0, seconds)


@dataclass(frozen=True)
class Close:
    data: bytes = b""


SILENT = object()


def answer(status: int, payload: object, headers: dict[str, str] | None = None) -> bytes:
    """The bytes of one HTTP/1.1 response: ``payload`` as JSON (dict/list) or as given."""
    if isinstance(payload, (dict, list)):
        body = json.dumps(payload).encode()
    elif isinstance(payload, str):
        body = payload.encode()
    else:
        body = bytes(payload)  # type: ignore[call-overload]
    fields = {"Content-Type": "application/x-amz-json-1.1", **(headers or {})}
    lines = [f"HTTP/1.1 {status} Whatever", *(f"{k}: {v}" for k, v in fields.items())]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class Request:
    line: str
    headers: dict[str, str]
    body: dict | None

    @property
    def target(self) -> str:
        return self.headers.get("x-amz-target", "")


@dataclass
class Script:
    """The endpoint: ``steps`` answer requests (and connection attempts) in order."""

    steps: list
    clock: FakeClock = field(default_factory=FakeClock)
    requests: list[Request] = field(default_factory=list)
    connections: int = 0
    _at: int = 0

    def _next(self) -> object:
        step = self.steps[min(self._at, len(self.steps) - 1)]
        self._at += 1
        return step

    def open(self, host: str, port: int, deadline: object) -> socket.socket:
        """Stands in for ``transport._open``: a connection, or the scripted failure to make one."""
        if isinstance(self.steps[min(self._at, len(self.steps) - 1)], OSError):
            raise self._next()  # type: ignore[misc]
        self.connections += 1
        ours, theirs = socket.socketpair()
        return _ScriptedSocket(self, ours, theirs)

    def received(self, raw: bytes) -> None:
        head, _, body = raw.partition(b"\r\n\r\n")
        line, *fields = head.decode("latin-1").split("\r\n")
        headers = {}
        for item in fields:
            name, _, value = item.partition(":")
            headers[name.strip().lower()] = value.strip()
        self.requests.append(Request(line, headers, json.loads(body) if body else None))


class _ScriptedSocket(socket.socket):
    """The client's end of the pair: a real socket (``_idle`` peeks its descriptor), which
    parses what the client sends and has the script answer each whole request."""

    def __init__(self, script: Script, ours: socket.socket, theirs: socket.socket) -> None:
        super().__init__(ours.family, ours.type, ours.proto, fileno=ours.detach())
        self._script = script
        self._peer = theirs
        self._pending = b""

    def setsockopt(self, level: int, *args: object) -> None:  # type: ignore[override]
        if level != socket.IPPROTO_TCP:  # TCP_NODELAY: meaningless on the pair
            super().setsockopt(level, *args)  # type: ignore[call-overload]

    def sendall(self, data: bytes, *args: object) -> None:  # type: ignore[override]
        self._pending += bytes(data)
        while b"\r\n\r\n" in self._pending:
            head, _, rest = self._pending.partition(b"\r\n\r\n")
            length = 0
            for item in head.split(b"\r\n")[1:]:
                name, _, value = item.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(rest) < length:
                return
            self._script.received(head + b"\r\n\r\n" + rest[:length])
            self._pending = rest[length:]
            step = self._script._next()
            self._respond(step(self._script.requests[-1]) if callable(step) else step)

    def _respond(self, step: object) -> None:
        if step is SILENT:
            return
        if isinstance(step, Close):
            self._peer.sendall(step.data)
            self._peer.close()
            return
        if isinstance(step, OSError):
            raise step
        self._peer.sendall(step)  # type: ignore[arg-type]

    def recv(self, size: int, *args: object) -> bytes:  # type: ignore[override]
        ready, _, _ = select.select([self], [], [], 0)
        if not ready:
            # Nothing will ever come (the script answers synchronously): the read times out now,
            # and the clock moves on by the time the client was prepared to wait.
            self._script.clock.advance(self.gettimeout() or 0.0)
            raise socket.timeout("timed out")
        return super().recv(size, *args)  # type: ignore[arg-type]

    def close(self) -> None:
        try:
            self._peer.close()
        finally:
            super().close()
