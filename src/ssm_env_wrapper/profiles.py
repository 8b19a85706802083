# SPDX-License-Identifier: Apache-2.0
"""Credentials from the selected profile of the shared files: static keys, or the profile's
``credential_process`` (botocore's ProcessProvider; "Sourcing credentials with an external
process", AWS SDKs and Tools Reference Guide).

The helper is run without a shell, with a bound on everything it can send back: its stdout (a
JSON object of four strings) and its stderr (shown, masked and escaped, a few lines of it), and
the load's deadline on its run. Only people at a terminal or in a container get here: Lambda
sets credentials in the environment, so this module is never imported on its cold path.
"""

from __future__ import annotations

import os

from .errors import CredentialsError
from .keys import Credentials, expired

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from .deadline import Deadline
    from .redact import Redactor

__all__ = ["profile_credentials", "process_credentials"]

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
# Of its stderr, this much and this many lines are shown; the rest is read and counted (a helper
# blocked on a full pipe would otherwise run into the deadline).
_HELPER_STDERR_LIMIT = 8 << 10
_HELPER_STDERR_LINES = 40
# What separates the words of a JSON document: each word the helper printed on stdout is masked
# in what it wrote on stderr, whether or not stdout turned out to be credentials.
_JSON_PUNCTUATION = str.maketrans('{}[],:"\\', "        ")


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


class _HelperRun:
    """What a credential_process left: its exit ``status`` (None: stopped at the deadline or
    for printing too much), its stdout, the start of its stderr and how much of it was not kept."""

    __slots__ = ("status", "out", "err", "dropped", "too_long")

    def __init__(self) -> None:
        self.status: int | None = None
        self.out = bytearray()
        self.err = bytearray()
        self.dropped = 0
        self.too_long = False


def _run_helper(argv: list[str], environ: Mapping[str, str], deadline: Deadline) -> _HelperRun:
    """Run ``argv``, reading both its pipes until they close or ``deadline`` (raises OSError or
    ValueError when it cannot be started). A helper still running then is killed; a grandchild
    that keeps a pipe open is left with it, never waited for."""
    import selectors
    import subprocess

    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(environ),
    )
    run = _HelperRun()
    with selectors.DefaultSelector() as selector:
        for pipe in (process.stdout, process.stderr):
            selector.register(pipe, selectors.EVENT_READ)  # type: ignore[arg-type]
        while selector.get_map() and not run.too_long and deadline.left() > 0:
            for key, _ in selector.select(deadline.left()):
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fileobj)
                elif key.fileobj is process.stdout:
                    run.out += data
                    run.too_long = len(run.out) > _PROCESS_OUTPUT_LIMIT
                else:
                    room = max(0, _HELPER_STDERR_LIMIT - len(run.err))
                    run.err += data[:room]
                    run.dropped += len(data) - len(data[:room])
        open_pipes = bool(selector.get_map())
    finished = not (open_pipes or run.too_long)
    if finished:
        try:
            process.wait(deadline.left())
        except subprocess.TimeoutExpired:  # closed its pipes but runs on
            finished = False
    if not finished:
        process.kill()
    process.wait()  # reaps it; prompt after kill
    for pipe in (process.stdout, process.stderr):
        pipe.close()  # type: ignore[union-attr]
    run.status = process.returncode if finished else None
    return run


def _show_stderr(run: _HelperRun, where: str, secrets: Redactor | None) -> None:
    """The helper's stderr on ours, line by line, as the log writes: every secret known to the
    load and every word the helper printed on stdout masked, control characters escaped."""
    if not run.err and not run.dropped:
        return
    import sys

    from .redact import Redactor, printable

    printed = Redactor(run.out.decode("utf-8", "replace").translate(_JSON_PUNCTUATION).split())
    try:  # and its strings as JSON decodes them: "\\u0041" or "\\/" escape a word
        import json

        document = json.loads(run.out)
    except (ValueError, RecursionError):
        document = None
    if isinstance(document, dict):
        printed.extend(value for value in document.values() if isinstance(value, str))
    lines = [line for line in run.err.decode("utf-8", "replace").splitlines() if line.strip()]
    shown = lines[:_HELPER_STDERR_LINES]
    for line in shown:
        masked = printed.redact(secrets.redact(line) if secrets is not None else line)
        sys.stderr.write(f"ssm-env-wrapper: {where} wrote: {printable(masked)}\n")
    if run.dropped or len(lines) > len(shown):
        sys.stderr.write(
            f"ssm-env-wrapper: {where} wrote more on stderr: {len(lines) - len(shown)} more "
            f"lines and {run.dropped} more bytes not shown\n"
        )
    sys.stderr.flush()


