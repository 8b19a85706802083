"""Messages name a setting the way its user gave it: an API argument, a CLI option, an environment variable."""

from __future__ import annotations

import socket

import pytest
from conftest import timed_load
from fake_ssm import THROTTLED, FaultySsm

import ssm_env_wrapper
from ssm_env_wrapper import EndpointError
from ssm_env_wrapper.errors import SsmEnvError

DEFAULT_HOST = "ssm.us-east-1.amazonaws.com"


@pytest.fixture()
def no_such_host(monkeypatch):
    """A resolver that knows no name under amazonaws.com (EAI_NONAME: no retry), and asks the
    real one for the rest."""
    real = socket.getaddrinfo
    asked = []

    def resolver(name, *args, **kwargs):
        text = name.decode() if isinstance(name, bytes) else str(name)
        if text.endswith(".amazonaws.com") or text.endswith(".invalid"):
            asked.append(text)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    return asked


def test_a_default_host_that_does_not_exist_names_the_region_not_an_unset_endpoint(
    env, no_such_host
):
    # No endpoint is configured: the host was built from the region, so the region is what to
    # check; AWS_ENDPOINT_URL_SSM, which nobody set, is not the fix.
    environ = {k: v for k, v in env.items() if not k.startswith("AWS_ENDPOINT_URL")}
    outcome, _ = timed_load(environ, SSM_ENV_PATHS="/prod/app", AWS_REGION="us-east-1")
    assert isinstance(outcome, EndpointError), type(outcome).__name__
    message = str(outcome)
    assert no_such_host == [DEFAULT_HOST]
    assert f"the host name {DEFAULT_HOST} does not exist" in message
    assert "AWS_ENDPOINT_URL" not in message, message
    assert "check the region the endpoint's host is built from (AWS_REGION)" in message, message


def test_a_configured_host_that_does_not_exist_names_its_variable(env, no_such_host):
    environ = {k: v for k, v in env.items() if not k.startswith("AWS_ENDPOINT_URL")}
    outcome, _ = timed_load(
        environ, SSM_ENV_PATHS="/prod/app", AWS_ENDPOINT_URL="https://ssm.typo.invalid"
    )
    message = str(outcome)
    assert isinstance(outcome, EndpointError), message
    assert "check the host in AWS_ENDPOINT_URL" in message and "AWS_REGION" not in message


def test_the_api_names_its_endpoint_argument_or_the_region(env, no_such_host):
    import ssm_env_wrapper

    environ = {k: v for k, v in env.items() if not k.startswith("AWS_ENDPOINT_URL")}
    with pytest.raises(EndpointError) as given:
        ssm_env_wrapper.load_parameters(
            "/prod/app", environ=environ, endpoint_url="https://ssm.typo.invalid"
        )
    assert "check the host in endpoint_url=" in str(given.value)
    with pytest.raises(EndpointError) as default:
        ssm_env_wrapper.load_parameters("/prod/app", environ=environ, region="us-east-1")
    assert "check the region the endpoint's host is built from (region=)" in str(default.value)


def test_secrets_manager_names_its_own_endpoint_or_the_region(env, no_such_host):
    # SSM's endpoint is configured (moto), Secrets Manager's is not: its fix is the region.
    environ = {k: v for k, v in env.items() if k != "AWS_ENDPOINT_URL_SECRETS_MANAGER"}
    environ.pop("AWS_ENDPOINT_URL", None)
    outcome, _ = timed_load(environ, SSM_ENV_SECRETS="prod/db")
    message = str(outcome)
    assert isinstance(outcome, EndpointError), message
    assert "secretsmanager.us-east-1.amazonaws.com does not exist" in message
    assert "(AWS_REGION)" in message and "AWS_ENDPOINT_URL" not in message, message
    outcome, _ = timed_load(
        environ,
        SSM_ENV_SECRETS="prod/db",
        AWS_ENDPOINT_URL_SECRETS_MANAGER="https://sm.typo.invalid",
    )
    message = str(outcome)
    assert "check the host in AWS_ENDPOINT_URL_SECRETS_MANAGER" in message, message


# ------------------------------------------------------------ each entry point names its own setting
def test_the_api_names_its_timeout_argument(env, monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with FaultySsm([THROTTLED]) as fake:
        with pytest.raises(SsmEnvError) as caught:
            ssm_env_wrapper.load_parameters(
                "/prod/app", endpoint_url=fake.url, timeout=0.2, max_attempts=100
            )
    message = str(caught.value)
    assert "SSM_ENV_" not in message, message
    assert "timeout=0.2" in message and "raise timeout=" in message, message


def test_the_api_names_its_max_attempts_argument_when_throttled(env, monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with FaultySsm([THROTTLED]) as fake:
        with pytest.raises(SsmEnvError) as caught:
            ssm_env_wrapper.load_parameters("/prod/app", endpoint_url=fake.url, max_attempts=1)
    message = str(caught.value)
    assert "SSM_ENV_" not in message, message
    assert "raise max_attempts= or timeout=" in message, message
    assert message.endswith("(after 1 attempt; max_attempts=1)"), message


def test_the_command_line_names_its_timeout_option(env, monkeypatch, capsys):
    from ssm_env_wrapper.cli import run_cli

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with FaultySsm([THROTTLED]) as fake:
        status = run_cli(
            ["--timeout", "0.2", "--max-attempts", "100", "--endpoint-url", fake.url]
            + ["--path", "/prod/app", "--", "true"]
        )
    message = capsys.readouterr().err
    assert status == 1
    assert "SSM_ENV_" not in message, message
    assert "--timeout 0.2" in message and "raise --timeout" in message, message


def test_the_wrapper_names_its_variables(env):
    from conftest import timed_load

    with FaultySsm([THROTTLED]) as fake:
        outcome, _ = timed_load(
            env,
            AWS_ENDPOINT_URL_SSM=fake.url,
            SSM_ENV_PATHS="/prod/app",
            SSM_ENV_MAX_ATTEMPTS="100",
            SSM_ENV_TIMEOUT="0.2",
        )
    message = str(outcome)
    assert "SSM_ENV_TIMEOUT=0.2" in message and "raise SSM_ENV_TIMEOUT" in message, message
