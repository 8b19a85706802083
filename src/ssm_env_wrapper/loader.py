# SPDX-License-Identifier: Apache-2.0
"""Loading: fetch every source, map names, guard, and decide what the environment becomes.

This is the in-code API as well as the wrapper's middle step::

    from ssm_env_wrapper import load_parameters, apply_environment
    values = load_parameters("/prod/myapp")   # {"DB_HOST": "...", ...}
    apply_environment()                       # the wrapper's settings, applied to os.environ

The steps: plan the requests (one job a path; names and ``ssm:`` references in batches of ten),
run independent jobs concurrently (each worker on its own kept-alive connection), turn what came
back into claims ``(variable, parameter, value)``, then refuse collisions, protected names and
values the environment cannot carry. With ``on_error="continue"`` a failure drops what it
concerns and is reported instead of raised.
"""

from __future__ import annotations

import os
import sys

from .deadline import Deadline
from .diagnostics import Diagnostics, given
from .endpoint import partition
from .errors import (
    AwsApiError,
    ConfigError,
    DeadlineError,
    NameCollisionError,
    ProtectedNameError,
    RequiredVariableError,
    SsmEnvError,
    last_line,
)
from .guards import env_string_problem, protection
from .naming import group_claims, sanitize, variable_name
from .original import apply_recorded, configured, original_environment
from .settings import DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT, Settings
from .sources import (
    SECRETS_PREFIX,
    arn_location,
    batch_key,
    split_selector,
)
from .ssm import MAX_NAMES, SsmClient, answer_name, inconsistent_answer
from .values import ascii_digits

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, MutableMapping
    from typing import Any

    from .credentials import Credentials
    from .endpoint import Endpoint
    from .files import FileWrite
    from .metrics import LoadStats
    from .proxy import Proxy
    from .redact import Redactor
    from .resolve import Resolved
    from .sources import ParameterRef, SecretRef
    from .versions import VersionRecord

__all__ = ["LoadResult", "load", "load_parameters", "apply_variables", "apply_environment"]

# Independent requests run on at most this many connections at once: enough to overlap round trips,
# few enough not to spend a large share of SSM's shared 40 requests a second on one cold start.
_MAX_PARALLEL = 4


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


class _Job:
    """One independent unit of fetching: a whole path (all pages), one batch of names, or one
    batch of secrets (Secrets Manager, ``service == "secretsmanager"``)."""

    __slots__ = (
        "path",
        "names",
        "secrets",
        "pairs",
        "secret_values",
        "invalid",
        "error",
        "errors",
        "versions",
    )

    def __init__(
        self,
        path: str | None = None,
        names: list[str] | None = None,
        secrets: list[tuple[str, str, str]] | None = None,
    ) -> None:
        self.path = path
        self.names = names or []
        self.secrets = secrets or []  # (secret id, version stage, version id)
        self.pairs: list[tuple[str, str]] = []  # (name as requested, value)
        self.secret_values: dict[tuple[str, str, str], str | bytes] = {}  # key -> value
        self.invalid: list[str] = []  # names (or secret sources) that do not exist
        self.error: BaseException | None = None
        self.errors: list[SsmEnvError] = []  # per-secret failures of a batch that answered
        self.versions: dict[str, VersionRecord] = {}  # by source, as the claims name it

    @property
    def service(self) -> str:
        return "secretsmanager" if self.secrets else "ssm"

    @property
    def target(self) -> str:
        """What this job fetches, for the deadline message."""
        if self.secrets:
            return ", ".join(_secret_source(key) for key in self.secrets)
        return self.path or ", ".join(self.names)

    def run(self, client: Any, recursive: bool) -> None:
        if self.secrets:
            from .secretsmanager import fetch_secrets
            from .versions import secret_records

            entries, missing, self.errors = fetch_secrets(client, self.secrets)
            self.secret_values, self.versions = secret_records(entries, _secret_source, client)
            self.invalid = [_secret_source(key) for key in missing]
            return
        from .versions import parameter_records

        if self.path is not None:
            answer = list(client.get_parameters_by_path(self.path, recursive))
            self.pairs = [(p["Name"], p["Value"]) for p in answer]
            self.versions = parameter_records((p["Name"], p) for p in answer)
            return
        parameters, invalid = client.get_parameters(self.names)
        # Set only once the whole answer is found consistent: a failed job contributes nothing.
        fix = client.diagnostics.endpoint_fix()
        asked: dict[str, dict] = {}
        self.pairs, self.invalid = _match_requested(self.names, parameters, invalid, fix, asked)
        self.versions = parameter_records(asked.items())


def _secret_source(key: tuple[str, str, str]) -> str:
    from .sources import SecretRef

    return SecretRef(key[0], "", key[1], key[2]).source


def _base(requested: str) -> str:
    return split_selector(requested)[0]