def _helper_finished(run: _HelperRun, where: str) -> None:
    """An error unless the helper printed a bounded output and exited 0 in time."""
    if run.too_long:
        raise CredentialsError(
            f"{where} printed more than {_PROCESS_OUTPUT_LIMIT >> 20} MiB; it "
            "must print one small JSON object"
        )
    if run.status is None:
        raise CredentialsError(
            f"{where} did not finish within SSM_ENV_TIMEOUT; make it faster or "
            "raise SSM_ENV_TIMEOUT"
        )
    if run.status != 0:
        raise CredentialsError(
            f"{where} exited with status {run.status} (its own message, "
            "if any, is above); run it by hand to see why"
        )


def _helper_credentials(run: _HelperRun, where: str) -> Credentials:
    """The credentials in a finished helper's stdout, or the error that says what is wrong."""
    import json
    import time

    _helper_finished(run, where)
    try:
        document = json.loads(run.out.decode("utf-8"))
    except (ValueError, RecursionError):  # not JSON, past the int-string limit, or too deep
        document = None  # the text itself is never quoted: it may hold a secret
    if not isinstance(document, dict):
        raise CredentialsError(
            f"{where} did not print a JSON object; it must print "
            '{"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...}'
        )
    if type(document.get("Version")) is not int or document["Version"] != 1:
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
    expiration = document.get("Expiration")
    if expiration is not None:
        # botocore refuses credentials that are still expired after a refresh, as the
        # container provider here does.
        state = expired(expiration, time.time())
        if state is None:
            raise CredentialsError(
                f"{where} printed an Expiration that is not an RFC 3339 time "
                "(such as 2099-01-01T00:00:00Z); fix its output"
            )
        if state:
            raise CredentialsError(
                f"{where} printed credentials that expired at {expiration}; check the "
                "helper (or this machine's clock)"
            )
    return Credentials(access_key, secret_key, token)


def process_credentials(
    command: str,
    profile: str,
    environ: Mapping[str, str],
    deadline: Deadline,
    *,
    secrets: Redactor | None = None,
    origin: str = "the config file (AWS_CONFIG_FILE)",
) -> Credentials:
    """Run a profile's ``credential_process`` and read its JSON (``Version`` 1, ``AccessKeyId``,
    ``SecretAccessKey``, optional ``SessionToken`` and ``Expiration``), as botocore's
    ProcessProvider does. Its stdout holds secrets and never reaches a message; its stderr (it
    may explain a failure) is shown through ``secrets``, the load's redactor, which learns the
    credentials. ``origin`` names the file it was set in. It must finish before ``deadline``."""
    import shlex

    where = f"credential_process of profile {profile!r}"
    if "\0" in command:
        raise CredentialsError(
            f"{where} holds a NUL character, which no command line can; fix it in {origin}"
        )
    try:
        argv = shlex.split(command)  # botocore's compat_shell_split on POSIX
    except ValueError as exc:
        raise CredentialsError(
            f"{where} cannot be split into words ({exc}); fix its quoting"
        ) from exc
    if not argv:
        raise CredentialsError(f"{where} is empty; set a command or remove it")
    try:
        run = _run_helper(argv, environ, deadline)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the environment handed down
        reason = getattr(exc, "strerror", None) or "a NUL character in its environment"
        raise CredentialsError(
            f"{where}: cannot run {argv[0]!r} ({reason}); install it or fix the command"
        ) from exc
    try:
        found = _helper_credentials(run, where)
    except CredentialsError:
        _show_stderr(run, where, secrets)
        raise
    if secrets is not None:
        secrets.extend(found.secrets())
    _show_stderr(run, where, secrets)
    return found


def profile_credentials(
    environ: Mapping[str, str], deadline: Deadline, secrets: Redactor | None = None
) -> Credentials | None:
    """The selected profile's credentials from the credentials and config files (the order is in
    the docstring of ``credentials``); None when no file has any for it. An explicitly chosen
    profile that no file has is an error, as in botocore (ProfileNotFound)."""
    from .config_file import config_path, credentials_path, profile_name, read_profiles

    profile, explicit = profile_name(environ)
    cred_path, conf_path = credentials_path(environ), config_path(environ)
    in_credentials = (read_profiles(cred_path, config=False, deadline=deadline) or {}).get(profile)
    in_config = (read_profiles(conf_path, config=True, deadline=deadline) or {}).get(profile)
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
        origin = (
            f"{cred_path} (AWS_SHARED_CREDENTIALS_FILE)"
            if "credential_process" in (in_credentials or {})
            else f"{conf_path} (AWS_CONFIG_FILE)"
        )
        return process_credentials(
            command, profile, environ, deadline, secrets=secrets, origin=origin
        )
    return _static_keys(in_config or {}, profile, conf_path)
