"""Issue 14: sources for teams at scale. ``${VAR}`` in source settings, optional names (``?``),
SSM_ENV_REQUIRED, SSM_ENV_COLLISION=later-wins, parameters shared from another account by full
ARN, ARN-valued variables (SSM_ENV_RESOLVE_ARNS), Secrets Manager read directly, and refreshing
in process after a SnapStart restore.

Secrets Manager and Parameter Store run in moto over HTTP (moto serves GetSecretValue and
BatchGetSecretValue). moto ignores ARNs in GetParameters, so shared parameters are served by the
project's own model of the API (``fake_ssm.SsmModel``). The wrapper runs as a real subprocess
that execs, through every shipped form where the path through the code differs.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import REGION, assert_no_secrets, put, run, run_show_env
from fake_ssm import ACCOUNT, FakeSsm, FaultySsm, SsmModel, aws_error, modelled

SECRET_PASSWORD = "db-Passw0rd-DoNotPrint-9f3a"
SECRET_USER = "db-user-DoNotPrint-71bc"
SECRET_TOKEN = "api-Token-DoNotPrint-5e8d2c"
OTHER_ACCOUNT = "210987654321"


def load(api, env, **extra):
    environ = dict(env, **extra)
    return api.load(api.Settings.from_environ(environ), environ)


def db_secret(sm) -> str:
    """prod/db as a JSON secret; returns its full ARN."""
    answer = sm.create_secret(
        Name="prod/db", SecretString=json.dumps({"password": SECRET_PASSWORD, "user": SECRET_USER})
    )
    return answer["ARN"]


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


def test_expansion_reads_the_starting_environment_never_a_fetched_value(ssm, env):
    """/dev/app holds a parameter STAGE=prod; SSM_ENV_NAMES=/${STAGE}/db still means /dev/db."""
    import ssm_env_wrapper

    put(ssm, "/dev/app/STAGE", "prod")
    put(ssm, "/dev/db", "dev-db")
    put(ssm, "/prod/db", "prod-db")
    result = load(
        ssm_env_wrapper, env, STAGE="dev", SSM_ENV_PATHS="/dev/app", SSM_ENV_NAMES="/${STAGE}/db"
    )
    assert result.variables == {"STAGE": "prod", "db": "dev-db"}


def test_a_value_is_expanded_once_and_cannot_add_items(api):
    """A variable's value is not expanded again, and a comma in it is not a separator."""
    environ = {"A": "${B}", "B": "x", "TWO": "/a,/b"}
    with pytest.raises(api.ConfigError, match="is not valid once its"):
        api.Settings.from_environ(dict(environ, SSM_ENV_NAMES="/p/${A}"))
    with pytest.raises(api.ConfigError, match="SSM_ENV_NAMES"):
        api.Settings.from_environ(dict(environ, SSM_ENV_NAMES="${TWO}"))
    with pytest.raises(api.ConfigError, match="SSM_ENV_PATHS"):
        api.Settings.from_environ(dict(environ, SSM_ENV_PATHS="${TWO}"))


@pytest.mark.parametrize(
    "text, expected",
    [("/a/${X}/b", "/a/1/b"), ("$$", "$"), ("a$$b", "a$b"), ("${X}${X}", "11"), ("plain", "plain")],
)
def test_expand(text, expected):
    from ssm_env_wrapper.sources import expand

    assert expand(text, "S", {"X": "1"}) == expected


@pytest.mark.parametrize("text", ["$X", "${X", "${1X}", "${}", "a$", "${X-y}"])
def test_a_dollar_that_is_not_a_variable_is_an_error(text):
    from ssm_env_wrapper import ConfigError
    from ssm_env_wrapper.sources import expand

    with pytest.raises(ConfigError, match=r"S: .*write \$\{NAME\}.*\$\$ for a literal \$"):
        expand(text, "S", {"X": "1"})


def test_expansion_reaches_secret_settings(api):
    settings = api.Settings.from_environ(
        {"STAGE": "dev", "SSM_ENV_SECRETS": "${STAGE}/db", "SSM_ENV_JSON_SECRETS": "${STAGE}/x"}
    )
    assert [ref.secret_id for ref in settings.secrets + settings.json_secrets] == [
        "dev/db",
        "dev/x",
    ]


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


