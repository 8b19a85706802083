# SPDX-License-Identifier: Apache-2.0
"""The load's first stage: the settings' sources as one ordered tuple of records, what is refused
before any request, and the jobs to fetch.

Every source a load reads (a path, a name, a JSON name, a secret, a JSON secret, an ``ssm:`` or
``secretsmanager:`` reference) becomes one ``Source``; the later stages (fetch, claims) walk that
one tuple. Its order is the documented order of SSM_ENV_COLLISION=later-wins, and each record
carries its rank in it. The jobs: one a path (all its pages), names in batches of ten
(GetParameters), secrets in batches of twenty (BatchGetSecretValue), a pinned secret alone.
"""

from __future__ import annotations

from .errors import ConfigError, SsmEnvError
from .guards import protection
from .partitions import partition
from .sources import SecretRef, arn_location, batch_key
from .ssm import MAX_NAMES
from .values import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from .resolve import Resolved
    from .settings import Settings
    from .sources import ParameterRef
    from .versions import VersionRecord

__all__ = ["Source", "SOURCE_KINDS", "sources_of", "FailurePolicy", "Job", "Plan", "make_plan"]

#: The kinds of source, in the order their ranks follow (SSM_ENV_COLLISION=later-wins): the paths
#: in order, then each item of SSM_ENV_NAMES, SSM_ENV_JSON_NAMES, SSM_ENV_SECRETS and
#: SSM_ENV_JSON_SECRETS left to right; references last (a reference always wins for its own
#: variable). Each kind is read from the ``Settings`` field of its name plus ``s``.
SOURCE_KINDS = (
    "path",
    "name",
    "json_name",
    "secret",
    "json_secret",
    "reference",
    "secret_reference",
)
_SECRET_KINDS = frozenset(("secret", "json_secret", "secret_reference"))
_REFERENCE_RANK = float("inf")


class Source(Record):
    """One thing a load reads. ``kind``: one of ``SOURCE_KINDS``; ``service``: ``"ssm"`` or
    ``"secretsmanager"``; ``rank``: its place in SSM_ENV_COLLISION=later-wins (higher wins);
    ``optional``: asked with a trailing ``?``; ``target``: the variable to set (a JSON source's
    prefix), ``None`` when it is named after the source; ``label``: how messages name it (never a
    value); ``key``: what is fetched (the path, the name as GetParameters is sent it, a secret's
    ``(id, stage, version id)``); ``ref``: the parsed item (``ParameterRef``, ``SecretRef``, or
    the path)."""

    __slots__ = ("kind", "service", "rank", "optional", "target", "label", "key", "ref")
    kind: str
    service: str
    rank: float
    optional: bool
    target: str | None
    label: str
    key: str | tuple[str, str, str]
    ref: ParameterRef | SecretRef | str

    def __init__(self, kind: str, ref: ParameterRef | SecretRef | str, rank: float) -> None:
        fields: tuple[str, bool, str | None, str, str | tuple[str, str, str]]
        if isinstance(ref, str):
            fields = ("ssm", False, None, ref, ref)
        elif isinstance(ref, SecretRef):
            fields = ("secretsmanager", ref.optional, ref.variable, ref.source, ref.fetch_key)
        else:
            fields = ("ssm", ref.optional, ref.variable, ref.requested, ref.requested)
        service, optional, target, label, key = fields
        self._set(kind=kind, service=service, rank=rank, optional=optional, target=target)
        self._set(label=label, key=key, ref=ref)

    @property
    def is_reference(self) -> bool:
        """An ``ssm:`` or ``secretsmanager:`` value: its variable is exact and always its own."""
        return self.kind in ("reference", "secret_reference")

    @property
    def is_json(self) -> bool:
        """A JSON object whose keys become variables."""
        return self.kind in ("json_name", "json_secret")

    @property
    def arn(self) -> str:
        """The parameter name or secret id asked, an ARN or not (a path: ``""``)."""
        ref = self.ref
        if isinstance(ref, str):
            return ""
        return ref.secret_id if isinstance(ref, SecretRef) else ref.name


def sources_of(settings: Settings) -> tuple[Source, ...]:
    """Every source ``settings`` name, in ``SOURCE_KINDS`` order, each with its rank."""
    # A path given twice ranks where it was last given (Settings normally holds each once).
    path_ranks = {path: float(i) for i, path in enumerate(settings.paths)}
    records = [Source("path", path, path_ranks[path]) for path in settings.paths]
    rank = float(len(settings.paths))
    for kind in SOURCE_KINDS[1:]:
        for ref in getattr(settings, kind + "s"):
            if kind.endswith("reference"):
                records.append(Source(kind, ref, _REFERENCE_RANK))
            else:
                rank += 1
                records.append(Source(kind, ref, rank))
    return tuple(records)


class FailurePolicy:
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


def secret_label(key: tuple[str, str, str]) -> str:
    """How a secret's fetch key ``(id, stage, version id)`` is named in messages."""
    return SecretRef(key[0], "", key[1], key[2]).source


