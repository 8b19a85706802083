"""The load and the public API (``load``, ``load_parameters``, ``apply_environment``): all-or-nothing, one error base class, explicit arguments over the environment, a last line of defence, and random answers ending in the project's errors only."""

from __future__ import annotations

import importlib
import os
import subprocess
import traceback

import pytest
from conftest import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, assert_no_secrets, put
from entry_cases import ENV, LEAK, MARK
from fuzz_endpoint import ShapeEndpoint, answers_for, secret_arn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ssm_env_wrapper
from ssm_env_wrapper import loader
from ssm_env_wrapper.errors import SsmEnvError


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


def test_the_api_is_not_told_of_variables_it_cannot_set(ssm, env):
    from conftest import put

    put(ssm, "/app/PATH", "not-a-path-0012")
    put(ssm, "/app/a/X", "x")
    put(ssm, "/app/b/X", "x")
    with pytest.raises(SsmEnvError) as protected:
        ssm_env_wrapper.load_parameters("/app", environ=env)
    with pytest.raises(SsmEnvError) as collided:
        ssm_env_wrapper.load_parameters(["/app/a", "/app/b"], environ=env)
    # The API takes allow= (as the wrapper takes SSM_ENV_ALLOW): the fix names the argument.
    assert str(protected.value).endswith(
        "; rename the parameters, or list a variable in allow= if it is really meant"
    ), str(protected.value)
    assert str(collided.value).endswith("or set name_mode=/prefix="), str(collided.value)


EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))

INTERNAL = "a bug in ssm-env-wrapper"

SOURCES = {
    "SSM_ENV_PATHS": "/app",
    "SSM_ENV_NAMES": "/app/a,B=/app/b:2,/app/sub/c?",
    "SSM_ENV_JSON_NAMES": "J_=/app/j",
    "SSM_ENV_SECRETS": f"s1,K=s2:key,P=s3::AWSPREVIOUS,{secret_arn('s4', '')}",
    "SSM_ENV_JSON_SECRETS": "S_=s5",
    "REF_A": "ssm:/app/r",
}


@pytest.fixture(scope="module")
def endpoint():
    with ShapeEndpoint() as fake:
        yield fake


def environ_for(url: str, **extra: str) -> dict[str, str]:
    return dict(
        SOURCES,
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_REGION="us-east-1",
        AWS_ENDPOINT_URL_SSM=url,
        AWS_ENDPOINT_URL_SECRETS_MANAGER=url,
        AWS_CONFIG_FILE="/nonexistent/config",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/credentials",
        SSM_ENV_MAX_ATTEMPTS="1",
        SSM_ENV_TIMEOUT="5",
        **extra,
    )


def inner_load(environ: dict[str, str]):
    """The load without its last line of defence: what the checks alone make of the answers."""
    settings_ = ssm_env_wrapper.Settings.from_environ(environ)
    return loader.load.__wrapped__(settings_, environ)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    answers=answers_for(),
    on_error=st.sampled_from(["fail", "continue"]),
    collision=st.sampled_from(["error", "later-wins"]),
)
def test_any_answer_ends_in_a_result_or_the_projects_error(endpoint, answers, on_error, collision):
    endpoint.answers = answers
    environ = environ_for(endpoint.url, SSM_ENV_ON_ERROR=on_error, SSM_ENV_COLLISION=collision)
    try:
        result = inner_load(environ)
    except ssm_env_wrapper.SsmEnvError as exc:
        assert INTERNAL not in str(exc)
        assert "\n" not in str(exc)
    else:
        assert all(INTERNAL not in failure for failure in result.failures)
        for variable, value in result.variables.items():
            assert type(variable) is str and type(value) is str


