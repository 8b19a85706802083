# SPDX-License-Identifier: Apache-2.0
"""The load's second stage: run the plan's jobs, concurrently when there are several, each
worker on its own kept-alive connection per service, and report what could not be fetched.

Each job keeps its own answer and its own error; nothing here decides what a variable becomes.
"""

from __future__ import annotations

from .diagnostics import Diagnostics
from .errors import AwsApiError, DeadlineError, LoadSizeError, SsmEnvError
from .plan import secret_label
from .ssm import SsmClient, match_requested

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from .deadline import Deadline
    from .endpoint import Endpoint
    from .metrics import LoadStats
    from .plan import FailurePolicy, Job
    from .proxy import Proxy
    from .records import Budget
    from .resolve import Resolved
    from .settings import Settings

    SecretsTarget = tuple[Endpoint, Proxy | None, Diagnostics] | SsmEnvError | None

__all__ = [
    "run_job",
    "run_jobs",
    "secrets_target",
    "fetch_jobs",
    "fetch_failures",
    "load_budget",
]

# Independent requests (batches of names, paths, JSON parameters, secrets) each get a connection,
# up to this many at once: 50 names (5 batches) go in one round of requests, not two. Within SSM's
# quota (GetParameter(s) and GetParametersByPath share 40 requests a second per account and region
# by default, more with higher throughput: "AWS Systems Manager endpoints and quotas"); not more,
# since each connection costs a TLS handshake's CPU in the billed init phase.
_MAX_PARALLEL = 8


def run_job(job: Job, client: Any, recursive: bool) -> None:
    """Fetch one job on ``client`` (its service's) and keep what came back on the job."""
    if job.secrets:
        from .secretsmanager import fetch_secrets
        from .versions import secret_records

        entries, missing, job.errors = fetch_secrets(client, job.secrets)
        job.secret_values, job.versions = secret_records(entries, secret_label, client)
        job.invalid = [secret_label(key) for key in missing]
        return
    from .versions import parameter_records

    if job.path is not None:
        answer = list(client.get_parameters_by_path(job.path, recursive))
        job.pairs = [(p["Name"], p["Value"]) for p in answer]
        job.versions = parameter_records((p["Name"], p) for p in answer)
        return
    parameters, invalid = client.get_parameters(job.names)
    # Set only once the whole answer is found consistent: a failed job contributes nothing.
    fix = client.diagnostics.endpoint_fix()
    asked: dict[str, dict] = {}
    job.pairs, job.invalid = match_requested(job.names, parameters, invalid, fix, asked)
    job.versions = parameter_records(asked.items())


