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

from .credentials import resolve_credentials
from .endpoint import endpoint_from_environ, parse_endpoint_url, partition, region_from_environ
from .errors import (
    AwsApiError,
    ConfigError,
    DeadlineError,
    NameCollisionError,
    ProtectedNameError,
    RequiredVariableError,
    SsmEnvError,
)
from .guards import env_string_problem, protection
from .naming import group_claims, sanitize, variable_name
from .settings import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_TIMEOUT,
    SECRETS_PREFIX,
    Settings,
    is_variable_name,
    normalize_path,
    parse_ref,
)
from .sources import arn_location, batch_key, parse_secret, split_selector
from .ssm import MAX_NAMES, SsmClient, answer_name, inconsistent_answer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, MutableMapping
    from typing import Any

    from .credentials import Credentials
    from .settings import ParameterRef
    from .sources import SecretRef

__all__ = ["LoadResult", "load", "load_parameters", "apply_variables", "apply_environment"]

# Independent requests run on at most this many connections at once: enough to overlap round trips,
# few enough not to spend a large share of SSM's shared 40 requests a second on one cold start.
_MAX_PARALLEL = 4


class LoadResult:
    """What one load decided. ``repr`` lists variable names only, never values."""

    __slots__ = (
        "variables",
        "parameters",
        "unset",
        "kept",
        "failures",
        "sources",
        "requests",
        "connections",
        "skipped",
        "overrides",
        "missing_required",
    )

    def __init__(
        self,
        variables: dict[str, str],
        parameters: dict[str, str],
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
    ) -> None:
        self.variables = variables  #: variable -> value, to set
        self.parameters = parameters  #: variable -> the parameter it came from
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

    __slots__ = ("path", "names", "secrets", "pairs", "secret_values", "invalid", "error", "errors")

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
        self.secret_values: dict[tuple[str, str, str], object] = {}  # key -> SecretString
        self.invalid: list[str] = []  # names (or secret sources) that do not exist
        self.error: BaseException | None = None
        self.errors: list[SsmEnvError] = []  # per-secret failures of a batch that answered

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

            self.secret_values, missing, self.errors = fetch_secrets(client, self.secrets)
            self.invalid = [_secret_source(key) for key in missing]
            return
        if self.path is not None:
            self.pairs = [
                (p["Name"], p["Value"]) for p in client.get_parameters_by_path(self.path, recursive)
            ]
            return
        parameters, invalid = client.get_parameters(self.names)
        # Set only once the whole answer is found consistent: a failed job contributes nothing.
        self.pairs, self.invalid = _match_requested(self.names, parameters, invalid)


def _secret_source(key: tuple[str, str, str]) -> str:
    from .sources import SecretRef

    return SecretRef(key[0], "", key[1], key[2]).source


def _base(requested: str) -> str:
    return split_selector(requested)[0]