# ------------------------------------------------------ shape holes the fuzz found, one a case
@pytest.mark.parametrize(
    "body",
    [
        {"__type": ["ParameterNotFound", "arn"], "message": "m"},
        {"__type": {"x": 1}, "message": "m"},
        {"__type": "ParameterNotFound", "message": ["leaked-DoNotPrint-42", 1]},
        {"__type": "ParameterNotFound", "Message": {"k": "leaked-DoNotPrint-42"}},
    ],
)
def test_an_error_whose_code_or_message_is_not_a_string_is_not_shown_as_python(endpoint, body):
    endpoint.answers = {"GetParametersByPath": (400, body)}
    with pytest.raises(ssm_env_wrapper.SsmEnvError) as caught:
        inner_load(environ_for(endpoint.url, SSM_ENV_NAMES="", SSM_ENV_JSON_NAMES=""))
    text = str(caught.value)
    assert "[" not in text and "{" not in text and "leaked" not in text


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_an_answer_holding_a_constant_json_does_not_allow_is_not_json(endpoint, constant):
    body = b'{"Parameters": [{"Name": "/app/a", "Value": "v", "Version": ' + constant.encode()
    endpoint.answers = {"GetParametersByPath": (200, body + b"}]}")}
    environ = environ_for(endpoint.url, SSM_ENV_NAMES="", SSM_ENV_JSON_NAMES="", SSM_ENV_SECRETS="")
    environ.update(SSM_ENV_JSON_SECRETS="")
    environ.pop("REF_A")
    with pytest.raises(ssm_env_wrapper.EndpointError, match="a body that is not JSON"):
        inner_load(environ)


def module_of(api, name: str):
    """The module holding ``name`` internals: the single file is one module."""
    if api.__name__ == "ssm_env_wrapper_single":
        return api
    return importlib.import_module(f"ssm_env_wrapper.{name}")


def boom(*args, **kwargs):
    raise ValueError(LEAK)


def assert_one_clean_line(api, caught, what: str) -> None:
    error = caught.value
    assert type(error) is api.SsmEnvError
    text = str(error)
    assert text.startswith(f"{what} failed on an unexpected ValueError") and MARK in text
    assert error.__cause__ is None and error.__context__ is None and error.__suppress_context__
    printed = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    assert LEAK not in printed and LEAK not in text


def test_load_and_its_callers(api, monkeypatch):
    monkeypatch.setattr(module_of(api, "loader"), "make_plan", boom)
    settings = api.Settings.from_environ(ENV)
    with pytest.raises(api.SsmEnvError) as caught:
        api.load(settings, ENV)
    assert_one_clean_line(api, caught, "load")
    with pytest.raises(api.SsmEnvError) as caught:
        api.apply_environment(dict(ENV))
    assert "failed on an unexpected ValueError" in str(caught.value)
    with pytest.raises(api.SsmEnvError) as caught:
        api.load_parameters(names="/app/a", environ=ENV)
    assert_no_secrets(subprocess.CompletedProcess([], 0, str(caught.value), ""), LEAK)
    assert MARK in str(caught.value)


def test_apply_variables(api):
    class Hostile(dict):
        def __setitem__(self, key, value):
            raise ValueError(value)

    result = api.LoadResult({"A": LEAK}, {"A": "/app/a"}, ("/app/a",))
    with pytest.raises(api.SsmEnvError) as caught:
        api.apply_variables(result, Hostile())
    assert_one_clean_line(api, caught, "apply_variables")


def test_settings_and_variable_name(api, monkeypatch):
    monkeypatch.setattr(module_of(api, "parsers"), "_items", boom)
    with pytest.raises(api.SsmEnvError) as caught:
        api.Settings.from_environ(ENV)
    assert_one_clean_line(api, caught, "Settings.from_environ")
    monkeypatch.setattr(module_of(api, "naming"), "sanitize", boom)
    with pytest.raises(api.SsmEnvError) as caught:
        api.variable_name("/app/a")
    assert_one_clean_line(api, caught, "variable_name")


@pytest.mark.parametrize("kind", [KeyboardInterrupt, SystemExit])
def test_keyboard_interrupt_and_system_exit_pass(api, monkeypatch, kind):
    def stop(*args, **kwargs):
        raise kind()

    monkeypatch.setattr(module_of(api, "loader"), "make_plan", stop)
    with pytest.raises(kind):
        api.load(api.Settings.from_environ(ENV), ENV)
