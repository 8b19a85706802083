# SPDX-License-Identifier: Apache-2.0
"""Loading, the Python API and the wrapper's middle step: fetch every source, map names, guard,
and decide what the environment becomes.

This is the in-code API as well as the wrapper's middle step::

    from ssm_env_wrapper import load_parameters, apply_environment
    values = load_parameters("/prod/myapp")   # {"DB_HOST": "...", ...}
    apply_environment()                       # the wrapper's settings, applied to os.environ

``load`` runs the stages, each in a module of its own: resolve where and how to call
(resolve.py), plan the sources and the requests (plan.py), fetch them concurrently (fetch.py),
turn what came back into claims ``(variable, parameter, value)`` and refuse collisions,
protected names and values the environment cannot carry (claims.py), keep what the
configuration already sets (original.py), and check the required variables (claims.py). With
``on_error="continue"`` a failure drops what it concerns and is reported instead of raised.
"""

from __future__ import annotations

import os

from .claims import claims_of, decide, reference_variables, require
from .deadline import Deadline
from .diagnostics import Diagnostics
from .errors import SsmEnvError, last_line
from .fetch import fetch_failures, fetch_jobs, secrets_target
from .original import apply_recorded, configured, original_environment
from .plan import FailurePolicy, make_plan
from .settings import DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT, Settings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, MutableMapping

    from .credentials import Credentials
    from .files import FileWrite
    from .metrics import LoadStats
    from .plan import Plan, Source
    from .redact import Redactor
    from .resolve import Resolved
    from .versions import VersionRecord

__all__ = ["LoadResult", "load", "load_parameters", "apply_variables", "apply_environment"]


class LoadResult:
    """What one load decided. ``repr`` lists variable names only, never values."""

    __slots__ = (
        "variables",
        "provenance",
        "unset",
        "kept",
        "failures",
        "sources",
        "requests",
        "connections",
        "skipped",
        "overrides",
        "missing_required",
        "replaced",
        "versions",
        "files",
    )

    def __init__(
        self,
        variables: dict[str, str],
        provenance: dict[str, str],
        sources: tuple[str, ...] = (),
        *,
        unset: tuple[str, ...] = (),
        kept: tuple[str, ...] = (),
        failures: tuple[str, ...] = (),
        requests: int = 0,
        connections: int = 0,
        skipped: tuple[str, ...] = (),
        overrides: tuple[tuple[str, str, str], ...] = (),
        missing_required: tuple[str, ...] = (),
        replaced: tuple[str, ...] = (),
        versions: tuple[VersionRecord, ...] = (),
        files: tuple[FileWrite, ...] = (),
    ) -> None:
        self.variables = variables  #: variable -> value, to set
        self.provenance = (
            provenance  #: variable -> the parameter (or JSON key, secret) it came from
        )
        self.sources = sources  #: what was loaded: paths, "3 names", "1 reference"
        self.unset = unset  #: variables to remove (unresolved references, continue mode)
        self.kept = kept  #: variables already set and kept (overwrite off)
        self.failures = failures  #: what failed, continue mode (one line each, no values)
        self.requests = requests
        self.connections = connections
        self.skipped = skipped  #: optional names (``?``) that do not exist, skipped
        #: SSM_ENV_COLLISION=later-wins: ``(variable, winning source, overridden source)``
        self.overrides = overrides
        #: SSM_ENV_REQUIRED variables that nothing set (only when ``load`` was asked not to raise)
        self.missing_required = missing_required
        #: SSM_ENV_OVERWRITE=true: variables the configuration set whose value a source replaced
        self.replaced = replaced
        #: the version of each parameter and secret that set a variable (versions.py), no value
        self.versions = versions
        #: SSM_ENV_FILES: the files to write (their variables hold the paths; files.py)
        self.files = files

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(source for source in self.sources if source.startswith("/"))

    def __repr__(self) -> str:
        return (
            f"LoadResult(variables={sorted(self.variables)!r}, sources={self.sources!r}, "
            f"unset={self.unset!r}, kept={self.kept!r}, failures={len(self.failures)}, "
            f"requests={self.requests})"
        )


