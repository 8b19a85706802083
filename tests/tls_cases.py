"""What the TLS trust and proxy tests share: the values loaded, the proxy's password, a load and its one-line error."""

from __future__ import annotations

import socket

from conftest import assert_no_secrets, timed_load
from fake_ssm import _Listener, http_answer, pipe, read_head

from ssm_env_wrapper.errors import EndpointError

MARGIN = 2.0

VALUE = "tlsProxyValue-DoNotPrint-5t6y7u8i"

PROXY_PASSWORD = "proxyPassw0rd-DoNotPrint-c8Hd"


def load(env, **extra):
    return timed_load(env, **{"SSM_ENV_PATHS": "/prod/app", **extra})


def endpoint_error(outcome, kind=EndpointError) -> str:
    assert isinstance(outcome, kind), type(outcome).__name__
    message = str(outcome)
    assert VALUE not in message and PROXY_PASSWORD not in message and "\n" not in message
    return message


def one_line(proc) -> str:
    assert_no_secrets(proc, VALUE, PROXY_PASSWORD)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


# ------------------------------------------------------------------- a proxy that answers for SSM
# Bytes a proxy sends after its 200 to CONNECT must not stay in the connection's buffer to be
# read, after a verified TLS handshake, as the endpoint's answer: the proxy would choose the
# parameters. Nothing received before the handshake may count as the endpoint's answer.
FORGED = "forgedByTheProxy-DoNotLoad-4e5r"

FORGED_ANSWER = http_answer(
    200,
    {
        "Parameters": [
            {"Name": "/prod/app/DB_PASSWORD", "Value": FORGED, "Type": "String", "Version": 1},
            {"Name": "/prod/app/INJECTED", "Value": FORGED, "Type": "String", "Version": 1},
        ]
    },
    {"Content-Type": "application/x-amz-json-1.1"},
)


class InjectingProxy(_Listener):
    """A CONNECT proxy on 127.0.0.1 that opens the tunnel to ``upstream`` (the real TLS relay),
    and speaks for the endpoint: ``when="with-200"`` sends ``FORGED_ANSWER`` in the same write as
    its ``200``, ``when="after-hello"`` waits for the client's TLS hello and answers it with
    ``FORGED_ANSWER`` in clear. ``connects`` counts the CONNECT requests."""

    def __init__(self, upstream: tuple[str, int], when: str = "with-200") -> None:
        super().__init__()
        self.upstream = upstream
        self.when = when
        self.url = f"http://127.0.0.1:{self.port}"
        self.connects = 0

    def handle(self, conn):
        conn.settimeout(5)
        buffer = read_head(conn)
        if buffer is None or not buffer.startswith(b"CONNECT "):
            return
        with self._lock:
            self.connects += 1
        established = b"HTTP/1.1 200 Connection Established\r\n\r\n"
        if self.when == "with-200":
            conn.sendall(established + FORGED_ANSWER)  # one write: the client reads both at once
            upstream = self.track(socket.create_connection(self.upstream, timeout=5))
            pipe(conn, upstream, self.stop)  # the genuine TLS handshake and answer go through
            upstream.close()
        else:
            conn.sendall(established)
            if conn.recv(65536):  # the client's TLS hello
                conn.sendall(FORGED_ANSWER)


def forged_nowhere(*texts: str) -> None:
    assert not [t for t in texts if FORGED in t], "the proxy's forged value reached the output"
