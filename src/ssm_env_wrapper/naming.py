"""Name mapping: parameter names to environment variable names, collisions refused."""

from __future__ import annotations

from .errors import NameCollisionError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["variable_name", "map_names"]

# POSIX leaves variable names to letters, digits and underscore, not starting with a digit;
# shells and most runtimes only pass such names through reliably.
_VALID = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_DIGITS = frozenset("0123456789")


def variable_name(parameter_name: str) -> str:
    """``/prod/app/db-host`` -> ``db_host``: the last path segment, every character outside
    ``[A-Za-z0-9_]`` replaced by ``_``, a leading digit given a leading ``_``."""
    leaf = parameter_name.rstrip("/").rsplit("/", 1)[-1]
    name = "".join(c if c in _VALID else "_" for c in leaf)
    if not name or name[0] in _DIGITS:
        name = "_" + name
    return name


def map_names(parameters: Iterable[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Map ``(parameter name, value)`` pairs to ``{variable: (parameter name, value)}``.

    The same parameter met twice (overlapping paths) counts once. Two different parameters that
    map to one variable are an error that names every parameter involved: silently keeping the
    last one would make the function's configuration depend on page order.
    """
    mapped: dict[str, tuple[str, str]] = {}
    claims: dict[str, list[str]] = {}
    for parameter_name, value in parameters:
        variable = variable_name(parameter_name)
        owners = claims.setdefault(variable, [])
        if parameter_name in owners:
            continue
        owners.append(parameter_name)
        mapped.setdefault(variable, (parameter_name, value))
    collisions = [(variable, owners) for variable, owners in claims.items() if len(owners) > 1]
    if collisions:
        detail = "; ".join(f"{', '.join(owners)} map to {variable}"
                           for variable, owners in collisions)
        raise NameCollisionError(f"parameter names collide: {detail}; rename or move one of each "
                                 "so that every variable comes from one parameter")
    return mapped
