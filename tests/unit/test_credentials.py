"""Issue 4, credentials: the environment, the container provider (a loopback server standing in
for the SnapStart/ECS/EKS agent), the shared credentials file, their order, their failures, and
proof that the EC2 instance metadata service is never contacted.

A fake SSM endpoint shows which credentials signed a request (the access key in Authorization,
the session token in X-Amz-Security-Token); moto shows that they load end to end.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from conftest import (
    ACCESS_KEY,
    SECRET_KEY,
    SESSION_TOKEN,
    assert_no_secrets,
    free_port,
    put,
    run,
    run_show_env,
    timed_load,
    wait_for,
)
from fake_ssm import ContainerCredentials, FaultySsm, SilentServer, page

from ssm_env_wrapper.credentials import resolve_credentials
from ssm_env_wrapper.errors import CredentialsError

MARGIN = 2.0

# Distinctive credentials from each provider: none may ever be printed.
C_KEY, C_SECRET = "ASIACONTAINERKEY0001", "containerSecret/DoNotPrint+Jk3m9QwZ"
C_TOKEN = "containerToken//DoNotPrint+IQoJb3JpZ2luX2Vj" + "t" * 40
AUTH = "containerAuthToken-DoNotPrint-4f5e6d7c"
F_KEY, F_SECRET, F_TOKEN = (
    "AKIAFILEDEFAULT00001",
    "fileSecret/DoNotPrint+Hh7Yt2LmQ",
    "fileToken-DoNotPrint-8s7d6f5g4h",
)
D_KEY, D_SECRET = "AKIAFILEDEVPROFILE01", "devSecret/DoNotPrint+Pp0Oo9Ii8U"
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
CREDENTIALS_FILE = f"""\
[default]
aws_access_key_id = {F_KEY}
aws_secret_access_key = {F_SECRET}
aws_session_token = {F_TOKEN}

[dev]
aws_access_key_id = {D_KEY}
aws_secret_access_key = {D_SECRET}

