# SPDX-License-Identifier: Apache-2.0
"""Versions on record: which version of each parameter and secret a load used, never a value.

Parameter Store answers carry ``Version`` per parameter (GetParameters, GetParametersByPath);
Secrets Manager answers carry ``VersionId`` and ``VersionStages`` (GetSecretValue,
BatchGetSecretValue's ``SecretValueEntry``). Both are recorded by the source as the load names
it (a path's parameter by its name, a name as asked, a secret as ``secretsmanager:ID``), so
``check``, the debug log and ``LoadResult.versions`` answer "which version is this function
running?" without showing a value.
"""

from __future__ import annotations

from .errors import EndpointError
from .redact import printable
from .values import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any

__all__ = [
    "VersionRecord",
    "parameter_version",
    "secret_version",
    "secret_payload",
    "parameter_records",
    "secret_records",
    "loaded_versions",
    "version_lines",
]

# What a version id or stage may show: a UUID's characters and a stage's (AWSCURRENT, custom
# labels); an answer's anything else is shown as '?', never echoed (it could carry a value).
_VERSION_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+=@/")
# "VersionId ... 32 to 64 characters"; a stage "1 to 256 characters" (Secrets Manager API
# reference); at most 20 stages a version ("VersionStages", a quota of 20 labels).
_VERSION_TEXT_MAX = 256
_VERSION_STAGES_MAX = 20


class VersionRecord(Record):
    """``source`` (as in ``LoadResult.provenance``, without a JSON key), ``version`` (a
    parameter's version number or a secret's version id, ``""`` when the answer had none) and
    ``stages`` (a secret version's stages; empty for parameters)."""

    __slots__ = ("source", "version", "stages")
    source: str
    version: str
    stages: tuple[str, ...]

    def __init__(self, source: str, version: str, stages: tuple[str, ...] = ()) -> None:
        self._set(source=source, version=version, stages=tuple(stages))

    def describe(self) -> str:
        """``/prod/db/password version 3``;
        ``secretsmanager:prod/db version a1b2... (AWSCURRENT)``."""
        text = f"{printable(self.source)} version {self.version or '(none given)'}"
        return text + (f" ({', '.join(self.stages)})" if self.stages else "")


def _version_text(value: object) -> str:
    if isinstance(value, bool):
        return "?"
    if isinstance(value, int):
        return str(value) if 0 <= value < 10**20 else "?"
    if isinstance(value, str) and value and len(value) <= _VERSION_TEXT_MAX:
        return value if not set(value) - _VERSION_CHARS else "?"
    return ""


def parameter_version(parameter: Mapping[str, object]) -> str:
    """A parameter's ``Version`` as text (``""`` when the answer has none)."""
    return _version_text(parameter.get("Version"))


def secret_version(entry: Mapping[str, object]) -> tuple[str, tuple[str, ...]]:
    """A secret answer's ``(VersionId, VersionStages)``; stages that are not strings of the
    expected characters show as '?'."""
    stages = entry.get("VersionStages")
    listed = stages[:_VERSION_STAGES_MAX] if isinstance(stages, list) else []
    return _version_text(entry.get("VersionId")), tuple(
        _version_text(stage) or "?" for stage in listed
    )


def secret_payload(entry: Mapping[str, object], call: str, fix: str) -> str | bytes:
    """The SecretString, or SecretBinary's exact bytes (base64 in the JSON answer, as every
    blob of the awsJson protocols)."""
    value = entry.get("SecretString")
    if isinstance(value, str):
        return value
    import base64
    import binascii

    try:
        return base64.b64decode(str(entry.get("SecretBinary", "")), validate=True)
    except (binascii.Error, ValueError):
        raise EndpointError(
            f"{call} failed: a secret's SecretBinary in the answer is not base64; {fix}"
        ) from None


def parameter_records(
    answers: Iterable[tuple[str, Mapping[str, object]]],
) -> dict[str, VersionRecord]:
    """``{source: record}`` for ``(source, parameter answer)`` pairs."""
    return {source: VersionRecord(source, parameter_version(p)) for source, p in answers}


def secret_records(
    entries: Mapping[tuple[str, str, str], Mapping[str, object]],
    source_of: Callable[[tuple[str, str, str]], str],
    client: Any,
) -> tuple[dict[tuple[str, str, str], str | bytes], dict[str, VersionRecord]]:
    """From fetch_secrets' answers by key: each key's value (SecretString, or SecretBinary's
    bytes) and each source's version record (the client's redactor already holds both)."""
    values: dict[tuple[str, str, str], str | bytes] = {}
    records: dict[str, VersionRecord] = {}
    fix = client.diagnostics.endpoint_fix()
    for key, entry in entries.items():
        source = source_of(key)
        values[key] = secret_payload(entry, f"the answer for {source}", fix)
        records[source] = VersionRecord(source, *secret_version(entry))
    return values, records


def loaded_versions(
    versions: Mapping[str, VersionRecord], provenance: Mapping[str, str]
) -> tuple[VersionRecord, ...]:
    """The records of the sources that set a variable (a JSON key's ``source#key`` counts for
    its source), in source order."""
    used = set()
    for source in provenance.values():
        used.add(source)
        used.add(source.split("#", 1)[0])
    return tuple(versions[source] for source in sorted(versions) if source in used)


def version_lines(records: Iterable[VersionRecord]) -> list[str]:
    """One line a record, for ``check`` and the debug log."""
    return [record.describe() for record in records]
