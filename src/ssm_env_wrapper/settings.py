# SPDX-License-Identifier: Apache-2.0
"""Settings: read once from the environment into an immutable value.

Precedence, one rule for every setting: an explicit argument of the Python API (or the command
line) wins over the environment, and the environment wins over the built-in default. The sources
are additive: ``APP_ENV``/``APP_PARAMS_PATH`` (the original contract), ``SSM_ENV_PATHS``,
``SSM_ENV_NAMES``, ``SSM_ENV_JSON_NAMES`` and ``ssm:`` references are all loaded.
"""

from __future__ import annotations

import os

from .diagnostics import Origins
from .errors import ConfigError, last_line
from .guards import is_credential, protection
from .sources import (
    ALNUM,
    COLLISION_MODES,
    LABEL_CHARS,
    PARAMETER_CHARS,
    SECRET_CHARS,
    SECRET_REFERENCE_PREFIX,
    SecretRef,
    expand,
    is_variable_name,
    parse_parameter_arn,
    parse_secret,
    split_optional,
)
from .values import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only; importing typing costs every cold start milliseconds
    from collections.abc import Callable, Mapping
    from typing import TypeVar

    T = TypeVar("T")

__all__ = ["Settings", "ParameterRef", "parse_bool", "normalize_path", "parse_refs", "user_agent"]

_TRUE = frozenset(("true", "1", "yes"))
_FALSE = frozenset(("false", "0", "no"))

# Parameter names (and so paths), secret names and labels: the character sets in sources.py.
#: Parameter Store's names for Secrets Manager secrets ("Referencing AWS Secrets Manager secrets
#: from Parameter Store parameters").
SECRETS_PREFIX = "/aws/reference/secretsmanager/"

#: The prefix that marks a variable's value as a reference: ``DB_PASSWORD=ssm:/prod/db/password``.
REFERENCE_PREFIX = "ssm:"

#: Seconds the whole load may take, retries included (SSM_ENV_TIMEOUT). Lambda's init phase is
#: limited to 10 s, and the runtime still has to start after us.
DEFAULT_TIMEOUT = 5.0

#: Attempts per request (SSM_ENV_MAX_ATTEMPTS, else AWS_MAX_ATTEMPTS), the first included, as
#: AWS_MAX_ATTEMPTS counts them in the SDKs ("Retry behavior", AWS SDKs and Tools Reference Guide).
#: Why 8 and not the SDKs' 3: when hundreds of functions cold-start at once they share SSM's 40
#: requests a second per account and region. With full jitter on a 100 ms base (capped at 2 s) the
#: expected waits after attempts 1..7 add up to about 3 s, so eight attempts spread a storm over
#: most of the 5 s deadline instead of giving up after a few hundred milliseconds, and a failed
#: start costs a whole new INIT (billed since 2025-08-01); the deadline stays the hard bound (see
#: bench/ for the storm figures). The SDKs' 3 suits a client whose caller can retry later.
DEFAULT_MAX_ATTEMPTS = 8

#: Where the attempt count came from, named in the "after N attempts" message.
ATTEMPTS_VARIABLES = ("SSM_ENV_MAX_ATTEMPTS", "AWS_MAX_ATTEMPTS")

NAME_MODES = ("leaf", "relative")
ON_ERROR_MODES = ("fail", "continue")


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


def _parse_choice(variable: str, value: str | None, choices: tuple[str, ...]) -> str:
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


class ParameterRef(Record):
    """One parameter asked for by name: ``[VARIABLE=]NAME[:SELECTOR]``.

    ``selector`` is ``""``, ``":3"`` (a version) or ``":label"``; ``variable`` is the variable to
    set (``None``: named after the parameter). ``requested`` is what GetParameters is sent.
    ``name`` may be a parameter's full ARN (a parameter shared from another account);
    ``optional`` (a trailing ``?``) lets it be missing.
    """

    __slots__ = ("name", "selector", "variable", "optional")
    name: str
    selector: str
    variable: str | None
    optional: bool

    def __init__(
        self,
        name: str,
        selector: str = "",
        variable: str | None = None,
        optional: bool = False,
    ) -> None:
        self._set(name=name, selector=selector, variable=variable, optional=bool(optional))

    @property
    def requested(self) -> str:
        return self.name + self.selector


