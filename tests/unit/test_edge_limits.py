"""Limits at the edge: what an endpoint sends is bounded while it is read (answer size, value
size, the deadline per read), a kept-alive connection is never reused with bytes waiting on it,
and a connection failure that retrying cannot fix fails at the first attempt with its fix once.

The memory cases run the real wrapper (bin, single file, layer) under an address-space limit
(RLIMIT_AS 384 MiB) from a fresh Python process that reports its children's peak RSS.
"""

from __future__ import annotations

import base64
import json
import random
import select
import socket
import subprocess
import sys
import time

import pytest
from conftest import timed_load, wait_for
from fake_ssm import FakeSsm, FaultySsm, _Listener, http_answer, raw

import ssm_env_wrapper
from ssm_env_wrapper.errors import EndpointError

MARGIN = 3.0
PEAK_LIMIT_KIB = 64 * 1024

# Runs ``argv`` (the wrapper) under RLIMIT_AS and reports its exit, output, wall time and the peak
# RSS of its process tree (ru_maxrss of RUSAGE_CHILDREN, KiB on Linux): this process starts
# nothing else, so the figure is the wrapper's own.
_MEASURE = r"""
import json, resource, subprocess, sys, time
argv = json.loads(sys.argv[1])
def limit():
    resource.setrlimit(resource.RLIMIT_AS, (384 << 20, 384 << 20))
began = time.monotonic()
proc = subprocess.run(argv, preexec_fn=limit, capture_output=True, text=True, timeout=60)
print(json.dumps({
    "rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr,
    "elapsed": time.monotonic() - began,
    "peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
}))
"""


def measured(wrapper: list[str], env: dict[str, str]) -> dict:
    argv = wrapper + [sys.executable, "-c", "pass"]
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, json.dumps(argv)],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def one_error_line(report: dict) -> str:
    assert report["rc"] == 1, report["stderr"][-2000:]
    assert "Traceback" not in report["stderr"] and "MemoryError" not in report["stderr"]
    lines = report["stderr"].splitlines()
    assert len(lines) == 1, report["stderr"][-2000:]
    return lines[0]


def parameters_answer(value_size: int) -> bytes:
    """A GetParameters answer holding one value of ``value_size`` random base64 characters (a
    value that repeats would cost a redactor nothing)."""
    value = base64.b64encode(random.Random(value_size).randbytes(value_size * 3 // 4)).decode()
    return json.dumps(
        {"Parameters": [{"Name": "/app/big", "Value": value, "Type": "String"}]}
    ).encode()


# ---------------------------------------------------------------------- answers and values


@pytest.mark.parametrize(
    "size, expect",
    [
        (60 << 20, "too large"),  # an answer no SSM operation can send
        (16 << 20, "too large"),  # one value far past any quota, in a too-large answer
        (3 << 20, "/app/big"),  # one value past the environment's limit, in a sized answer
    ],
    ids=["answer-60MiB", "value-16MiB", "value-3MiB"],
)
def test_a_huge_answer_or_value_is_refused_at_the_edge(env, wrapper, size, expect):
    with FaultySsm([raw(http_answer(200, parameters_answer(size)), then_close=True)]) as fake:
        report = measured(
            wrapper,
            dict(
                env,
                AWS_ENDPOINT_URL_SSM=fake.url,
                SSM_ENV_NAMES="A=/app/big",
                SSM_ENV_TIMEOUT="5",
                AWS_MAX_ATTEMPTS="1",
            ),
        )
    line = one_error_line(report)
    assert expect in line
    assert report["elapsed"] < 5 + MARGIN
    assert report["peak_kib"] < PEAK_LIMIT_KIB, report["peak_kib"]


@pytest.mark.parametrize("setting", ["SSM_ENV_NAMES", "SSM_ENV_JSON_NAMES"])
def test_a_value_over_the_environment_limit_is_refused_naming_it(env, monkeypatch, setting):
    # Over 128 KiB (MAX_ARG_STRLEN) but inside the answer cap: never indexed by the redactor,
    # never parsed as JSON; refused naming the parameter, its fix once.
    from ssm_env_wrapper import redact

    indexed = []
    monkeypatch.setattr(redact.Redactor, "add", lambda self, secret: indexed.append(secret))
    document = json.dumps({"K": "v" * 200_000})
    with FakeSsm([(200, _value_page(document, "/app/big"))]) as fake:
        outcome, _ = timed_load(env, AWS_ENDPOINT_URL_SSM=fake.url, **{setting: "A_=/app/big"})
    assert isinstance(outcome, ssm_env_wrapper.SsmEnvError), type(outcome).__name__
    message = str(outcome)
    assert "/app/big" in message and "128 KiB" in message
    assert message.count("MAX_ARG_STRLEN") == 1
    assert not [secret for secret in indexed if len(secret) > 1000]


def test_the_redactor_stays_a_small_multiple_of_its_secrets():
    import random
    import string
    import tracemalloc

    from ssm_env_wrapper.redact import Redactor

    rnd = random.Random(7)
    secrets = ["".join(rnd.choices(string.ascii_letters, k=128 * 1024)) for _ in range(8)]
    secrets.append("a" * 128 * 1024)  # repetitive: one chunk many times
    total = sum(map(len, secrets))
    tracemalloc.start()
    try:
        redactor = Redactor(secrets)
        masked = redactor(f"echo {secrets[3][5000:5040]} and {secrets[-1][:20]} end")
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert masked == "echo *** and *** end"
    # The secrets themselves are the caller's; what the redactor adds stays within 3 times them
    # (its copy of each, and a filter of a few bits a character), its build within 6 times.
    assert current < 3 * total, current / total
    assert peak < 6 * total, peak / total


def test_masking_a_long_echo_of_secrets_stays_fast():
    from ssm_env_wrapper.redact import Redactor

    secret = "".join(chr(0x41 + (i * 7919) % 26) for i in range(64 * 1024))
    redactor = Redactor([secret])
    began = time.process_time()
    assert redactor(secret[:8192]) == "***"
    assert time.process_time() - began < 5.0  # linear, not quadratic (a generous bound)


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


def _value_page(value: str, name: str = "/app/a") -> dict:
    return {"Parameters": [{"Name": name, "Value": value, "Type": "String", "Version": 1}]}


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
