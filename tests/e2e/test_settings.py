"""The settings table through the wrapper and the CLI: unknown settings stop, near misses warn, options named as given, --help."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT, SRC, assert_no_secrets, put, run
from credential_cases import THROTTLE
from fake_ssm import FaultySsm

import ssm_env_wrapper
from ssm_env_wrapper import ConfigError


def test_the_cli_max_attempts_option_is_the_wrappers_own(env):
    with FaultySsm([THROTTLE] * 6) as fake:
        proc = run(
            [sys.executable, str(ROOT / "bin" / "wrapper")],
            ["--max-attempts", "2", "--path", "/prod/app", "--", "true"],
            dict(env, AWS_ENDPOINT_URL_SSM=fake.url, AWS_MAX_ATTEMPTS="5"),
        )
        assert len(fake.requests) == 2
    assert proc.returncode == 1 and "(after 2 attempts; --max-attempts 2)" in proc.stderr


# -- typos
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("SSM_ENV_PATH", "unknown setting SSM_ENV_PATH; did you mean SSM_ENV_PATHS?"),
        ("SSM_ENV_SECRET", "unknown setting SSM_ENV_SECRET; did you mean SSM_ENV_SECRETS?"),
        ("SSM_ENV_TIMOUT", "unknown setting SSM_ENV_TIMOUT; did you mean SSM_ENV_TIMEOUT?"),
        # The prefix itself misspelt: one edit from a name of ours is ours, mistyped.
        ("SSM_EVN_PATHS", "unknown setting SSM_EVN_PATHS; did you mean SSM_ENV_PATHS?"),
        ("SSMENV_REQUIRED", "unknown setting SSMENV_REQUIRED; did you mean SSM_ENV_REQUIRED?"),
        ("SMM_ENV_NAMES", "unknown setting SMM_ENV_NAMES; did you mean SSM_ENV_NAMES?"),
    ],
)
def test_an_unknown_setting_stops_the_wrapper(env, wrapper, name, expected):
    env[name] = "/prod/myapp"
    proc = run(wrapper, ["sh", "-c", "echo started"], env)
    assert proc.returncode == 1 and "started" not in proc.stdout, proc.stderr
    assert proc.stderr.strip().splitlines() == [f"ssm-env-wrapper: {expected}"]
    assert_no_secrets(proc)


def test_an_unknown_setting_stops_the_cli_and_apply_environment(env, built):
    env["SSM_ENV_PATH"] = "/prod/myapp"
    for form in ([sys.executable, str(built["single"])], [sys.executable, "-m", "ssm_env_wrapper"]):
        proc = run(form, ["check", "--path", "/x"], dict(env, PYTHONPATH=str(SRC)))
        assert proc.returncode == 1, proc.stderr
        assert "unknown setting SSM_ENV_PATH; did you mean SSM_ENV_PATHS?" in proc.stderr
    with pytest.raises(ConfigError, match=r"did you mean SSM_ENV_PATHS\?"):
        ssm_env_wrapper.apply_environment(dict(env))


@pytest.mark.parametrize(
    ("name", "near"),
    [
        ("APP_PARAM_PATH", "APP_PARAMS_PATH"),
        ("APP_ENVS", "APP_ENV"),
        ("AWS_ENDPOINT_URL_SMM", "AWS_ENDPOINT_URL_SSM"),
    ],
)
def test_a_near_miss_of_another_name_warns_and_starts(ssm, env, wrapper, name, near):
    put(ssm, "/prod/app/X", "x-value-0042")
    env["SSM_ENV_PATHS"] = "/prod/app"
    env[name] = "myapp"
    proc = run(wrapper, ["sh", "-c", 'printf %s "$X"'], env)
    assert (proc.returncode, proc.stdout) == (0, "x-value-0042"), proc.stderr
    assert f"{name} is not read; did you mean {near}?" in proc.stderr


def test_a_path_that_loads_nothing_warns(ssm, env, wrapper):
    put(ssm, "/prod/app/X", "x")
    env["SSM_ENV_PATHS"] = "/prod/app,/prod/empty"
    proc = run(wrapper, ["true"], env)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "loaded nothing" in line]
    assert lines == [
        "ssm-env-wrapper: warn: path /prod/empty loaded nothing: check the path (and the recursive "
        "setting); to stop the start without it, list the variables it must set in "
        "SSM_ENV_REQUIRED"
    ]
    proc = run(wrapper, ["--path", "/prod/empty", "--", "true"], env)
    assert "list the variables it must set in --required" in proc.stderr


# -- the caller's words
def test_a_cli_run_names_the_options_it_was_given(ssm, env, built):
    put(ssm, "/a/PATH", "/nowhere")
    put(ssm, "/a/X", "1")
    put(ssm, "/b/X", "2")
    put(ssm, "/j", '{"k": "v"}')
    cli = [sys.executable, str(built["single"])]
    proc = run(cli, ["--path", "/a", "--", "true"], env)
    assert "list a variable in --allow if it is really meant" in proc.stderr, proc.stderr
    assert "SSM_ENV_ALLOW" not in proc.stderr
    proc = run(cli, ["--name", "/a/X", "--name", "/b/X", "--", "true"], env)
    assert "(--collision later-wins lets a later source win)" in proc.stderr, proc.stderr
    assert "--name-mode/--prefix" in proc.stderr
    proc = run(cli, ["--json-name", "/nope", "--", "true"], env)
    assert "check --name, --json-name and the ssm: references" in proc.stderr, proc.stderr
    proc = run(
        cli, ["--name", "/a/X", "--name", "/b/X", "--collision", "later-wins", "--", "true"], env
    )
    assert "--collision later-wins: X from /b/X overrides /a/X" in proc.stderr, proc.stderr
    # The wrapper, configured by variables, names the variables.
    proc = run(cli, ["true"], dict(env, SSM_ENV_NAMES="/a/X,/b/X", SSM_ENV_COLLISION="later-wins"))
    assert "SSM_ENV_COLLISION=later-wins: X from /b/X overrides /a/X" in proc.stderr, proc.stderr


def test_help_shows_what_each_option_takes(env, built):
    proc = run([sys.executable, str(built["single"])], ["--help"], env)
    for text in ("--path PATH", "--name [VAR=]NAME[:VERSION|:LABEL]", "--timeout SECONDS"):
        assert text in proc.stdout
    assert " X " not in proc.stdout and "X\n" not in proc.stdout
    proc = run([sys.executable, str(built["single"])], ["export", "--help"], env)
    assert "default dotenv" in proc.stdout


def test_a_hierarchical_name_without_its_slash_gets_the_slashed_form(ssm, env, wrapper):
    put(ssm, "/prod/db/password", "pw-0044", "SecureString")
    env["SSM_ENV_NAMES"] = "DB=prod/db/password"
    proc = run(wrapper, ["true"], env)
    assert proc.returncode == 1
    assert "did you mean /prod/db/password? (a name in a hierarchy starts with /)" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert_no_secrets(proc, "pw-0044")
    # A flat name may exist either way: no guess without asking SSM.
    env["SSM_ENV_NAMES"] = "password"
    assert "did you mean" not in run(wrapper, ["true"], env).stderr


def test_check_names_required_as_given(ssm, env, built):
    put(ssm, "/a/X", "1")
    cli = [sys.executable, str(built["single"])]
    proc = run(cli, ["check", "--path", "/a", "--required", "MISSING"], env)
    assert proc.returncode == 1
    assert "--required: not set by any source nor in the environment: MISSING" in proc.stdout
