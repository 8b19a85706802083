"""Issue 4, the network: retries, the one deadline, answers that are not the API, clock skew, and
no secret in any output. A fault-injecting endpoint on loopback (fake_ssm) counts every request;
every case also measures the wall time of the whole load and checks it against SSM_ENV_TIMEOUT
plus a generous margin (a bound on the deadline's correctness, never a performance figure).

Most cases run in-process through the API; the ones that are about what the wrapper prints run
the real wrapper (bin/wrapper, the single file, the layer's file) as a subprocess.
"""

from __future__ import annotations

import json
import socket
import time
from datetime import datetime
from email.utils import formatdate

import pytest
from conftest import (
    SECRET_KEY,
    SESSION_TOKEN,
    assert_no_secrets,
    free_port,
    in_turn,
    run,
    timed_load,
    wait_for,
)
from fake_ssm import (
    ConnectProxy,
    ContainerCredentials,
    FaultySsm,
    SilentServer,
    aws_error,
    by_token,
    drip,
    hold,
    http_answer,
    page,
    raw,
    request_text,
    reset,
    reset_after,
    send,
)

import ssm_env_wrapper
from ssm_env_wrapper.errors import AwsApiError, DeadlineError, EndpointError

#: Added to SSM_ENV_TIMEOUT in every bound: wide enough for a loaded machine and the wrapper's own
#: start-up, narrow enough to catch a load that ignores its deadline (a retry, a read, a sleep).
MARGIN = 2.0

# Distinctive parameter values: they must never appear in anything printed.
VALUE_1 = "paramValue-DoNotPrint-7Qx2Lk9s"
VALUE_2 = "paramValue-DoNotPrint-Zr81mWq4"
VALUES_PAGE = page([("/prod/app/DB_PASSWORD", VALUE_1), ("/prod/app/API_KEY", VALUE_2)])
VARIABLES = {"DB_PASSWORD": VALUE_1, "API_KEY": VALUE_2}
PROXY_PASSWORD = "proxyPassw0rd-DoNotPrint-c8Hd"
HTML = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"


load = timed_load


def failed(outcome, kind=ssm_env_wrapper.SsmEnvError) -> str:
    """The message of ``outcome``, which must be a ``kind`` error of one line without secrets."""
    assert isinstance(outcome, kind), f"expected {kind.__name__}, got {type(outcome).__name__}"
    message = str(outcome)
    assert not [s for s in (SECRET_KEY, SESSION_TOKEN, VALUE_1, VALUE_2) if s in message], (
        "a secret reached the message"
    )
    assert "\n" not in message and "\r" not in message
    return message


def run_wrapper(wrapper, env, **extra):
    """The real wrapper around ``true``: ``(process, seconds)``."""
    began = time.monotonic()
    proc = run(wrapper, ["true"], dict(env, **extra))
    return proc, time.monotonic() - began


def error_line(proc, *secrets: str) -> str:
    """The wrapper failed closed with one line on stderr, no traceback, no secret."""
    assert_no_secrets(proc, VALUE_1, VALUE_2, PROXY_PASSWORD, *secrets)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("ssm-env-wrapper: ")
    return lines[0]


def amz_date(request: dict) -> datetime:
    return datetime.strptime(request["headers"]["X-Amz-Date"], "%Y%m%dT%H%M%SZ")


# ------------------------------------------------------------------------------------ throttling


