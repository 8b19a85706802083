"""Every way to choose, name and guard what reaches the environment (against moto, in-process
through the API of the package and of the single file, and through the real wrapper)."""

from __future__ import annotations

import json
import os
import string
import subprocess
import sys

import pytest
from conftest import SECRET_KEY, SESSION_TOKEN, assert_no_secrets, put, run, run_show_env
from fake_ssm import FakeSsm, aws_error, page, send
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st


def load(api, env, **extra):
    """Load with the wrapper's settings parsed from ``env`` plus ``extra`` variables."""
    environ = dict(env, **extra)
    return api.load(api.Settings.from_environ(environ), environ)


# ----------------------------------------------------------------------------- explicit names


@pytest.mark.parametrize("count", [0, 1, 10, 11, 25])
def test_names_are_fetched_ten_a_call(ssm, env, api, count):
    for i in range(count):
        put(ssm, f"/app/N{i:02d}", f"v{i}")
    names = ",".join(f"/app/N{i:02d}" for i in range(count))
    # Every name listed twice: duplicates are asked once.
    names += "," + ",".join(f"/app/N{i:02d}" for i in range(count))
    result = load(api, env, SSM_ENV_NAMES=names, SSM_ENV_PATHS="" if count else "/empty")
    assert result.variables == {f"N{i:02d}": f"v{i}" for i in range(count)}
    assert result.requests == (-(-count // 10) if count else 1)


def test_names_with_variables_and_selectors(ssm, env, api):
    put(ssm, "/app/db/password", "first-password-0001", "SecureString")
    put(ssm, "/app/db/password", "second-password-0002", "SecureString")
    ssm.label_parameter_version(Name="/app/db/password", ParameterVersion=1, Labels=["old"])
    result = load(
        api,
        env,
        SSM_ENV_NAMES="DB_PASSWORD=/app/db/password, V1=/app/db/password:1,"
        "OLD=/app/db/password:old, /app/db/password:2",
    )
    assert result.variables == {
        "DB_PASSWORD": "second-password-0002",
        "V1": "first-password-0001",
        "OLD": "first-password-0001",
        "password": "second-password-0002",
    }
    assert result.provenance["V1"] == "/app/db/password:1"


def test_invalid_names_are_one_error_listing_them_all(ssm, env, api):
    put(ssm, "/app/ok", "fine-value-123")
    with pytest.raises(api.AwsApiError) as caught:
        load(api, env, SSM_ENV_NAMES="/app/ok,/app/missing-one,/app/missing-two,/app/ok:7")
    message = str(caught.value)
    assert message.startswith("GetParameters failed (InvalidParameters): ")
    for name in ("/app/missing-one", "/app/missing-two", "/app/ok:7"):
        assert name in message
    assert "fine-value-123" not in message and "SSM_ENV_NAMES" in message


@pytest.mark.parametrize(
    "item, expect",
    [
        ("BAD-VAR=/x", "'BAD-VAR' in 'BAD-VAR=/x' is not a variable name"),
        ("/x:", "bad selector"),
        ("/x:a:b", "bad selector"),
        ("/x y", "not a valid parameter name"),
        ("/x/", "not a valid parameter name"),
        # Full ARNs are accepted since issue 14; an account id must have 12 digits.
        ("arn:aws:ssm:us-east-1:1:parameter/x", "not a valid ssm ARN"),
    ],
)
def test_malformed_names_name_the_setting(api, item, expect):
    with pytest.raises(api.ConfigError, match="SSM_ENV_NAMES") as caught:
        api.Settings.from_environ({"SSM_ENV_NAMES": item})
    assert expect in str(caught.value)


# ----------------------------------------------------------------------------- references


def test_references_are_replaced_and_may_share_a_parameter(ssm, env, api):
    put(ssm, "/app/db/password", "the-password-42", "SecureString")
    put(ssm, "/app/api/key", "old-key-000001")
    put(ssm, "/app/api/key", "new-key-000002")
    target = dict(
        env,
        DB_PASSWORD="ssm:/app/db/password",
        ALSO_PASSWORD="ssm:/app/db/password",
        API_KEY_V1="ssm:/app/api/key:1",
        PLAIN="ssm-not-a-reference",
    )
    result = api.apply_environment(target)
    assert (target["DB_PASSWORD"], target["ALSO_PASSWORD"]) == ("the-password-42",) * 2
    assert target["API_KEY_V1"] == "old-key-000001"
    assert target["PLAIN"] == "ssm-not-a-reference"
    assert result.sources == ("3 references",)
    assert result.requests == 1  # both parameters asked in one GetParameters call


def test_an_unresolvable_reference_fails_and_never_stays_literal(ssm, env, api):
    target = dict(env, DB_PASSWORD="ssm:/app/nope")
    with pytest.raises(api.AwsApiError, match="/app/nope"):
        api.apply_environment(target)
    target = dict(env, DB_PASSWORD="ssm:/app/nope", SSM_ENV_ON_ERROR="continue")
    result = api.apply_environment(target)
    assert "DB_PASSWORD" not in target
    assert result.unset == ("DB_PASSWORD",)
    assert any("/app/nope" in line for line in result.failures)


def test_a_reference_and_a_path_for_one_variable_collide(ssm, env, api):
    put(ssm, "/app/TOKEN", "from-path-000001")
    put(ssm, "/other/token", "from-ref-0000002")
    with pytest.raises(
        api.NameCollisionError,
        match="/app/TOKEN, /other/token map to TOKEN|/other/token, /app/TOKEN map to TOKEN",
    ):
        load(api, env, SSM_ENV_PATHS="/app", TOKEN="ssm:/other/token")
    # The same parameter reached twice is one source, not a collision.
    result = load(api, env, SSM_ENV_PATHS="/app", TOKEN="ssm:/app/TOKEN")
    assert result.variables == {"TOKEN": "from-path-000001"}


# ----------------------------------------------------------------------------- Secrets Manager


@pytest.fixture
def secrets(sm):
    return sm


def test_secrets_manager_through_names_and_references(ssm, secrets, env, api):
    secrets.create_secret(
        Name="prod/db-credentials", SecretString='{"user":"app","password":"pw-123456"}'
    )
    secrets.create_secret(Name="api-token", SecretString="tok-abcdef-123456")
    target = dict(
        env,
        SSM_ENV_NAMES="/aws/reference/secretsmanager/api-token",
        SSM_ENV_JSON_NAMES="DB_=/aws/reference/secretsmanager/prod/db-credentials",
        TOKEN_AGAIN="ssm:/aws/reference/secretsmanager/api-token",
    )
    result = api.apply_environment(target)
    assert target["api_token"] == "tok-abcdef-123456"
    assert target["TOKEN_AGAIN"] == "tok-abcdef-123456"
    assert (target["DB_user"], target["DB_password"]) == ("app", "pw-123456")
    assert result.requests == 1


# ----------------------------------------------------------------------------- JSON expansion


def test_json_expansion_applies_only_where_asked(ssm, env, api):
    document = {
        "host": "db.internal",
        "port": 5432,
        "tls": True,
        "opts": {"a": 1},
        "1st": "x",
        "with-dash": "d",
        "none": None,
    }
    put(ssm, "/app/config", json.dumps(document))
    put(ssm, "/app/OTHER_JSON", '{"not": "expanded"}')
    result = load(
        api, env, SSM_ENV_JSON_NAMES="/app/config", SSM_ENV_PATHS="/app", SSM_ENV_ALLOW=""
    )
    assert result.variables["host"] == "db.internal"
    assert result.variables["port"] == "5432" and result.variables["tls"] == "true"
    assert result.variables["opts"] == '{"a":1}' and result.variables["none"] == "null"
    assert result.variables["_1st"] == "x" and result.variables["with_dash"] == "d"
    # Off by default: the path loads both parameters as plain values.
    assert result.variables["OTHER_JSON"] == '{"not": "expanded"}'
    assert json.loads(result.variables["config"]) == document
    result = load(api, env, SSM_ENV_JSON_NAMES="CFG_=/app/config", SSM_ENV_UPPERCASE="true")
    assert result.variables["CFG_HOST"] == "db.internal"


@pytest.mark.parametrize(
    "value, expect",
    [("not json at all", "is not valid JSON"), ('["a", "list"]', "JSON but not an object")],
)
def test_json_names_must_hold_an_object(ssm, env, api, value, expect):
    put(ssm, "/app/config", value)
    with pytest.raises(api.SsmEnvError, match=expect) as caught:
        load(api, env, SSM_ENV_JSON_NAMES="/app/config")
    assert value not in str(caught.value)


# ----------------------------------------------------------------------------- names


def test_name_modes_prefix_and_uppercase(ssm, env, api):
    put(ssm, "/app/db/host", "h1")
    put(ssm, "/app/cache/host", "h2")
    put(ssm, "/app/port", "p")
    with pytest.raises(api.NameCollisionError) as caught:
        load(api, env, SSM_ENV_PATHS="/app", SSM_ENV_RECURSIVE="true")
    assert "/app/db/host" in str(caught.value) and "/app/cache/host" in str(caught.value)
    result = load(
        api, env, SSM_ENV_PATHS="/app", SSM_ENV_RECURSIVE="true", SSM_ENV_NAME_MODE="relative"
    )
    assert result.variables == {"db_host": "h1", "cache_host": "h2", "port": "p"}
    result = load(
        api,
        env,
        SSM_ENV_PATHS="/app",
        SSM_ENV_RECURSIVE="true",
        SSM_ENV_NAME_MODE="relative",
        SSM_ENV_PREFIX="APP_",
        SSM_ENV_UPPERCASE="yes",
    )
    assert result.variables == {"APP_DB_HOST": "h1", "APP_CACHE_HOST": "h2", "APP_PORT": "p"}


def test_uppercase_can_make_collisions_and_says_so(ssm, env, api):
    put(ssm, "/app/db_host", "a-value-0001")
    put(ssm, "/app/DB_HOST", "b-value-0002")
    assert len(load(api, env, SSM_ENV_PATHS="/app").variables) == 2
    with pytest.raises(api.NameCollisionError, match="map to DB_HOST") as caught:
        load(api, env, SSM_ENV_PATHS="/app", SSM_ENV_UPPERCASE="true")
    assert "a-value-0001" not in str(caught.value)


@pytest.mark.parametrize(
    "variable, value",
    [
        ("SSM_ENV_NAME_MODE", "flat"),
        ("SSM_ENV_ON_ERROR", "ignore"),
        ("SSM_ENV_PREFIX", "1X"),
        ("SSM_ENV_UPPERCASE", "si"),
        ("SSM_ENV_OVERWRITE", "2"),
        ("SSM_ENV_DISABLED", "on"),
    ],
)
def test_bad_settings_name_their_variable(api, variable, value):
    with pytest.raises(api.ConfigError, match=variable):
        api.Settings.from_environ({variable: value})


_NAME_CHARS = string.ascii_letters + string.digits + "_.-/"


@hsettings(max_examples=300, deadline=None)
@given(
    name=st.text(_NAME_CHARS, min_size=1, max_size=60).map(lambda s: "/" + s.strip("/")),
    base=st.sampled_from([None, "/", "/a", "/a/b"]),
    mode=st.sampled_from(["leaf", "relative"]),
    prefix=st.sampled_from(["", "APP_", "_x"]),
    uppercase=st.booleans(),
)
def test_any_parameter_name_maps_to_a_valid_variable_name(name, base, mode, prefix, uppercase):
    from ssm_env_wrapper.naming import variable_name
    from ssm_env_wrapper.sources import is_variable_name

    assert is_variable_name(
        variable_name(name, base_path=base, mode=mode, prefix=prefix, uppercase=uppercase)
    )


@hsettings(max_examples=300, deadline=None)
@given(item=st.text(min_size=1, max_size=40))
def test_any_names_setting_parses_or_is_a_clear_config_error(item):
    from ssm_env_wrapper import ConfigError, Settings
    from ssm_env_wrapper.sources import is_variable_name

    try:
        settings = Settings.from_environ({"SSM_ENV_NAMES": item})
    except ConfigError as exc:
        assert str(exc).startswith("SSM_ENV_NAMES") and "\n" not in str(exc)
        return
    for ref in settings.names:
        assert ref.name and (ref.variable is None or is_variable_name(ref.variable))


# ----------------------------------------------------------------------------- guards


def test_overwrite_on_and_off(ssm, env, api):
    put(ssm, "/app/LOG_LEVEL", "debug")
    put(ssm, "/app/NEW", "n")
    target = dict(env, SSM_ENV_PATHS="/app", LOG_LEVEL="info")
    api.apply_environment(target)
    assert target["LOG_LEVEL"] == "debug"
    target = dict(env, SSM_ENV_PATHS="/app", LOG_LEVEL="info", SSM_ENV_OVERWRITE="false")
    result = api.apply_environment(target)
    assert (target["LOG_LEVEL"], target["NEW"]) == ("info", "n")
    assert result.kept == ("LOG_LEVEL",)


@pytest.mark.parametrize(
    "name",
    [
        "AWS_REGION",
        "AWS_LAMBDA_EXEC_WRAPPER",
        "LAMBDA_TASK_ROOT",
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "SSM_ENV_PATHS",
        "PATH",
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "PYTHONPATH",
        "PYTHONSTARTUP",
        "NODE_OPTIONS",
        "NODE_PATH",
        "JAVA_TOOL_OPTIONS",
        "_JAVA_OPTIONS",
        "DOTNET_STARTUP_HOOKS",
        "BASH_ENV",
        "ENV",
        "PERL5OPT",
        "PERL5LIB",
        "RUBYOPT",
        "RUBYLIB",
        "HTTPS_PROXY",
        "SSL_CERT_FILE",
        "CORECLR_PROFILER_PATH",
    ],
)
def test_protected_names_are_refused_from_every_source(ssm, env, api, name):
    put(ssm, f"/app/{name}", "evil-value-00001")
    sources = [
        {"SSM_ENV_PATHS": "/app"},
        {"SSM_ENV_NAMES": f"/app/{name}"},
        {"SSM_ENV_NAMES": f"{name}=/app/{name}"},
    ]
    if not name.startswith("SSM_ENV_"):  # this tool's settings are never references
        sources.append({name: f"ssm:/app/{name}"})
    for extra in sources:
        with pytest.raises(api.ProtectedNameError, match=f"/app/{name} would set {name}") as caught:
            load(api, env, **extra)
        assert "evil-value-00001" not in str(caught.value)
    # Lifted by SSM_ENV_ALLOW, variable by variable.
    assert load(api, env, SSM_ENV_PATHS="/app", SSM_ENV_ALLOW=f"OTHER,{name}").variables == {
        name: "evil-value-00001"
    }


@pytest.mark.parametrize(
    "name",
    [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_PROFILE",
    ],
)
def test_credentials_can_never_be_allowed(ssm, env, api, name):
    with pytest.raises(api.ConfigError, match=f"SSM_ENV_ALLOW cannot allow {name}"):
        load(api, env, SSM_ENV_PATHS="/app", SSM_ENV_ALLOW=name)
    put(ssm, f"/app/{name}", "swapped-credential-1")
    with pytest.raises(api.ProtectedNameError, match="credentials"):
        load(api, env, SSM_ENV_PATHS="/app")


def test_a_value_over_the_kernel_limit_for_one_string_is_refused(env, api):
    big = "x" * (128 * 1024)
    with FakeSsm([page([("/p/BIG", big), ("/p/SMALL", "s")])]) as fake:
        with pytest.raises(api.SsmEnvError, match=r"/p/BIG \(variable BIG\).*MAX_ARG_STRLEN"):
            load(api, env, SSM_ENV_PATHS="/p", AWS_ENDPOINT_URL_SSM=fake.url)
        result = load(
            api, env, SSM_ENV_PATHS="/p", AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_ON_ERROR="continue"
        )
    assert result.variables == {"SMALL": "s"}


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


def test_continue_mode_starts_the_runtime_and_says_what_failed(env, wrapper):
    # The paths and the reference are fetched concurrently: answer by request, not by order.
    def by_request(handler, request):
        if request["target"].endswith("GetParametersByPath") and request["body"]["Path"] == "/ok":
            send(handler, *page([("/ok/GOOD", "good")]))
        else:
            send(handler, *aws_error("AccessDeniedException", "not authorized"))

    with FakeSsm([by_request]) as fake:
        env.update(
            SSM_ENV_PATHS="/denied,/ok",
            AWS_ENDPOINT_URL_SSM=fake.url,
            SSM_ENV_ON_ERROR="continue",
            DB_PASSWORD="ssm:/denied/password",
        )
        proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["GOOD"] == "good"
    assert "DB_PASSWORD" not in report["env"]  # never left behind as "ssm:/denied/password"
    assert (
        "SSM_ENV_ON_ERROR=continue, starting without: GetParametersByPath /denied failed"
        in proc.stderr
    )
    assert "unset unresolved references: DB_PASSWORD" in proc.stderr
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr))