def parse_ref(item: str, variable: str, *, allow_variable: bool = True) -> ParameterRef:
    """Parse ``[VAR=]NAME[:SELECTOR][?]``, NAME a name or a parameter's full ARN; an error names
    ``variable`` (the setting) and the item."""
    text, optional = split_optional(item)
    target = None
    if allow_variable and not text.startswith(("/", "arn:")) and "=" in text:
        target, _, text = text.partition("=")
        target, text = target.strip(), text.strip()
        if not is_variable_name(target):
            raise ConfigError(
                f"{variable}: {target!r} in {item.strip()!r} is not a variable name "
                "(letters, digits and _, not starting with a digit)"
            )
    if text.startswith("arn:"):
        # A parameter shared from another account (AWS RAM): GetParameters takes it only as its
        # full ARN ("Working with shared parameters", Systems Manager user guide).
        arn, selector = parse_parameter_arn(text, variable, item)
        return ParameterRef(arn, selector, target, optional)
    name, selector = text, ""
    if ":" in text:
        # Parameter names never hold ':', so the last one starts the selector.
        name, _, chosen = text.rpartition(":")
        if not chosen or set(chosen) - LABEL_CHARS or ":" in name:
            raise ConfigError(
                f"{variable}: {item.strip()!r} has a bad selector; use NAME:VERSION "
                "or NAME:LABEL (or a parameter's full ARN, arn:aws:ssm:...:parameter/NAME)"
            )
        selector = ":" + chosen
    allowed = SECRET_CHARS if name.startswith(SECRETS_PREFIX) else PARAMETER_CHARS
    if not name or name.endswith("/") or "//" in name or set(name) - allowed:
        raise ConfigError(
            f"{variable}: {item.strip()!r} is not a valid parameter name "
            "(letters, digits and . - _ /; a secret id may also hold + = @)"
        )
    return ParameterRef(name, selector, target, optional)


def _items(text: str, variable: str, environ: Mapping[str, str] | None) -> list[tuple[str, str]]:
    """The comma-separated items of a source setting as ``(written, expanded)``: ``${VAR}``
    expanded from ``environ`` after the split, so a variable's value never adds an item."""
    return [
        (item, expand(item, variable, environ) if environ is not None else item)
        for item in text.split(",")
        if item.strip()
    ]


def _checked(written: str, expanded: str, variable: str, parse: Callable[[str], T]) -> T:
    """``parse(expanded)``; when an expanded item is malformed, the error quotes the item as
    written: the expanded text comes from the environment, which may hold anything."""
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
    """A comma-separated list of ``[VAR=]NAME[:SELECTOR][?]``, duplicates kept once."""
    refs: list[ParameterRef] = []
    for written, item in _items(text, variable, environ):
        ref = _checked(written, item, variable, lambda text: parse_ref(text, variable))
        if ref not in refs:
            refs.append(ref)
    return tuple(refs)


def parse_secrets(
    text: str, variable: str, environ: Mapping[str, str] | None = None, *, json: bool = False
) -> tuple[SecretRef, ...]:
    """A comma-separated list of ``[VAR=]SECRET_ID[:key[:stage[:id]]][?]`` (``json``: the
    ``[PREFIX=]`` form of SSM_ENV_JSON_SECRETS, no key), duplicates kept once."""
    refs: list[SecretRef] = []
    for written, item in _items(text, variable, environ):
        ref = _checked(
            written, item, variable, lambda text: parse_secret(text, variable, allow_key=not json)
        )
        if ref not in refs:
            refs.append(ref)
    return tuple(refs)


def _parse_required(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(item.strip() for item in text.split(",") if item.strip()))
    bad = [name for name in names if not is_variable_name(name)]
    if bad:
        raise ConfigError(
            f"SSM_ENV_REQUIRED: not variable names: {', '.join(repr(b) for b in bad)}"
        )
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


