"""A config profile's credential_process and region through the wrapper, against moto."""

from __future__ import annotations

import subprocess

from conftest import assert_no_secrets, put, run_show_env
from credential_cases import SDK_VALUE, leaked, write


# --------------------------------------------------------------------------- the config file
def test_a_config_profile_with_credential_process_and_region_loads_from_moto(
    ssm, bare_env, wrapper, tmp_path, process_script
):
    put(ssm, "/prod/app/DB_PASSWORD", SDK_VALUE, "SecureString")
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
    assert report["env"]["DB_PASSWORD"] == SDK_VALUE
    assert "creds.py: fetching credentials\n" in proc.stderr  # its stderr, passed through
    assert not leaked(proc.stderr)
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr))
