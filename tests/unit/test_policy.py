"""``ssm-env-wrapper policy``: the least-privilege IAM policy for the configured load, and the evaluator it is checked with."""

from __future__ import annotations

import json

import pytest
from iam_eval import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, evaluate
from policy_cases import ACCOUNT

from ssm_env_wrapper.errors import ConfigError
from ssm_env_wrapper.policy import policy_document, render_policy
from ssm_env_wrapper.settings import Settings


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


def test_arns_alone_with_a_key_limit_it_to_the_services_of_the_key_region():
    # An empty kms:ViaService list is a condition IAM cannot match: the key's region says it.
    key = "arn:aws-cn:kms:cn-north-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    document, _ = _document(
        {
            "SSM_ENV_NAMES": "arn:aws-cn:ssm:cn-north-1:210987654321:parameter/p",
            "SSM_ENV_SECRETS": "arn:aws-cn:secretsmanager:cn-north-1:210987654321:secret:s",
            "AWS_CONFIG_FILE": "/nonexistent",
        },
        kms_keys=[key],
    )
    assert _statements(document)["DecryptWithNamedKeys"]["Condition"] == {
        "StringEquals": {
            "kms:ViaService": [
                "ssm.cn-north-1.amazonaws.com.cn",
                "secretsmanager.cn-north-1.amazonaws.com.cn",
            ]
        }
    }


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
        # Arabic-Indic digits: str.isdigit() takes them, an ARN does not.
        (
            {"AWS_REGION": "us-east-1", "SSM_ENV_PATHS": "/p"},
            {"account": "\u0661" * 12},
            "12 digits",
        ),
        # A key ARN with a wildcard or a policy variable would grant kms:Decrypt on other keys.
        (
            {"AWS_REGION": "us-east-1", "SSM_ENV_PATHS": "/p"},
            {"account": ACCOUNT, "kms_keys": ["arn:aws:kms:us-east-1:123456789012:key/*"]},
            "--kms-key",
        ),
        (
            {"AWS_REGION": "us-east-1", "SSM_ENV_PATHS": "/p"},
            {"account": ACCOUNT, "kms_keys": ["arn:aws:kms:us-east-1:123456789012:key/${x}"]},
            "--kms-key",
        ),
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
