"""The AWS config file through shipped forms: the Lambda path never imports its code, and its path is found on every interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import SRC, put
from credential_cases import SDK_VALUE, leaked, write
from pythons import PYTHONS


# --------------------------------------------------------------------------- cold start
def test_the_lambda_path_imports_nothing_of_the_config_file(env, ssm):
    # Environment credentials and AWS_REGION, as in Lambda: no config file code, no configparser,
    # shlex or subprocess (cold start matters).
    put(ssm, "/prod/app/X", SDK_VALUE)
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
