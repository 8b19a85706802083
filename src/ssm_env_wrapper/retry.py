# SPDX-License-Identifier: Apache-2.0
"""When to try a call again, and how long to wait first: named conditions, as botocore's standard
retry handler has them (botocore/retries/standard.py: ThrottledRetryableChecker,
TransientRetryableChecker, ModeledRetryableChecker; ExponentialBackoff).

Nothing here sends a request or reads a setting: the client asks, this module answers.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "THROTTLING_CODES",
    "TRANSIENT_CODES",
    "TRANSIENT_STATUS",
    "CLOCK_SKEW_CODES",
    "is_throttling",
    "is_transient_status",
    "is_transient_code",
    "is_retryable",
    "is_clock_skew",
    "server_time",
    "backoff",
    "retry_after",
    "CERTIFICATE_NOT_TRUSTED",
    "TLS_PROTOCOL",
    "NAME_NOT_FOUND",
    "BROKEN_CONNECTION",
    "connection_condition",
    "is_retryable_connection",
]

# What botocore's standard retry mode treats as throttling (botocore/retries/standard.py,
# _THROTTLED_ERROR_CODES).
THROTTLING_CODES = frozenset(
    (
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    )
)
# botocore's _TRANSIENT_ERROR_CODES.
TRANSIENT_CODES = frozenset(
    (
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
    )
)
# botocore's _TRANSIENT_STATUS_CODES, and 429 (Too Many Requests, RFC 6585), which a front end
# may send without an AWS error code.
TRANSIENT_STATUS = frozenset((429, 500, 502, 503, 504))
# Answers that mean our clock is off (botocore's ClockSkew handling).
CLOCK_SKEW_CODES = frozenset(("RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture"))
_SIGNATURE_CODES = frozenset(("InvalidSignatureException", "SignatureDoesNotMatch"))

# Named conditions for a request that got no answer. Another attempt cannot change the first three:
# a certificate the trust store does not accept, a TLS handshake the peer cannot speak (https:// to
# a plain-HTTP port, no common protocol version), a host name the resolver says does not exist
# (EAI_NONAME, EAI_NODATA; not EAI_AGAIN, a temporary failure). Everything else (reset, refused,
# timed out, closed mid-answer, a temporary resolver failure, a peer that broke HTTP) is a broken
# connection, retried as botocore's TransientRetryableChecker retries connection errors. The
# transport's exceptions carry their condition as ``condition``.
CERTIFICATE_NOT_TRUSTED = "certificate-not-trusted"
TLS_PROTOCOL = "tls-protocol"
NAME_NOT_FOUND = "name-not-found"
BROKEN_CONNECTION = "broken-connection"
_PERMANENT_CONDITIONS = frozenset((CERTIFICATE_NOT_TRUSTED, TLS_PROTOCOL, NAME_NOT_FOUND))

_BACKOFF_BASE = 0.1
_BACKOFF_CAP = 2.0
# x-amz-retry-after: milliseconds to wait, a hint an AWS service may send with a retryable error.
# botocore honours it in its updated retry behavior (ExponentialBackoff: never shorter than the
# computed backoff, at most 5 s longer); SSM's API reference does not say whether SSM sends it, so
# it is honoured when present, the same way, and never past the deadline (the client checks).
_RETRY_AFTER_MAX_EXTRA = 5.0
# The range of server times a clock-skew correction may adopt: 2000-01-01 to 3000-01-01 (UTC).
_EARLIEST_DATE, _LATEST_DATE = 946_684_800, 32_503_680_000


def is_throttling(code: str) -> bool:
    return code in THROTTLING_CODES


def is_transient_status(status: int) -> bool:
    return status in TRANSIENT_STATUS


def is_transient_code(code: str) -> bool:
    return code in TRANSIENT_CODES


def is_retryable(status: int, code: str = "") -> bool:
    """An answer worth another attempt: throttled, or a transient status or code. (Broken
    connections and timeouts are retryable too; the client knows those by their exception.)"""
    return is_transient_status(status) or is_throttling(code) or is_transient_code(code)


def connection_condition(exc: BaseException) -> str:
    """The named condition of a request that failed without an answer (see above)."""
    condition = getattr(exc, "condition", "")
    if isinstance(condition, str) and condition:
        return condition
    import socket  # loaded already: the request needed it

    if isinstance(exc, socket.gaierror) and exc.errno in (
        getattr(socket, "EAI_NONAME", None),
        getattr(socket, "EAI_NODATA", None),  # glibc: the name exists, with no address
    ):
        return NAME_NOT_FOUND
    return BROKEN_CONNECTION


def is_retryable_connection(exc: BaseException) -> bool:
    return connection_condition(exc) not in _PERMANENT_CONDITIONS


def is_clock_skew(code: str, message: str) -> bool:
    """ "Signature expired" or "time too skewed": our clock is off, not our key."""
    text = message.lower()
    return code in CLOCK_SKEW_CODES or (
        code in _SIGNATURE_CODES
        and ("expired" in text or "skew" in text or "in the future" in text)
    )


def server_time(headers: Mapping[str, str]) -> float | None:
    """The server's clock from its ``Date`` header, as botocore adopts it after a clock-skew
    answer; None when absent, unparseable or not a time a clock could show (2000 to 2999: a hostile
    Date must not date the signature in another millennium, nor past what the signer formats)."""
    date = headers.get("date")
    if not date:
        return None
    from email.utils import mktime_tz, parsedate_tz  # the error path only

    parsed = parsedate_tz(date)
    if parsed is None:
        return None
    try:
        server = mktime_tz(parsed)
    except (ValueError, OverflowError):  # a year datetime cannot hold
        return None
    return float(server) if _EARLIEST_DATE <= server < _LATEST_DATE else None


def backoff(attempt: int, uniform: Callable[[float, float], float] | None = None) -> float:
    """Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniform draw
    between 0 and the exponential ceiling, so that many throttled clients spread out."""
    if uniform is None:
        import random  # only when retrying

        uniform = random.uniform
    return uniform(0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** (attempt - 1)))


def retry_after(headers: Mapping[str, str], delay: float) -> float:
    """``delay``, lengthened to the server's ``x-amz-retry-after`` hint (at most 5 s more)."""
    text = (headers.get("x-amz-retry-after") or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return delay  # not a whole number of milliseconds: ignored
    return max(delay, min(int(text) / 1000.0, delay + _RETRY_AFTER_MAX_EXTRA))
