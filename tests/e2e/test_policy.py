"""``ssm-env-wrapper policy`` against an IAM-evaluating proxy: exactly the printed policy loads everything, without any one statement or resource the load fails."""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import REGION, moto_reset, run, run_show_env, set_auth
from iam_eval import IamProxy
from policy_cases import ACCOUNT


# -- end to end: the printed policy, and nothing less, loads everything
def _load_env(env, proxy_url):
    env = dict(env)
    env.update(
        AWS_ENDPOINT_URL_SSM=proxy_url,
        AWS_ENDPOINT_URL_SECRETS_MANAGER=proxy_url,
        SSM_ENV_PATHS="/pol/app",
        SSM_ENV_RECURSIVE="true",
        SSM_ENV_NAMES="/pol/other/NAME,REF=/aws/reference/secretsmanager/pol-ref",
        SSM_ENV_SECRETS="DB=pol/db,API=pol/api",
        SINGLE="ssm:/pol/single",
        SSM_ENV_MAX_ATTEMPTS="1",
    )
    env.pop("AWS_SESSION_TOKEN", None)
    return env


EXPECTED = {
    "APP_A": "app-a-0001",
    "APP_B": "app-b-secure-0002",
    "DEEP": "deep-0003",
    "NAME": "other-name-0004",
    "REF": "ref-secret-0005",
    "DB": "db-secret-0006",
    "API": "api-secret-0007",
    "SINGLE": "single-0008",
}


@pytest.fixture(scope="module")
def world(moto_url, built):
    """Parameters and secrets in moto; the printed policy; one moto user with it and one without
    each of its statements (moto judges actions: each statement's Resource becomes *); IAM
    authentication on; the resource-judging proxy in front."""
    import boto3
    from conftest import ROOT

    moto_reset(moto_url)
    kwargs = dict(
        region_name=REGION,
        endpoint_url=moto_url,
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
    )
    ssm = boto3.client("ssm", **kwargs)
    for name, value, kind in [
        ("/pol/app/APP_A", "app-a-0001", "String"),
        ("/pol/app/APP_B", "app-b-secure-0002", "SecureString"),
        ("/pol/app/x/DEEP", "deep-0003", "String"),
        ("/pol/other/NAME", "other-name-0004", "String"),
        ("/pol/single", "single-0008", "String"),
        ("/pol/elsewhere/UNASKED", "unasked-0009", "String"),
    ]:
        ssm.put_parameter(Name=name, Value=value, Type=kind)
    sm = boto3.client("secretsmanager", **kwargs)
    arns = {
        name: sm.create_secret(Name=name, SecretString=value)["ARN"]
        for name, value in [
            ("pol-ref", "ref-secret-0005"),
            ("pol/db", "db-secret-0006"),
            ("pol/api", "api-secret-0007"),
        ]
    }
    env = _load_env(
        {
            "PATH": "/usr/bin:/bin",
            "AWS_REGION": REGION,
            "LC_ALL": "C.UTF-8",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/c",
            "AWS_CONFIG_FILE": "/nonexistent/c",
        },
        "http://127.0.0.1:9",
    )
    printed = run([str(ROOT / "bin" / "wrapper")], ["policy", "--account", ACCOUNT], env)
    assert printed.returncode == 0, printed.stderr
    policy = json.loads(printed.stdout)
    iam = boto3.client("iam", **kwargs)
    users = {}
    variants = [None] + list(range(len(policy["Statement"])))
    for variant in variants:
        statements = [s for i, s in enumerate(policy["Statement"]) if i != variant]
        name = f"pol-user-{'full' if variant is None else variant}"
        iam.create_user(UserName=name)
        iam.put_user_policy(
            UserName=name,
            PolicyName="p",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": s["Action"], "Resource": "*"}
                        for s in statements
                    ]
                    or [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
                }
            ),
        )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        users[variant] = (
            key["AccessKeyId"],
            key["SecretAccessKey"],
            {"Version": "2012-10-17", "Statement": statements},
        )
    set_auth(moto_url, "0")
    try:
        with IamProxy(moto_url, {k: [p] for k, _, p in users.values()}, arns) as proxy:
            yield {
                "env": env,
                "policy": policy,
                "users": users,
                "proxy": proxy,
                "notes": printed.stderr,
            }
    finally:
        set_auth(moto_url, "inf")


def _run_as(wrapper, world, variant):
    key, secret, _ = world["users"][variant]
    env = dict(
        _load_env(world["env"], world["proxy"].url),
        AWS_ACCESS_KEY_ID=key,
        AWS_SECRET_ACCESS_KEY=secret,
    )
    return run_show_env(wrapper, env)


def test_the_printed_policy_is_the_expected_one(world):
    assert [s["Sid"] for s in world["policy"]["Statement"]] == [
        "ReadParameterPaths",
        "ReadParameters",
        "ReadSecrets",
        "BatchReadSecrets",
    ]
    assert "--kms-key" in world["notes"]


def test_exactly_the_printed_policy_loads_everything(wrapper, world):
    proc, report = _run_as(wrapper, world, None)
    assert proc.returncode == 0, proc.stderr
    assert {k: report["env"].get(k) for k in EXPECTED} == EXPECTED
    assert "UNASKED" not in report["env"]


def test_without_any_one_statement_the_load_fails(wrapper, world):
    for variant in range(len(world["policy"]["Statement"])):
        proc, report = _run_as(wrapper, world, variant)
        assert proc.returncode == 1 and report == {}, (variant, proc.stderr)
        assert "AccessDenied" in proc.stderr, (variant, proc.stderr)


def test_without_any_one_resource_the_load_fails(world):
    """Through the proxy alone (moto sees the whole policy): each resource of each statement is
    needed."""
    from conftest import ROOT

    key = world["users"][None][0]
    full = world["users"][None][2]
    try:
        for index, statement in enumerate(full["Statement"]):
            resources = (
                statement["Resource"]
                if isinstance(statement["Resource"], list)
                else [statement["Resource"]]
            )
            for dropped in resources:
                left = [r for r in resources if r != dropped]
                changed = json.loads(json.dumps(full))
                if left:
                    changed["Statement"][index]["Resource"] = left
                else:
                    del changed["Statement"][index]
                world["proxy"].policies[key] = [changed]
                proc, report = _run_as([str(ROOT / "bin" / "wrapper")], world, None)
                assert proc.returncode == 1 and report == {}, (dropped, proc.stderr)
    finally:
        world["proxy"].policies[key] = [full]


def test_policy_from_the_command_line_options(wrapper, world):
    proc = subprocess.run(
        wrapper
        + [
            "policy",
            "--format",
            "terraform",
            "--region",
            "eu-central-1",
            "--account",
            ACCOUNT,
            "--path",
            "/o/p",
        ],
        env={"PATH": "/usr/bin:/bin", "AWS_CONFIG_FILE": "/nonexistent"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert 'resources = ["arn:aws:ssm:eu-central-1:123456789012:parameter/o/p"]' in proc.stdout
    missing = subprocess.run(
        wrapper + ["policy", "--region", "eu-central-1", "--path", "/o/p"],
        env={"PATH": "/usr/bin:/bin", "AWS_CONFIG_FILE": "/nonexistent"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1 and missing.stdout == ""
    assert len(missing.stderr.strip().splitlines()) == 1 and "--account" in missing.stderr
