"""Credential providers through the wrapper: container credentials (and their malformed answers), the shared credentials file and its profiles, credential_process, and never the instance metadata service."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from conftest import (
    ACCESS_KEY,
    SECRET_KEY,
    assert_no_secrets,
    free_port,
    put,
    run,
    run_show_env,
)
from credential_cases import (
    AUTH,
    CONTAINER_ANSWER,
    GOOD,
    HOST_AUTH,
    HOST_C_KEY,
    HOST_C_SECRET,
    HOST_C_TOKEN,
    HOST_SECRETS,
    HOST_VALUE,
    P_KEY,
    P_SECRET,
    P_TOKEN,
    SECRETS,
    VALUE,
    one_line_failure,
)
from fake_ssm import ContainerCredentials, FaultySsm, SilentServer, page

# ------------------------------------------------------------------------ the provider's answer
DEEP = 100_000

ANSWERS = {
    "deeply-nested": (200, '{"AccessKeyId": ' + "[" * DEEP + "]" * DEEP + "}"),
    "huge-number": (200, '{"AccessKeyId": ' + "9" * 5000 + "}"),
    "token-number": (200, dict(GOOD, Token=12345)),
    "token-object": (200, dict(GOOD, Token={"t": HOST_C_TOKEN})),
    "key-list": (200, dict(GOOD, AccessKeyId=[HOST_C_KEY])),
    "secret-null": (200, dict(GOOD, SecretAccessKey=None)),
    "expiration-garbage": (200, dict(GOOD, Expiration="tomorrow-ish")),
    "expiration-number": (200, dict(GOOD, Expiration=4102444800)),
    "expiration-bad-date": (200, dict(GOOD, Expiration="2099-02-30T00:00:00Z")),
    "expiration-past": (200, dict(GOOD, Expiration="2001-01-01T00:00:00Z")),
    "token-line-break": (200, dict(GOOD, Token=HOST_C_TOKEN + "\r\nX-Injected: 1")),
    "key-line-break": (200, dict(GOOD, AccessKeyId=HOST_C_KEY + "\nX")),
    "secret-non-ascii": (200, dict(GOOD, SecretAccessKey=HOST_C_SECRET + "\u00e9")),
}


@pytest.mark.parametrize("case", list(ANSWERS))
def test_a_malformed_provider_answer_is_one_line_and_the_runtime_never_starts(
    bare_env, built, case
):
    with (
        ContainerCredentials(ANSWERS[case]) as provider,
        FaultySsm([page([("/prod/app/X", HOST_VALUE)])]) as fake,
    ):
        proc, report = run_show_env(
            [str(built["layer"])],
            dict(
                bare_env,
                SSM_ENV_PATHS="/prod/app",
                AWS_ENDPOINT_URL_SSM=fake.url,
                AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
                AWS_CONTAINER_AUTHORIZATION_TOKEN=HOST_AUTH,
            ),
        )
        assert fake.requests == []  # nothing is signed with what the provider sent
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr), *HOST_SECRETS)
    assert proc.returncode == 1 and report == {}, proc.stderr[:2000]
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ssm-env-wrapper: no AWS credentials: "), lines
    assert "container credentials provider" in lines[0]


# ------------------------------------------------- credentials that would break a header line
@pytest.mark.parametrize(
    "variable, value",
    [
        ("AWS_SESSION_TOKEN", HOST_C_TOKEN + "\r\nX-Injected: yes"),
        ("AWS_SESSION_TOKEN", HOST_C_TOKEN + "\nX-Injected: yes"),
        ("AWS_ACCESS_KEY_ID", "AKIA\r\nX-Injected: yes"),
        ("AWS_SECRET_ACCESS_KEY", HOST_C_SECRET + "\u00e9"),
    ],
)
def test_environment_credentials_that_would_break_a_header_line_are_refused(
    bare_env, built, variable, value
):
    creds = {
        "AWS_ACCESS_KEY_ID": HOST_C_KEY,
        "AWS_SECRET_ACCESS_KEY": HOST_C_SECRET,
        "AWS_SESSION_TOKEN": HOST_C_TOKEN,
    }
    creds[variable] = value
    with FaultySsm([page([("/prod/app/X", HOST_VALUE)])]) as fake:
        proc, report = run_show_env(
            [str(built["layer"])],
            dict(bare_env, SSM_ENV_PATHS="/prod/app", AWS_ENDPOINT_URL_SSM=fake.url, **creds),
        )
        assert fake.requests == []  # nothing sent: no header can be injected
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr), *HOST_SECRETS, value)
    assert proc.returncode == 1 and report == {}
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and variable in lines[0], lines


def test_a_multi_line_value_in_the_credentials_file_is_refused(bare_env, built, tmp_path):
    """configparser continues a value on an indented line: a token spanning two lines would put a
    header line of its own into every request."""
    path = tmp_path / "credentials"
    path.write_text(
        f"[default]\naws_access_key_id = {HOST_C_KEY}\naws_secret_access_key = {HOST_C_SECRET}\n"
        f"aws_session_token = {HOST_C_TOKEN}\n  X-Injected: yes\n"
    )
    with FaultySsm([page([("/prod/app/X", HOST_VALUE)])]) as fake:
        proc, report = run_show_env(
            [str(built["layer"])],
            dict(
                bare_env,
                SSM_ENV_PATHS="/prod/app",
                AWS_ENDPOINT_URL_SSM=fake.url,
                AWS_SHARED_CREDENTIALS_FILE=str(path),
            ),
        )
        assert fake.requests == []
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr), *HOST_SECRETS)
    assert proc.returncode == 1 and report == {}
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "control or non-ASCII character" in lines[0], lines


# ---------------------------------------------------------------------- the container provider
@pytest.mark.parametrize("how", ["token", "token-file"])
def test_container_credentials_load_from_moto_through_the_wrapper(
    ssm, bare_env, wrapper, tmp_path, how
):
    put(ssm, "/prod/app/DB_PASSWORD", VALUE, "SecureString")
    with ContainerCredentials(CONTAINER_ANSWER) as provider:
        bare_env.update(SSM_ENV_PATHS="/prod/app", AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url)
        if how == "token":
            bare_env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = AUTH
        else:
            token_file = tmp_path / "token"
            token_file.write_text(AUTH + "\n")
            bare_env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = str(token_file)
        proc, report = run_show_env(wrapper, bare_env)
        assert proc.returncode == 0, proc.stderr
        assert report["env"]["DB_PASSWORD"] == VALUE
        assert len(provider.requests) == 1
        seen = provider.requests[0]
    assert seen["path"] == "/creds"
    assert seen["headers"]["authorization"] == AUTH  # the token as the header, no scheme
    assert seen["headers"]["accept"] == "application/json"
    # The runtime's environment (stdout) legitimately holds the token; the wrapper's lines never do.
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr), *SECRETS)
    assert len(proc.stderr.splitlines()) == 1


def test_a_profile_from_the_file_loads_from_moto_through_the_wrapper(
    ssm, bare_env, wrapper, credentials_file
):
    put(ssm, "/prod/app/DB_PASSWORD", VALUE, "SecureString")
    bare_env.update(
        SSM_ENV_PATHS="/prod/app", AWS_SHARED_CREDENTIALS_FILE=credentials_file, AWS_PROFILE="dev"
    )
    proc, report = run_show_env(wrapper, bare_env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_PASSWORD"] == VALUE
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr), *SECRETS)


def test_a_profile_that_does_not_exist_fails_closed_through_the_wrapper(
    bare_env, wrapper, credentials_file
):
    proc = run(
        wrapper,
        ["true"],
        dict(
            bare_env,
            SSM_ENV_PATHS="/prod/app",
            AWS_PROFILE="nope",
            AWS_SHARED_CREDENTIALS_FILE=credentials_file,
        ),
    )
    assert_no_secrets(proc, *SECRETS)
    assert proc.returncode == 1
    assert proc.stderr == (
        f"ssm-env-wrapper: no AWS credentials: profile 'nope' (AWS_PROFILE) is in "
        f"neither {credentials_file} nor /nonexistent/ssm-env-wrapper-tests/config; "
        "check the name\n"
    )


# -------------------------------------------------------------------- nothing anywhere, no IMDS
def test_nothing_anywhere_is_one_line_that_says_where_it_looked(bare_env, wrapper):
    began = time.monotonic()
    proc = run(wrapper, ["true"], dict(bare_env, SSM_ENV_PATHS="/prod/app"))
    elapsed = time.monotonic() - began
    assert_no_secrets(proc)
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    line = lines[0]
    assert line.startswith(
        "ssm-env-wrapper: no AWS credentials: looked in the environment "
        "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), the profile default in "
        "/nonexistent/ssm-env-wrapper-tests/credentials and "
        "/nonexistent/ssm-env-wrapper-tests/config (none), and the container "
        "provider (AWS_CONTAINER_CREDENTIALS_FULL_URI/RELATIVE_URI: not set)"
    )
    assert "the EC2 metadata service is not asked" in line
    assert elapsed < 1.0  # no network wait of any kind


# Runs a wrapper file under an audit hook that records every socket created, every connection and
# every name lookup the process makes (PEP 578), then runs the wrapper as its own __main__.
AUDITED = r"""
import os, runpy, sys
record = open(os.environ["SOCKET_AUDIT"], "a")
def hook(event, args):
    if event.startswith("socket."):
        record.write(f"{event} {args!r}\n")
        record.flush()
