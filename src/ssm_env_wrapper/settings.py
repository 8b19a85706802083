# SPDX-License-Identifier: Apache-2.0
"""Settings: read once from the environment into an immutable value.

Precedence, one rule for every setting: an explicit argument of the Python API (or the command
line) wins over the environment, and the environment wins over the built-in default. The sources
are additive: ``APP_ENV``/``APP_PARAMS_PATH`` (the original contract), ``SSM_ENV_PATHS``,
``SSM_ENV_NAMES``, ``SSM_ENV_JSON_NAMES`` and ``ssm:`` references are all loaded. Each setting's
text is parsed by ``parsers`` (its row of ``settings_table.SETTINGS`` names the shape).
"""

from __future__ import annotations

from .diagnostics import Origins
from .errors import ConfigError, last_line
from .guards import ORIGINAL_VARIABLE
from .parsers import (
    DEFAULT_METRICS_NAMESPACE,
    PARSERS,
    app_path,
    normalize_path,
    parse_bool,
    parse_refs,
    scan_references,
)
from .settings_table import SETTINGS, first_set, unknown_settings
from .sources import COLLISION_MODES, ParameterRef, SecretRef
from .useragent import user_agent
from .values import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only; importing typing costs every cold start milliseconds
    from collections.abc import Callable, Mapping
    from typing import Any

    from .files import FileTarget

__all__ = [
    "Settings",
    "ParameterRef",
    "parse_bool",
    "normalize_path",
    "parse_refs",
    "user_agent",
]

#: Seconds the whole load may take, retries included (SSM_ENV_TIMEOUT). Lambda's init phase is
#: limited to 10 s, and the runtime still has to start after us.
DEFAULT_TIMEOUT = 5.0

#: Attempts per request (SSM_ENV_MAX_ATTEMPTS, else AWS_MAX_ATTEMPTS), the first included, as
#: AWS_MAX_ATTEMPTS counts them in the SDKs ("Retry behavior", AWS SDKs and Tools Reference Guide).
#: Why 8 and not the SDKs' 3: when hundreds of functions cold-start at once they share SSM's 40
#: requests a second per account and region. With full jitter on a 100 ms base (capped at 2 s) the
#: expected waits after attempts 1..7 add up to about 3 s, so eight attempts spread a storm over
#: most of the 5 s deadline instead of giving up after a few hundred milliseconds, and a failed
#: start costs a whole new INIT (billed since 2025-08-01); the deadline stays the hard bound.
DEFAULT_MAX_ATTEMPTS = 8

NAME_MODES = ("leaf", "relative")
ON_ERROR_MODES = ("fail", "continue")

#: How ``Settings`` stores an argument that is not kept as given: the sources and lists as
#: tuples, the switches as bools, whatever iterable or truthy value a caller passed.
_STORED: dict[str, Callable[[Any], object]] = {
    **dict.fromkeys(
        (
            "paths",
            "names",
            "json_names",
            "references",
            "secrets",
            "json_secrets",
            "secret_references",
            "required",
            "notes",
            "files",
        ),
        tuple,
    ),
    **dict.fromkeys(("recursive", "resolve_arns", "uppercase", "overwrite", "disabled"), bool),
    "allow": frozenset,
    "exec_wrapper": lambda value: value or None,
    "timeout": float,
    "max_attempts": int,
}


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
        "metrics",
        "metrics_namespace",
        "function_name",
        "initialization_type",
        "notes",
        "files",
        "files_dir",
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
    origins: Origins  #: how each setting is named in messages (default: as the variables)
    metrics: str
    metrics_namespace: str
    function_name: str  #: read before a load may set AWS_LAMBDA_*
    initialization_type: str
    notes: tuple[str, ...]  #: warnings about the environment's names (near misses)
    files: tuple[FileTarget, ...]
    files_dir: str

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
        metrics: str = "",
        metrics_namespace: str = DEFAULT_METRICS_NAMESPACE,
        function_name: str = "",
        initialization_type: str = "",
        notes: tuple[str, ...] = (),
        files: tuple[FileTarget, ...] = (),
        files_dir: str = "/tmp",  # files.DEFAULT_FILES_DIR (imported only when files are asked)
    ) -> None:
        arguments = locals()  # every field, by the name of its slot
        given = {name: arguments[name] for name in self.__slots__}
        for field, modes in (
            ("name_mode", NAME_MODES),
            ("on_error", ON_ERROR_MODES),
            ("collision", COLLISION_MODES),
        ):
            if given[field] not in modes:
                raise ConfigError(
                    f"{field} must be one of {', '.join(modes)}, got {given[field]!r}"
                )
        given["origins"] = origins or Origins().replace(max_attempts=max_attempts_setting)
        self._set(**{name: _STORED[name](v) if name in _STORED else v for name, v in given.items()})

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
        """Parse the settings from ``environ`` (default: the process environment) through the
        settings table (``settings_table.SETTINGS``). ``options`` (the command line) maps a
        variable to the option that set it: messages then name options, as the user typed them.
        An unknown ``SSM_ENV_*`` name stops here; near misses of other names become ``notes``."""
        import os  # a Python caller's default; the wrapper and the CLI pass theirs

        if environ is None:
            environ = os.environ
        elif environ is not os.environ:
            from .arguments import check_environ

            check_environ(environ)
        if ORIGINAL_VARIABLE in environ:  # after a load: the configuration, no loaded value
            from .original import original_environment

            environ = original_environment(environ)
        errors, notes = unknown_settings(environ)
        if errors:
            raise ConfigError("; ".join(errors))
        values: dict[str, object] = {}
        for key, _, _, metavar, _, _, default, _ in SETTINGS:
            parse = PARSERS.get(key)
            if parse is not None:
                variable = first_set(key, environ)
                values[key] = parse(variable, environ.get(variable, ""), default, metavar, environ)
        paths = app_path(environ)
        paths += [path for path in values.pop("paths") if path not in paths]  # type: ignore[attr-defined]
        references, secret_references = scan_references(
            environ,
            bool(values["resolve_arns"]),
            values["allow"],  # type: ignore[arg-type]
        )
        files: tuple[FileTarget, ...] = ()
        files_dir = "/tmp"
        if environ.get("SSM_ENV_FILES", "").strip():  # the files module only when files are asked
            from .files import parse_files

            files, files_dir = parse_files(environ)
        given = frozenset(k for k, _, option, *_ in SETTINGS if option in (options or {}).values())
        return cls(
            tuple(paths),
            references=references,
            secret_references=secret_references,
            max_attempts_setting=first_set("max_attempts", environ),
            origins=Origins.spelled("env" if options is None else "cli", environ, given),
            notes=tuple(notes),
            files=files,
            files_dir=files_dir,
            **values,  # type: ignore[arg-type]
        )
