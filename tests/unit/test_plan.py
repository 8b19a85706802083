"""The load's plan: one ordered tuple of source records, and what is refused before any request."""

from __future__ import annotations

from ssm_env_wrapper import Settings
from ssm_env_wrapper.errors import SsmEnvError
from ssm_env_wrapper.plan import SOURCE_KINDS, FailurePolicy, make_plan, sources_of

ENV = {
    "SSM_ENV_PATHS": "/app,/shared",
    "SSM_ENV_NAMES": "/n1,X=/n2?",
    "SSM_ENV_JSON_NAMES": "/j",
    "SSM_ENV_SECRETS": "s1",
    "SSM_ENV_JSON_SECRETS": "s2",
    "DB_URL": "ssm:/r",
    "API_KEY": "secretsmanager:s3",
}


def test_every_source_once_in_the_order_of_later_wins():
    sources = sources_of(Settings.from_environ(ENV))
    kinds = [source.kind for source in sources]
    assert kinds == sorted(kinds, key=SOURCE_KINDS.index)
    assert [s.label for s in sources if s.kind in ("path", "name", "json_name")] == [
        "/app",
        "/shared",
        "/n1",
        "/n2",
        "/j",
    ]
    ranks = [source.rank for source in sources]
    assert ranks == sorted(ranks) and len(set(ranks[:-2])) == len(ranks) - 2
    assert all(s.rank == float("inf") for s in sources if s.is_reference)
    assert {s.service for s in sources if "secret" in s.kind} == {"secretsmanager"}
    assert [s.target for s in sources if s.is_reference] == ["DB_URL", "API_KEY"]
    assert [s.label for s in sources if s.optional] == ["/n2"]


def test_a_reference_in_a_protected_variable_is_refused_before_any_request():
    policy = FailurePolicy("continue")
    settings = Settings.from_environ(dict(ENV, PATH="ssm:/evil"))
    plan = make_plan(settings, policy, SsmEnvError("no region"))
    assert "PATH" in plan.unset and len(policy.failures) == 1
    assert "/evil" not in [name for job in plan.jobs for name in job.names]
    assert [job.path for job in plan.jobs if job.path] == ["/app", "/shared"]
    assert [job.names for job in plan.jobs if job.names] == [["/n1", "/n2", "/j", "/r"]]
    assert plan.optional == {"/n2"}
    assert len(plan.every) == len(plan.sources) + 1
