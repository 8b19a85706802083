# SPDX-License-Identifier: Apache-2.0
"""Log lines on stderr (CloudWatch Logs in Lambda): text, or JSON like the runtime's own.

``AWS_LAMBDA_LOG_FORMAT=JSON`` (Lambda's advanced logging controls) switches to one JSON object a
line with ``timestamp``, ``level``, ``message`` and ``logger`` plus the event's counts and timings.
The level is ``SSM_ENV_LOG_LEVEL``, else ``AWS_LAMBDA_LOG_LEVEL``, else ``info``; ``debug`` adds
parameter and variable names and a line per request. No level ever prints a value: every line
is scrubbed of the secrets the logger knows (credentials and loaded values; any run of 12
characters of one, see ``redact``) and its control characters are escaped, so that no name, key
or echoed answer can forge a line of its own, before it is written.
"""

from __future__ import annotations

import sys
import time

from .errors import ConfigError
from .redact import Redactor, printable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import TextIO

__all__ = ["Log", "LOGGER_NAME"]

LOGGER_NAME = "ssm-env-wrapper"

# Lambda's log levels (TRACE..FATAL) folded onto ours.
_LEVELS = {
    "trace": 10,
    "debug": 10,
    "info": 20,
    "warn": 30,
    "warning": 30,
    "error": 40,
    "fatal": 40,
}
_NAMES = {10: "DEBUG", 20: "INFO", 30: "WARN", 40: "ERROR"}
_SECRET_VARIABLES = (
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
)


class Log:
    """Writes one line per event at or above ``level``; ``secrets`` grows as values are loaded."""

    def __init__(
        self, level: str = "info", *, json_format: bool = False, stream: TextIO | None = None
    ) -> None:
        self.threshold = _LEVELS[level]
        self.json_format = json_format
        self.stream = stream
        #: what no line may show; ``+=``/``extend`` add secrets (credentials, loaded values)
        self.secrets = Redactor()

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Log:
        level = environ.get("SSM_ENV_LOG_LEVEL", "").strip().lower()
        if level and level not in _LEVELS:
            raise ConfigError(
                f"SSM_ENV_LOG_LEVEL must be one of debug, info, warn, error, got {level!r}"
            )
        if not level:
            # Lambda's own setting: an unknown value is Lambda's to judge, so it is not an error here.
            level = environ.get("AWS_LAMBDA_LOG_LEVEL", "").strip().lower()
            level = level if level in _LEVELS else "info"
        log_format = environ.get("AWS_LAMBDA_LOG_FORMAT", "").strip().lower()
        log = cls(level, json_format=log_format == "json")
        # The secrets the environment holds, known before any request: an endpoint (SSM's or the
        # container credentials provider) could echo them, or part of them, into a message.
        log.secrets += [environ.get(name, "") for name in _SECRET_VARIABLES]
        return log

    def enabled(self, level: str) -> bool:
        return _LEVELS[level] >= self.threshold

    def scrub(self, text: str) -> str:
        """``text`` with the known secrets masked and control characters escaped: one safe line.
        Defence in depth: no message is built from a value, but should one ever carry part of
        one (an endpoint echoing a request, say), it is masked here."""
        return printable(self.secrets.redact(text))

    def _field(self, value: object) -> object:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, (list, tuple)):
            return [self._field(item) for item in value]
        if isinstance(value, dict):
            return {self.scrub(str(key)): self._field(item) for key, item in value.items()}
        return value

    def emit(self, level: str, message: str, **fields: object) -> None:
        if _LEVELS[level] < self.threshold:
            return
        message = self.scrub(message)
        if self.json_format:
            import json

            now = time.time()
            stamp = (
                time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
                + f".{int(now % 1 * 1000):03d}Z"
            )
            record: dict[str, object] = {
                "timestamp": stamp,
                "level": _NAMES[_LEVELS[level]],
                "message": message,
                "logger": LOGGER_NAME,
            }
            record.update((key, self._field(value)) for key, value in fields.items())
            # Every string is masked and escaped above (json.dumps leaves U+2028/2029 and C1 as
            # they are); the encoded line is not masked again: a loaded value equal to some JSON
            # syntax would cut it out (the level, a quote, one backslash of an escape).
            line = json.dumps(record, ensure_ascii=False, default=lambda v: self.scrub(str(v)))
        else:
            label = "" if level in ("info", "error") else f"{_NAMES[_LEVELS[level]].lower()}: "
            line = f"{LOGGER_NAME}: {label}{message}"
        stream = self.stream or sys.stderr
        stream.write(line + "\n")
        stream.flush()

    def debug(self, message: str, **fields: object) -> None:
        self.emit("debug", message, **fields)

    def info(self, message: str, **fields: object) -> None:
        self.emit("info", message, **fields)

    def warning(self, message: str, **fields: object) -> None:
        self.emit("warn", message, **fields)

    def error(self, message: str, **fields: object) -> None:
        self.emit("error", message, **fields)