def _match_requested(
    requested: list[str],
    parameters: list[dict],
    invalid: list[str],
    fix: str = "",
    answers: dict[str, dict] | None = None,
) -> tuple[list[tuple[str, str]], list[str]]:
    """Pair each returned parameter with the name it was asked by; every name asked must be
    answered exactly once, in ``Parameters`` or ``InvalidParameters``, and nothing else may be.

    SSM answers ``name:3`` or ``name:label`` with ``Name`` = the name and ``Selector`` = ``:3`` or
    ``:label`` (SSM API reference, ``Parameter.Selector``); moto leaves ``Selector`` out, so a
    version is then proven by ``Version``. A Secrets Manager reference comes back under its full
    ``/aws/reference/secretsmanager/`` name (moto: under the secret's own name). Names are
    case-sensitive and never end in ``/``. A batch never asks one base name twice (``_batches``),
    so each answered name belongs to one request. Raises EndpointError ("inconsistent").
    ``answers`` (when given) receives each parameter of the answer by the name it was asked by."""
    call = f"GetParameters {', '.join(requested)}"

    def bad(detail: str) -> SsmEnvError:
        return inconsistent_answer(call, detail, fix)

    by_base = {_base(name): name for name in requested}
    aliases = {
        base[len(SECRETS_PREFIX) :]: name
        for base, name in by_base.items()
        if base.startswith(SECRETS_PREFIX) and base[len(SECRETS_PREFIX) :] not in by_base
    }
    # A parameter asked by its ARN (shared from another account): the API reference does not say
    # whether Name then holds the ARN or the name, so either is taken, as the answer to that one
    # request (a batch never asks one name twice, ARN or not: _batches).
    # The ARN's resource (parameter/prod/db) does not show whether the name has its leading
    # slash (a top-level name may have none): both spellings are taken.
    aliases.update(
        (alias, name)
        for base, name in by_base.items()
        if base.startswith("arn:")
        for alias in (batch_key(base), batch_key(base)[1:])
        if alias not in by_base
    )
    values: dict[str, str] = {}
    for parameter in parameters:
        name = parameter["Name"]
        asked = by_base.get(name) or aliases.get(name)
        if asked is None:
            raise bad(f"it holds {answer_name(name)}, which was not asked")
        selector = asked[len(_base(asked)) :]
        answered = parameter.get("Selector") or ""
        if answered and answered not in (selector, asked):
            raise bad(f"{asked} was answered with the selector {answer_name(answered)}")
        # Compared as text: int() of a long selector would meet Python's int-string limit.
        if (
            ascii_digits(selector[1:])
            and "Version" in parameter
            and str(parameter["Version"]) != (selector[1:].lstrip("0") or "0")
        ):
            raise bad(f"{asked} was answered with version {answer_name(str(parameter['Version']))}")
        if asked in values:
            raise bad(f"it holds {asked} twice")
        values[asked] = parameter["Value"]
        if answers is not None:
            answers[asked] = parameter
    unasked = [name for name in invalid if name not in by_base.values()]
    if unasked:
        raise bad(f"its InvalidParameters holds {answer_name(unasked[0])}, which was not asked")
    both = [name for name in invalid if name in values]
    if both:
        raise bad(f"{both[0]} is both in Parameters and in InvalidParameters")
    missing = [name for name in requested if name not in values and name not in invalid]
    if missing:
        raise bad(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
            "neither in Parameters nor in InvalidParameters",
        )
    return list(values.items()), list(dict.fromkeys(invalid))


def _batches(requested: list[str]) -> list[list[str]]:
    """At most ``MAX_NAMES`` names a batch, and one base name at most once in a batch."""
    batches: list[list[str]] = []
    for name in requested:
        for batch in batches:
            if len(batch) < MAX_NAMES and all(
                batch_key(other) != batch_key(name) for other in batch
            ):
                batch.append(name)
                break
        else:
            batches.append([name])
    return batches


def _run_jobs(
    jobs: list[_Job], connect: Callable[[str], Any], recursive: bool, stats: LoadStats | None = None
) -> tuple[int, int]:
    """Run ``jobs``, concurrently when there are several; each worker has its own client per
    service (and so its own kept-alive connection to each endpoint). Errors stay on their job.
    Returns (requests, connections).

    The clients are made here, in the caller's thread, before any worker starts: a setting that
    cannot work (an unreadable CA bundle, a bad proxy URL) raises at once for the whole load
    instead of silently ending a worker and leaving its jobs neither done nor failed.
    """
    queue = list(jobs)
    services = list(dict.fromkeys(job.service for job in jobs))
    workers = [
        {service: connect(service) for service in services}
        for _ in range(min(len(jobs), _MAX_PARALLEL))
    ]

    def work(clients: dict[str, Any]) -> None:
        try:
            while True:
                try:
                    job = queue.pop(0)  # list.pop is atomic under the GIL
                except IndexError:
                    return
                try:
                    job.run(clients[job.service], recursive)
                except BaseException as exc:  # handed to the caller's thread by load()
                    job.error = exc
        finally:
            for client in clients.values():
                client.close()

    if len(workers) <= 1:
        for clients in workers:
            work(clients)
    else:
        import threading  # only when there is something to overlap

        threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    every = [client for clients in workers for client in clients.values()]
    if stats is not None:
        stats.add(every, jobs)
    return sum(c.requests for c in every), sum(c.connections for c in every)


