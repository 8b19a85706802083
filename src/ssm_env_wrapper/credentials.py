# SPDX-License-Identifier: Apache-2.0
"""Credentials, first found wins, in botocore's order (minus what needs an SDK):

1. the environment: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN`` (what
   Lambda sets from the function's execution role);
2. the profile (``AWS_PROFILE``, default ``default``) in the files, as botocore's
   ProfileProviderBuilder orders them: static keys in the shared credentials file
   (``AWS_SHARED_CREDENTIALS_FILE``, default ``~/.aws/credentials``), then the profile's
   ``credential_process``, then static keys in the config file (``AWS_CONFIG_FILE``, default
   ``~/.aws/config``). A profile that needs an SDK (SSO, assume-role, web identity) is an error
   that says how to bridge it with ``credential_process``;
3. the container provider: ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` or ``..._RELATIVE_URI``, with
   ``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`` or ``..._TOKEN`` (Lambda SnapStart, ECS, EKS Pod
   Identity).

The EC2 instance metadata service is never asked: outside EC2 it only hangs until a timeout.
Reference: botocore/credentials.py, ``create_credential_resolver``.
"""

from __future__ import annotations

from .deadline import Deadline
from .errors import CredentialsError
from .keys import Credentials, expired, is_credential_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from ipaddress import IPv4Address, IPv6Address

    from .http11 import HttpResponse
    from .records import Endpoint
    from .redact import Redactor
    from .trust import Trust

__all__ = ["Credentials", "credentials_from_environ", "resolve_credentials"]

# The container provider (botocore/utils.py, ContainerMetadataFetcher): a relative URI goes to the
# ECS agent; plain http (the authorization token in the clear) only to a loopback address parsed as
# an address, a name that resolves only to loopback (as the Go and Java SDKs v2 check), or the ECS
# and EKS Pod Identity agents' link-local addresses. https may go anywhere, verified.
_CONTAINER_HOST = "169.254.170.2"
_AGENT_ADDRESSES = ("169.254.170.2", "169.254.170.23", "fd00:ec2::23")
_ALLOWED = (
    "plain http is allowed only to loopback addresses, names that resolve only to "
    "loopback and the ECS/EKS agent addresses 169.254.170.2, 169.254.170.23, fd00:ec2::23 "
    "(use https otherwise)"
)
# A token is a few KiB at most (an EKS Pod Identity JWT); a larger file is the wrong file.
_TOKEN_FILE_LIMIT = 64 << 10


def credentials_from_environ(environ: Mapping[str, str]) -> Credentials | None:
    """``AWS_ACCESS_KEY_ID`` + ``AWS_SECRET_ACCESS_KEY`` (+ ``AWS_SESSION_TOKEN``), or None when
    neither is set. Only one of the two is an error naming the missing one."""
    access_key = environ.get("AWS_ACCESS_KEY_ID", "").strip()
    secret_key = environ.get("AWS_SECRET_ACCESS_KEY", "").strip()
    if access_key and secret_key:
        token = environ.get("AWS_SESSION_TOKEN", "").strip()
        for variable, value in (
            ("AWS_ACCESS_KEY_ID", access_key),
            ("AWS_SECRET_ACCESS_KEY", secret_key),
            ("AWS_SESSION_TOKEN", token),
        ):
            if value and not is_credential_text(value):
                # Each goes into a header line (Authorization, X-Amz-Security-Token): a line
                # break there would add headers of its own to every request.
                raise CredentialsError(
                    f"{variable} holds a space, a control or non-ASCII character; "
                    "AWS credentials are visible ASCII: check how it is set"
                )
        return Credentials(access_key, secret_key, token)
    if access_key or secret_key:
        missing = "AWS_SECRET_ACCESS_KEY" if access_key else "AWS_ACCESS_KEY_ID"
        raise CredentialsError(
            f"incomplete AWS credentials: {missing} is not set; set both "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    return None


def _container_url(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """``(URL, the variable it came from)``; the relative URI wins, as in botocore."""
    relative = environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "").strip()
    if relative:
        # Always below the agent's address: "@evil.example/x" becomes the path "/@evil.example/x".
        return (
            f"http://{_CONTAINER_HOST}{relative if relative.startswith('/') else '/' + relative}",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        )
    full = environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI", "").strip()
    return (full, "AWS_CONTAINER_CREDENTIALS_FULL_URI") if full else None


def _container_token(environ: Mapping[str, str], deadline: Deadline) -> str | None:
    path = environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "").strip()
    if path:
        # A small regular file, read within the deadline: a FIFO or a device never ends.
        from .localfile import LocalFileError, read_local_file

        try:
            token = read_local_file(path, _TOKEN_FILE_LIMIT, deadline).decode("utf-8").strip()
        except (LocalFileError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "reason", None) or "not UTF-8 text"
            raise CredentialsError(
                f"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE={path!r} cannot be read "
                f"({reason}); fix the path or unset it"
            ) from exc
    else:
        token = environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN", "").strip()
    if token and any(c < " " or c == "\x7f" for c in token):
        # It becomes the Authorization header: a line break (or any control character) there
        # would end the header early or add one of its own.
        raise CredentialsError(
            "the container authorization token holds a line break or another "
            "control character; check AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)"
        )
    return token or None


