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

import os

from .deadline import as_deadline
from .errors import CredentialsError
from .values import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from ipaddress import IPv4Address, IPv6Address

    from .deadline import Deadline
    from .endpoint import Endpoint
    from .trust import Trust

__all__ = [
    "Credentials",
    "credentials_from_environ",
    "resolve_credentials",
    "profile_credentials",
    "process_credentials",
]

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
        if not all(_printable(value) for value in (access_key, secret_key, token or "x")):
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
            if value and not _printable(value):
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


def _container_token(environ: Mapping[str, str]) -> str | None:
    path = environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "").strip()
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                token = handle.read().strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
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


def _printable(value: object) -> bool:
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


def container_credentials(
    url: str,
    token: str | None,
    deadline: Deadline | float,
    *,
    variable: str = "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    trust: Trust | None = None,
) -> Credentials:
    """GET the container provider's ``url``; its JSON holds AccessKeyId, SecretAccessKey, Token.
    Over https the certificate is verified against ``trust`` (default: the system's store)."""
    deadline = as_deadline(deadline, 2.0)
    return _fetch_container(_container_target(url, variable, deadline), token, deadline, trust)


def _fetch_container(
    where_to: _Target, token: str | None, deadline: Deadline, trust: Trust | None
) -> Credentials:
    import json
    import time

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
    # included): one trust store for every TLS connection of a load. (botocore's container
    # provider ignores AWS_CA_BUNDLE; a private CA that signs the provider's certificate would
    # then work for SSM and not for the credentials, which no user expects.)
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
    if not (_printable(access_key) and _printable(secret_key)):
        raise CredentialsError(
            f"no AWS credentials: the answer of {where} has no AccessKeyId and "
            "SecretAccessKey (each a string of visible ASCII characters)"
        )
    token_value = document.get("Token")
    if token_value in (None, ""):
        token_value = None
    elif not _printable(token_value):
        raise CredentialsError(
            f"no AWS credentials: the answer of {where} has a Token that is not "
            "a string of visible ASCII characters"
        )
    if document.get("Expiration") is not None:
        expires = parse_expiration(document["Expiration"])
        if expires is None:
            raise CredentialsError(
                f"no AWS credentials: the answer of {where} has an Expiration "
                "that is not an RFC 3339 time"
            )
        if expires <= time.time():
            raise CredentialsError(
                f"no AWS credentials: {where} answered with credentials that "
                f"expired at {document['Expiration']}; check the provider (or "
                "this machine's clock)"
            )
    return Credentials(access_key, secret_key, token_value)  # type: ignore[arg-type]


# Profile keys that mean "an SDK must fetch these credentials" (botocore's AssumeRoleProvider,
# AssumeRoleWithWebIdentityProvider, SSOProvider and LoginProvider): no standard-library client
# can do it, and silently falling through to another provider would sign with the wrong identity.
_SDK_ONLY_KEYS = (
    "sso_session",
    "sso_start_url",
    "sso_account_id",
    "sso_role_name",
    "role_arn",
    "web_identity_token_file",
    "credential_source",
    "login_session",
)

# The credential_process output is read up to this size: a JSON document with four strings.
_PROCESS_OUTPUT_LIMIT = 1 << 20


def _static_keys(section: Mapping[str, str], profile: str, path: str) -> Credentials | None:
    access_key = section.get("aws_access_key_id", "").strip()
    secret_key = section.get("aws_secret_access_key", "").strip()
    if access_key and secret_key:
        # aws_security_token: the older name botocore still reads.
        token = section.get("aws_session_token", "") or section.get("aws_security_token", "")
        return Credentials(access_key, secret_key, token.strip())
    if access_key or secret_key:
        # botocore raises PartialCredentialsError here rather than trying the next provider.
        have, missing = (
            ("aws_access_key_id", "aws_secret_access_key")
            if access_key
            else ("aws_secret_access_key", "aws_access_key_id")
        )
        raise CredentialsError(
            f"profile {profile!r} in {path} has {have} but no {missing}; add it or remove both"
        )
    return None


