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

from .errors import CredentialsError
from .values import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Credentials", "credentials_from_environ", "resolve_credentials", "profile_credentials",
           "process_credentials"]

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


# Profile keys that mean "an SDK must fetch these credentials" (botocore's AssumeRoleProvider,
# AssumeRoleWithWebIdentityProvider, SSOProvider and LoginProvider): no standard-library client
# can do it, and silently falling through to another provider would sign with the wrong identity.
_SDK_ONLY_KEYS = ("sso_session", "sso_start_url", "sso_account_id", "sso_role_name", "role_arn",
                  "web_identity_token_file", "credential_source", "login_session")

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
        have, missing = (("aws_access_key_id", "aws_secret_access_key") if access_key
                         else ("aws_secret_access_key", "aws_access_key_id"))
        raise CredentialsError(f"profile {profile!r} in {path} has {have} but no {missing}; add it "
                               "or remove both")
    return None


def process_credentials(command: str, profile: str, environ: Mapping[str, str],
                        deadline: float) -> Credentials:
    """Run a profile's ``credential_process`` and read its JSON (``Version`` 1, ``AccessKeyId``,
    ``SecretAccessKey``, optional ``SessionToken`` and ``Expiration``), as botocore's
    ProcessProvider does ("Sourcing credentials with an external process", AWS SDKs and Tools
    Reference Guide). Its stderr goes to ours (it may prompt or explain); its stdout holds
    secrets and never reaches a message. It must finish before ``deadline``."""
    import json
    import shlex
    import subprocess
    import time

    where = f"credential_process of profile {profile!r}"
    try:
        argv = shlex.split(command)  # botocore's compat_shell_split on POSIX
    except ValueError as exc:
        raise CredentialsError(f"{where} cannot be split into words ({exc}); fix its quoting") from exc
    if not argv:
        raise CredentialsError(f"{where} is empty; set a command or remove it")
    try:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=None, env=dict(environ))
    except OSError as exc:
        raise CredentialsError(f"{where}: cannot run {argv[0]!r} ({exc.strerror or type(exc).__name__})"
                               "; install it or fix the command") from exc
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
    reader.join(max(0.0, deadline - time.monotonic()))
    # Still reading at the deadline: killed, and the reader is left behind (a grandchild may hold
    # the pipe open; joining it could wait for ever).
    timed_out = reader.is_alive()
    if not (timed_out or too_long):
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:  # closed its stdout but runs on
            timed_out = True
    if timed_out:
        process.kill()
    process.wait()  # reaps it; prompt after kill
    if too_long:
        raise CredentialsError(f"{where} printed more than {_PROCESS_OUTPUT_LIMIT >> 20} MiB; it "
                               "must print one small JSON object")
    if timed_out:
        raise CredentialsError(f"{where} did not finish within SSM_ENV_TIMEOUT; make it faster or "
                               "raise SSM_ENV_TIMEOUT")
    out = b"".join(chunks)
    if process.returncode != 0:
        raise CredentialsError(f"{where} exited with status {process.returncode} (its own message, "
                               "if any, is above); run it by hand to see why")
    try:
        document = json.loads(out.decode("utf-8"))
    except ValueError:
        document = None  # the text itself is never quoted: it may hold a secret
    if not isinstance(document, dict):
        raise CredentialsError(f"{where} did not print a JSON object; it must print "
                               '{"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...}')
    if document.get("Version") != 1:
        raise CredentialsError(f"{where} did not print \"Version\": 1, the only version defined; "
                               "check its output format")
    access_key, secret_key = document.get("AccessKeyId"), document.get("SecretAccessKey")
    token = document.get("SessionToken")
    if not (isinstance(access_key, str) and isinstance(secret_key, str) and access_key and secret_key
            and (token is None or isinstance(token, str))):
        raise CredentialsError(f"{where} printed no AccessKeyId and SecretAccessKey strings; "
                               "check its output format (Version 1)")
    return Credentials(access_key, secret_key, token)


def profile_credentials(environ: Mapping[str, str], deadline: float) -> Credentials | None:
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
            raise CredentialsError(f"no AWS credentials: profile {profile!r} (AWS_PROFILE) is in "
                                   f"neither {cred_path} nor {conf_path}; check the name")
        return None
    # botocore merges the credentials file's keys over the config file's for the profile.
    merged = dict(in_config or {}, **(in_credentials or {}))
    needs_sdk = [key for key in _SDK_ONLY_KEYS if merged.get(key, "").strip()]
    if needs_sdk:
        raise CredentialsError(
            f"profile {profile!r} uses {needs_sdk[0]}, which needs an AWS SDK; add a profile with "
            f"credential_process = aws configure export-credentials --profile {profile} "
            "--format process and set AWS_PROFILE to it")
    found = _static_keys(in_credentials or {}, profile, cred_path)
    if found is not None:
        return found
    command = merged.get("credential_process", "").strip()
    if command:
        return process_credentials(command, profile, environ, deadline)
    return _static_keys(in_config or {}, profile, conf_path)


def resolve_credentials(environ: Mapping[str, str] | None = None, *,
                        deadline: float | None = None) -> Credentials:
    """The first credentials found (see the module's docstring); when there are none, one line
    that says everywhere it looked."""
    import time

    if environ is None:
        environ = os.environ
    if deadline is None:
        deadline = time.monotonic() + 2.0
    found = credentials_from_environ(environ)
    if found is not None:
        return found
    found = profile_credentials(environ, deadline)
    if found is not None:
        return found
    url = _container_url(environ)
    if url:
        return container_credentials(url, _container_token(environ), deadline)
    from .config_file import config_path, credentials_path, profile_name

    profile, explicit = profile_name(environ)
    files = f"{credentials_path(environ)} and {config_path(environ)}"
    if explicit:
        raise CredentialsError(f"no AWS credentials: profile {profile!r} (AWS_PROFILE) has no "
                               f"aws_access_key_id/aws_secret_access_key or credential_process in "
                               f"{files}")
    raise CredentialsError(
        "no AWS credentials: looked in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), "
        f"the profile default in {files} (none), and the container provider "
        "(AWS_CONTAINER_CREDENTIALS_FULL_URI/RELATIVE_URI: not set); Lambda sets the first from "
        "the execution role, elsewhere export them or set AWS_PROFILE (the EC2 metadata service "
        "is not asked)")