class Job:
    """One independent unit of fetching: a whole path (all pages), one batch of names, or one
    batch of secrets (Secrets Manager, ``service == "secretsmanager"``). The fetch stage fills
    in what came back; an error stays on its job."""

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
            return ", ".join(secret_label(key) for key in self.secrets)
        return self.path or ", ".join(self.names)


class Plan:
    """What to fetch: ``every`` source the settings name, the ``sources`` still to load (a
    reference in a protected variable, or an ARN of another region, is refused before any
    request), the variables already to unset, the labels that may be missing (``?``), and the
    jobs."""

    __slots__ = ("every", "sources", "unset", "optional", "jobs")

    def __init__(self, sources: tuple[Source, ...]) -> None:
        self.every = sources
        self.sources = sources
        self.unset: list[str] = []
        self.optional: set[str] = set()
        self.jobs: list[Job] = []

    def drop(self, refs: Iterable[object]) -> None:
        """Leave the sources of these parsed items out of the load; the references among them
        are unset."""
        gone = set(refs)
        kept = []
        for source in self.sources:
            if source.kind != "path" and source.ref in gone:
                if source.is_reference and source.target:
                    self.unset.append(source.target)
            else:
                kept.append(source)
        self.sources = tuple(kept)


def make_plan(settings: Settings, policy: FailurePolicy, resolved: Resolved | SsmEnvError) -> Plan:
    """A reference in a protected variable (AWS_REGION=ssm:/x) is refused before any request, as
    is an ARN of another region or partition than the endpoint's; then one job a path, the
    names in batches of ten, the secrets in batches of twenty."""
    from .claims import protected_error

    plan = Plan(sources_of(settings))
    refused = [
        (source, why)
        for source in plan.sources
        if source.is_reference
        and source.target
        and (why := protection(source.target, settings.allow))
    ]
    if refused:
        policy.fail(protected_error([(s.target, s.label, why) for s, why in refused], settings))
        plan.drop(source.ref for source, _ in refused)
    if not isinstance(resolved, SsmEnvError):
        far, listed = _arns_elsewhere(plan.every, resolved.region)
        if listed:
            here = f"{partition(resolved.region)[0]}, {resolved.region}"
            policy.fail(
                ConfigError(
                    f"{listed}: an ARN of another region or partition than the endpoint's "
                    f"({here}); a shared parameter or a secret is read in its own region: set "
                    "AWS_REGION to it, or use a copy in this region"
                )
            )
            plan.drop(source.ref for source in far)
    plan.optional = _optional_labels(plan.sources)
    plan.jobs = _jobs(plan.sources)
    return plan


def _arns_elsewhere(sources: Iterable[Source], region: str) -> tuple[list[Source], str]:
    """The sources named by an ARN of another region or partition than the endpoint's, and
    their labels (parameters first): GetParameters reads a shared parameter, and Secrets Manager
    a secret, only in the region the request goes to (the endpoint is regional), so such an ARN
    can never load."""
    here = (partition(region)[0], region)
    far = [s for s in sources if s.arn.startswith("arn:") and arn_location(s.arn) != here]
    far.sort(key=lambda source: source.service != "ssm")  # stable: each service in order
    return far, ", ".join(dict.fromkeys(source.label for source in far))


def _optional_labels(sources: Iterable[Source]) -> set[str]:
    """What may be missing: the names (and secret sources) asked only with a ``?``."""
    asked = [source for source in sources if source.kind != "path"]
    strict = {source.label for source in asked if not source.optional}
    return {source.label for source in asked if source.optional} - strict


def _jobs(sources: tuple[Source, ...]) -> list[Job]:
    """One job a path, the names in batches (each name asked once), then the secrets."""
    requested = dict.fromkeys(
        s.key for s in sources if s.service == "ssm" and s.kind != "path" and isinstance(s.key, str)
    )
    secret_keys = list(
        dict.fromkeys(
            s.key for s in sources if s.service == "secretsmanager" and isinstance(s.key, tuple)
        )
    )
    jobs = [Job(path=s.key) for s in sources if s.kind == "path" and isinstance(s.key, str)]
    jobs += [Job(names=batch) for batch in _name_batches(list(requested))]
    return jobs + _secret_jobs(secret_keys)


def _name_batches(requested: list[str]) -> list[list[str]]:
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


def _secret_jobs(keys: list[tuple[str, str, str]]) -> list[Job]:
    """One GetSecretValue for one secret (or a pinned version: BatchGetSecretValue takes no
    version), BatchGetSecretValue for more, up to ``MAX_SECRETS`` ids a call."""
    if not keys:
        return []  # the Secrets Manager module is imported only when there are secrets
    from .secretsmanager import MAX_SECRETS

    pinned = [key for key in keys if key[1] or key[2]]
    current = [key for key in keys if not (key[1] or key[2])]
    jobs = [Job(secrets=[key]) for key in pinned]
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
    return jobs + [Job(secrets=batch) for batch in batches]
