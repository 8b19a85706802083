# SPDX-License-Identifier: Apache-2.0
"""CloudWatch metrics without an API call: one Embedded Metric Format line a load
(``SSM_ENV_METRICS=emf``), which CloudWatch Logs turns into metrics as it ingests the log
("Specification: Embedded metric format", CloudWatch user guide).

The line goes to stderr with the wrapper's log lines (log.py): in Lambda both streams go to the
function's log stream, and on a command line stdout stays the command's. It holds counts and times only: never a name of a
parameter or a secret, never a value. The error code is one word of a fixed set (``CODES``).

Imported only when metrics are on: the cold path without them stays as it was.
"""

from __future__ import annotations

import time

from .errors import (
    AwsApiError,
    CommandNotFoundError,
    ConfigError,
    CredentialsError,
    DeadlineError,
    EndpointError,
    NameCollisionError,
    ProtectedNameError,
    RequiredVariableError,
    SsmEnvError,
)
from .retry import is_throttling

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, TextIO

__all__ = ["LoadStats", "CODES", "error_code", "emf_document", "emit_metrics"]

#: Every value the ErrorCode dimension can take: a fixed, small set, so that a failure never
#: creates a new metric of its own (each dimension value is one custom metric, billed).
CODES = (
    "Config",
    "Credentials",
    "AccessDenied",
    "NotFound",
    "Throttled",
    "KMS",
    "AwsApi",
    "Timeout",
    "Endpoint",
    "Collision",
    "Protected",
    "Required",
    "Command",
    "Other",
)
_ACCESS_DENIED = frozenset(("AccessDeniedException", "AccessDenied", "UnauthorizedOperation"))
_NOT_FOUND = frozenset(
    (
        "ParameterNotFound",
        "ParameterVersionNotFound",
        "InvalidParameters",
        "ResourceNotFoundException",
    )
)
# Lambda function names are at most 64 characters (CreateFunction, FunctionName); a dimension
# value may hold 1024 ("Dimension", CloudWatch API reference). Anything longer is cut.
_MAX_DIMENSION = 255


class LoadStats:
    """Counters of one load, filled by the loader's fetch: requests sent, retries, throttled
    answers (every client's, summed once its workers are done), parameters and secrets fetched."""

    __slots__ = ("requests", "retries", "throttled", "parameters", "secrets")

    def __init__(self) -> None:
        self.requests = self.retries = self.throttled = 0
        self.parameters = self.secrets = 0

    def add(self, clients: Iterable[Any], jobs: Iterable[Any]) -> None:
        """Count what ``clients`` (JsonClient) sent and ``jobs`` (plan.Job) fetched."""
        for client in clients:
            self.requests += client.requests
            self.retries += getattr(client, "retries", 0)
            self.throttled += getattr(client, "throttled", 0)
        for job in jobs:
            if job.error is None:
                self.parameters += len(job.pairs)
                self.secrets += len(job.secret_values)


def error_code(error: BaseException) -> str:
    """The word of ``CODES`` for ``error`` (the class, and for an API error its AWS code)."""
    if isinstance(error, AwsApiError):
        code = error.code
        if code in _ACCESS_DENIED:
            return "AccessDenied"
        if code in _NOT_FOUND:
            return "NotFound"
        if is_throttling(code) or error.status == 429:
            return "Throttled"
        if code.startswith(("KMS", "Kms")) or code == "InvalidKeyId":
            return "KMS"
        return "AwsApi"
    kinds = (
        (DeadlineError, "Timeout"),
        (EndpointError, "Endpoint"),
        (CredentialsError, "Credentials"),
        (ConfigError, "Config"),
        (NameCollisionError, "Collision"),
        (ProtectedNameError, "Protected"),
        (RequiredVariableError, "Required"),
        (CommandNotFoundError, "Command"),
    )
    return next((word for kind, word in kinds if isinstance(error, kind)), "Other")


def emf_document(
    namespace: str,
    stats: LoadStats,
    milliseconds: float,
    *,
    function_name: str = "",
    error: BaseException | None = None,
    now: float | None = None,
) -> dict[str, object]:
    """The EMF document: every metric under the function's name (no dimension without one),
    ``Failure`` also under the function's name and the error code when the load failed."""
    base = ["FunctionName"] if function_name else []
    metrics = [
        {"Name": "LoadDuration", "Unit": "Milliseconds"},
        {"Name": "Requests", "Unit": "Count"},
        {"Name": "Retries", "Unit": "Count"},
        {"Name": "Throttled", "Unit": "Count"},
        {"Name": "ParametersLoaded", "Unit": "Count"},
        {"Name": "SecretsLoaded", "Unit": "Count"},
        {"Name": "Failure", "Unit": "Count"},
    ]
    directives: list[dict[str, object]] = [
        {"Namespace": namespace, "Dimensions": [base], "Metrics": metrics}
    ]
    document: dict[str, object] = {
        "_aws": {
            # "Timestamp ... the number of milliseconds after Jan 1, 1970 00:00:00 UTC".
            "Timestamp": int((time.time() if now is None else now) * 1000),
            "CloudWatchMetrics": directives,
        },
        "LoadDuration": round(max(milliseconds, 0.0), 1),
        "Requests": stats.requests,
        "Retries": stats.retries,
        "Throttled": stats.throttled,
        "ParametersLoaded": stats.parameters,
        "SecretsLoaded": stats.secrets,
        "Failure": 0 if error is None else 1,
    }
    if function_name:
        document["FunctionName"] = function_name[:_MAX_DIMENSION]
    if error is not None:
        document["ErrorCode"] = error_code(error)
        directives.append(
            {
                "Namespace": namespace,
                "Dimensions": [base + ["ErrorCode"]],
                "Metrics": [{"Name": "Failure", "Unit": "Count"}],
            }
        )
    return document


def emit_metrics(
    namespace: str,
    stats: LoadStats,
    started: float,
    function_name: str,
    *,
    error: SsmEnvError | None = None,
    stream: TextIO | None = None,
) -> None:
    """Write the EMF line for a load that began at ``started`` (``time.monotonic()``)."""
    import json
    import sys

    document = emf_document(
        namespace,
        stats,
        (time.monotonic() - started) * 1000,
        function_name=function_name,
        error=error,
    )
    # ensure_ascii: whatever the function's name holds, the line is one line of plain ASCII.
    line = json.dumps(document, separators=(",", ":"), ensure_ascii=True)
    out = stream or sys.stderr
    out.write(line + "\n")
    out.flush()
