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
from .diagnostics import Diagnostics, Origins
from .errors import AwsApiError, DeadlineError, NameCollisionError, ProtectedNameError, SsmEnvError
from .guards import env_string_problem, protection
from .naming import group_claims, sanitize, variable_name
from .settings import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_TIMEOUT,
    SECRETS_PREFIX,
    Settings,
    normalize_path,
    parse_ref,
)
from .ssm import MAX_NAMES, SsmClient, answer_name, inconsistent_answer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, MutableMapping

    from .credentials import Credentials
    from .redact import Redactor
    from .resolve import Resolved
    from .settings import ParameterRef

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
    ) -> None:
        self.variables = variables  #: variable -> value, to set
        self.provenance = provenance  #: variable -> the parameter (or JSON key) it came from
        self.sources = sources  #: what was loaded: paths, "3 names", "1 reference"
        self.unset = unset  #: variables to remove (unresolved references, continue mode)
        self.kept = kept  #: variables already set and kept (overwrite off)
        self.failures = failures  #: what failed, continue mode (one line each, no values)
        self.requests = requests
        self.connections = connections

    @property
    def parameters(self) -> dict[str, str]:
        """The former name of ``provenance`` (it never held the parameters' values)."""
        return self.provenance

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
    """One independent unit of fetching: a whole path (all pages), or one batch of names."""

    __slots__ = ("path", "names", "pairs", "invalid", "error")

    def __init__(self, path: str | None = None, names: list[str] | None = None) -> None:
        self.path = path
        self.names = names or []
        self.pairs: list[tuple[str, str]] = []  # (name as requested, value)
        self.invalid: list[str] = []
        self.error: BaseException | None = None

    def run(self, client: SsmClient, recursive: bool) -> None:
        if self.path is not None:
            self.pairs = [
                (p["Name"], p["Value"]) for p in client.get_parameters_by_path(self.path, recursive)
            ]
            return
        parameters, invalid = client.get_parameters(self.names)
        # Set only once the whole answer is found consistent: a failed job contributes nothing.
        fix = client.diagnostics.endpoint_fix()
        self.pairs, self.invalid = _match_requested(self.names, parameters, invalid, fix)


def _base(requested: str) -> str:
    return requested.rsplit(":", 1)[0] if ":" in requested else requested


def _match_requested(
    requested: list[str], parameters: list[dict], invalid: list[str], fix: str = ""
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

    def bad(detail: str) -> SsmEnvError:
        return inconsistent_answer(call, detail, fix)

    by_base = {_base(name): name for name in requested}
    aliases = {
        base[len(SECRETS_PREFIX) :]: name
        for base, name in by_base.items()
        if base.startswith(SECRETS_PREFIX) and base[len(SECRETS_PREFIX) :] not in by_base
    }
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
            selector[1:].isdigit()
            and "Version" in parameter
            and str(parameter["Version"]) != (selector[1:].lstrip("0") or "0")
        ):
            raise bad(f"{asked} was answered with version {answer_name(str(parameter['Version']))}")
        if asked in values:
            raise bad(f"it holds {asked} twice")
        values[asked] = parameter["Value"]
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
            if len(batch) < MAX_NAMES and all(_base(other) != _base(name) for other in batch):
                batch.append(name)
                break
        else:
            batches.append([name])
    return batches


