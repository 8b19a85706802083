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
from .errors import ConfigError
from .guards import is_credential
from .values import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only; importing typing costs every cold start milliseconds
    from collections.abc import Mapping

__all__ = ["Settings", "ParameterRef", "parse_bool", "normalize_path", "parse_refs", "user_agent"]

_TRUE = frozenset(("true", "1", "yes"))
_FALSE = frozenset(("false", "0", "no"))

_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# Parameter names (and so paths) may hold only these characters: "Requirements and constraints for
# parameter names" in the Parameter Store user guide.
_PATH_CHARS = frozenset(_ALNUM + "_.-/")
# Secrets Manager secret names also allow + = @ ("Quotas for AWS Secrets Manager": name characters).
SECRETS_PREFIX = "/aws/reference/secretsmanager/"
_SECRET_CHARS = frozenset(_ALNUM + "/_+=.@-")
# A label: letters, digits, period, hyphen, underscore ("Working with parameter labels").
_LABEL_CHARS = frozenset(_ALNUM + "_.-")
_VARIABLE_START = frozenset(_ALNUM[:52] + "_")
_VARIABLE_CHARS = frozenset(_ALNUM + "_")

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


def is_variable_name(name: str) -> bool:
    """``[A-Za-z_][A-Za-z0-9_]*``: what POSIX shells and every runtime pass through."""
    return bool(name) and name[0] in _VARIABLE_START and not set(name) - _VARIABLE_CHARS


def normalize_path(raw: str, variable: str) -> str:
    """``prod//app/`` -> ``/prod/app``: one leading slash, no doubled or trailing slashes."""
    path = "/" + "/".join(segment for segment in raw.strip().split("/") if segment)
    bad = sorted(set(path) - _PATH_CHARS)
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
    """

    __slots__ = ("name", "selector", "variable")
    name: str
    selector: str
    variable: str | None

    def __init__(self, name: str, selector: str = "", variable: str | None = None) -> None:
        self._set(name=name, selector=selector, variable=variable)

    @property
    def requested(self) -> str:
        return self.name + self.selector


def parse_ref(item: str, variable: str, *, allow_variable: bool = True) -> ParameterRef:
    """Parse ``[VAR=]NAME[:SELECTOR]``; an error names ``variable`` (the setting) and the item."""
    text = item.strip()
    target = None
    if allow_variable and not text.startswith("/") and "=" in text:
        target, _, text = text.partition("=")
        target, text = target.strip(), text.strip()
        if not is_variable_name(target):
            raise ConfigError(
                f"{variable}: {target!r} in {item.strip()!r} is not a variable name "
                "(letters, digits and _, not starting with a digit)"
            )
    name, selector = text, ""
    if ":" in text:
        # Parameter names never hold ':' (ARNs are not accepted here), so the last one starts
        # the selector.
        name, _, chosen = text.rpartition(":")
        if not chosen or set(chosen) - _LABEL_CHARS or ":" in name:
            raise ConfigError(
                f"{variable}: {item.strip()!r} has a bad selector; use NAME:VERSION "
                "or NAME:LABEL (full ARNs are not accepted)"
            )
        selector = ":" + chosen
    allowed = _SECRET_CHARS if name.startswith(SECRETS_PREFIX) else _PATH_CHARS
    if not name or name.endswith("/") or "//" in name or set(name) - allowed:
        raise ConfigError(
            f"{variable}: {item.strip()!r} is not a valid parameter name "
            "(letters, digits and . - _ /; a secret id may also hold + = @)"
        )
    return ParameterRef(name, selector, target)


def parse_refs(text: str, variable: str) -> tuple[ParameterRef, ...]:
    """A comma-separated list of ``[VAR=]NAME[:SELECTOR]``, duplicates kept once."""
    refs: list[ParameterRef] = []
    for item in text.split(","):
        if item.strip():
            ref = parse_ref(item, variable)
            if ref not in refs:
                refs.append(ref)
    return tuple(refs)


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
        self._set(
            paths=tuple(paths),
            recursive=bool(recursive),
            names=tuple(names),
            json_names=tuple(json_names),
            references=tuple(references),
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
            self.paths or self.names or self.json_names or self.references
        )

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str] | None = None, *, options: Mapping[str, str] | None = None
    ) -> Settings:
        """Parse the settings from ``environ`` (default: ``os.environ``). ``options`` maps a
        variable to the command-line option that set it, named in messages instead."""
        if environ is None:
            environ = os.environ
        get = environ.get
        paths: list[str] = []
        params_path = get("APP_PARAMS_PATH", "").strip()
        if params_path:
            # The original contract: /{APP_ENV}/{APP_PARAMS_PATH}, or /{APP_PARAMS_PATH}.
            app_env = get("APP_ENV", "").strip()
            joined = f"{app_env}/{params_path}" if app_env else params_path
            paths.append(
                normalize_path(joined, "APP_ENV/APP_PARAMS_PATH" if app_env else "APP_PARAMS_PATH")
            )
        for item in get("SSM_ENV_PATHS", "").split(","):
            if item.strip():
                path = normalize_path(item, "SSM_ENV_PATHS")
                if path not in paths:
                    paths.append(path)
        references: list[ParameterRef] = []
        for variable, value in sorted(environ.items()):
            # This tool's own settings are never references (SSM_ENV_PATHS=ssm:/x is a bad path).
            if value.startswith(REFERENCE_PREFIX) and not variable.startswith("SSM_ENV_"):
                ref = parse_ref(
                    value[len(REFERENCE_PREFIX) :],
                    f"{variable} (an ssm: reference)",
                    allow_variable=False,
                )
                references.append(ParameterRef(ref.name, ref.selector, variable))
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
            names=parse_refs(get("SSM_ENV_NAMES", ""), "SSM_ENV_NAMES"),
            json_names=parse_refs(get("SSM_ENV_JSON_NAMES", ""), "SSM_ENV_JSON_NAMES"),
            references=tuple(references),
            name_mode=_parse_choice("SSM_ENV_NAME_MODE", get("SSM_ENV_NAME_MODE"), NAME_MODES),
            prefix=prefix,
            uppercase=parse_bool("SSM_ENV_UPPERCASE", get("SSM_ENV_UPPERCASE"), False),
            overwrite=parse_bool("SSM_ENV_OVERWRITE", get("SSM_ENV_OVERWRITE"), True),
            allow=_parse_allow(get("SSM_ENV_ALLOW", ""), "SSM_ENV_ALLOW"),
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
_UA_CHARS = frozenset(_ALNUM + "!$%&'*+-.^_`|~,")
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
