"""The JSON client's retry loop, clock-skew correction, answer classification and SSM paging, on scripted bytes and a fake clock (``scripted.Script``): every count, wait drawn and header sent."""

from __future__ import annotations

import socket
from email.utils import formatdate

import pytest
from conftest import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, client_config
from scripted import SILENT, Close, FakeClock, Script, answer

from ssm_env_wrapper import transport
from ssm_env_wrapper.deadline import Deadline
from ssm_env_wrapper.errors import AwsApiError, DeadlineError, EndpointError
from ssm_env_wrapper.keys import Credentials
from ssm_env_wrapper.ssm import SsmClient

URL = "http://ssm.scripted.test:8080"

VALUES = {"Parameters": [{"Name": "/prod/app/A", "Value": "a", "Type": "String", "Version": 1}]}

THROTTLED = answer(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})

SKEW_MESSAGE = (
    "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z "
    "(20150830T124200Z - 5 min.)"
)


@pytest.fixture
def script(monkeypatch):
    """The endpoint's script (steps filled in by the test) on a fresh fake clock; the transport
    gets its connections from it, and any real connection attempt fails the test."""

    def no_network(sock, address):
        raise AssertionError(f"a real connection to {address!r}: the script was bypassed")

    scripted = Script([])
    monkeypatch.setattr(transport, "_open", scripted.open)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    return scripted


def client(script: Script, *, limit: float = 60.0, **kwargs) -> SsmClient:
    # 60 s on the fake clock: room for seven full-jitter waits (up to 7.1 s), never a real second.
    clock = script.clock
    return SsmClient(
        client_config(
            URL,
            Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN),
            deadline=Deadline(limit, clock=clock.monotonic),
            clock=clock.time,
            sleep=clock.sleep,
            **kwargs,
        )
    )


def by_path(script: Script, **kwargs) -> list[dict]:
    with client(script, **kwargs) as ssm:
        return list(ssm.get_parameters_by_path("/prod/app"))


# ------------------------------------------------------------------------------------ retries
@pytest.mark.parametrize("throttles", [1, 3, 7])
def test_throttles_are_retried_on_the_kept_alive_connection_with_full_jitter(script, throttles):
    # Seven throttles and an answer: the eighth and last attempt (the default) succeeds. The
    # waits are recorded, not slept: each is drawn from [0, min(2, 0.1 * 2^k)].
    script.steps = [THROTTLED] * throttles + [answer(200, VALUES)]
    with client(script) as ssm:
        assert [p["Name"] for p in ssm.get_parameters_by_path("/prod/app")] == ["/prod/app/A"]
    assert len(script.requests) == ssm.requests == throttles + 1 and script.connections == 1
    assert len(script.clock.sleeps) == throttles
    for attempt, wait in enumerate(script.clock.sleeps, 1):
        assert 0 <= wait <= min(2.0, 0.1 * 2 ** (attempt - 1))


def test_waits_are_the_drawn_jitter_and_retry_after_lengthens_them(script):
    script.steps = [
        THROTTLED,
        answer(400, {"__type": "ThrottlingException"}, {"x-amz-retry-after": "1500"}),
        answer(200, VALUES),
    ]
    by_path(script, uniform=lambda low, high: high)  # the ceiling itself: 0.1, then 0.2
    assert script.clock.sleeps == [0.1, 1.5]


@pytest.mark.parametrize("attempts", [None, 3])
def test_throttling_past_max_attempts_names_the_count_and_waits_no_more(script, attempts):
    script.steps = [THROTTLED]
    with pytest.raises(AwsApiError) as caught:
        by_path(script, **({"max_attempts": attempts} if attempts else {}))
    count = attempts or 8  # SSM_ENV_MAX_ATTEMPTS' default
    assert len(script.requests) == count
    assert len(script.clock.sleeps) == count - 1  # no wait after the last attempt
    assert caught.value.code == "ThrottlingException"
    assert f"(after {count} attempts; SSM_ENV_MAX_ATTEMPTS={count})" in str(caught.value)


