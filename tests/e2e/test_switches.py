"""What SSM_ENV_DISABLED and SSM_ENV_OVERWRITE=true say in the log.

SSM_ENV_DISABLED is the off switch: the wrapper loads nothing and checks nothing (not
SSM_ENV_REQUIRED either), execs the runtime, and says so in one line that names the required
variables it did not check. SSM_ENV_OVERWRITE=true (the default) names, never shows, each
variable of the configuration whose value a source replaced, as later-wins names what it
overrides.
"""

from __future__ import annotations

import subprocess

from conftest import assert_no_secrets, put, run_show_env


def test_disabled_skips_required_and_says_so(env, wrapper):
    proc, report = run_show_env(
        wrapper,
        dict(env, SSM_ENV_DISABLED="true", SSM_ENV_PATHS="/p", SSM_ENV_REQUIRED="DB_HOST,API_KEY"),
    )
    assert proc.returncode == 0, proc.stderr
    assert "DB_HOST" not in report["env"]
    assert proc.stderr == (
        "ssm-env-wrapper: SSM_ENV_DISABLED is set: nothing loaded, and SSM_ENV_REQUIRED "
        "not checked (DB_HOST, API_KEY)\n"
    )


def test_disabled_skips_required_in_the_api_too(env, api):
    target = dict(env, SSM_ENV_DISABLED="true", SSM_ENV_REQUIRED="DB_HOST")
    result = api.apply_environment(target)
    assert result.variables == {} and "DB_HOST" not in target


def test_overwrite_names_each_configured_variable_it_replaces(ssm, env, wrapper):
    put(ssm, "/p/DB_HOST", "db-from-ssm-DoNotPrint")
    put(ssm, "/p/SAME", "same-value")
    put(ssm, "/p/NEW", "new-value-DoNotPrint")
    proc, report = run_show_env(
        wrapper,
        dict(
            env,
            SSM_ENV_PATHS="/p",
            DB_HOST="localhost-DoNotPrint",
            SAME="same-value",
            REF="ssm:/p/NEW",
        ),
    )
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_HOST"] == "db-from-ssm-DoNotPrint"
    lines = [line for line in proc.stderr.splitlines() if "SSM_ENV_OVERWRITE" in line]
    # A reference is the configuration's own request, and an equal value replaces nothing.
    assert lines == [
        "ssm-env-wrapper: SSM_ENV_OVERWRITE=true: replaced the configured value of DB_HOST"
    ]
    # stderr only: stdout is the runtime's report of its environment.
    log = subprocess.CompletedProcess(proc.args, proc.returncode, "", proc.stderr)
    assert_no_secrets(log, "db-from-ssm-DoNotPrint", "localhost-DoNotPrint", "new-value")


def test_overwrite_replacements_are_in_the_result(ssm, env, api):
    put(ssm, "/p/DB_HOST", "db")
    result = api.apply_environment(dict(env, SSM_ENV_PATHS="/p", DB_HOST="localhost"))
    assert result.replaced == ("DB_HOST",)
