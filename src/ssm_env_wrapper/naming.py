# SPDX-License-Identifier: Apache-2.0
"""Name mapping: parameter names (and JSON keys) to environment variable names; collisions found."""

from __future__ import annotations

from .errors import ConfigError, last_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["variable_name", "sanitize", "group_claims"]

# POSIX leaves variable names to letters, digits and underscore, not starting with a digit;
# shells and most runtimes only pass such names through reliably.
_VALID = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_DIGITS = frozenset("0123456789")


def sanitize(text: str) -> str:
    """Every character outside ``[A-Za-z0-9_]`` becomes ``_``; a leading digit (or nothing at all)
    gets a leading ``_``."""
    name = "".join(c if c in _VALID else "_" for c in text)
    if not name or name[0] in _DIGITS:
        name = "_" + name
    return name


@last_line("variable_name")
def variable_name(
    parameter_name: str,
    *,
    base_path: str | None = None,
    mode: str = "leaf",
    prefix: str = "",
    uppercase: bool = False,
) -> str:
    """The variable for a parameter.

    ``leaf`` (default): the last path segment, ``/prod/app/db-host`` -> ``db_host``.
    ``relative``: the path below ``base_path``, ``/`` becoming ``_``: ``/prod/app/db/host`` under
    ``/prod/app`` -> ``db_host`` (a name outside ``base_path``, or no base, falls back to leaf).
    Then ``prefix`` is prepended and, with ``uppercase``, the whole name is upper-cased.
    """
    for argument, value in (("parameter_name", parameter_name), ("prefix", prefix)):
        if not isinstance(value, str):
            raise ConfigError(f"{argument}= must be a string, got {type(value).__name__}")
    if not (base_path is None or isinstance(base_path, str)):
        raise ConfigError(f"base_path= must be a string, got {type(base_path).__name__}")
    name = parameter_name.rstrip("/")
    below = None
    if mode == "relative" and base_path is not None:
        base = base_path.rstrip("/") + "/"
        if name.startswith(base):
            below = name[len(base) :]
    text = below.replace("/", "_") if below else name.rsplit("/", 1)[-1]
    result = sanitize(text)
    result = prefix + result  # settings check that a prefix is a valid start of a name
    return result.upper() if uppercase else result


def group_claims(
    claims: Iterable[tuple[str, str, str]],
) -> tuple[dict[str, tuple[str, str]], list[tuple[str, list[str]]]]:
    """Group ``(variable, source, value)`` claims; ``source`` names where the value comes from
    (a parameter name, maybe with a JSON key).

    Returns ``({variable: (source, value)}, [(variable, [sources...]), ...])``: the variables
    claimed by exactly one source, and the collisions, every source involved named. The same
    source met twice (overlapping paths, a name also listed) counts once. Silently keeping one of
    several would make the function's configuration depend on page order.
    """
    owners: dict[str, dict[str, str]] = {}
    for variable, source, value in claims:
        owners.setdefault(variable, {}).setdefault(source, value)
    single = {var: next(iter(by.items())) for var, by in owners.items() if len(by) == 1}
    collisions = [(var, list(by)) for var, by in owners.items() if len(by) > 1]
    return single, collisions
