# SPDX-License-Identifier: Apache-2.0
"""The Python API's arguments, checked where they come in: a caller's wrong type is one
ConfigError naming the argument, not an AttributeError deep in the load (which the last line of
defence would call a bug). An environment passed in is checked too: ``os.environ`` holds only
strings, a dict built by hand may not. ``settings_from_arguments`` turns ``load_parameters``'
arguments into ``Settings``, each checked as its variable is and named as the caller gave it
(``timeout=``)."""

from __future__ import annotations

from .diagnostics import Origins
from .errors import ConfigError
from .parsers import normalize_path, parse_allow, parse_choice, parse_prefix, scan_references
from .sources import is_variable_name, parse_ref, parse_secret

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .settings import Settings

__all__ = ["string_items", "check_environ", "check_arguments", "settings_from_arguments"]


def _kind(value: object) -> str:
    return type(value).__name__


def string_items(value: object, argument: str) -> list[str]:
    """A string, or an iterable of strings, as a list; anything else is a ConfigError."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (bytes, bytearray)):
        raise ConfigError(f"{argument}= must be a string or a list of strings, got bytes")
    try:
        items = list(value)  # type: ignore[call-overload]
    except TypeError:
        raise ConfigError(
            f"{argument}= must be a string or a list of strings, got {_kind(value)}"
        ) from None
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(f"{argument}= must hold strings only, got {_kind(item)}")
    return items


def check_environ(environ: Mapping[str, str], argument: str = "environ") -> None:
    """Every key and value a string, as in ``os.environ`` (the names only, never a value)."""
    try:
        pairs = list(environ.items())
    except (AttributeError, TypeError):
        raise ConfigError(
            f"{argument}= must be a mapping of strings, got {_kind(environ)}"
        ) from None
    for key, value in pairs:
        if not isinstance(key, str):
            raise ConfigError(f"{argument}= must have strings as names, got {_kind(key)}")
        if not isinstance(value, str):
            raise ConfigError(
                f"{argument}= must hold string values; the value of {key!r} is {_kind(value)}"
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
            ok = ok and 0 < value <= 600  # type: ignore[operator]
            expected = "a number of seconds above 0 and at most 600"
        elif name == "max_attempts":
            ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 100
            expected = "a whole number above 0 and at most 100"
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
        if ok:
            continue
        if name in ("timeout", "max_attempts"):
            # Named as the caller wrote it (timeout=-1); a number's text is shown, anything else
            # only by its type (a wrong object may hold anything).
            shown = repr(value) if _short_scalar(value) else f"<{_kind(value)}>"
            raise ConfigError(f"{name}={shown} is not valid: give {expected}")
        raise ConfigError(f"{name}= must be {expected}, got {_kind(value)}")


def _short_scalar(value: object) -> bool:
    if isinstance(value, str):
        return len(value) <= 16 and value.isprintable()
    return isinstance(value, (int, float))


# Arguments that may be None (then taken from the environment or the settings).
_OPTIONAL = frozenset(
    {"credentials", "region", "endpoint_url", "secrets_endpoint_url", "timeout", "max_attempts"}
)


def _api_number(argument: str, value: object, integer: bool, high: float) -> float:
    """A number argument of the API, checked as its variable is: a bad one is a configuration
    error naming the argument (``timeout=-1``), before any deadline is made of it."""
    ok = isinstance(value, int if integer else (int, float)) and not isinstance(value, bool)
    if not ok or not 0 < value <= high:  # type: ignore[operator]
        kind = "a whole number" if integer else "a number of seconds"
        raise ConfigError(
            f"{argument}={value!r} is not valid: give {kind} above 0 and at most {high:g}"
        )
    return value  # type: ignore[return-value]


def _parsed_items(
    arguments: Mapping[str, object], key: str, parse: Callable[[str, str], object]
) -> tuple:
    """The argument ``key``'s items, each parsed (an error names ``key``), duplicates once."""
    items = string_items(arguments.get(key, ()), key)  # type: ignore[arg-type]
    return tuple(dict.fromkeys(parse(item, key) for item in items))


def settings_from_arguments(
    cls: type[Settings],
    environ: Mapping[str, str],
    given: frozenset[str],
    arguments: Mapping[str, object],
) -> Settings:
    """``load_parameters``' arguments as ``Settings``: each checked as its variable is, and each
    error naming the argument (``names=``, ``timeout=``). ``given`` holds the keys of the
    settings the caller passed that could also come from ``environ`` (the endpoints); with
    ``resolve_arns``, the ARN-valued variables of ``environ`` are resolved as the wrapper does."""
    get = arguments.get
    paths = [normalize_path(path, "paths") for path in string_items(get("paths", ()), "paths")]  # type: ignore[arg-type]
    allow = parse_allow(",".join(string_items(get("allow", ()), "allow")), "allow")  # type: ignore[arg-type]
    resolve_arns = bool(get("resolve_arns", False))
    from .original import original_environment  # the configuration, no loaded value

    references, secret_references = scan_references(
        original_environment(environ), resolve_arns, allow, arns_only=True
    )
    required = string_items(get("required", ()), "required")  # type: ignore[arg-type]
    bad = [name for name in required if not is_variable_name(name)]
    if bad:
        raise ConfigError(f"required: not variable names: {', '.join(repr(b) for b in bad)}")
    return cls(
        tuple(dict.fromkeys(paths)),
        bool(get("recursive", False)),
        names=_parsed_items(arguments, "names", parse_ref),
        json_names=_parsed_items(arguments, "json_names", parse_ref),
        references=references,
        secrets=_parsed_items(arguments, "secrets", parse_secret),
        json_secrets=_parsed_items(
            arguments, "json_secrets", lambda i, key: parse_secret(i, key, allow_key=False)
        ),
        secret_references=secret_references,
        required=tuple(dict.fromkeys(required)),
        collision=parse_choice("collision=", get("collision"), ("error", "later-wins")),  # type: ignore[arg-type]
        resolve_arns=resolve_arns,
        name_mode=parse_choice("name_mode=", get("name_mode"), ("leaf", "relative")),  # type: ignore[arg-type]
        prefix=parse_prefix("prefix=", str(get("prefix", ""))),
        uppercase=bool(get("uppercase", False)),
        allow=allow,
        on_error=parse_choice("on_error=", get("on_error"), ("fail", "continue")),  # type: ignore[arg-type]
        timeout=_api_number("timeout", get("timeout"), False, 600),
        max_attempts=int(_api_number("max_attempts", get("max_attempts"), True, 100)),
        max_attempts_setting="max_attempts",
        origins=Origins.spelled("api", environ, given),
    )