def _parse_allow(text: str, variable: str) -> frozenset[str]:
    names = frozenset(item.strip() for item in text.split(",") if item.strip())
    bad = sorted(name for name in names if not is_variable_name(name))
    if bad:
        raise ConfigError(f"{variable}: not variable names: {', '.join(bad)}")
    credentials = sorted(name for name in names if is_credential(name))
    if credentials:
        raise ConfigError(
            f"{variable} cannot allow {', '.join(credentials)}: credentials are never "
            "taken from parameters; remove them from the list"
        )
    return names


class Settings(Record):
    """What to load and how, parsed from the environment once. Immutable."""

    __slots__ = (
        "paths",
        "recursive",
        "names",
        "json_names",
        "references",
        "secrets",
        "json_secrets",
        "secret_references",
        "required",
        "collision",
        "resolve_arns",
        "name_mode",
        "prefix",
        "uppercase",
        "overwrite",
        "allow",
        "on_error",
        "disabled",
        "exec_wrapper",
        "timeout",
        "max_attempts",
        "max_attempts_setting",
        "origins",
    )
    paths: tuple[str, ...]
    recursive: bool
    names: tuple[ParameterRef, ...]
    json_names: tuple[ParameterRef, ...]
    references: tuple[ParameterRef, ...]
    secrets: tuple[SecretRef, ...]
    json_secrets: tuple[SecretRef, ...]
    secret_references: tuple[SecretRef, ...]
    required: tuple[str, ...]
    collision: str
    resolve_arns: bool
    name_mode: str
    prefix: str
    uppercase: bool
    overwrite: bool
    allow: frozenset[str]
    on_error: str
    disabled: bool
    exec_wrapper: str | None
    timeout: float
    max_attempts: int
    max_attempts_setting: str
    origins: Origins

    def __init__(
        self,
        paths: tuple[str, ...] = (),
        recursive: bool = False,
        *,
        names: tuple[ParameterRef, ...] = (),
        json_names: tuple[ParameterRef, ...] = (),
        references: tuple[ParameterRef, ...] = (),
        secrets: tuple[SecretRef, ...] = (),
        json_secrets: tuple[SecretRef, ...] = (),
        secret_references: tuple[SecretRef, ...] = (),
        required: tuple[str, ...] = (),
        collision: str = "error",
        resolve_arns: bool = False,
        name_mode: str = "leaf",
        prefix: str = "",
        uppercase: bool = False,
        overwrite: bool = True,
        allow: frozenset[str] = frozenset(),
        on_error: str = "fail",
        disabled: bool = False,
        exec_wrapper: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        max_attempts_setting: str = "SSM_ENV_MAX_ATTEMPTS",
        origins: Origins | None = None,
    ) -> None:
        if name_mode not in NAME_MODES:
            raise ConfigError(
                f"name_mode must be one of {', '.join(NAME_MODES)}, got {name_mode!r}"
            )
        if on_error not in ON_ERROR_MODES:
            raise ConfigError(
                f"on_error must be one of {', '.join(ON_ERROR_MODES)}, got {on_error!r}"
            )
        if collision not in COLLISION_MODES:
            raise ConfigError(
                f"collision must be one of {', '.join(COLLISION_MODES)}, got {collision!r}"
            )
        self._set(
            paths=tuple(paths),
            recursive=bool(recursive),
            names=tuple(names),
            json_names=tuple(json_names),
            references=tuple(references),
            secrets=tuple(secrets),
            json_secrets=tuple(json_secrets),
            secret_references=tuple(secret_references),
            required=tuple(required),
            collision=collision,
            resolve_arns=bool(resolve_arns),
            name_mode=name_mode,
            prefix=prefix,
            uppercase=bool(uppercase),
            overwrite=bool(overwrite),
            allow=frozenset(allow),
            on_error=on_error,
            disabled=bool(disabled),
            exec_wrapper=exec_wrapper or None,
            timeout=float(timeout),
            max_attempts=int(max_attempts),
            max_attempts_setting=max_attempts_setting,
            # How each setting is named in messages: by default as the wrapper's variables.
            origins=origins or Origins().replace(max_attempts=max_attempts_setting),
        )

    @property
    def has_sources(self) -> bool:
        """True when there is anything to load."""
        return not self.disabled and bool(
            self.paths
            or self.names
            or self.json_names
            or self.references
            or self.secrets
            or self.json_secrets
            or self.secret_references
        )

    @classmethod
    @last_line("Settings.from_environ")
    def from_environ(
        cls, environ: Mapping[str, str] | None = None, *, options: Mapping[str, str] | None = None
    ) -> Settings:
        """Parse the settings from ``environ`` (default: ``os.environ``). ``options`` maps a
        variable to the command-line option that set it, named in messages instead."""
        if environ is None:
            environ = os.environ
        elif environ is not os.environ:
            from .arguments import check_environ

            check_environ(environ)
        get = environ.get
        paths: list[str] = []
        # ${VAR} in the source settings comes from this same environment: the one the wrapper
        # started with, before anything is fetched (a loaded value can never steer a source).
        written_path = get("APP_PARAMS_PATH", "").strip()
        params_path = expand(written_path, "APP_PARAMS_PATH", environ)
        if params_path:
            # The original contract: /{APP_ENV}/{APP_PARAMS_PATH}, or /{APP_PARAMS_PATH}.
            written_env = get("APP_ENV", "").strip()
            app_env = expand(written_env, "APP_ENV", environ)
            joined = f"{app_env}/{params_path}" if app_env else params_path
            setting = "APP_ENV/APP_PARAMS_PATH" if app_env else "APP_PARAMS_PATH"
            written = f"{written_env}/{written_path}" if app_env else written_path
            paths.append(
                _checked(written, joined, setting, lambda text: normalize_path(text, setting))
            )
        for written, item in _items(get("SSM_ENV_PATHS", ""), "SSM_ENV_PATHS", environ):
            path = _checked(
                written, item, "SSM_ENV_PATHS", lambda text: normalize_path(text, "SSM_ENV_PATHS")
            )
            if path not in paths:
                paths.append(path)
        allow = _parse_allow(get("SSM_ENV_ALLOW", ""), "SSM_ENV_ALLOW")
        resolve_arns = parse_bool("SSM_ENV_RESOLVE_ARNS", get("SSM_ENV_RESOLVE_ARNS"), False)
        references: list[ParameterRef] = []
        secret_references: list[SecretRef] = []
        for variable, value in sorted(environ.items()):
            # This tool's own settings are never references (SSM_ENV_PATHS=ssm:/x is a bad path).
            if variable.startswith("SSM_ENV_"):
                continue
            if resolve_arns and value.startswith("arn:"):
                # An ARN-valued variable (ECS valueFrom, secret-init) is a reference only where a
                # reference may be: a protected variable holding an ARN (AWS_ROLE_ARN's kind) is
                # another program's setting and stays exactly as it is.
                kind = _arn_reference(value)
                if kind and not protection(variable, allow):
                    value = kind + value
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
        prefix = get("SSM_ENV_PREFIX", "").strip()
        if prefix and not is_variable_name(prefix):
            raise ConfigError(
                f"SSM_ENV_PREFIX={prefix!r} must be letters, digits and _, not "
                "starting with a digit"
            )
        # SSM_ENV_MAX_ATTEMPTS is the wrapper's own: the function shares this environment, and its
        # AWS_MAX_ATTEMPTS is meant for its own SDK clients. AWS_MAX_ATTEMPTS (same meaning: total
        # attempts) is the fallback, so that a setup that only has it keeps working.
        # AWS_RETRY_MODE is not read: see the README's "Retries" (one policy, bounded by the deadline).
        attempts_setting = next(
            (v for v in ATTEMPTS_VARIABLES if get(v, "").strip()), ATTEMPTS_VARIABLES[0]
        )
        max_attempts = int(
            _parse_number(
                attempts_setting,
                get(attempts_setting),
                DEFAULT_MAX_ATTEMPTS,
                integer=True,
                high=100,
            )
        )
        return cls(
            tuple(paths),
            parse_bool("SSM_ENV_RECURSIVE", get("SSM_ENV_RECURSIVE"), False),
            names=parse_refs(get("SSM_ENV_NAMES", ""), "SSM_ENV_NAMES", environ),
            json_names=parse_refs(get("SSM_ENV_JSON_NAMES", ""), "SSM_ENV_JSON_NAMES", environ),
            references=tuple(references),
            secrets=parse_secrets(get("SSM_ENV_SECRETS", ""), "SSM_ENV_SECRETS", environ),
            json_secrets=parse_secrets(
                get("SSM_ENV_JSON_SECRETS", ""), "SSM_ENV_JSON_SECRETS", environ, json=True
            ),
            secret_references=tuple(secret_references),
            required=_parse_required(get("SSM_ENV_REQUIRED", "")),
            collision=_parse_choice("SSM_ENV_COLLISION", get("SSM_ENV_COLLISION"), COLLISION_MODES),
            resolve_arns=resolve_arns,
            name_mode=_parse_choice("SSM_ENV_NAME_MODE", get("SSM_ENV_NAME_MODE"), NAME_MODES),
            prefix=prefix,
            uppercase=parse_bool("SSM_ENV_UPPERCASE", get("SSM_ENV_UPPERCASE"), False),
            overwrite=parse_bool("SSM_ENV_OVERWRITE", get("SSM_ENV_OVERWRITE"), True),
            allow=allow,
            on_error=_parse_choice("SSM_ENV_ON_ERROR", get("SSM_ENV_ON_ERROR"), ON_ERROR_MODES),
            disabled=parse_bool("SSM_ENV_DISABLED", get("SSM_ENV_DISABLED"), False),
            exec_wrapper=get("SSM_ENV_EXEC_WRAPPER", "").strip() or None,
            timeout=_parse_number("SSM_ENV_TIMEOUT", get("SSM_ENV_TIMEOUT"), DEFAULT_TIMEOUT),
            max_attempts=max_attempts,
            max_attempts_setting=attempts_setting,
            origins=Origins.environment(max_attempts=attempts_setting, options=options or {}),
        )


