"""SigV4 through the wrapper against moto with IAM authentication on."""

from __future__ import annotations

from conftest import ROOT, run_show_env
from sigv4_cases import EXPECTED


def test_the_wrapper_end_to_end_with_authentication_on(iam):
    user = iam["user"]
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID": user.access_key,
        "AWS_SECRET_ACCESS_KEY": user.secret_key,
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_SSM": iam["url"],
        "SSM_ENV_PATHS": "/auth/app",
    }
    proc, report = run_show_env([str(ROOT / "bin" / "wrapper")], env)
    assert proc.returncode == 0, proc.stderr
    assert {k: report["env"][k] for k in EXPECTED} == EXPECTED
    env.update(
        AWS_SECRET_ACCESS_KEY="wrong-secret-key-for-the-test-0000000000", AWS_MAX_ATTEMPTS="1"
    )
    proc, report = run_show_env([str(ROOT / "bin" / "wrapper")], env)
    assert proc.returncode == 1 and report == {}
    line = proc.stderr.strip()
    assert (
        line.startswith("ssm-env-wrapper: GetParametersByPath /auth/app failed (")
        and "\n" not in line
    )
    assert "wrong-secret-key-for-the-test" not in proc.stdout + proc.stderr
