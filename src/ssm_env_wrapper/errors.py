# SPDX-License-Identifier: Apache-2.0
"""The exceptions: one base, a few specific kinds, each message one line with its fix."""

from __future__ import annotations

from .redact import printable

__all__ = [
    "SsmEnvError",
    "ConfigError",
    "CredentialsError",
    "CommandNotFoundError",
    "AwsApiError",
    "EndpointError",
    "DeadlineError",
    "NameCollisionError",
    "ProtectedNameError",
    "RequiredVariableError",
]


class SsmEnvError(Exception):
    """Base of every error this tool reports; its text is one line a user can act on."""

    #: The wrapper's exit status when this error stops it (closed failure: the runtime never starts).
    exit_code = 1

    def __str__(self) -> str:
        # Messages quote names, JSON keys and what endpoints answer: a line break, a terminal
        # control or a bidirectional override among them would forge or hide a line wherever the
        # message is shown (log, traceback, a caller's own log). One place escapes them all.
        return printable(super().__str__())


class ConfigError(SsmEnvError):
    """A setting (environment variable or argument) is missing or malformed."""


class CredentialsError(SsmEnvError):
    """No usable AWS credentials were found."""


class CommandNotFoundError(SsmEnvError):
    """The command to exec does not exist (exit 127) or cannot be executed (exit 126)."""

    def __init__(self, command: str, *, executable: bool = False) -> None:
        # Shell conventions: 127 for "not found", 126 for "found but not executable".
        if executable:
            super().__init__(
                f"command not executable: {command} (permission denied or not a regular file)"
            )
            self.exit_code = 126
        else:
            super().__init__(f"command not found: {command}")
            self.exit_code = 127
        self.command = command


class EndpointError(SsmEnvError):
    """The SSM endpoint could not be reached, or answered with something that is not the API."""


class DeadlineError(EndpointError):
    """The load did not finish within its deadline (SSM_ENV_TIMEOUT); ``targets`` says what was
    still missing."""

    def __init__(self, message: str, *, targets: tuple[str, ...] = (), last: str = "") -> None:
        super().__init__(message)
        self.targets = targets
        self.last = last  #: why the last attempt failed, when there was one


class AwsApiError(SsmEnvError):
    """SSM answered with an error; the message follows AWS's wording and ends with the fix."""

    def __init__(
        self,
        operation: str,
        code: str,
        message: str,
        *,
        target: str = "",
        fix: str = "",
        status: int = 0,
    ) -> None:
        self.operation = operation
        self.code = code
        self.aws_message = message
        self.target = target
        self.fix = fix
        self.status = status
        where = f" {target}" if target else ""
        text = f"{operation}{where} failed ({code}): {message}"
        if fix:
            text = f"{text}; {fix}"
        super().__init__(text)


class NameCollisionError(SsmEnvError):
    """Two or more parameters map to one environment variable name."""


class ProtectedNameError(SsmEnvError):
    """A parameter would set a protected variable (reserved, credentials, code-loading hooks)."""


class RequiredVariableError(SsmEnvError):
    """A variable listed in SSM_ENV_REQUIRED is set by no source and not in the environment.
    Raised whatever SSM_ENV_ON_ERROR says; ``failures`` holds what continue mode let pass (one
    line each, no values), which may be why."""

    failures: tuple[str, ...] = ()
