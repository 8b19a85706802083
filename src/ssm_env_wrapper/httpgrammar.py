# SPDX-License-Identifier: Apache-2.0
"""The grammar of an HTTP/1.1 response head, as pure functions (RFC 9112, RFC 9110).

The status line, a field line, a comma-separated list, Content-Length, Transfer-Encoding and a
chunk-size line with its extensions: each takes bytes or text and returns a value or raises
``ProtocolError``. No state and no I/O: ``http11.ResponseReader`` decides where a line is and
what comes next; this module says what a line means. Messages never quote the peer's bytes:
they may hold anything, secrets echoed back included.
"""

from __future__ import annotations

__all__ = [
    "ProtocolError",
    "status_line",
    "field_line",
    "list_tokens",
    "content_length",
    "is_chunked",
    "chunk_size",
    "check_chunk_extensions",
]

# A chunk-size is at most 16 hex digits (2**64). Content-Length at most 19 digits: any such number
# is cheap to convert (int() of a long digit string is quadratic, and refused past 4300 digits on
# Python 3.11+) and anything over the reader's body limit is refused anyway.
_CHUNK_SIZE_DIGITS = 16
_LENGTH_DIGITS = 19

# Byte classes of RFC 9110 5.6.2 (tchar), 5.5 (field-vchar = VCHAR / obs-text) and 5.6.4
# (qdtext), used as ``data.translate(None, CLASS)``: what is left is what the class lacks. No
# regular expressions: compiling them would cost every cold start.
_TOKEN_CHARS = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_VCHAR_OBS = bytes(range(0x21, 0x7F)) + bytes(range(0x80, 0x100))
_FIELD_CHARS = _VCHAR_OBS + b" \t"  # field-value and reason-phrase: no CTL but HTAB
_QDTEXT = _FIELD_CHARS.replace(b'"', b"").replace(b"\\", b"")
_ASCII_DIGITS = b"0123456789"  # ASCII only: str.isdigit() would take '²' and int() then fails
_ASCII_HEXDIGITS = b"0123456789abcdefABCDEF"


class ProtocolError(ConnectionError):
    """The peer broke HTTP: a bad status line, a body cut short, a header block too large."""


def _all_in(data: bytes, allowed: bytes) -> bool:
    """True when every byte of ``data`` is in ``allowed`` (and for ``b""``)."""
    return not data.translate(None, allowed)


def status_line(line: bytes) -> tuple[int, str, int]:
    """``(status, reason, minor version)`` of ``HTTP/1.x SP 3DIGIT [SP reason-phrase]`` (RFC 9112
    4). The space before an empty reason may be missing, as h11 allows (servers do leave it)."""
    if (
        len(line) < 12
        or line[:7] != b"HTTP/1."
        or line[7] not in _ASCII_DIGITS
        or line[8] != 0x20
        or not _all_in(line[9:12], _ASCII_DIGITS)
        or line[12:13] not in (b"", b" ")
    ):
        raise ProtocolError("the answer is not HTTP/1.x (bad status line)")
    status = int(line[9:12])
    if status < 100 or status > 599:
        # RFC 9110 15: codes outside 100-599 are invalid, and a client "SHOULD process the
        # response as if it had a 5xx": a ProtocolError is retried as a 5xx would be.
        raise ProtocolError(f"the response has an invalid status code ({status})")
    reason = line[13:]
    if not _all_in(reason, _FIELD_CHARS):
        raise ProtocolError("the response's status line holds a control character")
    return status, reason.decode("latin-1"), line[7] - 0x30


def field_line(line: bytes) -> tuple[str, str]:
    """``field-name ":" OWS field-value OWS`` (RFC 9112 5) as ``(lower-cased name, value)``."""
    if line[0] in b" \t":
        # RFC 9112 5.2: obs-fold is obsolete; a user agent may replace it with spaces, but no
        # server we talk to folds, and a fold is a classic way to hide a field from one parser.
        raise ProtocolError("the response folds a header line (obs-fold)")
    name, colon, value = line.partition(b":")
    if not colon or not name or not _all_in(name, _TOKEN_CHARS):
        # Includes whitespace before the colon (RFC 9112 5.1: it must be rejected).
        raise ProtocolError("the response has a malformed header line")
    value = value.strip(b" \t")
    if not _all_in(value, _FIELD_CHARS):
        # RFC 9110 5.5: CR, LF and NUL are invalid and dangerous; other controls are not in the
        # grammar either (h11 lets them through; we do not).
        raise ProtocolError("a header value holds a control character")
    return name.decode("ascii").lower(), value.decode("latin-1")


