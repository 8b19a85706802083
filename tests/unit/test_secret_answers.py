"""Issue 18, defects 2 and 9: Secrets Manager answers matched to what was asked, strictly.

One secret may be asked by several spellings in one batch (its name, its full ARN, a partial ARN
without the six random characters): every variable gets the secret's value. An answer is known
by its ARN: entries repeating one ARN must agree, an id is answered by exactly one secret (an
exact name or ARN before a partial ARN), and every secret answered must have been asked. A
version pinned by stage or id must be proven by the answer (``VersionStages`` a list holding the
stage, ``VersionId`` the id). Secrets Manager runs in moto; shapes moto cannot produce come from
the project's fake endpoint over a real socket.
"""

from __future__ import annotations

import pytest
from conftest import REGION
from fake_ssm import ACCOUNT, FakeSsm, send

VALUE_1 = "secret-one-DoNotPrint-7Yq2"
VALUE_2 = "secret-two-DoNotPrint-3Kp9"


def load(api, env, **extra):
    environ = dict(env, **extra)
    return api.load(api.Settings.from_environ(environ), environ)


def arn(resource: str) -> str:
    return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{resource}"


def entry(name: str, resource: str, value: str, **more) -> dict:
    return dict({"Name": name, "ARN": arn(resource), "SecretString": value}, **more)


def batch_answer(*entries: dict, errors: list | None = None):
    def step(handler, request):
        send(handler, 200, {"SecretValues": list(entries), "Errors": errors or []})

    return step


def fake_load(api, sm_env, step, secrets: str):
    with FakeSsm([step]) as fake:
        return load(
            api, dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url), SSM_ENV_SECRETS=secrets
        )


# ------------------------------------------------------------------ one secret, two spellings


def test_a_secret_asked_by_name_and_by_partial_arn_sets_both(sm, sm_env, api):
    # The name ends like an ARN's random suffix: the partial ARN is this secret's (moto answers
    # it once per id asked, under one ARN).
    full = sm.create_secret(Name="prod/db-AbCdEf", SecretString=VALUE_1)["ARN"]
    secrets = f"A=prod/db-AbCdEf,B={arn('prod/db-AbCdEf')},C={full}"
    result = load(api, sm_env, SSM_ENV_SECRETS=secrets)
    assert result.variables == {"A": VALUE_1, "B": VALUE_1, "C": VALUE_1}


def test_one_entry_answering_two_ids_sets_both(sm_env, api):
    # Its Name is one id asked and its ARN another: one secret, two spellings, one batch.
    step = batch_answer(entry("x", "y-AbCdEf", VALUE_1))
    result = fake_load(api, sm_env, step, f"A=x,B={arn('y-AbCdEf')}")
    assert result.variables == {"A": VALUE_1, "B": VALUE_1}


def test_an_exact_arn_wins_over_a_partial_one(sm_env, api):
    # Two secrets: prod/db-AbCdEf (ARN ...prod/db-AbCdEf-XyZ123) and prod/db (ARN
    # ...prod/db-AbCdEf). The ARN asked is prod/db's complete ARN, not the other's partial one.
    step = batch_answer(
        entry("prod/db-AbCdEf", "prod/db-AbCdEf-XyZ123", VALUE_1),
        entry("prod/db", "prod/db-AbCdEf", VALUE_2),
    )
    result = fake_load(api, sm_env, step, f"A=prod/db-AbCdEf,B={arn('prod/db-AbCdEf')}")
    assert result.variables == {"A": VALUE_1, "B": VALUE_2}


@pytest.mark.parametrize(
    "entries, detail",
    [
        (  # one ARN answered twice with different values
            [entry("x", "x-AbCdEf", VALUE_1), entry("x", "x-AbCdEf", VALUE_2)],
            "twice, and the two differ",
        ),
        (  # one name, two secrets: which one is x?
            [entry("x", "x-AbCdEf", VALUE_1), entry("x", "x-GhIjKl", VALUE_2)],
            "answered by 2 secrets",
        ),
        (  # a secret nobody asked for, besides the right ones
            [entry("x", "x-AbCdEf", VALUE_1), entry("y", "y-AbCdEf", "v"), entry("z", "z-X", "w")],
            "which was not asked",
        ),
    ],
)
def test_an_ambiguous_batch_answer_is_one_clear_line(sm_env, api, entries, detail):
    with pytest.raises(api.EndpointError, match="answer is inconsistent") as caught:
        fake_load(api, sm_env, batch_answer(*entries), "x,y")
    text = str(caught.value)
    assert detail in text and "AWS_ENDPOINT_URL_SECRETS_MANAGER" in text
    assert VALUE_1 not in text and VALUE_2 not in text


# ------------------------------------------------------------------------ pinned versions


@pytest.mark.parametrize(
    "stages",
    [None, "AWSPREVIOUS", ["AWSCURRENT"], [["AWSPREVIOUS"]], {"AWSPREVIOUS": 1}],
    ids=["missing", "string", "other-stage", "nested", "object"],
)
def test_a_pinned_stage_must_be_a_list_holding_it(sm_env, api, stages):
    body = entry("a", "a-AbCdEf", VALUE_1, VersionId="v-1")
    if stages is not None:
        body["VersionStages"] = stages
    with FakeSsm([(200, body)]) as fake:
        with pytest.raises(api.EndpointError, match="answer is inconsistent|VersionStages"):
            load(
                api,
                dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url),
                SSM_ENV_SECRETS="a::AWSPREVIOUS",
            )


def test_a_pinned_version_id_must_be_answered(sm_env, api):
    body = entry("a", "a-AbCdEf", VALUE_1, VersionStages=["AWSCURRENT"])  # no VersionId
    with FakeSsm([(200, body)]) as fake:
        with pytest.raises(api.EndpointError, match="answer is inconsistent"):
            load(
                api,
                dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url),
                SSM_ENV_SECRETS="a:::0123456789abcdef0123456789abcdef",
            )


def test_pinned_versions_still_load_from_moto(sm, sm_env, api):
    sm.create_secret(Name="rotating", SecretString=VALUE_1)
    version = sm.put_secret_value(SecretId="rotating", SecretString=VALUE_2)["VersionId"]
    result = load(
        api,
        sm_env,
        SSM_ENV_SECRETS=f"OLD=rotating::AWSPREVIOUS,NEW=rotating:::{version},CUR=rotating",
    )
    assert result.variables == {"OLD": VALUE_1, "NEW": VALUE_2, "CUR": VALUE_2}
