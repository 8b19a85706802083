# SPDX-License-Identifier: Apache-2.0
"""AWS credentials as every provider hands them over (``Credentials``), and the checks each
provider shares: what a credential may hold, and whether an ``Expiration`` has passed."""

from __future__ import annotations

from .errors import CredentialsError
from .values import Record

__all__ = ["Credentials", "is_credential_text", "parse_expiration", "expired"]

_DECIMAL = frozenset("0123456789")


class Credentials(Record):
    """An access key, its secret and an optional session token. Immutable.

    ``repr`` shows the access key id only: the secret and the token must never reach a log line,
    an error message or a traceback's locals.
    """

    __slots__ = ("access_key", "secret_key", "token")
    access_key: str
    secret_key: str
    token: str | None

    def __init__(self, access_key: str, secret_key: str, token: str | None = None) -> None:
        # Every provider ends here: each string goes into a header line (Authorization,
        # X-Amz-Security-Token), where a line break would add headers of its own.
        if not all(is_credential_text(value) for value in (access_key, secret_key, token or "x")):
            raise CredentialsError(
                "the AWS credentials hold a space, a control or non-ASCII "
                "character (a line break?); AWS credentials are visible ASCII: "
                "check where they are set"
            )
        self._set(access_key=access_key, secret_key=secret_key, token=token or None)

    def __repr__(self) -> str:
        token = ", token=<redacted>" if self.token else ""
        return f"Credentials(access_key={self.access_key!r}, secret_key=<redacted>{token})"

    __str__ = __repr__

    __hash__ = None  # type: ignore[assignment]  # secrets are not dictionary keys

    def secrets(self) -> tuple[str, ...]:
        """The strings that must never be printed (used to scrub any outgoing message)."""
        return tuple(s for s in (self.secret_key, self.token) if s)


def is_credential_text(value: object) -> bool:
    """A credential as AWS issues them: visible ASCII, nothing that could end a header line."""
    return isinstance(value, str) and bool(value) and all("!" <= c <= "~" for c in value)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible
    Low-Level Date Algorithms"); keeps ``datetime`` off the start."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    return (
        era * 146097
        + year_of_era * 365
        + year_of_era // 4
        - year_of_era // 100
        + day_of_year
        - 719468
    )


def parse_expiration(text: object) -> float | None:
    """Unix time of an RFC 3339 timestamp (``2099-01-01T00:00:00Z``, fractions and ``+hh:mm``
    offsets allowed: what ECS, EKS Pod Identity and Lambda send); None when it is not one."""
    if not isinstance(text, str) or not 20 <= len(text) <= 40:
        return None
    if (text[4], text[7], text[10].upper(), text[13], text[16]) != ("-", "-", "T", ":", ":"):
        return None
    fields = (text[0:4], text[5:7], text[8:10], text[11:13], text[14:16], text[17:19])
    if any(set(field) - _DECIMAL for field in fields):
        return None
    year, month, day, hour, minute, second = (int(field) for field in fields)
    rest = text[19:]
    if rest.startswith("."):
        digits = len(rest) - len(rest[1:].lstrip("0123456789")) - 1
        if not digits:
            return None
        rest = rest[1 + digits :]
    if rest.upper() == "Z":
        offset = 0
    elif (
        len(rest) == 6
        and rest[0] in "+-"
        and rest[3] == ":"
        and not set(rest[1:3] + rest[4:]) - _DECIMAL
    ):
        offset = (int(rest[1:3]) * 60 + int(rest[4:])) * 60 * (1 if rest[0] == "+" else -1)
    else:
        return None
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    month_days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    if not (
        1 <= month <= 12
        and 1 <= day <= month_days[month - 1]
        and hour <= 23
        and minute <= 59
        and second <= 60
    ):
        return None
    return _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset


def expired(expiration: object, now: float) -> bool | None:
    """Whether credentials with this ``Expiration`` have expired at Unix time ``now``; None when
    it is not an RFC 3339 time. botocore refuses expired credentials; so does every provider
    here (the container's and credential_process)."""
    expires = parse_expiration(expiration)
    return None if expires is None else expires <= now
