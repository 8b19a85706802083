"""A second load in one process (the SnapStart after-restore refresh, or ``apply_environment()``
called again) uses the configuration the function was given at its first start, never a value
that a load put in the environment: a loaded value that looks like a reference, a loaded
variable named in a ``${VAR}``, a loaded ``APP_ENV``.

The SnapStart cases run the real runtime interface client (awslambdaric) through the layer, as
tests/unit/test_sources_at_scale.py's refresh test does; the API cases call ``apply_environment``
twice on one mapping, through the package and the single file.
"""

from __future__ import annotations

import pytest
from conftest import put

SECRET_PASSWORD = "db-Passw0rd-Refresh-DoNotPrint-4c1e"

HANDLER = (
    "import json, os\n"
    "import ssm_env_wrapper\n"
    "from snapshot_restore_py import register_after_restore\n"
    "register_after_restore(ssm_env_wrapper.apply_environment)\n"
    "def fn(event, context):\n"
    "    return {name: os.environ.get(name) for name in event['names']}\n"
)

# variant -> (configuration, parameters, what the handler must see after the restore)
VARIANTS = {
    # A plain parameter whose text is a reference: loaded as text, and text it stays.
    "loaded-reference": (
        {"GREETING": "ssm:/app/greeting"},
        {"/app/greeting": "ssm:/prod/db/password", "/prod/db/password": SECRET_PASSWORD},
        {"GREETING": "ssm:/prod/db/password"},
    ),
    # A loaded STAGE does not change what ${STAGE} in a source means.
    "loaded-expansion": (
        {"STAGE": "prod", "SSM_ENV_PATHS": "/${STAGE}/app"},
        {"/prod/app/STAGE": "evil", "/prod/app/DB_HOST": "db-prod", "/evil/app/DB_HOST": "db-evil"},
        {"DB_HOST": "db-prod", "STAGE": "evil"},
    ),
    # A loaded APP_ENV does not redirect the refresh to another path.
    "loaded-app-env": (
        {"APP_ENV": "prod", "APP_PARAMS_PATH": "app"},
        {
            "/prod/app/APP_ENV": "evil",
            "/prod/app/DB_HOST": "db-prod",
            "/evil/app/DB_HOST": "db-evil",
        },
        {"DB_HOST": "db-prod", "APP_ENV": "evil"},
    ),
}


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


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_apply_environment_twice_uses_the_first_configuration(variant, ssm, env, api):
    configuration, parameters, expected = VARIANTS[variant]
    for name, value in parameters.items():
        put(ssm, name, value, "SecureString" if value == SECRET_PASSWORD else "String")
    target = dict(env, **configuration)
    api.apply_environment(target)
    first = {name: target.get(name) for name in expected}
    api.apply_environment(target)
    second = {name: target.get(name) for name in expected}
    leaked = SECRET_PASSWORD in str(second)
    assert not leaked, "the second load read a loaded value as a setting"
    assert first == expected
    assert second == expected


def test_a_second_load_refreshes_references_and_overwrite_off_variables(ssm, env, api):
    """What the first load set is not "already set" for the second: a reference is resolved
    again, and with SSM_ENV_OVERWRITE=false a loaded variable is not kept as if configured."""
    put(ssm, "/prod/db/host", "db-1")
    put(ssm, "/prod/app/FLAG", "on-1")
    target = dict(
        env, DB_HOST="ssm:/prod/db/host", SSM_ENV_PATHS="/prod/app", SSM_ENV_OVERWRITE="false"
    )
    api.apply_environment(target)
    assert (target["DB_HOST"], target["FLAG"]) == ("db-1", "on-1")
    put(ssm, "/prod/db/host", "db-2")
    put(ssm, "/prod/app/FLAG", "on-2")
    result = api.apply_environment(target)
    assert (target["DB_HOST"], target["FLAG"]) == ("db-2", "on-2")
    assert result.kept == ()


def test_a_second_load_leaves_the_environment_as_a_first_start_would(ssm, env, api):
    """A variable the first load set and the second does not is given back the value the
    configuration had (or removed): the environment is the configuration plus this load."""
    put(ssm, "/prod/app/GONE", "loaded")
    put(ssm, "/prod/app/NEW_ONLY", "x")
    put(ssm, "/prod/app/DEFAULTED", "from-ssm")
    target = dict(env, SSM_ENV_PATHS="/prod/app", DEFAULTED="from-config")
    api.apply_environment(target)
    assert (target["GONE"], target["DEFAULTED"]) == ("loaded", "from-ssm")
    ssm.delete_parameters(Names=["/prod/app/GONE", "/prod/app/DEFAULTED"])
    api.apply_environment(target)
    assert "GONE" not in target
    assert target["DEFAULTED"] == "from-config"
    assert target["NEW_ONLY"] == "x"


def test_no_parameter_can_set_the_record(ssm, env, api):
    put(ssm, "/prod/app/SSM_ENV_ORIGINAL", '{"GREETING":"ssm:/prod/db/password"}')
    target = dict(env, SSM_ENV_PATHS="/prod/app")
    before = dict(target)
    with pytest.raises(api.ProtectedNameError) as caught:
        api.apply_environment(target)
    assert target == before
    assert "/prod/app/SSM_ENV_ORIGINAL would set SSM_ENV_ORIGINAL" in str(caught.value)
    with pytest.raises(api.ConfigError, match="SSM_ENV_ALLOW cannot allow SSM_ENV_ORIGINAL"):
        api.apply_environment(dict(target, SSM_ENV_ALLOW="SSM_ENV_ORIGINAL"))


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