[only-key]
aws_access_key_id = AKIAONLYKEY000000001
"""


@pytest.fixture
def credentials_file(tmp_path):
    path = tmp_path / "credentials"
    path.write_text(CREDENTIALS_FILE)
    return str(path)


load = timed_load


def signed_by(env, **extra) -> tuple[str, str | None]:
    """Load one page from a fake endpoint; return (access key, session token) that signed it."""
    with FaultySsm([page([("/prod/app/X", VALUE)])]) as fake:
        result, _ = load(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", **extra)
        assert not isinstance(result, Exception), str(result)
        assert result.variables == {"X": VALUE}
        headers = fake.requests[0]["headers"]
    credential = headers["Authorization"].split("Credential=", 1)[1].split("/", 1)[0]
    return credential, headers.get("X-Amz-Security-Token")


def credentials_error(outcome) -> str:
    assert isinstance(outcome, CredentialsError), type(outcome).__name__
    message = str(outcome)
    assert not [s for s in SECRETS + (SECRET_KEY, SESSION_TOKEN) if s in message], "a secret leaked"
    assert "\n" not in message
    return message


@pytest.fixture
def no_network(monkeypatch):
    """Record (and refuse) every outgoing connection and name lookup made in this process."""
    attempts: list[tuple[str, object]] = []

    def refuse(kind):
        def call(*args, **kwargs):
            attempts.append((kind, args))
            raise ConnectionRefusedError(111, "Connection refused (test: no network)")

        return call

    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    return attempts


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


def test_container_credentials_sign_the_requests(bare_env):
    with ContainerCredentials(CONTAINER_ANSWER) as provider:
        used = signed_by(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
            AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH,
        )
        assert len(provider.requests) == 1
    assert used == (C_KEY, C_TOKEN)


def test_the_token_file_wins_over_the_token_variable(bare_env, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(f"  {AUTH}\n")
    with ContainerCredentials(CONTAINER_ANSWER) as provider:
        used = signed_by(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
            AWS_CONTAINER_AUTHORIZATION_TOKEN="the-variable-loses",
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token_file),
        )
        assert provider.requests[0]["headers"]["authorization"] == AUTH
    assert used == (C_KEY, C_TOKEN)


def test_no_token_sends_no_authorization(bare_env):
    with ContainerCredentials(CONTAINER_ANSWER) as provider:
        assert signed_by(bare_env, AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url) == (
            C_KEY,
            C_TOKEN,
        )
        assert "authorization" not in provider.requests[0]["headers"]


def test_a_token_file_that_cannot_be_read_names_the_variable(bare_env, tmp_path):
    with ContainerCredentials(CONTAINER_ANSWER) as provider:
        outcome, _ = load(
            bare_env,
            SSM_ENV_PATHS="/prod/app",
            AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(tmp_path / "missing"),
        )
        assert provider.requests == []
    message = credentials_error(outcome)
    assert (
        f"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE={str(tmp_path / 'missing')!r} cannot be read"
        in message
    )


@pytest.mark.parametrize(
    "answer, expect",
    [
        ((401, {"message": f"invalid token {AUTH}"}), "answered HTTP 401 without credentials"),
        ((403, "Forbidden"), "answered HTTP 403 without credentials"),
        ((500, "<html>oops</html>"), "answered HTTP 500 without credentials"),
        ((200, "\x00garbage\xff not json"), "answered HTTP 200 without credentials"),
        ((200, ["AccessKeyId", "SecretAccessKey"]), "answered HTTP 200 without credentials"),
        ((200, {"AccessKeyId": C_KEY, "Token": C_TOKEN}), "has no AccessKeyId and SecretAccessKey"),
        (
            (200, {"AccessKeyId": "", "SecretAccessKey": C_SECRET}),
            "has no AccessKeyId and SecretAccessKey",
        ),
        (
            (200, {"AccessKeyId": 5, "SecretAccessKey": C_SECRET}),
            "has no AccessKeyId and SecretAccessKey",
        ),
    ],
    ids=["401", "403", "500-html", "garbage", "json-list", "no-secret", "empty-key", "number-key"],
)
def test_a_provider_answer_without_credentials_is_a_credentials_error(bare_env, answer, expect):
    with ContainerCredentials(answer) as provider, FaultySsm([page([])]) as fake:
        outcome, elapsed = load(
            bare_env,
            SSM_ENV_PATHS="/prod/app",
            AWS_ENDPOINT_URL_SSM=fake.url,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
            AWS_CONTAINER_AUTHORIZATION_TOKEN=AUTH,
        )
        assert len(provider.requests) == 1  # not retried
        assert fake.requests == []  # nothing is signed with nothing
    message = credentials_error(outcome)
    assert message.startswith("no AWS credentials: ")
    assert f"the container credentials provider at {provider.url.rsplit('/', 1)[0]}" in message
    assert expect in message
    assert elapsed < 5 + MARGIN


def test_a_provider_that_cannot_be_reached_is_a_credentials_error(bare_env):
    port = free_port()
    outcome, elapsed = load(
        bare_env,
        SSM_ENV_PATHS="/prod/app",
        AWS_CONTAINER_CREDENTIALS_FULL_URI=f"http://127.0.0.1:{port}/creds",
    )
    message = credentials_error(outcome)
    assert message.startswith(
        f"no AWS credentials: cannot reach the container credentials provider "
        f"at http://127.0.0.1:{port} ("
    )
    assert elapsed < 1.0


def test_a_provider_that_never_answers_is_bounded_by_the_deadline(bare_env):
    with SilentServer() as silent:
        outcome, elapsed = load(
            bare_env,
            SSM_ENV_PATHS="/prod/app",
            SSM_ENV_TIMEOUT="0.3",
            AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{silent.url}/creds",
        )
        assert wait_for(lambda: silent.accepted >= 1)  # counted by the listener's own thread
        assert silent.accepted == 1
    message = credentials_error(outcome)
    assert "cannot reach the container credentials provider" in message
    assert elapsed < 0.3 + MARGIN


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/creds",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/role",
        "http://10.0.0.7:8080/creds",
        "http://ssm.test.invalid/creds",
    ],
)
def test_full_uri_over_plain_http_must_be_loopback_or_an_agent(bare_env, no_network, url):
    outcome, elapsed = load(
        bare_env, SSM_ENV_PATHS="/prod/app", AWS_CONTAINER_CREDENTIALS_FULL_URI=url
    )
    message = credentials_error(outcome)
    host = url.split("/")[2].split(":")[0]
    assert message.startswith(
        f"AWS_CONTAINER_CREDENTIALS_FULL_URI: {host} is not a container credentials host"
    )
    # Refused before any connection; a name is looked up (plain http may go to a name that
    # resolves only to loopback: tests/unit/test_container_host.py), an address never.
    assert [kind for kind, _ in no_network] == (["getaddrinfo"] if host[0].isalpha() else [])
    assert elapsed < 1.0


def test_relative_uri_asks_the_ecs_agent_address(bare_env, no_network):
    outcome, _ = load(
        bare_env,
        SSM_ENV_PATHS="/prod/app",
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="/v2/credentials/abc",
    )
    message = credentials_error(outcome)
    assert "cannot reach the container credentials provider at http://169.254.170.2 " in message
    assert len(no_network) == 1 and no_network[0][0] in ("create_connection", "getaddrinfo")
    args = no_network[0][1]
    host, port = args[0] if no_network[0][0] == "create_connection" else args[:2]
    assert (host.decode() if isinstance(host, bytes) else host, port) == ("169.254.170.2", 80)


# ------------------------------------------------------------------- the shared credentials file


@pytest.mark.parametrize(
    "profile, expect",
    [
        (None, (F_KEY, F_TOKEN)),
        ("dev", (D_KEY, None)),
    ],
)
def test_the_shared_credentials_file_and_its_profiles(bare_env, credentials_file, profile, expect):
    extra = {"AWS_SHARED_CREDENTIALS_FILE": credentials_file}
    if profile:
        extra["AWS_PROFILE"] = profile
    assert signed_by(bare_env, **extra) == expect


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


@pytest.mark.parametrize("profile", ["missing", "only-key"])
def test_a_profile_without_keys_is_an_error_naming_it(bare_env, credentials_file, profile):
    outcome, _ = load(
        bare_env,
        SSM_ENV_PATHS="/prod/app",
        AWS_SHARED_CREDENTIALS_FILE=credentials_file,
        AWS_PROFILE=profile,
    )
    message = credentials_error(outcome)
    if profile == "missing":  # botocore: ProfileNotFound
        assert message == (
            f"no AWS credentials: profile 'missing' (AWS_PROFILE) is in neither "
            f"{credentials_file} nor /nonexistent/ssm-env-wrapper-tests/config; "
            "check the name"
        )
    else:  # botocore: PartialCredentialsError, not a silent fall-through
        assert message == (
            f"profile 'only-key' in {credentials_file} has aws_access_key_id but no "
            "aws_secret_access_key; add it or remove both"
        )


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


def test_a_file_that_cannot_be_parsed_says_so(bare_env, tmp_path):
    path = tmp_path / "credentials"
    path.write_text(f"aws_secret_access_key = {F_SECRET}\n[default\n")
    outcome, _ = load(bare_env, SSM_ENV_PATHS="/prod/app", AWS_SHARED_CREDENTIALS_FILE=str(path))
    message = credentials_error(outcome)
    assert message.startswith(f"the shared credentials file {path} cannot be parsed (")


# ------------------------------------------------------------------------------------- the order


def test_environment_keys_win_over_the_container_and_the_file(env, credentials_file):
    with ContainerCredentials(CONTAINER_ANSWER) as provider:
        used = signed_by(
            env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
            AWS_SHARED_CREDENTIALS_FILE=credentials_file,
            AWS_PROFILE="dev",
        )
        assert provider.requests == []  # not even asked
    assert used == (ACCESS_KEY, SESSION_TOKEN)


def test_the_file_wins_over_the_container(bare_env, credentials_file):
    # botocore's order (issue 15): the profile's files before the container provider.
    with ContainerCredentials(CONTAINER_ANSWER) as provider:
        used = signed_by(
            bare_env,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
            AWS_SHARED_CREDENTIALS_FILE=credentials_file,
        )
        assert provider.requests == []
    assert used == (F_KEY, F_TOKEN)


def test_half_the_environment_keys_is_an_error_not_a_fallback(bare_env, credentials_file):
    # Only the secret: the file must not be used silently in its place.
    outcome, _ = load(
        bare_env,
        SSM_ENV_PATHS="/prod/app",
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_SHARED_CREDENTIALS_FILE=credentials_file,
    )
    assert "AWS_ACCESS_KEY_ID is not set" in credentials_error(outcome)


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


def test_the_metadata_service_is_never_contacted_in_process(bare_env, no_network):
    began = time.monotonic()
    with pytest.raises(CredentialsError, match="^no AWS credentials: looked in the environment"):
        resolve_credentials(dict(bare_env, AWS_EC2_METADATA_DISABLED="false"))
    outcome, _ = load(bare_env, SSM_ENV_PATHS="/prod/app")
    credentials_error(outcome)
    assert time.monotonic() - began < 1.0
    assert no_network == []


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


# ------------------------------------------------- credential_process and local files at the edge

P_KEY, P_SECRET = "ASIAPROCESSEDGE00001", "processEdgeSecret/DoNotPrint+Vb7Nm3Qx"
P_TOKEN = "processEdgeToken//DoNotPrint+Lk2Jh8Gf" + "e" * 30


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


def one_line_failure(proc) -> str:
    """The wrapper's run ended with exit 1 and one line, no traceback, no secret."""
    assert_no_secrets(proc, P_SECRET, P_TOKEN)
    assert not [s for s in SECRETS if s in proc.stderr], "a secret reached stderr"
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


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


