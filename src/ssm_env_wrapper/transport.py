# SPDX-License-Identifier: Apache-2.0
"""A small HTTP/1.1 client over ``socket`` and ``ssl``: one kept-alive connection, a deadline that
bounds every step (connect, TLS handshake, each read), proxies through a CONNECT tunnel.

Why not ``http.client``: it imports the ``email`` package (about 10 ms at every cold start), and
its timeouts apply per socket operation, so a server that drips one byte a second would hold it
past any deadline. This client checks the deadline before every read and sets the socket's timeout
to what is left. It speaks just what SSM and the credential endpoints need: a request with a body,
and a response read by ``http11.ResponseReader`` (framed by ``Content-Length``, chunked encoding or
the end of the connection; interim 1xx responses skipped). This module does the socket and TLS I/O.
"""

from __future__ import annotations

from .deadline import DeadlineExceeded
from .http11 import BODY_LIMIT, HttpResponse, ProtocolError, ResponseReader
from .records import authority
from .retry import CERTIFICATE_NOT_TRUSTED, TLS_PROTOCOL

TYPE_CHECKING = False
if TYPE_CHECKING:
    import socket
    import ssl

    from .deadline import Deadline
    from .proxy import Proxy

__all__ = [
    "HttpConnection",
    "HttpResponse",
    "ProtocolError",
    "ProxyError",
    "CertificateError",
    "TlsError",
    "DeadlineExceeded",
    "resolve_address",
]


class ProxyError(ProtocolError):
    """The proxy refused the CONNECT tunnel, broke HTTP in its answer, or sent bytes of its own
    into the tunnel."""


