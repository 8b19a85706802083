"""A profile's ``credential_process`` (botocore's ProcessProvider): its output, its errors naming the profile, bounded by the deadline, its secret masked."""

from __future__ import annotations

import sys
import textwrap

import pytest
from conftest import SDK_P_KEY, SDK_P_SECRET, SDK_P_TOKEN, timed_load
from credential_cases import SDK_VALUE, error_of, signed, write
from fake_ssm import FaultySsm, page


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
        SDK_P_KEY,
        "ap-southeast-2",
        SDK_P_TOKEN,
    )
    # The environment's region wins over the profile's, as in the SDKs.
    assert (
        signed(
            bare_env, AWS_CONFIG_FILE=config, AWS_PROFILE="dev", AWS_DEFAULT_REGION="ca-central-1"
        )[1]
        == "ca-central-1"
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
        (f"print('not json {SDK_P_SECRET}')", "did not print a JSON object"),
        (f"print('[\"{SDK_P_SECRET}\"]')", "did not print a JSON object"),
        (
            f"import json; print(json.dumps({{'Version': 2, 'AccessKeyId': 'A', 'SecretAccessKey': '{SDK_P_SECRET}'}}))",
            'did not print "Version": 1, the only version defined',
        ),
        (
            f"import json; print(json.dumps({{'Version': 1, 'SecretAccessKey': '{SDK_P_SECRET}'}}))",
            "printed no AccessKeyId and SecretAccessKey strings",
        ),
        (f"import sys; print('{SDK_P_SECRET}'); sys.exit(3)", "exited with status 3"),
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
    with FaultySsm([page([("/prod/app/X", SDK_VALUE)])]) as fake:
        environ["AWS_ENDPOINT_URL_SSM"] = fake.url
        load(Settings.from_environ(environ), environ, secrets=log.secrets)
    scrubbed = log.scrub(f"echoed: {SDK_P_SECRET} and {SDK_P_TOKEN}")
    assert SDK_P_SECRET not in scrubbed and SDK_P_TOKEN[:12] not in scrubbed, scrubbed


def test_a_secret_the_helper_escaped_in_its_json_is_masked_on_its_stderr(bare_env, tmp_path, capfd):
    # The helper's stderr is shown masked by the words it printed on stdout; JSON may escape
    # them ("\u0063..."), and an output refused (here: expired) teaches the load nothing.
    escaped = "".join(f"\\u{ord(c):04x}" for c in SDK_P_SECRET)
    script = tmp_path / "helper.py"
    script.write_text(
        "import sys\n"
        f"sys.stderr.write('using {SDK_P_SECRET}\\n')\n"
        'print(\'{"Version": 1, "AccessKeyId": "AKIAFAKE", "SecretAccessKey": "'
        + escaped.replace("\\", "\\\\")
        + '", "Expiration": "2000-01-01T00:00:00Z"}\')\n'
    )
    config = write(
        tmp_path, "config", f"[default]\ncredential_process = {sys.executable} {script}\n"
    )
    outcome, _ = timed_load(bare_env, SSM_ENV_PATHS="/prod/app", AWS_CONFIG_FILE=config)
    assert "credential_process" in str(outcome)
    shown = capfd.readouterr().err
    in_output = SDK_P_SECRET[:12] in shown + str(outcome)
    assert not in_output, "the helper's stderr showed the secret it printed escaped"
    assert "wrote: using ***" in shown
