"""JSON object values (SSM_ENV_JSON_NAMES, a secret's key): each member becomes a variable's text exactly as stored, constants JSON does not allow refused."""

from __future__ import annotations

import json

import pytest
from conftest import REGION, put

STORED = (
    '{"big": 123456789012345678901234567890.5, "huge": 1e400, "neg0": -0, "dec": 1.50,'
    ' "exp": 2E+3, "int": 12345678901234567890123, "nested": [1.50, {"e": -1e-400}],'
    ' "flag": true, "none": null, "text": "caf\\u00e9"}'
)

EXPECTED = {
    "big": "123456789012345678901234567890.5",
    "huge": "1e400",
    "neg0": "-0",
    "dec": "1.50",
    "exp": "2E+3",
    "int": "12345678901234567890123",
    "nested": '[1.50,{"e":-1e-400}]',
    "flag": "true",
    "none": "null",
    "text": "caf\u00e9",
}


def load(api, env, **extra):
    environ = dict(env, **extra)
    return api.load(api.Settings.from_environ(environ), environ)


def test_json_names_keep_every_number_as_written(ssm, env, api):
    put(ssm, "/app/doc", STORED)
    result = load(api, env, SSM_ENV_JSON_NAMES="/app/doc")
    assert result.variables == EXPECTED


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_constant_json_does_not_allow_is_an_error(ssm, env, api, constant):
    put(ssm, "/app/doc", '{"ok": "value-DoNotPrint-1", "bad": ' + constant + "}")
    with pytest.raises(api.SsmEnvError) as caught:
        load(api, env, SSM_ENV_JSON_NAMES="/app/doc")
    text = str(caught.value)
    assert "/app/doc" in text and "not valid JSON" in text
    assert "value-DoNotPrint-1" not in text


def test_a_secret_key_keeps_its_number_as_written(sm, env, moto_url, api):
    sm.create_secret(Name="nums", SecretString=STORED)
    environ = dict(env, AWS_ENDPOINT_URL_SECRETS_MANAGER=moto_url)
    result = load(
        api,
        environ,
        SSM_ENV_SECRETS="B=nums:big,H=nums:huge,N=nums:nested",
        SSM_ENV_JSON_SECRETS="J_=nums",
    )
    assert (result.variables["B"], result.variables["H"], result.variables["N"]) == (
        EXPECTED["big"],
        EXPECTED["huge"],
        EXPECTED["nested"],
    )
    assert {k[2:]: v for k, v in result.variables.items() if k.startswith("J_")} == EXPECTED


def test_a_secret_key_holding_nan_is_an_error(sm, env, moto_url, api):
    sm.create_secret(Name="nan", SecretString=json.dumps({"k": float("nan")}))  # NaN, unquoted
    environ = dict(env, AWS_ENDPOINT_URL_SECRETS_MANAGER=moto_url)
    with pytest.raises(api.SsmEnvError, match="secretsmanager:nan.*not valid JSON"):
        load(api, environ, SSM_ENV_SECRETS="K=nan:k")


def test_a_number_in_a_json_secret_is_masked_as_written(env, api):
    """The redactor learns a JSON secret's members as the variables will hold them: a number's
    text as written, not a float's repr, so an endpoint echoing it is masked."""
    from fake_ssm import ACCOUNT, FakeSsm, send

    pin = "0.1000000000000000055511151231257827"  # a float would be 0.1

    def answer(handler, request):
        entry = {
            "Name": "a",
            "ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:a-AbCdEf",
            "SecretString": '{"pin": ' + pin + "}",
        }
        error = {"SecretId": "b", "ErrorCode": "DecryptionFailure", "Message": f"echo {pin}"}
        send(handler, 200, {"SecretValues": [entry], "Errors": [error]})

    with FakeSsm([answer]) as fake:
        environ = dict(env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url)
        with pytest.raises(api.AwsApiError) as caught:
            load(api, environ, SSM_ENV_SECRETS="P=a:pin,b")
    assert pin[-12:] not in str(caught.value)
