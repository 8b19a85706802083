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

import os
import time

from .errors import ConfigError
from .http11 import HttpResponse, ProtocolError, ResponseReader

TYPE_CHECKING = False
if TYPE_CHECKING:
    import socket
    import ssl
    from collections.abc import Mapping

__all__ = [
    "HttpConnection",
    "HttpResponse",
    "ProtocolError",
    "ProxyError",
    "DeadlineExceeded",
    "proxy_for",
    "tls_context",
    "trust_store",
]


class ProxyError(ProtocolError):
    """The proxy refused the CONNECT tunnel, broke HTTP in its answer, or sent bytes of its own
    into the tunnel."""


class DeadlineExceeded(TimeoutError):
    """The overall deadline passed while waiting for the peer."""


def _no_proxy_matches(host: str, no_proxy: str) -> bool:
    for entry in no_proxy.replace(" ", "").split(","):
        entry = entry.lower().lstrip(".")
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return True
    return False


def proxy_for(
    scheme: str, host: str, environ: Mapping[str, str] | None = None
) -> tuple[str, int, str | None] | None:
    """The proxy to use for ``scheme://host`` as ``(host, port, user:password or None)``, from
    ``HTTPS_PROXY``/``HTTP_PROXY`` (either case) unless ``NO_PROXY`` matches; loopback is never
    proxied. Only ``http://`` proxies are supported, as by the AWS SDKs."""
    if environ is None:
        environ = os.environ
    if host in ("localhost", "127.0.0.1", "::1") or host.startswith("127."):
        return None
    name = "HTTPS_PROXY" if scheme == "https" else "HTTP_PROXY"
    url = (environ.get(name) or environ.get(name.lower()) or "").strip()
    if not url:
        return None
    no_proxy = environ.get("NO_PROXY") or environ.get("no_proxy") or ""
    if _no_proxy_matches(host.lower(), no_proxy):
        return None
    if "://" not in url:
        url = "http://" + url
    scheme_part, _, rest = url.partition("://")
    if scheme_part.lower() != "http":
        raise ConfigError(f"{name}: only http:// proxies are supported (the tunnel to SSM is TLS)")
    rest = rest.split("/", 1)[0]
    auth, _, hostport = rest.rpartition("@")
    if hostport.startswith("["):  # an IPv6 literal (RFC 3986 3.2.2): [::1]:3128
        proxy_host, bracket, port_part = hostport[1:].partition("]")
        port_text = port_part[1:]
        valid = bool(bracket) and port_part[:1] in ("", ":")
    else:
        proxy_host, colon, port_text = hostport.rpartition(":")
        if not colon:
            proxy_host = hostport
        valid = ":" not in proxy_host
    # The port: ASCII digits only (str.isdigit() takes '²', which int() refuses, and int() takes
    # other scripts' digits), 1-65535 (getaddrinfo would wrap a larger one round).
    if port_text and not (
        port_text.isascii() and port_text.isdigit() and 0 < int(port_text) < 65536
    ):
        valid = False
    if not (valid and proxy_host):
        raise ConfigError(f"{name} is not a proxy URL (expected http://host:port)")
    return proxy_host, int(port_text or 80), auth or None


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
        proxy: tuple[str, int, str | None] | None = None,
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

    def _connect(self, deadline: float) -> None:
        import socket

        self.connects += 1
        host, port = (self.proxy[0], self.proxy[1]) if self.proxy else (self.host, self.port)
        sock = _open(host, port, deadline)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            if self.proxy and self.context is not None:
                self._tunnel(deadline)
            if self.context is not None:
                sock.settimeout(_remaining(deadline))
                # An ASCII name goes to ssl as bytes: ssl's _encode_hostname IDNA-encodes a str,
                # which imports encodings.idna, stringprep and unicodedata for nothing.
                name = self.host.encode("ascii") if self.host.isascii() else self.host
                self._sock = self.context.wrap_socket(sock, server_hostname=name)
        except BaseException:
            sock.close()
            self._sock = None
            raise

    def _tunnel(self, deadline: float) -> None:
        """``CONNECT host:port`` through the proxy; TLS then runs end to end inside it.

        The proxy's answer is read on its own, and any byte after its head is refused: until our
        TLS handshake only the proxy speaks, so such bytes can only be the proxy posing as the
        endpoint (an answer it made up, read later as SSM's). RFC 9110 9.3.6: after a 2xx the
        connection is a tunnel "immediately after the empty line that concludes the header
        fields"; nothing of the proxy's may follow it."""
        assert self.proxy is not None
        authority = self._authority
        proxy = f"[{self.proxy[0]}]" if ":" in self.proxy[0] else self.proxy[0]
        proxy = f"{proxy}:{self.proxy[1]}"
        lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
        if self.proxy[2]:
            lines.append(f"Proxy-Authorization: Basic {_basic(self.proxy[2])}")
        self._send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"), deadline)
        reader = ResponseReader("CONNECT")
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
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    # -- one exchange

    def request(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, deadline: float
    ) -> HttpResponse:
        """Send one request and read its response, all before ``deadline`` (``time.monotonic``).

        Raises OSError subclasses: ConnectionError (incl. ProtocolError) when the peer fails,
        DeadlineExceeded when time runs out, ssl.SSLError for TLS failures. The connection is
        closed after any failure, so the next request starts clean.
        """
        if self._sock is None:
            self._connect(deadline)
        head = [f"{method} {target} HTTP/1.1"]
        if self.proxy and self.context is None:
            # Plain HTTP through a proxy: the absolute form, and the proxy's credentials if any.
            head[0] = f"{method} http://{self._authority}{target} HTTP/1.1"
            if self.proxy[2]:
                head.append(f"Proxy-Authorization: Basic {_basic(self.proxy[2])}")
        head += [f"{name}: {value}" for name, value in headers]
        head.append(f"Content-Length: {len(body)}")
        reader = ResponseReader(method)
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

    def _receive(self, reader: ResponseReader, deadline: float) -> HttpResponse:
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

    def _send(self, data: bytes, deadline: float) -> None:
        assert self._sock is not None
        self._sock.settimeout(_remaining(deadline))
        self._sock.sendall(data)

    def _recv(self, deadline: float) -> bytes:
        import socket  # already loaded: a dictionary lookup

        assert self._sock is not None
        self._sock.settimeout(_remaining(deadline))
        try:
            return self._sock.recv(65536)
        except socket.timeout as exc:  # TimeoutError since Python 3.10, an OSError before
            raise DeadlineExceeded("timed out waiting for the endpoint") from exc


