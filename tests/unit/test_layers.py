"""The package's shape: modules of at most 500 lines, functions of at most 60. The network core
is a layer: no module of it imports, even indirectly, a module that reads the process
environment or names a user-facing setting. The graph is read from the sources (every
``import`` and ``from ... import``, at module level, under TYPE_CHECKING and inside functions),
so a lazy import cannot hide a dependency."""

from __future__ import annotations

import ast
import pathlib
import re

import pytest
from conftest import SRC

PACKAGE = "ssm_env_wrapper"

#: The network core: deadlines, signing, HTTP/1.1, proxies, TLS trust, retries, bytes, the JSON
#: client and the two services' operations, and the plain records and words they are given.
CORE = (
    "deadline",
    "sigv4",
    "httpgrammar",
    "http11",
    "proxy",
    "trust",
    "transport",
    "retry",
    "awsjson",
    "ssm",
    "secretsmanager",
    "partitions",
    "records",
    "keys",
    "advice",
)

#: The modules that read the environment or word settings for people: the entry points, the
#: settings table and its readers, and the messages that name a setting as its user gave it.
ABOVE = (
    "settings",
    "parsers",
    "settings_table",
    "resolve",
    "credentials",
    "profiles",
    "config_file",
    "endpoint",
    "diagnostics",
    "arguments",
    "cli",
    "main",
    "wrapper",
    "loader",
    "policy",
)

#: A setting's name as a user types it: a variable of this wrapper's or the SDKs', or an option.
SETTING = re.compile(
    r"\b(SSM_ENV_[A-Z_]+|AWS_[A-Z_]{3,}|APP_(ENV|PARAMS_PATH)|HTTPS?_PROXY|NO_PROXY"
    r"|SSL_CERT_(FILE|DIR))\b|(^|\s)--[a-z]"
)


def imports_of(package: pathlib.Path, module: str) -> dict[str, int]:
    """The package's modules that ``module`` imports anywhere in its text, each with the line."""
    tree = ast.parse((package / f"{module}.py").read_text(encoding="utf-8"))
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif node.level == 1:
                base = f"{PACKAGE}.{node.module}" if node.module else PACKAGE
                names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            head, _, rest = name.partition(".")
            target = rest.split(".")[0] if head == PACKAGE else ""
            if target and (package / f"{target}.py").exists():
                found.setdefault(target, node.lineno)
    return found


def reaches(package: pathlib.Path, start: str) -> dict[str, list[str]]:
    """Every module ``start`` imports, even indirectly, with the chain of imports that gets there
    (``awsjson:24 -> diagnostics``)."""
    chains: dict[str, list[str]] = {start: []}
    pending = [start]
    while pending:
        module = pending.pop()
        for target, line in sorted(imports_of(package, module).items()):
            if target not in chains:
                chains[target] = chains[module] + [f"{module}:{line} -> {target}"]
                pending.append(target)
    return chains


def reads_or_names(package: pathlib.Path, module: str) -> list[str]:
    """Where ``module`` reads the environment (``os.environ``, ``getenv``, an ``environ``
    parameter), imports by a computed name, or spells a setting outside a docstring."""
    tree = ast.parse((package / f"{module}.py").read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
            found.append(f"{module}:{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in ("environ", "getenv", "__import__"):
            found.append(f"{module}:{node.lineno}: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr == "import_module":
            found.append(f"{module}:{node.lineno}: import_module")
        elif isinstance(node, ast.arg) and node.arg == "environ":
            found.append(f"{module}:{node.lineno}: an environ parameter")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and SETTING.search(node.value)
        ):
            found.append(f"{module}:{node.lineno}: {node.value!r}")
    return found


@pytest.mark.parametrize("module", CORE)
def test_the_core_imports_nothing_that_reads_the_environment_or_names_a_setting(module):
    package = SRC / PACKAGE
    chains = reaches(package, module)
    above = {m: " ; ".join(chains[m]) for m in ABOVE if m in chains}
    assert not above, above
    # Whatever else it reaches (errors, redact, values, localfile, jsonvalue...) is judged by
    # what it does, not by a list: it reads no environment and spells no setting.
    found = [problem for reached in sorted(chains) for problem in reads_or_names(package, reached)]
    assert not found, {problem: chains[problem.split(":")[0]] for problem in found}


def test_every_module_is_on_one_side():
    """A new module is placed: in the core, above it, or among the helpers the core may use
    (which the test above judges by what they do)."""
    present = {p.stem for p in (SRC / PACKAGE).glob("*.py")} - {"__init__", "__main__"}
    assert set(CORE) <= present and set(ABOVE) <= present
    assert not set(CORE) & set(ABOVE)


def test_the_guard_follows_imports_inside_functions_and_through_helpers(tmp_path):
    """The guard itself, on a package made for it: a core module that imports, inside a function,
    a helper that imports the settings at its top is caught, with the chain."""
    package = tmp_path / PACKAGE
    package.mkdir()
    (package / "core.py").write_text("def f():\n    from .helper import x\n    return x\n")
    (package / "helper.py").write_text("from . import settings\nx = 1\n")
    (package / "settings.py").write_text(
        "import os\n\ndef read():\n    return os.environ.get('SSM_ENV_TIMEOUT')\n"
    )
    chains = reaches(package, "core")
    assert chains["settings"] == ["core:2 -> helper", "helper:1 -> settings"]
    assert sorted(reads_or_names(package, "settings")) == [
        "settings:4: 'SSM_ENV_TIMEOUT'",
        "settings:4: .environ",
    ]
    assert reads_or_names(package, "helper") == []


def test_no_module_is_over_500_lines_and_no_function_over_60():
    # The shape a reader can hold: a module of one job fits in 500 lines, a step in 60.
    package = SRC / PACKAGE
    too_long = []
    for path in sorted(package.rglob("*.py")):
        text = path.read_text()
        if len(text.splitlines()) > 500:
            too_long.append(f"{path.name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > 60:
                    too_long.append(f"{path.name}:{node.lineno} {node.name}: {lines} lines")
    assert not too_long, too_long
