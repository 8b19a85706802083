"""The settings table: who may read the environment (an AST test), one row per setting, the names the wrapper knows, the generated docs table, the API's arguments."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest
from conftest import ROOT, SRC, put, timed_load
from credential_cases import THROTTLE
from fake_ssm import FaultySsm

import ssm_env_wrapper
from ssm_env_wrapper import ConfigError, Settings
from ssm_env_wrapper.settings_table import KNOWN_NAMES, SETTINGS


@pytest.mark.parametrize(
    "extra, attempts, named",
    [
        ({"AWS_MAX_ATTEMPTS": "2"}, 2, "AWS_MAX_ATTEMPTS=2"),
        ({"SSM_ENV_MAX_ATTEMPTS": "3", "AWS_MAX_ATTEMPTS": "1"}, 3, "SSM_ENV_MAX_ATTEMPTS=3"),
        ({"SSM_ENV_MAX_ATTEMPTS": "1", "AWS_MAX_ATTEMPTS": "5"}, 1, "SSM_ENV_MAX_ATTEMPTS=1"),
    ],
    ids=["aws-only", "ssm-env-wins-up", "ssm-env-wins-down"],
)
def test_ssm_env_max_attempts_wins_over_aws_max_attempts(env, extra, attempts, named):
    with FaultySsm([THROTTLE] * 6) as fake:
        outcome, _ = timed_load(
            env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_PATHS="/prod/app", **extra
        )
        assert len(fake.requests) == attempts
    word = "attempt" if attempts == 1 else "attempts"
    assert str(outcome).endswith(f"(after {attempts} {word}; {named})")


def test_a_bad_ssm_env_max_attempts_names_it(env):
    outcome, _ = timed_load(env, SSM_ENV_PATHS="/prod/app", SSM_ENV_MAX_ATTEMPTS="many")
    assert (
        str(outcome)
        == "SSM_ENV_MAX_ATTEMPTS must be a whole number above 0 and at most 100, got 'many'"
    )


def test_the_api_max_attempts_argument(env, api):
    with FaultySsm([THROTTLE] * 6) as fake:
        with pytest.raises(api.SsmEnvError, match=r"\(after 2 attempts; max_attempts=2\)$"):
            api.load_parameters(
                "/prod/app", environ=dict(env), endpoint_url=fake.url, max_attempts=2
            )
        assert len(fake.requests) == 2


PACKAGE = SRC / "ssm_env_wrapper"

# Who may read the process environment: the table's module and the entry points. The wrapper's
# process start (main), the command line (cli), the wrapper's one pass (wrapper: it makes
# os.environ what the command gets), the Python API's functions, and the exec at the end of the
# wrapper's pass (os.execv hands the process environment on). Everything else receives a Mapping.
ENTRY_MODULES = {"settings_table", "main", "cli", "wrapper"}

ENTRY_FUNCTIONS = {
    "settings": {"Settings.from_environ"},
    "loader": {"load", "load_parameters", "apply_environment", "apply_variables"},
    "command": {"exec_command"},
}

# os's ways to the process environment: the mappings, the getters and setters, and what reads
# variables on its own (~ and $VAR expansion, exec and spawn without an explicit environment).
_OS_READS = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}

_OS_PATH_READS = {"expanduser", "expandvars"}

_INHERITING_EXEC = re.compile(r"^(exec[lv]p?|spawn[lv]p?|system|popen)$")

_SUBPROCESS = {"run", "Popen", "call", "check_call", "check_output", "getoutput"}


def _reads(tree: ast.Module) -> list[tuple[int, str]]:
    """``(line, what)`` for each way this module reaches the process environment."""
    aliases = {"os"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases |= {a.asname for a in node.names if a.name in ("os", "posix") and a.asname}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("os", "posix", "os.path"):
            names = {a.name for a in node.names} & (_OS_READS | _OS_PATH_READS)
            found += [(node.lineno, f"from {node.module} import {n}") for n in sorted(names)]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in aliases and (
                node.attr in _OS_READS or _INHERITING_EXEC.match(node.attr)
            ):
                found.append((node.lineno, f"os.{node.attr}"))
            if node.value.id == "subprocess" and node.attr in _SUBPROCESS:
                found.append((node.lineno, f"subprocess.{node.attr} (checked for env=)"))
        elif isinstance(node, ast.Attribute) and node.attr in _OS_PATH_READS:
            found.append((node.lineno, f"os.path.{node.attr}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if "/proc/self/environ" in node.value or re.search(r"/proc/.*environ", node.value):
                found.append((node.lineno, "/proc/.../environ"))
    # A subprocess given env= explicitly passes down what it was given: not a read.
    explicit = {
        node.func.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and any(k.arg == "env" for k in node.keywords)
    }
    return [
        (line, what)
        for line, what in found
        if not (what.startswith("subprocess.") and line in explicit)
    ]


def _function_at(tree: ast.Module, line: int) -> str:
    """The qualified name of the innermost function or method around ``line``."""
    best = ""

    def visit(node: ast.AST, prefix: str) -> None:
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if child.lineno <= line <= (child.end_lineno or child.lineno):
                    if not isinstance(child, ast.ClassDef):
                        best = name
                    visit(child, name + ".")

    visit(tree, "")
    return best


def test_only_the_table_and_the_entry_points_read_the_environment():
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        module = path.stem
        if module in ENTRY_MODULES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, what in _reads(tree):
            function = _function_at(tree, line)
            if function not in ENTRY_FUNCTIONS.get(module, set()):
                offenders.append(f"{module}.py:{line} {function or '<module>'}: {what}")
    assert not offenders, "read the process environment outside the entry points:\n" + "\n".join(
        offenders
    )


def test_the_rule_sees_each_way_to_the_environment():
    # The rule itself: each of these is a read, wherever it hides.
    sources = [
        "import os\ndef f():\n    return os.environ.get('X')",
        "import os as o\ndef f():\n    return o.getenv('X')",
        "from os import environ\n",
        "import os\ndef f(p):\n    return os.path.expanduser(p)",
        "import subprocess\ndef f():\n    subprocess.run(['x'])",
        "def f():\n    return open('/proc/self/environ').read()",
        "import os\ndef f(a):\n    os.execvp(a[0], a)",
    ]
    for source in sources:
        assert _reads(ast.parse(source)), source
    passed_down = "import subprocess\ndef f(environ):\n    subprocess.run(['x'], env=dict(environ))"
    assert not _reads(ast.parse(passed_down))


def _names_read(tree: ast.Module) -> set[str]:
    """Variable names a module reads from a Mapping by a literal: ``x.get("NAME")``,
    ``x["NAME"]``, ``"NAME" in x``."""
    names = set()
    for node in ast.walk(tree):
        literal = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "get" and node.args and isinstance(node.args[0], ast.Constant):
                literal = node.args[0].value
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            if isinstance(node.value, ast.Name) and "env" in node.value.id:
                literal = node.slice.value
        if isinstance(literal, str) and re.fullmatch(
            r"[A-Z][A-Z0-9_]*_[A-Z0-9_]+|HOME|PATH", literal
        ):
            names.add(literal)
    return names


def test_every_variable_read_is_in_the_table():
    # HOME (the ~ of the AWS files) and PATH (the command's lookup) are the system's, not settings.
    read = set()
    for path in sorted(PACKAGE.glob("*.py")):
        read |= _names_read(ast.parse(path.read_text(encoding="utf-8")))
    assert read - KNOWN_NAMES - {"HOME", "PATH"} == set()
    # (Settings.from_environ reads its variables through the table, by no literal.)
    assert {"AWS_CA_BUNDLE", "AWS_PROFILE", "SSM_ENV_LOG_LEVEL"} <= read


def test_the_table_has_one_row_per_setting_and_one_owner_per_name():
    keys = [row[0] for row in SETTINGS]
    assert len(keys) == len(set(keys))
    options = [row[2] for row in SETTINGS if row[2]]
    assert len(options) == len(set(options))
    owners: dict[str, str] = {}
    for key, variables, *_ in SETTINGS:
        for variable in variables:
            # AWS_ENDPOINT_URL is both endpoints' fallback; every other name has one setting.
            if variable != "AWS_ENDPOINT_URL":
                assert variable not in owners, (variable, owners.get(variable), key)
                owners[variable] = key
    for row in SETTINGS:
        assert len(row) == 8 and row[7] and not row[7].endswith("."), row[0]


def test_the_launchers_handover_and_the_lambda_variables_are_known():
    from ssm_env_wrapper.settings_table import unknown_settings

    lambda_env = {
        name: "x"
        for name in (
            "AWS_LAMBDA_FUNCTION_NAME AWS_LAMBDA_FUNCTION_VERSION AWS_LAMBDA_RUNTIME_API "
            "AWS_LAMBDA_LOG_GROUP_NAME AWS_LAMBDA_LOG_STREAM_NAME AWS_XRAY_DAEMON_ADDRESS "
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE _HANDLER _X_AMZN_TRACE_ID LAMBDA_TASK_ROOT "
            "AWS_ENDPOINT_URL_STS AWS_ENDPOINT_URL_S3 HTTP_PROXY https_proxy _ssm_env_given_1 "
            "AWS_SECURITY_TOKEN SSL_CERT_FILE"
        ).split()
    }
    assert unknown_settings(lambda_env) == ([], [])


def test_ignored_endpoint_urls_are_not_named_for_secrets_manager(env):
    from ssm_env_wrapper.diagnostics import Origins

    environ = dict(
        env,
        AWS_ENDPOINT_URL="http://127.0.0.1:9",
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true",
    )
    origins = Settings.from_environ(environ).origins
    assert origins.secrets_endpoint == "AWS_ENDPOINT_URL_SECRETS_MANAGER"
    assert (
        Origins.spelled(
            "env", dict(environ, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="false")
        ).secrets_endpoint
        == "AWS_ENDPOINT_URL"
    )


def test_the_secrets_manager_message_skips_ignored_endpoint_urls(env):
    # What the Secrets Manager calls' messages name as their endpoint's setting.
    import types

    from ssm_env_wrapper.diagnostics import Diagnostics
    from ssm_env_wrapper.fetch import secrets_target as _secrets_target

    environ = dict(
        env, AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true"
    )
    del environ["AWS_ENDPOINT_URL_SSM"]
    settings = Settings.from_environ(environ)
    endpoint, _, words = _secrets_target(
        types.SimpleNamespace(region="us-east-1"), environ, None, Diagnostics(settings.origins)
    )
    assert endpoint.host == "secretsmanager.us-east-1.amazonaws.com"
    assert words.origins.endpoint == "AWS_ENDPOINT_URL_SECRETS_MANAGER"


def test_load_parameters_takes_every_setting_the_api_promises(ssm, env):
    put(ssm, "/app/PATH", "/opt/x-0043")
    put(ssm, "/app/A", "a")
    values = ssm_env_wrapper.load_parameters("/app", environ=env, allow=["PATH"])
    assert values == {"PATH": "/opt/x-0043", "A": "a"}
    values = ssm_env_wrapper.load_parameters(
        "/app", names=["/app/none"], environ=env, on_error="continue"
    )
    assert values == {"A": "a"}  # PATH refused, /app/none missing: both left out
    arn = "arn:aws:ssm:us-east-1:123456789012:parameter/app/A"
    values = ssm_env_wrapper.load_parameters(environ=dict(env, FROM_ARN=arn), resolve_arns=True)
    assert values == {"FROM_ARN": "a"}


@pytest.mark.parametrize(
    ("argument", "value"),
    [("timeout", -1), ("timeout", 0), ("timeout", "5"), ("max_attempts", 0), ("max_attempts", 1.5)],
)
def test_load_parameters_refuses_a_bad_number_naming_the_argument(env, argument, value):
    with pytest.raises(ConfigError) as error:
        ssm_env_wrapper.load_parameters("/app", environ=env, **{argument: value})
    assert str(error.value).startswith(f"{argument}={value!r} is not valid"), str(error.value)


def test_load_parameters_names_its_arguments(env):
    for argument, value in (("on_error", "stop"), ("collision", "first"), ("name_mode", "x")):
        with pytest.raises(ConfigError, match=f"^{argument}= must be one of"):
            ssm_env_wrapper.load_parameters("/app", environ=env, **{argument: value})


# -- the docs' table
def test_the_docs_carry_the_generated_settings_table():
    generated = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "settings_doc.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    docs = ROOT / "docs" / "settings.md"
    page = docs if docs.exists() else ROOT / "README.md"
    text = page.read_text(encoding="utf-8")
    begin, end = "<!-- settings:begin -->", "<!-- settings:end -->"
    if begin not in text or end not in text:
        pytest.skip(f"{page.name} has no {begin} ... {end} block yet (the lead inserts it)")
    block = text.split(begin, 1)[1].split(end, 1)[0]
    assert block.strip() == generated.strip(), "regenerate: python3 tools/settings_doc.py"


def test_the_generated_table_lists_every_variable():
    out = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "settings_doc.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in KNOWN_NAMES - {"AWS_SECURITY_TOKEN"}:
        assert f"`{name}`" in out, name


def test_apply_environment_warns_of_a_near_miss(ssm, env):
    put(ssm, "/a/X", "1")
    environ = dict(env, SSM_ENV_PATHS="/a", APP_ENVS="prod")
    with pytest.warns(UserWarning, match=r"APP_ENVS is not read; did you mean APP_ENV\?"):
        ssm_env_wrapper.apply_environment(environ)
    assert environ["X"] == "1"
