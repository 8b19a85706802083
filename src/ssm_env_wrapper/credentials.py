# SPDX-License-Identifier: Apache-2.0
"""Credentials, first found wins, in the AWS SDKs' order (minus what needs an SDK):

1. the environment: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN`` (what
   Lambda sets from the function's execution role);
2. the container provider: ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` or ``..._RELATIVE_URI``, with
   ``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`` or ``..._TOKEN`` (Lambda SnapStart, ECS, EKS Pod
   Identity);
3. static keys in the shared credentials file (``AWS_SHARED_CREDENTIALS_FILE``, default
   ``~/.aws/credentials``; profile ``AWS_PROFILE``, default ``default``), for people at a terminal.

The EC2 instance metadata service is never asked: outside EC2 it only hangs until a timeout.
"""

from __future__ import annotations

import os

from .errors import CredentialsError
from .values import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Credentials", "credentials_from_environ", "resolve_credentials"]

# The container provider's addresses (botocore's ContainerMetadataFetcher): the ECS agent's, the
# EKS Pod Identity agent's, and loopback (Lambda SnapStart serves credentials on 127.0.0.1).
_CONTAINER_HOST = "169.254.170.2"
_CONTAINER_ALLOWED_HOSTS = frozenset(("169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost"))


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


def credentials_from_environ(environ: Mapping[str, str] | None = None) -> Credentials | None:
    """``AWS_ACCESS_KEY_ID`` + ``AWS_SECRET_ACCESS_KEY`` (+ ``AWS_SESSION_TOKEN``), or None when
    neither is set. Only one of the two is an error naming the missing one."""
    if environ is None:
        environ = os.environ
    access_key = environ.get("AWS_ACCESS_KEY_ID", "").strip()
    secret_key = environ.get("AWS_SECRET_ACCESS_KEY", "").strip()
    if access_key and secret_key:
        return Credentials(access_key, secret_key, environ.get("AWS_SESSION_TOKEN", "").strip())
    if access_key or secret_key:
        missing = "AWS_SECRET_ACCESS_KEY" if access_key else "AWS_ACCESS_KEY_ID"
        raise CredentialsError(f"incomplete AWS credentials: {missing} is not set; set both "
                               "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    return None


def _container_url(environ: Mapping[str, str]) -> str | None:
    relative = environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "").strip()
    if relative:
        return f"http://{_CONTAINER_HOST}{relative if relative.startswith('/') else '/' + relative}"
    return environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI", "").strip() or None


def _container_token(environ: Mapping[str, str]) -> str | None:
    path = environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "").strip()
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                token = handle.read().strip()
        except OSError as exc:
            raise CredentialsError(f"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE={path!r} cannot be read "
                                   f"({exc.strerror}); fix the path or unset it") from exc
    else:
        token = environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN", "").strip()
    if token and ("\r" in token or "\n" in token):
        raise CredentialsError("the container authorization token holds a line break; check "
                               "AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)")
    return token or None


def container_credentials(url: str, token: str | None, deadline: float) -> Credentials:
    """GET the container provider's ``url``; its JSON holds AccessKeyId, SecretAccessKey, Token."""
    import json

    from .endpoint import parse_endpoint_url
    from .transport import HttpConnection, tls_context

    base, slash, path = url.partition("://")
    rest = path.split("/", 1)
    target = "/" + rest[1] if len(rest) > 1 else "/"
    endpoint = parse_endpoint_url(f"{base}{slash}{rest[0]}", "AWS_CONTAINER_CREDENTIALS_FULL_URI")
    host = endpoint.host
    if endpoint.scheme == "http" and not (host in _CONTAINER_ALLOWED_HOSTS or host.startswith("127.")
                                          or host == "::1"):
        raise CredentialsError(f"AWS_CONTAINER_CREDENTIALS_FULL_URI: {host} is not a container "
                               "credentials host; plain http is allowed only to loopback and the "
                               "ECS/EKS agent addresses (use https otherwise)")
    headers = [("Host", endpoint.host_header), ("Accept", "application/json")]
    if token:
        headers.append(("Authorization", token))
    connection = HttpConnection(host, endpoint.port,
                                context=tls_context() if endpoint.scheme == "https" else None)
    where = f"the container credentials provider at {endpoint.url}"
    try:
        response = connection.request("GET", target, headers, b"", deadline)
    except OSError as exc:
        raise CredentialsError(f"no AWS credentials: cannot reach {where} "
                               f"({getattr(exc, 'strerror', None) or str(exc) or type(exc).__name__})"
                               ) from exc
    finally:
        connection.close()
    try:
        document = json.loads(response.body.decode("utf-8"))
    except ValueError:
        document = None
    if response.status != 200 or not isinstance(document, dict):
        raise CredentialsError(f"no AWS credentials: {where} answered HTTP {response.status} "
                               "without credentials; check AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)")
    access_key, secret_key = document.get("AccessKeyId"), document.get("SecretAccessKey")
    if not (isinstance(access_key, str) and isinstance(secret_key, str) and access_key and secret_key):
        raise CredentialsError(f"no AWS credentials: the answer of {where} has no AccessKeyId and "
                               "SecretAccessKey")
    token_value = document.get("Token")
    return Credentials(access_key, secret_key, token_value if isinstance(token_value, str) else None)


def _shared_file(environ: Mapping[str, str]) -> tuple[str, str, bool]:
    path = environ.get("AWS_SHARED_CREDENTIALS_FILE", "").strip() or os.path.join(
        environ.get("HOME") or os.path.expanduser("~"), ".aws", "credentials")
    profile = (environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE") or "").strip()
    return os.path.expanduser(path), profile or "default", bool(profile)


def shared_file_credentials(path: str, profile: str) -> Credentials | None:
    """Static keys of ``profile`` in the INI file at ``path``; None when the file or profile is not
    there (or the profile has no static keys)."""
    if not os.path.isfile(path):
        return None
    import configparser  # only for people at a terminal: Lambda never gets here

    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"the shared credentials file {path} cannot be parsed "
                               f"({type(exc).__name__}); fix it or set AWS_SHARED_CREDENTIALS_FILE"
                               ) from exc
    if not parser.has_section(profile):
        return None
    section = parser[profile]
    access_key = section.get("aws_access_key_id", "").strip()
    secret_key = section.get("aws_secret_access_key", "").strip()
    if not (access_key and secret_key):
        return None
    return Credentials(access_key, secret_key, section.get("aws_session_token", "").strip())


def resolve_credentials(environ: Mapping[str, str] | None = None, *,
                        deadline: float | None = None) -> Credentials:
    """The first credentials found (see the module's docstring); when there are none, one line
    that says everywhere it looked."""
    import time

    if environ is None:
        environ = os.environ
    found = credentials_from_environ(environ)
    if found is not None:
        return found
    url = _container_url(environ)
    if url:
        return container_credentials(url, _container_token(environ),
                                     time.monotonic() + 2.0 if deadline is None else deadline)
    path, profile, explicit = _shared_file(environ)
    found = shared_file_credentials(path, profile)
    if found is not None:
        return found
    if explicit:
        raise CredentialsError(f"no AWS credentials: profile {profile!r} (AWS_PROFILE) has no "
                               f"aws_access_key_id/aws_secret_access_key in {path}")
    raise CredentialsError(
        "no AWS credentials: looked in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), "
        "the container provider (AWS_CONTAINER_CREDENTIALS_FULL_URI/RELATIVE_URI: not set) and "
        f"the shared credentials file ({path}, profile default: none); Lambda sets the first from "
        "the execution role, elsewhere export them (the EC2 metadata service is not asked)")