@pytest.mark.parametrize(
    "status, body, fields",
    [
        (500, "<html>500</html>", {"Content-Type": "text/html"}),
        (503, {"__type": "ServiceUnavailable", "message": "try later"}, {}),
        (504, b"", {}),
        (429, {"__type": "TooManyRequestsException", "message": "slow down"}, {}),
        (400, {"__type": "com.amazonaws.ssm#InternalServerError", "message": "oops"}, {}),
    ],
    ids=["500-html", "503-json", "504-empty", "429-json", "400-internal"],
)
def test_transient_answers_are_retried(script, status, body, fields):
    script.steps = [answer(status, body, fields)] * 2 + [answer(200, VALUES)]
    assert len(by_path(script)) == 1
    assert len(script.requests) == 3 and len(script.clock.sleeps) == 2


@pytest.mark.parametrize(
    "step",
    [
        Close(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b'{"Paramet'),
        Close(b""),
        Close(b"HTTP/1.1 200 OK\r\nContent-Le"),
        ConnectionResetError(104, "Connection reset by peer"),
    ],
    ids=["closed-mid-body", "closed-before-answer", "closed-mid-head", "reset-at-connect"],
)
def test_a_broken_connection_is_retried_on_a_new_one(script, step):
    script.steps = [step, answer(200, VALUES)]
    assert len(by_path(script)) == 1
    assert script.connections == 2 if isinstance(step, Close) else script.connections == 1


def test_connection_refused_every_time_is_one_line_after_max_attempts(script):
    script.steps = [ConnectionRefusedError(111, "Connection refused")]
    with pytest.raises(EndpointError) as caught:
        by_path(script, max_attempts=3)
    message = str(caught.value)
    assert script.requests == [] and len(script.clock.sleeps) == 2
    assert message.startswith(
        f"GetParametersByPath /prod/app failed: cannot reach {URL} (Connection refused); "
    )
    assert message.endswith("(after 3 attempts; SSM_ENV_MAX_ATTEMPTS=3)") and "\n" not in message


# ----------------------------------------------------------------------------------- deadline
def test_no_answer_ends_at_the_deadline_after_one_request(script):
    script.steps = [SILENT]
    with pytest.raises(DeadlineError) as caught:
        by_path(script, limit=2.5)
    assert len(script.requests) == 1  # a deadline is not retried
    assert script.clock.monotonic() == pytest.approx(2.5)  # the whole deadline, no more
    assert caught.value.targets == ("/prod/app",)


def test_a_wait_that_would_pass_the_deadline_is_not_taken(script):
    script.steps = [answer(400, {"__type": "ThrottlingException"}, {"x-amz-retry-after": "4000"})]
    with pytest.raises(DeadlineError):
        by_path(script, limit=1.0)
    assert len(script.requests) == 1 and script.clock.sleeps == []


# --------------------------------------------------------------------------------- clock skew
def skewed(clock: FakeClock, offset: float = 3600.0, message: str = SKEW_MESSAGE, date=True):
    def step(request):
        fields = {"Date": formatdate(clock.time() + offset, usegmt=True)} if date else {}
        return answer(400, {"__type": "InvalidSignatureException", "message": message}, fields)

    return step


def test_clock_skew_is_corrected_by_the_date_header_and_retried_at_once(script):
    script.steps = [skewed(script.clock), answer(200, VALUES)]
    assert len(by_path(script)) == 1
    first, second = (r.headers["x-amz-date"] for r in script.requests)
    assert (first, second) == ("20231114T221320Z", "20231114T231320Z")  # one hour ahead
    assert script.clock.sleeps == []  # the corrected retry does not wait


def test_clock_skew_is_corrected_only_once(script):
    script.steps = [skewed(script.clock)]
    with pytest.raises(AwsApiError) as caught:
        by_path(script)
    assert len(script.requests) == 2
    assert "check AWS_SECRET_ACCESS_KEY and that the clock is right" in str(caught.value)


@pytest.mark.parametrize(
    "kwargs",
    [{"date": False}, {"message": "The request signature we calculated does not match"}],
    ids=["no-date", "not-a-skew"],
)
def test_a_signature_error_that_is_not_a_fixable_skew_is_not_retried(script, kwargs):
    script.steps = [skewed(script.clock, **kwargs), answer(200, VALUES)]
    with pytest.raises(AwsApiError):
        by_path(script)
    assert len(script.requests) == 1


