"""Secrets Manager through the wrapper: secrets loaded in every shipped form, missing secrets and keys named, continue mode, a hung endpoint bounded by the deadline."""

from __future__ import annotations

import subprocess

import pytest
from conftest import assert_no_secrets, run_show_env
from source_cases import SECRET_PASSWORD, SECRET_USER, db_secret

SECRET_TOKEN = "api-Token-DoNotPrint-5e8d2c"


# ------------------------------------------------------------------------ Secrets Manager directly
def test_secrets_load_directly_in_every_shipped_form(sm, sm_env, wrapper):
    secret_arn = db_secret(sm)
    sm.create_secret(Name="prod/api-token", SecretString=SECRET_TOKEN)
    proc, report = run_show_env(
        wrapper,
        dict(
            sm_env,
            SSM_ENV_SECRETS=f"prod/api-token,PW=prod/db:password,U={secret_arn}:user",
            SSM_ENV_JSON_SECRETS="DB_=prod/db",
            REF_USER="secretsmanager:prod/db:user",
        ),
    )
    assert proc.returncode == 0, proc.stderr
    got = report["env"]
    assert got["api_token"] == SECRET_TOKEN  # the last / segment, made a variable name
    assert (got["PW"], got["U"], got["REF_USER"]) == (SECRET_PASSWORD, SECRET_USER, SECRET_USER)
    assert (got["DB_password"], got["DB_user"]) == (SECRET_PASSWORD, SECRET_USER)
    assert "loaded 6 variables from 4 secrets, 1 reference" in proc.stderr
    # One BatchGetSecretValue for prod/api-token and prod/db, one GetSecretValue for prod/db's
    # ARN: a batch asks one secret once (the ARN may be another account's secret of that name).
    assert "(2 requests)" in proc.stderr
    assert_no_secrets(
        subprocess.CompletedProcess([], 0, "", proc.stderr),
        SECRET_PASSWORD,
        SECRET_USER,
        SECRET_TOKEN,
    )


@pytest.mark.parametrize("batched", [False, True])
def test_a_missing_secret_is_an_error_naming_it(sm, sm_env, wrapper, batched):
    sm.create_secret(Name="present", SecretString="present-value-1")
    secrets = "present,absent/one" if batched else "absent/one"
    proc, report = run_show_env(wrapper, dict(sm_env, SSM_ENV_SECRETS=secrets))
    assert proc.returncode == 1 and report == {}
    assert "secretsmanager:absent/one does not exist" in proc.stderr
    assert len(proc.stderr.splitlines()) == 1


def test_a_missing_key_names_the_secret_and_the_key_never_the_others(sm, sm_env, wrapper):
    db_secret(sm)
    proc, report = run_show_env(wrapper, dict(sm_env, PW="secretsmanager:prod/db:passwd"))
    assert proc.returncode == 1 and report == {}
    assert "secret secretsmanager:prod/db has no key passwd" in proc.stderr
    assert "user" not in proc.stderr and "password" not in proc.stderr.replace("passwd", "")


def test_continue_mode_drops_a_failed_secret_and_starts(sm, sm_env, wrapper):
    sm.create_secret(Name="good", SecretString="good-value-1234")
    proc, report = run_show_env(
        wrapper,
        dict(
            sm_env,
            SSM_ENV_SECRETS="good,gone",
            REF="secretsmanager:gone",
            SSM_ENV_ON_ERROR="continue",
        ),
    )
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["good"] == "good-value-1234" and "REF" not in report["env"]
    assert "starting without: GetSecretValue failed (ResourceNotFoundException)" in proc.stderr


def test_a_hung_secrets_endpoint_meets_the_deadline_naming_the_secret(sm_env, wrapper):
    from fake_ssm import SilentServer

    with SilentServer() as silent:
        proc, report = run_show_env(
            wrapper,
            dict(
                sm_env,
                AWS_ENDPOINT_URL_SECRETS_MANAGER=silent.url,
                SSM_ENV_SECRETS="prod/hung",
                SSM_ENV_TIMEOUT="0.5",
            ),
        )
    assert proc.returncode == 1 and report == {}
    assert "not done within SSM_ENV_TIMEOUT=0.5 s" in proc.stderr
    assert "secretsmanager:prod/hung" in proc.stderr
