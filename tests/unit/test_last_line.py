"""Issue 18, defect 10: every entry point has a last line of defence.

An exception that is not the project's, wherever it comes from, ends as the project's one line:
what failed, its type, "please report", never its text (which may hold a value), exit 1 (the
command never starts). Through the API the error is an SsmEnvError with neither ``__cause__`` nor
``__context__``: the original's arguments cannot ride along in a chained traceback.
KeyboardInterrupt and SystemExit pass. The answers' shapes are checked where they are read, so
that this line is never needed: test_fuzz_answers.py proves it against random answers.

The faults are injected by replacing one internal function (a monkeypatch in-process, the same
in a real subprocess for the wrapper's and the CLI's ``main``), from the package and from the
single file.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
import traceback

import pytest
from conftest import SRC, assert_no_secrets

LEAK = "leaked-value-DoNotPrint-Zz81"
MARK = "please report it at"


def module_of(api, name: str):
    """The module holding ``name`` internals: the single file is one module."""
    if api.__name__ == "ssm_env_wrapper_single":
        return api
    return importlib.import_module(f"ssm_env_wrapper.{name}")


def boom(*args, **kwargs):
    raise ValueError(LEAK)


ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE000000001",
    "AWS_SECRET_ACCESS_KEY": "example-secret-key-0000000000000000000000",
    "AWS_REGION": "us-east-1",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "AWS_CONFIG_FILE": "/nonexistent/config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
    "SSM_ENV_NAMES": "/app/a",
}


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


# ------------------------------------------------------------------ main, in a real process

SCRIPT = textwrap.dedent(
    """
    import importlib, importlib.util, sys
    form, path, patched, module_name, *argv = sys.argv[1:]
    if form == "single":
        spec = importlib.util.spec_from_file_location("ssm_env_wrapper_single", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        owner, main = module, module.main
    else:
        sys.path.insert(0, {src!r})
        from ssm_env_wrapper.main import main
        owner = importlib.import_module("ssm_env_wrapper." + module_name)

    def boom(*args, **kwargs):
        raise ValueError({leak!r})

    setattr(owner, patched, boom)
    sys.exit(main(argv))
    """
).format(src=str(SRC), leak=LEAK)


@pytest.mark.parametrize(
    "patched, module_name, argv, what",
    [
        ("resolve_command", "wrapper", ["/bin/true"], "ssm-env-wrapper failed"),
        ("make_plan", "loader", ["/bin/true"], "load failed"),
        ("make_plan", "loader", ["export", "--name", "/app/a"], "load failed"),
        ("_check", "cli", ["check", "--name", "/app/a"], "ssm-env-wrapper failed"),
    ],
    ids=["wrapper", "wrapper-load", "cli-export", "cli-check"],
)
@pytest.mark.parametrize("form", ["package", "single"])
def test_main_ends_in_one_line_and_exit_1(built, form, patched, module_name, argv, what):
    process = subprocess.run(
        [sys.executable, "-c", SCRIPT, form, str(built["single"]), patched, module_name, *argv],
        env=dict(ENV, PATH="/usr/bin:/bin"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 1, process.stderr
    lines = process.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"ssm-env-wrapper: {what} on an unexpected")
    assert MARK in lines[0] and "Traceback" not in process.stderr and process.stdout == ""
    assert_no_secrets(process, LEAK)


# ------------------------------------------- the API's arguments, checked where they come in

API_ENV = dict(ENV, SSM_ENV_NAMES="")


@pytest.mark.parametrize(
    "given, argument",
    [
        ({"paths": 5}, "paths"),
        ({"names": [5]}, "names"),
        ({"names": [None]}, "names"),
        ({"secrets": [b"x"]}, "secrets"),
        ({"secrets": b"x"}, "secrets"),
        ({"required": [5]}, "required"),
        ({"paths": "/a", "timeout": "x"}, "timeout"),
        ({"paths": "/a", "timeout": float("nan")}, "timeout"),
        ({"paths": "/a", "timeout": float("inf")}, "timeout"),
        ({"paths": "/a", "max_attempts": "3"}, "max_attempts"),
        ({"paths": "/a", "max_attempts": 0}, "max_attempts"),
        ({"paths": "/a", "recursive": "yes"}, "recursive"),
        ({"paths": "/a", "uppercase": "no"}, "uppercase"),
        ({"paths": "/a", "prefix": 5}, "prefix"),
        ({"paths": "/a", "region": 5}, "region"),
        ({"paths": "/a", "endpoint_url": 5}, "endpoint_url"),
        ({"paths": "/a", "secrets_endpoint_url": 5}, "secrets_endpoint_url"),
        ({"paths": "/a", "credentials": "x"}, "credentials"),
        ({"paths": "/a", "environ": {"AWS_REGION": 5}}, "environ"),
        ({"paths": "/a", "environ": {5: "x"}}, "environ"),
        ({"paths": "/a", "environ": ["AWS_REGION"]}, "environ"),
    ],
)
def test_a_wrong_argument_is_a_config_error_naming_it(api, given, argument):
    with pytest.raises(api.ConfigError) as caught:
        api.load_parameters(**dict({"environ": API_ENV}, **given))
    assert str(caught.value).startswith(f"{argument}=") and MARK not in str(caught.value)


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda api: api.variable_name(5), "parameter_name"),
        (lambda api: api.variable_name(None), "parameter_name"),
        (lambda api: api.variable_name("/a", prefix=5), "prefix"),
        (lambda api: api.variable_name("/a", mode="relative", base_path=5), "base_path"),
        (lambda api: api.Settings.from_environ({"SSM_ENV_NAMES": 5}), "environ"),
        (lambda api: api.load(api.Settings.from_environ(ENV), ENV, timeout="1"), "timeout"),
        (lambda api: api.load(api.Settings.from_environ(ENV), {"SSM_ENV_X": 1}), "environ"),
    ],
)
def test_other_entry_points_name_a_wrong_argument(api, call, argument):
    with pytest.raises(api.ConfigError) as caught:
        call(api)
    assert str(caught.value).startswith(f"{argument}=") and MARK not in str(caught.value)