def test_the_rest_stays_strict(ssm, env, api):
    put(ssm, "/app/a", "value-a")
    with pytest.raises(api.AwsApiError) as caught:
        load(api, env, SSM_ENV_NAMES="/app/a,/app/b?,/app/c")
    assert "/app/c does not exist" in str(caught.value) and "/app/b" not in str(caught.value)


def test_the_same_name_asked_strictly_and_optionally_is_strict(ssm, env, api):
    with pytest.raises(api.AwsApiError, match="/app/b does not exist"):
        load(api, env, SSM_ENV_NAMES="/app/b?", B="ssm:/app/b")


def test_optional_secrets_and_keys(sm, sm_env, api):
    db_secret(sm)
    result = load(
        api,
        sm_env,
        SSM_ENV_SECRETS="nope?,prod/db:password,MISSING_KEY=prod/db:nokey?",
        OPT="secretsmanager:gone?",
    )
    assert result.variables == {"password": SECRET_PASSWORD}
    assert set(result.skipped) == {
        "secretsmanager:nope",
        "secretsmanager:gone",
        "secretsmanager:prod/db#nokey",
    }
    assert "OPT" in result.unset


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


def test_a_bad_required_name_is_a_setting_error(api):
    with pytest.raises(api.ConfigError, match="SSM_ENV_REQUIRED: not variable names: 'A-B'"):
        api.Settings.from_environ({"SSM_ENV_REQUIRED": "OK,A-B"})


def test_check_lists_missing_required_variables_as_a_problem(ssm, env):
    put(ssm, "/app/X", "x")
    from conftest import ROOT

    wrapper = [str(ROOT / "bin" / "wrapper")]
    proc = run(wrapper, ["check", "--path", "/app", "--required", "X", "--required", "Y"], env)
    assert proc.returncode == 1
    # Named as the caller gave it: the options, not the variable they mirror.
    assert "--required: not set by any source nor in the environment: Y" in proc.stdout


