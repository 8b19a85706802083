"""Issue 15: behave like the AWS SDKs. The config file (profiles, region, static keys,
credential_process), botocore's provider order, SSM_ENV_MAX_ATTEMPTS over AWS_MAX_ATTEMPTS,
x-amz-retry-after, the User-Agent, and `export --format dotenv` as docker compose reads it.

Credentials are told apart by the access key that signed a request at a fake SSM endpoint on
loopback; moto shows the whole path through the real wrapper.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT, SRC, assert_no_secrets, put, run, run_show_env, timed_load
from fake_ssm import ContainerCredentials, FaultySsm, page

from ssm_env_wrapper.cli import quote
from ssm_env_wrapper.errors import CredentialsError

VALUE = "sdkTestValue-DoNotPrint-7h6g5f"
P_KEY, P_SECRET, P_TOKEN = (
    "ASIAPROCESSKEY000001",
    "processSecret/DoNotPrint+Zx8Cv7Bn6",
    "processToken//DoNotPrint+Qw1Er2Ty3" + "p" * 30,
)
CF_KEY, CF_SECRET = "AKIACONFIGSTATIC0001", "configStaticSecret/DoNotPrint+Mn5Bv4"
F_KEY, F_SECRET = "AKIACREDFILEKEY00001", "credFileSecret/DoNotPrint+Lk9Jh8Gf"
C_KEY, C_SECRET = "ASIACONTAINERKEY0099", "containerSecret/DoNotPrint+Po0Iu9Yt"
E_KEY, E_SECRET = "AKIAENVIRONMENTKEY01", "environmentSecret/DoNotPrint+Rf4Tg5"
SECRETS = (P_SECRET, P_TOKEN, CF_SECRET, F_SECRET, C_SECRET, E_SECRET, VALUE)


def leaked(text: str) -> list[int]:
    return [i for i, secret in enumerate(SECRETS) if secret in text]


@pytest.fixture
def process_script(tmp_path):
    """A credential_process: prints Version 1 JSON, and a line on stderr (passed through)."""
    script = tmp_path / "creds.py"
    script.write_text(
        textwrap.dedent(f"""\
        import json, sys
        sys.stderr.write("creds.py: fetching credentials\\n")
        print(json.dumps({{"Version": 1, "AccessKeyId": "{P_KEY}", "SecretAccessKey": "{P_SECRET}",
                          "SessionToken": "{P_TOKEN}", "Expiration": "2099-01-01T00:00:00Z"}}))
        """)
    )
    return f"{sys.executable} {script}"


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def signed(env, **extra) -> tuple[str, str, str | None]:
    """Load one page from a fake endpoint: (access key, region of the scope, session token)."""
    with FaultySsm([page([("/prod/app/X", VALUE)])]) as fake:
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


# --------------------------------------------------------------------------- the config file


def test_a_config_profile_with_credential_process_and_region_loads_from_moto(
    ssm, bare_env, wrapper, tmp_path, process_script
):
    put(ssm, "/prod/app/DB_PASSWORD", VALUE, "SecureString")
    config = write(
        tmp_path,
        "config",
        f"""\
        [default]
        region = eu-west-3

        [profile dev]
        region = us-east-1
        credential_process = {process_script}
        """,
    )
    bare_env.pop("AWS_REGION")
    bare_env.update(SSM_ENV_PATHS="/prod/app", AWS_CONFIG_FILE=config, AWS_PROFILE="dev")
    proc, report = run_show_env(wrapper, bare_env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_PASSWORD"] == VALUE
    assert "creds.py: fetching credentials\n" in proc.stderr  # its stderr, passed through
    assert not leaked(proc.stderr)
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr))


def test_the_config_profile_region_and_credential_process_sign_the_request(
    bare_env, tmp_path, process_script
):
    config = write(
        tmp_path,
        "config",
        f"""\
        [profile dev]
        region = ap-southeast-2
        credential_process = {process_script}
        """,
    )
    bare_env.pop("AWS_REGION")
    assert signed(bare_env, AWS_CONFIG_FILE=config, AWS_PROFILE="dev") == (
        P_KEY,
        "ap-southeast-2",
        P_TOKEN,
    )
    # The environment's region wins over the profile's, as in the SDKs.
    assert (
        signed(
            bare_env, AWS_CONFIG_FILE=config, AWS_PROFILE="dev", AWS_DEFAULT_REGION="ca-central-1"
        )[1]
        == "ca-central-1"
    )


def test_default_section_static_keys_and_a_quoted_profile_name(bare_env, tmp_path):
    config = write(
        tmp_path,
        "config",
        f"""\
        [default]
        aws_access_key_id = {CF_KEY}
        aws_secret_access_key = {CF_SECRET}

        [profile "my team"]
        aws_access_key_id = AKIAQUOTEDPROFILE001
        aws_secret_access_key = quotedProfileSecret00
        region = sa-east-1

        [sso-session my-sso]
        sso_region = us-east-1
        """,
    )
    assert signed(bare_env, AWS_CONFIG_FILE=config)[0] == CF_KEY
    assert (
        signed(bare_env, AWS_CONFIG_FILE=config, AWS_PROFILE="my team")[0] == "AKIAQUOTEDPROFILE001"
    )


@pytest.mark.parametrize(
    "key",
    [
        "sso_session = my-sso",
        "role_arn = arn:aws:iam::1:role/r\nsource_profile = default",
        "web_identity_token_file = /t",
    ],
)
def test_a_profile_that_needs_an_sdk_points_to_credential_process(bare_env, tmp_path, key):
    config = write(tmp_path, "config", f"[profile work]\nregion = us-east-1\n{key}\n")
    message = error_of(bare_env, AWS_CONFIG_FILE=config, AWS_PROFILE="work")
    assert message.startswith(
        f"profile 'work' uses {key.split(' ', 1)[0]}, which needs an AWS SDK; "
    )
    assert (
        "credential_process = aws configure export-credentials --profile work --format process"
        in message
    )


def write_process(tmp_path, body: str) -> str:
    script = tmp_path / "bad.py"
    script.write_text(textwrap.dedent(body))
    return f"{sys.executable} {script}"


@pytest.mark.parametrize(
    "body, expect",
    [
        (f"print('not json {P_SECRET}')", "did not print a JSON object"),
        (f"print('[\"{P_SECRET}\"]')", "did not print a JSON object"),
        (
            f"import json; print(json.dumps({{'Version': 2, 'AccessKeyId': 'A', 'SecretAccessKey': '{P_SECRET}'}}))",
            'did not print "Version": 1, the only version defined',
        ),
        (
            f"import json; print(json.dumps({{'Version': 1, 'SecretAccessKey': '{P_SECRET}'}}))",
            "printed no AccessKeyId and SecretAccessKey strings",
        ),
        (f"import sys; print('{P_SECRET}'); sys.exit(3)", "exited with status 3"),
    ],
    ids=["not-json", "list", "version-2", "no-key", "exit-3"],
)
def test_a_bad_credential_process_output_is_one_line_naming_the_profile(
    bare_env, tmp_path, body, expect
):
    config = write(
        tmp_path, "config", f"[profile p]\ncredential_process = {write_process(tmp_path, body)}\n"
    )
    message = error_of(bare_env, AWS_CONFIG_FILE=config, AWS_PROFILE="p")
    assert message.startswith("credential_process of profile 'p' ")
    assert expect in message


def test_a_credential_process_that_hangs_is_bounded_by_the_deadline(bare_env, tmp_path):
    command = write_process(tmp_path, "import time; time.sleep(30)")
    config = write(tmp_path, "config", f"[profile p]\ncredential_process = {command}\n")
    outcome, elapsed = timed_load(
        bare_env,
        SSM_ENV_PATHS="/prod/app",
        SSM_ENV_TIMEOUT="0.5",
        AWS_CONFIG_FILE=config,
        AWS_PROFILE="p",
    )
    assert "did not finish within SSM_ENV_TIMEOUT" in str(outcome)
    assert elapsed < 0.5 + 2.0


def test_a_missing_credential_process_command_names_the_profile(bare_env, tmp_path):
    config = write(
        tmp_path, "config", "[profile p]\ncredential_process = /nonexistent/helper --x\n"
    )
    message = error_of(bare_env, AWS_CONFIG_FILE=config, AWS_PROFILE="p")
    assert message.startswith("credential_process of profile 'p': cannot run '/nonexistent/helper'")


def test_an_explicit_profile_in_no_file_is_an_error_before_the_container(bare_env, tmp_path):
    with ContainerCredentials(
        (200, {"AccessKeyId": C_KEY, "SecretAccessKey": C_SECRET})
    ) as provider:
        message = error_of(
            bare_env, AWS_PROFILE="nope", AWS_CONTAINER_CREDENTIALS_FULL_URI=provider.url
        )
        assert provider.requests == []
    assert message == (
        "no AWS credentials: profile 'nope' (AWS_PROFILE) is in neither "
        "/nonexistent/ssm-env-wrapper-tests/credentials nor "
        "/nonexistent/ssm-env-wrapper-tests/config; check the name"
    )


# --------------------------------------------------------------------------- the order, pairwise


def _providers(tmp_path, process_script, which: set[str], env: dict) -> dict:
    """An environment offering the providers named in ``which`` for profile ``default``."""
    extra: dict[str, str] = {}
    if "env" in which:
        extra.update(AWS_ACCESS_KEY_ID=E_KEY, AWS_SECRET_ACCESS_KEY=E_SECRET)
    if "credfile" in which:
        extra["AWS_SHARED_CREDENTIALS_FILE"] = write(
            tmp_path,
            "credentials",
            f"[default]\naws_access_key_id = {F_KEY}\naws_secret_access_key = {F_SECRET}\n",
        )
    config = []
    if "process" in which:
        config.append(f"credential_process = {process_script}")
    if "configkeys" in which:
        config += [f"aws_access_key_id = {CF_KEY}", f"aws_secret_access_key = {CF_SECRET}"]
    if config:
        extra["AWS_CONFIG_FILE"] = write(
            tmp_path, "config", "[default]\n" + "\n".join(config) + "\n"
        )
    return extra


ORDER = ["env", "credfile", "process", "configkeys", "container"]
KEYS = {"env": E_KEY, "credfile": F_KEY, "process": P_KEY, "configkeys": CF_KEY, "container": C_KEY}


@pytest.mark.parametrize(
    "first, second", [(a, b) for i, a in enumerate(ORDER) for b in ORDER[i + 1 :]], ids=lambda p: p
)
def test_the_provider_order_is_botocores_pairwise(
    bare_env, tmp_path, process_script, first, second
):
    extra = _providers(tmp_path, process_script, {first, second}, bare_env)
    with ContainerCredentials(
        (200, {"AccessKeyId": C_KEY, "SecretAccessKey": C_SECRET})
    ) as provider:
        if "container" in (first, second):
            extra["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = provider.url
        assert signed(bare_env, **extra)[0] == KEYS[first]
        assert provider.requests == []  # the later provider is not even asked
    # And the second alone works, so the pair really had two candidates.
    alone = _providers(tmp_path, process_script, {second}, bare_env)
    with ContainerCredentials(
        (200, {"AccessKeyId": C_KEY, "SecretAccessKey": C_SECRET})
    ) as provider:
        if second == "container":
            alone["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = provider.url
        assert signed(bare_env, **alone)[0] == KEYS[second]


# --------------------------------------------------------------------------- attempts, retry-after

THROTTLE = (400, {"__type": "ThrottlingException", "message": "Rate exceeded"})


@pytest.mark.parametrize(
    "extra, attempts, named",
    [
        ({"AWS_MAX_ATTEMPTS": "2"}, 2, "AWS_MAX_ATTEMPTS=2"),
        ({"SSM_ENV_MAX_ATTEMPTS": "3", "AWS_MAX_ATTEMPTS": "1"}, 3, "SSM_ENV_MAX_ATTEMPTS=3"),
        ({"SSM_ENV_MAX_ATTEMPTS": "1", "AWS_MAX_ATTEMPTS": "5"}, 1, "SSM_ENV_MAX_ATTEMPTS=1"),
    ],
    ids=["aws-only", "ssm-env-wins-up", "ssm-env-wins-down"],
)
def test_ssm_env_max_attempts_wins_over_aws_max_attempts(env, extra, attempts, named):
    with FaultySsm([THROTTLE] * 6) as fake:
        outcome, _ = timed_load(
            env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", **extra
        )
        assert len(fake.requests) == attempts
    word = "attempt" if attempts == 1 else "attempts"
    assert str(outcome).endswith(f"(after {attempts} {word}; {named})")


def test_a_bad_ssm_env_max_attempts_names_it(env):
    outcome, _ = timed_load(env, SSM_ENV_PATHS="/prod/app", SSM_ENV_MAX_ATTEMPTS="many")
    assert (
        str(outcome)
        == "SSM_ENV_MAX_ATTEMPTS must be a whole number above 0 and at most 100, got 'many'"
    )


def test_the_cli_max_attempts_option_is_the_wrappers_own(env):
    with FaultySsm([THROTTLE] * 6) as fake:
        proc = run(
            [sys.executable, str(ROOT / "bin" / "wrapper")],
            ["--max-attempts", "2", "--path", "/prod/app", "--", "true"],
            dict(env, AWS_ENDPOINT_URL_SSM=fake.url, AWS_MAX_ATTEMPTS="5"),
        )
        assert len(fake.requests) == 2
    assert proc.returncode == 1 and "(after 2 attempts; --max-attempts 2)" in proc.stderr


def test_the_api_max_attempts_argument(env, api):
    with FaultySsm([THROTTLE] * 6) as fake:
        with pytest.raises(api.SsmEnvError, match=r"\(after 2 attempts; max_attempts=2\)$"):
            api.load_parameters(
                "/prod/app", environ=dict(env), endpoint_url=fake.url, max_attempts=2
            )
        assert len(fake.requests) == 2


@pytest.mark.parametrize(
    "header, low, high",
    [
        ("1500", 1.5, 1.5 + 0.2),  # honoured
        ("60000", 5.0, 5.0 + 0.2),  # at most 5 s more than the backoff (botocore's bound)
        ("soon", 0.0, 0.2),  # not milliseconds: ignored
        ("-5", 0.0, 0.2),
    ],
)
def test_x_amz_retry_after_is_honoured_within_bounds(env, header, low, high):
    from conftest import client_config

    from ssm_env_wrapper.deadline import Deadline
    from ssm_env_wrapper.keys import Credentials
    from ssm_env_wrapper.ssm import SsmClient

    waits: list[float] = []
    throttled = (
        400,
        {"__type": "ThrottlingException", "message": "Rate exceeded"},
        {"x-amz-retry-after": header},
    )
    with FaultySsm([throttled, page([])]) as fake:
        client = SsmClient(
            client_config(
                fake.url,
                Credentials("AKIDTEST", "secretsecret"),
                deadline=Deadline(30),
                sleep=waits.append,
            )
        )
        with client:
            assert list(client.get_parameters_by_path("/prod/app")) == []
    assert len(waits) == 1 and low <= waits[0] <= high


def test_a_retry_after_past_the_deadline_fails_at_once(env):
    throttled = (
        400,
        {"__type": "ThrottlingException", "message": "Rate exceeded"},
        {"x-amz-retry-after": "4000"},
    )
    with FaultySsm([throttled, page([])]) as fake:
        outcome, elapsed = timed_load(
            env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", SSM_ENV_TIMEOUT="1"
        )
        assert len(fake.requests) == 1
    assert "not done within SSM_ENV_TIMEOUT=1 s" in str(outcome)
    assert elapsed < 1.0


# --------------------------------------------------------------------------- User-Agent


def user_agent_of(env, **extra) -> str:
    with FaultySsm([page([])]) as fake:
        result, _ = timed_load(
            env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", **extra
        )
        assert not isinstance(result, Exception), str(result)
        return fake.requests[0]["headers"]["User-Agent"]


def test_the_user_agent_has_the_sdks_parts(env):
    from ssm_env_wrapper import __version__

    agent = user_agent_of(
        env, AWS_EXECUTION_ENV="AWS_Lambda_python3.12", AWS_SDK_UA_APP_ID="billing-api"
    )
    parts = agent.split(" ")
    assert parts[0] == f"ssm-env-wrapper/{__version__}"
    major, minor = sys.version_info[:2]
    assert any(p.startswith(f"lang/python#{major}.{minor}.") for p in parts), agent
    assert "exec-env/AWS_Lambda_python3.12" in parts
    assert parts[-1] == "app/billing-api"


def test_the_user_agent_without_lambda_or_app_id(env):
    agent = user_agent_of(env)
    assert "exec-env/" not in agent and "app/" not in agent


def test_the_user_agent_is_cleaned_and_bounded_as_the_sdks_do(env):
    agent = user_agent_of(
        env,
        AWS_SDK_UA_APP_ID="my app\r\nX-Injected: 1 " + "z" * 100,
        AWS_EXECUTION_ENV="AWS_Lambda_python3.12\nEvil: yes",
    )
    parts = agent.split(" ")
    # Every character outside botocore's set becomes "-"; the app id is cut at 50 characters.
    assert [p for p in parts if p.startswith("app/")] == ["app/my-app--X-Injected--1-" + "z" * 28]
    assert "exec-env/AWS_Lambda_python3.12-Evil--yes" in parts
    assert "\r" not in agent and "\n" not in agent and "X-Injected: " not in agent


# --------------------------------------------------------------------------- dotenv as compose reads it


def compose_single_quoted(text: str) -> tuple[str, str]:
    """compose-go's dotenv ``extractVarValue`` for a value that starts with ``'`` (parser.go at
    compose-spec/compose-go e70e961): returns (value, rest). No escape processing and no
    interpolation for single quotes, only this loop."""
    assert text[0] == "'"
    chars: list[str] = []
    previous_is_escape = False
    for i in range(1, len(text)):
        char = text[i]
        if char != "'":
            if not previous_is_escape and char == "\\":
                previous_is_escape = True
                continue
            if previous_is_escape:
                previous_is_escape = False
                chars.append("\\")
            chars.append(char)
            continue
        if previous_is_escape:
            previous_is_escape = False
            chars.append(char)
            continue
        return "".join(chars), text[i + 1 :]
    raise ValueError("unterminated quoted value")


def test_the_reimplementation_follows_composes_documented_examples():
    # "Syntax for environment files in Docker Compose" (docs.docker.com/compose/env-file/).
    assert compose_single_quoted("'$OTHER'")[0] == "$OTHER"
    assert compose_single_quoted("'Let\\'s go!'")[0] == "Let's go!"
    assert compose_single_quoted("'some\\tvalue'")[0] == "some\\tvalue"


HOSTILE = [
    "plain",
    "it's",
    "'''",
    "a\\b",
    "a\\\\b",
    "C:\\new\\table",
    "${HOME} $HOME $$",
    "line1\nline2\r\n",
    "\\\\'",
    "x\\\\",
    "tab\there",
    "# not a comment",
    '"double"',
    "\\n\\t\\\\",
    "üñí ✓",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_dotenv_values_read_back_exactly_as_compose_reads_them(value):
    line = f"KEY={quote(value, 'dotenv')}\n"
    parsed, rest = compose_single_quoted(line[len("KEY=") :])
    assert parsed == value and rest == "\n"


@pytest.mark.parametrize("value", ["ends\\", "odd\\'quote", "\\\\\\", "a\\\\\\'b"])
def test_dotenv_refuses_what_compose_cannot_hold(value):
    with pytest.raises(ValueError):
        quote(value, "dotenv")


def test_export_dotenv_refuses_with_one_line_naming_the_variable(ssm, env):
    put(ssm, "/dev/app/WIN_PATH", "C:\\temp\\")
    put(ssm, "/dev/app/OK", VALUE)
    proc = run(
        [sys.executable, str(ROOT / "bin" / "wrapper")], ["export", "--path", "/dev/app"], env
    )
    assert proc.returncode == 1 and proc.stdout == ""  # nothing half-printed
    assert proc.stderr.startswith("ssm-env-wrapper: export --format dotenv: the value of WIN_PATH ")
    assert VALUE not in proc.stderr and "temp" not in proc.stderr


# --------------------------------------------------------------------------- cold start


def test_the_lambda_path_imports_nothing_of_the_config_file(env, ssm):
    # Environment credentials and AWS_REGION, as in Lambda: no config file code, no configparser,
    # shlex or subprocess (cold start matters).
    put(ssm, "/prod/app/X", VALUE)
    code = (
        "import sys, ssm_env_wrapper as s; s.load(s.Settings.from_environ()); "
        "print(' '.join(sorted(m for m in ('ssm_env_wrapper.config_file', 'configparser', "
        "'shlex', 'subprocess') if m in sys.modules)))"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(SRC)!r}); {code}"],
        env=dict(env, SSM_ENV_PATHS="/prod/app"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_a_bad_region_in_the_config_file_names_it(bare_env, tmp_path):
    config = write(
        tmp_path,
        "config",
        f"""\
        [default]
        region = evil.example.com/
        aws_access_key_id = {CF_KEY}
        aws_secret_access_key = {CF_SECRET}
        """,
    )
    bare_env.pop("AWS_REGION")
    outcome, _ = timed_load(bare_env, SSM_ENV_PATHS="/prod/app", AWS_CONFIG_FILE=config)
    assert str(outcome) == (
        "region = 'evil.example.com/' in the config file is not an AWS region "
        "name (expected something like us-east-1)"
    )


def test_a_config_file_that_cannot_be_parsed_names_it_and_prints_no_secret(bare_env, tmp_path):
    config = write(tmp_path, "config", f"aws_secret_access_key = {CF_SECRET}\n[default\n")
    outcome, _ = timed_load(bare_env, SSM_ENV_PATHS="/prod/app", AWS_CONFIG_FILE=config)
    message = str(outcome)
    assert message.startswith(f"the config file {config} cannot be parsed (")
    assert not leaked(message)


def test_no_region_anywhere_says_where_to_set_it(bare_env, tmp_path):
    bare_env.pop("AWS_REGION")
    config = write(tmp_path, "config", "[profile other]\nregion = eu-west-1\n")
    outcome, _ = timed_load(
        bare_env,
        SSM_ENV_PATHS="/prod/app",
        AWS_CONFIG_FILE=config,
        AWS_ACCESS_KEY_ID=E_KEY,
        AWS_SECRET_ACCESS_KEY=E_SECRET,
    )
    assert str(outcome) == (
        "no AWS region: set AWS_REGION (Lambda sets it for you), "
        "AWS_DEFAULT_REGION or region in the profile of the config file"
    )


def test_a_credential_process_that_prints_without_end_is_stopped(bare_env, tmp_path):
    command = write_process(
        tmp_path, "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n"
    )
    config = write(tmp_path, "config", f"[profile p]\ncredential_process = {command}\n")
    message = error_of(bare_env, AWS_CONFIG_FILE=config, AWS_PROFILE="p")
    assert (
        message
        == "credential_process of profile 'p' printed more than 1 MiB; it must print one small JSON object"
    )


def test_a_credential_process_whose_child_keeps_the_pipe_is_bounded(bare_env, tmp_path):
    # The helper exits at once but leaves a child holding its stdout: the deadline still bounds it.
    command = write_process(
        tmp_path,
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(5)'])\n",
    )
    config = write(tmp_path, "config", f"[profile p]\ncredential_process = {command}\n")
    outcome, elapsed = timed_load(
        bare_env,
        SSM_ENV_PATHS="/prod/app",
        SSM_ENV_TIMEOUT="1",
        AWS_CONFIG_FILE=config,
        AWS_PROFILE="p",
    )
    assert "did not finish within SSM_ENV_TIMEOUT" in str(outcome)
    assert elapsed < 1 + 2.0


from pythons import PYTHONS  # noqa: E402  (the interpreters this machine has)


@pytest.mark.parametrize("version", sorted(PYTHONS, key=lambda v: tuple(map(int, v.split(".")))))
def test_the_config_file_path_on_every_interpreter(
    version, built, ssm, bare_env, tmp_path, process_script
):
    # credential_process (subprocess, a reader thread), configparser and the profile's region,
    # in the single file, on each CPython from 3.9.
    put(ssm, "/py/app/X", f"loaded-by-{version}")
    config = write(
        tmp_path,
        "config",
        f"[profile dev]\nregion = us-east-1\ncredential_process = {process_script}\n",
    )
    bare_env.pop("AWS_REGION")
    bare_env.update(SSM_ENV_PATHS="/py/app", AWS_CONFIG_FILE=config, AWS_PROFILE="dev")
    proc = subprocess.run(
        [PYTHONS[version], "-I", "-S", str(built["single"]), "sh", "-c", 'printf "%s" "$X"'],
        env=bare_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"loaded-by-{version}"
    assert not leaked(proc.stderr)


def test_a_credential_process_secret_is_masked_by_the_log_as_by_errors(
    bare_env, tmp_path, process_script
):
    # One redactor for the load and the log: the secrets a credential_process printed join it,
    # so a line the log writes later (a debug line, a report) masks them too.
    from ssm_env_wrapper import Settings, load
    from ssm_env_wrapper.log import Log

    config = write(tmp_path, "config", f"[default]\ncredential_process = {process_script}\n")
    environ = dict(bare_env, AWS_CONFIG_FILE=config, SSM_ENV_PATHS="/prod/app")
    log = Log()
    with FaultySsm([page([("/prod/app/X", VALUE)])]) as fake:
        environ["AWS_ENDPOINT_URL_SSM"] = fake.url
        load(Settings.from_environ(environ), environ, secrets=log.secrets)
    scrubbed = log.scrub(f"echoed: {P_SECRET} and {P_TOKEN}")
    assert P_SECRET not in scrubbed and P_TOKEN[:12] not in scrubbed, scrubbed
