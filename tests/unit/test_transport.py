"""The HTTP/1.1 client over sockets through a load: retries on a fresh connection, one deadline for everything, answers that are not the API, stale bytes never taken as an answer."""

from __future__ import annotations

import json
import select
import socket
import time
from datetime import datetime
from email.utils import formatdate

import pytest
from conftest import SECRET_KEY, SESSION_TOKEN, free_port, timed_load, wait_for
from fake_ssm import (
    FaultySsm,
    SilentServer,
    _Listener,
    drip,
    hold,
    http_answer,
    page,
    raw,
    reset_after,
    send,
)
from transport_cases import HEAD_1000, HTML, MARGIN, VALUE_1, VALUE_2, VALUES_PAGE, _value_page

import ssm_env_wrapper
from ssm_env_wrapper.errors import AwsApiError, DeadlineError, EndpointError


# ----------------------------------------------------------- a proxy failure names the proxy setting
def test_a_refused_tunnel_names_https_proxy(env):
    from conftest import timed_load
    from fake_ssm import ConnectProxy

    with ConnectProxy({}) as unknown:  # knows no host: 502 for every CONNECT
        outcome, _ = timed_load(
            env,
            SSM_ENV_PATHS="/prod/app",
            AWS_ENDPOINT_URL_SSM="https://ssm.example.test:443",
            SSM_ENV_MAX_ATTEMPTS="1",
            HTTPS_PROXY=unknown.url,
        )
    message = str(outcome)
    assert "(the proxy refused the tunnel" in message, message
    assert "check HTTPS_PROXY" in message and "network path to SSM" not in message, message


# ----------------------------------------------------------- a stale answer on a kept connection
def _read_request(conn: socket.socket, buffer: bytes) -> tuple[bytes, bytes] | None:
    """One request (head and Content-Length body) from ``conn``; ``(request, rest)``."""
    while b"\r\n\r\n" not in buffer:
        data = conn.recv(65536)
        if not data:
            return None
        buffer += data
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        data = conn.recv(65536)
        if not data:
            return None
        rest += data
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