def _is_loopback(address: IPv4Address | IPv6Address) -> bool:
    # ::ffff:127.0.0.1 reaches loopback too; ipaddress says so itself only from Python 3.13.
    mapped = getattr(address, "ipv4_mapped", None)
    return bool((mapped or address).is_loopback)


class _Target:
    """Where the container provider is: the endpoint (for the Host header and messages), the
    address to connect to (for plain http: the one that was checked) and the request target."""

    __slots__ = ("endpoint", "address", "target")

    def __init__(self, endpoint: Endpoint, address: str, target: str) -> None:
        self.endpoint, self.address, self.target = endpoint, address, target


def _container_target(url: str, variable: str, deadline: Deadline) -> _Target:
    """Parse and check the provider's URL before anything carries the token: its path must be a
    request target (RFC 9112 section 3.2: no space or control character; no fragment, which is
    never sent) and plain http must go where the SDKs allow (see ``_ALLOWED``)."""
    from .endpoint import parse_endpoint_url

    base, slash, rest = url.partition("://")
    hostport, _, path = rest.partition("/")
    target = "/" + path
    if any(not "!" <= c <= "~" for c in url) or "#" in target:
        raise CredentialsError(
            f"{variable} holds a space, a control or non-ASCII character or a "
            "'#': it must be a plain URL; fix it"
        )
    endpoint = parse_endpoint_url(f"{base}{slash}{hostport}", variable)
    host = endpoint.host
    if endpoint.scheme == "https":
        return _Target(endpoint, host, target)
    import ipaddress  # the container path only

    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        agents = [ipaddress.ip_address(agent) for agent in _AGENT_ADDRESSES]
        if _is_loopback(address) or address in agents:
            return _Target(endpoint, host, target)
        raise CredentialsError(
            f"{variable}: {host} is not a container credentials host; {_ALLOWED}"
        )
    # A name: resolved once here, and the connection goes to what was checked, so that a second
    # lookup (DNS rebinding) cannot send the token elsewhere.
    from .transport import resolve_address

    try:
        found = [info[4][0] for info in resolve_address(host, endpoint.port, deadline)]
    except OSError as exc:
        raise CredentialsError(
            f"{variable}: {host} is not a container credentials host (its name "
            f"lookup failed: {getattr(exc, 'strerror', None) or type(exc).__name__}); "
            f"{_ALLOWED}"
        ) from exc
    elsewhere = [
        a
        for a in dict.fromkeys(found)
        if not _is_loopback(ipaddress.ip_address(a.split("%", 1)[0]))
    ]
    if not found or elsewhere:
        resolved = f" (it resolves to {', '.join(elsewhere[:3])})" if elsewhere else ""
        raise CredentialsError(
            f"{variable}: {host} is not a container credentials host{resolved}; {_ALLOWED}"
        )
    return _Target(endpoint, found[0], target)


def container_credentials(
    url: str,
    token: str | None,
    deadline: Deadline,
    *,
    variable: str = "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    trust: Trust | None = None,
) -> Credentials:
    """GET the container provider's ``url``; its JSON holds AccessKeyId, SecretAccessKey, Token.
    Over https the certificate is verified against ``trust`` (default: the system's store)."""
    return _fetch_container(_container_target(url, variable, deadline), token, deadline, trust)


