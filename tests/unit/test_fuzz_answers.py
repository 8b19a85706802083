"""Issue 18, defect 10: the whole load against random answers ends in the project's errors only.

A fake endpoint over a real loopback socket (``fuzz_endpoint.ShapeEndpoint``) answers every
operation (GetParametersByPath, GetParameters, GetSecretValue, BatchGetSecretValue) with a JSON
shape drawn by hypothesis: the API's own shapes with fields missing or of other types, any JSON
value, AWS errors, bytes that are not JSON. The load asked for holds every kind of source. The
load called is the undefended one (``load.__wrapped__``): only a LoadResult or an SsmEnvError may
come out, and never the last line of defence's message, from any nested entry point either. Each
shape hole the fuzz found has its own named case below the fuzz test.

Bounded and reproducible: ``derandomize`` with no example database (about 4 s); FUZZ_EXAMPLES
raises the count and FUZZ_RANDOM=1 draws new examples, for a longer local run.
"""

from __future__ import annotations

import os

import pytest
from conftest import ACCESS_KEY, SECRET_KEY
from fuzz_endpoint import ShapeEndpoint, answers_for, secret_arn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ssm_env_wrapper
from ssm_env_wrapper import loader

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
INTERNAL = "a bug in ssm-env-wrapper"

SOURCES = {
    "SSM_ENV_PATHS": "/app",
    "SSM_ENV_NAMES": "/app/a,B=/app/b:2,/app/sub/c?",
    "SSM_ENV_JSON_NAMES": "J_=/app/j",
    "SSM_ENV_SECRETS": f"s1,K=s2:key,P=s3::AWSPREVIOUS,{secret_arn('s4', '')}",
    "SSM_ENV_JSON_SECRETS": "S_=s5",
    "REF_A": "ssm:/app/r",
}


@pytest.fixture(scope="module")
def endpoint():
    with ShapeEndpoint() as fake:
        yield fake


def environ_for(url: str, **extra: str) -> dict[str, str]:
    return dict(
        SOURCES,
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_REGION="us-east-1",
        AWS_ENDPOINT_URL_SSM=url,
        AWS_ENDPOINT_URL_SECRETS_MANAGER=url,
        AWS_CONFIG_FILE="/nonexistent/config",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/credentials",
        SSM_ENV_MAX_ATTEMPTS="1",
        SSM_ENV_TIMEOUT="5",
        **extra,
    )


def inner_load(environ: dict[str, str]):
    """The load without its last line of defence: what the checks alone make of the answers."""
    settings_ = ssm_env_wrapper.Settings.from_environ(environ)
    return loader.load.__wrapped__(settings_, environ)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    answers=answers_for(),
    on_error=st.sampled_from(["fail", "continue"]),
    collision=st.sampled_from(["error", "later-wins"]),
)
def test_any_answer_ends_in_a_result_or_the_projects_error(endpoint, answers, on_error, collision):
    endpoint.answers = answers
    environ = environ_for(endpoint.url, SSM_ENV_ON_ERROR=on_error, SSM_ENV_COLLISION=collision)
    try:
        result = inner_load(environ)
    except ssm_env_wrapper.SsmEnvError as exc:
        assert INTERNAL not in str(exc)
        assert "\n" not in str(exc)
    else:
        assert all(INTERNAL not in failure for failure in result.failures)
        for variable, value in result.variables.items():
            assert type(variable) is str and type(value) is str


# ------------------------------------------------------ shape holes the fuzz found, one a case


@pytest.mark.parametrize(
    "body",
    [
        {"__type": ["ParameterNotFound", "arn"], "message": "m"},
        {"__type": {"x": 1}, "message": "m"},
        {"__type": "ParameterNotFound", "message": ["leaked-DoNotPrint-42", 1]},
        {"__type": "ParameterNotFound", "Message": {"k": "leaked-DoNotPrint-42"}},
    ],
)
def test_an_error_whose_code_or_message_is_not_a_string_is_not_shown_as_python(endpoint, body):
    endpoint.answers = {"GetParametersByPath": (400, body)}
    with pytest.raises(ssm_env_wrapper.SsmEnvError) as caught:
        inner_load(environ_for(endpoint.url, SSM_ENV_NAMES="", SSM_ENV_JSON_NAMES=""))
    text = str(caught.value)
    assert "[" not in text and "{" not in text and "leaked" not in text


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_an_answer_holding_a_constant_json_does_not_allow_is_not_json(endpoint, constant):
    body = b'{"Parameters": [{"Name": "/app/a", "Value": "v", "Version": ' + constant.encode()
    endpoint.answers = {"GetParametersByPath": (200, body + b"}]}")}
    environ = environ_for(endpoint.url, SSM_ENV_NAMES="", SSM_ENV_JSON_NAMES="", SSM_ENV_SECRETS="")
    environ.update(SSM_ENV_JSON_SECRETS="")
    environ.pop("REF_A")
    with pytest.raises(ssm_env_wrapper.EndpointError, match="a body that is not JSON"):
        inner_load(environ)
