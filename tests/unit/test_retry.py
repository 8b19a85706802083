"""When to try a call again and how long to wait: botocore's conditions, capped exponential backoff, x-amz-retry-after within bounds, clock skew corrected once, waits within the deadline."""

from __future__ import annotations

import pytest
from conftest import timed_load
from fake_ssm import THROTTLED, FaultySsm, page
from scripted import FakeClock


def _client(url: str, ticks: FakeClock, limit: float, **kwargs):
    from conftest import client_config

    from ssm_env_wrapper.deadline import Deadline
    from ssm_env_wrapper.keys import Credentials
    from ssm_env_wrapper.ssm import SsmClient

    return SsmClient(
        client_config(
            url,
            Credentials("AKIDCORE", "core-secret-key-0012"),
            deadline=Deadline(limit, clock=ticks.monotonic),
            sleep=ticks.sleep,
            uniform=lambda low, high: high,  # the ceiling: the longest wait jitter could draw
            **kwargs,
        )
    )


def test_backoff_doubles_to_its_cap_and_attempts_are_counted_once():
    from ssm_env_wrapper.errors import AwsApiError

    clock = FakeClock()
    with FaultySsm([THROTTLED]) as fake, _client(fake.url, clock, 60, max_attempts=8) as ssm:
        with pytest.raises(AwsApiError) as caught:
            list(ssm.get_parameters_by_path("/prod/app"))
        assert len(fake.requests) == 8
    assert clock.sleeps == [0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]
    error = caught.value
    assert (error.operation, error.code, error.targets, error.attempts) == (
        "GetParametersByPath",
        "ThrottlingException",
        ("/prod/app",),
        8,
    )
    assert str(error).endswith("(after 8 attempts; SSM_ENV_MAX_ATTEMPTS=8)")


def test_a_wait_that_would_pass_the_deadline_ends_the_call_at_once():
    from ssm_env_wrapper.errors import DeadlineError

    clock = FakeClock()
    with FaultySsm([THROTTLED]) as fake, _client(fake.url, clock, 1.0, max_attempts=50) as ssm:
        with pytest.raises(DeadlineError) as caught:
            list(ssm.get_parameters_by_path("/prod/app"))
        # 0.1 + 0.2 + 0.4 = 0.7 s waited; the next wait (0.8 s) would end past 1 s.
        assert len(fake.requests) == 4
    assert clock.sleeps == [0.1, 0.2, 0.4]
    error = caught.value
    assert error.targets == ("/prod/app",) and error.attempts == 4
    assert "ThrottlingException" in error.last


def test_x_amz_retry_after_lengthens_a_wait_by_at_most_five_seconds():
    clock = FakeClock()
    hinted = (400, THROTTLED[1], {"x-amz-retry-after": "60000"})
    with (
        FaultySsm([hinted, page([])]) as fake,
        _client(fake.url, clock, 60, max_attempts=3) as ssm,
    ):
        assert list(ssm.get_parameters_by_path("/prod/app")) == []
    assert clock.sleeps == [0.1 + 5.0]


def test_clock_skew_is_corrected_once_without_using_an_attempt():
    from fake_ssm import aws_error

    skewed = aws_error("InvalidSignatureException", "Signature expired: 20200101T000000Z")
    # A server clock far from this machine's (and from the pinned client clock): the signature
    # must carry the server's time, whatever hour the test runs at.
    skewed = (skewed[0], skewed[1], {"Date": "Fri, 01 Jan 2021 12:00:00 GMT"})
    clock = FakeClock()
    with (
        FaultySsm([skewed, page([("/prod/app/X", "x")])]) as fake,
        _client(fake.url, clock, 60, max_attempts=1, clock=lambda: 1_500_000_000.0) as ssm,
    ):
        assert [p["Name"] for p in ssm.get_parameters_by_path("/prod/app")] == ["/prod/app/X"]
        assert len(fake.requests) == 2
        assert fake.requests[1]["headers"]["X-Amz-Date"] == "20210101T120000Z"
    assert clock.sleeps == []


def test_the_retry_conditions_are_botocores():
    from ssm_env_wrapper import retry

    assert retry.is_retryable(400, "ThrottlingException")
    assert retry.is_retryable(500) and retry.is_retryable(429) and retry.is_retryable(503)
    assert retry.is_retryable(400, "RequestTimeout")
    assert not retry.is_retryable(400, "AccessDeniedException")
    assert not retry.is_retryable(400, "ValidationException")
    assert retry.is_clock_skew("RequestTimeTooSkewed", "")
    assert retry.is_clock_skew("InvalidSignatureException", "Signature expired: ...")
    assert not retry.is_clock_skew("InvalidSignatureException", "The signature does not match")
    assert retry.server_time({"date": "Thu, 01 Jan 3000 00:00:00 GMT"}) is None
    assert retry.retry_after({"x-amz-retry-after": "\u0661\u0660\u0660"}, 0.5) == 0.5


@pytest.mark.parametrize(
    "header, low, high",
    [
        ("1500", 1.5, 1.5 + 0.2),  # honoured
        ("60000", 5.0, 5.0 + 0.2),  # at most 5 s more than the backoff (botocore's bound)
        ("soon", 0.0, 0.2),  # not milliseconds: ignored
        ("-5", 0.0, 0.2),
    ],
)
def test_x_amz_retry_after_is_honoured_within_bounds(env, header, low, high):
    from conftest import client_config

    from ssm_env_wrapper.deadline import Deadline
    from ssm_env_wrapper.keys import Credentials
    from ssm_env_wrapper.ssm import SsmClient

    waits: list[float] = []
    throttled = (
        400,
        {"__type": "ThrottlingException", "message": "Rate exceeded"},
        {"x-amz-retry-after": header},
    )
    with FaultySsm([throttled, page([])]) as fake:
        client = SsmClient(
            client_config(
                fake.url,
                Credentials("AKIDTEST", "secretsecret"),
                deadline=Deadline(30),
                sleep=waits.append,
            )
        )
        with client:
            assert list(client.get_parameters_by_path("/prod/app")) == []
    assert len(waits) == 1 and low <= waits[0] <= high


def test_a_retry_after_past_the_deadline_fails_at_once(env):
    throttled = (
        400,
        {"__type": "ThrottlingException", "message": "Rate exceeded"},
        {"x-amz-retry-after": "4000"},
    )
    with FaultySsm([throttled, page([])]) as fake:
        outcome, elapsed = timed_load(
            env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", SSM_ENV_TIMEOUT="1"
        )
        assert len(fake.requests) == 1
    assert "not done within SSM_ENV_TIMEOUT=1 s" in str(outcome)
    assert elapsed < 1.0
