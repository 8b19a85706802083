"""The wrapper playing its real part in Lambda: a fake Runtime API on loopback, the real Python
runtime interface client (``awslambdaric``, what Lambda's Python runtimes and images run) started
the way a runtime's bootstrap starts it through ``AWS_LAMBDA_EXEC_WRAPPER``:

    <wrapper> <python> -m awslambdaric handler.fn

with Lambda's environment, the task root as working directory and parameters in moto. Every form
of the wrapper: bin/wrapper, the single file and the layer's /opt/ssm-env-wrapper.

awslambdaric imports the handler's module by name (``importlib.import_module``), so the task root
must be on ``sys.path``: ``python -m`` puts the working directory, the task root, there first, and
``PYTHONPATH`` names it too (Lambda's Python runtimes put the task root on the path). The wrapper
runs itself with ``python3 -I`` yet hands the runtime the function's environment, ``PYTHONPATH``
included.
"""

from __future__ import annotations

import signal

import pytest
from conftest import ACCESS_KEY, REGION, assert_no_secrets, free_port, put
from fake_runtime_api import FUNCTION_ARN, FakeRuntimeApi, lambda_environment, start_runtime

pytest.importorskip("awslambdaric", reason="dev-only: pip install -e .[test] installs awslambdaric")

HANDLER_SOURCE = '''\
"""The function: reports which of the names it is asked about it sees, never credentials."""
import os

CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def fn(event, context):
    if event.get("raise"):
        raise RuntimeError(event["raise"])
    return {
        "pid": os.getpid(),
        "cwd": os.getcwd(),
        "env": {name: os.environ.get(name) for name in event["names"]},
        "credentials": {name: "<set>" if os.environ.get(name) else None for name in CREDENTIALS},
        "access_key_id": os.environ.get("AWS_ACCESS_KEY_ID"),
        "request_id": context.aws_request_id,
        "function_arn": context.invoked_function_arn,
        "function_name": context.function_name,
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
    }
'''

FUNCTION_NAME = "ssm-env-wrapper-e2e"
SECRET_VALUE = (
    "e2e-Secure-Passw0rd-7c1d9a"  # a SecureString: decrypted for the handler, never printed
)
PARAMETERS = {
    "DB_HOST": ("db.internal.example", "String"),
    "API_URL": ("https://api.example/v1?x=1&y=2", "String"),
    "DB_PASSWORD": (SECRET_VALUE, "SecureString"),
}
LOADED = "ssm-env-wrapper: loaded 3 variables from /prod/myapp in "


@pytest.fixture
def task_root(tmp_path):
    root = tmp_path / "task"
    root.mkdir()
    (root / "handler.py").write_text(HANDLER_SOURCE)
    return root


@pytest.fixture
def lambda_env(env, task_root):
    """The environment Lambda gives a Python function's runtime (AWS_LAMBDA_RUNTIME_API is added
    per test), plus the test's credentials, region and moto endpoint from ``env``."""
    env.update(lambda_environment(task_root, FUNCTION_NAME), AWS_DEFAULT_REGION=REGION)
    return env


def put_parameters(ssm) -> None:
    for name, (value, kind) in PARAMETERS.items():
        put(ssm, f"/prod/myapp/{name}", value, kind)
    put(ssm, "/prod/other/NOT_MINE", "other-app-value")


@pytest.mark.parametrize("config", ["app_env", "ssm_env_paths"])
def test_the_handler_sees_the_parameters_loaded_before_the_runtime_started(
    ssm, lambda_env, task_root, wrapper, config
):
    put_parameters(ssm)
    if config == "app_env":
        lambda_env.update(APP_ENV="prod", APP_PARAMS_PATH="myapp")
    else:
        lambda_env["SSM_ENV_PATHS"] = "/prod/myapp"
    names = sorted(PARAMETERS) + ["NOT_MINE"]
    with FakeRuntimeApi() as api:
        request_id = api.add_event({"names": names})
        proc, pid = start_runtime(wrapper, lambda_env, task_root, api)
        assert request_id in api.responses, "no response: see stderr"
        response = api.responses[request_id]
        calls = list(api.calls)
    assert proc.returncode == -signal.SIGKILL, proc.stderr  # still serving when the test ended it
    assert response["content_type"] == "application/json"
    body = response["body"]
    assert body["env"] == {
        **{name: value for name, (value, _) in PARAMETERS.items()},
        "NOT_MINE": None,
    }
    # The wrapper exec'd the runtime: the handler runs in the process Lambda started.
    assert body["pid"] == pid
    assert body["cwd"] == str(task_root)
    assert body["credentials"] == dict.fromkeys(
        ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"), "<set>"
    )
    assert body["access_key_id"] == ACCESS_KEY
    assert (body["request_id"], body["function_arn"], body["function_name"]) == (
        request_id,
        FUNCTION_ARN,
        FUNCTION_NAME,
    )
    assert body["trace_id"].startswith("Root=1-")
    # The runtime asked for the event, answered it, and asked for the next one.
    assert calls[:2] == [
        ("GET", "/2018-06-01/runtime/invocation/next"),
        ("POST", f"/2018-06-01/runtime/invocation/{request_id}/response"),
    ]
    assert all(call == ("GET", "/2018-06-01/runtime/invocation/next") for call in calls[2:])
    assert LOADED in proc.stderr
    assert_no_secrets(proc, SECRET_VALUE, "db.internal.example")


