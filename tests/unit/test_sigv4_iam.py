"""End to end: moto with IAM authentication on accepts our signed requests (long-term keys, and
temporary keys with a session token) and rejects a wrong key or a tampered request."""

from __future__ import annotations

import http.client
import json
import time
import urllib.request

import pytest
from conftest import ROOT, moto_reset, run_show_env

from ssm_env_wrapper import AwsApiError, Credentials, load_parameters
from ssm_env_wrapper.sigv4 import sign

ALLOW_SSM = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["ssm:GetParametersByPath", "ssm:GetParameters"],
                "Resource": "*",
            }
        ],
    }
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _set_auth(url: str, free_actions: str) -> None:
    # moto counts requests and starts checking signatures once INITIAL_NO_AUTH_ACTION_COUNT have
    # passed; "0" checks every request from now on, "inf" turns checking off again.
    # Not form-encoded (urllib's default), or the server would read the body as a form.
    request = urllib.request.Request(
        f"{url}/moto-api/reset-auth",
        data=free_actions.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@pytest.fixture(scope="module")
def iam(moto_url):
    """An IAM user and an assumed role allowed to read SSM, parameters, then authentication on."""
    import boto3

    moto_reset(moto_url)
    kwargs = dict(
        region_name="us-east-1",
        endpoint_url=moto_url,
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
    )
    iam_client = boto3.client("iam", **kwargs)
    iam_client.create_user(UserName="wrapper")
    iam_client.put_user_policy(UserName="wrapper", PolicyName="ssm", PolicyDocument=ALLOW_SSM)
    key = iam_client.create_access_key(UserName="wrapper")["AccessKey"]
    role = iam_client.create_role(RoleName="fn-role", AssumeRolePolicyDocument=TRUST)["Role"]
    iam_client.put_role_policy(RoleName="fn-role", PolicyName="ssm", PolicyDocument=ALLOW_SSM)
    temporary = boto3.client("sts", **kwargs).assume_role(
        RoleArn=role["Arn"], RoleSessionName="fn"
    )["Credentials"]
    ssm = boto3.client("ssm", **kwargs)
    ssm.put_parameter(Name="/auth/app/PLAIN", Value="plain-auth-value-0001", Type="String")
    ssm.put_parameter(Name="/auth/app/SECRET", Value="secure-auth-value-0002", Type="SecureString")
    _set_auth(moto_url, "0")
    try:
        yield {
            "user": Credentials(key["AccessKeyId"], key["SecretAccessKey"]),
            "role": Credentials(
                temporary["AccessKeyId"], temporary["SecretAccessKey"], temporary["SessionToken"]
            ),
            "url": moto_url,
        }
    finally:
        _set_auth(moto_url, "inf")


EXPECTED = {"PLAIN": "plain-auth-value-0001", "SECRET": "secure-auth-value-0002"}


def test_long_term_keys_are_accepted(iam):
    assert (
        load_parameters(
            "/auth/app",
            credentials=iam["user"],
            region="us-east-1",
            endpoint_url=iam["url"],
            environ={},
        )
        == EXPECTED
    )


def test_temporary_keys_with_a_session_token_are_accepted(iam):
    assert iam["role"].token  # the request carries (and signs) X-Amz-Security-Token
    assert (
        load_parameters(
            "/auth/app",
            credentials=iam["role"],
            region="us-east-1",
            endpoint_url=iam["url"],
            environ={},
        )
        == EXPECTED
    )


def test_a_wrong_secret_is_rejected(iam):
    wrong = Credentials(iam["user"].access_key, "not-the-secret-key-at-all-0000000000000")
    with pytest.raises(AwsApiError) as caught:
        load_parameters(
            "/auth/app",
            credentials=wrong,
            region="us-east-1",
            endpoint_url=iam["url"],
            environ={},
            max_attempts=1,
        )
    assert caught.value.code in ("SignatureDoesNotMatch", "InvalidSignatureException")
    assert "not-the-secret-key-at-all" not in str(caught.value)


def test_a_wrong_session_token_is_rejected(iam):
    role = iam["role"]
    forged = Credentials(role.access_key, role.secret_key, role.token[:-4] + "AAAA")
    with pytest.raises(AwsApiError):
        load_parameters(
            "/auth/app",
            credentials=forged,
            region="us-east-1",
            endpoint_url=iam["url"],
            environ={},
            max_attempts=1,
        )


@pytest.mark.parametrize("tamper", ["body", "target"])
def test_a_request_changed_after_signing_is_rejected(iam, tamper):
    host, port = iam["url"].split("//")[1].split(":")
    body = json.dumps({"Path": "/auth/app", "WithDecryption": True}).encode()
    user = iam["user"]

    def send(headers, payload):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("POST", "/", payload, dict(headers))
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status

    base = [
        ("Host", f"{host}:{port}"),
        ("Content-Type", "application/x-amz-json-1.1"),
        ("X-Amz-Target", "AmazonSSM.GetParametersByPath"),
    ]
    signed = sign(
        "POST",
        "/",
        "",
        base,
        body,
        access_key=user.access_key,
        secret_key=user.secret_key,
        token=None,
        region="us-east-1",
        service="ssm",
        timestamp=time.time(),
    )
    assert send(signed, body) == 200  # the control: untouched, it is accepted
    if tamper == "body":
        changed = body.replace(b"/auth/app", b"/auth/xxx")
        assert send(signed, changed) in (400, 403)
    else:
        headers = [(k, "AmazonSSM.GetParameters" if k == "X-Amz-Target" else v) for k, v in signed]
        assert send(headers, body) in (400, 403)


def test_the_wrapper_end_to_end_with_authentication_on(iam):
    user = iam["user"]
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID": user.access_key,
        "AWS_SECRET_ACCESS_KEY": user.secret_key,
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_SSM": iam["url"],
        "SSM_ENV_PATHS": "/auth/app",
    }
    proc, report = run_show_env([str(ROOT / "bin" / "wrapper")], env)
    assert proc.returncode == 0, proc.stderr
    assert {k: report["env"][k] for k in EXPECTED} == EXPECTED
    env.update(
        AWS_SECRET_ACCESS_KEY="wrong-secret-key-for-the-test-0000000000", AWS_MAX_ATTEMPTS="1"
    )
    proc, report = run_show_env([str(ROOT / "bin" / "wrapper")], env)
    assert proc.returncode == 1 and report == {}
    line = proc.stderr.strip()
    assert (
        line.startswith("ssm-env-wrapper: GetParametersByPath /auth/app failed (")
        and "\n" not in line
    )
    assert "wrong-secret-key-for-the-test" not in proc.stdout + proc.stderr
