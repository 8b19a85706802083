"""``ssm-env-wrapper policy``: the least-privilege IAM policy for the configured load.

Proven end to end: moto with IAM authentication on (judging actions) behind ``iam_eval.IamProxy``
(judging resources, as IAM documents them); a user holding exactly the printed policy loads
everything through the real wrapper; without any one statement (or any one resource) the load
fails. The evaluator is tested on its own first, with cases from AWS's documentation."""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import REGION, moto_reset, run, run_show_env
from iam_eval import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, IamProxy, evaluate

from ssm_env_wrapper.errors import ConfigError
from ssm_env_wrapper.policy import policy_document, render_policy
from ssm_env_wrapper.settings import Settings

ACCOUNT = "123456789012"


def _allow(action, resource, **extra):
    return {
        "Statement": [dict({"Effect": "Allow", "Action": action, "Resource": resource}, **extra)]
    }


# (policy, action, resource, context, expected): the examples of "IAM JSON policy elements:
# Resource / Action / NotAction / Condition" and "Policy evaluation logic".
CASES = [
    (
        _allow("s3:*", "arn:aws:s3:::amzn-s3-demo-bucket/*"),
        "s3:GetObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/a/b.txt",
        None,
        ALLOW,
    ),
    (
        _allow("s3:*", "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*"),
        "s3:GetObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/1/2/test/3/object.jpg",
        None,
        ALLOW,
    ),
    (
        _allow("s3:*", "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*"),
        "s3:GetObject",
        "arn:aws:s3:::amzn-s3-demo-bucket/1/object.jpg",
        None,
        IMPLICIT_DENY,
    ),
    (
        _allow("iam:*", "arn:aws:iam::123456789012:user/accounting/*"),
        "iam:GetUser",
        "arn:aws:iam::123456789012:user/Accounting/bob",
        None,
        IMPLICIT_DENY,
    ),  # case-sensitive
    (_allow("iam:*AccessKey*", "*"), "iam:CreateAccessKey", "*", None, ALLOW),
    (_allow("SSM:getparameter*", "*"), "ssm:GetParametersByPath", "x", None, ALLOW),
    (_allow("ssm:GetParameter", "*"), "ssm:GetParameters", "x", None, IMPLICIT_DENY),
    (_allow("sm:G?t", "*"), "sm:Get", "x", None, ALLOW),
    (_allow("sm:G?t", "*"), "sm:Gt", "x", None, IMPLICIT_DENY),
    # The secret suffix: exactly six characters.
    (
        _allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:r:1:secret:db-??????"),
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:r:1:secret:db-AbCdEf",
        None,
        ALLOW,
    ),
    (
        _allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:r:1:secret:db-??????"),
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:r:1:secret:db-AbCdEfG",
        None,
        IMPLICIT_DENY,
    ),
    (
        _allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:r:1:secret:db-??????"),
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:r:1:secret:dbx-AbCdE",
        None,
        IMPLICIT_DENY,
    ),
    # A wildcard stays within its segment, unless it ends the segment.
    (
        _allow("ssm:*", "arn:aws:ssm:*:123456789012:parameter/a"),
        "ssm:GetParameters",
        "arn:aws:ssm:us-east-1:123456789012:parameter/a",
        None,
        ALLOW,
    ),
    (
        _allow("ssm:*", "arn:aws:ssm:us-*-1:123456789012:parameter/a"),
        "ssm:GetParameters",
        "arn:aws:ssm:us-east:x-1:123456789012:parameter/a",
        None,
        IMPLICIT_DENY,
    ),
    (
        _allow("ssm:*", "arn:aws:ssm:us-east-1:*"),
        "ssm:GetParameters",
        "arn:aws:ssm:us-east-1:123456789012:parameter/a",
        None,
        ALLOW,
    ),
    # The path ARN is not its children's.
    (
        _allow("ssm:*", "arn:aws:ssm:r:1:parameter/prod/app"),
        "ssm:GetParameters",
        "arn:aws:ssm:r:1:parameter/prod/app/x",
        None,
        IMPLICIT_DENY,
    ),
    # An explicit deny wins over any allow; NotAction allows all but what it names.
    (
        {
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "ssm:*", "Resource": "*"},
            ]
        },
        "ssm:GetParameters",
        "x",
        None,
        EXPLICIT_DENY,
    ),
    (
        {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]},
        "iam:CreateUser",
        "*",
        None,
        IMPLICIT_DENY,
    ),
    (
        {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]},
        "s3:GetObject",
        "*",
        None,
        ALLOW,
    ),
    (
        {"Statement": [{"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::b/*"}]},
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        None,
        IMPLICIT_DENY,
    ),
    (
        _allow(
            "kms:Decrypt",
            "*",
            Condition={"StringEquals": {"kms:ViaService": ["ssm.r.amazonaws.com"]}},
        ),
        "kms:Decrypt",
        "k",
        {"kms:ViaService": "ssm.r.amazonaws.com"},
        ALLOW,
    ),
    (
        _allow(
            "kms:Decrypt",
            "*",
            Condition={"StringEquals": {"kms:ViaService": "ssm.r.amazonaws.com"}},
        ),
        "kms:Decrypt",
        "k",
        {"kms:ViaService": "s3.r.amazonaws.com"},
        IMPLICIT_DENY,
    ),
    (
        _allow(
            "kms:Decrypt",
            "*",
            Condition={"StringEquals": {"kms:ViaService": "ssm.r.amazonaws.com"}},
        ),
        "kms:Decrypt",
        "k",
        None,
        IMPLICIT_DENY,
    ),  # a key the request lacks never equals
    ({"Statement": []}, "ssm:GetParameters", "x", None, IMPLICIT_DENY),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_the_evaluator_follows_the_documented_rules(case):
    policy, action, resource, context, expected = CASES[case]
    assert evaluate([policy], action, resource, context) == expected