# Where systems keep their CA certificates under OpenSSL hash names (``c_rehash``): OpenSSL's
# compiled-in directory first, then Debian/Ubuntu/Alpine, then Amazon Linux 2023/Fedora/RHEL
# (p11-kit's directory-hash; Amazon Linux 2's /etc/pki/tls/certs holds only bundles).
_HASHED_DIRS = (
    "/etc/ssl/certs",
    "/etc/pki/ca-trust/extracted/pem/directory-hash",
    "/etc/pki/tls/certs",
)
_HEX = frozenset("0123456789abcdef")


def _is_hashed_dir(path: str) -> bool:
    """True when ``path`` holds at least one ``xxxxxxxx.N`` certificate name."""
    try:
        names = os.listdir(path)
    except OSError:
        return False
    return any(
        len(n) == 10 and n[8] == "." and n[9].isdigit() and not set(n[:8]) - _HEX for n in names
    )


def trust_store(environ: Mapping[str, str] | None = None) -> tuple[str | None, str | None]:
    """``(cafile, capath)`` to verify with when no AWS_CA_BUNDLE is given.

    A hashed directory is preferred: OpenSSL then reads only the certificates a handshake needs,
    where the system bundle (``cafile``) is parsed whole, ~150 certificates, about 30 ms of CPU
    at every cold start. ``SSL_CERT_DIR``/``SSL_CERT_FILE`` keep OpenSSL's meaning; with neither
    and no hashed directory, ``(None, None)`` means OpenSSL's defaults.
    """
    if environ is None:
        environ = os.environ
    cert_dir = environ.get("SSL_CERT_DIR", "").strip()
    cert_file = environ.get("SSL_CERT_FILE", "").strip()
    if cert_dir or cert_file:
        return cert_file or None, cert_dir or None
    import ssl

    default = ssl.get_default_verify_paths().openssl_capath
    for path in (default,) + _HASHED_DIRS:
        if path and _is_hashed_dir(path):
            return None, path
    return None, None


def tls_context(
    ca_bundle: str | None = None, environ: Mapping[str, str] | None = None
) -> ssl.SSLContext:
    """A verifying TLS context (certificate chain and host name, TLS 1.2 or newer), made once per
    trust store and shared by every connection. ``ca_bundle`` (AWS_CA_BUNDLE) replaces the
    system's trust store; otherwise see ``trust_store``."""
    cafile, capath = (ca_bundle, None) if ca_bundle else trust_store(environ)
    key = (cafile, capath)
    context = _TLS_CONTEXTS.get(key)
    if context is None:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies chain and host name
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            if cafile or capath:
                context.load_verify_locations(cafile=cafile, capath=capath)
            else:
                context.load_default_certs()
        except (OSError, ssl.SSLError) as exc:
            name = "AWS_CA_BUNDLE" if ca_bundle else ("SSL_CERT_FILE" if cafile else "SSL_CERT_DIR")
            raise ConfigError(
                f"{name}={cafile or capath!r} cannot be read as PEM certificates "
                f"({getattr(exc, 'strerror', None) or exc}); point it at them "
                "or unset it"
            ) from exc
        _TLS_CONTEXTS[key] = context
    return context


_TLS_CONTEXTS: dict[tuple[str | None, str | None], ssl.SSLContext] = {}


def _resolve(host: str, port: int, deadline: float) -> list:
    """``getaddrinfo`` within the deadline. The lookup itself cannot be interrupted, so it runs on
    a daemon thread that is abandoned when time runs out (a VPC without DNS would otherwise hold
    the start for the resolver's own retries). An IP literal needs no lookup and no thread."""
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
    import threading

    outcome: list = []

    def lookup() -> None:
        try:
            outcome.append(socket.getaddrinfo(address, port, 0, socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the caller below
            outcome.append(exc)

    worker = threading.Thread(target=lookup, daemon=True)
    worker.start()
    worker.join(_remaining(deadline))
    if not outcome:
        raise DeadlineExceeded(f"timed out looking up {host}")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _open(host: str, port: int, deadline: float) -> socket.socket:
    """Connect to the first address of ``host`` that answers (as ``socket.create_connection``),
    every step within the deadline."""
    import socket

    error: OSError | None = None
    for family, kind, proto, _, address in _resolve(host, port, deadline):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(_remaining(deadline))
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"no address for {host}")


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded("the deadline passed")
    return left


def _basic(user_password: str) -> str:
    import binascii
    from urllib.parse import unquote  # only with an authenticating proxy

    user, _, password = user_password.partition(":")
    raw = f"{unquote(user)}:{unquote(password)}".encode()
    return binascii.b2a_base64(raw, newline=False).decode("ascii")