def _run_jobs(
    jobs: list[_Job], connect: Callable[[], SsmClient], recursive: bool
) -> tuple[int, int]:
    """Run ``jobs``, concurrently when there are several; each worker has its own client (and so
    its own kept-alive connection). Errors stay on their job. Returns (requests, connections).

    The clients are made here, in the caller's thread, before any worker starts: a setting that
    cannot work (an unreadable CA bundle, a bad proxy URL) raises at once for the whole load
    instead of silently ending a worker and leaving its jobs neither done nor failed.
    """
    queue = list(jobs)
    clients = [connect() for _ in range(min(len(jobs), _MAX_PARALLEL))]

    def work(client: SsmClient) -> None:
        with client:
            while True:
                try:
                    job = queue.pop(0)  # list.pop is atomic under the GIL
                except IndexError:
                    return
                try:
                    job.run(client, recursive)
                except BaseException as exc:  # handed to the caller's thread by load()
                    job.error = exc

    if len(clients) <= 1:
        for client in clients:
            work(client)
    else:
        import threading  # only when there is something to overlap

        threads = [threading.Thread(target=work, args=(client,), daemon=True) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return sum(c.requests for c in clients), sum(c.connections for c in clients)


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


def _json_claims(ref: ParameterRef, value: str, settings: Settings) -> list[tuple[str, str, str]]:
    """One claim per key of a JSON object value: ``{"host": "h"}`` -> ``host=h`` (``PREFIX_host``
    with ``PREFIX_=/name``). Strings are taken as they are; other values as compact JSON."""
    import json

    origins = settings.origins
    where = f"parameter {ref.requested} ({origins.json_names})"
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
            f"a JSON object or move it to {origins.plain_names}"
        ) from None
    if not isinstance(document, dict):
        raise SsmEnvError(
            f'{where} is JSON but not an object; store {{"KEY": "value", ...}} '
            f"or move it to {origins.plain_names}"
        )
    claims = []
    for key, item in document.items():
        name = settings.prefix + (ref.variable or "") + sanitize(key)
        try:
            text = item if isinstance(item, str) else json.dumps(item, separators=(",", ":"))
        except (RecursionError, ValueError):
            raise SsmEnvError(
                f"{where}: the value of key {answer_name(key)} is nested too deeply; "
                "store a flatter JSON object"
            ) from None
        claims.append(
            (name.upper() if settings.uppercase else name, f"{ref.requested}#{key}", text)
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
    mode (``SSM_ENV_ON_ERROR=continue``)."""

    def __init__(self, on_error: str) -> None:
        self.continue_on_error = on_error == "continue"
        self.failures: list[str] = []

    def fail(self, error: SsmEnvError) -> None:
        if not self.continue_on_error:
            raise error
        self.failures.append(str(error))


class _Plan:
    """What to fetch: the references still to resolve (a protected one is refused before any
    request), the variables already to unset, and the jobs (one a path, names in batches)."""

    __slots__ = ("references", "unset", "jobs")

    def __init__(
        self, references: tuple[ParameterRef, ...], unset: list[str], jobs: list[_Job]
    ) -> None:
        self.references = references
        self.unset = unset
        self.jobs = jobs


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
) -> LoadResult:
    """Load what ``settings`` name. Arguments given here win over the environment (``timeout``
    over ``settings.timeout``). ``trace`` receives one line per request (names, no values);
    ``secrets`` is the redactor to share (the log's), which learns every secret of the load.

    Raises SsmEnvError (or a subclass) unless ``settings.on_error == "continue"``.
    """
    if environ is None:
        environ = os.environ
    if not settings.has_sources:
        return LoadResult({}, {})
    timeout = settings.timeout if timeout is None else timeout
    deadline = Deadline(timeout)  # one deadline for the whole load, retries included
    diagnostics = Diagnostics(settings.origins, secrets)
    policy = _FailurePolicy(settings.on_error)

    plan = _plan(settings, policy)
    requests, connections = _fetch(
        plan.jobs,
        settings,
        environ,
        deadline,
        diagnostics,
        trace,
        credentials=credentials,
        region=region,
        endpoint_url=endpoint_url,
    )
    _fetch_failures(plan.jobs, timeout, policy, diagnostics)
    claims, unset = _claims(settings, plan, policy)
    single, unset = _decide(settings, claims, plan.unset + unset, policy)
    kept = _keep_existing(settings, single, environ)
    return LoadResult(
        {v: value for v, (_, value) in single.items()},
        {v: source for v, (source, _) in single.items()},
        _describe(settings),
        unset=tuple(dict.fromkeys(unset)),
        kept=tuple(kept),
        failures=tuple(policy.failures),
        requests=requests,
        connections=connections,
    )


def _plan(settings: Settings, policy: _FailurePolicy) -> _Plan:
    """A reference in a protected variable (AWS_REGION=ssm:/x) is refused before any request;
    then one job a path, and the names in batches of ten."""
    refused = [
        (ref, why)
        for ref in settings.references
        if ref.variable and (why := protection(ref.variable, settings.allow))
    ]
    if refused:
        policy.fail(
            _protected_error(((ref.variable, ref.requested, why) for ref, why in refused), settings)
        )
    references = tuple(ref for ref in settings.references if ref not in dict(refused))
    requested = dict.fromkeys(
        ref.requested for ref in settings.names + settings.json_names + references
    )
    jobs = [_Job(path=path) for path in settings.paths]
    jobs += [_Job(names=batch) for batch in _batches(list(requested))]
    return _Plan(references, [ref.variable for ref, _ in refused if ref.variable], jobs)


def _fetch(
    jobs: list[_Job],
    settings: Settings,
    environ: Mapping[str, str],
    deadline: Deadline,
    diagnostics: Diagnostics,
    trace: Callable[[str], None] | None,
    *,
    credentials: Credentials | None,
    region: str | None,
    endpoint_url: str | None,
) -> tuple[int, int]:
    """Resolve where and how to call, then run the jobs concurrently; each job keeps its own
    error. Returns (requests, connections)."""
    from .resolve import resolve

    try:
        resolved = resolve(
            settings,
            environ,
            deadline=deadline,
            diagnostics=diagnostics,
            credentials=credentials,
            region=region,
            endpoint_url=endpoint_url,
        )
    except SsmEnvError as exc:  # no region, no credentials: nothing can be fetched at all
        for job in jobs:
            job.error = exc
        return 0, 0
    try:
        connect = _connector(resolved, settings, deadline, diagnostics, trace)
        return _run_jobs(jobs, connect, settings.recursive)
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
) -> Callable[[], SsmClient]:
    from .trust import tls_context

    context = tls_context(resolved.trust) if resolved.endpoint.scheme == "https" else None

    def connect() -> SsmClient:
        return SsmClient(
            resolved.endpoint,
            resolved.credentials,
            resolved.region,
            deadline=deadline,
            max_attempts=settings.max_attempts,
            context=context,
            proxy=resolved.proxy,
            user_agent=resolved.user_agent,
            diagnostics=diagnostics,
            trace=trace,
        )

    return connect


def _decide(
    settings: Settings,
    claims: list[tuple[str, str, str]],
    unset: list[str],
    policy: _FailurePolicy,
) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Collisions, protected names and values the environment cannot carry are refused; returns
    ``{variable: (source, value)}`` and the variables to unset."""
    single, collisions = group_claims(claims)
    if collisions:
        policy.fail(
            NameCollisionError(
                "parameter names collide: "
                + "; ".join(
                    f"{', '.join(sources)} map to {variable}" for variable, sources in collisions
                )
                + f"; {Diagnostics(settings.origins).collision_fix()}"
            )
        )
        unset = unset + [
            variable
            for variable, _ in collisions
            if any(ref.variable == variable for ref in settings.references)
        ]
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
    return single, unset


def _keep_existing(
    settings: Settings, single: dict[str, tuple[str, str]], environ: Mapping[str, str]
) -> list[str]:
    """With overwrite off, variables already set keep their values (removed from ``single``).
    References are the function's own explicit request: they are always resolved."""
    if settings.overwrite:
        return []
    reference_variables = {ref.variable for ref in settings.references}
    kept = sorted(v for v in single if v in environ and v not in reference_variables)
    for variable in kept:
        del single[variable]
    return kept


def _fetch_failures(
    jobs: list[_Job], timeout: float, policy: _FailurePolicy, diagnostics: Diagnostics
) -> None:
    """Report what the jobs could not fetch: one message for everything the deadline left
    missing, then each other error (and the names the API called invalid, all in one)."""
    errors = list(dict.fromkeys(job.error for job in jobs if job.error is not None))
    for error in errors:
        if not isinstance(error, SsmEnvError):
            raise error  # a programming error in a worker: never wrapped, never swallowed
    late = [job for job in jobs if isinstance(job.error, DeadlineError)]
    if late:
        missing = tuple(job.path or ", ".join(job.names) for job in late)
        last = getattr(late[0].error, "last", "")
        combined = DeadlineError(
            diagnostics.deadline(timeout, missing, last, SsmClient.title),
            targets=missing,
            last=last,
        )
        combined.__cause__ = late[0].error
        policy.fail(combined)
    for error in errors:
        if not isinstance(error, DeadlineError):
            policy.fail(error)  # type: ignore[arg-type]
    invalid = [name for job in jobs for name in job.invalid]
    if invalid:
        policy.fail(
            AwsApiError(
                "GetParameters",
                "InvalidParameters",
                f"{', '.join(invalid)} {'does' if len(invalid) == 1 else 'do'} not exist or "
                "have no such version or label",
                fix=diagnostics.invalid_names_fix(),
            )
        )


def _claims(
    settings: Settings, plan: _Plan, policy: _FailurePolicy
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """``(variable, source, value)`` for everything fetched, and the references that could not be
    resolved (unset, never left behind as a literal "ssm:..." value). Derived names (paths,
    plain names, JSON keys) take the prefix and case settings; ``VAR=`` names and references are
    exact. A name is resolved only by the answer to its own request (GetParameters), never by a
    path's answer that happens to hold a parameter of that name (its own request failed)."""
    jobs, references = plan.jobs, plan.references
    found = {name: value for job in jobs if job.path is None for name, value in job.pairs}
    prefix, uppercase = settings.prefix, settings.uppercase
    claims = [
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
        )
        for job in jobs
        if job.path is not None
        for name, value in job.pairs
    ]
    for ref in settings.names:
        if ref.requested in found:
            variable = ref.variable or variable_name(ref.name, prefix=prefix, uppercase=uppercase)
            claims.append((variable, ref.requested, found[ref.requested]))
    for ref in settings.json_names:
        if ref.requested in found:
            try:
                claims += _json_claims(ref, found[ref.requested], settings)
            except SsmEnvError as exc:
                policy.fail(exc)
    claims += [
        (ref.variable, ref.requested, found[ref.requested])
        for ref in references
        if ref.variable and ref.requested in found
    ]
    unset = [ref.variable for ref in references if ref.variable and ref.requested not in found]
    return claims, unset


def _describe(settings: Settings) -> tuple[str, ...]:
    """The sources, for the log line: the paths, then how many names and references."""
    sources = list(settings.paths)
    named = len(settings.names) + len(settings.json_names)
    if named:
        sources.append(f"{named} name{'' if named == 1 else 's'}")
    if settings.references:
        count = len(settings.references)
        sources.append(f"{count} reference{'' if count == 1 else 's'}")
    return tuple(sources)


def load_parameters(
    paths: str | Iterable[str] = (),
    *,
    names: str | Iterable[str] = (),
    json_names: str | Iterable[str] = (),
    recursive: bool = False,
    name_mode: str = "leaf",
    prefix: str = "",
    uppercase: bool = False,
    environ: Mapping[str, str] | None = None,
    credentials: Credentials | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_attempts: int | None = None,
) -> dict[str, str]:
    """Fetch parameters and return ``{variable name: value}`` (nothing is set).

    ``paths``: every parameter under each path (SecureStrings decrypted, all pages).
    ``names``: ``/name``, ``VAR=/name``, with an optional ``:version`` or ``:label``.
    ``json_names``: parameters whose value is a JSON object, one variable per key.
    Credentials, region and endpoint come from ``environ`` (default ``os.environ``) unless given.
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
        name_mode=name_mode,
        prefix=prefix,
        uppercase=uppercase,
        timeout=timeout,
        max_attempts=DEFAULT_MAX_ATTEMPTS if max_attempts is None else max_attempts,
        max_attempts_setting="max_attempts",
        # A Python caller passed arguments: messages name them (timeout=, not SSM_ENV_TIMEOUT).
        origins=Origins.arguments(endpoint_given=bool(endpoint_url)),
    )
    result = load(
        settings,
        environ,
        credentials=credentials,
        region=region,
        endpoint_url=endpoint_url,
        timeout=timeout,
    )
    return result.variables


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
