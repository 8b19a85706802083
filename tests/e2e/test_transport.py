"""The transport through the wrapper: throttling, a silent server, answers that are not the API, refused connections and huge answers fail closed in one line."""

from __future__ import annotations

import base64
import json
import random
import subprocess
import sys

import pytest
from conftest import SRC, assert_no_secrets, free_port, put, wait_for
from fake_ssm import FaultySsm, SilentServer, aws_error, http_answer, raw
from transport_cases import HTML, MARGIN, error_line, run_wrapper

EDGE_MARGIN = 3.0

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
    assert report["elapsed"] < 5 + EDGE_MARGIN
    assert report["peak_kib"] < PEAK_LIMIT_KIB, report["peak_kib"]


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


# ----------------------------------------------------------------------------- the TLS name (SNI)
def test_an_ascii_host_name_is_not_idna_encoded(ssm, env, relay, ca_file):
    # ssl's _encode_hostname runs str.encode("idna") on a str server_hostname, importing
    # encodings.idna, stringprep and unicodedata at every cold start; bytes go as they are.
    put(ssm, "/prod/app/X", "x")
    code = (
        f"import sys; sys.path.insert(0, {str(SRC)!r}); import ssm_env_wrapper; "
        f"v = ssm_env_wrapper.load_parameters('/prod/app', endpoint_url='https://localhost:{relay.port}'); "
        "print(v == {'X': 'x'}, [m for m in ('encodings.idna', 'stringprep', 'unicodedata') "
        "if m in sys.modules])"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        env=dict(env, AWS_CA_BUNDLE=ca_file),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_no_secrets(proc)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["True", "[]"]
    assert relay.handshakes == 1
