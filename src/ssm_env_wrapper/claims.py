# SPDX-License-Identifier: Apache-2.0
"""The load's third stage: turn what the jobs fetched into claims ``(variable, source, value,
rank)``, one walk over the plan's sources, then decide: collisions (or the later source, with
SSM_ENV_COLLISION=later-wins), protected names and values the environment cannot carry are
refused; and, once the result is known, the required variables (SSM_ENV_REQUIRED) are checked.

Derived names (paths, plain names, JSON keys, secret names) take the prefix and case settings;
``VAR=`` names and references are exact.
"""

from __future__ import annotations

import sys

from .diagnostics import Diagnostics, given
from .errors import NameCollisionError, ProtectedNameError, RequiredVariableError, SsmEnvError
from .guards import env_string_problem, never_allowed, protection
from .naming import group_claims, sanitize, variable_name
from .redact import answer_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from .loader import LoadResult
    from .plan import FailurePolicy, Job, Plan, Source
    from .settings import Settings
    from .sources import SecretRef

    Claim = tuple[str, str, str | bytes, float]

__all__ = [
    "claims_of",
    "decide",
    "require",
    "reference_variables",
    "protected_error",
    "secret_string",
]


class _Fetched:
    """What the jobs that succeeded brought back: each path's pairs, each name's value (by the
    name as requested) and each secret's value (by its fetch key)."""

    __slots__ = ("paths", "names", "secrets")

    def __init__(self, jobs: Iterable[Job]) -> None:
        self.paths: dict[str, list[tuple[str, str]]] = {}
        self.names: dict[str, str] = {}
        self.secrets: dict[tuple[str, str, str], str | bytes] = {}
        for job in jobs:
            if job.error is not None:
                continue
            if job.path is not None:
                self.paths[job.path] = job.pairs
            elif not job.secrets:
                # A name is resolved only by the answer to its own request (GetParameters),
                # never by a path's answer that happens to hold a parameter of that name.
                self.names.update(job.pairs)
            self.secrets.update(job.secret_values)


def claims_of(settings: Settings, plan: Plan, policy: FailurePolicy) -> list[Claim]:
    """``(variable, source, value, rank)`` for everything fetched, source by source in the plan's
    order (``rank``: the source's place in SSM_ENV_COLLISION=later-wins)."""
    fetched = _Fetched(plan.jobs)
    claims: list[Claim] = []
    for source in plan.sources:
        claims += _CLAIMS_BY_KIND[source.kind](source, fetched, settings, policy)
    return claims


def _derived(settings: Settings, name: str) -> str:
    return variable_name(name, prefix=settings.prefix, uppercase=settings.uppercase)


def _variable(source: Source, settings: Settings, name: str) -> str | None:
    """The variable a source's value goes to: ``VAR=`` when given, else the name's variable; a
    reference (``ssm:``/``secretsmanager:`` in a variable) sets only its own variable, if any."""
    if source.is_reference:
        return source.target or None
    return source.target or _derived(settings, name)


def _path_claims(
    source: Source, fetched: _Fetched, settings: Settings, policy: FailurePolicy
) -> list[Claim]:
    return [
        (
            variable_name(
                name,
                base_path=source.label,
                mode=settings.name_mode,
                prefix=settings.prefix,
                uppercase=settings.uppercase,
            ),
            name,
            value,
            source.rank,
        )
        for name, value in fetched.paths.get(source.label, ())
    ]


def _parameter_claims(
    source: Source, fetched: _Fetched, settings: Settings, policy: FailurePolicy
) -> list[Claim]:
    """A name (``VAR=`` or named after the parameter) or an ``ssm:`` reference (exact)."""
    value = fetched.names.get(source.label)
    if value is None:
        return []
    variable = _variable(source, settings, source.ref.name)  # type: ignore[union-attr]
    return [] if variable is None else [(variable, source.label, value, source.rank)]


def _secret_claims(
    source: Source, fetched: _Fetched, settings: Settings, policy: FailurePolicy
) -> list[Claim]:
    """A secret (or one key of a JSON secret) or a ``secretsmanager:`` reference (exact)."""
    ref: SecretRef = source.ref  # type: ignore[assignment]
    claim = _secret_claim(ref, fetched.secrets, policy)
    if claim is None:
        return []
    default = sanitize(ref.json_key) if ref.json_key else None
    variable = _variable(source, settings, default or ref.name)
    return [] if variable is None else [(variable, claim[0], claim[1], source.rank)]