class StaleAnswerServer(_Listener):
    """Answers the first request with a throttling error carrying x-amz-retry-after, then 20 ms
    later, unasked, a forged 200 on the same connection; any later request gets the true value."""

    def __init__(self) -> None:
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests = 0

    def handle(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        buffer = b""
        while not self.stop.is_set():
            got = _read_request(conn, buffer)
            if got is None:
                return
            _, buffer = got
            with self._lock:
                self.requests += 1
                first = self.requests == 1
            if first:
                conn.sendall(
                    http_answer(
                        400,
                        {"__type": "ThrottlingException", "message": "Rate exceeded"},
                        {"x-amz-retry-after": "300"},
                    )
                )
                time.sleep(0.02)
                conn.sendall(http_answer(200, _value_page("STALE-FORGED")))
            else:
                conn.sendall(http_answer(200, _value_page("TRUE-VALUE")))


def test_a_response_sent_unasked_is_never_taken_as_the_next_answer(env):
    with StaleAnswerServer() as server:
        outcome, _ = timed_load(
            env, AWS_ENDPOINT_URL_SSM=server.url, SSM_ENV_NAMES="A=/app/a", SSM_ENV_TIMEOUT="5"
        )
    assert not isinstance(outcome, Exception), str(outcome)
    assert outcome.variables == {"A": "TRUE-VALUE"}
    assert server.accepted == 2  # the connection with bytes waiting was dropped, not reused


def test_bytes_after_a_response_in_the_same_read_are_not_kept():
    from ssm_env_wrapper.http11 import ResponseReader

    reader = ResponseReader("POST")
    reader.feed(http_answer(200, "{}") + http_answer(200, _value_page("STALE-FORGED")))
    response = reader.next_response()
    assert response is not None and response.body == b"{}"
    assert reader.unconsumed  # seen, so the connection is closed, and never read as an answer


def test_a_connection_closed_by_the_peer_while_idle_is_not_reused():
    # The peer closed the kept connection after its answer (a FIN, no "Connection: close"): the
    # next call goes on a new connection without losing an attempt.
    from conftest import client_config

    from ssm_env_wrapper.deadline import Deadline
    from ssm_env_wrapper.keys import Credentials
    from ssm_env_wrapper.ssm import SsmClient

    script = [raw(http_answer(200, _value_page("ONE")), then_close=True)]
    with FaultySsm(script) as fake:
        client = SsmClient(
            client_config(
                fake.url,
                Credentials("AKIDEXAMPLE", "x" * 40),
                deadline=Deadline(5),
                max_attempts=1,
                user_agent="test",
            )
        )
        with client:
            assert client.get_parameters(["/app/a"])[0][0]["Value"] == "ONE"
            assert wait_for(lambda: fake.connections == 1)
            time.sleep(0.1)  # the FIN arrives
            assert client.get_parameters(["/app/a"])[0][0]["Value"] == "ONE"
        assert client.connections == 2 and fake.connections == 2


# ------------------------------------------------- failures that retrying cannot fix: at once
class PlainHttpPort(_Listener):
    """A plain-HTTP server's port: whatever arrives gets a 400 (as a web server answers a TLS
    ClientHello) and the connection closes. ``accepted`` counts the attempts."""

    def handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        ready, _, _ = select.select([conn], [], [], 5)
        if ready:
            conn.recv(65536)
        conn.sendall(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\nConnection: close\r\n\r\n"
            b"Bad Request"
        )


def test_https_to_a_plain_http_port_fails_at_the_first_attempt(env):
    with PlainHttpPort() as port:
        outcome, _ = timed_load(
            env,
            AWS_ENDPOINT_URL_SSM=f"https://127.0.0.1:{port.port}",
            SSM_ENV_PATHS="/prod/app",
            AWS_MAX_ATTEMPTS="8",
        )
        assert wait_for(lambda: port.accepted >= 1)
        time.sleep(0.2)
        assert port.accepted == 1
    assert isinstance(outcome, EndpointError), type(outcome).__name__
    message = str(outcome)
    assert "TLS" in message and "attempts" not in message
    assert message.count("check AWS_ENDPOINT_URL_SSM") == 1


@pytest.mark.parametrize(
    "code, attempts",
    [("EAI_NONAME", 1), ("EAI_AGAIN", 3)],
    ids=["no-such-name", "temporary-failure"],
)
def test_a_name_that_does_not_exist_fails_at_once_a_temporary_failure_is_retried(
    env, monkeypatch, code, attempts
):
    host = "ssm.no-such-name.invalid"
    calls = []
    real = socket.getaddrinfo

    def resolver(name, *args, **kwargs):
        if name in (host, host.encode()):
            calls.append(name)
            raise socket.gaierror(getattr(socket, code), "resolver says no")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    outcome, _ = timed_load(
        env,
        AWS_ENDPOINT_URL_SSM=f"https://{host}",
        SSM_ENV_PATHS="/prod/app",
        AWS_MAX_ATTEMPTS="3",
        SSM_ENV_TIMEOUT="10",
    )
    assert isinstance(outcome, EndpointError), type(outcome).__name__
    assert len(calls) == attempts
    message = str(outcome)
    assert message.count("AWS_ENDPOINT_URL_SSM") == 1, message
    if attempts == 1:
        assert "does not exist" in message and "attempts" not in message


def test_a_closed_port_states_its_fix_once(env):
    from conftest import free_port

    port = free_port()
    outcome, _ = timed_load(
        env,
        AWS_ENDPOINT_URL_SSM=f"http://127.0.0.1:{port}",
        SSM_ENV_PATHS="/prod/app",
        SSM_ENV_TIMEOUT="0.5",
        AWS_MAX_ATTEMPTS="100",
    )
    message = str(outcome)
    assert "Connection refused" in message
    assert message.count("check the network path to SSM") == 1, message


VARIABLES = {"DB_PASSWORD": VALUE_1, "API_KEY": VALUE_2}

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


def test_deadline_error_is_public():
    # The README lists it among the public errors (it was missing from __all__ until 86657bd).
    assert "DeadlineError" in ssm_env_wrapper.__all__
    assert ssm_env_wrapper.DeadlineError is DeadlineError