sys.addaudithook(hook)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_the_metadata_service_is_never_contacted_by_the_wrapper(bare_env, wrapper, tmp_path):
    # IMDS pointed at a listener on loopback, and not disabled: still nobody may connect to it,
    # nor to anything else (no socket at all, no name lookup).
    audit = tmp_path / "sockets"
    audit.write_text("")
    with SilentServer() as imds:
        environ = dict(
            bare_env,
            SSM_ENV_PATHS="/prod/app",
            SOCKET_AUDIT=str(audit),
            AWS_EC2_METADATA_SERVICE_ENDPOINT=f"http://127.0.0.1:{imds.port}",
            AWS_EC2_METADATA_DISABLED="false",
        )
        began = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-I", "-S", "-c", AUDITED, wrapper[0], "true"],
            env=environ,
            capture_output=True,
            text=True,
            timeout=60,
        )
        elapsed = time.monotonic() - began
        time.sleep(0.1)
        assert imds.accepted == 0
    assert_no_secrets(proc)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("ssm-env-wrapper: no AWS credentials: looked in the environment")
    assert audit.read_text() == ""
    assert elapsed < 1.0


def test_the_audit_hook_does_see_a_connection(bare_env, wrapper, tmp_path):
    # The control for the test above: the same harness records the wrapper's connection attempts.
    audit = tmp_path / "sockets"
    audit.write_text("")
    port = free_port()
    environ = dict(
        bare_env,
        SSM_ENV_PATHS="/prod/app",
        SOCKET_AUDIT=str(audit),
        AWS_MAX_ATTEMPTS="1",
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_ENDPOINT_URL_SSM=f"http://127.0.0.1:{port}",
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", AUDITED, wrapper[0], "true"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "socket.connect " in audit.read_text() and f"('127.0.0.1', {port})" in audit.read_text()


def helper(tmp_path, body: str, name: str = "helper.py") -> str:
    """A credential_process: ``body`` run by this interpreter."""
    script = tmp_path / name
    script.write_text(body)
    return f"{sys.executable} {script}"


def answer_with(expiration: str) -> str:
    return (
        "import json\n"
        f"print(json.dumps({{'Version': 1, 'AccessKeyId': '{P_KEY}', "
        f"'SecretAccessKey': '{P_SECRET}', 'SessionToken': '{P_TOKEN}', "
        f"'Expiration': '{expiration}'}}))\n"
    )


def profile_env(bare_env, tmp_path, command: str, **extra) -> dict:
    config = tmp_path / "config"
    config.write_text(f"[profile p]\ncredential_process = {command}\n")
    return dict(bare_env, SSM_ENV_PATHS="/prod/app", AWS_CONFIG_FILE=str(config), AWS_PROFILE="p")


def test_a_credential_process_printing_deep_json_is_one_line(bare_env, wrapper, tmp_path):
    # json.loads of 200,000 '[' raises RecursionError, which is not a ValueError.
    command = helper(tmp_path, "import sys; sys.stdout.write('[' * 200000)")
    proc = run(wrapper, ["true"], profile_env(bare_env, tmp_path, command))
    assert one_line_failure(proc).startswith(
        "ssm-env-wrapper: credential_process of profile 'p' did not print a JSON object"
    )


def test_a_nul_in_the_credential_process_command_is_one_line(bare_env, wrapper, tmp_path):
    # configparser keeps the NUL; Popen refuses it with ValueError ("embedded null byte").
    proc = run(wrapper, ["true"], profile_env(bare_env, tmp_path, "/bin/echo a\0b"))
    line = one_line_failure(proc)
    assert line == (
        "ssm-env-wrapper: credential_process of profile 'p' holds a NUL character, "
        f"which no command line can; fix it in {tmp_path / 'config'} (AWS_CONFIG_FILE)"
    )


@pytest.mark.parametrize(
    "expiration, expect",
    [
        (
            "2001-02-03T04:05:06Z",
            "printed credentials that expired at 2001-02-03T04:05:06Z; check the helper "
            "(or this machine's clock)",
        ),
        (
            "yesterday",
            "printed an Expiration that is not an RFC 3339 time (such as "
            "2099-01-01T00:00:00Z); fix its output",
        ),
    ],
    ids=["expired", "not-a-time"],
)
def test_a_credential_process_with_expired_credentials_is_refused(
    bare_env, wrapper, tmp_path, expiration, expect
):
    # botocore refuses credentials still expired after a refresh; the container provider too.
    command = helper(tmp_path, answer_with(expiration))
    proc = run(wrapper, ["true"], profile_env(bare_env, tmp_path, command))
    assert one_line_failure(proc) == f"ssm-env-wrapper: credential_process of profile 'p' {expect}"


def test_a_credential_process_stderr_is_masked_and_bounded(bare_env, wrapper, ssm, tmp_path):
    # Its stderr may explain a failure, so it is shown: but through the one redactor (what it
    # printed on stdout, the environment's secrets), escaped, and only its first lines.
    put(ssm, "/prod/app/X", VALUE, "SecureString")
    command = helper(
        tmp_path,
        "import sys\n"
        f"sys.stderr.write('helper: got {P_SECRET} and {P_TOKEN}\\n')\n"
        "sys.stderr.write('helper: forged\\x1b[2J line\\n')\n"
        "sys.stderr.write('noise ' * 400000)\n" + answer_with("2099-01-01T00:00:00Z"),
    )
    environ = profile_env(bare_env, tmp_path, command)
    environ.pop("AWS_REGION")
    environ["AWS_DEFAULT_REGION"] = "us-east-1"
    proc, report = run_show_env(wrapper, environ)
    assert proc.returncode == 0, proc.stderr[:2000]
    assert report["env"]["X"] == VALUE
    # stdout is the runtime's report of its environment: the loaded value belongs there.
    assert_no_secrets(subprocess.CompletedProcess(proc.args, 0, "", proc.stderr), P_SECRET, P_TOKEN)
    lines = proc.stderr.splitlines()
    assert lines[0] == (
        "ssm-env-wrapper: credential_process of profile 'p' wrote: helper: got *** and ***"
    )
    assert lines[1] == (
        "ssm-env-wrapper: credential_process of profile 'p' wrote: helper: forged\\x1b[2J line"
    )
    assert "\x1b" not in proc.stderr
    assert len(proc.stderr) < 20000  # 2.4 MB written; at most 16 KiB shown
    assert lines[2].startswith("ssm-env-wrapper: credential_process of profile 'p' wrote: noise")
    assert lines[3].startswith(
        "ssm-env-wrapper: credential_process of profile 'p' wrote more on stderr: "
    )
    assert lines[4].startswith("ssm-env-wrapper: loaded 1 variable from /prod/app in ")
    assert len(lines) == 5


def test_a_failing_credential_process_stderr_is_masked(bare_env, wrapper, tmp_path):
    # The helper failed: its output is not credentials, but it may still hold one: every word
    # it printed is masked in what it wrote on stderr.
    command = helper(
        tmp_path,
        "import sys\n"
        f'print(\'{{"SecretAccessKey": "{P_SECRET}"\')\n'
        f"sys.stderr.write('cannot finish {P_SECRET}\\n')\n"
        "sys.exit(3)\n",
    )
    proc = run(wrapper, ["true"], profile_env(bare_env, tmp_path, command))
    assert_no_secrets(proc, P_SECRET)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        "ssm-env-wrapper: credential_process of profile 'p' wrote: cannot finish ***",
        "ssm-env-wrapper: credential_process of profile 'p' exited with status 3 (its own "
        "message, if any, is above); run it by hand to see why",
    ]