def list_tokens(value: str) -> list[str]:
    """The elements of a comma-separated list (RFC 9110 5.6.1), lower-cased; empty elements are
    ignored, as the RFC bids a recipient do."""
    return [item for item in (part.strip(" \t").lower() for part in value.split(",")) if item]


def content_length(value: str | None) -> int | None:
    """RFC 9110 8.6: ``1*DIGIT``; a list of identical values (from repeated fields or one field,
    "42, 42") may be taken as one; values that disagree make the framing unknowable."""
    if value is None:
        return None
    items = [item.strip(" \t") for item in value.split(",")]
    for item in items:
        if not item or not _all_in(item.encode("latin-1"), _ASCII_DIGITS):
            raise ProtocolError("the response has a bad Content-Length")
        if len(item) > _LENGTH_DIGITS:
            raise ProtocolError("the response's Content-Length is too large")
    lengths = {int(item) for item in items}
    if len(lengths) != 1:
        raise ProtocolError("the response has Content-Length values that disagree")
    return lengths.pop()


def is_chunked(value: str | None, minor: int) -> bool:
    """True for ``Transfer-Encoding: chunked``; any other coding is refused (RFC 9112 6.1: a
    recipient that does not understand a coding cannot find the body's end), as is the field in
    an HTTP/1.0 answer (RFC 9112 6.1: its framing is faulty)."""
    if value is None:
        return False
    if minor < 1:
        raise ProtocolError("an HTTP/1.0 response has a Transfer-Encoding")
    if list_tokens(value) != ["chunked"]:
        raise ProtocolError("the response has a Transfer-Encoding other than chunked")
    return True


def _skip_blanks(data: bytes, i: int) -> int:
    while i < len(data) and data[i] in b" \t":
        i += 1
    return i


def _token_end(data: bytes, i: int) -> int:
    while i < len(data) and data[i] in _TOKEN_CHARS:
        i += 1
    return i


def check_chunk_extensions(ext: bytes) -> None:
    """RFC 9112 7.1.1: ``*( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )``.
    Extensions carry nothing we use; they are parsed so that a malformed one is refused."""
    i, n = 0, len(ext)
    while i < n:
        i = _skip_blanks(ext, i)
        if i >= n or ext[i] != 0x3B:  # ";"
            raise ProtocolError("a chunk extension is malformed")
        start = _skip_blanks(ext, i + 1)
        i = _token_end(ext, start)
        if i == start:
            raise ProtocolError("a chunk extension is malformed")
        after = _skip_blanks(ext, i)
        if after < n and ext[after] == 0x3D:  # "="
            start = _skip_blanks(ext, after + 1)
            if start < n and ext[start] == 0x22:  # a quoted-string (RFC 9110 5.6.4)
                i = start + 1
                while True:
                    if i >= n:
                        raise ProtocolError("a chunk extension is malformed")
                    byte = ext[i]
                    if byte == 0x22:
                        i += 1
                        break
                    if byte == 0x5C:  # quoted-pair: "\" ( HTAB / SP / VCHAR / obs-text )
                        if i + 1 >= n or ext[i + 1] not in _FIELD_CHARS:
                            raise ProtocolError("a chunk extension is malformed")
                        i += 2
                    elif byte in _QDTEXT:
                        i += 1
                    else:
                        raise ProtocolError("a chunk extension is malformed")
            else:
                i = _token_end(ext, start)
                if i == start:
                    raise ProtocolError("a chunk extension is malformed")
        else:
            i = after


def chunk_size(line: bytes) -> int:
    """The size on a chunk-size line (RFC 9112 7.1: ``chunk-size [ chunk-ext ]``, chunk-size =
    1*HEXDIG), its extensions checked. Whitespace after it is tolerated as h11 does (some servers
    send it); nothing else: no sign, no "0x", no "_" (all of which int(text, 16) would take), no
    leading whitespace."""
    line = line.rstrip(b" \t")
    digits = len(line) - len(line.lstrip(_ASCII_HEXDIGITS))
    if not digits:
        raise ProtocolError("a chunk size is not a hexadecimal number")
    if digits > _CHUNK_SIZE_DIGITS:
        raise ProtocolError("a chunk size is too large")
    check_chunk_extensions(line[digits:])
    return int(line[:digits], 16)
