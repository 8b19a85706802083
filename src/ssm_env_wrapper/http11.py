# SPDX-License-Identifier: Apache-2.0
"""An HTTP/1.1 response reader without sockets: bytes in, one response out (RFC 9112).

``ResponseReader`` is fed what the connection received (``feed``, then ``feed_eof`` when the peer
closed) and asked for the response (``next_response``: the response once complete, ``None`` while
it needs more bytes). It never reads a socket and never waits, so every rule below is tested on
bytes, and the transport stays socket and TLS I/O only. This module finds the lines and frames the
body; what a line means (status line, field line, Content-Length, chunk size) is
``httpgrammar``'s. h11's ``_readers.py`` is the model; this one is stricter where a client that
carries secrets gains from it, and says why at each rule.

Whatever the bytes, the only exception that comes out is ``ProtocolError`` (a ConnectionError:
callers treat a peer that breaks HTTP as a broken connection and retry on a new one). Messages
never quote the peer's bytes: they may hold anything, secrets echoed back included.
"""

from __future__ import annotations

from .httpgrammar import (
    ProtocolError,
    chunk_size,
    content_length,
    field_line,
    is_chunked,
    list_tokens,
    status_line,
)

__all__ = ["ProtocolError", "HttpResponse", "ResponseReader", "BODY_LIMIT"]

# Limits. A head (and a trailer section) is at most 64 KiB and 100 field lines, as http.client
# (_MAXHEADERS = 100); SSM sends about ten. A body is at most BODY_LIMIT (4 MiB) unless the caller
# sets its own: a few times the largest answer the APIs we call can send. AWS quotas ("AWS Systems
# Manager endpoints and quotas", "AWS Secrets Manager endpoints and quotas"): a parameter value is
# at most 8 KB (advanced tier; 4 KB standard) with a name of at most 2,048 characters, ten to a
# GetParametersByPath page or a GetParameters call; a secret value is at most 65,536 bytes, twenty
# to a BatchGetSecretValue answer (about 1.3 MB, before JSON escaping). A larger answer is refused
# while it is read, before it costs memory (the whole body is kept, then decoded as JSON). A
# chunk-size line, extensions included, is at most 4 KiB.
_HEAD_LIMIT = 65536
_FIELD_LIMIT = 100
BODY_LIMIT = 4 * 1024 * 1024
_CHUNK_LINE_LIMIT = 4096
# A peer could send interim (1xx) responses forever; the deadline bounds the time, this the work.
_INTERIM_LIMIT = 32


class HttpResponse:
    """One final response. ``headers``: lower-cased names, repeated fields joined with ", " (RFC
    9110 5.3); ``fields`` and ``trailers``: each field line as ``(lower-cased name, value)`` in
    the order received; ``interim``: the 1xx statuses skipped before it."""

    __slots__ = (
        "status",
        "reason",
        "version",
        "headers",
        "fields",
        "trailers",
        "body",
        "keep_alive",
        "interim",
    )

    def __init__(
        self,
        status: int,
        headers: dict[str, str],
        body: bytes,
        *,
        reason: str = "",
        version: str = "1.1",
        fields: tuple[tuple[str, str], ...] = (),
        trailers: tuple[tuple[str, str], ...] = (),
        keep_alive: bool = True,
        interim: tuple[int, ...] = (),
    ) -> None:
        self.status = status
        self.reason = reason
        self.version = version
        self.headers = headers
        self.fields = fields
        self.trailers = trailers
        self.body = body
        self.keep_alive = keep_alive  #: False: the peer will close, never send another request
        self.interim = interim


# Reader states: where the next bytes go.
(
    _RS_HEAD,
    _RS_LENGTH,
    _RS_CHUNK_SIZE,
    _RS_CHUNK_DATA,
    _RS_CHUNK_END,
    _RS_TRAILERS,
    _RS_UNTIL_CLOSE,
    _RS_DONE,
) = range(8)


