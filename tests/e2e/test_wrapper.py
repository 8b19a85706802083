"""The wrapper as Lambda runs it: a real subprocess that loads from a real moto server over HTTP
and really execs (the runtime keeps the wrapper's pid). Every form: bin/wrapper, the single file,
the layer's /opt/ssm-env-wrapper."""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
import sys

import pytest
from conftest import SHOW_ENV, assert_no_secrets, put, run, run_show_env
from fake_ssm import FakeSsm, aws_error, page, send

LOADED = re.compile(
    r"^ssm-env-wrapper: loaded (\d+) variables? from (.+) in \d+ ms \((\d+) requests?\), "
    r"(\d+) versions? recorded$"
)


def loaded_line(stderr: str) -> re.Match:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    match = LOADED.match(lines[0])
    assert match, lines[0]
    return match


@pytest.mark.parametrize("count", [0, 1, 10, 11, 25])
def test_every_parameter_of_every_page_arrives(ssm, env, wrapper, count):
    for i in range(count):
        put(ssm, f"/prod/app/VAR_{i:02d}", f"value-{i}")
    env["SSM_ENV_PATHS"] = "/prod/app"
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    got = {k: v for k, v in report["env"].items() if k.startswith("VAR_")}
    assert got == {f"VAR_{i:02d}": f"value-{i}" for i in range(count)}
    stderr = proc.stderr
    if count == 0:  # a path that loads nothing says so, and how to make its variables required
        loaded, warning = stderr.splitlines()
        assert warning.startswith("ssm-env-wrapper: warn: path /prod/app loaded nothing"), stderr
        assert warning.endswith("SSM_ENV_REQUIRED"), stderr
        stderr = loaded
    line = loaded_line(stderr)
    assert int(line.group(1)) == count
    assert line.group(2) == "/prod/app"
    # MaxResults is 10: one request a page, plus the empty last page moto sends after a full one.
    assert int(line.group(3)) in (max(1, -(-count // 10)), count // 10 + 1)
    assert int(line.group(4)) == count  # the version of each parameter loaded


def test_securestring_is_decrypted_and_values_keep_every_character(ssm, env, wrapper):
    values = {
        "WITH_EQUALS": "a=b=c==",
        "WITH_NEWLINES": "line one\nline two\r\nline three\n",
        "WITH_QUOTES": 'it\'s "quoted" `backticks` $HOME ${X} \\n',
        "UNICODE": "héllo wörld ✓ 日本語 🚀",
        "SPACES": "  leading and trailing  ",
    }
    for name, value in values.items():
        put(ssm, f"/prod/app/{name}", value)
    put(ssm, "/prod/app/DB_PASSWORD", "s3cr3t-Password-9f8e7d", "SecureString")
    env["SSM_ENV_PATHS"] = "/prod/app"
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    for name, value in values.items():
        assert report["env"][name] == value
    assert report["env"]["DB_PASSWORD"] == "s3cr3t-Password-9f8e7d"
    # The success line counts parameters; it never shows a value.
    assert_no_secrets(
        subprocess.CompletedProcess([], 0, "", proc.stderr),
        "s3cr3t-Password-9f8e7d",
        *values.values(),
    )


def test_recursive_loads_the_levels_below_only_when_asked(ssm, env, wrapper):
    put(ssm, "/prod/app/TOP", "top")
    put(ssm, "/prod/app/db/HOST", "db.internal")
    env["SSM_ENV_PATHS"] = "/prod/app"
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["TOP"] == "top"
    assert "HOST" not in report["env"]

    env["SSM_ENV_RECURSIVE"] = "true"
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["TOP"] == "top"
    assert report["env"]["HOST"] == "db.internal"


def test_names_map_to_valid_variable_names(ssm, env, wrapper):
    put(ssm, "/prod/app/db-host", "h")
    put(ssm, "/prod/app/api.key", "k")
    put(ssm, "/prod/app/1st_choice", "c")
    put(ssm, "/prod/app/MixedCase", "m")
    env["SSM_ENV_PATHS"] = "/prod/app"
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    seen = report["env"]
    assert (seen["db_host"], seen["api_key"], seen["_1st_choice"], seen["MixedCase"]) == (
        "h",
        "k",
        "c",
        "m",
    )


def test_two_parameters_for_one_name_are_an_error_naming_both(ssm, env, wrapper):
    put(ssm, "/prod/app/db-host", "first-value-1234")
    put(ssm, "/prod/app/db_host", "second-value-5678")
    env["SSM_ENV_PATHS"] = "/prod/app"
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 1
    assert report == {}  # the runtime never started
    lines = proc.stderr.splitlines()
    assert len(lines) == 1
    assert (
        "/prod/app/db-host" in lines[0]
        and "/prod/app/db_host" in lines[0]
        and "db_host" in lines[0]
    )
    assert "Traceback" not in proc.stderr
    assert_no_secrets(proc, "first-value-1234", "second-value-5678")


def test_collisions_across_paths_are_errors_too(ssm, env, wrapper):
    put(ssm, "/shared/TOKEN_URL", "a-value-0001")
    put(ssm, "/prod/app/TOKEN_URL", "b-value-0002")
    env["SSM_ENV_PATHS"] = "/shared,/prod/app"
    proc, _ = run_show_env(wrapper, env)
    assert proc.returncode == 1
    assert "/shared/TOKEN_URL" in proc.stderr and "/prod/app/TOKEN_URL" in proc.stderr
    assert_no_secrets(proc, "a-value-0001", "b-value-0002")


@pytest.mark.parametrize(
    "app_env, params_path",
    [
        ("prod", "myapp"),
        ("/prod/", "/myapp/"),
        ("prod/", "myapp"),
        ("//prod", "//myapp//"),
    ],
)
def test_seed_contract_app_env_and_app_params_path(ssm, env, wrapper, app_env, params_path):
    put(ssm, "/prod/myapp/FROM_SEED", "yes")
    env.update(APP_ENV=app_env, APP_PARAMS_PATH=params_path)
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["FROM_SEED"] == "yes"
    assert loaded_line(proc.stderr).group(2) == "/prod/myapp"


def test_app_params_path_alone_and_with_ssm_env_paths(ssm, env, wrapper):
    put(ssm, "/myapp/A", "a")
    put(ssm, "/shared/B", "b")
    env.update(APP_PARAMS_PATH="myapp", SSM_ENV_PATHS=" /shared , ")
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert (report["env"]["A"], report["env"]["B"]) == ("a", "b")
    assert loaded_line(proc.stderr).group(2) == "/myapp, /shared"


def test_nothing_configured_execs_at_once_without_network_or_credentials(wrapper):
    # No credentials, no region, an endpoint nobody listens on: none of it may matter.
    env = {
        "PATH": os.environ["PATH"],
        "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:9",
        "APP_ENV": "prod",
    }
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert report["argv"] == [str(SHOW_ENV)]


def test_argv_is_passed_as_given_and_exit_code_is_the_commands(env, wrapper, tmp_path):
    args = ["sh", "-c", 'printf "%s|" "$0" "$@"; exit 7', "zero", "a b", "", "--", "-x", "*"]
    proc = run(wrapper, args, env)
    assert proc.returncode == 7
    assert proc.stdout == "zero|a b||--|-x|*|"


def test_leading_double_dash_is_dropped(env, wrapper):
    proc = run(wrapper, ["--", "sh", "-c", "echo ok"], env)
    assert (proc.returncode, proc.stdout) == (0, "ok\n")


def test_signals_reach_the_runtime_directly(env, wrapper):
    import time

    process = subprocess.Popen(
        wrapper + ["sh", "-c", "echo ready; exec sleep 30"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline() == "ready\n"
    time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == -signal.SIGTERM
    process.stdout.close()
    process.stderr.close()


def test_stdin_reaches_the_runtime(env, wrapper):
    proc = run(wrapper, ["cat"], env, input="piped input\n")
    assert (proc.returncode, proc.stdout) == (0, "piped input\n")


def test_command_not_found_exits_127_before_any_network_call(env, wrapper):
    env["SSM_ENV_PATHS"] = "/prod/app"
    with FakeSsm([page([])]) as fake:
        env["AWS_ENDPOINT_URL_SSM"] = fake.url
        proc = run(wrapper, ["no-such-command-xyz", "arg"], env)
        assert fake.requests == []
    assert proc.returncode == 127
    assert proc.stderr == "ssm-env-wrapper: command not found: no-such-command-xyz\n"
    proc = run(wrapper, ["/no/such/path"], env)
    assert proc.returncode == 127
    assert proc.stderr == "ssm-env-wrapper: command not found: /no/such/path\n"


def test_command_not_executable_exits_126(env, wrapper, tmp_path):
    script = tmp_path / "not-executable"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(stat.S_IRUSR | stat.S_IWUSR)
    proc = run(wrapper, [str(script)], env)
    assert proc.returncode == 126
    assert proc.stderr.startswith(f"ssm-env-wrapper: command not executable: {script}")
    env["PATH"] = f"{tmp_path}:{env['PATH']}"
    proc = run(wrapper, ["not-executable"], env)
    assert proc.returncode == 126


def test_command_is_looked_up_on_path(env, wrapper, tmp_path):
    tool = tmp_path / "mytool"
    tool.write_text('#!/bin/sh\necho "mytool $1"\n')
    tool.chmod(0o755)
    env["PATH"] = f"{tmp_path}:{env['PATH']}"
    proc = run(wrapper, ["mytool", "x"], env)
    assert (proc.returncode, proc.stdout) == (0, "mytool x\n")


def test_no_command_is_a_usage_error(env, wrapper):
    proc = run(wrapper, [], env)
    assert proc.returncode == 2
    assert proc.stderr.startswith("ssm-env-wrapper: no command given")


@pytest.mark.parametrize(
    "remove, expect",
    [
        (("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"), "no AWS credentials"),
        (("AWS_ACCESS_KEY_ID",), "AWS_ACCESS_KEY_ID is not set"),
        (("AWS_REGION",), "no AWS region: set AWS_REGION"),
    ],
)
def test_missing_credentials_or_region_fail_closed(ssm, env, wrapper, remove, expect):
    put(ssm, "/prod/app/X", "value-not-to-print-1")
    env["SSM_ENV_PATHS"] = "/prod/app"
    for name in remove:
        env.pop(name)
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 1 and report == {}
    assert len(proc.stderr.splitlines()) == 1
    assert expect in proc.stderr
    assert_no_secrets(proc, "value-not-to-print-1")


def test_default_region_is_the_fallback(ssm, env, wrapper):
    put(ssm, "/prod/app/X", "x")
    env["SSM_ENV_PATHS"] = "/prod/app"
    env["AWS_DEFAULT_REGION"] = env.pop("AWS_REGION")
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["X"] == "x"


def test_access_denied_names_operation_code_path_and_fix(env, wrapper):
    message = (
        "User: arn:aws:sts::123456789012:assumed-role/fn-role/fn is not authorized to perform: "
        "ssm:GetParametersByPath on resource: arn:aws:ssm:us-east-1:123456789012:parameter/prod/app"
    )
    with FakeSsm([aws_error("AccessDeniedException", message)]) as fake:
        env.update(AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app")
        proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 1 and report == {}
    line = proc.stderr.splitlines()
    assert len(line) == 1
    assert line[0].startswith(
        "ssm-env-wrapper: GetParametersByPath /prod/app failed (AccessDeniedException): User: arn"
    )
    assert (
        "allow ssm:GetParametersByPath on arn:aws:ssm:us-east-1:<account-id>:parameter/prod/app"
        in line[0]
    )
    assert_no_secrets(proc)


def test_kms_access_denied_points_at_kms_decrypt(env, wrapper):
    with FakeSsm([aws_error("AccessDeniedException", "Access to KMS is not allowed")]) as fake:
        env.update(AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app")
        proc = run(wrapper, ["true"], env)
    assert proc.returncode == 1
    assert "allow kms:Decrypt" in proc.stderr


def test_endpoint_down_fails_closed_with_one_line(env, wrapper):
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env.update(
        AWS_ENDPOINT_URL_SSM=f"http://127.0.0.1:{port}",
        SSM_ENV_PATHS="/prod/app",
        AWS_MAX_ATTEMPTS="2",
    )  # retrying is tested with the fault-injecting endpoint
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 1 and report == {}
    assert proc.stderr.startswith(
        f"ssm-env-wrapper: GetParametersByPath /prod/app failed: cannot reach "
        f"http://127.0.0.1:{port}"
    )
    assert len(proc.stderr.splitlines()) == 1
    assert_no_secrets(proc)


def test_an_empty_page_with_a_token_is_followed_over_one_connection(env, wrapper):
    script = [
        page([], token="t1"),
        page([("/prod/app/A", "a")], token="t2"),
        page([], token="t3"),
        page([("/prod/app/B", "b")]),
    ]
    with FakeSsm(script) as fake:
        env.update(AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app")
        proc, report = run_show_env(wrapper, env)
        assert proc.returncode == 0, proc.stderr
        assert (report["env"]["A"], report["env"]["B"]) == ("a", "b")
        assert [r["body"].get("NextToken") for r in fake.requests] == [None, "t1", "t2", "t3"]
        assert fake.connections == 1
    first = fake.requests[0]
    assert first["target"] == "AmazonSSM.GetParametersByPath"
    assert first["body"] == {
        "Path": "/prod/app",
        "Recursive": False,
        "WithDecryption": True,
        "MaxResults": 10,
    }
    assert first["headers"]["X-Amz-Security-Token"]  # signed with the session token
    assert "x-amz-security-token" in first["headers"]["Authorization"]


def test_an_answer_that_is_not_the_api_is_a_clear_error(env, wrapper):
    with FakeSsm([(200, "<html>proxy login</html>", {"Content-Type": "text/html"})]) as fake:
        env.update(AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app")
        proc = run(wrapper, ["true"], env)
    assert proc.returncode == 1
    assert "not JSON (text/html)" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "variable, value, expect",
    [
        ("SSM_ENV_RECURSIVE", "maybe", "SSM_ENV_RECURSIVE must be true or false"),
        (
            "SSM_ENV_PATHS",
            "/prod/my app",
            "SSM_ENV_PATHS: '/prod/my app' is not a valid parameter path",
        ),
        (
            "AWS_ENDPOINT_URL_SSM",
            "ftp://x",
            "AWS_ENDPOINT_URL_SSM='ftp://x' is not an endpoint URL",
        ),
    ],
)
def test_bad_settings_name_the_variable(env, wrapper, variable, value, expect):
    env["SSM_ENV_PATHS"] = "/prod/app"
    env[variable] = value
    proc = run(wrapper, ["true"], env)
    assert proc.returncode == 1
    assert expect in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_isolated_mode_ignores_the_functions_pythonpath(ssm, env, wrapper, tmp_path):
    # A function's PYTHONPATH must not change the code the wrapper runs (python3 -I).
    (tmp_path / "json.py").write_text("raise SystemExit('hijacked')\n")
    (tmp_path / "ssm_env_wrapper").mkdir()
    (tmp_path / "ssm_env_wrapper" / "__init__.py").write_text("raise SystemExit('hijacked')\n")
    put(ssm, "/prod/app/X", "x")
    env.update(SSM_ENV_PATHS="/prod/app", PYTHONPATH=str(tmp_path))
    proc = run(wrapper, ["sh", "-c", 'printf %s "$X"'], env)
    assert (proc.returncode, proc.stdout) == (0, "x"), proc.stderr


def test_python_m_and_console_script_forms(ssm, env):
    put(ssm, "/prod/app/X", "x")
    env["SSM_ENV_PATHS"] = "/prod/app"
    proc = run(
        [sys.executable, "-m", "ssm_env_wrapper"],
        ["sh", "-c", 'printf %s "$X"'],
        dict(env, PYTHONPATH=str(__import__("conftest").SRC)),
    )
    assert (proc.returncode, proc.stdout) == (0, "x"), proc.stderr
    script = os.path.join(os.path.dirname(sys.executable), "ssm-env-wrapper")
    assert os.path.exists(script), "scripts/test.sh installs the package, console script included"
    proc = run([script], ["sh", "-c", 'printf %s "$X"'], env)
    assert (proc.returncode, proc.stdout) == (0, "x"), proc.stderr


# An endpoint answering GetParametersByPath with page after page of large values, each with a
# fresh NextToken: what a load accepts is bounded by what execve could pass on (ARG_MAX), so the
# wrapper stops after the page that goes over it instead of holding 640 KiB more a page until
# the deadline. The fake gives up after _ENDLESS pages, so that unchanged code ends too.
_ENDLESS = 40
_VALUE = 64 * 1024


def _endless_pages(served: list[str]):
    def step(handler, request):
        n = len(served) // 10
        names = [f"/prod/app/P{n:03d}_{i}" for i in range(10)]
        values = [f"secret-{n:03d}-{i}-" + "v" * (_VALUE - 14) for i in range(10)]
        served.extend(values)
        answer = page(list(zip(names, values)), token=f"t{n}" if n < _ENDLESS else None)
        from fake_ssm import send

        send(handler, *answer)

    return step


def _budget_pages() -> int:
    """The requests it takes to go over the load's budget (ARG_MAX) with _endless_pages."""
    per_page = 10 * (len("/prod/app/P000_0") + _VALUE)
    return os.sysconf("SC_ARG_MAX") // per_page + 1


def test_endless_pages_of_large_values_stop_at_the_exec_limit(env, wrapper):
    served: list[str] = []
    with FakeSsm([_endless_pages(served)]) as fake:
        env.update(AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app")
        proc, report = run_show_env(wrapper, env)
        requests = len(fake.requests)
    assert proc.returncode == 1 and report == {}
    assert requests == _budget_pages()
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    limit = os.sysconf("SC_ARG_MAX")
    assert lines[0].startswith("ssm-env-wrapper: GetParametersByPath /prod/app failed: "), lines
    assert f"over the execve limit (ARG_MAX = {limit})" in lines[0]
    assert_no_secrets(proc, *served[:1], *(v[:20] for v in served))


def test_endless_pages_under_on_error_continue_drop_the_path_and_start(env, wrapper):
    served: list[str] = []
    with FakeSsm([_endless_pages(served)]) as fake:
        env.update(
            AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", SSM_ENV_ON_ERROR="continue"
        )
        proc, report = run_show_env(wrapper, env)
        requests = len(fake.requests)
    assert proc.returncode == 0, proc.stderr
    assert requests == _budget_pages()
    assert not [name for name in report["env"] if name.startswith("P0")]
    assert "GetParametersByPath /prod/app failed: " in proc.stderr
    assert "over the execve limit (ARG_MAX = " in proc.stderr
    assert_no_secrets(proc, *(v[:20] for v in served))


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
