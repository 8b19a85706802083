"""The HTTP/1.1 response reader through the wrapper: interim responses skipped, malformed answers fail closed in one line."""

from __future__ import annotations

import pytest
from conftest import assert_no_secrets, run, run_show_env
from fake_ssm import FaultySsm, raw
from http11_cases import ANSWER, BROKEN, INTERIM, VALUE


def test_interim_responses_before_the_answer_through_the_wrapper(env, wrapper):
    with FaultySsm([raw(INTERIM + ANSWER)]) as fake:
        proc, report = run_show_env(
            wrapper,
            dict(
                env,
                AWS_ENDPOINT_URL_SSM=fake.url,
                SSM_ENV_PATHS="/prod/app",
                SSM_ENV_TIMEOUT="3",
                AWS_MAX_ATTEMPTS="1",
            ),
        )
    assert proc.returncode == 0, proc.stderr
    loaded = report["env"].get("DB_PASSWORD") == VALUE
    assert loaded


@pytest.mark.parametrize("answer", list(BROKEN.values())[:2], ids=list(BROKEN)[:2])
def test_a_malformed_answer_fails_closed_through_the_wrapper(env, wrapper, answer):
    with FaultySsm([raw(answer, then_close=True)]) as fake:
        proc = run(
            wrapper,
            ["true"],
            dict(
                env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", AWS_MAX_ATTEMPTS="1"
            ),
        )
    assert_no_secrets(proc, VALUE)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"ssm-env-wrapper: GetParametersByPath /prod/app failed: cannot reach {fake.url} ("
    ), proc.stderr
