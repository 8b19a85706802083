"""The Secrets Manager client: GetSecretValue and BatchGetSecretValue answers matched strictly to what was asked, stages and versions, errors naming the secret and the IAM action."""

from __future__ import annotations

import pytest
from conftest import REGION, api_load
from fake_ssm import ACCOUNT, FakeSsm, FaultySsm, aws_error, send
from source_cases import SECRET_PASSWORD, SECRET_USER, db_secret

ARN_PREFIX = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:"


def test_a_secrets_manager_client_is_the_same_machinery():
    """How a second JSON service plugs in: three words, no copied code."""
    from conftest import client_config

    from ssm_env_wrapper.awsjson import JsonClient
    from ssm_env_wrapper.deadline import Deadline
    from ssm_env_wrapper.keys import Credentials

    answer = (200, {"Name": "prod/db", "SecretString": "sm-secret-value-0012"})
    with FaultySsm([answer]) as fake:
        client = JsonClient(
            client_config(
                fake.url,
                Credentials("AKIDCORE", "core-secret-key-0012"),
                deadline=Deadline(5),
                max_attempts=3,
                user_agent="test",
            ),
            service="secretsmanager",
            target_prefix="secretsmanager",
            title="Secrets Manager",
        )
        with client:
            got = client.call("GetSecretValue", {"SecretId": "prod/db"}, targets=("prod/db",))
        request = fake.requests[0]
    assert got["SecretString"] == "sm-secret-value-0012"
    assert request["target"] == "secretsmanager.GetSecretValue"
    assert "/us-east-1/secretsmanager/aws4_request" in request["headers"]["Authorization"]


VALUE_1 = "secret-one-DoNotPrint-7Yq2"

VALUE_2 = "secret-two-DoNotPrint-3Kp9"


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
        return api_load(
            api, dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url), SSM_ENV_SECRETS=secrets
        )


# ------------------------------------------------------------------ one secret, two spellings
def test_a_secret_asked_by_name_and_by_partial_arn_sets_both(sm, sm_env, api):
    # The name ends like an ARN's random suffix: the partial ARN is this secret's (moto answers
    # it once per id asked, under one ARN).
    full = sm.create_secret(Name="prod/db-AbCdEf", SecretString=VALUE_1)["ARN"]
    secrets = f"A=prod/db-AbCdEf,B={arn('prod/db-AbCdEf')},C={full}"
    result = api_load(api, sm_env, SSM_ENV_SECRETS=secrets)
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
            api_load(
                api,
                dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url),
                SSM_ENV_SECRETS="a::AWSPREVIOUS",
            )


def test_a_pinned_version_id_must_be_answered(sm_env, api):
    body = entry("a", "a-AbCdEf", VALUE_1, VersionStages=["AWSCURRENT"])  # no VersionId
    with FakeSsm([(200, body)]) as fake:
        with pytest.raises(api.EndpointError, match="answer is inconsistent"):
            api_load(
                api,
                dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url),
                SSM_ENV_SECRETS="a:::0123456789abcdef0123456789abcdef",
            )


def test_pinned_versions_still_load_from_moto(sm, sm_env, api):
    sm.create_secret(Name="rotating", SecretString=VALUE_1)
    version = sm.put_secret_value(SecretId="rotating", SecretString=VALUE_2)["VersionId"]
    result = api_load(
        api,
        sm_env,
        SSM_ENV_SECRETS=f"OLD=rotating::AWSPREVIOUS,NEW=rotating:::{version},CUR=rotating",
    )
    assert result.variables == {"OLD": VALUE_1, "NEW": VALUE_2, "CUR": VALUE_2}


def test_one_secret_is_one_get_secret_value_and_more_are_batched_twenty_a_call(sm_env):
    import ssm_env_wrapper

    ids = [f"s{i:02d}" for i in range(25)]

    def answer(handler, request):
        from fake_ssm import send

        body = request["body"]
        entry = lambda sid: {  # noqa: E731
            "ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{sid}-AbCdEf",
            "Name": sid,
            "SecretString": f"value-of-{sid}",
        }
        if request["target"] == "secretsmanager.GetSecretValue":
            # As the API does: the version's stages, which prove a stage asked.
            stages = [body.get("VersionStage", "AWSCURRENT")]
            send(handler, 200, dict(entry(body["SecretId"]), VersionStages=stages))
        else:
            send(handler, 200, {"SecretValues": [entry(s) for s in body["SecretIdList"]]})

    with FakeSsm([answer]) as fake:
        environ = dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url)
        one = api_load(ssm_env_wrapper, environ, SSM_ENV_SECRETS="s00")
        many = api_load(ssm_env_wrapper, environ, SSM_ENV_SECRETS=",".join(ids))
        pinned = api_load(ssm_env_wrapper, environ, SSM_ENV_SECRETS="s00,s01::AWSPREVIOUS")
        calls = [(r["target"], r["body"]) for r in fake.requests]
    assert one.variables == {"s00": "value-of-s00"} and one.requests == 1
    assert len(many.variables) == 25 and many.requests == 2
    assert pinned.requests == 2
    assert calls[0] == ("secretsmanager.GetSecretValue", {"SecretId": "s00"})
    batches = sorted(len(b["SecretIdList"]) for t, b in calls[1:3])
    assert batches == [5, 20]
    assert (
        "secretsmanager.GetSecretValue",
        {"SecretId": "s01", "VersionStage": "AWSPREVIOUS"},
    ) in (calls[3:])