def test_cli_collision_and_resolve_arns_options(ssm, env):
    from conftest import ROOT

    put(ssm, "/a/X", "first-value")
    put(ssm, "/b/X", "second-value")
    wrapper = [str(ROOT / "bin" / "wrapper")]
    proc = run(wrapper, ["check", "--path", "/a", "--path", "/b", "--collision", "later-wins"], env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "override (later-wins): X from /b/X over /a/X" in proc.stdout
    proc = run(wrapper, ["check", "--path", "/a", "--collision", "nope"], env)
    assert proc.returncode == 1
    assert "--collision (SSM_ENV_COLLISION) must be one of error, later-wins" in proc.stderr
    proc = run(
        wrapper,
        ["export", "--format", "json", "--resolve-arns", "--path", "/a"],
        dict(env, Y="arn:aws:ssm:us-east-1:123456789012:parameter/b/X"),
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"X": "first-value", "Y": "second-value"}


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


def test_later_wins_keeps_a_collision_inside_one_source(ssm, env, api):
    put(ssm, "/one/db-host", "a")
    put(ssm, "/one/db_host", "b")
    with pytest.raises(api.NameCollisionError, match="/one/db-host, /one/db_host map to db_host"):
        load(api, env, SSM_ENV_PATHS="/one", SSM_ENV_COLLISION="later-wins")


def test_the_default_is_still_an_error(ssm, env, api):
    put(ssm, "/a/X", "1")
    put(ssm, "/b/X", "2")
    with pytest.raises(api.NameCollisionError, match="SSM_ENV_COLLISION=later-wins"):
        load(api, env, SSM_ENV_PATHS="/a,/b")


# -------------------------------------------------------------------- parameters shared by ARN


def shared_model() -> SsmModel:
    model = SsmModel()
    model.put("/own/x", "own-x-value")
    model.share(OTHER_ACCOUNT, "/team/db/password", "shared-v1-DoNotPrint")
    model.share(OTHER_ACCOUNT, "/team/db/password", "shared-v2-DoNotPrint", labels=("live",))
    model.share(OTHER_ACCOUNT, "/team/config", json.dumps({"mode": "strict"}))
    model.share(OTHER_ACCOUNT, "/own/x", "foreign-x-value")
    return model


def arn(name: str, account: str = OTHER_ACCOUNT, region: str = REGION, part: str = "aws") -> str:
    return f"arn:{part}:ssm:{region}:{account}:parameter/{name.lstrip('/')}"


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


@pytest.mark.parametrize(
    "item",
    [
        "arn:aws:ssm:us-east-1:12345:parameter/x",  # account id
        "arn:aws:ssm::123456789012:parameter/x",  # region
        "arn:aws:ssm:us-east-1:123456789012:document/x",  # not a parameter
        "arn:aws:s3:us-east-1:123456789012:parameter/x",  # not ssm
        "arn:aws:ssm:us-east-1:123456789012:parameter/",  # no name
        "arn:aws:ssm:us-east-1:123456789012:parameter/x:",  # empty selector
        "arn:moon:ssm:us-east-1:123456789012:parameter/x",  # partition
    ],
)
def test_an_invalid_arn_is_an_error_naming_the_setting(api, item):
    with pytest.raises(api.ConfigError, match=r"SSM_ENV_NAMES: .*(ARN|selector)"):
        api.Settings.from_environ({"SSM_ENV_NAMES": item})


def _rename(to):
    def tamper(body, request):
        for parameter in body["Parameters"]:
            parameter["Name"] = to(parameter["Name"])
        return body

    return tamper


@pytest.mark.parametrize(
    "tamper, accepted",
    [
        (None, True),  # Name = the ARN asked
        (_rename(lambda name: "/team/config"), True),  # Name = the name inside the ARN
        (_rename(lambda name: "team/config"), True),  # ... without its leading slash
        (_rename(lambda name: "/team/other"), False),
        (lambda body, request: dict(body, Parameters=[], InvalidParameters=[]), False),
        (lambda body, request: dict(body, Parameters=body["Parameters"] * 2), False),
    ],
)
def test_every_arn_asked_is_answered_exactly_once(env, tamper, accepted):
    import ssm_env_wrapper

    with FaultySsm([modelled(shared_model(), tamper)]) as fake:
        outcome = None
        try:
            outcome = load(
                ssm_env_wrapper,
                env,
                AWS_ENDPOINT_URL_SSM=fake.url,
                SSM_ENV_NAMES=arn("/team/config"),
            )
        except ssm_env_wrapper.SsmEnvError as exc:
            assert "answer is inconsistent" in str(exc)
    assert (outcome is not None) == accepted
    if accepted:
        assert outcome.variables == {"config": json.dumps({"mode": "strict"})}


def test_a_missing_shared_parameter_is_invalid_by_its_arn(env, api):
    with FaultySsm([modelled(shared_model())]) as fake:
        with pytest.raises(api.AwsApiError) as caught:
            load(api, env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_NAMES=arn("/team/none"))
    assert arn("/team/none") + " does not exist" in str(caught.value)


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


def test_a_parameter_arn_value_resolves_like_a_reference(env):
    import ssm_env_wrapper

    with FaultySsm([modelled(shared_model())]) as fake:
        result = load(
            ssm_env_wrapper,
            env,
            AWS_ENDPOINT_URL_SSM=fake.url,
            SSM_ENV_RESOLVE_ARNS="true",
            TEAM_PASSWORD=arn("/team/db/password") + ":1",
            # A protected variable holding an ARN is another program's setting: left alone.
            AWS_ROLE_ARN=arn("/team/db/password"),
        )
    assert result.variables == {"TEAM_PASSWORD": "shared-v1-DoNotPrint"}
    assert "AWS_ROLE_ARN" not in result.unset


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


def test_one_secret_is_one_get_secret_value_and_more_are_batched_twenty_a_call(sm_env):
    import ssm_env_wrapper

    ids = [f"s{i:02d}" for i in range(25)]

    def answer(handler, request):
        from fake_ssm import send

        body = request["body"]
        entry = lambda sid: {  # noqa: E731
            "ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{sid}-AbCdEf",
            "Name": sid,
            "SecretString": f"value-of-{sid}",
        }
        if request["target"] == "secretsmanager.GetSecretValue":
            # As the API does: the version's stages, which prove a stage asked.
            stages = [body.get("VersionStage", "AWSCURRENT")]
            send(handler, 200, dict(entry(body["SecretId"]), VersionStages=stages))
        else:
            send(handler, 200, {"SecretValues": [entry(s) for s in body["SecretIdList"]]})

    with FakeSsm([answer]) as fake:
        environ = dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url)
        one = load(ssm_env_wrapper, environ, SSM_ENV_SECRETS="s00")
        many = load(ssm_env_wrapper, environ, SSM_ENV_SECRETS=",".join(ids))
        pinned = load(ssm_env_wrapper, environ, SSM_ENV_SECRETS="s00,s01::AWSPREVIOUS")
        calls = [(r["target"], r["body"]) for r in fake.requests]
    assert one.variables == {"s00": "value-of-s00"} and one.requests == 1
    assert len(many.variables) == 25 and many.requests == 2
    assert pinned.requests == 2
    assert calls[0] == ("secretsmanager.GetSecretValue", {"SecretId": "s00"})
    batches = sorted(len(b["SecretIdList"]) for t, b in calls[1:3])
    assert batches == [5, 20]
    assert (
        "secretsmanager.GetSecretValue",
        {"SecretId": "s01", "VersionStage": "AWSPREVIOUS"},
    ) in (calls[3:])


