"""Claims through the wrapper: required variables (set by a source or already there, missing ones stop the start whatever SSM_ENV_ON_ERROR says), and SSM_ENV_COLLISION=later-wins layering with every override logged."""

from __future__ import annotations

import subprocess

import pytest
from conftest import assert_no_secrets, put, run_show_env


# ---------------------------------------------------------------------------- required variables
def test_required_variables_set_by_a_source_or_already_there_pass(ssm, env, wrapper):
    put(ssm, "/app/DB_HOST", "db")
    proc, report = run_show_env(
        wrapper, dict(env, SSM_ENV_PATHS="/app", SSM_ENV_REQUIRED="DB_HOST,HOME_SET", HOME_SET="1")
    )
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_HOST"] == "db"


@pytest.mark.parametrize("on_error", ["fail", "continue"])
def test_missing_required_variables_stop_the_start_whatever_on_error_says(
    ssm, env, wrapper, on_error
):
    put(ssm, "/app/DB_HOST", "db")
    proc, report = run_show_env(
        wrapper,
        dict(
            env,
            SSM_ENV_PATHS="/app",
            SSM_ENV_REQUIRED="DB_HOST,DB_PASSWORD,API_KEY",
            SSM_ENV_ON_ERROR=on_error,
            API_KEY="ssm:/app/missing?",
        ),
    )
    assert proc.returncode == 1 and report == {}
    assert (
        "ssm-env-wrapper: SSM_ENV_REQUIRED: DB_PASSWORD, API_KEY are not set by any source "
        "nor in the environment"
    ) in proc.stderr
    assert "optional, not found" not in proc.stderr  # nothing reported as loaded


def test_continue_mode_failures_are_logged_before_the_required_error(ssm, env, wrapper):
    proc, report = run_show_env(
        wrapper,
        dict(
            env,
            SSM_ENV_NAMES="/app/gone",
            SSM_ENV_REQUIRED="gone",
            SSM_ENV_ON_ERROR="continue",
        ),
    )
    assert proc.returncode == 1 and report == {}
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("ssm-env-wrapper: warn: SSM_ENV_ON_ERROR=continue: GetParameters")
    assert "/app/gone does not exist" in lines[0]
    assert lines[1].startswith("ssm-env-wrapper: SSM_ENV_REQUIRED: gone is not set")
    assert "(1 failure above)" in lines[1]


def test_required_alone_checks_the_environment(env, wrapper):
    """No source at all: the launcher must still hand over to Python, which checks."""
    proc, report = run_show_env(wrapper, dict(env, SSM_ENV_REQUIRED="NOT_THERE"))
    assert proc.returncode == 1 and report == {}
    assert "SSM_ENV_REQUIRED: NOT_THERE is not set" in proc.stderr
    proc, report = run_show_env(wrapper, dict(env, SSM_ENV_REQUIRED="THERE", THERE="x"))
    assert proc.returncode == 0 and report["env"]["THERE"] == "x"


# ------------------------------------------------------------------------------- layered defaults
def test_a_bad_collision_value_is_an_error_naming_the_setting(env, wrapper):
    proc, report = run_show_env(
        wrapper, dict(env, SSM_ENV_PATHS="/a", SSM_ENV_COLLISION="last-wins")
    )
    assert proc.returncode == 1 and report == {}
    assert "SSM_ENV_COLLISION must be one of error, later-wins, got 'last-wins'" in proc.stderr


def test_later_wins_layers_defaults_and_logs_every_override(ssm, env, wrapper):
    put(ssm, "/shared/defaults/LOG_LEVEL", "info-default-value")
    put(ssm, "/shared/defaults/TIMEOUT", "30-default-value")
    put(ssm, "/service/LOG_LEVEL", "debug-service-value")
    put(ssm, "/other/TIMEOUT", "45-named-value")
    put(ssm, "/ref/TIMEOUT", "60-reference-value")
    proc, report = run_show_env(
        wrapper,
        dict(
            env,
            SSM_ENV_PATHS="/shared/defaults,/service",
            SSM_ENV_NAMES="/other/TIMEOUT",
            SSM_ENV_COLLISION="later-wins",
            TIMEOUT="ssm:/ref/TIMEOUT",
        ),
    )
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["LOG_LEVEL"] == "debug-service-value"
    assert report["env"]["TIMEOUT"] == "60-reference-value"  # a reference always wins
    assert (
        "SSM_ENV_COLLISION=later-wins: LOG_LEVEL from /service/LOG_LEVEL overrides "
        "/shared/defaults/LOG_LEVEL"
    ) in proc.stderr
    assert (
        "TIMEOUT from /ref/TIMEOUT overrides /shared/defaults/TIMEOUT" in proc.stderr
        and "TIMEOUT from /ref/TIMEOUT overrides /other/TIMEOUT" in proc.stderr
    )
    assert_no_secrets(
        subprocess.CompletedProcess([], 0, "", proc.stderr),
        "info-default-value",
        "30-default-value",
        "45-named-value",
        "60-reference-value",
    )