def _document(environ, **options):
    settings = Settings.from_environ(environ)
    return policy_document(settings, environ, **options)


def _statements(document):
    return {s["Sid"]: s for s in document["Statement"]}


def test_a_path_is_its_own_arn_recursive_or_not():
    for recursive in ("false", "true"):
        document, notes = _document(
            {
                "AWS_REGION": "eu-west-1",
                "SSM_ENV_PATHS": "/prod/app,/",
                "SSM_ENV_RECURSIVE": recursive,
            },
            account=ACCOUNT,
        )
        assert document["Statement"] == [
            {
                "Sid": "ReadParameterPaths",
                "Effect": "Allow",
                "Action": "ssm:GetParametersByPath",
                "Resource": [
                    "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/app",
                    "arn:aws:ssm:eu-west-1:123456789012:parameter/",
                ],
            }
        ]
        assert any("--kms-key" in note for note in notes)


def test_names_references_and_secrets():
    document, _ = _document(
        {
            "AWS_REGION": "us-east-1",
            "SSM_ENV_NAMES": "/a/b:3,/aws/reference/secretsmanager/ref:label",
            "SSM_ENV_SECRETS": "X=one,Y=arn:aws:secretsmanager:us-east-1:210987654321:secret:two-AbCdEf",
            "REF": "ssm:arn:aws:ssm:us-east-1:210987654321:parameter/shared/p",
        },
        account=ACCOUNT,
    )
    statements = _statements(document)
    assert statements["ReadParameters"]["Resource"] == [
        "arn:aws:ssm:us-east-1:123456789012:parameter/a/b",
        "arn:aws:ssm:us-east-1:123456789012:parameter/aws/reference/secretsmanager/ref",
        "arn:aws:ssm:us-east-1:210987654321:parameter/shared/p",
    ]
    assert statements["ReadSecrets"]["Resource"] == [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:ref-??????",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:one-??????",
        "arn:aws:secretsmanager:us-east-1:210987654321:secret:two-AbCdEf",
    ]
    assert statements["BatchReadSecrets"]["Resource"] == "*"


@pytest.mark.parametrize(
    "secrets, batch",
    [
        ("a", False),
        ("a,b", True),
        ("a::AWSPREVIOUS,b::AWSCURRENT", False),
        ("a,a::AWSPREVIOUS", False),
    ],
)
def test_batch_only_when_the_loader_batches(secrets, batch):
    document, _ = _document(
        {"AWS_REGION": "us-east-1", "SSM_ENV_SECRETS": secrets}, account=ACCOUNT
    )
    assert ("BatchReadSecrets" in _statements(document)) == batch