@pytest.mark.parametrize("code", ["ThrottlingException", "com.amazonaws.ssm#ThrottlingException"])
@pytest.mark.parametrize("throttles", [1, 3])
def test_throttled_then_answered_succeeds_with_one_more_request(env, code, throttles):
    script = [(400, {"__type": code, "message": "Rate exceeded"})] * throttles + [VALUES_PAGE]
    with FaultySsm(script) as fake:
        result, elapsed = load(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app")
        assert not isinstance(result, Exception), str(result)
        assert result.variables == VARIABLES
        assert len(fake.requests) == result.requests == throttles + 1
    assert elapsed < 5 + MARGIN


# The client's own retry loop (every attempt used, the waits drawn, the count in the message) runs
# on scripted bytes and a fake clock in tests/unit/test_awsjson.py; here, the whole load.


def test_throttling_past_max_attempts_fails_closed_through_the_wrapper(env, wrapper):
    with FaultySsm([aws_error("ThrottlingException", "Rate exceeded")]) as fake:
        proc, elapsed = run_wrapper(
            wrapper,
            env,
            AWS_ENDPOINT_URL_SSM=fake.url,
            SSM_ENV_PATHS="/prod/app",
            AWS_MAX_ATTEMPTS="3",
        )
        assert len(fake.requests) == 3
    line = error_line(proc)
    assert line.startswith(
        "ssm-env-wrapper: GetParametersByPath /prod/app failed (ThrottlingException): Rate exceeded"
    )
    assert "after 3 attempts" in line and "AWS_MAX_ATTEMPTS=3" in line
    assert elapsed < 5 + MARGIN


# --------------------------------------------------------------------------- transient failures


@pytest.mark.parametrize(
    "status, body, headers",
    [
        (
            500,
            "<html><body><h1>500 Internal Server Error</h1></body></html>",
            {"Content-Type": "text/html"},
        ),
        (502, HTML, {"Content-Type": "text/html"}),
        (503, "Service Unavailable", {"Content-Type": "text/plain"}),
        (503, {"__type": "ServiceUnavailable", "message": "try later"}, {}),
        (504, b"", {}),
        (429, {"__type": "TooManyRequestsException", "message": "slow down"}, {}),
        (400, {"__type": "com.amazonaws.ssm#InternalServerError", "message": "oops"}, {}),
    ],
    ids=["500-html", "502-html", "503-text", "503-json", "504-empty", "429-json", "400-internal"],
)
def test_transient_answers_are_retried_then_succeed(env, status, body, headers):
    with FaultySsm([(status, body, headers), (status, body, headers), VALUES_PAGE]) as fake:
        result, elapsed = load(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app")
        assert not isinstance(result, Exception), str(result)
        assert result.variables == VARIABLES
        assert len(fake.requests) == 3
    assert elapsed < 5 + MARGIN


HEAD_1000 = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 1000\r\n\r\n"
)


@pytest.mark.parametrize(
    "step",
    [
        reset_after(HEAD_1000 + b'{"Paramet'),  # 10 bytes of 1000, then RST
        reset_after(b""),  # RST before any answer
        raw(HEAD_1000 + b'{"Paramet', then_close=True),  # 10 bytes of 1000, then FIN
        raw(b"", then_close=True),  # FIN before any answer
        raw(b"HTTP/1.1 200 OK\r\nContent-Le", then_close=True),  # cut inside the header block
    ],
    ids=["rst-mid-body", "rst-before-answer", "fin-mid-body", "fin-before-answer", "fin-mid-head"],
)
def test_a_broken_connection_is_retried_on_a_new_one(env, step):
    with FaultySsm([step, VALUES_PAGE]) as fake:
        result, elapsed = load(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app")
        assert not isinstance(result, Exception), str(result)
        assert result.variables == VARIABLES
        assert len(fake.requests) == 2
        assert fake.connections == 2 and result.connections == 2
    assert elapsed < 5 + MARGIN


def test_a_broken_connection_every_time_fails_after_max_attempts(env):
    with FaultySsm([reset_after(HEAD_1000 + b"0123456789")]) as fake:
        outcome, elapsed = load(
            env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", AWS_MAX_ATTEMPTS="3"
        )
        assert len(fake.requests) == 3
    message = failed(outcome, EndpointError)
    assert message.startswith(f"GetParametersByPath /prod/app failed: cannot reach {fake.url} (")
    assert "(after 3 attempts; AWS_MAX_ATTEMPTS=3)" in message
    assert elapsed < 5 + MARGIN


# ------------------------------------------------------------------------------------- deadline


def test_a_server_that_accepts_and_never_answers_is_cut_at_the_deadline(env):
    with SilentServer() as silent:
        outcome, elapsed = load(
            env, AWS_ENDPOINT_URL_SSM=silent.url, SSM_ENV_PATHS="/prod/app", SSM_ENV_TIMEOUT="0.3"
        )
        assert wait_for(lambda: silent.requests >= 1)
        assert silent.requests == 1  # a deadline is not retried
    message = failed(outcome, DeadlineError)
    assert message.startswith(
        "not done within SSM_ENV_TIMEOUT=0.3 s; still missing: /prod/app (last: "
    )
    assert outcome.targets == ("/prod/app",)
    assert elapsed < 0.3 + MARGIN


def test_the_deadline_is_one_for_the_whole_load_and_names_everything_missing(env):
    # Three paths held at once: the whole load ends at the one deadline, not one per path.
    with SilentServer() as silent:
        outcome, elapsed = load(
            env,
            AWS_ENDPOINT_URL_SSM=silent.url,
            SSM_ENV_TIMEOUT="0.3",
            SSM_ENV_PATHS="/prod/a,/prod/b,/prod/c",
        )
        assert wait_for(lambda: silent.requests >= 3)
        assert silent.requests == 3
    message = failed(outcome, DeadlineError)
    assert "still missing: /prod/a; /prod/b; /prod/c (last: " in message
    assert elapsed < 0.3 + MARGIN


def test_the_deadline_names_only_what_is_still_missing(env):
    def by_path(handler, request):
        if request["body"]["Path"] == "/prod/slow":
            hold()(handler, request)
        else:
            send(handler, *VALUES_PAGE)

    with FaultySsm([by_path]) as fake:
        outcome, elapsed = load(
            env,
            AWS_ENDPOINT_URL_SSM=fake.url,
            SSM_ENV_TIMEOUT="0.5",
            SSM_ENV_PATHS="/prod/fast,/prod/slow",
        )
        assert len(fake.requests) == 2
    message = failed(outcome, DeadlineError)
    assert "still missing: /prod/slow (last: " in message and "/prod/fast" not in message
    assert outcome.targets == ("/prod/slow",)
    assert elapsed < 0.5 + MARGIN


def test_a_server_that_never_answers_fails_closed_through_the_wrapper(env, wrapper):
    with SilentServer() as silent:
        proc, elapsed = run_wrapper(
            wrapper,
            env,
            AWS_ENDPOINT_URL_SSM=silent.url,
            SSM_ENV_PATHS="/prod/app",
            SSM_ENV_TIMEOUT="0.5",
        )
        # The listener's thread counts what it read; on a loaded machine it may read the request
        # after the wrapper has already exited.
        assert wait_for(lambda: silent.requests >= 1)
        assert silent.requests == 1
    line = error_line(proc)
    assert line.startswith(
        "ssm-env-wrapper: not done within SSM_ENV_TIMEOUT=0.5 s; still missing: /prod/app (last: "
    )
    assert elapsed < 0.5 + MARGIN


ANSWER = json.dumps(VALUES_PAGE[1]).encode()
HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
    b"Content-Length: " + str(len(ANSWER)).encode() + b"\r\n\r\n"
)


@pytest.mark.parametrize(
    "step",
    [
        # The headers, then one body byte every 0.05 s: six reads within the deadline.
        drip(HEAD, ANSWER, interval=0.05),
        drip(b"", HEAD + ANSWER, interval=0.05),  # even the status line one byte at a time
    ],
    ids=["body", "head"],
)
def test_a_slow_drip_cannot_hold_the_load_past_the_deadline(env, step):
    # Every read returns a byte well within any per-read timeout: only the overall deadline stops it.
    with FaultySsm([step]) as fake:
        outcome, elapsed = load(
            env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", SSM_ENV_TIMEOUT="0.3"
        )
        assert len(fake.requests) == 1
    message = failed(outcome, DeadlineError)
    assert message.startswith(
        "not done within SSM_ENV_TIMEOUT=0.3 s; still missing: /prod/app (last: "
    )
    assert elapsed < 0.3 + MARGIN


def test_a_content_length_larger_than_the_body_is_cut_at_the_deadline(env):
    answer = http_answer(
        *VALUES_PAGE,
        {"Content-Type": "application/x-amz-json-1.1"},
        content_length=len(ANSWER) + 500,
    )
    with FaultySsm([raw(answer, then_hold=True)]) as fake:
        outcome, elapsed = load(
            env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", SSM_ENV_TIMEOUT="0.3"
        )
        assert len(fake.requests) == 1
    message = failed(outcome, DeadlineError)
    assert "still missing: /prod/app" in message
    assert elapsed < 0.3 + MARGIN


def test_a_page_token_that_repeats_is_an_error_not_a_loop(env):
    # botocore stops the same way: a repeated NextToken would otherwise be followed forever.
    with FaultySsm([page([], token="again")]) as fake:
        outcome, elapsed = load(
            env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", SSM_ENV_TIMEOUT="1"
        )
        assert len(fake.requests) == 2
    assert "returned the same NextToken twice" in failed(outcome, EndpointError)


def test_page_tokens_that_never_end_are_bounded_by_the_deadline(env):
    counter = iter(range(10_000))

    def endless(handler, request):
        send(handler, *page([], token=f"t{next(counter)}"))

    with FaultySsm([endless]) as fake:
        outcome, elapsed = load(
            env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", SSM_ENV_TIMEOUT="0.3"
        )
        assert len(fake.requests) > 1
    failed(outcome, DeadlineError)
    assert elapsed < 0.3 + MARGIN


def test_connection_refused_until_the_deadline_is_bounded(env):
    port = free_port()
    outcome, elapsed = load(
        env,
        AWS_ENDPOINT_URL_SSM=f"http://127.0.0.1:{port}",
        SSM_ENV_PATHS="/prod/app",
        SSM_ENV_TIMEOUT="0.3",
        AWS_MAX_ATTEMPTS="100",
    )
    message = failed(outcome, DeadlineError)
    assert "not done within SSM_ENV_TIMEOUT=0.3 s; still missing: /prod/app" in message
    assert elapsed < 0.3 + MARGIN


def test_a_slow_name_lookup_is_bounded_by_the_deadline(env, monkeypatch):
    real = socket.getaddrinfo

    def slow(host, *args, **kwargs):
        if host in (b"ssm.slow-dns.invalid", "ssm.slow-dns.invalid"):
            time.sleep(3.0)  # a resolver that times out (resolv.conf: timeout 5, attempts 2)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    outcome, elapsed = load(
        env,
        AWS_ENDPOINT_URL_SSM="http://ssm.slow-dns.invalid:8080",
        SSM_ENV_PATHS="/prod/app",
        SSM_ENV_TIMEOUT="0.5",
    )
    failed(outcome, EndpointError)
    assert elapsed < 0.5 + MARGIN