# User-Agent, as botocore builds it (botocore/useragent.py): each component's characters outside
# this set become "-" (sanitize_user_agent_string_component), which also rules out CR, LF and
# spaces, so no variable can inject a header or a second component.
_UA_CHARS = frozenset(ALNUM + "!$%&'*+-.^_`|~,")
# "sdk_ua_app_id ... maximum length of 50 characters" (AWS SDKs and Tools Reference Guide,
# "Application ID"); AWS_EXECUTION_ENV is Lambda's own short name (AWS_Lambda_python3.12), cut at
# the same length to keep the header bounded whatever the environment holds.
_UA_MAX = 50


def _ua_clean(text: str, allow_hash: bool = True) -> str:
    return "".join(
        c if c in _UA_CHARS or (allow_hash and c == "#") else "-" for c in text.strip()[:_UA_MAX]
    )


def user_agent(environ: Mapping[str, str] | None = None) -> str:
    """``ssm-env-wrapper/VERSION ua/2.1 os/linux lang/python#3.12.4 md/pyimpl#CPython
    [exec-env/AWS_EXECUTION_ENV] [app/AWS_SDK_UA_APP_ID]``: the SDKs' layout, so that CloudTrail's
    userAgent field and service metrics attribute the calls."""
    import sys

    from .version import __version__

    if environ is None:
        environ = os.environ
    version = sys.version_info
    implementation = sys.implementation.name.capitalize().replace("Cpython", "CPython")
    parts = [
        f"ssm-env-wrapper/{_ua_clean(__version__)}",
        "ua/2.1",
        f"os/{_ua_clean(sys.platform, False)}",
        f"lang/python#{version[0]}.{version[1]}.{version[2]}",
        f"md/pyimpl#{_ua_clean(implementation)}",
    ]
    execution_env = environ.get("AWS_EXECUTION_ENV", "").strip()
    if execution_env:
        parts.append(f"exec-env/{_ua_clean(execution_env)}")
    app_id = environ.get("AWS_SDK_UA_APP_ID", "").strip()
    if app_id:
        parts.append(f"app/{_ua_clean(app_id)}")
    return " ".join(parts)