def _match_requested(
    requested: list[str], parameters: list[dict], invalid: list[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """Pair each returned parameter with the name it was asked by; every name asked must be
    answered exactly once, in ``Parameters`` or ``InvalidParameters``, and nothing else may be.

    SSM answers ``name:3`` or ``name:label`` with ``Name`` = the name and ``Selector`` = ``:3`` or
    ``:label`` (SSM API reference, ``Parameter.Selector``); moto leaves ``Selector`` out, so a
    version is then proven by ``Version``. A Secrets Manager reference comes back under its full
    ``/aws/reference/secretsmanager/`` name (moto: under the secret's own name). Names are
    case-sensitive and never end in ``/``. A batch never asks one base name twice (``_batches``),
    so each answered name belongs to one request. Raises EndpointError ("inconsistent")."""
    call = f"GetParameters {', '.join(requested)}"
    by_base = {_base(name): name for name in requested}
    aliases = {
        base[len(SECRETS_PREFIX) :]: name
        for base, name in by_base.items()
        if base.startswith(SECRETS_PREFIX) and base[len(SECRETS_PREFIX) :] not in by_base
    }
    # A parameter asked by its ARN (shared from another account): the API reference does not say
    # whether Name then holds the ARN or the name, so either is taken, as the answer to that one
    # request (a batch never asks one name twice, ARN or not: _batches).
    aliases.update(
        (batch_key(base), name)
        for base, name in by_base.items()
        if base.startswith("arn:") and batch_key(base) not in by_base
    )
    values: dict[str, str] = {}
    for parameter in parameters:
        name = parameter["Name"]
        asked = by_base.get(name) or aliases.get(name)
        if asked is None:
            raise inconsistent_answer(call, f"it holds {answer_name(name)}, which was not asked")
        selector = asked[len(_base(asked)) :]
        answered = parameter.get("Selector") or ""
        if answered and answered not in (selector, asked):
            raise inconsistent_answer(
                call, f"{asked} was answered with the selector {answer_name(answered)}"
            )
        # Compared as text: int() of a long selector would meet Python's int-string limit.
        if (
            selector[1:].isdigit()
            and "Version" in parameter
            and str(parameter["Version"]) != (selector[1:].lstrip("0") or "0")
        ):
            raise inconsistent_answer(
                call, f"{asked} was answered with version {answer_name(str(parameter['Version']))}"
            )
        if asked in values:
            raise inconsistent_answer(call, f"it holds {asked} twice")
        values[asked] = parameter["Value"]
    unasked = [name for name in invalid if name not in by_base.values()]
    if unasked:
        raise inconsistent_answer(
            call, f"its InvalidParameters holds {answer_name(unasked[0])}, which was not asked"
        )
    both = [name for name in invalid if name in values]
    if both:
        raise inconsistent_answer(call, f"{both[0]} is both in Parameters and in InvalidParameters")
    missing = [name for name in requested if name not in values and name not in invalid]
    if missing:
        raise inconsistent_answer(
            call,
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


def _run_jobs(jobs: list[_Job], connect: Callable[[str], Any], recursive: bool) -> tuple[int, int]:
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
    return sum(c.requests for c in every), sum(c.connections for c in every)


class _DuplicateKey(ValueError):
    pass


class _LongNumber(ValueError):
    pass


# Python's int-string conversion limit (sys.int_info.default_max_str_digits, CPython 3.11 and the
# 3.9/3.10 security releases): applied on every version, so that a value loads the same everywhere.
_MAX_DIGITS = 4300


def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """An object without repeated keys: json keeps the last silently, which would make a
    variable's value depend on the order a careless writer typed."""
    document: dict[str, object] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKey(key)
        document[key] = value
    return document


def _integer(text: str) -> int:
    if len(text) > _MAX_DIGITS:
        raise _LongNumber(text)
    return int(text)


def _json_document(where: str, value: str, alternative: str) -> dict[str, object]:
    """A JSON object value, strictly: no repeated key, no huge number, not too deep."""
    import json

    try:
        document = json.loads(value, object_pairs_hook=_object, parse_int=_integer)
    except _DuplicateKey as exc:
        raise SsmEnvError(
            f"{where} holds the key {answer_name(str(exc.args[0]))} twice; keep one"
        ) from None
    except _LongNumber:
        raise SsmEnvError(
            f"{where} holds a number of more than {_MAX_DIGITS} digits; store it as a string"
        ) from None
    except RecursionError:
        raise SsmEnvError(
            f"{where} is nested too deeply to parse; store a flatter JSON object"
        ) from None
    except ValueError as exc:
        raise SsmEnvError(
            f"{where} is not valid JSON ({getattr(exc, 'msg', 'parse error')}); store "
            f"a JSON object or move it to {alternative}"
        ) from None
    if not isinstance(document, dict):
        raise SsmEnvError(
            f'{where} is JSON but not an object; store {{"KEY": "value", ...}} '
            f"or move it to {alternative}"
        )
    return document


def _json_text(where: str, key: str, item: object) -> str:
    """A JSON member as a variable's value: a string as it is, anything else as compact JSON."""
    import json

    try:
        return item if isinstance(item, str) else json.dumps(item, separators=(",", ":"))
    except (RecursionError, ValueError):
        raise SsmEnvError(
            f"{where}: the value of key {answer_name(key)} is nested too deeply; "
            "store a flatter JSON object"
        ) from None


def _json_claims(
    where: str, source: str, prefix: str, value: str, settings: Settings, alternative: str
) -> list[tuple[str, str, str]]:
    """One claim per key of a JSON object value: ``{"host": "h"}`` -> ``host=h`` (``PREFIX_host``
    with ``PREFIX_=/name``). Strings are taken as they are; other values as compact JSON."""
    claims = []
    for key, item in _json_document(where, value, alternative).items():
        name = settings.prefix + prefix + sanitize(key)
        claims.append(
            (
                name.upper() if settings.uppercase else name,
                f"{source}#{key}",
                _json_text(where, key, item),
            )
        )
    return claims


def _protected_error(refused: Iterable[tuple[str | None, str, str]]) -> ProtectedNameError:
    return ProtectedNameError(
        "refusing protected variables: "
        + "; ".join(f"{source} would set {variable} ({why})" for variable, source, why in refused)
        + "; rename the parameters, or list a variable in SSM_ENV_ALLOW if it is really meant"
    )


class _Outcome:
    """Collects failures: raised at once when failing closed, kept as lines in continue mode."""

    def __init__(self, on_error: str) -> None:
        self.continue_on_error = on_error == "continue"
        self.failures: list[str] = []
        self.skipped: list[str] = []  # optional (?) names, secrets and keys that do not exist

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


def load(
    settings: Settings,
    environ: Mapping[str, str] | None = None,
    *,
    credentials: Credentials | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    timeout: float | None = None,
    trace: Callable[[str], None] | None = None,
    enforce_required: bool = True,
    secrets_endpoint_url: str | None = None,
) -> LoadResult:
    """Load what ``settings`` name. Arguments given here win over the environment (``timeout``
    over ``settings.timeout``; ``endpoint_url`` is SSM's). ``trace`` receives one line per
    request (names, no values).

    Raises SsmEnvError (or a subclass) unless ``settings.on_error == "continue"``; a variable of
    ``settings.required`` left unset raises RequiredVariableError in every mode (with
    ``enforce_required=False``, for ``check``, it is reported in ``missing_required`` instead).
    """
    if environ is None:
        environ = os.environ
    if not settings.has_sources:
        return _require(settings, LoadResult({}, {}), environ, enforce_required)
    import time

    timeout = settings.timeout if timeout is None else timeout
    deadline = time.monotonic() + timeout  # one deadline for the whole load, retries included
    outcome = _Outcome(settings.on_error)
    setup_error: SsmEnvError | None = None
    try:
        region = region or region_from_environ(environ)
    except SsmEnvError as exc:  # nothing can be fetched at all; reported on every job below
        setup_error = exc

    # 1. Plan: a reference in a protected variable (AWS_REGION=ssm:/x) is refused before any
    #    request, as is an ARN of another region; then one job a path, the names in batches of
    #    ten, the secrets in batches of twenty.
    refused = [
        (ref.variable, label, why)
        for ref, label in [(r, r.requested) for r in settings.references]
        + [(r, r.source) for r in settings.secret_references]
        if ref.variable and (why := protection(ref.variable, settings.allow))
    ]
    if refused:
        outcome.fail(_protected_error(refused))
    unset = [variable for variable, _, _ in refused if variable]
    names, json_names, references = settings.names, settings.json_names, settings.references
    secrets, json_secrets = settings.secrets, settings.json_secrets
    secret_references = settings.secret_references
    references = tuple(ref for ref in references if ref.variable not in unset)
    secret_references = tuple(ref for ref in secret_references if ref.variable not in unset)
    if region is not None and setup_error is None:
        far_parameters, far_secrets, listed = _arns_elsewhere(settings, region)
        if listed:
            outcome.fail(
                ConfigError(
                    f"{listed}: an ARN of another region or partition than the endpoint's "
                    f"({partition(region)[0]}, {region}); a shared parameter or a secret is read "
                    "in its own region: set AWS_REGION to it, or use a copy in this region"
                )
            )
            names = tuple(ref for ref in names if ref not in far_parameters)
            json_names = tuple(ref for ref in json_names if ref not in far_parameters)
            references = tuple(ref for ref in references if ref not in far_parameters)
            secrets = tuple(ref for ref in secrets if ref not in far_secrets)
            json_secrets = tuple(ref for ref in json_secrets if ref not in far_secrets)
            secret_references = tuple(ref for ref in secret_references if ref not in far_secrets)
            unset += [
                ref.variable
                for ref in settings.references + settings.secret_references  # type: ignore[operator]
                if ref.variable and (ref in far_parameters or ref in far_secrets)
            ]
    requested = dict.fromkeys(ref.requested for ref in names + json_names + references)
    secret_keys = list(
        dict.fromkeys(ref.fetch_key for ref in secrets + json_secrets + secret_references)
    )
    jobs = [_Job(path=path) for path in settings.paths]
    jobs += [_Job(names=batch) for batch in _batches(list(requested))]
    jobs += _secret_jobs(secret_keys)

    # 2. Fetch, concurrently; each job keeps its own error.
    requests = connections = 0
    try:
        if setup_error is not None:
            raise setup_error
        assert region is not None
        ssm_endpoint = (
            parse_endpoint_url(endpoint_url, "endpoint_url")
            if endpoint_url
            else endpoint_from_environ(region, environ)
        )
        credentials = credentials or resolve_credentials(environ, deadline=deadline)
        ca_bundle = environ.get("AWS_CA_BUNDLE", "").strip() or None

        def connect(service: str) -> Any:
            if service == "secretsmanager":
                from .endpoint import secrets_endpoint_from_environ
                from .secretsmanager import SecretsClient

                return SecretsClient(
                    parse_endpoint_url(secrets_endpoint_url, "secrets_endpoint_url")
                    if secrets_endpoint_url
                    else secrets_endpoint_from_environ(region, environ),  # type: ignore[arg-type]
                    credentials,  # type: ignore[arg-type]
                    region,  # type: ignore[arg-type]
                    timeout=timeout,  # type: ignore[arg-type]
                    deadline=deadline,
                    max_attempts=settings.max_attempts,
                    ca_bundle=ca_bundle,
                    environ=environ,
                    trace=trace,
                    attempts_setting=settings.max_attempts_setting,
                )
            return SsmClient(
                ssm_endpoint,
                credentials,  # type: ignore[arg-type]
                region,  # type: ignore[arg-type]
                timeout=timeout,  # type: ignore[arg-type]
                deadline=deadline,
                max_attempts=settings.max_attempts,
                ca_bundle=ca_bundle,
                environ=environ,
                trace=trace,
                attempts_setting=settings.max_attempts_setting,
            )

        requests, connections = _run_jobs(jobs, connect, settings.recursive)
    except SsmEnvError as exc:  # no region, no credentials: nothing can be fetched at all
        for job in jobs:
            job.error = exc
    optional = _optional_sources(
        names, json_names, references, secrets, json_secrets, secret_references
    )
    outcome.skipped += _fetch_failures(jobs, timeout, outcome, optional)

    # 3. Claims: (variable, source, value, rank) from every source; what references cannot
    #    resolve is unset, never left behind as a literal "ssm:..." value.
    # Only the GetParameters answers: a name is resolved by the answer to its own request, never
    # by a path's answer that happens to hold a parameter of that name (its own request failed).
    found = {
        name: value
        for job in jobs
        if job.path is None and not job.secrets and job.error is None
        for name, value in job.pairs
    }
    secret_values = {
        key: value for job in jobs if job.error is None for key, value in job.secret_values.items()
    }
    claims = _claims(
        settings,
        jobs,
        (names, json_names, references, secrets, json_secrets, secret_references),
        found,
        secret_values,
        outcome,
    )

    # 4. Decide: collisions (or, with SSM_ENV_COLLISION=later-wins, the later source), protected
    #    names and values the environment cannot carry are refused; with overwrite off, variables
    #    already set keep their values.
    single, collisions, overrides = _decide(claims, settings.collision)
    reference_variables = {ref.variable for ref in settings.references + settings.secret_references}  # type: ignore[operator]
    if collisions:
        outcome.fail(
            NameCollisionError(
                "parameter names collide: "
                + "; ".join(
                    f"{', '.join(sources)} map to {variable}" for variable, sources in collisions
                )
                + "; rename or move one of each, set SSM_ENV_NAME_MODE/SSM_ENV_PREFIX, or "
                "SSM_ENV_COLLISION=later-wins to let the later source win"
            )
        )
        unset += [variable for variable, _ in collisions if variable in reference_variables]
    protected = [
        (variable, source, why)
        for variable, (source, _) in single.items()
        if (why := protection(variable, settings.allow))
    ]
    if protected:
        outcome.fail(_protected_error(protected))
    encoding = sys.getfilesystemencoding()
    bad = [
        (variable, source, problem)
        for variable, (source, value) in single.items()
        if (problem := env_string_problem(variable, value, encoding))
    ]
    if bad:
        outcome.fail(
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
    kept: list[str] = []
    if not settings.overwrite:
        # References are the function's own explicit request: they are always resolved.
        kept = sorted(v for v in single if v in environ and v not in reference_variables)
        for variable in kept:
            del single[variable]
    # A reference that did not end up with a value (not found, failed, refused, collided) is
    # unset: never left behind as its literal "ssm:..." or "secretsmanager:..." text.
    unset += sorted(v for v in reference_variables if v and v not in single)  # type: ignore[misc]

    result = LoadResult(
        {v: value for v, (_, value) in single.items()},
        {v: source for v, (source, _) in single.items()},
        _describe(settings),
        unset=tuple(dict.fromkeys(unset)),
        kept=tuple(kept),
        failures=tuple(outcome.failures),
        requests=requests,
        connections=connections,
        skipped=tuple(dict.fromkeys(outcome.skipped)),
        overrides=tuple(overrides),
    )
    return _require(settings, result, environ, enforce_required)


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
            f"SSM_ENV_REQUIRED: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not "
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
    jobs: list[_Job], timeout: float, outcome: _Outcome, optional: set[str]
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
        missing = [job.target for job in late]
        last = getattr(late[0].error, "last", "")
        combined = DeadlineError(
            f"not done within SSM_ENV_TIMEOUT={timeout:g} s; still missing: {'; '.join(missing)}"
            + (f" (last: {last})" if last else "")
            + "; raise SSM_ENV_TIMEOUT or check the network path to SSM (VPC endpoint or NAT)",
            targets=tuple(missing),
            last=last,
        )
        combined.__cause__ = late[0].error
        outcome.fail(combined)
    for error in errors:
        if not isinstance(error, DeadlineError):
            outcome.fail(error)  # type: ignore[arg-type]
    for job in jobs:
        for failure in job.errors:
            outcome.fail(failure)
    invalid = [name for job in jobs if not job.secrets for name in job.invalid]
    missing_secrets = [name for job in jobs if job.secrets for name in job.invalid]
    skipped = [name for name in invalid + missing_secrets if name in optional]
    invalid = [name for name in invalid if name not in optional]
    missing_secrets = [name for name in missing_secrets if name not in optional]
    if invalid:
        outcome.fail(
            AwsApiError(
                "GetParameters",
                "InvalidParameters",
                f"{', '.join(invalid)} {'does' if len(invalid) == 1 else 'do'} not exist or "
                "have no such version or label",
                fix="check SSM_ENV_NAMES, SSM_ENV_JSON_NAMES and the ssm: references "
                "(a trailing ? lets a name be missing)",
            )
        )
    if missing_secrets:
        outcome.fail(
            AwsApiError(
                "GetSecretValue",
                "ResourceNotFoundException",
                f"{', '.join(missing_secrets)} "
                f"{'does' if len(missing_secrets) == 1 else 'do'} not exist in this region or "
                "have no such version",
                fix="check SSM_ENV_SECRETS, SSM_ENV_JSON_SECRETS and the secretsmanager: "
                "references (a trailing ? lets a secret be missing)",
            )
        )
    return skipped


def _claims(
    settings: Settings,
    jobs: list[_Job],
    groups: tuple[tuple, ...],
    found: dict[str, str],
    secret_values: dict[tuple[str, str, str], object],
    outcome: _Outcome,
) -> list[tuple[str, str, str, float]]:
    """``(variable, source, value, rank)`` for everything fetched. Derived names (paths, plain
    names, JSON keys, secret names) take the prefix and case settings; ``VAR=`` names and
    references are exact. ``rank`` is the documented order of SSM_ENV_COLLISION=later-wins:
    the paths in order (APP_ENV/APP_PARAMS_PATH first), then each item of SSM_ENV_NAMES,
    SSM_ENV_JSON_NAMES, SSM_ENV_SECRETS and SSM_ENV_JSON_SECRETS left to right; references last
    (a reference always wins for its own variable)."""
    names, json_names, references, secrets, json_secrets, secret_references = groups
    prefix, uppercase = settings.prefix, settings.uppercase
    ranks = {path: float(i) for i, path in enumerate(settings.paths)}
    claims: list[tuple[str, str, str, float]] = [
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
            where = f"parameter {ref.requested} (SSM_ENV_JSON_NAMES)"
            try:
                claims += [
                    (*claim, rank)
                    for claim in _json_claims(
                        where,
                        ref.requested,
                        ref.variable or "",
                        found[ref.requested],
                        settings,
                        "SSM_ENV_NAMES",
                    )
                ]
            except SsmEnvError as exc:
                outcome.fail(exc)
    for ref in secrets:
        rank += 1
        claim = _secret_claim(ref, secret_values, settings, "SSM_ENV_SECRETS", outcome)
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
            where = f"secret {ref.source} (SSM_ENV_JSON_SECRETS)"
            try:
                claims += [
                    (*claim, rank)
                    for claim in _json_claims(
                        where,
                        ref.source,
                        ref.variable or "",
                        _secret_string(ref, value),
                        settings,
                        "SSM_ENV_SECRETS",
                    )
                ]
            except SsmEnvError as exc:
                outcome.fail(exc)
    claims += [
        (ref.variable, ref.requested, found[ref.requested], _REFERENCE_RANK)
        for ref in references
        if ref.variable and ref.requested in found
    ]
    for ref in secret_references:
        claim = _secret_claim(ref, secret_values, settings, "reference", outcome)
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
    secret_values: dict[tuple[str, str, str], object],
    settings: Settings,
    setting: str,
    outcome: _Outcome,
) -> tuple[str, str] | None:
    """``(source, value)`` for one secret (or one key of a JSON secret), or None when it did not
    load. A missing key is an error naming the secret and the key, never the other keys."""
    if ref.fetch_key not in secret_values:
        return None
    try:
        value = _secret_string(ref, secret_values[ref.fetch_key])
        if not ref.json_key:
            return ref.source, value
        where = f"secret {ref.source}"
        document = _json_document(where, value, "a plain secret without :json-key")
        if ref.json_key not in document:
            if ref.optional:
                outcome.skipped.append(f"{ref.source}#{ref.json_key}")
                return None
            raise SsmEnvError(
                f"{where} has no key {answer_name(ref.json_key)}; check the json-key after "
                "the secret id (a trailing ? lets it be missing)"
            )
        return f"{ref.source}#{ref.json_key}", _json_text(
            where, ref.json_key, document[ref.json_key]
        )
    except SsmEnvError as exc:
        outcome.fail(exc)
        return None


def _decide(
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
    environ: Mapping[str, str] | None = None,
    credentials: Credentials | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    secrets_endpoint_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_attempts: int | None = None,
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
    Credentials, region and endpoints come from ``environ`` (default ``os.environ``) unless
    given. No ``${VAR}`` expansion here: the caller builds its strings.
    Raises SsmEnvError (or a subclass) with a one-line message; protected names are refused.
    """

    def listed(value: str | Iterable[str]) -> list[str]:
        return [value] if isinstance(value, str) else list(value)

    normalized = list(dict.fromkeys(normalize_path(path, "paths") for path in listed(paths)))
    settings = Settings(
        tuple(normalized),
        recursive,
        names=tuple(dict.fromkeys(parse_ref(item, "names") for item in listed(names))),
        json_names=tuple(
            dict.fromkeys(parse_ref(item, "json_names") for item in listed(json_names))
        ),
        secrets=tuple(dict.fromkeys(parse_secret(item, "secrets") for item in listed(secrets))),
        json_secrets=tuple(
            dict.fromkeys(
                parse_secret(item, "json_secrets", allow_key=False) for item in listed(json_secrets)
            )
        ),
        required=_api_required(listed(required)),
        collision=collision,
        name_mode=name_mode,
        prefix=prefix,
        uppercase=uppercase,
        timeout=timeout,
        max_attempts=DEFAULT_MAX_ATTEMPTS if max_attempts is None else max_attempts,
        max_attempts_setting="SSM_ENV_MAX_ATTEMPTS" if max_attempts is None else "max_attempts",
    )
    result = load(
        settings,
        environ,
        credentials=credentials,
        region=region,
        endpoint_url=endpoint_url,
        secrets_endpoint_url=secrets_endpoint_url,
        timeout=timeout,
    )
    return result.variables


def _api_required(names: list[str]) -> tuple[str, ...]:
    bad = [name for name in names if not is_variable_name(name)]
    if bad:
        raise ConfigError(f"required: not variable names: {', '.join(repr(b) for b in bad)}")
    return tuple(dict.fromkeys(names))


def apply_variables(result: LoadResult, environ: MutableMapping[str, str] | None = None) -> None:
    """Make ``environ`` (default ``os.environ``) what ``result`` says: set its variables, remove its
    unresolved references. Values were checked by ``load``, so this cannot stop half-way."""
    if environ is None:
        environ = os.environ
    for variable in result.unset:
        environ.pop(variable, None)
    for variable, value in result.variables.items():
        environ[variable] = value


def apply_environment(environ: MutableMapping[str, str] | None = None) -> LoadResult:
    """Do what the wrapper does before exec, in-process: read the settings from ``environ``
    (default ``os.environ``), load, and set the variables there. Returns the LoadResult."""
    if environ is None:
        environ = os.environ
    result = load(Settings.from_environ(environ), environ)
    apply_variables(result, environ)
    return result