def run_jobs(
    jobs: list[Job], connect: Callable[[str], Any], recursive: bool, stats: LoadStats | None = None
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
                    run_job(job, clients[job.service], recursive)
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


def secrets_target(
    resolved: Resolved | SsmEnvError,
    environ: Mapping[str, str],
    url: str | None,
    diagnostics: Diagnostics,
) -> SecretsTarget:
    """Secrets Manager's endpoint (``secrets_endpoint_url``, else
    ``AWS_ENDPOINT_URL_SECRETS_MANAGER``, then ``AWS_ENDPOINT_URL``, then the region's), its proxy,
    and diagnostics that name that endpoint's setting (sharing the load's redactor)."""
    if isinstance(resolved, SsmEnvError):
        return None
    from .endpoint import parse_endpoint_url, secrets_endpoint_from_environ
    from .resolve import proxy_policy_from_environ
    from .settings_table import endpoint_variable

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
    given = bool(url) or endpoint_variable("secrets_endpoint_url", environ) is not None
    origins = diagnostics.origins.replace(endpoint=setting, endpoint_given=setting if given else "")
    words = Diagnostics(origins, diagnostics.secrets)
    return endpoint, proxy, words


def load_budget(settings: Settings) -> Budget:
    """How much one load may accept from its endpoints (``records.Budget``): what execve can pass
    on (ARG_MAX, as ``command.check_exec_size`` counts it), since every value is bound for the
    environment. Only two kinds of value may stay out of it, each at most what one environment
    string holds (``advice.VALUE_LIMIT``): one written to a file (SSM_ENV_FILES) and a secret
    read for one JSON key (the rest of it is dropped); each adds that much.

    The Python API (``load``, ``apply_environment``) has the same budget though it execs nothing:
    one behaviour whatever the entry point; an environment over ARG_MAX fails every child the
    process starts (E2BIG), and a load's memory needs its bound in-process as much."""
    from .advice import VALUE_LIMIT
    from .command import arg_max
    from .records import Budget

    single_keys = [r for r in (*settings.secrets, *settings.secret_references) if r.json_key]
    limit = arg_max()
    return Budget(limit + VALUE_LIMIT * (len(settings.files) + len(single_keys)), limit)


def fetch_jobs(
    jobs: list[Job],
    settings: Settings,
    resolved: Resolved | SsmEnvError,
    deadline: Deadline,
    diagnostics: Diagnostics,
    trace: Callable[[str], None] | None,
    secrets_at: SecretsTarget,
    stats: LoadStats | None = None,
) -> tuple[int, int]:
    """Run the jobs concurrently; each job keeps its own error. Returns (requests, connections)."""
    if isinstance(resolved, SsmEnvError):  # no region, no credentials: nothing can be fetched
        for job in jobs:
            job.error = resolved
        return 0, 0
    if isinstance(secrets_at, SsmEnvError):  # a bad Secrets Manager endpoint: its jobs fail
        for job in jobs:
            if job.secrets:
                job.error = secrets_at
        jobs = [job for job in jobs if not job.secrets]
    try:
        connect = _connector(resolved, settings, deadline, diagnostics, trace, secrets_at)
        return run_jobs(jobs, connect, settings.recursive, stats)
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
    secrets_at: SecretsTarget,
) -> Callable[[str], Any]:
    """``connect(service)``: a new client of that service, all sharing one TLS context."""
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
    ).replace(budget=load_budget(settings))

    def connect(service: str) -> Any:
        if service == "secretsmanager":
            from .secretsmanager import SecretsClient

            assert isinstance(secrets_at, tuple)  # an error left no Secrets Manager jobs
            endpoint, proxy, words = secrets_at
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


def fetch_failures(
    jobs: list[Job],
    timeout: float,
    policy: FailurePolicy,
    diagnostics: Diagnostics,
    optional: set[str],
) -> list[str]:
    """Report what the jobs could not fetch: one message for everything the deadline left
    missing, then each other error (and the names the API called invalid, all in one). Returns
    the optional names (``?``) that do not exist: skipped, not failures."""
    errors = list(dict.fromkeys(job.error for job in jobs if job.error is not None))
    # The source that took the load over its budget first; those stopped after it, after.
    errors.sort(key=lambda error: isinstance(error, LoadSizeError) and not error.first)
    for error in errors:
        if not isinstance(error, SsmEnvError):
            raise error  # a programming error in a worker: never wrapped, never swallowed
    late = [job for job in jobs if isinstance(job.error, DeadlineError)]
    if late:
        policy.fail(_late(late, timeout, diagnostics))
    for error in errors:
        if not isinstance(error, DeadlineError):
            policy.fail(error)  # type: ignore[arg-type]
    for job in jobs:
        for failure in job.errors:
            policy.fail(failure)
    invalid = [name for job in jobs if not job.secrets for name in job.invalid]
    missing_secrets = [name for job in jobs if job.secrets for name in job.invalid]
    for error in _not_found(
        [name for name in invalid if name not in optional],
        [name for name in missing_secrets if name not in optional],
        diagnostics,
    ):
        policy.fail(error)
    return [name for name in invalid + missing_secrets if name in optional]


def _late(late: list[Job], timeout: float, diagnostics: Diagnostics) -> DeadlineError:
    """One error for every job the deadline left unfinished, naming each one's target."""
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
    return combined


def _not_found(
    invalid: list[str], missing_secrets: list[str], diagnostics: Diagnostics
) -> list[AwsApiError]:
    """The names GetParameters called invalid, all in one error, then the secrets not found."""
    errors = []
    if invalid:
        errors.append(
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
        errors.append(
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
    return errors