class CertificateError(ConnectionError):
    """The peer's TLS certificate is not trusted (chain or host name): never retried, the fix is
    the trust store. ``reason`` is OpenSSL's one-line verdict."""

    condition = CERTIFICATE_NOT_TRUSTED

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TlsError(ConnectionError):
    """The TLS handshake failed on the protocol itself (the peer does not speak TLS, as a
    plain-HTTP port; no version or cipher in common): never retried, the fix is the endpoint.
    ``reason`` is OpenSSL's one-line verdict. A connection closed or reset mid-handshake is not
    one: that is a broken connection, retried."""

    condition = TLS_PROTOCOL

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HttpConnection:
    """One connection to ``host:port`` (TLS when ``context`` is given), reused while the peer
    keeps it alive. Not thread-safe: one per worker.

    Bytes are kept only within one response: each exchange reads with a new ``ResponseReader``,
    and a connection whose peer sent more than the response framed is closed, never reused. So
    nothing received before a request can be taken as its answer."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        context: ssl.SSLContext | None = None,
        proxy: Proxy | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.context = context
        self.proxy = proxy
        self.connects = 0
        self._sock: socket.socket | None = None

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    # -- connecting

    def _connect(self, deadline: Deadline) -> None:
        import socket

        self.connects += 1
        host, port = (self.proxy.host, self.proxy.port) if self.proxy else (self.host, self.port)
        sock = _open(host, port, deadline)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            if self.proxy and self.context is not None:
                self._tunnel(deadline)
            if self.context is not None:
                sock.settimeout(deadline.remaining())
                # An ASCII name goes to ssl as bytes: ssl's _encode_hostname IDNA-encodes a str,
                # which imports encodings.idna, stringprep and unicodedata for nothing.
                name = self.host.encode("ascii") if self.host.isascii() else self.host
                import ssl  # loaded with the context: a dictionary lookup

                try:
                    self._sock = self.context.wrap_socket(sock, server_hostname=name)
                except ssl.SSLCertVerificationError as exc:
                    raise CertificateError(
                        " ".join(str(exc.verify_message or exc.reason or exc).split())[:160]
                    ) from exc
                except (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError):
                    raise  # the connection broke mid-handshake: a broken connection
                except ssl.SSLError as exc:
                    raise TlsError(" ".join(str(exc.reason or exc).split())[:160]) from exc
        except BaseException:
            sock.close()
            self._sock = None
            raise

    def _tunnel(self, deadline: Deadline) -> None:
        """``CONNECT host:port`` through the proxy; TLS then runs end to end inside it.

        The proxy's answer is read on its own, and any byte after its head is refused: until our
        TLS handshake only the proxy speaks, so such bytes can only be the proxy posing as the
        endpoint (an answer it made up, read later as SSM's). RFC 9110 9.3.6: after a 2xx the
        connection is a tunnel "immediately after the empty line that concludes the header
        fields"; nothing of the proxy's may follow it."""
        assert self.proxy is not None
        authority = self._authority
        proxy = self.proxy.address
        lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
        if self.proxy.auth:
            lines.append(f"Proxy-Authorization: Basic {_basic(self.proxy.auth)}")
        self._send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"), deadline)
        reader = ResponseReader("CONNECT", body_limit=_PROXY_BODY_LIMIT)
        try:
            response = self._receive(reader, deadline)
        except ProtocolError as exc:
            raise ProxyError(
                f"the proxy {proxy} broke HTTP answering CONNECT {authority}: {exc}"
            ) from exc
        if not 200 <= response.status < 300:
            raise ProxyError(
                f"the proxy refused the tunnel to {authority} (HTTP {response.status})"
            )
        if reader.unconsumed:
            raise ProxyError(
                f"the proxy {proxy} sent bytes into the tunnel to {authority} before "
                "TLS began; refused"
            )

    @property
    def _authority(self) -> str:
        """``host:port``, an IPv6 literal in brackets (RFC 3986)."""
        return authority(self.host, self.port)

    # -- one exchange

    def request(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        deadline: Deadline,
        *,
        body_limit: int = BODY_LIMIT,
    ) -> HttpResponse:
        """Send one request and read its response, all before ``deadline``.

        Raises OSError subclasses: ConnectionError (ProtocolError, ProxyError, CertificateError
        among them) when the peer fails, DeadlineExceeded when time runs out, ssl.SSLError for
        other TLS failures. The connection is closed after any failure, so the next request
        starts clean; a kept-alive connection is checked before it is reused (``_idle``). A
        response body over ``body_limit`` bytes is refused while it is read.
        """
        if self._sock is not None and not self._idle():
            self.close()
        if self._sock is None:
            self._connect(deadline)
        head = [f"{method} {target} HTTP/1.1"]
        if self.proxy and self.context is None:
            # Plain HTTP through a proxy: the absolute form, and the proxy's credentials if any.
            head[0] = f"{method} http://{self._authority}{target} HTTP/1.1"
            if self.proxy.auth:
                head.append(f"Proxy-Authorization: Basic {_basic(self.proxy.auth)}")
        head += [f"{name}: {value}" for name, value in headers]
        head.append(f"Content-Length: {len(body)}")
        reader = ResponseReader(method, body_limit=body_limit)
        try:
            self._send(("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + body, deadline)
            response = self._receive(reader, deadline)
        except BaseException:
            self.close()
            raise
        if not response.keep_alive or reader.unconsumed:
            # The peer will close, or sent more than the response framed: never reuse.
            self.close()
        return response

    def _idle(self) -> bool:
        """Whether the kept-alive connection is quiet: nothing received since the last response
        and not closed by the peer. Anything waiting (a response nobody asked for, sent after the
        last one was read) would be read as the next request's answer; EOF means the peer closed
        it. Either way it is dropped. A non-blocking peek, no wait: TLS's own buffer first
        (``pending``), then the socket's (through the plain socket's recv: an SSLSocket refuses
        flags). A TLS record waiting (a late session ticket, close_notify) drops a connection
        that was still good: a new connection costs less than a doubt."""
        import _socket  # loaded with socket: a dictionary lookup

        sock = self._sock
        assert sock is not None
        pending = getattr(sock, "pending", None)
        if pending is not None and pending():
            return False
        try:
            sock.settimeout(0.0)
            _socket.socket.recv(sock, 1, _socket.MSG_PEEK)
        except BlockingIOError:
            return True
        except OSError:
            return False
        return False

    def _receive(self, reader: ResponseReader, deadline: Deadline) -> HttpResponse:
        """Feed ``reader`` from the socket until it holds a whole response."""
        while True:
            response = reader.next_response()
            if response is not None:
                return response
            chunk = self._recv(deadline)
            if chunk:
                reader.feed(chunk)
            else:
                reader.feed_eof()  # next_response() now answers or raises: no endless loop

    def _send(self, data: bytes, deadline: Deadline) -> None:
        assert self._sock is not None
        self._sock.settimeout(deadline.remaining())
        self._sock.sendall(data)

    def _recv(self, deadline: Deadline) -> bytes:
        import socket  # already loaded: a dictionary lookup

        assert self._sock is not None
        self._sock.settimeout(deadline.remaining())
        try:
            return self._sock.recv(65536)
        except socket.timeout as exc:  # TimeoutError since Python 3.10, an OSError before
            raise DeadlineExceeded("timed out waiting for the endpoint") from exc


# The proxy's answer to CONNECT: a status line, a few fields, at most a short refusal page.
_PROXY_BODY_LIMIT = 65536


def resolve_address(host: str, port: int, deadline: Deadline) -> list:
    """``getaddrinfo`` within the deadline. The lookup itself cannot be interrupted, so it runs on
    a thread that is abandoned when time runs out (a VPC without DNS would otherwise hold the
    start for the resolver's own retries). An IP literal needs no lookup and no thread.

    ``_thread`` rather than ``threading``: importing ``threading`` costs about a millisecond at
    every cold start, and a lock acquired with a timeout is all the waiting this needs. The
    abandoned thread ends with the lookup (or with the process, which execs soon after)."""
    import socket

    # An ASCII host goes to getaddrinfo as bytes: a str would be IDNA-encoded, which imports
    # encodings.idna, stringprep and unicodedata (a millisecond or two) for nothing.
    address = host.encode("ascii") if host.isascii() else host
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except (OSError, ValueError):
            continue
        return socket.getaddrinfo(address, port, family, socket.SOCK_STREAM)
    import _thread

    outcome: list = []
    done = _thread.allocate_lock()
    done.acquire()

    def lookup() -> None:
        try:
            outcome.append(socket.getaddrinfo(address, port, 0, socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the caller below
            outcome.append(exc)
        finally:
            done.release()

    _thread.start_new_thread(lookup, ())
    if not done.acquire(True, deadline.remaining()) or not outcome:
        raise DeadlineExceeded(f"timed out looking up {host}")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _open(host: str, port: int, deadline: Deadline) -> socket.socket:
    """Connect to the first address of ``host`` that answers (as ``socket.create_connection``),
    every step within the deadline."""
    import socket

    error: OSError | None = None
    for family, kind, proto, _, address in resolve_address(host, port, deadline):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(deadline.remaining())
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"no address for {host}")


def _basic(user_password: str) -> str:
    import binascii
    from urllib.parse import unquote  # only with an authenticating proxy

    user, _, password = user_password.partition(":")
    raw = f"{unquote(user)}:{unquote(password)}".encode()
    return binascii.b2a_base64(raw, newline=False).decode("ascii")