@last_line("load")
def load(
    settings: Settings,
    environ: Mapping[str, str] | None = None,
    *,
    credentials: Credentials | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    timeout: float | None = None,
    trace: Callable[[str], None] | None = None,
    secrets: Redactor | None = None,
    enforce_required: bool = True,
    secrets_endpoint_url: str | None = None,
    stats: LoadStats | None = None,
) -> LoadResult:
    """Load what ``settings`` name. Arguments given here win over the environment (``timeout``
    over ``settings.timeout``; ``endpoint_url`` is SSM's, ``secrets_endpoint_url`` Secrets
    Manager's). ``trace`` receives one line per request (names, no values); ``secrets`` is the
    redactor to share (the log's), which learns every secret of the load; ``stats``
    (metrics.LoadStats) receives the fetch's counts, also when the load then fails.

    Raises SsmEnvError (or a subclass) unless ``settings.on_error == "continue"``; a variable of
    ``settings.required`` left unset raises RequiredVariableError in every mode (with
    ``enforce_required=False``, for ``check``, it is reported in ``missing_required`` instead).
    """
    if environ is None:
        environ = os.environ
    given: dict[str, object] = {"credentials": credentials, "region": region}
    given.update(
        endpoint_url=endpoint_url, timeout=timeout, secrets_endpoint_url=secrets_endpoint_url
    )
    if environ is not os.environ or any(value is not None for value in given.values()):
        from .arguments import check_arguments, check_environ

        check_environ(environ)
        check_arguments(**given)
    if not settings.has_sources:  # disabled: nothing loaded, nothing checked (SSM_ENV_DISABLED)
        result = LoadResult({}, {})
        return result if settings.disabled else require(settings, result, environ, enforce_required)
    timeout = settings.timeout if timeout is None else timeout
    deadline = Deadline(timeout)  # one deadline for the whole load, retries included
    diagnostics = Diagnostics(settings.origins, secrets)
    policy = FailurePolicy(settings.on_error)
    resolved = _resolve(settings, environ, deadline, diagnostics, credentials, region, endpoint_url)
    plan = make_plan(settings, policy, resolved)
    secrets_at = secrets_target(resolved, environ, secrets_endpoint_url, diagnostics)
    counts = fetch_jobs(
        plan.jobs, settings, resolved, deadline, diagnostics, trace, secrets_at, stats
    )
    policy.skipped += fetch_failures(plan.jobs, timeout, policy, diagnostics, plan.optional)
    result = _decided(settings, plan, policy, environ, counts)
    return require(settings, result, environ, enforce_required)


def _resolve(
    settings: Settings,
    environ: Mapping[str, str],
    deadline: Deadline,
    diagnostics: Diagnostics,
    credentials: Credentials | None,
    region: str | None,
    endpoint_url: str | None,
) -> Resolved | SsmEnvError:
    """Where and how to call (``resolve.resolve``), or why nothing can be fetched at all (no
    region, no credentials): the error is then every job's."""
    from .resolve import resolve

    try:
        return resolve(
            settings,
            environ,
            deadline=deadline,
            diagnostics=diagnostics,
            credentials=credentials,
            region=region,
            endpoint_url=endpoint_url,
        )
    except SsmEnvError as exc:
        return exc


def _decided(
    settings: Settings,
    plan: Plan,
    policy: FailurePolicy,
    environ: Mapping[str, str],
    counts: tuple[int, int],
) -> LoadResult:
    """The claims decided, what the configuration already sets kept, as a LoadResult."""
    from .files import file_claims, file_writes
    from .versions import loaded_versions

    references = reference_variables(plan.every)
    # SSM_ENV_FILES: file variables get their paths; a binary value anywhere else is refused.
    claims, contents = file_claims(
        settings.files, settings.files_dir, claims_of(settings, plan, policy), policy
    )
    single, unset, overrides = decide(settings, claims, plan.unset, policy, references)
    kept, replaced = configured(single, environ, settings.overwrite, references)
    # A reference that did not end up with a value (not found, failed, refused, collided) is
    # unset: never left behind as its literal "ssm:..." or "secretsmanager:..." text.
    unset += sorted(v for v in references if v not in single)
    provenance = {v: source for v, (source, _) in single.items()}
    return LoadResult(
        {v: value for v, (_, value) in single.items()},
        provenance,
        _describe(plan.every),
        unset=tuple(dict.fromkeys(unset)),
        kept=tuple(kept),
        failures=tuple(policy.failures),
        requests=counts[0],
        connections=counts[1],
        skipped=tuple(dict.fromkeys(policy.skipped)),
        overrides=tuple(overrides),
        replaced=tuple(replaced),
        versions=loaded_versions(
            {s: r for job in plan.jobs if job.error is None for s, r in job.versions.items()},
            dict(provenance),
        ),
        files=file_writes(settings.files, settings.files_dir, single, contents),
    )


# How the log line counts each kind of source other than a path.
_COUNTED_AS = {
    "name": "name",
    "json_name": "name",
    "secret": "secret",
    "json_secret": "secret",
    "reference": "reference",
    "secret_reference": "reference",
}


def _describe(sources: tuple[Source, ...]) -> tuple[str, ...]:
    """The sources, for the log line: the paths, then how many names, secrets and references."""
    described = [source.label for source in sources if source.kind == "path"]
    counts = dict.fromkeys(("name", "secret", "reference"), 0)
    for source in sources:
        if source.kind != "path":
            counts[_COUNTED_AS[source.kind]] += 1
    for word, count in counts.items():
        if count:
            described.append(f"{count} {word}{'' if count == 1 else 's'}")
    return tuple(described)


