"""The command line for people, and the log formats: run as real subprocesses against moto."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, assert_no_secrets, put, run, run_show_env
from credential_cases import SDK_VALUE
from source_cases import SECRET_PASSWORD, SECRET_USER, db_secret

VALUES = {
    "PLAIN": "plain-value-0001",
    "QUOTES": 'it\'s a "quoted" value-0002',
    "SHELLY": "$(touch /tmp/pwned-by-ssm-env) `id` $HOME ${X} ; rm -rf / #-0003",
    "MULTI": "line one\nline two\n  indented-0004",
    "BACKSLASH": "C:\\path\\to\\n-0005",
    "UNICODE": "héllo ✓ 日本語-0006",
}


@pytest.fixture
def cli(built):
    """The command as people run it: the installed console script, and the single file."""
    return [
        [os.path.join(os.path.dirname(sys.executable), "ssm-env-wrapper")],
        [sys.executable, str(built["single"])],
    ]


def each(cli, args, env, **kwargs):
    return [run(form, args, env, **kwargs) for form in cli]


def test_options_mirror_the_environment(ssm, env, wrapper):
    put(ssm, "/prod/app/db/host", "h")
    put(ssm, "/prod/app/other", "o")
    put(ssm, "/prod/named", '{"k": "v"}')
    args = [
        "--path",
        "/prod/app",
        "--recursive",
        "--name-mode",
        "relative",
        "--prefix",
        "APP_",
        "--uppercase",
        "--name",
        "N=/prod/named",
        "--json-name",
        "J_=/prod/named",
        "--",
        sys.executable,
        str(ROOT / "tests" / "show_env.py"),
    ]
    proc = run(wrapper, args, env)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)["env"]
    # Derived names (paths, JSON keys) take the prefix and case; an explicit VAR= name is exact.
    assert (seen["APP_DB_HOST"], seen["APP_OTHER"], seen["N"], seen["APP_J_K"]) == (
        "h",
        "o",
        '{"k": "v"}',
        "v",
    )
    # The options configure the wrapper; they are not put into the command's environment.
    assert "SSM_ENV_PATHS" not in seen and "SSM_ENV_NAME_MODE" not in seen


def test_an_option_wins_over_its_variable(ssm, env, wrapper):
    put(ssm, "/a/X", "from-a")
    put(ssm, "/b/X", "from-b")
    env["SSM_ENV_PATHS"] = "/a"
    proc = run(wrapper, ["--path", "/b", "sh", "-c", 'printf %s "$X"'], env)
    assert (proc.returncode, proc.stdout) == (0, "from-b"), proc.stderr


def test_an_endpoint_option_wins_over_the_ignore_switch(ssm, env, moto_url, wrapper):
    # AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ignores the configured variables, as in the SDKs; an
    # endpoint typed on the command line is no configured one (the SDKs never ignore an
    # explicit endpoint): it went to ssm.us-east-1.amazonaws.com instead.
    put(ssm, "/b/X", "from-b")
    env.pop("AWS_ENDPOINT_URL_SSM")
    env.update(AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true", AWS_ENDPOINT_URL="http://127.0.0.1:9")
    command = ["--path", "/b", "--endpoint-url", moto_url, "sh", "-c", 'printf %s "$X"']
    proc = run(wrapper, command, env)
    assert (proc.returncode, proc.stdout) == (0, "from-b"), proc.stderr


def test_a_bad_option_value_names_the_option(env, wrapper):
    proc = run(wrapper, ["--path", "/a", "--timeout", "soon", "--", "true"], env)
    assert proc.returncode == 1
    assert "--timeout (SSM_ENV_TIMEOUT) must be a number of seconds" in proc.stderr
    proc = run(wrapper, ["--no-such-option", "true"], env)
    assert proc.returncode == 2 and "unrecognized arguments" in proc.stderr


def test_version_and_help(cli, env):
    from ssm_env_wrapper import __version__

    for proc in each(cli, ["--version"], env):
        assert (proc.returncode, proc.stdout) == (0, f"ssm-env-wrapper {__version__}\n")
    for proc in each(cli, ["--help"], env):
        assert proc.returncode == 0
        for text in ("--path", "SSM_ENV_PATHS", "examples:", "exit status:", "check", "export"):
            assert text in proc.stdout


def test_check_lists_names_and_sources_never_values(ssm, env, cli):
    for name, value in VALUES.items():
        put(ssm, f"/prod/app/{name}", value, "SecureString")
    for proc in each(cli, ["check", "--path", "/prod/app"], env):
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("would load 6 variables from /prod/app (1 request):\n")
        assert "  PLAIN      <- /prod/app/PLAIN\n" in proc.stdout
        assert proc.stdout.endswith("no problems\n")
        assert_no_secrets(proc, *VALUES.values())


def test_a_name_that_echoes_a_value_is_masked_in_check_as_in_the_log(env, wrapper):
    # The endpoint answers a value as a parameter's name: the debug log masked it, check did not.
    from fake_ssm import FakeSsm, page

    value = "nameDoNotPrint0123456789abcdef"  # only characters a parameter name may hold
    answer = page([(f"/app/{value}", value)])
    with FakeSsm([answer, answer]) as fake:
        environ = dict(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/app")
        checked = run(wrapper, ["check"], environ)
        started = run(wrapper, ["true"], dict(environ, SSM_ENV_LOG_LEVEL="debug"))
    assert checked.returncode == 0 and started.returncode == 0, checked.stderr + started.stderr
    assert "would load 1 variable" in checked.stdout
    assert_no_secrets(started, value)
    assert_no_secrets(checked, value)


def test_check_reports_every_problem_and_exits_1(ssm, env, cli):
    put(ssm, "/prod/app/db-host", "collide-one-0001")
    put(ssm, "/prod/app/db_host", "collide-two-0002")
    put(ssm, "/prod/app/LD_PRELOAD", "/evil/lib-0003.so")
    put(ssm, "/prod/app/GOOD", "good-value-0004")
    env["REF"] = "ssm:/prod/missing"
    for proc in each(cli, ["check", "--path", "/prod/app"], env):
        assert proc.returncode == 1
        out = proc.stdout
        assert "GOOD" in out and "problems (4):" in out
        assert "/prod/app/db-host, /prod/app/db_host map to db_host" in out
        assert "/prod/app/LD_PRELOAD would set LD_PRELOAD" in out
        assert "/prod/missing" in out and "unresolved references: REF" in out
        assert_no_secrets(
            proc, "collide-one-0001", "collide-two-0002", "/evil/lib-0003.so", "good-value-0004"
        )


def test_check_reports_what_would_stop_the_start_itself(ssm, env, cli):
    # CI runs check before a deploy: a log level or a chained wrapper that stops every start
    # (exit 1, exit 127) was "no problems".
    put(ssm, "/prod/app/GOOD", "good-value-0005")
    env.update(SSM_ENV_LOG_LEVEL="verbose", SSM_ENV_EXEC_WRAPPER="/nonexistent/next-wrapper")
    for proc in each(cli, ["check", "--path", "/prod/app"], env):
        assert proc.returncode == 1, proc.stdout
        assert "problems (2):" in proc.stdout
        assert "SSM_ENV_LOG_LEVEL must be one of debug, info, warn, error" in proc.stdout
        assert "/nonexistent/next-wrapper" in proc.stdout


def test_check_names_missing_permissions(env, cli):
    from fake_ssm import FakeSsm, aws_error

    with FakeSsm(
        [aws_error("AccessDeniedException", "not authorized to perform ssm:GetParametersByPath")]
    ) as fake:
        env["AWS_ENDPOINT_URL_SSM"] = fake.url
        for proc in each(cli, ["check", "--path", "/prod/app"], env):
            assert proc.returncode == 1
            assert (
                "allow ssm:GetParametersByPath on arn:aws:ssm:us-east-1:<account-id>:parameter/prod/app"
                in proc.stdout
            )


def test_check_with_nothing_configured_says_so(env, cli):
    for proc in each(cli, ["check"], env):
        assert proc.returncode == 1
        assert "nothing to load" in proc.stderr


@pytest.mark.parametrize("style", ["shell", "dotenv", "json"])
def test_export_round_trips_every_value(ssm, env, cli, style, tmp_path):
    for name, value in VALUES.items():
        put(ssm, f"/dev/app/{name}", value)
    for proc in each(cli, ["export", "--format", style, "--path", "/dev/app"], env):
        assert proc.returncode == 0, proc.stderr
        if style == "json":
            assert json.loads(proc.stdout) == VALUES
        elif style == "shell":
            # A shell can eval it safely: every value comes back exactly, nothing runs.
            script = (
                proc.stdout + "for v in PLAIN QUOTES SHELLY MULTI BACKSLASH UNICODE; do "
                'eval "printf \'%s\\0\' \\"\\$$v\\""; done'
            )
            out = (
                subprocess.run(
                    ["sh", "-c", script], capture_output=True, env={"PATH": env["PATH"]}, timeout=30
                )
                .stdout.decode("utf-8")
                .split("\0")[:-1]
            )
            assert out == list(VALUES.values())
            assert not os.path.exists("/tmp/pwned-by-ssm-env")
        else:
            from dotenv import dotenv_values

            path = tmp_path / ".env"
            path.write_text(proc.stdout, encoding="utf-8")
            # python-dotenv expands ${X} even inside single quotes unless told not to; docker
            # compose leaves single-quoted values literal.
            assert dict(dotenv_values(path, interpolate=False)) == VALUES


def test_export_failure_prints_no_values(ssm, env, cli):
    put(ssm, "/dev/app/x-y", "export-collide-0001")
    put(ssm, "/dev/app/x_y", "export-collide-0002")
    for proc in each(cli, ["export", "--path", "/dev/app"], env):
        assert proc.returncode == 1 and proc.stdout == ""
        assert_no_secrets(proc, "export-collide-0001", "export-collide-0002")


def test_export_never_hands_an_interactive_shell_a_mail_message_to_expand(ssm, env, cli, tmp_path):
    # bash (and zsh) expand MAILPATH's "?message", command substitution included, at a prompt
    # once a file there changes: a prompt of its own for a shell that evals export's output.
    import shlex

    marker, mail = tmp_path / "ran", tmp_path / "mail"
    mail.mkdir()
    put(ssm, "/mail/MAILPATH", f"{mail}?$(touch {marker})")
    put(ssm, "/mail/MAILCHECK", "0")
    for proc in each(cli, ["export", "--format", "shell", "--path", "/mail"], env):
        # bash compares the mail file's time in whole seconds: the touch sets a later one.
        script = f"eval {shlex.quote(proc.stdout)}\ntrue\ntouch -d 2099-01-01 {mail}\ntrue\nexit\n"
        subprocess.run(
            ["bash", "--norc", "--noprofile", "-i"],
            input=script,
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
            timeout=30,
        )
        assert not marker.exists(), "a loaded MAILPATH ran a command in the shell that evals export"
        assert proc.returncode == 1 and "MAILPATH" in proc.stderr


def test_a_command_named_like_a_subcommand_goes_after_double_dash(env, wrapper, tmp_path):
    tool = tmp_path / "check"
    tool.write_text("#!/bin/sh\necho ran check\n")
    tool.chmod(0o755)
    env["PATH"] = f"{tmp_path}:{env['PATH']}"
    proc = run(wrapper, ["--", "check"], env)
    assert (proc.returncode, proc.stdout) == (0, "ran check\n")


@pytest.mark.parametrize(
    "command, printed",
    [
        (["echo", "first", "--", "echo", "OTHER"], "first -- echo OTHER\n"),
        (["--", "echo", "first", "--", "x"], "first -- x\n"),
    ],
    ids=["after-the-command", "after-the-options-too"],
)
def test_a_double_dash_inside_the_command_is_the_commands(ssm, env, wrapper, command, printed):
    # `npm run test -- --watch`, `git checkout -- f`, `ssh host -- rm x`: the command's own "--"
    # once made the wrapper run what followed it instead, with every loaded value.
    put(ssm, "/a/X", "x")
    proc = run(wrapper, ["--path", "/a", *command], env)
    assert (proc.returncode, proc.stdout) == (0, printed), proc.stderr


# ----------------------------------------------------------------------------- logs


def test_json_logs_like_the_runtime(ssm, env, wrapper):
    put(ssm, "/prod/app/A", "json-log-value-0001")
    env.update(SSM_ENV_PATHS="/prod/app", AWS_LAMBDA_LOG_FORMAT="JSON")
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stderr.splitlines()]
    assert len(records) == 1
    record = records[0]
    assert {"timestamp", "level", "message", "logger"} <= set(record)
    assert record["level"] == "INFO" and record["logger"] == "ssm-env-wrapper"
    assert (
        record["timestamp"].endswith("Z") and record["variables"] == 1 and record["requests"] == 1
    )
    assert record["message"].startswith("loaded 1 variable from /prod/app in ")
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr), "json-log-value-0001")


def test_the_info_line_counts_variables_not_parameters(ssm, env, wrapper):
    # One JSON parameter of three keys sets three variables: the line must not call them three
    # parameters (at 3 a.m. that reads as three parameters found under the name).
    put(ssm, "/prod/app/J", json.dumps({"A": "count-value-01", "B": "count-value-02", "C": "x"}))
    env.update(SSM_ENV_JSON_NAMES="J_=/prod/app/J", AWS_LAMBDA_LOG_FORMAT="JSON")
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    assert sorted(k for k in report["env"] if k.startswith("J_")) == ["J_A", "J_B", "J_C"]
    (record,) = [json.loads(line) for line in proc.stderr.splitlines()]
    assert record["variables"] == 3
    # 0.1.0 named this count `parameters`; JSON log fields are kept (docs/releases.md).
    assert record["parameters"] == 3
    assert record["message"].startswith("loaded 3 variables from ")
    assert_no_secrets(subprocess.CompletedProcess([], 0, "", proc.stderr), "count-value-01")


def test_json_error_line(env, wrapper):
    env.update(SSM_ENV_PATHS="/prod/app", AWS_LAMBDA_LOG_FORMAT="JSON")
    del env["AWS_REGION"]
    proc = run(wrapper, ["true"], env)
    assert proc.returncode == 1
    record = json.loads(proc.stderr)
    assert record["level"] == "ERROR" and "no AWS region" in record["message"]
    assert record["error"] == "ConfigError"


@pytest.mark.parametrize("variable", ["SSM_ENV_LOG_LEVEL", "AWS_LAMBDA_LOG_LEVEL"])
def test_debug_lists_names_and_requests_never_values(ssm, env, wrapper, variable):
    put(ssm, "/prod/app/DB_PASSWORD", "debug-secret-0001", "SecureString")
    put(ssm, "/prod/app/db-host", "debug-host-0002")
    env.update(SSM_ENV_PATHS="/prod/app", **{variable: "DEBUG"})
    proc, report = run_show_env(wrapper, env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert any(
        line.startswith("ssm-env-wrapper: debug: GetParametersByPath /prod/app: HTTP 200 in ")
        for line in lines
    )
    assert "ssm-env-wrapper: debug: DB_PASSWORD <- /prod/app/DB_PASSWORD" in lines
    assert "ssm-env-wrapper: debug: db_host <- /prod/app/db-host" in lines
    assert_no_secrets(
        subprocess.CompletedProcess([], 0, "", proc.stderr), "debug-secret-0001", "debug-host-0002"
    )


def test_error_level_silences_the_success_line(ssm, env, wrapper):
    put(ssm, "/prod/app/A", "a")
    env.update(SSM_ENV_PATHS="/prod/app", SSM_ENV_LOG_LEVEL="error")
    proc = run(wrapper, ["true"], env)
    assert (proc.returncode, proc.stderr) == (0, "")
    env["SSM_ENV_LOG_LEVEL"] = "loud"
    proc = run(wrapper, ["true"], env)
    assert proc.returncode == 1 and "SSM_ENV_LOG_LEVEL must be one of" in proc.stderr


def test_snapstart_warns_that_values_live_in_the_snapshot(ssm, env, wrapper):
    put(ssm, "/prod/app/A", "a")
    env.update(SSM_ENV_PATHS="/prod/app", AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
    proc = run(wrapper, ["true"], env)
    assert proc.returncode == 0
    assert (
        "ssm-env-wrapper: warn: SnapStart: the values loaded at init are stored in the snapshot"
        in proc.stderr
    )


def test_export_dotenv_refuses_with_one_line_naming_the_variable(ssm, env):
    put(ssm, "/dev/app/WIN_PATH", "C:\\temp\\")
    put(ssm, "/dev/app/OK", SDK_VALUE)
    proc = run(
        [sys.executable, str(ROOT / "bin" / "wrapper")], ["export", "--path", "/dev/app"], env
    )
    assert proc.returncode == 1 and proc.stdout == ""  # nothing half-printed
    assert proc.stderr.startswith("ssm-env-wrapper: export --format dotenv: the value of WIN_PATH ")
    assert SDK_VALUE not in proc.stderr and "temp" not in proc.stderr


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
