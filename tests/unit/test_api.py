"""The in-code API, from the package and from the single file, against moto."""

from __future__ import annotations

import pytest
from conftest import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, put


def test_load_parameters_returns_variables(ssm, env, api):
    put(ssm, "/prod/app/DB_HOST", "db")
    put(ssm, "/prod/app/db-pass", "pw", "SecureString")
    put(ssm, "/prod/app/deeper/LEVEL", "2")
    assert api.load_parameters("/prod/app", environ=env) == {"DB_HOST": "db", "db_pass": "pw"}
    assert api.load_parameters(["prod/app/", "/prod/app"], recursive=True, environ=env) == {
        "DB_HOST": "db",
        "db_pass": "pw",
        "LEVEL": "2",
    }


def test_explicit_arguments_win_over_the_environment(ssm, env, api):
    put(ssm, "/prod/app/X", "x")
    endpoint = env.pop("AWS_ENDPOINT_URL_SSM")
    env["AWS_REGION"] = "eu-west-1"
    credentials = api.Credentials(ACCESS_KEY, SECRET_KEY)
    assert api.load_parameters(
        "/prod/app", environ={}, credentials=credentials, region="us-east-1", endpoint_url=endpoint
    ) == {"X": "x"}


def test_apply_environment_sets_all_or_nothing(ssm, env, api):
    put(ssm, "/prod/app/A", "a")
    put(ssm, "/prod/app/B", "b")
    target = dict(env, SSM_ENV_PATHS="/prod/app")
    result = api.apply_environment(target)
    assert (target["A"], target["B"]) == ("a", "b")
    assert sorted(result.variables) == ["A", "B"]
    assert result.provenance == {"A": "/prod/app/A", "B": "/prod/app/B"}
    assert "'a'" not in repr(result) and "A" in repr(result)


def test_case_makes_distinct_variables(ssm, env, api):
    put(ssm, "/prod/app/A", "upper")
    put(ssm, "/prod/app/a", "lower")
    assert api.load_parameters("/prod/app", environ=env) == {"A": "upper", "a": "lower"}


def test_a_collision_sets_nothing(ssm, env, api):
    put(ssm, "/prod/app/x-y", "1")
    put(ssm, "/prod/app/x_y", "2")
    put(ssm, "/prod/app/OTHER", "3")
    target = dict(env, SSM_ENV_PATHS="/prod/app")
    before = dict(target)
    with pytest.raises(api.NameCollisionError) as caught:
        api.apply_environment(target)
    assert target == before
    assert isinstance(caught.value, api.SsmEnvError)


def test_a_value_the_environment_cannot_carry_sets_nothing(env, api):
    from fake_ssm import FakeSsm, page

    with FakeSsm([page([("/p/GOOD", "g"), ("/p/BAD", "nul\0inside")])]) as fake:
        target = dict(env, SSM_ENV_PATHS="/p", AWS_ENDPOINT_URL_SSM=fake.url)
        before = dict(target)
        with pytest.raises(api.SsmEnvError) as caught:
            api.apply_environment(target)
    assert target == before
    assert "/p/BAD (variable BAD)" in str(caught.value) and "inside" not in str(caught.value)


def test_errors_are_one_base_class(env, api):
    env.pop("AWS_ACCESS_KEY_ID")
    with pytest.raises(api.CredentialsError):
        api.load_parameters("/x", environ=env)
    with pytest.raises(api.ConfigError):
        api.load_parameters("/bad path", environ=env)
    for name in (
        "ConfigError",
        "CredentialsError",
        "CommandNotFoundError",
        "EndpointError",
        "AwsApiError",
        "NameCollisionError",
    ):
        assert issubclass(getattr(api, name), api.SsmEnvError)


def test_endpoint_error_chains_the_cause(api):
    env = {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_REGION": "us-east-1"}
    with pytest.raises(api.EndpointError) as caught:
        api.load_parameters(
            "/x", environ=env, endpoint_url="http://127.0.0.1:9", timeout=2, max_attempts=1
        )
    assert isinstance(caught.value.__cause__, OSError)


def test_credentials_never_show_their_secrets(api):
    credentials = api.Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    for text in (repr(credentials), str(credentials), f"{credentials}"):
        assert SECRET_KEY not in text and SESSION_TOKEN not in text and ACCESS_KEY in text
    with pytest.raises(AttributeError):
        credentials.secret_key = "x"


def test_settings_parse_once_and_are_immutable(api):
    settings = api.Settings.from_environ(
        {
            "APP_ENV": "prod",
            "APP_PARAMS_PATH": "app",
            "SSM_ENV_PATHS": "/shared,/prod/app,,",
            "SSM_ENV_RECURSIVE": "YES",
        }
    )
    assert settings == api.Settings(("/prod/app", "/shared"), True)
    assert settings.has_sources
    with pytest.raises(AttributeError):
        settings.recursive = False
    assert not api.Settings.from_environ({"APP_ENV": "prod"}).has_sources
    for word, value in [("true", True), ("1", True), ("no", False), ("False", False), ("", False)]:
        assert api.Settings.from_environ({"SSM_ENV_RECURSIVE": word}).recursive is value
    with pytest.raises(api.ConfigError, match="SSM_ENV_RECURSIVE must be true or false"):
        api.Settings.from_environ({"SSM_ENV_RECURSIVE": "on"})


@pytest.mark.parametrize(
    "name, variable",
    [
        ("/a/b/DB_HOST", "DB_HOST"),
        ("/a/db-host", "db_host"),
        ("/a/1x", "_1x"),
        ("/a/é", "_"),
        ("plain", "plain"),
        ("/a/x.y-z", "x_y_z"),
        ("/a/9", "_9"),
    ],
)
def test_variable_names(api, name, variable):
    assert api.variable_name(name) == variable


def test_all_names_the_public_surface(api):
    for name in api.__all__:
        assert hasattr(api, name), name
    assert {"load_parameters", "apply_environment", "main", "SsmEnvError"} <= set(api.__all__)