@last_line("load_parameters")
def load_parameters(
    paths: str | Iterable[str] = (),
    *,
    names: str | Iterable[str] = (),
    json_names: str | Iterable[str] = (),
    secrets: str | Iterable[str] = (),
    json_secrets: str | Iterable[str] = (),
    required: str | Iterable[str] = (),
    collision: str = "error",
    recursive: bool = False,
    name_mode: str = "leaf",
    prefix: str = "",
    uppercase: bool = False,
    allow: str | Iterable[str] = (),
    on_error: str = "fail",
    resolve_arns: bool = False,
    environ: Mapping[str, str] | None = None,
    credentials: Credentials | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    secrets_endpoint_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> dict[str, str]:
    """Fetch parameters and return ``{variable name: value}`` (nothing is set).

    ``paths``: every parameter under each path (SecureStrings decrypted, all pages).
    ``names``: ``/name``, ``VAR=/name``, with an optional ``:version`` or ``:label``.
    ``json_names``: parameters whose value is a JSON object, one variable per key.
    A name may be a parameter's full ARN (shared from another account) and may end in ``?``
    (optional: skipped when it does not exist).
    ``secrets``: Secrets Manager ``[VAR=]SECRET_ID[:json-key[:version-stage[:version-id]]]``;
    ``json_secrets``: ``[PREFIX=]SECRET_ID`` whose JSON object becomes one variable per key.
    ``required``: variables that must be set afterwards (by a source or ``environ``), else
    RequiredVariableError. ``collision``: ``"error"`` or ``"later-wins"`` (SSM_ENV_COLLISION).
    ``allow``: protected variables a source may set anyway (never credentials).
    ``on_error="continue"``: a failed source is left out instead of raising.
    ``resolve_arns``: the variables of ``environ`` holding a parameter's or a secret's ARN are
    loaded too, as the wrapper's SSM_ENV_RESOLVE_ARNS does.
    Credentials, region and endpoints come from ``environ`` (default ``os.environ``) unless
    given. No ``${VAR}`` expansion here: the caller builds its strings.
    Raises SsmEnvError (or a subclass) with a one-line message; protected names are refused.
    """
    arguments = dict(locals())
    _check_api_arguments(arguments)
    if environ is None:
        environ = arguments["environ"] = os.environ
    settings = _api_settings(arguments)
    result = load(
        settings,
        environ,
        credentials=credentials,
        region=region,
        endpoint_url=endpoint_url,
        secrets_endpoint_url=secrets_endpoint_url,
    )
    return result.variables


def _check_api_arguments(arguments: dict[str, object]) -> None:
    """``load_parameters``' arguments that are checked before ``environ`` is read."""
    from .arguments import check_arguments, check_environ

    checked = ("collision", "recursive", "name_mode", "prefix", "uppercase", "timeout")
    check_arguments(**{key: arguments[key] for key in (*checked, "max_attempts")})
    if arguments["environ"] is not None:
        check_environ(arguments["environ"])  # type: ignore[arg-type]


def _api_settings(arguments: dict[str, object]) -> Settings:
    """``load_parameters``' arguments as Settings (``environ`` given or the process's)."""
    from .arguments import settings_from_arguments

    environ: Mapping[str, str] = arguments["environ"]  # type: ignore[assignment]
    given = frozenset(
        key for key in ("region", "endpoint_url", "secrets_endpoint_url") if arguments[key]
    )
    return settings_from_arguments(Settings, environ, given, arguments)


@last_line("apply_variables")
def apply_variables(
    result: LoadResult,
    environ: MutableMapping[str, str] | None = None,
    *,
    files: bool = True,
) -> None:
    """Make ``environ`` (default ``os.environ``) what ``result`` says: write its files
    (SSM_ENV_FILES; ``files=False`` leaves them), then set its variables, remove its unresolved
    references, and record what they held before (``original``: a later load reads the
    configuration, never a loaded value). Values were checked by ``load``; only a file that cannot
    be written raises (SsmEnvError), before any variable is set."""
    if files and result.files:
        from .files import write_files

        write_files(result.files)
    apply_recorded(result.variables, result.unset, os.environ if environ is None else environ)


@last_line("apply_environment")
def apply_environment(environ: MutableMapping[str, str] | None = None) -> LoadResult:
    """Do what the wrapper does before exec, in-process: read the settings from ``environ``
    (default ``os.environ``) as the configuration gave it, before any load changed it (the
    SnapStart after-restore refresh, a second call), load, and set the variables there."""
    if environ is None:
        environ = os.environ
    given = original_environment(environ)
    settings = Settings.from_environ(given)
    if settings.notes:
        import warnings

        for note in settings.notes:
            warnings.warn(note, stacklevel=2)
    result = load(settings, given)
    if result.files:  # the files first (SSM_ENV_FILES): their variables hold the paths
        from .files import write_files

        write_files(result.files)
    apply_recorded(result.variables, result.unset, environ, restore=True)
    return result
