# SPDX-License-Identifier: Apache-2.0
"""The Python API's arguments, checked where they come in: a caller's wrong type is one
ConfigError naming the argument, not an AttributeError deep in the load (which the last line of
defence would call a bug). An environment passed in is checked too: ``os.environ`` holds only
strings, a dict built by hand may not."""

from __future__ import annotations

from .errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["string_items", "check_environ", "check_arguments"]


def _kind(value: object) -> str:
    return type(value).__name__


def string_items(value: str | Iterable[str], argument: str) -> list[str]:
    """A string, or an iterable of strings, as a list; anything else is a ConfigError."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (bytes, bytearray)):
        raise ConfigError(f"{argument}: expected a string or a list of strings, got bytes")
    try:
        items = list(value)
    except TypeError:
        raise ConfigError(
            f"{argument}: expected a string or a list of strings, got {_kind(value)}"
        ) from None
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(f"{argument}: every item must be a string, got {_kind(item)}")
    return items


def check_environ(environ: Mapping[str, str], argument: str = "environ") -> None:
    """Every key and value a string, as in ``os.environ`` (the names only, never a value)."""
    try:
        pairs = list(environ.items())
    except (AttributeError, TypeError):
        raise ConfigError(
            f"{argument}: expected a mapping of strings, got {_kind(environ)}"
        ) from None
    for key, value in pairs:
        if not isinstance(key, str):
            raise ConfigError(f"{argument}: every name must be a string, got {_kind(key)}")
        if not isinstance(value, str):
            raise ConfigError(
                f"{argument}: the value of {key!r} must be a string, got {_kind(value)}"
            )


def check_arguments(**given: object) -> None:
    """The scalar arguments of ``load`` and ``load_parameters``, by name: ``timeout`` a finite
    positive number, ``max_attempts`` a positive whole number, flags booleans, texts strings,
    ``credentials`` a Credentials (its fields strings; by shape: credentials.py depends on
    settings, which uses this module); ``None`` where the argument allows it."""
    for name, value in given.items():
        if value is None and name in _OPTIONAL:
            continue
        if name == "timeout":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            ok = ok and 0 < value < float("inf")  # type: ignore[operator]
            expected = "a number of seconds above 0"
        elif name == "max_attempts":
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
            expected = "a whole number of at least 1"
        elif name in ("recursive", "uppercase", "enforce_required"):
            ok, expected = isinstance(value, bool), "True or False"
        elif name == "credentials":
            fields = [getattr(value, name, None) for name in ("access_key", "secret_key")]
            token = getattr(value, "token", None)
            ok = all(isinstance(field, str) for field in fields)
            ok = ok and (token is None or isinstance(token, str))
            expected = "a Credentials"
        else:
            ok, expected = isinstance(value, str), "a string"
        if not ok:
            shown = repr(value) if isinstance(value, (int, float)) else _kind(value)
            raise ConfigError(f"{name}: expected {expected}, got {shown}")


# Arguments that may be None (then taken from the environment or the settings).
_OPTIONAL = frozenset(
    {"credentials", "region", "endpoint_url", "secrets_endpoint_url", "timeout", "max_attempts"}
)