def process_credentials(
    command: str, profile: str, environ: Mapping[str, str], deadline: Deadline
) -> Credentials:
    """Run a profile's ``credential_process`` and read its JSON (``Version`` 1, ``AccessKeyId``,
    ``SecretAccessKey``, optional ``SessionToken`` and ``Expiration``), as botocore's
    ProcessProvider does ("Sourcing credentials with an external process", AWS SDKs and Tools
    Reference Guide). Its stderr goes to ours (it may prompt or explain); its stdout holds
    secrets and never reaches a message. It must finish before ``deadline``."""
    import json
    import shlex
    import subprocess

    where = f"credential_process of profile {profile!r}"
    try:
        argv = shlex.split(command)  # botocore's compat_shell_split on POSIX
    except ValueError as exc:
        raise CredentialsError(
            f"{where} cannot be split into words ({exc}); fix its quoting"
        ) from exc
    if not argv:
        raise CredentialsError(f"{where} is empty; set a command or remove it")
    try:
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=None, env=dict(environ)
        )
    except OSError as exc:
        raise CredentialsError(
            f"{where}: cannot run {argv[0]!r} ({exc.strerror or type(exc).__name__})"
            "; install it or fix the command"
        ) from exc
    # Read at most _PROCESS_OUTPUT_LIMIT bytes, within the deadline: a helper that prints without
    # end is stopped instead of filling memory, one that hangs is killed at the deadline.
    import threading

    chunks: list[bytes] = []
    too_long: list[bool] = []

    def drain() -> None:
        size = 0
        assert process.stdout is not None
        while True:
            data = os.read(process.stdout.fileno(), 65536)
            if not data:
                return
            size += len(data)
            if size > _PROCESS_OUTPUT_LIMIT:
                too_long.append(True)
                process.kill()
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    reader.join(deadline.left())
    # Still reading at the deadline: killed, and the reader is left behind (a grandchild may hold
    # the pipe open; joining it could wait for ever).
    timed_out = reader.is_alive()
    if not (timed_out or too_long):
        try:
            process.wait(deadline.left())
        except subprocess.TimeoutExpired:  # closed its stdout but runs on
            timed_out = True
    if timed_out:
        process.kill()
    process.wait()  # reaps it; prompt after kill
    if too_long:
        raise CredentialsError(
            f"{where} printed more than {_PROCESS_OUTPUT_LIMIT >> 20} MiB; it "
            "must print one small JSON object"
        )
    if timed_out:
        raise CredentialsError(
            f"{where} did not finish within SSM_ENV_TIMEOUT; make it faster or "
            "raise SSM_ENV_TIMEOUT"
        )
    out = b"".join(chunks)
    if process.returncode != 0:
        raise CredentialsError(
            f"{where} exited with status {process.returncode} (its own message, "
            "if any, is above); run it by hand to see why"
        )
    try:
        document = json.loads(out.decode("utf-8"))
    except ValueError:
        document = None  # the text itself is never quoted: it may hold a secret
    if not isinstance(document, dict):
        raise CredentialsError(
            f"{where} did not print a JSON object; it must print "
            '{"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...}'
        )
    if document.get("Version") != 1:
        raise CredentialsError(
            f'{where} did not print "Version": 1, the only version defined; check its output format'
        )
    access_key, secret_key = document.get("AccessKeyId"), document.get("SecretAccessKey")
    token = document.get("SessionToken")
    if not (
        isinstance(access_key, str)
        and isinstance(secret_key, str)
        and access_key
        and secret_key
        and (token is None or isinstance(token, str))
    ):
        raise CredentialsError(
            f"{where} printed no AccessKeyId and SecretAccessKey strings; "
            "check its output format (Version 1)"
        )
    return Credentials(access_key, secret_key, token)


def profile_credentials(environ: Mapping[str, str], deadline: Deadline) -> Credentials | None:
    """The selected profile's credentials from the credentials and config files (the order is in
    the module's docstring); None when no file has any for it. An explicitly chosen profile that
    no file has is an error, as in botocore (ProfileNotFound)."""
    from .config_file import config_path, credentials_path, profile_name, read_profiles

    profile, explicit = profile_name(environ)
    cred_path, conf_path = credentials_path(environ), config_path(environ)
    in_credentials = (read_profiles(cred_path, config=False) or {}).get(profile)
    in_config = (read_profiles(conf_path, config=True) or {}).get(profile)
    if in_credentials is None and in_config is None:
        if explicit:
            raise CredentialsError(
                f"no AWS credentials: profile {profile!r} (AWS_PROFILE) is in "
                f"neither {cred_path} nor {conf_path}; check the name"
            )
        return None
    # botocore merges the credentials file's keys over the config file's for the profile.
    merged = dict(in_config or {}, **(in_credentials or {}))
    needs_sdk = [key for key in _SDK_ONLY_KEYS if merged.get(key, "").strip()]
    if needs_sdk:
        raise CredentialsError(
            f"profile {profile!r} uses {needs_sdk[0]}, which needs an AWS SDK; add a profile with "
            f"credential_process = aws configure export-credentials --profile {profile} "
            "--format process and set AWS_PROFILE to it"
        )
    found = _static_keys(in_credentials or {}, profile, cred_path)
    if found is not None:
        return found
    command = merged.get("credential_process", "").strip()
    if command:
        return process_credentials(command, profile, environ, deadline)
    return _static_keys(in_config or {}, profile, conf_path)


def resolve_credentials(
    environ: Mapping[str, str],
    *,
    deadline: Deadline | float | None = None,
    trust: Trust | None = None,
) -> Credentials:
    """The first credentials found (see the module's docstring); when there are none, one line
    that says everywhere it looked. ``trust`` verifies an https container provider (the
    resolved AWS_CA_BUNDLE/SSL_CERT_* of the load)."""
    deadline = as_deadline(deadline, 2.0)
    found = credentials_from_environ(environ)
    if found is not None:
        return found
    found = profile_credentials(environ, deadline)
    if found is not None:
        return found
    found_url = _container_url(environ)
    if found_url:
        url, variable = found_url
        # Where the token may go is decided first; only then is the token (file) read.
        where_to = _container_target(url, variable, deadline)
        return _fetch_container(where_to, _container_token(environ), deadline, trust)
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
