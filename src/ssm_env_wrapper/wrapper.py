# SPDX-License-Identifier: Apache-2.0
"""The wrapper's one pass: settings, command, load, apply, exec. Failure is closed: exit
non-zero with one line, and the command never starts half-configured."""

from __future__ import annotations

import os
import time

from .advice import given
from .command import check_exec_size, exec_command, resolve_command
from .errors import SsmEnvError
from .guards import ORIGINAL_VARIABLE
from .log import Log
from .settings import Settings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from .diagnostics import Origins
    from .loader import LoadResult
    from .metrics import LoadStats

__all__ = ["run", "report", "empty_paths"]


def empty_paths(settings: Settings, result: LoadResult) -> list[str]:
    """The paths of ``settings`` from which nothing was loaded, and that did not fail (a failure
    is reported on its own). Read from ``provenance``: every loaded variable names its parameter,
    which lies under the path it came from."""
    sources = list(result.provenance.values())
    return [
        path
        for path in settings.paths
        if not any(source.startswith(path.rstrip("/") + "/") for source in sources)
        and not any(path in failure for failure in result.failures)
    ]


def report(log: Log, result: LoadResult, started: float, settings: Settings | None = None) -> None:
    """The lines a load leaves in the log: the count, then anything kept, failed or unset, and
    each path that loaded nothing. Settings are named as the caller gave them (``origins``)."""
    origins = (settings or Settings()).origins
    elapsed = (time.monotonic() - started) * 1000
    count = len(result.variables)
    if result.sources:  # nothing was loaded when only SSM_ENV_REQUIRED is set
        log.info(
            # Variables, not parameters: a JSON parameter or a secret sets one per key.
            f"loaded {count} variable{'' if count == 1 else 's'} from "
            f"{', '.join(result.sources)} in {elapsed:.0f} ms "
            f"({result.requests} request{'' if result.requests == 1 else 's'})" + _recorded(result),
            variables=count,
            parameters=count,  # 0.1.0's name for the same count: JSON log fields are kept
            versions=len(result.versions),
            files=len(result.files),
            sources=list(result.sources),
            requests=result.requests,
            connections=result.connections,
            duration_ms=round(elapsed, 1),
        )
    if log.enabled("debug"):
        _report_debug(log, result)
    _report_claims(log, result, origins)
    for failure in result.failures:
        log.warning(f"{given(origins.on_error, 'continue')}, starting without: {failure}")
    for path in empty_paths(settings, result) if settings else ():
        log.warning(
            f"path {path} loaded nothing: check the path (and the recursive setting); to stop "
            f"the start without it, list the variables it must set in {origins.required}",
            path=path,
        )
    if result.unset:
        log.warning(
            f"unset unresolved references: {', '.join(result.unset)}", unset=list(result.unset)
        )


def _report_debug(log: Log, result: LoadResult) -> None:
    """Where each variable came from, which versions, which files: names only, no value."""
    for variable in sorted(result.provenance):
        log.debug(f"{variable} <- {result.provenance[variable]}")
    for record in result.versions:  # "which version is this function running?"
        log.debug(
            f"version: {record.describe()}",
            source=record.source,
            version=record.version,
            stages=list(record.stages),
        )
    for written in result.files:
        log.debug(f"{written.variable}: wrote {written.path} (mode 0600)", path=written.path)


def _report_claims(log: Log, result: LoadResult, origins: Origins) -> None:
    """What the claims decided beyond setting variables: overrides, skips, kept and replaced."""
    for variable, winner, loser in result.overrides:
        # Sources only, never values (SSM_ENV_COLLISION=later-wins).
        log.info(
            f"{given(origins.collision, 'later-wins')}: {variable} from {winner} overrides {loser}",
            variable=variable,
            source=winner,
            overridden=loser,
        )
    if result.skipped:
        log.info(
            f"optional, not found, skipped: {', '.join(result.skipped)}",
            skipped=list(result.skipped),
        )
    if result.replaced:
        log.info(
            f"{given(origins.overwrite, 'true')}: replaced the configured value of "
            f"{', '.join(result.replaced)}",
            replaced=list(result.replaced),
        )
    if result.kept:
        log.info(
            f"{given(origins.overwrite, 'false')}: kept the existing value of "
            f"{', '.join(result.kept)}",
            kept=list(result.kept),
        )


def _recorded(result: LoadResult) -> str:
    """``, 3 versions recorded, 1 file written``: what the info line adds after the requests."""
    text = f", {len(result.versions)} version{'' if len(result.versions) == 1 else 's'} recorded"
    if result.files:
        text += f", {len(result.files)} file{'' if len(result.files) == 1 else 's'} written"
    return text


def _metrics(
    settings: Settings | None,
    stats: LoadStats | None,
    started: float,
    environ: Mapping[str, str],
    log: Log,
    error: SsmEnvError | None = None,
) -> None:
    """The EMF line (SSM_ENV_METRICS=emf) of a load, or of a start that failed before or during
    one; settings that could not be parsed are read for the metrics settings alone."""
    if settings is not None:
        mode, namespace = settings.metrics, settings.metrics_namespace
        function_name = settings.function_name
    elif environ.get("SSM_ENV_METRICS"):
        function_name = environ.get("AWS_LAMBDA_FUNCTION_NAME", "").strip()
        try:
            from .parsers import parse_metrics, parse_namespace

            mode = parse_metrics("SSM_ENV_METRICS", environ.get("SSM_ENV_METRICS", ""))
            namespace = parse_namespace(
                "SSM_ENV_METRICS_NAMESPACE", environ.get("SSM_ENV_METRICS_NAMESPACE", "")
            )
        except SsmEnvError:
            return  # the one error line already says what is wrong
    else:
        return
    if mode:
        from .metrics import LoadStats, emit_metrics

        emit_metrics(
            namespace, stats or LoadStats(), started, function_name, error=error, stream=log.stream
        )