# ----------------------------------------------------------------------------- classification
@pytest.mark.parametrize(
    "code, expect",
    [
        (
            "AccessDeniedException",
            "allow ssm:GetParametersByPath on arn:aws:ssm:us-east-1:<account-id>:parameter/prod/app",
        ),
        ("ValidationException", "check the paths and names"),
        ("UnrecognizedClientException", "check AWS_ACCESS_KEY_ID"),
    ],
)
def test_errors_that_cannot_change_are_never_retried(script, code, expect):
    script.steps = [answer(400, {"__type": code, "message": "no"}), answer(200, VALUES)]
    with pytest.raises(AwsApiError) as caught:
        by_path(script)
    assert len(script.requests) == 1 and script.clock.sleeps == []
    assert caught.value.code == code and expect in str(caught.value)


@pytest.mark.parametrize(
    "body, fields",
    [("<html>Bad Gateway</html>", {"Content-Type": "text/html"}), (b"\x00\xff garbled", {})],
    ids=["html", "garbled"],
)
def test_a_200_that_is_not_the_api_is_one_error_and_not_retried(script, body, fields):
    script.steps = [answer(200, body, fields), answer(200, VALUES)]
    with pytest.raises(EndpointError) as caught:
        by_path(script)
    assert len(script.requests) == 1 and "\n" not in str(caught.value)


# --------------------------------------------------------------------------------- paging
def page(names: list[str], token: str | None = None) -> bytes:
    parameters = [{"Name": n, "Value": n, "Type": "String", "Version": 1} for n in names]
    return answer(200, {"Parameters": parameters, **({"NextToken": token} if token else {})})


def test_pages_are_followed_by_their_tokens_over_one_connection(script):
    script.steps = [page(["/prod/app/A"], "t1"), page([], "t2"), page(["/prod/app/B"])]
    assert [p["Name"] for p in by_path(script)] == ["/prod/app/A", "/prod/app/B"]
    tokens = [(r.body or {}).get("NextToken") for r in script.requests]
    assert tokens == [None, "t1", "t2"] and script.connections == 1
    assert {r.target for r in script.requests} == {"AmazonSSM.GetParametersByPath"}


def test_a_page_token_that_repeats_is_an_error_not_a_loop(script):
    script.steps = [page([], "again")]
    with pytest.raises(EndpointError, match="returned the same NextToken twice"):
        by_path(script)
    assert len(script.requests) == 2


def test_a_parameter_on_two_pages_is_an_inconsistent_answer(script):
    script.steps = [page(["/prod/app/A"], "t1"), page(["/prod/app/A"])]
    with pytest.raises(EndpointError, match="twice"):
        by_path(script)


def test_fresh_page_tokens_are_not_kept_whole(script):
    # An endpoint chooses a token's size and sends a fresh one with every page, even an empty
    # one (no value: no budget counts it). The loop guard keeps a hash of each, not the token:
    # 100 pages of 100 KiB tokens would otherwise be held until the last (10 MiB).
    import tracemalloc

    size, pages = 100 * 1024, 100

    def step(request):
        script.requests.clear()  # the script's own record of what was sent (the token) too
        n = int(((request.body or {}).get("NextToken") or "0")[:3])
        return page([], f"{n + 1:03d}" + "t" * size if n < pages else None)

    script.steps = [step]
    tracemalloc.start()
    try:
        assert by_path(script) == []
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * 1024 * 1024, peak


def test_the_page_that_goes_over_the_budget_stops_the_load_and_no_request_follows(script):
    from ssm_env_wrapper.errors import LoadSizeError
    from ssm_env_wrapper.records import Budget

    # Each page: one parameter whose name is its value (page()), 11 + 11 bytes.
    script.steps = [page([f"/prod/app/{i}"], f"t{i}") for i in range(10)]
    budget = Budget(50, 40)
    with client(script, budget=budget) as ssm:
        with pytest.raises(LoadSizeError) as caught:
            list(ssm.get_parameters_by_path("/prod/app"))
        assert len(script.requests) == 3 and budget.taken == 66
        assert caught.value.first and caught.value.targets == ("/prod/app",)
        assert str(caught.value) == (
            "GetParametersByPath /prod/app failed: the load's names and values came to over 50 "
            "bytes, over the execve limit (ARG_MAX = 40); load fewer or smaller parameters "
            "and secrets"
        )
        with pytest.raises(LoadSizeError) as stopped:
            ssm.get_parameters(["/prod/other"])
        assert len(script.requests) == 3 and not stopped.value.first
        assert str(stopped.value).startswith("GetParameters /prod/other failed: the load's")
