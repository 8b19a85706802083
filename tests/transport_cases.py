"""What the transport tests in-process and through the wrapper share: values, pages and answers that are not the API, and running the wrapper against a faulty endpoint."""

from __future__ import annotations

import time

from conftest import assert_no_secrets, run
from fake_ssm import page


def _value_page(value: str, name: str = "/app/a") -> dict:
    return {"Parameters": [{"Name": name, "Value": value, "Type": "String", "Version": 1}]}


#: Added to SSM_ENV_TIMEOUT in every bound: wide enough for a loaded machine and the wrapper's own
#: start-up, narrow enough to catch a load that ignores its deadline (a retry, a read, a sleep).
MARGIN = 2.0

# Distinctive parameter values: they must never appear in anything printed.
VALUE_1 = "paramValue-DoNotPrint-7Qx2Lk9s"

VALUE_2 = "paramValue-DoNotPrint-Zr81mWq4"

VALUES_PAGE = page([("/prod/app/DB_PASSWORD", VALUE_1), ("/prod/app/API_KEY", VALUE_2)])

PROXY_PASSWORD = "proxyPassw0rd-DoNotPrint-c8Hd"

HTML = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"


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


HEAD_1000 = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 1000\r\n\r\n"
)
