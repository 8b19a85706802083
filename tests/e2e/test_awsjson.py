"""The JSON client through the wrapper: a clock-skew answer whose date is absurd is not adopted."""

from __future__ import annotations

import pytest
from conftest import run_show_env
from fake_ssm import FaultySsm
from ssm_cases import VALUE_X, one_line


# ------------------------------------------------------------------ a hostile Date on a skew answer
@pytest.mark.parametrize(
    "date",
    [
        "Mon, 01 Jan 99999999 00:00:00 GMT",  # past datetime's years
        "1 Jan 2020 00:00:00 +99999999999",  # an absurd offset
        "Mon, 01 Jan 1900 00:00:00 GMT",
    ],
)
def test_a_skew_answer_with_an_absurd_date_is_not_adopted(env, layer, date):
    """The clock-skew retry adopts the endpoint's Date; one no clock could show is an answer to
    report, never a traceback nor a signature dated in another millennium."""
    from fake_ssm import http_answer, page, raw

    skewed = raw(
        http_answer(400, {"__type": "RequestTimeTooSkewed", "message": "skewed"}, {"Date": date})
    )
    with FaultySsm([skewed, page([("/p/X", VALUE_X)])]) as fake:
        proc, report = run_show_env(
            layer, dict(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/p")
        )
        assert len(fake.requests) == 1  # not retried with that clock
    assert proc.returncode == 1 and report == {}
    assert "GetParametersByPath /p failed (RequestTimeTooSkewed)" in one_line(proc)