def test_a_version_stage_is_read(sm, sm_env, api):
    sm.create_secret(Name="rotating", SecretString="old-value-123456")
    sm.put_secret_value(SecretId="rotating", SecretString="new-value-654321")
    result = load(api, sm_env, SSM_ENV_SECRETS="OLD=rotating::AWSPREVIOUS,NEW=rotating")
    assert result.variables == {"OLD": "old-value-123456", "NEW": "new-value-654321"}


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


def test_a_binary_secret_is_a_clear_error(sm, sm_env, api):
    sm.create_secret(Name="cert", SecretBinary=b"\x00\x01binary")
    with pytest.raises(api.SsmEnvError, match="holds SecretBinary, not SecretString"):
        load(api, sm_env, SSM_ENV_SECRETS="cert")


@pytest.mark.parametrize(
    "item, expect",
    [
        ("bad name!", "not a valid secret id"),
        ("arn:aws:secretsmanager:us-east-1:123456789012:parameter:x", "not a valid secret ARN"),
        ("arn:aws:secretsmanager:us-east-1:12:secret:x", "not a valid secretsmanager ARN"),
        ("x:k:s:i:extra", "too many ':' parts"),
        ("1BAD=x", "not a variable name"),
    ],
)
def test_malformed_secrets_name_the_setting(api, item, expect):
    with pytest.raises(api.ConfigError, match="SSM_ENV_SECRETS") as caught:
        api.Settings.from_environ({"SSM_ENV_SECRETS": item})
    assert expect in str(caught.value)


def test_a_json_secret_takes_no_key(api):
    with pytest.raises(api.ConfigError, match="SSM_ENV_JSON_SECRETS: .*names a JSON key"):
        api.Settings.from_environ({"SSM_ENV_JSON_SECRETS": "prod/db:password"})


def test_a_secret_of_another_region_is_refused_before_any_request(sm_env, api):
    with pytest.raises(api.ConfigError, match="another region or partition"):
        load(
            api,
            sm_env,
            SSM_ENV_SECRETS="arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf",
        )


def test_guards_apply_to_secrets(sm, sm_env, api):
    sm.create_secret(Name="evil", SecretString=json.dumps({"LD_PRELOAD": "/tmp/x.so", "OK": "1"}))
    sm.create_secret(Name="app/OK", SecretString="other")
    with pytest.raises(api.ProtectedNameError, match=r"secretsmanager:evil#LD_PRELOAD"):
        load(api, sm_env, SSM_ENV_JSON_SECRETS="evil")
    with pytest.raises(api.NameCollisionError, match="map to OK"):
        load(
            api,
            sm_env,
            SSM_ENV_JSON_SECRETS="evil",
            SSM_ENV_SECRETS="app/OK",
            SSM_ENV_ALLOW="LD_PRELOAD",
        )
    with pytest.raises(api.ProtectedNameError, match="secretsmanager:app/OK would set PATH"):
        load(api, sm_env, PATH="secretsmanager:app/OK")
    sm.create_secret(Name="big", SecretString="x" * 140_000)
    with pytest.raises(api.SsmEnvError, match="cannot put in the environment: secretsmanager:big"):
        load(api, sm_env, SSM_ENV_SECRETS="big")


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


