"""The single file on every CPython this machine has (3.9 and newer), not only the test runner's:
vermin checks the syntax and library calls, this runs them. Interpreters are found on PATH
(python3.9 ... python3.14) and under pyenv; the running one is always included."""

from __future__ import annotations

import subprocess

import pytest
from conftest import put
from pythons import PYTHONS


@pytest.mark.parametrize("version", sorted(PYTHONS, key=lambda v: tuple(map(int, v.split(".")))))
def test_the_single_file_loads_and_execs_on(version, built, ssm, env):
    python = PYTHONS[version]
    put(ssm, "/py/app/X", f"loaded-by-{version}")
    put(ssm, "/py/app/J", '{"a": "1"}')
    env.update(SSM_ENV_PATHS="/py/app", SSM_ENV_JSON_NAMES="J_=/py/app/J", REF="ssm:/py/app/X")
    proc = subprocess.run(
        [
            python,
            "-I",
            "-S",
            str(built["single"]),
            "sh",
            "-c",
            'printf "%s|%s|%s" "$X" "$J_a" "$REF"',
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"loaded-by-{version}|1|loaded-by-{version}"
    proc = subprocess.run(
        [
            python,
            "-I",
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); "
            "import ssm_env_wrapper as m; print(m.variable_name('/a/1x-y'))",
            str(built["dir"]),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout == "_1x_y\n", proc.stderr