def _json_source_claims(
    source: Source, fetched: _Fetched, settings: Settings, policy: FailurePolicy
) -> list[Claim]:
    """One claim per key of a JSON parameter's or secret's object."""
    origins = settings.origins
    if source.service == "ssm":
        raw: object = fetched.names.get(source.label)
        where, alternative = f"parameter {source.label} ({origins.json_names})", origins.plain_names
    else:
        raw = fetched.secrets.get(source.key)  # type: ignore[arg-type]
        where, alternative = f"secret {source.label}", origins.plain_secrets
    if raw is None:
        return []
    try:
        text = raw if source.service == "ssm" else secret_string(source.label, raw)
        return [
            (*claim, source.rank)
            for claim in _json_claims(
                where, source.label, source.target or "", text, settings, alternative
            )
        ]
    except SsmEnvError as exc:
        policy.fail(exc)
        return []


_CLAIMS_BY_KIND: dict[str, Callable[[Source, _Fetched, Settings, FailurePolicy], list[Claim]]] = {
    "path": _path_claims,
    "name": _parameter_claims,
    "reference": _parameter_claims,
    "json_name": _json_source_claims,
    "json_secret": _json_source_claims,
    "secret": _secret_claims,
    "secret_reference": _secret_claims,
}


def _json_claims(
    where: str, source: str, prefix: str, value: object, settings: Settings, alternative: str
) -> list[tuple[str, str, str]]:
    """One claim per key of a JSON object value: ``{"host": "h"}`` -> ``host=h`` (``PREFIX_host``
    with ``PREFIX_=/name``). Strings are taken as they are; other values as compact JSON."""
    from .jsonvalue import json_member, json_object

    claims = []
    for key, item in json_object(where, value, alternative).items():  # type: ignore[arg-type]
        name = settings.prefix + prefix + sanitize(key)
        claims.append(
            (
                name.upper() if settings.uppercase else name,
                f"{source}#{key}",
                json_member(where, key, item),
            )
        )
    return claims


def secret_string(label: str, value: object) -> str:
    """The SecretString; a secret that has only SecretBinary is an error (environment variables
    are text; decoding binary would guess an encoding)."""
    if not isinstance(value, str):
        raise SsmEnvError(
            f"secret {label} holds SecretBinary, not SecretString; only text secrets "
            "can become variables: store it as SecretString (base64 it yourself if needed)"
        )
    return value


def _secret_claim(
    ref: SecretRef,
    secret_values: Mapping[tuple[str, str, str], object],
    policy: FailurePolicy,
) -> tuple[str, str | bytes] | None:
    """``(source, value)`` for one secret (or one key of a JSON secret), or None when it did not
    load. A missing key is an error naming the secret and the key, never the other keys."""
    if ref.fetch_key not in secret_values:
        return None
    try:
        raw = secret_values[ref.fetch_key]
        if isinstance(raw, bytes) and not ref.json_key:
            return ref.source, raw  # SecretBinary: only a file can take it (files.file_claims)
        value = secret_string(ref.source, raw)
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


def reference_variables(sources: Iterable[Source]) -> set[str]:
    """The variables that held an ``ssm:`` or ``secretsmanager:`` reference."""
    return {source.target for source in sources if source.is_reference and source.target}


def protected_error(
    refused: Iterable[tuple[str | None, str, str]], settings: Settings
) -> ProtectedNameError:
    refused = list(refused)
    allowable = any(
        variable is not None and not never_allowed(variable) for variable, _, _ in refused
    )
    return ProtectedNameError(
        "refusing protected variables: "
        + "; ".join(f"{source} would set {variable} ({why})" for variable, source, why in refused)
        + f"; {Diagnostics(settings.origins).protected_fix(allowable)}"
    )


def decide(
    settings: Settings,
    claims: list[tuple[str, str, str, float]],
    unset: list[str],
    policy: FailurePolicy,
    references: set[str],
) -> tuple[dict[str, tuple[str, str]], list[str], list[tuple[str, str, str]]]:
    """Collisions (or, with SSM_ENV_COLLISION=later-wins, the later source), protected names and
    values the environment cannot carry are refused; returns ``{variable: (source, value)}``,
    the variables to unset and the overrides. ``references``: the variables that held a
    reference, unset when they collide."""
    single, collisions, overrides = _group(claims, settings.collision)
    if collisions:
        policy.fail(_collision_error(collisions, settings))
        unset = unset + [variable for variable, _ in collisions if variable in references]
    protected = [
        (variable, source, why)
        for variable, (source, _) in single.items()
        if (why := protection(variable, settings.allow))
    ]
    if protected:
        policy.fail(protected_error(protected, settings))
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


def _collision_error(
    collisions: list[tuple[str, list[str]]], settings: Settings
) -> NameCollisionError:
    return NameCollisionError(
        "parameter names collide: "
        + "; ".join(f"{', '.join(sources)} map to {variable}" for variable, sources in collisions)
        # Where they come from different sources, the later may win, when asked.
        + f" ({given(settings.origins.collision, 'later-wins')} lets a later source win)"
        + f"; {Diagnostics(settings.origins).collision_fix()}"
    )


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


def require(
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