def _json_claims(
    where: str, source: str, prefix: str, value: str, settings: Settings, alternative: str
) -> list[tuple[str, str, str]]:
    """One claim per key of a JSON object value: ``{"host": "h"}`` -> ``host=h`` (``PREFIX_host``
    with ``PREFIX_=/name``). Strings are taken as they are; other values as compact JSON."""
    from .jsonvalue import json_member, json_object

    claims = []
    for key, item in json_object(where, value, alternative).items():
        name = settings.prefix + prefix + sanitize(key)
        claims.append(
            (
                name.upper() if settings.uppercase else name,
                f"{source}#{key}",
                json_member(where, key, item),
            )
        )
    return claims


def _protected_error(
    refused: Iterable[tuple[str | None, str, str]], settings: Settings
) -> ProtectedNameError:
    return ProtectedNameError(
        "refusing protected variables: "
        + "; ".join(f"{source} would set {variable} ({why})" for variable, source, why in refused)
        + f"; {Diagnostics(settings.origins).protected_fix()}"
    )


class _FailurePolicy:
    """What a failure does: raised at once when failing closed, kept as a line in continue
    mode (``SSM_ENV_ON_ERROR=continue``). ``skipped`` collects the optional (``?``) names,
    secrets and keys that do not exist: neither failures nor errors."""

    def __init__(self, on_error: str) -> None:
        self.continue_on_error = on_error == "continue"
        self.failures: list[str] = []
        self.skipped: list[str] = []

    def fail(self, error: SsmEnvError) -> None:
        if not self.continue_on_error:
            raise error
        self.failures.append(str(error))


def _arns_elsewhere(
    settings: Settings, region: str
) -> tuple[list[ParameterRef], list[SecretRef], str]:
    """The ARNs (parameters and secrets) of another region or partition than the endpoint's:
    GetParameters reads a shared parameter, and Secrets Manager a secret, only in the region the
    request goes to (the endpoint is regional), so such an ARN can never load."""
    here = (partition(region)[0], region)
    parameters = [
        ref
        for ref in settings.names + settings.json_names + settings.references
        if ref.name.startswith("arn:") and arn_location(ref.name) != here
    ]
    secrets = [
        ref
        for ref in settings.secrets + settings.json_secrets + settings.secret_references
        if ref.secret_id.startswith("arn:") and arn_location(ref.secret_id) != here
    ]
    listed = [ref.requested for ref in parameters] + [ref.source for ref in secrets]
    return parameters, secrets, ", ".join(dict.fromkeys(listed))


def _secret_jobs(keys: list[tuple[str, str, str]]) -> list[_Job]:
    """One GetSecretValue for one secret (or a pinned version: BatchGetSecretValue takes no
    version), BatchGetSecretValue for more, up to ``MAX_SECRETS`` ids a call."""
    if not keys:
        return []  # the Secrets Manager module is imported only when there are secrets
    from .secretsmanager import MAX_SECRETS
    from .sources import SecretRef

    pinned = [key for key in keys if key[1] or key[2]]
    current = [key for key in keys if not (key[1] or key[2])]
    jobs = [_Job(secrets=[key]) for key in pinned]
    # One secret at most once a batch (by its name, ARN or not): each entry of the answer then
    # belongs to exactly one id asked.
    batches: list[list[tuple[str, str, str]]] = []
    for key in current:
        name = SecretRef(key[0]).name
        for batch in batches:
            if len(batch) < MAX_SECRETS and all(SecretRef(k[0]).name != name for k in batch):
                batch.append(key)
                break
        else:
            batches.append([key])
    return jobs + [_Job(secrets=batch) for batch in batches]