def run_briefly(wrapper, environ, limit: float = 10.0):
    """The wrapper around `true`, killed after ``limit`` seconds (a hang is a failure, not a
    minute of waiting)."""
    try:
        return subprocess.run(
            wrapper + ["true"], env=environ, capture_output=True, text=True, timeout=limit
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the wrapper still ran after {limit} s")


@pytest.mark.parametrize(
    "variable, kind",
    [("AWS_CONFIG_FILE", "config"), ("AWS_SHARED_CREDENTIALS_FILE", "shared credentials")],
)
def test_a_huge_config_or_credentials_file_is_refused_at_once(
    bare_env, wrapper, tmp_path, variable, kind
):
    # 64 MiB (sparse: no disk), SSM_ENV_TIMEOUT=1: refused from its size, before a byte is read.
    path = tmp_path / "huge"
    with open(path, "wb") as handle:
        handle.write(b"[default]\nregion = us-east-1\n")
        handle.truncate(64 << 20)
    environ = dict(
        bare_env, SSM_ENV_PATHS="/prod/app", SSM_ENV_TIMEOUT="1", **{variable: str(path)}
    )
    began = time.monotonic()
    proc = run_briefly(wrapper, environ)
    assert time.monotonic() - began < 1 + MARGIN
    assert one_line_failure(proc) == (
        f"ssm-env-wrapper: the {kind} file {path} is larger than 1 MiB, which no profile "
        f"needs; fix it or point {variable} at another file"
    )


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "directory"])
@pytest.mark.parametrize("variable", ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"])
def test_a_config_file_that_is_not_a_regular_file_is_never_read(
    bare_env, tmp_path, special, variable
):
    # As botocore (os.path.isfile): not a file, so no profiles. Opened without blocking and
    # checked on the descriptor, so that a FIFO swapped in after a check cannot hang the start.
    from ssm_env_wrapper.config_file import read_profiles

    path = {"fifo": str(tmp_path / "fifo"), "directory": str(tmp_path)}.get(special, special)
    if special == "fifo":
        os.mkfifo(path)
    outcome, elapsed = load(bare_env, SSM_ENV_PATHS="/prod/app", **{variable: path})
    assert elapsed < MARGIN
    assert credentials_error(outcome).startswith("no AWS credentials: looked in the environment")
    assert read_profiles(path, config=variable == "AWS_CONFIG_FILE") is None


def test_reading_a_config_file_is_bounded_by_the_deadline(tmp_path):
    # Each chunk read asks the deadline: a file on a slow disk or network mount stops at it.
    from ssm_env_wrapper.config_file import read_profiles
    from ssm_env_wrapper.deadline import Deadline
    from ssm_env_wrapper.errors import ConfigError

    path = tmp_path / "config"
    path.write_text("[default]\n" + "# padding\n" * 50000)
    ticks = iter(range(10**6))
    deadline = Deadline(3, clock=lambda: float(next(ticks)))
    with pytest.raises(ConfigError) as caught:
        read_profiles(str(path), config=True, deadline=deadline)
    assert str(caught.value) == (
        f"the config file {path} could not be read within SSM_ENV_TIMEOUT (3 s); "
        "fix it or point AWS_CONFIG_FILE at another file"
    )


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "huge"])
def test_a_token_file_that_is_not_a_small_regular_file_is_refused(
    bare_env, wrapper, tmp_path, special
):
    # A FIFO blocked open() for ever; /dev/zero filled memory; a token is a few KiB.
    path = {"fifo": str(tmp_path / "fifo"), "huge": str(tmp_path / "huge")}.get(special, special)
    if special == "fifo":
        os.mkfifo(path)
    elif special == "huge":
        with open(path, "wb") as handle:
            handle.truncate(64 << 20)
    reason = "larger than 64 KiB" if special == "huge" else "not a regular file"
    with ContainerCredentials(CONTAINER_ANSWER) as provider:
        environ = dict(
            bare_env,
            SSM_ENV_PATHS="/prod/app",
            SSM_ENV_TIMEOUT="2",
            AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url,
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=path,
        )
        proc = run_briefly(wrapper, environ)
        assert provider.requests == []
    assert one_line_failure(proc) == (
        f"ssm-env-wrapper: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE={path!r} cannot be read "
        f"({reason}); fix the path or unset it"
    )


@pytest.mark.parametrize("special", ["fifo", "huge"])
def test_a_ca_bundle_that_is_not_a_small_regular_file_is_refused(env, wrapper, tmp_path, special):
    # OpenSSL blocks for ever opening a FIFO, and parses whatever size it is given.
    path = str(tmp_path / special)
    if special == "fifo":
        os.mkfifo(path)
    else:
        with open(path, "wb") as handle:
            handle.truncate(64 << 20)
    reason = "larger than 16 MiB" if special == "huge" else "not a regular file"
    environ = dict(
        env,
        SSM_ENV_PATHS="/prod/app",
        SSM_ENV_TIMEOUT="2",
        AWS_ENDPOINT_URL_SSM="https://127.0.0.1:9",
        AWS_CA_BUNDLE=path,
    )
    proc = run_briefly(wrapper, environ)
    assert one_line_failure(proc) == (
        f"ssm-env-wrapper: AWS_CA_BUNDLE={path!r} cannot be read as PEM certificates "
        f"({reason}); point it at them or unset it"
    )