@pytest.mark.parametrize(
    "operation, secrets, message, expect",
    [
        (
            "GetSecretValue",
            "prod/db",
            "User: arn:aws:sts::1:assumed-role/r/f is not authorized to perform: "
            "secretsmanager:GetSecretValue",
            "allow secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:"
            "<account-id>:secret:prod/db-*",
        ),
        (
            "BatchGetSecretValue",
            "a,b",
            "not authorized to perform: secretsmanager:BatchGetSecretValue",
            'allow secretsmanager:BatchGetSecretValue (Resource "*") and '
            "secretsmanager:GetSecretValue on each secret",
        ),
        (
            "GetSecretValue",
            "prod/db",
            "Access to KMS is not allowed",
            "allow kms:Decrypt on the secret's customer managed KMS key",
        ),
    ],
)
def test_access_denied_names_the_secret_and_the_iam_action(
    sm_env, api, operation, secrets, message, expect
):
    with FakeSsm([aws_error("AccessDeniedException", message)]) as fake:
        with pytest.raises(api.AwsApiError) as caught:
            load(
                api,
                dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url),
                SSM_ENV_SECRETS=secrets,
            )
        assert fake.requests[0]["target"] == f"secretsmanager.{operation}"
        assert fake.requests[0]["headers"]["Authorization"].split("/")[3] == "secretsmanager"
    assert expect in str(caught.value) and secrets.split(",")[0] in str(caught.value)


def test_a_batch_error_for_one_secret_names_it(sm_env, api):
    def answer(handler, request):
        from fake_ssm import send

        send(
            handler,
            200,
            {
                "SecretValues": [
                    {
                        "ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:a-AbCdEf",
                        "Name": "a",
                        "SecretString": "va-0123456789",
                    }
                ],
                "Errors": [{"SecretId": "b", "ErrorCode": "DecryptionFailure", "Message": "kms"}],
            },
        )

    with FakeSsm([answer]) as fake:
        with pytest.raises(api.AwsApiError) as caught:
            load(
                api, dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url), SSM_ENV_SECRETS="a,b"
            )
    text = str(caught.value)
    assert "BatchGetSecretValue b failed (DecryptionFailure)" in text and "kms:Decrypt" in text


@pytest.mark.parametrize(
    "answer",
    [
        {"SecretValues": [], "Errors": []},  # b and a left out
        {
            "SecretValues": [
                {
                    "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:c-AbCdEf",
                    "Name": "c",
                    "SecretString": "x",
                }
            ]
        },
        {"SecretValues": "no"},
        {"SecretValues": [{"Name": "a", "SecretString": "x"}]},
    ],
)
def test_a_batch_answer_must_answer_every_id_once(sm_env, api, answer):
    with FakeSsm([(200, answer)]) as fake:
        with pytest.raises(api.EndpointError, match="AWS_ENDPOINT_URL_SECRETS_MANAGER"):
            load(
                api, dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url), SSM_ENV_SECRETS="a,b"
            )


def test_the_secrets_endpoint_comes_before_the_general_one(sm, sm_env, env, api, moto_url):
    sm.create_secret(Name="e", SecretString="endpoint-value-1")
    dead = "http://127.0.0.1:9"
    result = load(api, sm_env, AWS_ENDPOINT_URL=dead, SSM_ENV_SECRETS="e")
    assert result.variables == {"e": "endpoint-value-1"}
    general = dict(env, AWS_ENDPOINT_URL=moto_url)
    assert load(api, general, SSM_ENV_SECRETS="e").variables == {"e": "endpoint-value-1"}


def test_the_api_reads_secrets(sm, sm_env, api):
    db_secret(sm)
    values = api.load_parameters(
        secrets=["PW=prod/db:password"], json_secrets="X_=prod/db", environ=sm_env, required="PW"
    )
    assert values == {"PW": SECRET_PASSWORD, "X_password": SECRET_PASSWORD, "X_user": SECRET_USER}
    with pytest.raises(api.RequiredVariableError, match="NOPE"):
        api.load_parameters(secrets="prod/db:user", environ=sm_env, required=["NOPE"])