@pytest.mark.parametrize(
    "region, partition, suffix",
    [
        ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
        ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
    ],
)
def test_partition_and_kms_via_service(region, partition, suffix):
    key = f"arn:{partition}:kms:{region}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    document, notes = _document(
        {"AWS_REGION": region, "SSM_ENV_NAMES": "/a", "SSM_ENV_SECRETS": "s"},
        account=ACCOUNT,
        kms_keys=[key],
    )
    statements = _statements(document)
    assert (
        statements["ReadParameters"]["Resource"]
        == f"arn:{partition}:ssm:{region}:{ACCOUNT}:parameter/a"
    )
    assert statements["DecryptWithNamedKeys"] == {
        "Sid": "DecryptWithNamedKeys",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": key,
        "Condition": {
            "StringEquals": {
                "kms:ViaService": [f"ssm.{region}.{suffix}", f"secretsmanager.{region}.{suffix}"]
            }
        },
    }
    assert notes == []


def test_arns_alone_need_no_account_nor_region():
    document, _ = _document(
        {
            "SSM_ENV_NAMES": "arn:aws:ssm:us-east-1:210987654321:parameter/p",
            "AWS_CONFIG_FILE": "/nonexistent",
        }
    )
    assert (
        _statements(document)["ReadParameters"]["Resource"]
        == "arn:aws:ssm:us-east-1:210987654321:parameter/p"
    )


@pytest.mark.parametrize(
    "environ, options, words",
    [
        ({"AWS_REGION": "us-east-1", "SSM_ENV_PATHS": "/p"}, {}, "--account"),
        ({"AWS_REGION": "us-east-1", "SSM_ENV_PATHS": "/p"}, {"account": "12345"}, "12 digits"),
        (
            {"SSM_ENV_PATHS": "/p", "AWS_CONFIG_FILE": "/nonexistent"},
            {"account": ACCOUNT},
            "AWS_REGION",
        ),
        (
            {"AWS_REGION": "us-east-1", "SSM_ENV_PATHS": "/p"},
            {"account": ACCOUNT, "kms_keys": ["arn:aws:kms:us-east-1:123456789012:alias/x"]},
            "--kms-key",
        ),
        ({"AWS_REGION": "us-east-1"}, {"account": ACCOUNT}, "nothing to load"),
    ],
)
def test_what_is_unknown_is_one_clear_line(environ, options, words):
    with pytest.raises(ConfigError) as caught:
        _document(environ, **options)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def _unquoted(value):
    """python-hcl2 (7.x) keeps string literals' quotes: take them off, as HCL reads them."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value)
    if isinstance(value, list):
        return [_unquoted(item) for item in value]
    if isinstance(value, dict):
        return {_unquoted(k): _unquoted(v) for k, v in value.items() if k != "__is_block__"}
    return value


def test_sam_and_terraform_forms_hold_the_same_statements():
    import hcl2
    import yaml

    document, _ = _document(
        {"AWS_REGION": "us-east-1", "SSM_ENV_PATHS": "/p", "SSM_ENV_SECRETS": "a,b"},
        account=ACCOUNT,
        kms_keys=[f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k1"],
    )
    assert json.loads(render_policy(document, "iam")) == document
    assert yaml.safe_load(render_policy(document, "sam")) == [{"Statement": document["Statement"]}]
    parsed = _unquoted(hcl2.loads(render_policy(document, "terraform")))
    block = parsed["data"][0]["aws_iam_policy_document"]["ssm_env_wrapper"]
    statements = block["statement"]
    assert [s["sid"] for s in statements] == [s["Sid"] for s in document["Statement"]]
    for ours, theirs in zip(document["Statement"], statements):
        resources = ours["Resource"] if isinstance(ours["Resource"], list) else [ours["Resource"]]
        assert theirs["resources"] == resources and theirs["actions"] == [ours["Action"]]
    assert statements[-1]["condition"][0]["variable"] == "kms:ViaService"


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


def _set_auth(url: str, free: str) -> None:
    import urllib.request

    request = urllib.request.Request(
        f"{url}/moto-api/reset-auth",
        data=free.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


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
    _set_auth(moto_url, "0")
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
        _set_auth(moto_url, "inf")


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
