"""Credentials shared by the credential tests in unit/ and e2e/: the container provider's keys, token and answers, the shared files' and credential_process's keys, and the values the tests load with them."""

from __future__ import annotations

import textwrap

from conftest import (
    D_SECRET,
    F_SECRET,
    F_TOKEN,
    SDK_P_SECRET,
    SDK_P_TOKEN,
    SECRET_KEY,
    SESSION_TOKEN,
    assert_no_secrets,
    timed_load,
)
from fake_ssm import FaultySsm, page

from ssm_env_wrapper.errors import CredentialsError

HOST_C_KEY, HOST_C_SECRET = "ASIACONTAINERKEY0002", "containerSecret/DoNotPrint+Zx8c7v"

HOST_C_TOKEN = "containerToken//DoNotPrint+IQoJb3JpZ2lu" + "q" * 40

HOST_AUTH = "containerAuthToken-DoNotPrint-9a8b7c6d"

HOST_VALUE = "containerHostValue-DoNotPrint-5r4e"

HOST_SECRETS = (HOST_C_SECRET, HOST_C_TOKEN, HOST_AUTH, HOST_VALUE)

GOOD = {
    "AccessKeyId": HOST_C_KEY,
    "SecretAccessKey": HOST_C_SECRET,
    "Token": HOST_C_TOKEN,
    "Expiration": "2099-01-01T00:00:00Z",
}

MARGIN = 2.0

# Distinctive credentials from each provider: none may ever be printed.
C_KEY, C_SECRET = "ASIACONTAINERKEY0001", "containerSecret/DoNotPrint+Jk3m9QwZ"

C_TOKEN = "containerToken//DoNotPrint+IQoJb3JpZ2luX2Vj" + "t" * 40

AUTH = "containerAuthToken-DoNotPrint-4f5e6d7c"

VALUE = "credentialsTestValue-DoNotPrint-3k4j"

SECRETS = (C_SECRET, C_TOKEN, AUTH, F_SECRET, F_TOKEN, D_SECRET, VALUE)

CONTAINER_ANSWER = (
    200,
    {
        "AccessKeyId": C_KEY,
        "SecretAccessKey": C_SECRET,
        "Token": C_TOKEN,
        "Expiration": "2099-01-01T00:00:00Z",
    },
)

load = timed_load


def credentials_error(outcome) -> str:
    assert isinstance(outcome, CredentialsError), type(outcome).__name__
    message = str(outcome)
    assert not [s for s in SECRETS + (SECRET_KEY, SESSION_TOKEN) if s in message], "a secret leaked"
    assert "\n" not in message
    return message


# ------------------------------------------------- credential_process and local files at the edge
P_KEY, P_SECRET = "ASIAPROCESSEDGE00001", "processEdgeSecret/DoNotPrint+Vb7Nm3Qx"

P_TOKEN = "processEdgeToken//DoNotPrint+Lk2Jh8Gf" + "e" * 30


def one_line_failure(proc) -> str:
    """The wrapper's run ended with exit 1 and one line, no traceback, no secret."""
    assert_no_secrets(proc, P_SECRET, P_TOKEN)
    assert not [s for s in SECRETS if s in proc.stderr], "a secret reached stderr"
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


SDK_VALUE = "sdkTestValue-DoNotPrint-7h6g5f"

CF_KEY, CF_SECRET = "AKIACONFIGSTATIC0001", "configStaticSecret/DoNotPrint+Mn5Bv4"

SDK_F_KEY, SDK_F_SECRET = "AKIACREDFILEKEY00001", "credFileSecret/DoNotPrint+Lk9Jh8Gf"

SDK_C_KEY, SDK_C_SECRET = "ASIACONTAINERKEY0099", "containerSecret/DoNotPrint+Po0Iu9Yt"

E_KEY, E_SECRET = "AKIAENVIRONMENTKEY01", "environmentSecret/DoNotPrint+Rf4Tg5"

SDK_SECRETS = (
    SDK_P_SECRET,
    SDK_P_TOKEN,
    CF_SECRET,
    SDK_F_SECRET,
    SDK_C_SECRET,
    E_SECRET,
    SDK_VALUE,
)


def leaked(text: str) -> list[int]:
    return [i for i, secret in enumerate(SDK_SECRETS) if secret in text]


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def signed(env, **extra) -> tuple[str, str, str | None]:
    """Load one page from a fake endpoint: (access key, region of the scope, session token)."""
    with FaultySsm([page([("/prod/app/X", SDK_VALUE)])]) as fake:
        result, _ = timed_load(
            env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", **extra
        )
        assert not isinstance(result, Exception), str(result)
        headers = fake.requests[0]["headers"]
    scope = headers["Authorization"].split("Credential=", 1)[1].split(",", 1)[0].split("/")
    return scope[0], scope[2], headers.get("X-Amz-Security-Token")


def error_of(env, **extra) -> str:
    outcome, _ = timed_load(env, SSM_ENV_PATHS="/prod/app", **extra)
    assert isinstance(outcome, CredentialsError), type(outcome).__name__
    message = str(outcome)
    assert "\n" not in message and not leaked(message), "a secret or a line break in the message"
    return message


# --------------------------------------------------------------------------- attempts, retry-after
THROTTLE = (400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
