"""The User-Agent header, built as the SDKs build it, cleaned and bounded."""

from __future__ import annotations

import sys

from conftest import timed_load
from fake_ssm import FaultySsm, page


# --------------------------------------------------------------------------- User-Agent
def user_agent_of(env, **extra) -> str:
    with FaultySsm([page([])]) as fake:
        result, _ = timed_load(
            env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", **extra
        )
        assert not isinstance(result, Exception), str(result)
        return fake.requests[0]["headers"]["User-Agent"]


def test_the_user_agent_has_the_sdks_parts(env):
    from ssm_env_wrapper import __version__

    agent = user_agent_of(
        env, AWS_EXECUTION_ENV="AWS_Lambda_python3.12", AWS_SDK_UA_APP_ID="billing-api"
    )
    parts = agent.split(" ")
    assert parts[0] == f"ssm-env-wrapper/{__version__}"
    major, minor = sys.version_info[:2]
    assert any(p.startswith(f"lang/python#{major}.{minor}.") for p in parts), agent
    assert "exec-env/AWS_Lambda_python3.12" in parts
    assert parts[-1] == "app/billing-api"


def test_the_user_agent_without_lambda_or_app_id(env):
    agent = user_agent_of(env)
    assert "exec-env/" not in agent and "app/" not in agent


def test_the_user_agent_is_cleaned_and_bounded_as_the_sdks_do(env):
    agent = user_agent_of(
        env,
        AWS_SDK_UA_APP_ID="my app\r\nX-Injected: 1 " + "z" * 100,
        AWS_EXECUTION_ENV="AWS_Lambda_python3.12\nEvil: yes",
    )
    parts = agent.split(" ")
    # Every character outside botocore's set becomes "-"; the app id is cut at 50 characters.
    assert [p for p in parts if p.startswith("app/")] == ["app/my-app--X-Injected--1-" + "z" * 28]
    assert "exec-env/AWS_Lambda_python3.12-Evil--yes" in parts
    assert "\r" not in agent and "\n" not in agent and "X-Injected: " not in agent
