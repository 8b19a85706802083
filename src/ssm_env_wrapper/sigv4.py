# SPDX-License-Identifier: Apache-2.0
"""AWS Signature Version 4, one pure function per step of the spec.

The steps, as the "Create a signed AWS API request" guide numbers them:
1. ``canonical_request`` (with ``canonical_uri``, ``canonical_query``, ``canonical_headers``),
2. ``string_to_sign``, 3. ``signing_key``, 4. ``signature``, then ``authorization_header``.
``sign`` runs them all for one request; the clock is always an argument, never read here.

Nothing in this module logs: the canonical request holds the session token.
"""

from __future__ import annotations

import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "ALGORITHM",
    "uri_encode",
    "canonical_uri",
    "canonical_query",
    "canonical_headers",
    "signed_headers",
    "canonical_request",
    "payload_hash",
    "amz_date",
    "credential_scope",
    "string_to_sign",
    "signing_key",
    "signature",
    "authorization_header",
    "sign",
]

ALGORITHM = "AWS4-HMAC-SHA256"

# RFC 3986 unreserved characters: the only bytes SigV4 leaves unencoded.
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def uri_encode(text: str, safe: str = "") -> str:
    """Percent-encode every byte of ``text``'s UTF-8 form but the unreserved ones and ``safe``."""
    keep = _UNRESERVED.union(safe.encode("ascii"))
    return "".join(chr(b) if b in keep else f"%{b:02X}" for b in text.encode("utf-8"))


def _percent_decode(text: str) -> str:
    """Undo percent-encoding (a query string as sent) so that it can be encoded canonically."""
    if "%" not in text:
        return text
    out = bytearray()
    i = 0
    raw = text.encode("utf-8")
    while i < len(raw):
        if raw[i] == 0x25 and _is_hex(raw[i + 1 : i + 3]):  # 0x25 is '%'
            out.append(int(raw[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return out.decode("utf-8", "surrogateescape")


def _is_hex(pair: bytes) -> bool:
    return len(pair) == 2 and all(c in b"0123456789abcdefABCDEF" for c in pair)


def canonical_uri(path: str) -> str:
    """Step 1a: the normalized, URI-encoded absolute path (RFC 3986 dot segments removed,
    empty segments collapsed, a trailing slash kept). Services other than S3 normalize paths."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    normalized = "/" + "/".join(segments)
    if segments and path.endswith("/"):
        normalized += "/"
    return uri_encode(normalized, safe="/")


def canonical_query(query: str) -> str:
    """Step 1b: parameters decoded, re-encoded, sorted by name then value, joined with ``&``."""
    if not query:
        return ""
    pairs = []
    for item in query.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        pairs.append((uri_encode(_percent_decode(name)), uri_encode(_percent_decode(value))))
    pairs.sort()
    return "&".join(f"{name}={value}" for name, value in pairs)


def _canonical_value(value: str) -> str:
    # Trim, and fold every run of white space (folded continuation lines included) into one space.
    return " ".join(value.split())


def canonical_headers(headers: Iterable[tuple[str, str]]) -> str:
    """Step 1c: ``name:value`` lines, names lower-cased and sorted, values of repeated names
    joined with commas in the order given, each line ending in a newline."""
    merged: dict[str, list[str]] = {}
    for name, value in headers:
        merged.setdefault(name.strip().lower(), []).append(_canonical_value(value))
    return "".join(f"{name}:{','.join(merged[name])}\n" for name in sorted(merged))


def signed_headers(headers: Iterable[tuple[str, str]]) -> str:
    """Step 1d: the lower-cased header names, sorted, unique, joined with ``;``."""
    return ";".join(sorted({name.strip().lower() for name, _ in headers}))


def payload_hash(body: bytes) -> str:
    """Step 1e: the hex SHA-256 of the request body."""
    import hashlib  # imported on first use: a start with nothing to load never signs

    return hashlib.sha256(body).hexdigest()


def canonical_request(
    method: str, path: str, query: str, headers: Sequence[tuple[str, str]], body_hash: str
) -> str:
    """Step 1: the canonical request. Holds every signed header, the session token included:
    never log it."""
    return "\n".join(
        (
            method.upper(),
            canonical_uri(path),
            canonical_query(query),
            canonical_headers(headers),
            signed_headers(headers),
            body_hash,
        )
    )


def amz_date(timestamp: float) -> str:
    """``X-Amz-Date`` for a Unix time: ``20150830T123600Z``."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(timestamp))


def credential_scope(date: str, region: str, service: str) -> str:
    """``20150830/us-east-1/ssm/aws4_request``; ``date`` is ``YYYYMMDD``."""
    return f"{date}/{region}/{service}/aws4_request"


def string_to_sign(request_date: str, scope: str, canonical: str) -> str:
    """Step 2: algorithm, ``X-Amz-Date``, scope and the hash of the canonical request."""
    import hashlib

    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{request_date}\n{scope}\n{digest}"


def _hmac(key: bytes, message: str) -> bytes:
    import hashlib
    import hmac

    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    """Step 3: HMAC chain ``AWS4<secret>`` -> date -> region -> service -> ``aws4_request``."""
    key = _hmac(("AWS4" + secret_key).encode("utf-8"), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, "aws4_request")


def signature(key: bytes, to_sign: str) -> str:
    """Step 4: the hex HMAC-SHA256 of the string to sign under the signing key."""
    return _hmac(key, to_sign).hex()


def authorization_header(access_key: str, scope: str, signed: str, sig: str) -> str:
    """The ``Authorization`` header value."""
    return f"{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={signed}, Signature={sig}"


def sign(
    method: str,
    path: str,
    query: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    *,
    access_key: str,
    secret_key: str,
    token: str | None,
    region: str,
    service: str,
    timestamp: float,
) -> list[tuple[str, str]]:
    """Sign one request; returns ``headers`` plus ``X-Amz-Date``, ``X-Amz-Security-Token`` (when
    there is a token; signed, as botocore does) and ``Authorization``.

    ``headers`` must hold ``Host`` exactly as it will be sent.
    """
    request_date = amz_date(timestamp)
    out = [
        (k, v)
        for k, v in headers
        if k.lower() not in ("authorization", "x-amz-date", "x-amz-security-token")
    ]
    out.append(("X-Amz-Date", request_date))
    if token:
        out.append(("X-Amz-Security-Token", token))
    scope = credential_scope(request_date[:8], region, service)
    canonical = canonical_request(method, path, query, out, payload_hash(body))
    sig = signature(
        signing_key(secret_key, request_date[:8], region, service),
        string_to_sign(request_date, scope, canonical),
    )
    out.append(("Authorization", authorization_header(access_key, scope, signed_headers(out), sig)))
    return out