def test_an_error_in_the_handler_is_posted_as_the_invocations_error(
    ssm, lambda_env, task_root, wrapper
):
    put_parameters(ssm)
    lambda_env["SSM_ENV_PATHS"] = "/prod/myapp"
    with FakeRuntimeApi() as api:
        request_id = api.add_event({"raise": "boom from the handler"})
        proc, _ = start_runtime(wrapper, lambda_env, task_root, api)
        error = api.errors.get(request_id)
        assert error, proc.stderr
    assert (error["body"]["errorType"], error["body"]["errorMessage"]) == (
        "RuntimeError",
        "boom from the handler",
    )
    assert_no_secrets(proc, SECRET_VALUE)


def test_a_missing_handler_is_the_runtimes_init_error_not_the_wrappers(
    ssm, lambda_env, task_root, wrapper
):
    # The contrast to a failing load: here the wrapper did its part and the runtime reports.
    put_parameters(ssm)
    lambda_env["SSM_ENV_PATHS"] = "/prod/myapp"
    with FakeRuntimeApi() as api:
        api.add_event({"names": []})
        proc, _ = start_runtime(
            wrapper, lambda_env, task_root, api, handler="no_such_module.fn", until_exit=True
        )
        assert len(api.init_errors) == 1, proc.stderr
        assert api.next_calls() == 0
        init_error = api.init_errors[0]
    assert proc.returncode == 1
    assert init_error["error_type"] == "Runtime.ImportModuleError"
    assert LOADED in proc.stderr
    assert_no_secrets(proc, SECRET_VALUE)


@pytest.mark.parametrize("failure", ["collision", "unreachable", "protected"])
def test_a_failing_load_exits_1_before_any_invocation(ssm, lambda_env, task_root, wrapper, failure):
    put_parameters(ssm)
    values = [SECRET_VALUE]
    lambda_env.update(APP_ENV="prod", APP_PARAMS_PATH="myapp")
    if failure == "collision":
        put(ssm, "/prod/myapp/DB-HOST", "colliding-value-4411")
        values.append("colliding-value-4411")
        expect = "/prod/myapp/DB_HOST"
    elif failure == "unreachable":
        lambda_env.update(
            AWS_ENDPOINT_URL_SSM=f"http://127.0.0.1:{free_port()}", AWS_MAX_ATTEMPTS="2"
        )
        expect = "cannot reach"
    else:
        put(ssm, "/prod/myapp/NODE_OPTIONS", "--require=/tmp/not-loaded-9d2e.js")
        values.append("--require=/tmp/not-loaded-9d2e.js")
        expect = "NODE_OPTIONS"
    with FakeRuntimeApi() as api:
        api.add_event({"names": sorted(PARAMETERS)})
        proc, _ = start_runtime(wrapper, lambda_env, task_root, api, until_exit=True)
        calls = list(api.calls)
    assert proc.returncode == 1
    assert calls == []  # no /invocation/next, and no init error either: the runtime never started
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ssm-env-wrapper: "), proc.stderr
    assert expect in lines[0] and "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert_no_secrets(proc, *values)


def test_a_protected_name_in_ssm_does_not_reach_the_handler(ssm, lambda_env, task_root, wrapper):
    # SSM_ENV_ON_ERROR=continue starts the runtime anyway: without what was refused.
    put_parameters(ssm)
    put(ssm, "/prod/myapp/NODE_OPTIONS", "--require=/tmp/not-loaded-9d2e.js")
    put(ssm, "/prod/myapp/AWS_ACCESS_KEY_ID", "AKIAFROMSSM000000000")
    lambda_env.update(SSM_ENV_PATHS="/prod/myapp", SSM_ENV_ON_ERROR="continue")
    with FakeRuntimeApi() as api:
        request_id = api.add_event({"names": sorted(PARAMETERS) + ["NODE_OPTIONS"]})
        proc, _ = start_runtime(wrapper, lambda_env, task_root, api)
        assert request_id in api.responses, proc.stderr
        body = api.responses[request_id]["body"]
    assert body["env"]["NODE_OPTIONS"] is None
    assert (
        body["access_key_id"] == ACCESS_KEY
    )  # the function's own credentials, not the parameter's
    assert body["env"]["DB_HOST"] == "db.internal.example"
    assert "NODE_OPTIONS" in proc.stderr and "AWS_ACCESS_KEY_ID" in proc.stderr
    assert_no_secrets(
        proc, SECRET_VALUE, "--require=/tmp/not-loaded-9d2e.js", "AKIAFROMSSM000000000"
    )
