"""Credentials: the keys Lambda puts in the environment from the function's execution role."""

from __future__ import annotations

import os

from .errors import CredentialsError
from .values import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Credentials", "credentials_from_environ"]


class Credentials(Frozen):
    """An access key, its secret and an optional session token. Immutable.

    ``repr`` shows the access key id only: the secret and the token must never reach a log line,
    an error message or a traceback's locals.
    """

    __slots__ = ("access_key", "secret_key", "token")
    access_key: str
    secret_key: str
    token: str | None

    def __init__(self, access_key: str, secret_key: str, token: str | None = None) -> None:
        self._set(access_key=access_key, secret_key=secret_key, token=token or None)

    def __repr__(self) -> str:
        token = ", token=<redacted>" if self.token else ""
        return f"Credentials(access_key={self.access_key!r}, secret_key=<redacted>{token})"

    __str__ = __repr__

    __hash__ = None  # type: ignore[assignment]  # secrets are not dictionary keys

    def secrets(self) -> tuple[str, ...]:
        """The strings that must never be printed (used to scrub any outgoing message)."""
        return tuple(s for s in (self.secret_key, self.token) if s)


def credentials_from_environ(environ: Mapping[str, str] | None = None) -> Credentials:
    """Read ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` and ``AWS_SESSION_TOKEN``."""
    if environ is None:
        environ = os.environ
    access_key = environ.get("AWS_ACCESS_KEY_ID", "").strip()
    secret_key = environ.get("AWS_SECRET_ACCESS_KEY", "").strip()
    token = environ.get("AWS_SESSION_TOKEN", "").strip() or None
    if access_key and secret_key:
        return Credentials(access_key, secret_key, token)
    if access_key or secret_key:
        missing = "AWS_SECRET_ACCESS_KEY" if access_key else "AWS_ACCESS_KEY_ID"
        raise CredentialsError(f"incomplete AWS credentials: {missing} is not set; set both "
                               "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    raise CredentialsError("no AWS credentials: looked in the environment (AWS_ACCESS_KEY_ID, "
                           "AWS_SECRET_ACCESS_KEY); Lambda sets them from the function's "
                           "execution role, elsewhere export them")