class _Plan:
    """What to fetch: the sources still to load (a reference in a protected variable, or an ARN
    of another region, is refused before any request), the variables already to unset, the
    names that may be missing (``?``), and the jobs (one a path, names in batches of ten,
    secrets in batches of twenty)."""

    __slots__ = (
        "names",
        "json_names",
        "references",
        "secrets",
        "json_secrets",
        "secret_references",
        "unset",
        "optional",
        "jobs",
    )

    def __init__(self, settings: Settings) -> None:
        self.names = settings.names
        self.json_names = settings.json_names
        self.references = settings.references
        self.secrets = settings.secrets
        self.json_secrets = settings.json_secrets
        self.secret_references = settings.secret_references
        self.unset: list[str] = []
        self.optional: set[str] = set()
        self.jobs: list[_Job] = []

    def drop(self, parameters: Iterable[ParameterRef], secrets: Iterable[SecretRef]) -> None:
        """Leave these out of the load; the references among them are unset."""
        gone_p, gone_s = set(parameters), set(secrets)
        self.names = tuple(r for r in self.names if r not in gone_p)
        self.json_names = tuple(r for r in self.json_names if r not in gone_p)
        self.secrets = tuple(r for r in self.secrets if r not in gone_s)
        self.json_secrets = tuple(r for r in self.json_secrets if r not in gone_s)
        self.unset += [r.variable for r in self.references if r in gone_p and r.variable]
        self.unset += [r.variable for r in self.secret_references if r in gone_s and r.variable]
        self.references = tuple(r for r in self.references if r not in gone_p)
        self.secret_references = tuple(r for r in self.secret_references if r not in gone_s)

    @property
    def groups(self) -> tuple[tuple, ...]:
        return (
            self.names,
            self.json_names,
            self.references,
            self.secrets,
            self.json_secrets,
            self.secret_references,
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
        return (
            result if settings.disabled else _require(settings, result, environ, enforce_required)
        )
    timeout = settings.timeout if timeout is None else timeout
    deadline = Deadline(timeout)  # one deadline for the whole load, retries included
    diagnostics = Diagnostics(settings.origins, secrets)
    policy = _FailurePolicy(settings.on_error)

    resolved = _resolve(
        settings,
        environ,
        deadline,
        diagnostics,
        credentials=credentials,
        region=region,
        endpoint_url=endpoint_url,
    )
    plan = _plan(settings, policy, resolved)
    requests, connections = _fetch(
        plan.jobs,
        settings,
        resolved,
        deadline,
        diagnostics,
        trace,
        _secrets_target(resolved, environ, secrets_endpoint_url, diagnostics),
        stats,
    )
    policy.skipped += _fetch_failures(plan.jobs, timeout, policy, diagnostics, plan.optional)
    from .files import file_claims, file_writes
    from .versions import loaded_versions

    # SSM_ENV_FILES: file variables get their paths; a binary value anywhere else is refused.
    claims, contents = file_claims(
        settings.files, settings.files_dir, _claims(settings, plan, policy), policy
    )
    single, unset, overrides = _decide(settings, claims, plan.unset, policy)
    kept, replaced = configured(single, environ, settings.overwrite, _reference_variables(settings))
    # A reference that did not end up with a value (not found, failed, refused, collided) is
    # unset: never left behind as its literal "ssm:..." or "secretsmanager:..." text.
    unset += sorted(v for v in _reference_variables(settings) if v not in single)
    result = LoadResult(
        {v: value for v, (_, value) in single.items()},
        {v: source for v, (source, _) in single.items()},
        _describe(settings),
        unset=tuple(dict.fromkeys(unset)),
        kept=tuple(kept),
        failures=tuple(policy.failures),
        requests=requests,
        connections=connections,
        skipped=tuple(dict.fromkeys(policy.skipped)),
        overrides=tuple(overrides),
        replaced=tuple(replaced),
        versions=loaded_versions(
            {s: r for job in plan.jobs if job.error is None for s, r in job.versions.items()},
            {v: source for v, (source, _) in single.items()},
        ),
        files=file_writes(settings.files, settings.files_dir, single, contents),
    )
    return _require(settings, result, environ, enforce_required)


def _reference_variables(settings: Settings) -> set[str]:
    return {
        ref.variable
        for ref in settings.references + settings.secret_references  # type: ignore[operator]
        if ref.variable
    }


def _resolve(
    settings: Settings,
    environ: Mapping[str, str],
    deadline: Deadline,
    diagnostics: Diagnostics,
    **overrides: object,
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
            **overrides,  # type: ignore[arg-type]
        )
    except SsmEnvError as exc:
        return exc


def _plan(settings: Settings, policy: _FailurePolicy, resolved: Resolved | SsmEnvError) -> _Plan:
    """A reference in a protected variable (AWS_REGION=ssm:/x) is refused before any request, as
    is an ARN of another region or partition than the endpoint's; then one job a path, the
    names in batches of ten, the secrets in batches of twenty."""
    plan = _Plan(settings)
    refused_parameters = [
        (ref, why)
        for ref in settings.references
        if ref.variable and (why := protection(ref.variable, settings.allow))
    ]
    refused_secrets = [
        (ref, why)
        for ref in settings.secret_references
        if ref.variable and (why := protection(ref.variable, settings.allow))
    ]
    if refused_parameters or refused_secrets:
        policy.fail(
            _protected_error(
                [(ref.variable, ref.requested, why) for ref, why in refused_parameters]
                + [(ref.variable, ref.source, why) for ref, why in refused_secrets],
                settings,
            )
        )
        plan.drop([ref for ref, _ in refused_parameters], [ref for ref, _ in refused_secrets])
    if not isinstance(resolved, SsmEnvError):
        far_parameters, far_secrets, listed = _arns_elsewhere(settings, resolved.region)
        if listed:
            here = f"{partition(resolved.region)[0]}, {resolved.region}"
            policy.fail(
                ConfigError(
                    f"{listed}: an ARN of another region or partition than the endpoint's "
                    f"({here}); a shared parameter or a secret is read in its own region: set "
                    "AWS_REGION to it, or use a copy in this region"
                )
            )
            plan.drop(far_parameters, far_secrets)
    plan.optional = _optional_sources(*plan.groups)
    requested = dict.fromkeys(
        ref.requested for ref in plan.names + plan.json_names + plan.references
    )
    secret_keys = list(
        dict.fromkeys(
            ref.fetch_key for ref in plan.secrets + plan.json_secrets + plan.secret_references
        )
    )
    plan.jobs = [_Job(path=path) for path in settings.paths]
    plan.jobs += [_Job(names=batch) for batch in _batches(list(requested))]
    plan.jobs += _secret_jobs(secret_keys)
    return plan


def _secrets_target(
    resolved: Resolved | SsmEnvError,
    environ: Mapping[str, str],
    url: str | None,
    diagnostics: Diagnostics,
) -> tuple[Endpoint, Proxy | None, Diagnostics] | SsmEnvError | None:
    """Secrets Manager's endpoint (``secrets_endpoint_url``, else
    ``AWS_ENDPOINT_URL_SECRETS_MANAGER``, then ``AWS_ENDPOINT_URL``, then the region's), its proxy,
    and diagnostics that name that endpoint's setting (sharing the load's redactor)."""
    if isinstance(resolved, SsmEnvError):
        return None
    from .endpoint import parse_endpoint_url, secrets_endpoint_from_environ
    from .resolve import proxy_policy_from_environ

    try:
        if url:
            endpoint, setting = (
                parse_endpoint_url(url, "secrets_endpoint_url"),
                "secrets_endpoint_url=",
            )
        else:
            endpoint = secrets_endpoint_from_environ(resolved.region, environ)
            setting = diagnostics.origins.secrets_endpoint
    except SsmEnvError as exc:
        return exc
    proxy = proxy_policy_from_environ(environ).for_url(endpoint.scheme, endpoint.host)
    words = Diagnostics(diagnostics.origins.replace(endpoint=setting), diagnostics.secrets)
    return endpoint, proxy, words


def _fetch(
    jobs: list[_Job],
    settings: Settings,
    resolved: Resolved | SsmEnvError,
    deadline: Deadline,
    diagnostics: Diagnostics,
    trace: Callable[[str], None] | None,
    secrets_target: tuple[Endpoint, Proxy | None, Diagnostics] | SsmEnvError | None,
    stats: LoadStats | None = None,
) -> tuple[int, int]:
    """Run the jobs concurrently; each job keeps its own error. Returns (requests, connections)."""
    if isinstance(resolved, SsmEnvError):  # no region, no credentials: nothing can be fetched
        for job in jobs:
            job.error = resolved
        return 0, 0
    if isinstance(secrets_target, SsmEnvError):  # a bad Secrets Manager endpoint: its jobs fail
        for job in jobs:
            if job.secrets:
                job.error = secrets_target
        jobs = [job for job in jobs if not job.secrets]
    try:
        connect = _connector(resolved, settings, deadline, diagnostics, trace, secrets_target)
        return _run_jobs(jobs, connect, settings.recursive, stats)
    except SsmEnvError as exc:  # an unreadable CA bundle, a bad proxy URL: for the whole load
        for job in jobs:
            job.error = exc
        return 0, 0


def _connector(
    resolved: Resolved,
    settings: Settings,
    deadline: Deadline,
    diagnostics: Diagnostics,
    trace: Callable[[str], None] | None,
    secrets_target: tuple[Endpoint, Proxy | None, Diagnostics] | SsmEnvError | None,
) -> Callable[[str], Any]:
    from .trust import tls_context

    contexts: dict[str, object] = {}

    def context_for(scheme: str) -> Any:
        if scheme != "https":
            return None
        if "https" not in contexts:
            contexts["https"] = tls_context(resolved.trust)
        return contexts["https"]

    config = resolved.client_config(
        deadline=deadline, max_attempts=settings.max_attempts, diagnostics=diagnostics, trace=trace
    )

    def connect(service: str) -> Any:
        if service == "secretsmanager":
            from .secretsmanager import SecretsClient

            assert isinstance(secrets_target, tuple)  # an error left no Secrets Manager jobs
            endpoint, proxy, words = secrets_target
            return SecretsClient(
                config.replace(
                    endpoint=endpoint,
                    proxy=proxy,
                    diagnostics=words,
                    context=context_for(endpoint.scheme),
                )
            )
        return SsmClient(config.replace(context=context_for(resolved.endpoint.scheme)))

    return connect


def _decide(
    settings: Settings,
    claims: list[tuple[str, str, str, float]],
    unset: list[str],
    policy: _FailurePolicy,
) -> tuple[dict[str, tuple[str, str]], list[str], list[tuple[str, str, str]]]:
    """Collisions (or, with SSM_ENV_COLLISION=later-wins, the later source), protected names and
    values the environment cannot carry are refused; returns ``{variable: (source, value)}``,
    the variables to unset and the overrides."""
    single, collisions, overrides = _group(claims, settings.collision)
    if collisions:
        policy.fail(
            NameCollisionError(
                "parameter names collide: "
                + "; ".join(
                    f"{', '.join(sources)} map to {variable}" for variable, sources in collisions
                )
                # Where they come from different sources, the later may win, when asked.
                + f" ({given(settings.origins.collision, 'later-wins')} lets a later source win)"
                + f"; {Diagnostics(settings.origins).collision_fix()}"
            )
        )
        references = _reference_variables(settings)
        unset = unset + [variable for variable, _ in collisions if variable in references]
    protected = [
        (variable, source, why)
        for variable, (source, _) in single.items()
        if (why := protection(variable, settings.allow))
    ]
    if protected:
        policy.fail(_protected_error(protected, settings))
    encoding = sys.getfilesystemencoding()
    bad = [
        (variable, source, problem)
        for variable, (source, value) in single.items()
        if (problem := env_string_problem(variable, value, encoding))
    ]
    if bad:
        policy.fail(
            SsmEnvError(
                "cannot put in the environment: "
                + "; ".join(
                    f"{source} (variable {variable}): {problem}"
                    for variable, source, problem in bad
                )
                + "; change the parameter's value"
            )
        )
    for variable, _, _ in protected + bad:
        single.pop(variable, None)
    return single, unset, overrides


def _require(
    settings: Settings, result: LoadResult, environ: Mapping[str, str], enforce: bool
) -> LoadResult:
    """SSM_ENV_REQUIRED: every variable listed must be set once the load is applied, by any
    source or by the environment already; otherwise the start stops naming every one missing,
    whatever SSM_ENV_ON_ERROR says (continue mode is for optional configuration, and a required
    variable is by definition not optional)."""
    if not settings.required:
        return result
    missing = tuple(
        variable
        for variable in settings.required
        if variable not in result.variables
        and (variable not in environ or variable in result.unset)
    )
    if missing and enforce:
        count = len(result.failures)
        error = RequiredVariableError(
            f"{settings.origins.required.rstrip('=')}: {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not "
            "set by any source nor in the environment"
            + (f" ({count} failure{'' if count == 1 else 's'} above)" if count else "")
            + "; create the parameters or secrets, fix the sources, or set the variables"
        )
        error.failures = result.failures  # continue mode's failures: the wrapper logs them first
        raise error
    result.missing_required = missing
    return result


def _optional_sources(*groups: tuple) -> set[str]:
    """What may be missing: the names (and secret sources) asked only with a ``?``."""

    def label(ref: Any) -> str:
        return ref.requested if hasattr(ref, "requested") else ref.source

    strict = {label(ref) for group in groups for ref in group if not ref.optional}
    return {label(ref) for group in groups for ref in group if ref.optional} - strict


def _fetch_failures(
    jobs: list[_Job],
    timeout: float,
    policy: _FailurePolicy,
    diagnostics: Diagnostics,
    optional: set[str],
) -> list[str]:
    """Report what the jobs could not fetch: one message for everything the deadline left
    missing, then each other error (and the names the API called invalid, all in one). Returns
    the optional names (``?``) that do not exist: skipped, not failures."""
    errors = list(dict.fromkeys(job.error for job in jobs if job.error is not None))
    for error in errors:
        if not isinstance(error, SsmEnvError):
            raise error  # a programming error in a worker: never wrapped, never swallowed
    late = [job for job in jobs if isinstance(job.error, DeadlineError)]
    if late:
        missing = tuple(job.target for job in late)
        last = getattr(late[0].error, "last", "")
        services = " and ".join(
            dict.fromkeys("Secrets Manager" if job.secrets else SsmClient.title for job in late)
        )
        combined = DeadlineError(
            diagnostics.deadline(timeout, missing, last, services),
            targets=missing,
            last=last,
        )
        combined.__cause__ = late[0].error
        policy.fail(combined)
    for error in errors:
        if not isinstance(error, DeadlineError):
            policy.fail(error)  # type: ignore[arg-type]
    for job in jobs:
        for failure in job.errors:
            policy.fail(failure)
    invalid = [name for job in jobs if not job.secrets for name in job.invalid]
    missing_secrets = [name for job in jobs if job.secrets for name in job.invalid]
    skipped = [name for name in invalid + missing_secrets if name in optional]
    invalid = [name for name in invalid if name not in optional]
    missing_secrets = [name for name in missing_secrets if name not in optional]
    if invalid:
        policy.fail(
            AwsApiError(
                "GetParameters",
                "InvalidParameters",
                f"{', '.join(invalid)} {'does' if len(invalid) == 1 else 'do'} not exist or "
                "have no such version or label",
                fix=diagnostics.invalid_names_fix(invalid)
                + " (a trailing ? lets a name be missing)",
            )
        )
    if missing_secrets:
        policy.fail(
            AwsApiError(
                "GetSecretValue",
                "ResourceNotFoundException",
                f"{', '.join(missing_secrets)} "
                f"{'does' if len(missing_secrets) == 1 else 'do'} not exist in this region or "
                "have no such version",
                fix=f"check {diagnostics.origins.secret_names} (a trailing ? lets a secret be "
                "missing)",
            )
        )
    return skipped


def _claims(
    settings: Settings, plan: _Plan, policy: _FailurePolicy
) -> list[tuple[str, str, str | bytes, float]]:
    """``(variable, source, value, rank)`` for everything fetched. Derived names (paths, plain
    names, JSON keys, secret names) take the prefix and case settings; ``VAR=`` names and
    references are exact. ``rank`` is the documented order of SSM_ENV_COLLISION=later-wins:
    the paths in order (APP_ENV/APP_PARAMS_PATH first), then each item of SSM_ENV_NAMES,
    SSM_ENV_JSON_NAMES, SSM_ENV_SECRETS and SSM_ENV_JSON_SECRETS left to right; references last
    (a reference always wins for its own variable)."""
    names, json_names, references, secrets, json_secrets, secret_references = plan.groups
    jobs = plan.jobs
    # A name is resolved only by the answer to its own request (GetParameters), never by a
    # path's answer that happens to hold a parameter of that name (its own request failed).
    found = {
        name: value
        for job in jobs
        if job.path is None and not job.secrets and job.error is None
        for name, value in job.pairs
    }
    secret_values = {
        key: value for job in jobs if job.error is None for key, value in job.secret_values.items()
    }
    prefix, uppercase = settings.prefix, settings.uppercase
    ranks = {path: float(i) for i, path in enumerate(settings.paths)}
    claims: list[tuple[str, str, str | bytes, float]] = [
        (
            variable_name(
                name,
                base_path=job.path,
                mode=settings.name_mode,
                prefix=prefix,
                uppercase=uppercase,
            ),
            name,
            value,
            ranks[job.path],
        )
        for job in jobs
        if job.path is not None and job.error is None
        for name, value in job.pairs
    ]
    rank = float(len(settings.paths))
    for ref in names:
        rank += 1
        if ref.requested in found:
            variable = ref.variable or variable_name(ref.name, prefix=prefix, uppercase=uppercase)
            claims.append((variable, ref.requested, found[ref.requested], rank))
    for ref in json_names:
        rank += 1
        if ref.requested in found:
            where = f"parameter {ref.requested} ({settings.origins.json_names})"
            try:
                claims += [
                    (*claim, rank)
                    for claim in _json_claims(
                        where,
                        ref.requested,
                        ref.variable or "",
                        found[ref.requested],
                        settings,
                        settings.origins.plain_names,
                    )
                ]
            except SsmEnvError as exc:
                policy.fail(exc)
    for ref in secrets:
        rank += 1
        claim = _secret_claim(ref, secret_values, policy)
        if claim is not None:
            default = sanitize(ref.json_key) if ref.json_key else None
            variable = ref.variable or variable_name(
                default or ref.name, prefix=prefix, uppercase=uppercase
            )
            claims.append((variable, claim[0], claim[1], rank))
    for ref in json_secrets:
        rank += 1
        if ref.fetch_key in secret_values:
            value = secret_values[ref.fetch_key]
            where = f"secret {ref.source}"
            try:
                claims += [
                    (*claim, rank)
                    for claim in _json_claims(
                        where,
                        ref.source,
                        ref.variable or "",
                        _secret_string(ref, value),
                        settings,
                        settings.origins.plain_secrets,
                    )
                ]
            except SsmEnvError as exc:
                policy.fail(exc)
    claims += [
        (ref.variable, ref.requested, found[ref.requested], _REFERENCE_RANK)
        for ref in references
        if ref.variable and ref.requested in found
    ]
    for ref in secret_references:
        claim = _secret_claim(ref, secret_values, policy)
        if claim is not None and ref.variable:
            claims.append((ref.variable, claim[0], claim[1], _REFERENCE_RANK))
    return claims


_REFERENCE_RANK = float("inf")


def _secret_string(ref: SecretRef, value: object) -> str:
    """The SecretString; a secret that has only SecretBinary is an error (environment variables
    are text; decoding binary would guess an encoding)."""
    if not isinstance(value, str):
        raise SsmEnvError(
            f"secret {ref.source} holds SecretBinary, not SecretString; only text secrets "
            "can become variables: store it as SecretString (base64 it yourself if needed)"
        )
    return value


def _secret_claim(
    ref: SecretRef,
    secret_values: Mapping[tuple[str, str, str], object],
    policy: _FailurePolicy,
) -> tuple[str, str | bytes] | None:
    """``(source, value)`` for one secret (or one key of a JSON secret), or None when it did not
    load. A missing key is an error naming the secret and the key, never the other keys."""
    if ref.fetch_key not in secret_values:
        return None
    try:
        raw = secret_values[ref.fetch_key]
        if isinstance(raw, bytes) and not ref.json_key:
            return ref.source, raw  # SecretBinary: only a file can take it (files.file_claims)
        value = _secret_string(ref, raw)
        if not ref.json_key:
            return ref.source, value
        from .jsonvalue import json_member, json_object

        where = f"secret {ref.source}"
        document = json_object(where, value, "a plain secret without :json-key")
        if ref.json_key not in document:
            if ref.optional:
                policy.skipped.append(f"{ref.source}#{ref.json_key}")
                return None
            raise SsmEnvError(
                f"{where} has no key {answer_name(ref.json_key)}; check the json-key after "
                "the secret id (a trailing ? lets it be missing)"
            )
        return f"{ref.source}#{ref.json_key}", json_member(
            where, ref.json_key, document[ref.json_key]
        )
    except SsmEnvError as exc:
        policy.fail(exc)
        return None


def _group(
    claims: list[tuple[str, str, str, float]], collision: str
) -> tuple[dict[str, tuple[str, str]], list[tuple[str, list[str]]], list[tuple[str, str, str]]]:
    """Group the claims by variable. With ``error`` every variable claimed by two sources is a
    collision (as before: the same source met twice counts once). With ``later-wins`` the
    claim of the highest rank wins and each lower source is reported as overridden; two sources
    of the same rank (one path's ``db-host`` and ``db_host``, two keys of one JSON object) still
    collide, as nothing orders them."""
    if collision != "later-wins":
        grouped, collided = group_claims(claim[:3] for claim in claims)
        return grouped, collided, []
    by_variable: dict[str, dict[str, tuple[str, float]]] = {}
    for variable, source, value, rank in claims:
        by_variable.setdefault(variable, {}).setdefault(source, (value, rank))
    single: dict[str, tuple[str, str]] = {}
    collisions: list[tuple[str, list[str]]] = []
    overrides: list[tuple[str, str, str]] = []
    for variable, sources in by_variable.items():
        top = max(rank for _, rank in sources.values())
        winners = [source for source, (_, rank) in sources.items() if rank == top]
        if len(winners) > 1:
            collisions.append((variable, list(sources)))
            continue
        winner = winners[0]
        single[variable] = (winner, sources[winner][0])
        ordered = sorted(
            (source for source in sources if source != winner), key=lambda s: sources[s][1]
        )
        overrides += [(variable, winner, loser) for loser in ordered]
    return single, collisions, overrides


def _describe(settings: Settings) -> tuple[str, ...]:
    """The sources, for the log line: the paths, then how many names, secrets and references."""
    sources = list(settings.paths)
    named = len(settings.names) + len(settings.json_names)
    if named:
        sources.append(f"{named} name{'' if named == 1 else 's'}")
    secrets = len(settings.secrets) + len(settings.json_secrets)
    if secrets:
        sources.append(f"{secrets} secret{'' if secrets == 1 else 's'}")
    references = len(settings.references) + len(settings.secret_references)
    if references:
        sources.append(f"{references} reference{'' if references == 1 else 's'}")
    return tuple(sources)


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
    from .arguments import check_arguments, check_environ, settings_from_arguments

    check_arguments(
        collision=collision,
        recursive=recursive,
        name_mode=name_mode,
        prefix=prefix,
        uppercase=uppercase,
        timeout=timeout,
        max_attempts=max_attempts,
    )
    if environ is None:
        environ = os.environ
    else:
        check_environ(environ)
    arguments = dict(locals())
    given = frozenset(
        key for key in ("region", "endpoint_url", "secrets_endpoint_url") if arguments[key]
    )
    settings = settings_from_arguments(Settings, environ, given, arguments)
    result = load(
        settings,
        environ,
        credentials=credentials,
        region=region,
        endpoint_url=endpoint_url,
        secrets_endpoint_url=secrets_endpoint_url,
    )
    return result.variables


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
