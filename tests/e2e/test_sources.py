"""Sources through the wrapper: every source combined, ``${VAR}`` expansion, optional names, shared parameters by ARN."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import (
    REGION,
    SECRET_KEY,
    SESSION_TOKEN,
    assert_no_secrets,
    put,
    run_show_env,
)
from fake_ssm import FakeSsm, FaultySsm, modelled, page
from source_cases import SECRET_PASSWORD, arn, db_secret, shared_model


def test_a_total_over_the_execve_limit_is_a_clear_error_before_exec(env, wrapper):
    values = [(f"/p/V{i:02d}", "y" * 120_000) for i in range(20)]  # 2.4 MB > ARG_MAX (2 MiB)
    with FakeSsm([page(values[:10], "t"), page(values[10:])]) as fake:
        env.update(SSM_ENV_PATHS="/p", AWS_ENDPOINT_URL_SSM=fake.url)
        proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 1 and report == {}
    assert "over the execve limit" in proc.stderr and "ARG_MAX" in proc.stderr
    assert len(proc.stderr.splitlines()) == 1


# ----------------------------------------------------------------------------- the wrapper
def test_every_source_combined_through_the_wrapper(ssm, secrets, env, wrapper):
    put(ssm, "/prod/app/FROM_PATH", "p")
    put(ssm, "/prod/named/thing", "n")
    put(ssm, "/prod/cfg", '{"A": "1", "B": "2"}')
    put(ssm, "/prod/ref", "r")
    secrets.create_secret(Name="sm-secret", SecretString="sm-value-000001")
    env.update(
        APP_ENV="prod",
        APP_PARAMS_PATH="app",
        SSM_ENV_NAMES="NAMED=/prod/named/thing",
        SSM_ENV_JSON_NAMES="/prod/cfg",
        REF="ssm:/prod/ref",
        SM="ssm:/aws/reference/secretsmanager/sm-secret",
    )
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    seen = report["env"]
    assert [seen[k] for k in ("FROM_PATH", "NAMED", "A", "B", "REF", "SM")] == [
        "p",
        "n",
        "1",
        "2",
        "r",
        "sm-value-000001",
    ]
    assert "from /prod/app, 2 names, 2 references in" in proc.stderr
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr), "sm-value-000001")


def test_protected_parameter_stops_the_wrapper_without_printing_it(ssm, env, wrapper):
    put(ssm, "/app/LD_PRELOAD", "/tmp/evil-library.so")
    env["SSM_ENV_PATHS"] = "/app"
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 1 and report == {}
    assert "/app/LD_PRELOAD would set LD_PRELOAD" in proc.stderr
    assert_no_secrets(proc, "/tmp/evil-library.so")
    assert SECRET_KEY not in proc.stderr and SESSION_TOKEN not in proc.stderr
    assert os.environ.get("LD_PRELOAD") != "/tmp/evil-library.so"


# ------------------------------------------------------------------------------- ${VAR} expansion
def test_variables_expand_in_every_source_setting(ssm, env, wrapper):
    put(ssm, "/dev/app/HOST", "dev-host")
    put(ssm, "/dev/shared/REGION_NAME", "dev-region")
    put(ssm, "/dev/db/password", "dev-password")
    put(ssm, "/dev/config", json.dumps({"flag": "on"}))
    proc, report = run_show_env(
        wrapper,
        dict(
            env,
            STAGE="dev",
            SERVICE="app",
            APP_ENV="${STAGE}",
            APP_PARAMS_PATH="${SERVICE}",
            SSM_ENV_PATHS="/${STAGE}/shared",
            SSM_ENV_NAMES="PW=/${STAGE}/db/password",
            SSM_ENV_JSON_NAMES="/${STAGE}/config",
        ),
    )
    assert proc.returncode == 0, proc.stderr
    got = report["env"]
    assert (got["HOST"], got["REGION_NAME"], got["PW"], got["flag"]) == (
        "dev-host",
        "dev-region",
        "dev-password",
        "on",
    )
    assert "/dev/app" in proc.stderr and "/dev/shared" in proc.stderr


def test_an_undefined_variable_is_an_error_naming_it(env, wrapper):
    proc, report = run_show_env(wrapper, dict(env, SSM_ENV_PATHS="/${STAGE}/app"))
    assert proc.returncode == 1 and report == {}
    assert proc.stderr.startswith("ssm-env-wrapper: SSM_ENV_PATHS: ${STAGE} is not set")
    assert len(proc.stderr.splitlines()) == 1


# --------------------------------------------------------------------------------- optional names
def test_an_optional_name_may_be_missing_and_is_logged_by_name(ssm, env, wrapper):
    put(ssm, "/app/a", "value-a")
    proc, report = run_show_env(
        wrapper,
        dict(env, SSM_ENV_NAMES="/app/a,/app/b?", MAYBE="ssm:/app/c?", ALSO="ssm:/app/a"),
    )
    assert proc.returncode == 0, proc.stderr
    got = report["env"]
    assert got["a"] == "value-a" and got["ALSO"] == "value-a"
    assert "b" not in got and "MAYBE" not in got  # never left behind as the literal ssm:...
    assert "optional, not found, skipped: /app/b, /app/c" in proc.stderr


def test_shared_parameters_load_by_full_arn_with_selectors(env, wrapper):
    with FaultySsm([modelled(shared_model())]) as fake:
        proc, report = run_show_env(
            wrapper,
            dict(
                env,
                AWS_ENDPOINT_URL_SSM=fake.url,
                SSM_ENV_NAMES=f"{arn('/team/db/password')},V1={arn('/team/db/password')}:1,"
                f"LIVE={arn('/team/db/password')}:live,/own/x",
                SSM_ENV_JSON_NAMES=f"CFG_={arn('/team/config')}",
                FOREIGN_X=f"ssm:{arn('/own/x')}",
            ),
        )
        batches = [r["body"]["Names"] for r in fake.requests]
        asked = [name for batch in batches for name in batch]
    assert proc.returncode == 0, proc.stderr
    got = report["env"]
    assert got["password"] == "shared-v2-DoNotPrint"  # named from the name inside the ARN
    assert (got["V1"], got["LIVE"]) == ("shared-v1-DoNotPrint", "shared-v2-DoNotPrint")
    assert (got["x"], got["FOREIGN_X"], got["CFG_mode"]) == (
        "own-x-value",
        "foreign-x-value",
        "strict",
    )
    assert arn("/team/db/password") + ":live" in asked and "/own/x" in asked
    # One name is asked once a batch, ARN or not: /own/x and the ARN of another account's
    # /own/x never share one (nor do the three selectors of one shared parameter).
    assert not any("/own/x" in batch and arn("/own/x") in batch for batch in batches)
    assert len(batches) == 3
    assert_no_secrets(
        subprocess.CompletedProcess([], 0, "", proc.stderr),
        "shared-v1-DoNotPrint",
        "shared-v2-DoNotPrint",
    )


@pytest.mark.parametrize(
    "where, region, part",
    [("another region", "eu-west-1", "aws"), ("another partition", REGION, "aws-cn")],
)
def test_an_arn_of_another_region_or_partition_is_a_clear_error(env, wrapper, where, region, part):
    with FaultySsm([modelled(shared_model())]) as fake:
        proc, report = run_show_env(
            wrapper,
            dict(
                env,
                AWS_ENDPOINT_URL_SSM=fake.url,
                SSM_ENV_NAMES=arn("/team/db/password", region=region, part=part),
            ),
        )
        assert fake.requests == []  # refused before any request
    assert proc.returncode == 1 and report == {}
    assert "an ARN of another region or partition than the endpoint's (aws, us-east-1)" in (
        proc.stderr
    )


# --------------------------------------------------------------------------- ARN-valued variables
def test_arn_valued_variables_resolve_only_when_asked(sm, sm_env, wrapper):
    secret_arn = db_secret(sm)
    model_env = dict(sm_env, DB_PASSWORD=f"{secret_arn}:password::", KEEP="arn:aws:iam::1:role/x")
    proc, report = run_show_env(wrapper, model_env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_PASSWORD"] == f"{secret_arn}:password::"  # off by default
    proc, report = run_show_env(wrapper, dict(model_env, SSM_ENV_RESOLVE_ARNS="true"))
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["DB_PASSWORD"] == SECRET_PASSWORD
    assert report["env"]["KEEP"] == "arn:aws:iam::1:role/x"  # not a parameter or a secret
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr), SECRET_PASSWORD)