class ResponseReader:
    """Reads the response to one request sent with ``method`` from bytes fed in pieces of any
    size. After the response, ``unconsumed`` holds the bytes that came after it: for a kept-alive
    connection nothing should (we never pipeline), and after a CONNECT tunnel is set up nothing
    may, until our TLS handshake."""

    def __init__(self, method: str = "GET", *, body_limit: int = BODY_LIMIT) -> None:
        self._method = method.upper()
        self._body_limit = body_limit
        self._buffer = bytearray()
        self._eof = False
        self._state = _RS_HEAD
        self._scan = 0  # how far the buffer was already searched for a line end
        self._block_bytes = 0  # bytes of the current head or trailer section
        self._lines: list[bytes] = []  # the current head's lines, status line first
        self._interim: list[int] = []
        self._body = bytearray()
        self._remaining = 0
        self._response: HttpResponse | None = None
        self._trailers: list[tuple[str, str]] = []
        self._received_any = False
        self._cr_seen = False

    def feed(self, data: bytes) -> None:
        """Add bytes received from the peer."""
        if self._eof:
            raise RuntimeError("feed() after feed_eof()")
        if data:
            self._received_any = True
            self._buffer += data

    def feed_eof(self) -> None:
        """The peer closed its side: nothing more will come."""
        self._eof = True

    @property
    def unconsumed(self) -> bytes:
        """Bytes received that are not part of the response (meaningful once it is complete)."""
        return bytes(self._buffer)

    def next_response(self) -> HttpResponse | None:
        """The response once complete; ``None`` while more bytes are needed (never after
        ``feed_eof``). Raises ProtocolError when the bytes are not a valid response."""
        while True:
            state = self._state
            if state == _RS_DONE:
                assert self._response is not None
                return self._response
            if state == _RS_HEAD:
                progressed = self._read_head()
            elif state == _RS_CHUNK_SIZE:
                progressed = self._read_chunk_size()
            elif state == _RS_CHUNK_END:
                progressed = self._read_chunk_end()
            elif state == _RS_TRAILERS:
                progressed = self._read_trailers()
            else:  # _RS_LENGTH, _RS_CHUNK_DATA, _RS_UNTIL_CLOSE
                progressed = self._read_data()
            if not progressed:
                if self._eof:
                    raise ProtocolError(self._eof_message())
                return None

    # -- lines

    def _take_line(self, limit: int) -> bytes | None:
        """The next line without its CRLF, or None until one is complete. RFC 9112 2.2 lets a
        recipient accept a bare LF as a line end and bids it reject or replace a bare CR; we
        refuse both: a line end that two parsers read differently is how responses are split."""
        end = self._buffer.find(b"\n", self._scan)
        if end < 0:
            self._scan = len(self._buffer)
            if self._scan > limit:
                raise ProtocolError(self._too_long())
            return None
        if end + 1 > limit:
            raise ProtocolError(self._too_long())
        line = bytes(self._buffer[: end + 1])
        del self._buffer[: end + 1]
        self._scan = 0
        if not line.endswith(b"\r\n") or b"\r" in line[:-2]:
            raise ProtocolError("the response has a line not ended by CRLF (a bare CR or LF)")
        return line[:-2]

    def _too_long(self) -> str:
        if self._state in (_RS_HEAD, _RS_TRAILERS):
            return (
                "the response's header block is too large"
                if self._state == _RS_HEAD
                else "the response's trailer section is too large"
            )
        return "a chunk header is too long"

    def _block_line(self) -> bytes | None:
        """The next line of a head or trailer section, within the section's byte budget."""
        line = self._take_line(_HEAD_LIMIT - self._block_bytes)
        if line is not None:
            self._block_bytes += len(line) + 2
        return line

    # -- head

    def _read_head(self) -> bool:
        line = self._block_line()
        if line is None:
            if not self._lines and not b"HTTP/1."[: len(self._buffer)].startswith(self._buffer[:7]):
                # Not an HTTP/1.x answer, whatever comes next: say so now (as h11 does for
                # requests) instead of when a line end or the deadline arrives.
                raise ProtocolError("the answer is not HTTP/1.x (bad status line)")
            return False
        if not self._lines:
            self._lines.append(line)
            return True
        if line:
            if len(self._lines) > _FIELD_LIMIT:
                raise ProtocolError(f"the response has more than {_FIELD_LIMIT} header fields")
            self._lines.append(line)
            return True
        self._end_of_head()
        return True

    def _end_of_head(self) -> None:
        status, reason, minor = status_line(self._lines[0])
        fields = [field_line(line) for line in self._lines[1:]]
        self._lines = []
        self._block_bytes = 0
        if status < 200:
            # RFC 9110 15.2: a client must accept interim responses before the final one and may
            # ignore them; they have no body (RFC 9112 6.3). 101 Switching Protocols is the
            # exception: we never ask to upgrade, so the connection would no longer be HTTP.
            if status == 101:
                raise ProtocolError(
                    "the peer switched protocols (HTTP 101), which we never ask for"
                )
            self._interim.append(status)
            if len(self._interim) > _INTERIM_LIMIT:
                raise ProtocolError(
                    f"the response sent more than {_INTERIM_LIMIT} interim (1xx) responses"
                )
            return
        headers: dict[str, str] = {}
        for name, value in fields:
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        tokens = list_tokens(headers.get("connection", ""))
        # RFC 9112 9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 keep-alive is not worth
        # supporting (we send HTTP/1.1 requests), so a 1.0 answer ends the connection.
        keep_alive = minor >= 1 and "close" not in tokens
        self._response = HttpResponse(
            status,
            headers,
            b"",
            reason=reason,
            version=f"1.{minor}",
            fields=tuple(fields),
            keep_alive=keep_alive,
            interim=tuple(self._interim),
        )
        if (
            self._method == "HEAD"
            or status in (204, 304)
            or (self._method == "CONNECT" and status < 300)
        ):
            # RFC 9112 6.3 (1, 2): no body after HEAD, 204 or 304, and a 2xx to CONNECT makes
            # the connection a tunnel right after the head. Their framing fields are ignored,
            # not checked: after HEAD or 304 they describe the response a GET would have had,
            # and after a 2xx to CONNECT a client "MUST ignore" them.
            self._state = _RS_DONE
            return
        self._start_body(headers, minor)

    def _start_body(self, headers: dict[str, str], minor: int) -> None:
        """How the body is framed: chunked, a length, or the end of the connection."""
        assert self._response is not None
        length = content_length(headers.get("content-length"))
        if length is not None and length > self._body_limit:
            raise ProtocolError(self._too_large())
        chunked = is_chunked(headers.get("transfer-encoding"), minor)
        if chunked and length is not None:
            # RFC 9112 6.3 (3): Transfer-Encoding overrides Content-Length, and such a message
            # "ought to be handled as an error": it is how requests are smuggled and responses
            # split. No AWS endpoint sends both; we refuse rather than guess which one lies.
            raise ProtocolError("the response has both Transfer-Encoding and Content-Length")
        if chunked:
            self._state = _RS_CHUNK_SIZE
        elif length is not None:
            self._remaining = length
            self._state = _RS_LENGTH if length else _RS_DONE
        else:
            # RFC 9112 6.3 (8): neither, so the body runs to the end of the connection, and
            # only the peer closing it says the response is complete.
            self._response.keep_alive = False
            self._state = _RS_UNTIL_CLOSE

    # -- body

    def _read_data(self) -> bool:
        if not self._buffer:
            if self._state == _RS_UNTIL_CLOSE and self._eof:
                self._finish()
                return True
            return False
        if self._state == _RS_UNTIL_CLOSE:
            if len(self._body) + len(self._buffer) > self._body_limit:
                raise ProtocolError(self._too_large())
            self._body += self._buffer
            self._buffer.clear()
            return True
        take = min(self._remaining, len(self._buffer))
        self._body += self._buffer[:take]
        del self._buffer[:take]
        self._remaining -= take
        if not self._remaining:
            if self._state == _RS_LENGTH:
                self._finish()
            else:
                self._state = _RS_CHUNK_END
        return True

    def _read_chunk_size(self) -> bool:
        line = self._take_line(_CHUNK_LINE_LIMIT)
        if line is None:
            return False
        size = chunk_size(line)
        if size == 0:
            self._state = _RS_TRAILERS
            return True
        if len(self._body) + size > self._body_limit:
            raise ProtocolError(self._too_large())
        self._remaining = size
        self._state = _RS_CHUNK_DATA
        return True

    def _read_chunk_end(self) -> bool:
        # The CRLF after each chunk's data (RFC 9112 7.1), checked a byte at a time so that a
        # wrong byte fails at once instead of waiting for the next one.
        if not self._buffer:
            return False
        if self._buffer[0] != (0x0A if self._cr_seen else 0x0D):
            raise ProtocolError("a chunk is not followed by CRLF")
        del self._buffer[:1]
        self._cr_seen = not self._cr_seen
        if not self._cr_seen:
            self._state = _RS_CHUNK_SIZE
        return True

    def _read_trailers(self) -> bool:
        line = self._block_line()
        if line is None:
            return False
        if line:
            # RFC 9112 7.1.2: trailer fields follow the field-line grammar. They are kept apart
            # from the header fields (RFC 9110 6.5.1: not merged unless understood).
            if len(self._trailers) >= _FIELD_LIMIT:
                raise ProtocolError(f"the response has more than {_FIELD_LIMIT} trailer fields")
            self._trailers.append(field_line(line))
            return True
        self._finish()
        return True

    def _too_large(self) -> str:
        limit = self._body_limit
        return f"the response body is too large (over {limit} bytes, more than the API sends)"

    def _finish(self) -> None:
        assert self._response is not None
        self._response.body = bytes(self._body)
        self._response.trailers = tuple(self._trailers)
        self._body = bytearray()
        self._state = _RS_DONE

    def _eof_message(self) -> str:
        state = self._state
        if state == _RS_HEAD:
            if not self._received_any:
                return "the connection closed before a response arrived"
            return "the connection closed mid-response"
        if state == _RS_LENGTH:
            done = len(self._body)
            return f"the response ended after {done} of {done + self._remaining} bytes"
        return "the response ended inside its chunked body"