def _begin(
    environ: Mapping[str, str] | None, log: Log | None
) -> tuple[Mapping[str, str], Log] | int:
    """The environment the configuration is read from and the log, or the exit status when
    either cannot be had (the one line already printed). The log masks the credentials' secrets
    from the start."""
    settings_env = os.environ if environ is None else environ
    try:
        if environ is None and ORIGINAL_VARIABLE in settings_env:
            # Started by a process that already loaded (a chained wrapper): the configuration
            # is what the record says the variables held, never what was loaded into them.
            from .original import original_environment

            settings_env = original_environment(settings_env)
        if log is None:
            log = Log.from_environ(settings_env)
    except SsmEnvError as exc:
        Log().error(str(exc))
        return exc.exit_code
    log.secrets += [
        settings_env.get("AWS_SECRET_ACCESS_KEY", ""),
        settings_env.get("AWS_SESSION_TOKEN", ""),
    ]
    return settings_env, log


def _command(
    args: list[str], settings: Settings, settings_env: Mapping[str, str]
) -> tuple[str, list[str]]:
    """The executable and its arguments, resolved before any network call: a typo in the
    command fails in microseconds."""
    search_path = settings_env.get("PATH", os.defpath)
    executable = resolve_command(args[0], search_path)
    if settings.exec_wrapper:
        # A function has one AWS_LAMBDA_EXEC_WRAPPER: chain the next one (e.g. a telemetry
        # layer's) by exec'ing it with the runtime's command line, as Lambda would have.
        executable = resolve_command(settings.exec_wrapper, search_path)
        args = [settings.exec_wrapper] + args
    return executable, args


def _load_and_apply(
    args: list[str],
    settings: Settings,
    settings_env: Mapping[str, str],
    log: Log,
    stats: LoadStats | None,
) -> LoadResult:
    """Load, check that the command line still fits, write the files, set the variables."""
    # Imported only when there is something to load: the empty start stays minimal.
    from .loader import load
    from .original import apply_recorded

    # One redactor for the load and the log: what the load learns (credentials from a
    # profile, a credential_process or the container provider; every value) the log masks.
    result = load(
        settings,
        settings_env,
        trace=log.debug if log.enabled("debug") else None,
        secrets=log.secrets,
        stats=stats,
    )
    # A file variable holds a path, which is no secret (its content was learned as fetched).
    paths = {written.variable for written in result.files}
    log.secrets.extend(v for k, v in result.variables.items() if k not in paths)
    prospective = dict(os.environ)
    apply_recorded(result.variables, result.unset, prospective, restore=True)
    check_exec_size(args, prospective)  # before anything is set or reported as loaded
    if result.files:  # the files first (SSM_ENV_FILES): their variables hold the paths
        from .files import write_files

        write_files(result.files)
    apply_recorded(result.variables, result.unset, os.environ, restore=True)
    return result


def _report_disabled(settings: Settings, log: Log) -> None:
    # The off switch does nothing at all, so that flipping it always starts the runtime (values
    # set by hand, an outage of SSM); the line says what it did not check.
    unchecked = ", ".join(settings.required)
    checked = f", and {settings.origins.required} not checked ({unchecked})" if unchecked else ""
    log.info(f"{settings.origins.disabled} is set: nothing loaded{checked}")


def run(
    args: list[str],
    environ: Mapping[str, str] | None = None,
    *,
    settings: Settings | None = None,
    log: Log | None = None,
) -> int:
    """Load what ``environ`` (default ``os.environ``; the CLI passes it with its options merged
    in, and the settings and log it already parsed) configures into ``os.environ``, then exec
    ``args``. Returns only on failure."""
    started = time.monotonic()
    begun = _begin(environ, log)
    if isinstance(begun, int):
        return begun
    settings_env, log = begun
    stats = None  # the load's counters, when SSM_ENV_METRICS asks for them
    try:
        if settings is None:
            settings = Settings.from_environ(settings_env)
        for note in settings.notes:
            log.warning(note)
        executable, args = _command(args, settings, settings_env)
        if settings.disabled:
            _report_disabled(settings, log)
        elif settings.has_sources or settings.required:
            if settings.metrics:
                from .metrics import LoadStats  # only when asked: the cold path stays as it was

                stats = LoadStats()
            result = _load_and_apply(args, settings, settings_env, log, stats)
            report(log, result, started, settings)
            _metrics(settings, stats, started, settings_env, log)
            if settings.initialization_type == "snap-start":
                log.warning(
                    "SnapStart: the values loaded at init are stored in the snapshot and "
                    "reused by every restored environment; rotate with a new version, "
                    "or read short-lived secrets at invoke time"
                )
        exec_command(executable, args)
    except SsmEnvError as exc:
        for failure in getattr(exc, "failures", ()):  # what continue mode let pass, first
            on_error = settings.origins.on_error if settings else "SSM_ENV_ON_ERROR"
            log.warning(f"{given(on_error, 'continue')}: {failure}")
        log.error(str(exc), error=type(exc).__name__)
        _metrics(settings, stats, started, settings_env, log, exc)
        return exc.exit_code
    return 0  # not reached: exec_command replaces the process