def test_a_version_stage_is_read(sm, sm_env, api):
    sm.create_secret(Name="rotating", SecretString="old-value-123456")
    sm.put_secret_value(SecretId="rotating", SecretString="new-value-654321")
    result = api_load(api, sm_env, SSM_ENV_SECRETS="OLD=rotating::AWSPREVIOUS,NEW=rotating")
    assert result.variables == {"OLD": "old-value-123456", "NEW": "new-value-654321"}


def test_a_binary_secret_is_a_clear_error(sm, sm_env, api):
    sm.create_secret(Name="cert", SecretBinary=b"\x00\x01binary")
    with pytest.raises(api.SsmEnvError, match="holds SecretBinary, not SecretString"):
        api_load(api, sm_env, SSM_ENV_SECRETS="cert")


@pytest.mark.parametrize(
    "operation, secrets, message, expect",
    [
        (
            "GetSecretValue",
            "prod/db",
            "User: arn:aws:sts::1:assumed-role/r/f is not authorized to perform: "
            "secretsmanager:GetSecretValue",
            "allow secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:"
            "<account-id>:secret:prod/db-*",
        ),
        (
            "BatchGetSecretValue",
            "a,b",
            "not authorized to perform: secretsmanager:BatchGetSecretValue",
            'allow secretsmanager:BatchGetSecretValue (Resource "*") and '
            "secretsmanager:GetSecretValue on each secret",
        ),
        (
            "GetSecretValue",
            "prod/db",
            "Access to KMS is not allowed",
            "allow kms:Decrypt on the secret's customer managed KMS key",
        ),
    ],
)
def test_access_denied_names_the_secret_and_the_iam_action(
    sm_env, api, operation, secrets, message, expect
):
    with FakeSsm([aws_error("AccessDeniedException", message)]) as fake:
        with pytest.raises(api.AwsApiError) as caught:
            api_load(
                api,
                dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url),
                SSM_ENV_SECRETS=secrets,
            )
        assert fake.requests[0]["target"] == f"secretsmanager.{operation}"
        assert fake.requests[0]["headers"]["Authorization"].split("/")[3] == "secretsmanager"
    assert expect in str(caught.value) and secrets.split(",")[0] in str(caught.value)


def test_a_batch_error_for_one_secret_names_it(sm_env, api):
    def answer(handler, request):
        from fake_ssm import send

        send(
            handler,
            200,
            {
                "SecretValues": [
                    {
                        "ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:a-AbCdEf",
                        "Name": "a",
                        "SecretString": "va-0123456789",
                    }
                ],
                "Errors": [{"SecretId": "b", "ErrorCode": "DecryptionFailure", "Message": "kms"}],
            },
        )

    with FakeSsm([answer]) as fake:
        with pytest.raises(api.AwsApiError) as caught:
            api_load(
                api, dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url), SSM_ENV_SECRETS="a,b"
            )
    text = str(caught.value)
    assert "BatchGetSecretValue b failed (DecryptionFailure)" in text and "kms:Decrypt" in text


@pytest.mark.parametrize(
    "answer",
    [
        {"SecretValues": [], "Errors": []},  # b and a left out
        {
            "SecretValues": [
                {
                    "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:c-AbCdEf",
                    "Name": "c",
                    "SecretString": "x",
                }
            ]
        },
        {"SecretValues": "no"},
        {"SecretValues": [{"Name": "a", "SecretString": "x"}]},
    ],
)
def test_a_batch_answer_must_answer_every_id_once(sm_env, api, answer):
    with FakeSsm([(200, answer)]) as fake:
        with pytest.raises(api.EndpointError, match="AWS_ENDPOINT_URL_SECRETS_MANAGER"):
            api_load(
                api, dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url), SSM_ENV_SECRETS="a,b"
            )


def test_the_api_reads_secrets(sm, sm_env, api):
    db_secret(sm)
    values = api.load_parameters(
        secrets=["PW=prod/db:password"], json_secrets="X_=prod/db", environ=sm_env, required="PW"
    )
    assert values == {"PW": SECRET_PASSWORD, "X_password": SECRET_PASSWORD, "X_user": SECRET_USER}
    with pytest.raises(api.RequiredVariableError, match="NOPE"):
        api.load_parameters(secrets="prod/db:user", environ=sm_env, required=["NOPE"])


