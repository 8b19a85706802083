# SPDX-License-Identifier: Apache-2.0
"""Each setting's text as a value: one parser per shape of the settings table.

``PARSERS`` maps a key of ``settings_table.SETTINGS`` to the function that turns its variable's
text into the value ``Settings`` holds: a strict boolean, one of a few words, a number within
bounds, a list of parameter paths, of ``[VAR=]NAME`` references or secret ids, of variable names.
The same parsers check the Python API's arguments (``arguments``). Every error is one line that
names the setting as its caller gave it and never shows an expanded ``${VAR}``: the environment
may hold anything. ``scan_references`` finds the variables whose value is an ``ssm:`` or
``secretsmanager:`` reference.
"""

from __future__ import annotations

from .errors import ConfigError
from .guards import ORIGINAL_VARIABLE, is_credential, protection
from .sources import (
    ALNUM,
    PARAMETER_CHARS,
    SECRET_REFERENCE_PREFIX,
    ParameterRef,
    SecretRef,
    expand,
    is_variable_name,
    parse_ref,
    parse_secret,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only; importing typing costs every cold start milliseconds
    from collections.abc import Callable, Mapping
    from typing import TypeVar

    T = TypeVar("T")

__all__ = [
    "PARSERS",
    "REFERENCE_PREFIX",
    "DEFAULT_METRICS_NAMESPACE",
    "parse_bool",
    "parse_choice",
    "parse_metrics",
    "parse_namespace",
    "parse_prefix",
    "parse_allow",
    "normalize_path",
    "parse_refs",
    "parse_secrets",
    "app_path",
    "scan_references",
]

_TRUE = frozenset(("true", "1", "yes"))
_FALSE = frozenset(("false", "0", "no"))

# Parameter names (and so paths), secret names and labels: the character sets in sources.py.
#: The prefix that marks a variable's value as a reference: ``DB_PASSWORD=ssm:/prod/db/password``.
REFERENCE_PREFIX = "ssm:"

#: SSM_ENV_METRICS: "" (off) or "emf", one CloudWatch Embedded Metric Format line a load.
METRICS_MODES = ("", "emf")
#: SSM_ENV_METRICS_NAMESPACE's default: the CloudWatch namespace the metrics go to.
DEFAULT_METRICS_NAMESPACE = "ssm-env-wrapper"
# A CloudWatch namespace: 1 to 255 of these, not starting with ':' nor the reserved "AWS/"
# ("Namespace", PutMetricData, CloudWatch API reference; "namespaces", CloudWatch concepts).
_NAMESPACE_CHARS = frozenset(ALNUM + ".-_/#: ")


def parse_bool(variable: str, value: str | None, default: bool) -> bool:
    """Strict boolean: true/false/1/0/yes/no (any case); anything else names the variable."""
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ConfigError(f"{variable} must be true or false (also 1/0, yes/no), got {value!r}")


def parse_choice(variable: str, value: str | None, choices: tuple[str, ...]) -> str:
    word = (value or "").strip().lower() or choices[0]
    if word not in choices:
        raise ConfigError(f"{variable} must be one of {', '.join(choices)}, got {value!r}")
    return word


def _parse_number(
    variable: str,
    value: str | None,
    default: float,
    *,
    integer: bool = False,
    low: float = 0,
    high: float = 600,
) -> float:
    text = (value or "").strip()
    if not text:
        return default
    number: float | None = None
    # ASCII only, no '_': int() and float() also take other scripts' digits ('٣' is 3) and
    # underscores between digits ('1_0' is 10), neither of which a setting documents.
    if text.isascii() and "_" not in text:
        try:
            number = int(text) if integer else float(text)
        except ValueError:
            number = None
    if number is None or not low < number <= high:
        kind = "a whole number" if integer else "a number of seconds"
        raise ConfigError(
            f"{variable} must be {kind} above {low:g} and at most {high:g}, got {value!r}"
        )
    return number


def parse_metrics(variable: str, text: str) -> str:
    """SSM_ENV_METRICS: ``""`` (off) or ``"emf"``."""
    mode = text.strip().lower()
    if mode not in METRICS_MODES:
        raise ConfigError(f"{variable} must be emf (or empty: off), got {text!r}")
    return mode


def parse_namespace(variable: str, text: str) -> str:
    """A CloudWatch namespace, or the default when empty."""
    namespace = text.strip() or DEFAULT_METRICS_NAMESPACE
    if (
        len(namespace) > 255
        or set(namespace) - _NAMESPACE_CHARS
        or namespace.startswith((":", "AWS/"))
    ):
        raise ConfigError(
            f"{variable} must be a CloudWatch namespace (at most 255 letters, "
            f"digits and . - _ / # : space; not starting with AWS/), got {text!r}"
        )
    return namespace


def normalize_path(raw: str, variable: str) -> str:
    """``prod//app/`` -> ``/prod/app``: one leading slash, no doubled or trailing slashes."""
    path = "/" + "/".join(segment for segment in raw.strip().split("/") if segment)
    bad = sorted(set(path) - PARAMETER_CHARS)
    if bad:
        raise ConfigError(
            f"{variable}: {raw.strip()!r} is not a valid parameter path "
            f"(found {''.join(bad)!r}; allowed are letters, digits and . - _ /)"
        )
    return path


def _items(text: str) -> list[str]:
    """The comma-separated items of a source setting, as written: split before any ``${VAR}`` is
    expanded, so a variable's value never adds an item."""
    return [item for item in text.split(",") if item.strip()]


def _checked(written: str, expanded: str, variable: str, parse: Callable[[str], T]) -> T:
    """``parse(expanded)`` for a path; when an expanded path is malformed, the error quotes it
    as written: the expanded text comes from the environment, which may hold anything."""
    try:
        return parse(expanded)
    except ConfigError:
        if written == expanded:
            raise
        raise ConfigError(
            f"{variable}: {written.strip()!r} is not valid once its ${{...}} are expanded "
            "(the expanded text is not shown); check the variables it names"
        ) from None


def parse_refs(
    text: str, variable: str, environ: Mapping[str, str] | None = None
) -> tuple[ParameterRef, ...]:
    """A comma-separated list of ``[VAR=]NAME[:SELECTOR][?]``, duplicates kept once; ``${VAR}``
    expanded from ``environ`` inside each name only."""
    refs: list[ParameterRef] = []
    for item in _items(text):
        ref = parse_ref(item, variable, environ=environ)
        if ref not in refs:
            refs.append(ref)
    return tuple(refs)


def parse_secrets(
    text: str, variable: str, environ: Mapping[str, str] | None = None, *, json: bool = False
) -> tuple[SecretRef, ...]:
    """A comma-separated list of ``[VAR=]SECRET_ID[:key[:stage[:id]]][?]`` (``json``: the
    ``[PREFIX=]`` form of SSM_ENV_JSON_SECRETS, no key), duplicates kept once; ``${VAR}``
    expanded from ``environ`` inside each id only."""
    refs: list[SecretRef] = []
    for item in _items(text):
        ref = parse_secret(item, variable, allow_key=not json, environ=environ)
        if ref not in refs:
            refs.append(ref)
    return tuple(refs)


def _parse_required(text: str, variable: str = "SSM_ENV_REQUIRED") -> tuple[str, ...]:
    names = tuple(dict.fromkeys(item.strip() for item in text.split(",") if item.strip()))
    bad = [name for name in names if not is_variable_name(name)]
    if bad:
        raise ConfigError(f"{variable}: not variable names: {', '.join(repr(b) for b in bad)}")
    return names


def _arn_reference(value: str) -> str | None:
    """With SSM_ENV_RESOLVE_ARNS: ``ssm:``/``secretsmanager:`` for a value that is a parameter's
    or a secret's ARN (ECS's ``valueFrom`` forms), else None (any other ARN stays as it is)."""
    if value.startswith("arn:") and value.count(":") >= 5:
        service, resource = value.split(":")[2], value.split(":", 5)[5]
        if service == "ssm" and resource.startswith("parameter/"):
            return REFERENCE_PREFIX
        if service == "secretsmanager" and resource.startswith("secret:"):
            return SECRET_REFERENCE_PREFIX
    return None


def parse_allow(text: str, variable: str) -> frozenset[str]:
    names = frozenset(item.strip() for item in text.split(",") if item.strip())
    bad = sorted(name for name in names if not is_variable_name(name))
    if bad:
        raise ConfigError(f"{variable}: not variable names: {', '.join(bad)}")
    if ORIGINAL_VARIABLE in names:
        raise ConfigError(f"{variable} cannot allow {ORIGINAL_VARIABLE}: this tool writes it")
    credentials = sorted(name for name in names if is_credential(name))
    if credentials:
        raise ConfigError(
            f"{variable} cannot allow {', '.join(credentials)}: credentials are never "
            "taken from parameters; remove them from the list"
        )
    return names


def app_path(environ: Mapping[str, str]) -> list[str]:
    """The original contract: /{APP_ENV}/{APP_PARAMS_PATH}, or /{APP_PARAMS_PATH}. ${VAR} in the
    source settings comes from this same environment: the one the wrapper started with, before
    anything is fetched (a loaded value can never steer a source)."""
    written_path = environ.get("APP_PARAMS_PATH", "").strip()
    params_path = expand(written_path, "APP_PARAMS_PATH", environ)
    if not params_path:
        return []
    written_env = environ.get("APP_ENV", "").strip()
    app_env = expand(written_env, "APP_ENV", environ)
    joined = f"{app_env}/{params_path}" if app_env else params_path
    setting = "APP_ENV/APP_PARAMS_PATH" if app_env else "APP_PARAMS_PATH"
    written = f"{written_env}/{written_path}" if app_env else written_path
    return [_checked(written, joined, setting, lambda text: normalize_path(text, setting))]


def _parse_paths(text: str, variable: str, environ: Mapping[str, str]) -> tuple[str, ...]:
    paths: list[str] = []
    for written in _items(text):
        item = expand(written, variable, environ)
        path = _checked(written, item, variable, lambda text: normalize_path(text, variable))
        if path not in paths:
            paths.append(path)
    return tuple(paths)


def parse_prefix(variable: str, text: str) -> str:
    prefix = text.strip()
    if prefix and not is_variable_name(prefix):
        raise ConfigError(
            f"{variable}={prefix!r} must be letters, digits and _, not starting with a digit"
        )
    return prefix


# How each setting of ``Settings`` is parsed: (variable, its text, the table's default, the
# table's metavar, the environment for ${VAR}). The table's parser column names the shape.
# SSM_ENV_MAX_ATTEMPTS is the wrapper's own (the function's AWS_MAX_ATTEMPTS is meant for its
# SDK clients), AWS_MAX_ATTEMPTS its fallback. AWS_RETRY_MODE is not read: one policy, bounded
# by the deadline (docs/network.md, "Retries within a deadline").
PARSERS: dict[str, Callable[[str, str, object, str, Mapping[str, str]], object]] = {
    "paths": lambda v, text, d, m, env: _parse_paths(text, v, env),
    "recursive": lambda v, text, d, m, env: parse_bool(v, text, bool(d)),
    "names": lambda v, text, d, m, env: parse_refs(text, v, env),
    "json_names": lambda v, text, d, m, env: parse_refs(text, v, env),
    "secrets": lambda v, text, d, m, env: parse_secrets(text, v, env),
    "json_secrets": lambda v, text, d, m, env: parse_secrets(text, v, env, json=True),
    "required": lambda v, text, d, m, env: _parse_required(text, v),
    "collision": lambda v, text, d, m, env: parse_choice(v, text, tuple(m.split("|"))),
    "resolve_arns": lambda v, text, d, m, env: parse_bool(v, text, bool(d)),
    "name_mode": lambda v, text, d, m, env: parse_choice(v, text, tuple(m.split("|"))),
    "prefix": lambda v, text, d, m, env: parse_prefix(v, text),
    "uppercase": lambda v, text, d, m, env: parse_bool(v, text, bool(d)),
    "overwrite": lambda v, text, d, m, env: parse_bool(v, text, bool(d)),
    "allow": lambda v, text, d, m, env: parse_allow(text, v),
    "on_error": lambda v, text, d, m, env: parse_choice(v, text, tuple(m.split("|"))),
    "disabled": lambda v, text, d, m, env: parse_bool(v, text, bool(d)),
    "exec_wrapper": lambda v, text, d, m, env: text.strip() or None,
    "timeout": lambda v, text, d, m, env: _parse_number(v, text, float(d)),  # type: ignore[arg-type]
    "max_attempts": lambda v, text, d, m, env: int(
        _parse_number(v, text, float(d), integer=True, high=100)  # type: ignore[arg-type]
    ),
    "metrics": lambda v, text, d, m, env: parse_metrics(v, text),
    "metrics_namespace": lambda v, text, d, m, env: parse_namespace(v, text),
    **dict.fromkeys(
        ("function_name", "initialization_type"), lambda v, text, d, m, env: text.strip()
    ),
}


def scan_references(
    environ: Mapping[str, str], resolve_arns: bool, allow: frozenset[str], arns_only: bool = False
) -> tuple[tuple[ParameterRef, ...], tuple[SecretRef, ...]]:
    """The variables whose value is an ``ssm:`` or ``secretsmanager:`` reference (with
    ``resolve_arns``, also a parameter's or a secret's ARN; ``arns_only``: only those)."""
    references: list[ParameterRef] = []
    secret_references: list[SecretRef] = []
    for variable, value in sorted(environ.items()):
        # This tool's own settings are never references (SSM_ENV_PATHS=ssm:/x is a bad path).
        if variable.startswith("SSM_ENV_"):
            continue
        kind = _arn_reference(value) if resolve_arns and value.startswith("arn:") else None
        # An ARN-valued variable (ECS valueFrom, secret-init) is a reference only where a
        # reference may be: a protected variable holding an ARN (AWS_ROLE_ARN's kind) is another
        # program's setting and stays exactly as it is.
        if kind and not protection(variable, allow):
            value = kind + value
        elif arns_only:
            continue
        if value.startswith(REFERENCE_PREFIX):
            ref = parse_ref(
                value[len(REFERENCE_PREFIX) :],
                f"{variable} (an ssm: reference)",
                allow_variable=False,
            )
            references.append(ParameterRef(ref.name, ref.selector, variable, ref.optional))
        elif value.startswith(SECRET_REFERENCE_PREFIX):
            secret = parse_secret(
                value[len(SECRET_REFERENCE_PREFIX) :],
                f"{variable} (a secretsmanager: reference)",
                allow_variable=False,
            )
            secret_references.append(
                SecretRef(
                    secret.secret_id,
                    secret.json_key,
                    secret.version_stage,
                    secret.version_id,
                    variable,
                    secret.optional,
                )
            )
    return tuple(references), tuple(secret_references)
