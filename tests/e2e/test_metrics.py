"""SSM_ENV_METRICS=emf through the wrapper: one valid Embedded Metric Format line a load, on success and on failure, and nothing new imported with metrics off."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT, assert_no_secrets, put, run_show_env
from emf_spec import problems
from fake_ssm import FakeSsm, aws_error, page
from metrics_cases import _directive


def _emf_lines(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith('{"_aws"')]


def test_the_wrapper_prints_one_valid_line_after_loading(wrapper, ssm, env):
    put(ssm, "/emf/app/DB_HOST", "db-host-value-0001")
    put(ssm, "/emf/app/TOKEN", "token-value-secret-0002", "SecureString")
    env.update(
        SSM_ENV_PATHS="/emf/app",
        SSM_ENV_METRICS="emf",
        SSM_ENV_METRICS_NAMESPACE="team/app",
        AWS_LAMBDA_FUNCTION_NAME="orders-fn",
    )
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_HOST"] == "db-host-value-0001"
    lines = [line for line in proc.stderr.splitlines() if line.startswith("{")]
    assert len(lines) == 1 and problems(lines[0]) == []
    document = json.loads(lines[0])
    assert document["FunctionName"] == "orders-fn" and document["Failure"] == 0
    assert document["ParametersLoaded"] == 2 and document["SecretsLoaded"] == 0
    assert document["Requests"] == 1 and document["Retries"] == 0
    assert _directive(document)["Namespace"] == "team/app"
    assert "/emf/app" not in lines[0] and "DB_HOST" not in lines[0]
    # stdout is the child's report of its environment; the wrapper's own output is stderr.
    assert_no_secrets(
        subprocess.CompletedProcess(proc.args, 0, "", proc.stderr),
        "db-host-value-0001",
        "token-value-secret-0002",
    )


def test_the_function_name_is_the_configurations_never_a_loaded_value(wrapper, ssm, env):
    # Read after the load changed the environment, a loaded (allowed) value was the dimension.
    put(ssm, "/emf/app/AWS_LAMBDA_FUNCTION_NAME", "loaded-name-secret-0003", "SecureString")
    env.update(
        SSM_ENV_PATHS="/emf/app",
        SSM_ENV_ALLOW="AWS_LAMBDA_FUNCTION_NAME",
        SSM_ENV_METRICS="emf",
        AWS_LAMBDA_FUNCTION_NAME="orders-fn",
    )
    proc, _ = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert_no_secrets(
        subprocess.CompletedProcess(proc.args, 0, "", proc.stderr), "loaded-name-secret-0003"
    )
    assert [line["FunctionName"] for line in _emf_lines(proc.stderr)] == ["orders-fn"]


def test_the_wrapper_prints_the_line_when_the_load_fails(wrapper, ssm, env):
    env.update(SSM_ENV_NAMES="/emf/missing/NAME", SSM_ENV_METRICS="emf")
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 1 and report == {}
    (document,) = _emf_lines(proc.stderr)
    assert problems(json.dumps(document)) == []
    assert document["Failure"] == 1 and document["ErrorCode"] == "NotFound"
    assert "FunctionName" not in document and document["Requests"] == 1
    assert "/emf/missing" not in json.dumps(document)


def test_a_configuration_error_is_counted_too(wrapper, env):
    env.update(SSM_ENV_NAMES="/bad//name", SSM_ENV_METRICS="emf")
    proc, _ = run_show_env(wrapper, env)
    assert proc.returncode == 1
    (document,) = _emf_lines(proc.stderr)
    assert document["ErrorCode"] == "Config" and document["Requests"] == 0


def test_retries_and_throttles_are_counted(wrapper, env):
    with FakeSsm(
        [aws_error("ThrottlingException", "Rate exceeded"), page([("/t/app/A", "a-value-0001")])]
    ) as fake:
        env.update(AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/t/app", SSM_ENV_METRICS="emf")
        proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    (document,) = _emf_lines(proc.stderr)
    assert (document["Requests"], document["Retries"], document["Throttled"]) == (2, 1, 1)


def test_a_bad_metrics_setting_is_one_clear_line(wrapper, env):
    env.update(SSM_ENV_PATHS="/x", SSM_ENV_METRICS="prometheus")
    proc, _ = run_show_env(wrapper, env)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "ssm-env-wrapper: SSM_ENV_METRICS must be emf (or empty: off), got 'prometheus'"
    ]


def test_metrics_off_imports_nothing_new(env):
    """With metrics off the metrics module is never imported (the cold path stays as it was)."""
    code = (
        "import sys, os; sys.path.insert(0, {!r}); import ssm_env_wrapper.wrapper as w; "
        "os.environ.update(SSM_ENV_PATHS='/nothing/here', SSM_ENV_ON_ERROR='continue'); "
        "w.exec_command = lambda *a: None; "
        "w.run(['true']); print('ssm_env_wrapper.metrics' in sys.modules)"
    ).format(str(ROOT / "src"))
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.strip().splitlines()[-1] == "False", proc.stderr
