# SPDX-License-Identifier: Apache-2.0
"""The Python API's arguments (``load_parameters``) as ``Settings``, each checked as its variable
is and named as the caller gave it (``timeout=``)."""

from __future__ import annotations

from .diagnostics import Origins
from .errors import ConfigError
from .settings import (
    _parse_allow,
    _parse_choice,
    _parse_prefix,
    normalize_path,
    parse_ref,
    scan_references,
)
from .sources import is_variable_name, parse_secret

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from .settings import Settings

__all__ = ["settings_from_arguments"]


def _listed(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


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
    paths = [normalize_path(path, "paths") for path in _listed(get("paths", ()))]  # type: ignore[arg-type]
    allow = _parse_allow(",".join(_listed(get("allow", ()))), "allow")  # type: ignore[arg-type]
    resolve_arns = bool(get("resolve_arns", False))
    references, secret_references = scan_references(environ, resolve_arns, allow, arns_only=True)
    required = _listed(get("required", ()))  # type: ignore[arg-type]
    bad = [name for name in required if not is_variable_name(name)]
    if bad:
        raise ConfigError(f"required: not variable names: {', '.join(repr(b) for b in bad)}")
    return cls(
        tuple(dict.fromkeys(paths)),
        bool(get("recursive", False)),
        names=tuple(dict.fromkeys(parse_ref(i, "names") for i in _listed(get("names", ())))),  # type: ignore[arg-type]
        json_names=tuple(
            dict.fromkeys(parse_ref(i, "json_names") for i in _listed(get("json_names", ())))  # type: ignore[arg-type]
        ),
        references=references,
        secrets=tuple(
            dict.fromkeys(parse_secret(i, "secrets") for i in _listed(get("secrets", ())))  # type: ignore[arg-type]
        ),
        json_secrets=tuple(
            dict.fromkeys(
                parse_secret(i, "json_secrets", allow_key=False)
                for i in _listed(get("json_secrets", ()))  # type: ignore[arg-type]
            )
        ),
        secret_references=secret_references,
        required=tuple(dict.fromkeys(required)),
        collision=_parse_choice("collision=", get("collision"), ("error", "later-wins")),  # type: ignore[arg-type]
        resolve_arns=resolve_arns,
        name_mode=_parse_choice("name_mode=", get("name_mode"), ("leaf", "relative")),  # type: ignore[arg-type]
        prefix=_parse_prefix("prefix=", str(get("prefix", ""))),
        uppercase=bool(get("uppercase", False)),
        allow=allow,
        on_error=_parse_choice("on_error=", get("on_error"), ("fail", "continue")),  # type: ignore[arg-type]
        timeout=_api_number("timeout", get("timeout"), False, 600),
        max_attempts=int(_api_number("max_attempts", get("max_attempts"), True, 100)),
        max_attempts_setting="max_attempts",
        origins=Origins.spelled("api", environ, given),
    )