# --------------------------------------------------------------- answers that are not the API


@pytest.mark.parametrize(
    "body, content_type, expect",
    [
        (HTML, "text/html", "a body that is not JSON (text/html)"),
        (
            '<?xml version="1.0"?><ErrorResponse><Error><Code>X</Code></Error></ErrorResponse>',
            "text/xml",
            "a body that is not JSON (text/xml)",
        ),
        (
            b"\x1f\x8b\x08\x00\xff\xfe garbled \x00\x81",
            "application/octet-stream",
            "a body that is not JSON (application/octet-stream)",
        ),
        (
            '{"Parameters": [{"Name": "/prod/app/X", "Val',
            "application/x-amz-json-1.1",
            "a body that is not JSON (application/x-amz-json-1.1)",
        ),
        ("[1, 2, 3]", "application/json", "JSON that is not an object (application/json)"),
        ("not json at all", None, "a body that is not JSON (no content type)"),
    ],
    ids=["html", "xml", "garbled", "truncated-json", "json-array", "no-content-type"],
)
def test_a_200_that_is_not_the_api_is_one_clear_error_and_not_retried(
    env, body, content_type, expect
):
    headers = {"Content-Type": content_type} if content_type else {}
    with FaultySsm([(200, body, headers)]) as fake:
        outcome, elapsed = load(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app")
        assert len(fake.requests) == 1
    message = failed(outcome, EndpointError)
    assert message.startswith(
        f"GetParametersByPath /prod/app failed: {fake.url} answered HTTP 200 with {expect}; "
    )
    assert "AWS_ENDPOINT_URL_SSM" in message
    assert elapsed < 5 + MARGIN


@pytest.mark.parametrize(
    "body, expect",
    [
        ({}, "the answer has no Parameters list"),
        ({"Parameters": None, "NextToken": "t"}, "the answer has no Parameters list"),
        ({"Parameters": "none"}, "the answer has no Parameters list"),
        (
            {"Parameters": [{"Name": "/prod/app/X"}]},
            "a parameter in the answer has no Name or Value",
        ),
        (
            {"Parameters": [{"Name": "/prod/app/X", "Value": 7}]},
            "a parameter in the answer has no Name or Value",
        ),
        (b"", "the answer has no Parameters list"),
    ],
    ids=["empty-object", "null", "string", "no-value", "number-value", "empty-body"],
)
def test_a_200_json_without_parameters_is_a_clear_error(env, body, expect):
    with FaultySsm([(200, body)]) as fake:
        outcome, elapsed = load(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app")
        assert len(fake.requests) == 1
    message = failed(outcome, EndpointError)
    assert message.startswith(f"GetParametersByPath /prod/app failed: {expect}")
    assert elapsed < 5 + MARGIN


def test_a_content_length_smaller_than_the_body_is_truncated_json(env):
    answer = http_answer(
        *VALUES_PAGE, {"Content-Type": "application/x-amz-json-1.1"}, content_length=10
    )
    with FaultySsm([raw(answer)]) as fake:
        outcome, elapsed = load(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app")
        assert len(fake.requests) == 1
    message = failed(outcome, EndpointError)
    assert "answered HTTP 200 with a body that is not JSON" in message
    assert elapsed < 5 + MARGIN


def test_empty_pages_with_tokens_are_followed(env):
    script = [page([], token=f"t{i}") for i in range(1, 6)] + [VALUES_PAGE]
    with FaultySsm(script) as fake:
        result, elapsed = load(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app")
        assert not isinstance(result, Exception), str(result)
        assert result.variables == VARIABLES
        assert [r["body"].get("NextToken") for r in fake.requests] == [
            None,
            "t1",
            "t2",
            "t3",
            "t4",
            "t5",
        ]
        assert result.requests == 6 and fake.connections == 1
    assert elapsed < 5 + MARGIN


@pytest.mark.parametrize("kind", ["html", "garbled"])
def test_a_200_that_is_not_the_api_fails_closed_through_the_wrapper(env, wrapper, kind):
    body = HTML if kind == "html" else b"\x00\xff\xfe\x81garbled"
    with FaultySsm([(200, body, {"Content-Type": "text/html"})]) as fake:
        proc, elapsed = run_wrapper(
            wrapper, env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app"
        )
        assert len(fake.requests) == 1
    line = error_line(proc)
    assert line.startswith(
        f"ssm-env-wrapper: GetParametersByPath /prod/app failed: {fake.url} "
        "answered HTTP 200 with a body that is not JSON (text/html); "
    )
    assert "AWS_ENDPOINT_URL_SSM" in line
    assert elapsed < 5 + MARGIN


# ------------------------------------------------------------------------- errors never retried


@pytest.mark.parametrize(
    "code, source, expect",
    [
        (
            "AccessDeniedException",
            {"SSM_ENV_PATHS": "/prod/app"},
            "allow ssm:GetParametersByPath on arn:aws:ssm:us-east-1:<account-id>:parameter/prod/app",
        ),
        ("ValidationException", {"SSM_ENV_PATHS": "/prod/app"}, "check the paths and names"),
        (
            "ParameterNotFound",
            {"SSM_ENV_NAMES": "/prod/app/X"},
            "check the name, or create the parameter",
        ),
        (
            "com.amazonaws.ssm#AccessDeniedException",
            {"SSM_ENV_NAMES": "/prod/app/X"},
            "allow ssm:GetParameters on arn:aws:ssm:us-east-1:<account-id>:parameter/prod/app/X",
        ),
        ("UnrecognizedClientException", {"SSM_ENV_PATHS": "/prod/app"}, "check AWS_ACCESS_KEY_ID"),
    ],
)
def test_errors_that_cannot_change_are_never_retried(env, code, source, expect):
    with FaultySsm([(400, {"__type": code, "message": "no"}), VALUES_PAGE]) as fake:
        outcome, elapsed = load(env, AWS_ENDPOINT_URL_SSM=fake.url, **source)
        assert len(fake.requests) == 1
    message = failed(outcome, AwsApiError)
    short = code.rsplit("#", 1)[-1]
    assert outcome.code == short and f"failed ({short}): no; " in message
    assert expect in message
    assert elapsed < 5 + MARGIN


# ------------------------------------------------------------------------------------ clock skew

SKEW_MESSAGE = (
    "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z "
    "(20150830T124200Z - 5 min.)"
)


def skewed(
    offset: float = 3600,
    code: str = "InvalidSignatureException",
    message: str = SKEW_MESSAGE,
    date: bool = True,
):
    """A step: a "signature expired" answer whose Date header is ``offset`` seconds from now."""

    def step(handler, request):
        headers = {"Content-Type": "application/x-amz-json-1.1"}
        if date:
            headers["Date"] = formatdate(time.time() + offset, usegmt=True)
        handler.connection.sendall(http_answer(400, {"__type": code, "message": message}, headers))

    return step


@pytest.mark.parametrize(
    "code, message",
    [
        ("InvalidSignatureException", SKEW_MESSAGE),
        (
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        ),
    ],
)
def test_clock_skew_is_corrected_by_the_date_header_and_retried_once(env, code, message):
    with FaultySsm([skewed(code=code, message=message), VALUES_PAGE]) as fake:
        result, elapsed = load(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app")
        assert not isinstance(result, Exception), str(result)
        assert result.variables == VARIABLES
        assert len(fake.requests) == 2
        ahead = (amz_date(fake.requests[1]) - amz_date(fake.requests[0])).total_seconds()
    assert 3600 - 60 < ahead < 3600 + 60
    assert elapsed < 5 + MARGIN


def test_clock_skew_is_corrected_only_once(env):
    with FaultySsm([skewed()]) as fake:
        outcome, elapsed = load(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app")
        assert len(fake.requests) == 2
    message = failed(outcome, AwsApiError)
    assert outcome.code == "InvalidSignatureException"
    assert "check AWS_SECRET_ACCESS_KEY and that the clock is right" in message
    assert elapsed < 5 + MARGIN


@pytest.mark.parametrize(
    "step",
    [
        skewed(date=False),  # nothing to correct with
        skewed(message="The request signature we calculated does not match"),  # not about time
    ],
    ids=["no-date", "not-a-skew"],
)
def test_a_signature_error_that_is_not_a_fixable_skew_is_not_retried(env, step):
    with FaultySsm([step, VALUES_PAGE]) as fake:
        outcome, elapsed = load(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app")
        assert len(fake.requests) == 1
    assert failed(outcome, AwsApiError) and outcome.code == "InvalidSignatureException"
    assert elapsed < 5 + MARGIN


# ---------------------------------------------------------------------------- connection refused


def test_connection_refused_is_retried_then_one_line(env, monkeypatch):
    attempts = []
    real = socket.socket.connect

    def recording(sock, address):
        attempts.append(address)
        return real(sock, address)

    monkeypatch.setattr(socket.socket, "connect", recording)
    port = free_port()
    outcome, elapsed = load(
        env,
        AWS_ENDPOINT_URL_SSM=f"http://127.0.0.1:{port}",
        SSM_ENV_PATHS="/prod/app",
        AWS_MAX_ATTEMPTS="3",
    )
    hosts = [(h.decode() if isinstance(h, bytes) else h, p) for h, p in attempts]
    assert hosts == [("127.0.0.1", port)] * 3
    message = failed(outcome, EndpointError)
    assert message.startswith(
        f"GetParametersByPath /prod/app failed: cannot reach "
        f"http://127.0.0.1:{port} (Connection refused); "
    )
    assert message.endswith(" (after 3 attempts; AWS_MAX_ATTEMPTS=3)")
    assert elapsed < 5 + MARGIN


def test_connection_refused_fails_closed_through_the_wrapper(env, wrapper):
    port = free_port()
    proc, elapsed = run_wrapper(
        wrapper,
        env,
        AWS_ENDPOINT_URL_SSM=f"http://127.0.0.1:{port}",
        SSM_ENV_PATHS="/prod/app",
        AWS_MAX_ATTEMPTS="3",
    )
    line = error_line(proc)
    assert line.startswith(
        f"ssm-env-wrapper: GetParametersByPath /prod/app failed: cannot reach "
        f"http://127.0.0.1:{port} (Connection refused)"
    )
    assert line.endswith("(after 3 attempts; AWS_MAX_ATTEMPTS=3)")
    assert elapsed < 5 + MARGIN


def test_deadline_error_is_public():
    # The README lists it among the public errors (it was missing from __all__ until 86657bd).
    assert "DeadlineError" in ssm_env_wrapper.__all__
    assert ssm_env_wrapper.DeadlineError is DeadlineError


# ------------------------------------------------------------------------------- no secret leaks


def echo_error(code: str, status: int = 400):
    """A step: an AWS error whose message is the whole request as received, Authorization and
    X-Amz-Security-Token included (a misbehaving proxy or endpoint)."""

    def step(handler, request):
        send(handler, status, {"__type": code, "message": request_text(handler, request)})

    return step


def echo_in_type(handler, request):
    # The error code (which the message quotes) is the session token itself.
    send(handler, 400, {"__type": request["headers"]["X-Amz-Security-Token"], "message": "x"})


def echo_in_headers(handler, request):
    # A 500 that is not JSON, its Content-Type (quoted in the message) carrying the token, and the
    # error-type header too.
    token = request["headers"]["X-Amz-Security-Token"]
    send(
        handler,
        500,
        request_text(handler, request),
        {"Content-Type": f"text/html; echo={token}", "x-amzn-ErrorType": token},
    )


def echo_reset(handler, request):
    # The request echoed as a partial body, then the connection reset.
    text = request_text(handler, request).encode()
    handler.connection.sendall(HEAD_1000 + text[:900])
    time.sleep(0.05)
    reset(handler)


ECHO_HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"

# (failure step after a first page of values, extra environment). AWS_MAX_ATTEMPTS=2 for all.
LEAK_SCENARIOS = {
    "throttled-echo": (echo_error("ThrottlingException"), {}),
    "access-denied-echo": (echo_error("AccessDeniedException"), {}),
    "validation-echo": (echo_error("ValidationException"), {}),
    "not-found-echo": (echo_error("ParameterNotFound"), {}),
    "skew-echo": (echo_error("RequestTimeTooSkewed"), {}),
    "error-code-is-the-token": (echo_in_type, {}),
    "5xx-echo-in-headers": (echo_in_headers, {}),
    "503-html": ((503, HTML, {"Content-Type": "text/html"}), {}),
    "reset-mid-body-echo": (echo_reset, {}),
    "html-200": ((200, HTML, {"Content-Type": "text/html"}), {}),
    "garbled-200": ((200, b"\x00\xff\xfe garbled", {}), {}),
    "no-parameters": ((200, {"NextToken": "t"}), {}),
    "content-length-smaller": (raw(http_answer(*VALUES_PAGE, content_length=12)), {}),
    "held": (hold(), {"SSM_ENV_TIMEOUT": "0.5"}),
    "drip": (drip(ECHO_HEAD, b"x" * 100, interval=0.05), {"SSM_ENV_TIMEOUT": "0.5"}),
    "content-length-larger": (
        raw(ECHO_HEAD + b'{"Parameters": []}', then_hold=True),
        {"SSM_ENV_TIMEOUT": "0.5"},
    ),
}


# Each scenario in one shipped form, in turn (conftest.in_turn): what reaches the output is the
# same redaction code in every form; each form still meets five or six of the failures.
@pytest.mark.parametrize(
    "wrapper, scenario", in_turn([(name,) for name in LEAK_SCENARIOS]), indirect=["wrapper"]
)
def test_no_secret_in_any_output_on_any_failure(env, wrapper, scenario):
    step, extra = LEAK_SCENARIOS[scenario]
    # The first page carries the values (and a token); every later request meets the failure.
    with FaultySsm(
        [by_token((*VALUES_PAGE[:1], dict(VALUES_PAGE[1], NextToken="t1")), step)]
    ) as fake:
        proc, elapsed = run_wrapper(
            wrapper,
            env,
            AWS_ENDPOINT_URL_SSM=fake.url,
            SSM_ENV_PATHS="/prod/app",
            AWS_MAX_ATTEMPTS="2",
            SSM_ENV_LOG_LEVEL="debug",
            **extra,
        )
        assert len(fake.requests) >= 2
    # Debug level: a line per request as well, every one of them checked.
    assert_no_secrets(proc, VALUE_1, VALUE_2)
    assert proc.returncode == 1 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert all(line.startswith("ssm-env-wrapper: ") for line in proc.stderr.splitlines())
    assert elapsed < float(extra.get("SSM_ENV_TIMEOUT", 5)) + MARGIN


def test_no_secret_in_json_logs_when_the_endpoint_echoes_the_request(env, wrapper):
    with FaultySsm([echo_error("ValidationException")]) as fake:
        proc, _ = run_wrapper(
            wrapper,
            env,
            AWS_ENDPOINT_URL_SSM=fake.url,
            SSM_ENV_PATHS="/prod/app",
            AWS_LAMBDA_LOG_FORMAT="JSON",
        )
        assert len(fake.requests) == 1
    assert_no_secrets(proc)
    record = json.loads(proc.stderr)
    assert record["level"] == "ERROR" and "ValidationException" in record["message"]
    assert "X-Amz-Security-Token: ***" in record["message"]  # scrubbed, not dropped


@pytest.mark.parametrize("scenario", ["refused", "proxy-refused", "proxy-407"])
def test_no_secret_in_output_when_the_endpoint_or_proxy_cannot_be_reached(env, wrapper, scenario):
    extra = {"SSM_ENV_PATHS": "/prod/app", "AWS_MAX_ATTEMPTS": "2"}
    with ConnectProxy({}, status=407) as proxy:
        if scenario == "refused":
            extra["AWS_ENDPOINT_URL_SSM"] = f"http://127.0.0.1:{free_port()}"
        else:
            port = proxy.port if scenario == "proxy-407" else free_port()
            extra.update(
                AWS_ENDPOINT_URL_SSM="https://ssm.test.invalid:8443",
                HTTPS_PROXY=f"http://user:{PROXY_PASSWORD}@127.0.0.1:{port}",
            )
        proc, elapsed = run_wrapper(wrapper, env, **extra)
        if scenario == "proxy-407":
            assert proxy.lines == ["CONNECT ssm.test.invalid:8443 HTTP/1.1"] * 2
    line = error_line(proc)
    assert "(after 2 attempts; AWS_MAX_ATTEMPTS=2)" in line
    if scenario == "proxy-407":
        assert "the proxy refused the tunnel to ssm.test.invalid:8443 (HTTP 407)" in line
    assert elapsed < 5 + MARGIN


def test_values_echoed_by_a_later_failing_page_are_scrubbed(env, wrapper):
    def nosy(handler, request):
        send(
            handler,
            400,
            {
                "__type": "ValidationException",
                "message": f"bad token after {VALUE_1} and {VALUE_2}",
            },
        )

    first = (200, dict(VALUES_PAGE[1], NextToken="t1"))
    with FaultySsm([by_token(first, nosy)]) as fake:
        proc, _ = run_wrapper(
            wrapper, env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app"
        )
        assert len(fake.requests) == 2
    error_line(proc)


def test_a_container_session_token_echoed_by_the_endpoint_is_scrubbed(env, wrapper):
    secret, token = "containerSecret-DoNotPrint-9d8f7", "containerToken-DoNotPrint-" + "k" * 60
    creds = {
        "AccessKeyId": "ASIACONTAINER0000001",
        "SecretAccessKey": secret,
        "Token": token,
        "Expiration": "2099-01-01T00:00:00Z",
    }
    with (
        ContainerCredentials((200, creds)) as provider,
        FaultySsm([echo_error("ValidationException")]) as fake,
    ):
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.pop(name)
        proc, _ = run_wrapper(
            wrapper,
            env,
            AWS_ENDPOINT_URL_SSM=fake.url,
            SSM_ENV_PATHS="/prod/app",
            AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
        )
        assert len(provider.requests) == 1 and len(fake.requests) == 1
        assert fake.requests[0]["headers"]["X-Amz-Security-Token"] == token
    error_line(proc, secret, token)


def test_no_part_of_a_secret_survives_the_message_limit(env, wrapper):
    def padded(handler, request):
        # The token placed across the 400-character limit of the quoted AWS message.
        token = request["headers"]["X-Amz-Security-Token"]
        send(handler, 400, {"__type": "ValidationException", "message": "p" * 370 + token})

    with FaultySsm([padded]) as fake:
        proc, _ = run_wrapper(
            wrapper, env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app"
        )
        assert len(fake.requests) == 1
    error_line(proc)
    fragments = {SESSION_TOKEN[i : i + 16] for i in range(len(SESSION_TOKEN) - 15)} - {"x" * 16}
    leaked = sum(fragment in proc.stderr for fragment in fragments)  # a count: never the text
    assert not leaked, f"{leaked} 16-character fragments of the session token reached the output"
