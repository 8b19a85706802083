"""A second load in one process (``apply_environment()`` twice) uses the configuration given first and leaves the environment as a first start would."""

from __future__ import annotations

import json
import os

import pytest
from conftest import put
from original_cases import SECRET_PASSWORD, VARIANTS


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


def _process_environment(monkeypatch, environ: dict) -> None:
    """Make ``os.environ`` exactly ``environ`` for this test (the API's default)."""
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)


def test_a_later_load_parameters_call_reads_no_loaded_value_as_configuration(ssm, sm, sm_env, api):
    # A plain parameter whose text is a secret's ARN: loaded as text by the wrapper, it must not
    # become a source for the function's own later load_parameters(resolve_arns=True).
    arn = sm.create_secret(Name="prod/db", SecretString=SECRET_PASSWORD)["ARN"]
    put(ssm, "/app/GREETING", arn)
    put(ssm, "/other/FEATURE", "on")
    target = dict(sm_env, SSM_ENV_PATHS="/app")
    api.apply_environment(target)
    assert target["GREETING"] == arn
    values = api.load_parameters("/other", resolve_arns=True, environ=target)
    assert sorted(values) == ["FEATURE"] and values["FEATURE"] == "on"


def test_settings_from_the_process_environment_read_no_loaded_reference(ssm, env, api, monkeypatch):
    put(ssm, "/app/GREETING", "ssm:/prod/db/password")  # a plain parameter's text
    put(ssm, "/prod/db/password", SECRET_PASSWORD, "SecureString")
    target = dict(env, SSM_ENV_PATHS="/app")
    api.apply_environment(target)
    _process_environment(monkeypatch, target)
    result = api.load(api.Settings.from_environ())
    leaked = SECRET_PASSWORD in str(result.variables)
    assert not leaked, "a loaded value was read as a reference"
    assert result.variables["GREETING"] == "ssm:/prod/db/password"


def test_a_record_the_environment_cannot_hold_changes_nothing(ssm, env, api, monkeypatch):
    # JSON's \ud800 decodes to a lone surrogate, which os.environ cannot encode: refused as a
    # record this tool did not write, before any variable is restored or set.
    put(ssm, "/app/DB_HOST", "db")
    record = json.dumps({"A_RESTORED": "from-record", "B_BAD": "\ud800"})
    _process_environment(monkeypatch, dict(env, SSM_ENV_PATHS="/app", SSM_ENV_ORIGINAL=record))
    with pytest.raises(api.ConfigError, match="SSM_ENV_ORIGINAL is not the record"):
        api.apply_environment()
    assert "A_RESTORED" not in os.environ and "DB_HOST" not in os.environ