def test_failing_closed_is_the_default(env, wrapper):
    with FakeSsm([aws_error("AccessDeniedException", "not authorized")]) as fake:
        env.update(SSM_ENV_PATHS="/denied", AWS_ENDPOINT_URL_SSM=fake.url)
        proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 1 and report == {}


def test_disabled_execs_at_once_and_fetches_nothing(env, wrapper):
    with FakeSsm([page([("/p/X", "x")])]) as fake:
        env.update(
            SSM_ENV_PATHS="/p",
            AWS_ENDPOINT_URL_SSM=fake.url,
            SSM_ENV_DISABLED="true",
            REF="ssm:/p/X",
        )
        proc, report = run_show_env(wrapper, env)
        assert fake.requests == []
    assert proc.returncode == 0
    assert "X" not in report["env"] and report["env"]["REF"] == "ssm:/p/X"
    assert proc.stderr == "ssm-env-wrapper: SSM_ENV_DISABLED is set: nothing loaded\n"


def test_the_next_exec_wrapper_runs_with_the_runtime_command_line(ssm, env, wrapper, tmp_path):
    put(ssm, "/p/X", "x")
    chained = tmp_path / "otel-instrument"
    chained.write_text('#!/bin/sh\nexport CHAINED="$0 saw: $*"\nexec "$@"\n')
    chained.chmod(0o755)
    env.update(SSM_ENV_PATHS="/p", SSM_ENV_EXEC_WRAPPER=str(chained))
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["X"] == "x"
    assert report["env"]["CHAINED"].startswith(f"{chained} saw: {sys.executable} ")
    env["SSM_ENV_EXEC_WRAPPER"] = str(tmp_path / "missing")
    proc = run(wrapper, ["true"], env)
    assert (proc.returncode, proc.stderr) == (
        127,
        f"ssm-env-wrapper: command not found: {tmp_path / 'missing'}\n",
    )


def test_protected_parameter_stops_the_wrapper_without_printing_it(ssm, env, wrapper):
    put(ssm, "/app/LD_PRELOAD", "/tmp/evil-library.so")
    env["SSM_ENV_PATHS"] = "/app"
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 1 and report == {}
    assert "/app/LD_PRELOAD would set LD_PRELOAD" in proc.stderr
    assert_no_secrets(proc, "/tmp/evil-library.so")
    assert SECRET_KEY not in proc.stderr and SESSION_TOKEN not in proc.stderr
    assert os.environ.get("LD_PRELOAD") != "/tmp/evil-library.so"