def test_cli_check_and_export_read_secrets(sm, sm_env):
    from conftest import ROOT

    db_secret(sm)
    wrapper = [str(ROOT / "bin" / "wrapper")]
    proc = run(
        wrapper, ["check", "--secret", "PW=prod/db:password", "--json-secret", "prod/db"], sm_env
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PW        <- secretsmanager:prod/db#password" in proc.stdout
    assert_no_secrets(proc, SECRET_PASSWORD, SECRET_USER)
    proc = run(wrapper, ["export", "--format", "json", "--secret", "PW=prod/db:password"], sm_env)
    assert json.loads(proc.stdout) == {"PW": SECRET_PASSWORD}
    proc = run(wrapper, ["check", "--secret", "prod/none"], sm_env)
    assert proc.returncode == 1 and "secretsmanager:prod/none does not exist" in proc.stdout


MODES = [(False, False), (True, False), (False, True), (True, True)]


def test_secrets_manager_hosts_match_botocores_rule_set():
    import botocore.session
    from botocore.config import Config
    from test_endpoint import REGIONS

    from ssm_env_wrapper import ConfigError
    from ssm_env_wrapper.endpoint import secrets_host

    session = botocore.session.get_session()
    mismatched = []
    for region in REGIONS:
        for fips, dualstack in MODES:
            try:
                client = session.create_client(
                    "secretsmanager",
                    region_name=region,
                    aws_access_key_id="x",
                    aws_secret_access_key="x",
                    config=Config(use_fips_endpoint=fips, use_dualstack_endpoint=dualstack),
                )
                operation = client.meta.service_model.operation_model("GetSecretValue")
                url = client._ruleset_resolver.construct_endpoint(
                    operation, {"SecretId": "x"}, {}
                ).url
                expected = url.split("://", 1)[1]
            except Exception as exc:  # botocore refuses the variant: so must we
                expected = type(exc).__name__
            try:
                got = secrets_host(region, fips, dualstack)
            except ConfigError:
                got = "EndpointVariantError"
            if got != expected:
                mismatched.append((region, fips, dualstack, got, expected))
    assert not mismatched, mismatched[:5]


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


# ------------------------------------------------------------------------------ attacks on it


def test_expanded_text_never_reaches_a_message(api):
    """An item malformed once expanded is quoted as written: the environment may hold a secret."""
    environ = {"DB_PASSWORD": "hunter2-DoNotPrint!", "SSM_ENV_NAMES": "/app/${DB_PASSWORD}"}
    with pytest.raises(api.ConfigError) as caught:
        api.Settings.from_environ(environ)
    assert "'/app/${DB_PASSWORD}' is not valid once its ${...} are expanded" in str(caught.value)
    assert "hunter2" not in str(caught.value)
    with pytest.raises(api.ConfigError, match="names a credential, which is never expanded"):
        api.Settings.from_environ(
            {"AWS_SECRET_ACCESS_KEY": "x", "SSM_ENV_PATHS": "/${AWS_SECRET_ACCESS_KEY}"}
        )


def test_a_hostile_batch_answer_cannot_forge_a_line_or_echo_a_value(sm_env, api):
    def answer(handler, request):
        from fake_ssm import send

        send(
            handler,
            200,
            {
                "SecretValues": [
                    {
                        "ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:a-AbCdEf",
                        "Name": "a",
                        "SecretString": "first-secret-value-DoNotPrint",
                    }
                ],
                "Errors": [
                    {
                        "SecretId": "b",
                        "ErrorCode": "X\nssm-env-wrapper: forged first-secret-value-DoNotPrint",
                        "Message": "echo first-secret-value-DoNotPrint\r\n",
                    }
                ],
            },
        )

    with FakeSsm([answer]) as fake:
        with pytest.raises(api.AwsApiError) as caught:
            load(
                api, dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url), SSM_ENV_SECRETS="a,b"
            )
    text = str(caught.value)
    assert "\n" not in text and "\r" not in text
    assert "first-secret-value" not in text


def test_a_get_secret_value_answer_for_another_secret_or_stage_is_refused(sm_env, api):
    wrong = {
        "ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:other-AbCdEf",
        "Name": "other",
        "SecretString": "x",
    }
    stage = {
        "ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:a-AbCdEf",
        "Name": "a",
        "SecretString": "x",
        "VersionStages": ["AWSCURRENT"],
    }
    for body, secrets in ((wrong, "a"), (stage, "a::AWSPREVIOUS")):
        with FakeSsm([(200, body)]) as fake:
            with pytest.raises(api.EndpointError, match="answer is inconsistent"):
                load(
                    api,
                    dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url),
                    SSM_ENV_SECRETS=secrets,
                )


# ------------------------------------------------------------- the same retries and deadline


def test_a_throttled_secret_is_retried(sm_env, api):
    ok = {
        "ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:t-AbCdEf",
        "Name": "t",
        "SecretString": "throttled-then-fine",
    }
    script = [aws_error("ThrottlingException", "Rate exceeded"), (200, ok)]
    with FakeSsm(script) as fake:
        result = load(
            api, dict(sm_env, AWS_ENDPOINT_URL_SECRETS_MANAGER=fake.url), SSM_ENV_SECRETS="t"
        )
    assert result.variables == {"t": "throttled-then-fine"} and result.requests == 2


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
