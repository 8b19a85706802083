"""No secret in anything the wrapper prints, whatever fails: echoes of the request, of values, of tokens, forged lines through names and keys, runs of 12 characters of a secret."""

from __future__ import annotations

import json
import time

import pytest
from conftest import (
    SECRET_KEY,
    SESSION_TOKEN,
    assert_no_secrets,
    free_port,
    in_turn,
    put,
    run,
    run_show_env,
)
from fake_ssm import (
    ConnectProxy,
    ContainerCredentials,
    FakeSsm,
    FaultySsm,
    by_token,
    drip,
    hold,
    http_answer,
    raw,
    request_text,
    reset,
    send,
)
from redact_cases import assert_no_secret_runs
from transport_cases import (
    HEAD_1000,
    HTML,
    MARGIN,
    PROXY_PASSWORD,
    VALUE_1,
    VALUE_2,
    VALUES_PAGE,
    error_line,
    run_wrapper,
)


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


# --- defect 9: an endpoint echoing part of a secret, through the real wrapper -----------------
def _echo(piece: str, where: str):
    if where == "__type":
        return 400, {"__type": f"com.amazonaws.ssm#{piece}", "message": "denied"}
    if where == "message":
        return 400, {
            "__type": "AccessDeniedException",
            "message": f"User with token {piece} is not authorized",
        }
    return 502, b"<html>bad gateway</html>", {"Content-Type": f"text/html; x={piece}"}


# Each of the 12 cases in one shipped form, in turn (conftest.in_turn): the masking is the same
# redactor in every form; each form still meets every secret and every place of the echo.
@pytest.mark.parametrize(
    "wrapper, secret, start, where",
    in_turn(
        [
            (secret, start, where)
            for secret, start in [
                (SESSION_TOKEN, 0),
                (SESSION_TOKEN, 20),
                (SECRET_KEY, 0),
                (SECRET_KEY, 15),
            ]
            for where in ["__type", "message", "content-type"]
        ]
    ),
    indirect=["wrapper"],
)
def test_an_endpoint_echoing_part_of_a_secret_gets_it_masked(wrapper, env, where, secret, start):
    piece = secret[start : start + 20]
    with FakeSsm([_echo(piece, where)]) as fake:
        done = run(
            wrapper,
            ["/bin/true"],
            dict(
                env,
                AWS_ENDPOINT_URL_SSM=fake.url,
                SSM_ENV_NAMES="/app/x",
                AWS_MAX_ATTEMPTS="1",
                SSM_ENV_LOG_LEVEL="debug",
            ),
        )
    assert done.returncode == 1
    assert "GetParameters /app/x failed" in done.stderr
    assert "***" in done.stderr
    assert_no_secret_runs(done.stdout + done.stderr, SECRET_KEY, SESSION_TOKEN)


# --- defect 8: log-line forgery through a JSON key, through the real wrapper ------------------
FORGED = "ssm-env-wrapper: loaded 0 variables from nowhere"

KEYS = {
    f"A\n{FORGED}": "1",
    "B\r\u2028X": "2",
    "C\x1b[2K\x85D": "3",
    "E\u202eF\u2066G": "4",
}


def _lines_are_the_wrappers(stderr: str, json_format: bool) -> list[str]:
    assert "\u2028" not in stderr and "\u2029" not in stderr and "\u202e" not in stderr
    assert "\x1b" not in stderr and "\x85" not in stderr and "\r" not in stderr
    lines = stderr.splitlines()
    for line in lines:
        if json_format:
            assert json.loads(line)["logger"] == "ssm-env-wrapper"
        else:
            assert line.startswith("ssm-env-wrapper: ")
        assert not line.startswith(FORGED)
    return lines


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_a_json_key_cannot_forge_a_debug_line(ssm, env, wrapper, json_format):
    put(ssm, "/app/doc", json.dumps(KEYS))
    extra = {"SSM_ENV_JSON_NAMES": "/app/doc", "SSM_ENV_LOG_LEVEL": "debug"}
    if json_format:
        extra["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
    done, report = run_show_env(wrapper, dict(env, **extra))
    assert done.returncode == 0, done.stderr
    assert report["env"]["A_ssm_env_wrapper__loaded_0_variables_from_nowhere"] == "1"
    lines = _lines_are_the_wrappers(done.stderr, json_format)
    text = "\n".join(lines)
    assert f"/app/doc#A\\n{FORGED}" in text.replace("\\\\", "\\")  # shown, escaped, on its own line


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_a_json_key_cannot_forge_an_error_line(ssm, env, wrapper, json_format):
    # LD_PRELOAD_<...> is refused: the error message names the key, which must stay on one line.
    put(ssm, "/app/doc", json.dumps({f"LD_PRELOAD\n{FORGED}": "/tmp/x.so", "\u202eok": "1"}))
    extra = {"SSM_ENV_JSON_NAMES": "/app/doc"}
    if json_format:
        extra["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
    done, report = run_show_env(wrapper, dict(env, **extra))
    assert done.returncode == 1 and report == {}
    lines = _lines_are_the_wrappers(done.stderr, json_format)
    assert len(lines) == 1
    assert "refusing protected variables" in lines[0]


def test_check_lists_a_key_on_one_line(ssm, env):
    from conftest import ROOT

    put(ssm, "/app/doc", json.dumps(KEYS))
    done = run([str(ROOT / "bin" / "wrapper")], ["check", "--json-name", "/app/doc"], dict(env))
    assert done.returncode == 0, done.stderr
    assert "\u2028" not in done.stdout and "\u202e" not in done.stdout and "\x1b" not in done.stdout
    assert not any(line.startswith(FORGED) for line in done.stdout.splitlines())
    assert f"/app/doc#A\\n{FORGED}" in done.stdout
