# SPDX-License-Identifier: Apache-2.0
"""The exceptions: one base, a few specific kinds, each message one line with its fix."""

from __future__ import annotations

from .redact import printable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    _Entry = TypeVar("_Entry", bound=Callable[..., Any])

__all__ = [
    "SsmEnvError",
    "ConfigError",
    "CredentialsError",
    "CommandNotFoundError",
    "AwsApiError",
    "EndpointError",
    "DeadlineError",
    "LoadSizeError",
    "NameCollisionError",
    "ProtectedNameError",
    "RequiredVariableError",
    "last_line",
    "internal_error_text",
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
    """The endpoint could not be reached, or answered with something that is not the API.

    ``operation``, ``targets`` (the paths, names or ids of the call) and ``attempts`` (how many
    were made) say which call failed, when a call did; the last low-level failure is
    ``__cause__``."""

    def __init__(
        self,
        message: str,
        *,
        operation: str = "",
        targets: tuple[str, ...] = (),
        attempts: int = 0,
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.targets = tuple(targets)
        self.attempts = attempts


class DeadlineError(EndpointError):
    """The load did not finish within its deadline; ``targets`` says what was still missing and
    ``last`` why the last attempt failed, when there was one."""

    def __init__(
        self,
        message: str,
        *,
        targets: tuple[str, ...] = (),
        last: str = "",
        operation: str = "",
        attempts: int = 0,
    ) -> None:
        super().__init__(message, operation=operation, targets=targets, attempts=attempts)
        self.last = last  #: why the last attempt failed, when there was one


class LoadSizeError(SsmEnvError):
    """The load accepted more from its endpoints than it may hold (``records.Budget``): the
    names and values of all its sources together, more than execve could pass on. ``operation``
    and ``targets`` name the call that went over, or one stopped after (``first`` False);
    ``taken`` and ``limit`` are the bytes."""

    def __init__(
        self,
        message: str,
        *,
        operation: str = "",
        targets: tuple[str, ...] = (),
        taken: int = 0,
        limit: int = 0,
        first: bool = True,
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.targets = tuple(targets)
        self.taken = taken
        self.limit = limit
        self.first = first


class AwsApiError(SsmEnvError):
    """The service answered with an error; the message follows AWS's wording and ends with the
    fix (and, when attempts ran out on a retryable error, how many were made)."""

    def __init__(
        self,
        operation: str,
        code: str,
        message: str,
        *,
        targets: tuple[str, ...] = (),
        fix: str = "",
        status: int = 0,
        attempts: int = 0,
        note: str = "",
    ) -> None:
        self.operation = operation
        self.code = code
        self.aws_message = message
        self.targets = tuple(targets)
        self.fix = fix
        self.status = status
        self.attempts = attempts
        where = f" {', '.join(self.targets)}" if self.targets else ""
        text = f"{operation}{where} failed ({code}): {message}"
        if fix:
            text = f"{text}; {fix}"
        super().__init__(text + note)


class NameCollisionError(SsmEnvError):
    """Two or more parameters map to one environment variable name."""


class ProtectedNameError(SsmEnvError):
    """A parameter would set a protected variable (reserved, credentials, code-loading hooks)."""


class RequiredVariableError(SsmEnvError):
    """A variable listed in SSM_ENV_REQUIRED is set by no source and not in the environment.
    Raised whatever SSM_ENV_ON_ERROR says; ``failures`` holds what continue mode let pass (one
    line each, no values), which may be why."""

    failures: tuple[str, ...] = ()


#: Where an unexpected exception is to be reported (pyproject.toml, [project.urls] Issues).
REPORT_URL = "https://github.com/ssm-env-wrapper/ssm-env-wrapper/issues"


def internal_error_text(what: str, kind: str) -> str:
    """The one line for an exception no check foresaw: what failed and its type, never its text
    (which may quote a value: ``UnicodeEncodeError`` holds the string, ``KeyError`` the key)."""
    return (
        f"{what} failed on an unexpected {kind}: a bug in ssm-env-wrapper, not in your "
        f"configuration; please report it at {REPORT_URL} with this line (it holds no value)"
    )


def last_line(what: str) -> Callable[[_Entry], _Entry]:
    """An entry point's last line of defence: an exception that is not the project's (and not
    KeyboardInterrupt or SystemExit, which are not ``Exception``) becomes one SsmEnvError that
    says what failed. It is raised outside the handler and ``from None``: neither ``__cause__``
    nor ``__context__`` keeps the original, whose arguments may hold a value. Each answer's
    shape is checked where it is read; this is for what those checks missed.
    ``__wrapped__`` is the undefended function (the whole-load fuzz test calls it)."""

    def decorate(function: _Entry) -> _Entry:
        def entry(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except SsmEnvError:
                raise
            except Exception as exc:  # noqa: BLE001 - the point of a last line
                kind = type(exc).__name__
            raise SsmEnvError(internal_error_text(what, kind)) from None

        for name in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(entry, name, getattr(function, name, None))
        entry.__wrapped__ = function  # type: ignore[attr-defined]
        return entry  # type: ignore[return-value]

    return decorate