def _fetch_container(
    where_to: _Target, token: str | None, deadline: Deadline, trust: Trust | None
) -> Credentials:
    from .transport import HttpConnection
    from .trust import Trust, tls_context

    endpoint = where_to.endpoint
    headers = [("Host", endpoint.host_header), ("Accept", "application/json")]
    if token:
        headers.append(("Authorization", token))
    https = endpoint.scheme == "https"
    # Plain http connects to the address that was checked; https to the name (SNI, verification).
    # No redirect is ever followed: a 3xx is an answer without credentials.
    # Over https the provider is verified with the trust the SSM calls use (AWS_CA_BUNDLE
    # included; botocore's container provider ignores it): one trust store for a whole load.
    context = tls_context(trust or Trust()) if https else None
    connection = HttpConnection(where_to.address, endpoint.port, context=context)
    where = f"the container credentials provider at {endpoint.url}"
    try:
        # The answer is a few keys and a session token (a few KB): 64 KiB is ample, and more is
        # refused while it is read.
        response = connection.request(
            "GET", where_to.target, headers, b"", deadline, body_limit=65536
        )
    except OSError as exc:
        raise CredentialsError(
            f"no AWS credentials: cannot reach {where} "
            f"({getattr(exc, 'strerror', None) or str(exc) or type(exc).__name__})"
        ) from exc
    finally:
        connection.close()
    return _container_answer(response, where)


def _container_answer(response: HttpResponse, where: str) -> Credentials:
    """The credentials in a container provider's answer, each checked; an error naming
    ``where`` for anything else."""
    import json
    import time

    try:
        document = json.loads(response.body.decode("utf-8"))
    except (ValueError, RecursionError):  # not JSON, past the int-string limit, or too deep
        document = None
    if response.status != 200 or not isinstance(document, dict):
        raise CredentialsError(
            f"no AWS credentials: {where} answered HTTP {response.status} "
            "without credentials; check AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)"
        )
    access_key, secret_key = document.get("AccessKeyId"), document.get("SecretAccessKey")
    if not (is_credential_text(access_key) and is_credential_text(secret_key)):
        raise CredentialsError(
            f"no AWS credentials: the answer of {where} has no AccessKeyId and "
            "SecretAccessKey (each a string of visible ASCII characters)"
        )
    token_value = document.get("Token")
    if token_value in (None, ""):
        token_value = None
    elif not is_credential_text(token_value):
        raise CredentialsError(
            f"no AWS credentials: the answer of {where} has a Token that is not "
            "a string of visible ASCII characters"
        )
    if document.get("Expiration") is not None:
        state = expired(document["Expiration"], time.time())
        if state is None:
            raise CredentialsError(
                f"no AWS credentials: the answer of {where} has an Expiration "
                "that is not an RFC 3339 time"
            )
        if state:
            raise CredentialsError(
                f"no AWS credentials: {where} answered with credentials that "
                f"expired at {document['Expiration']}; check the provider (or "
                "this machine's clock)"
            )
    return Credentials(access_key, secret_key, token_value)  # type: ignore[arg-type]


def resolve_credentials(
    environ: Mapping[str, str],
    *,
    deadline: Deadline | None = None,
    trust: Trust | None = None,
    secrets: Redactor | None = None,
) -> Credentials:
    """The first credentials found (see the module's docstring); when there are none, one line
    that says everywhere it looked. ``trust`` verifies an https container provider (the
    resolved AWS_CA_BUNDLE/SSL_CERT_* of the load); ``secrets`` (the load's redactor) masks
    what a credential_process writes on stderr."""
    if deadline is None:
        deadline = Deadline(2.0)
    found = credentials_from_environ(environ)
    if found is not None:
        return found
    from .profiles import profile_credentials

    found = profile_credentials(environ, deadline, secrets)
    if found is not None:
        return found
    found_url = _container_url(environ)
    if found_url:
        url, variable = found_url
        # Where the token may go is decided first; only then is the token (file) read.
        where_to = _container_target(url, variable, deadline)
        return _fetch_container(where_to, _container_token(environ, deadline), deadline, trust)
    from .config_file import config_path, credentials_path, profile_name

    profile, explicit = profile_name(environ)
    files = f"{credentials_path(environ)} and {config_path(environ)}"
    if explicit:
        raise CredentialsError(
            f"no AWS credentials: profile {profile!r} (AWS_PROFILE) has no "
            f"aws_access_key_id/aws_secret_access_key or credential_process in "
            f"{files}"
        )
    raise CredentialsError(
        "no AWS credentials: looked in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), "
        f"the profile default in {files} (none), and the container provider "
        "(AWS_CONTAINER_CREDENTIALS_FULL_URI/RELATIVE_URI: not set); Lambda sets the first from "
        "the execution role, elsewhere export them or set AWS_PROFILE (the EC2 metadata service "
        "is not asked)"
    )
