"""The configuration as first given, for every load after the first, through shipped forms: SnapStart's after-restore refresh and a chained wrapper."""

from __future__ import annotations

import pytest
from conftest import put
from original_cases import SECRET_PASSWORD, VARIANTS

HANDLER = (
    "import json, os\n"
    "import ssm_env_wrapper\n"
    "from snapshot_restore_py import register_after_restore\n"
    "register_after_restore(ssm_env_wrapper.apply_environment)\n"
    "def fn(event, context):\n"
    "    return {name: os.environ.get(name) for name in event['names']}\n"
)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_snapstart_refresh_uses_the_configuration_given_at_init(variant, ssm, env, built, tmp_path):
    pytest.importorskip("awslambdaric", reason="dev-only: pip install -e .[test] installs it")
    import shutil

    from fake_runtime_api import FakeRuntimeApi, lambda_environment, start_runtime

    configuration, parameters, expected = VARIANTS[variant]
    task = tmp_path / "task"
    task.mkdir()
    shutil.copy(built["single"], task / "ssm_env_wrapper.py")
    (task / "handler.py").write_text(HANDLER)
    for name, value in parameters.items():
        put(ssm, name, value, "SecureString" if value == SECRET_PASSWORD else "String")
    lambda_env = dict(env, **lambda_environment(task, "refresh"), **configuration)
    lambda_env.update(AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
    with FakeRuntimeApi() as api:
        request_id = api.add_event({"names": sorted(expected)})
        proc, _ = start_runtime([str(built["layer"])], lambda_env, task, api)
        calls = list(api.calls)
        response = api.responses.get(request_id)
    assert ("GET", "/2018-06-01/runtime/restore/next") in calls
    assert response is not None, proc.stderr
    # Booleans, not `in` assertions: pytest would print both sides, the password included.
    leaked = SECRET_PASSWORD in str(response["body"])
    assert not leaked, "the refresh read a loaded value as a reference and loaded the password"
    assert response["body"] == expected
    printed = SECRET_PASSWORD in proc.stdout + proc.stderr
    assert not printed


def test_a_record_this_tool_did_not_write_is_one_clear_line(env, wrapper):
    from conftest import run

    proc = run(
        wrapper,
        ["true"],
        dict(env, SSM_ENV_ORIGINAL='["not-a-record-DoNotPrint"]', SSM_ENV_PATHS="/prod/app"),
    )
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "SSM_ENV_ORIGINAL is not the record this tool writes" in proc.stderr
    assert "DoNotPrint" not in proc.stderr


def test_a_chained_wrapper_reads_the_configuration_not_the_loaded_values(
    ssm, env, wrapper, tmp_path
):
    """SSM_ENV_EXEC_WRAPPER chaining a second wrapper (two layers, say): the second one loads
    from the configuration the first was given, not from what the first loaded."""
    from conftest import run_show_env

    # The next wrapper in the chain: this same one, without the chaining setting (else it
    # would chain itself for ever).
    second = tmp_path / "second-wrapper"
    second.write_text(f'#!/bin/sh\nunset SSM_ENV_EXEC_WRAPPER\nexec {wrapper[0]} "$@"\n')
    second.chmod(0o755)

    put(ssm, "/app/greeting", "ssm:/prod/db/password")
    put(ssm, "/prod/db/password", SECRET_PASSWORD, "SecureString")
    put(ssm, "/prod/app/APP_ENV", "evil")
    put(ssm, "/prod/app/DB_HOST", "db-prod")
    put(ssm, "/evil/app/DB_HOST", "db-evil")
    proc, report = run_show_env(
        wrapper,
        dict(
            env,
            GREETING="ssm:/app/greeting",
            APP_ENV="prod",
            APP_PARAMS_PATH="app",
            SSM_ENV_EXEC_WRAPPER=str(second),
        ),
    )
    assert proc.returncode == 0, proc.stderr
    leaked = SECRET_PASSWORD in proc.stdout + proc.stderr
    assert not leaked, "the chained wrapper read a loaded value as a reference"
    seen = {name: report["env"].get(name) for name in ("GREETING", "APP_ENV", "DB_HOST")}
    assert seen == {"GREETING": "ssm:/prod/db/password", "APP_ENV": "evil", "DB_HOST": "db-prod"}


# ------------------------------------------------------------------------------------- SnapStart
def test_snapstart_after_restore_hook_refreshes_the_environment(ssm, env, built, tmp_path):
    """The real runtime interface client (awslambdaric) in SnapStart mode: init loads v1 through
    the wrapper, the handler registers ``apply_environment`` with snapshot_restore_py's
    ``register_after_restore``, the parameter changes between snapshot and restore, and after the
    restore the handler reads v2 from os.environ."""
    pytest.importorskip("awslambdaric", reason="dev-only: pip install -e .[test] installs it")
    import shutil

    from fake_runtime_api import FakeRuntimeApi, lambda_environment, start_runtime

    task = tmp_path / "task"
    task.mkdir()
    shutil.copy(built["single"], task / "ssm_env_wrapper.py")
    (task / "handler.py").write_text(
        "import os\n"
        "import ssm_env_wrapper\n"
        "from snapshot_restore_py import register_after_restore\n"
        "AT_INIT = os.environ.get('DB_HOST')\n"
        "register_after_restore(ssm_env_wrapper.apply_environment)\n"
        "def fn(event, context):\n"
        "    return {'at_init': AT_INIT, 'now': os.environ.get('DB_HOST')}\n"
    )
    put(ssm, "/prod/app/DB_HOST", "db-before-snapshot")
    lambda_env = dict(env, **lambda_environment(task, "snap"))
    lambda_env.update(AWS_LAMBDA_INITIALIZATION_TYPE="snap-start", SSM_ENV_PATHS="/prod/app")
    with FakeRuntimeApi() as api:
        api.on_restore = lambda: put(ssm, "/prod/app/DB_HOST", "db-after-restore")
        request_id = api.add_event({})
        proc, _ = start_runtime([str(built["layer"])], lambda_env, task, api)
        calls = list(api.calls)
        response = api.responses.get(request_id)
    assert response is not None, proc.stderr
    assert ("GET", "/2018-06-01/runtime/restore/next") in calls
    assert response["body"] == {"at_init": "db-before-snapshot", "now": "db-after-restore"}
    assert "SnapStart" in proc.stderr
