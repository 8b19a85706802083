# SPDX-License-Identifier: Apache-2.0
"""The configuration as the function was given it, for every load after the first one.

The wrapper's load ends in ``execv``: the runtime inherits one environment in which the
configuration (``SSM_ENV_*``, ``APP_ENV``, the ``${VAR}`` a source names, ``DB=ssm:/x``) and the
loaded values sit side by side. A later load in that process (the SnapStart refresh, a second
call, a chained wrapper) must not read a loaded value as configuration: a parameter whose text
is ``ssm:/prod/db/password``, or one named ``STAGE``, would choose what that load fetches.

So whoever applies a load records in ``SSM_ENV_ORIGINAL`` what each variable it set or unset
held before (its text, or that it was absent), and every later load reads its settings from a
copy with those put back (``original_environment``). The record holds configuration only, never
a loaded value; no parameter may set it, whatever ``SSM_ENV_ALLOW`` says
(``guards.protection``); it is JSON (ASCII: ``json.dumps`` escapes the rest), parsed strictly.
"""

from __future__ import annotations

from .errors import ConfigError, SsmEnvError
from .guards import MAX_ENV_STRING, ORIGINAL_VARIABLE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, MutableMapping

__all__ = ["original_environment", "recorded_originals", "apply_recorded", "configured"]


def recorded_originals(environ: Mapping[str, str]) -> dict[str, str | None]:
    """``{variable: value before any load, or None when it was not set}`` from the record in
    ``environ`` (``{}`` when there is none). A record this tool did not write is an error."""
    text = environ.get(ORIGINAL_VARIABLE)
    if text is None:
        return {}
    import json

    try:
        record = json.loads(text)
    except (ValueError, RecursionError):
        record = None
    if not isinstance(record, dict) or not all(
        isinstance(name, str)
        and name
        and "=" not in name
        and "\0" not in name
        and name != ORIGINAL_VARIABLE
        and _carried(name)
        and (value is None or (isinstance(value, str) and "\0" not in value and _carried(value)))
        for name, value in record.items()
    ):
        # Its text is not shown: it holds the function's configuration.
        raise ConfigError(
            f"{ORIGINAL_VARIABLE} is not the record this tool writes (the values the "
            "configuration gave the variables a load changed); remove it from the "
            "function's configuration"
        )
    return record


def _carried(text: str) -> bool:
    """Whether ``os.environ`` can hold ``text`` (JSON's ``\\ud800`` is a lone surrogate)."""
    import os

    try:
        os.fsencode(text)
    except UnicodeError:
        return False
    return True


def original_environment(environ: Mapping[str, str]) -> Mapping[str, str]:
    """``environ`` as it was before any load changed it: a copy with each recorded variable put
    back (or removed), or ``environ`` itself when nothing was recorded."""
    originals = recorded_originals(environ)
    if not originals:
        return environ
    view = dict(environ)
    for variable, value in originals.items():
        if value is None:
            view.pop(variable, None)
        else:
            view[variable] = value
    return view


def apply_recorded(
    variables: Mapping[str, str],
    unset: Iterable[str],
    environ: MutableMapping[str, str],
    *,
    restore: bool = False,
) -> None:
    """Make ``environ`` what a load says (set ``variables``, remove ``unset``: its unresolved
    references) and record what each changed variable held before. With ``restore`` (a load
    made from ``original_environment``), a variable an earlier load changed and this one does
    not is put back as the configuration had it: the environment is then the configuration
    plus this load, exactly as after a first start. Everything is checked before anything
    changes, so this cannot stop half-way."""
    originals = recorded_originals(environ)
    unset = tuple(unset)
    changed = set(unset) | set(variables)
    changed.discard(ORIGINAL_VARIABLE)  # never a target (guards.protection): belt and braces
    stale = [v for v in originals if v not in changed] if restore else []
    record = {v: value for v, value in originals.items() if v not in stale}
    for variable in sorted(changed):
        record.setdefault(variable, environ.get(variable))
    text = _encoded(record)
    for variable in stale:
        value = originals[variable]
        if value is None:
            environ.pop(variable, None)
        else:
            environ[variable] = value
    for variable in unset:
        environ.pop(variable, None)
    for variable, value in variables.items():
        environ[variable] = value
    if text:
        environ[ORIGINAL_VARIABLE] = text
    else:
        environ.pop(ORIGINAL_VARIABLE, None)


def _encoded(record: dict[str, str | None]) -> str:
    if not record:
        return ""
    import json

    text = json.dumps(record, separators=(",", ":"), sort_keys=True)
    if len(ORIGINAL_VARIABLE) + len(text) + 2 > MAX_ENV_STRING:
        # ASCII, so characters are bytes. The values are the configuration's own.
        raise SsmEnvError(
            f"{ORIGINAL_VARIABLE}, the record of what the loaded variables held before, would "
            f"be over the kernel's limit of {MAX_ENV_STRING} bytes for one environment string; "
            "shorten the values of the variables the parameters replace"
        )
    return text


def configured(
    single: dict[str, tuple[str, str]],
    environ: Mapping[str, str],
    overwrite: bool,
    references: Collection[str],
) -> tuple[list[str], list[str]]:
    """``(kept, replaced)`` among the variables a load decided (``{variable: (source, value)}``)
    that ``environ``, the configuration, already sets: with overwrite off they keep their values
    (removed from ``single``); with it on, those whose value changes are named (never shown).
    References are the function's own explicit request: always resolved, never reported."""
    existing = sorted(v for v in single if v in environ and v not in references)
    if overwrite:
        return [], [v for v in existing if environ[v] != single[v][1]]
    for variable in existing:
        del single[variable]
    return existing, []
