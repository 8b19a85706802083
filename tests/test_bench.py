"""The benchmark's own code paths that use the package (so that a change in the package cannot
silently break the benchmark): the DescribeParameters prototype loads a path like the wrapper."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, SRC, assert_no_secrets, put


def test_the_describe_parameters_prototype_loads_every_parameter_of_a_path(ssm, env):
    for i in range(12):  # more than one GetParameters batch
        put(ssm, f"/bench/proto/VAR_{i:02d}", f"value-{i}")
    put(ssm, "/bench/proto/deeper/NOT_ONE_LEVEL", "no")
    proc = subprocess.run(
        [sys.executable, "-I", "-S", str(ROOT / "bench" / "describe_fetch.py"), str(SRC)]
        + ["/bin/sh", "-c", 'printf "%s %s %s" "$VAR_00" "$VAR_11" "${NOT_ONE_LEVEL-unset}"'],
        env=dict(env, APP_PARAMS_PATH="/bench/proto"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_no_secrets(proc)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "value-0 value-11 unset"
