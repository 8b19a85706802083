"""Issue 18, defect 9: a JSON value's members become variables exactly as stored.

A number's variable is the number's text as written (``1e400`` is not Infinity, a long decimal
keeps its digits, ``-0`` and ``1.50`` stay so, nested numbers too); what JSON does not allow
(``NaN``, ``Infinity``, ``-Infinity``) is an error naming the parameter, never a value. Through
SSM_ENV_JSON_NAMES and a secret's ``:json-key``, against moto.
"""

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


# ------------------------------------------------------------------------ ASCII digits only

ARABIC_INDIC = "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662"


@pytest.mark.parametrize(
    "variable, item",
    [
        ("SSM_ENV_SECRETS", f"arn:aws:secretsmanager:us-east-1:{ARABIC_INDIC}:secret:x"),
        ("SSM_ENV_JSON_SECRETS", f"arn:aws:secretsmanager:us-east-1:{ARABIC_INDIC}:secret:x"),
        ("SSM_ENV_NAMES", f"arn:aws:ssm:us-east-1:{ARABIC_INDIC}:parameter/x"),
        ("SSM_ENV_SECRETS", "arn:aws:secretsmanager:us-east-1:12345678901\u00b2:secret:x"),
    ],
)
def test_an_arn_account_is_twelve_ascii_digits(api, variable, item):
    with pytest.raises(api.ConfigError, match=f"{variable}: .* is not a valid"):
        api.Settings.from_environ({variable: item})