@pytest.mark.parametrize(
    "field, secret",
    [
        ("SecretString", "first-secret-value-DoNotPrint"),
        ("SecretBinary", "Zmlyc3Qtc2VjcmV0LXZhbHVlLURvTm90UHJpbnQ="),  # the same, in base64
    ],
    ids=["string", "binary"],
)
def test_a_hostile_batch_answer_cannot_forge_a_line_or_echo_a_value(sm_env, api, field, secret):
    def answer(handler, request):
        from fake_ssm import send

        send(
            handler,
            200,
            {
                "SecretValues": [
                    {
                        "ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:a-AbCdEf",
                        "Name": "a",
                        field: secret,
                    }
                ],
                "Errors": [
                    {
                        "SecretId": "b",
                        "ErrorCode": f"X\nssm-env-wrapper: forged {secret}",
                        "Message": f"echo {secret}\r\n",
                    }
                ],
            },
        )

    with FakeSsm([answer]) as fake:
        with pytest.raises(api.AwsApiError) as caught:
            api_load(
                api, dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url), SSM_ENV_SECRETS="a,b"
            )
    text = str(caught.value)
    assert "\n" not in text and "\r" not in text
    assert secret[:12] not in text


def test_a_batch_error_message_cannot_hold_the_load_past_its_deadline(sm_env, api):
    import random
    import string
    import time

    rng = random.Random(7)
    value = "".join(rng.choice(string.ascii_letters) for _ in range(100_000))
    pieces = [value[i : i + 6] for i in range(0, len(value) - 6, 6)]
    # Pieces of the value, shuffled: every window looks like part of a secret to the redactor,
    # none is one, so masking the whole message searched the value for each (5 s here).
    message = "".join(rng.choice(pieces) for _ in range(200_000 // 6))

    def answer(handler, request):
        send(
            handler,
            200,
            {
                "SecretValues": [
                    {"ARN": f"{ARN_PREFIX}a-AbCdEf", "Name": "a", "SecretString": value}
                ],
                "Errors": [{"SecretId": "b", "ErrorCode": "DecryptionFailure", "Message": message}],
            },
        )

    with FakeSsm([answer]) as fake:
        began = time.monotonic()
        with pytest.raises(api.AwsApiError) as caught:
            api_load(
                api,
                dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url),
                SSM_ENV_SECRETS="A=a,B=b",
                SSM_ENV_TIMEOUT="1",
            )
        took = time.monotonic() - began
    assert took < 3, f"SSM_ENV_TIMEOUT=1, yet the load took {took:.1f} s"
    assert len(str(caught.value)) < 1000


def test_brackets_commas_and_quotes_inside_secrets_are_not_values_of_the_answer(sm_env, api):
    # 2 x 65,000 of them: the answer's own values are counted (a few hundred at most) to refuse
    # one that would cost far more memory decoded than read; a secret's text is one string.
    values = {name: '[{,\\"' * 13_000 + name for name in ("a", "b")}

    def answer(handler, request):
        entries = [
            {"ARN": f"{ARN_PREFIX}{name}-AbCdEf", "Name": name, "SecretString": text}
            for name, text in values.items()
        ]
        send(handler, 200, {"SecretValues": entries, "Errors": []})

    with FakeSsm([answer]) as fake:
        got = api_load(
            api, dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url), SSM_ENV_SECRETS="a,b"
        )
    assert got.variables == values


def test_a_get_secret_value_answer_for_another_secret_or_stage_is_refused(sm_env, api):
    wrong = {
        "ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:other-AbCdEf",
        "Name": "other",
        "SecretString": "x",
    }
    stage = {
        "ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:a-AbCdEf",
        "Name": "a",
        "SecretString": "x",
        "VersionStages": ["AWSCURRENT"],
    }
    for body, secrets in ((wrong, "a"), (stage, "a::AWSPREVIOUS")):
        with FakeSsm([(200, body)]) as fake:
            with pytest.raises(api.EndpointError, match="answer is inconsistent"):
                api_load(
                    api,
                    dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url),
                    SSM_ENV_SECRETS=secrets,
                )


# ------------------------------------------------------------- the same retries and deadline
def test_a_throttled_secret_is_retried(sm_env, api):
    ok = {
        "ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:t-AbCdEf",
        "Name": "t",
        "SecretString": "throttled-then-fine",
    }
    script = [aws_error("ThrottlingException", "Rate exceeded"), (200, ok)]
    with FakeSsm(script) as fake:
        result = api_load(
            api, dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url), SSM_ENV_SECRETS="t"
        )
    assert result.variables == {"t": "throttled-then-fine"} and result.requests == 2
