"""The single file (dist/ssm_env_wrapper.py) is a vendored artifact that explains itself: its
first lines say what it is, its version, its licence, where it comes from, the exact command
that regenerates it and the minimum Python; the modules' docstrings survive as comments; no
`pass` stands where an import was taken out; no line is longer than 100 characters."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, SRC

PACKAGE = SRC / "ssm_env_wrapper"
MODULES = sorted(p for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__"))


def _version() -> str:
    namespace: dict = {}
    exec((PACKAGE / "version.py").read_text(encoding="utf-8"), namespace)
    return namespace["__version__"]


@pytest.fixture(scope="module")
def single(built) -> str:
    return built["single"].read_text(encoding="utf-8")


def _head(text: str) -> list[str]:
    """The comment lines between the shebang and the launcher's first command."""
    lines = text.splitlines()
    assert lines[0] == "#!/bin/sh"
    head = []
    for line in lines[1:]:
        if not line.startswith("#"):
            break
        head.append(line[1:].strip())
    return head


def test_the_head_says_what_version_licence_origin_how_to_rebuild_and_which_python(single):
    head = _head(single)
    assert 6 <= len(head) <= 14, head  # the first lines, before the launcher
    text = "\n".join(head)
    assert head[0].startswith(f"ssm-env-wrapper {_version()}: ")
    assert "SPDX-License-Identifier: Apache-2.0" in head
    source = re.search(r'^Source = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert source in text and "src/ssm_env_wrapper/" in text
    assert "python3 tools/build_single.py dist/ssm_env_wrapper.py" in text
    assert "do not edit" in text.lower()
    assert "Python 3.10 or newer" in text
    # Exactly one licence line in the whole file (the modules' own are not repeated).
    assert single.count("SPDX-License-Identifier") == 1


def test_the_command_in_the_head_regenerates_the_file_byte_for_byte(single, tmp_path):
    command = re.search(r"Regenerate[^:]*: (python3 tools/build_single.py \S+)", single).group(1)
    target = command.split()[-1]
    assert target == "dist/ssm_env_wrapper.py"
    out = tmp_path / "ssm_env_wrapper.py"
    subprocess.run(
        [sys.executable, "tools/build_single.py", str(out)], cwd=ROOT, check=True, timeout=60
    )
    assert out.read_text(encoding="utf-8") == single


def test_the_head_is_valid_sh_and_python(single, tmp_path):
    # The head is comments to both. Python parses the whole file; sh reads up to the launcher's
    # exec (what follows is Python, which sh never reaches), and parses that much without error.
    ast.parse(single)
    shell_part = single[: single.index("\n'''\n")]
    assert shell_part.count("exec python3 -I -S -B") == 1
    (tmp_path / "head.sh").write_text(shell_part + "\n")
    for shell in ("dash", "bash"):
        exe = shutil.which(shell)
        assert exe, f"{shell} is needed (Debian's and Amazon Linux's /bin/sh)"
        proc = subprocess.run(
            [exe, "-n", str(tmp_path / "head.sh")], capture_output=True, text=True, timeout=30
        )
        assert proc.returncode == 0, proc.stderr


def test_no_line_is_longer_than_100_characters(single):
    long = [
        (number, len(line)) for number, line in enumerate(single.splitlines(), 1) if len(line) > 100
    ]
    assert not long, f"(line, length): {long}"


def _comment_text(text: str) -> str:
    """Every comment line's words, joined with single spaces (rewrapping may move line breaks)."""
    words = [line.strip()[1:].strip() for line in text.splitlines() if line.strip().startswith("#")]
    return " ".join(" ".join(words).split())


def test_every_modules_docstring_survives(single):
    comments = _comment_text(single)
    for path in MODULES:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=True)
        assert doc, f"{path.name} has no docstring"
        assert " ".join(doc.split()) in comments, (
            f"{path.name}'s docstring is not in the single file"
        )


def test_the_package_docstring_is_the_files_docstring(built):
    init = ast.get_docstring(ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8")))
    proc = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import ssm_env_wrapper as m; "
            "sys.stdout.write(m.__doc__)",
            str(built["dir"]),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.stdout == init, proc.stderr


def _passes(tree: ast.AST) -> int:
    return sum(isinstance(node, ast.Pass) for node in ast.walk(tree))


def test_no_pass_where_an_import_was_taken_out(single):
    # Every `pass` in the single file is one the source has: none stands in for a relative import.
    in_sources = sum(_passes(ast.parse(p.read_text(encoding="utf-8"))) for p in MODULES)
    assert _passes(ast.parse(single)) == in_sources
    # No block is left guarding nothing (an `if TYPE_CHECKING:` whose imports all went).
    assert not re.search(r"^if TYPE_CHECKING:\n(?!    \S)", single, re.M)


def test_no_relative_import_and_one_future_import(single):
    tree = ast.parse(single)
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level]
    futures = [
        n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "__future__"
    ]
    assert len(futures) == 1


def test_the_annotations_only_switch_and_its_imports_are_not_repeated(single):
    # One namespace: what an earlier section imported (at module level, or in its
    # `if TYPE_CHECKING:` block), a later one need not.
    tree = ast.parse(single)
    assert [ast.unparse(n) for n in tree.body].count("TYPE_CHECKING = False") == 1
    seen: set[str] = set()
    repeated = []
    for block in tree.body:
        if isinstance(block, (ast.Import, ast.ImportFrom)):  # one that runs: counted apart
            bound = {f"run {getattr(block, 'module', '')} {ast.unparse(a)}" for a in block.names}
            repeated += [ast.unparse(block)] if bound <= seen else []
            seen |= bound
            continue
        if not (isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"):
            continue
        for statement in block.body:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                bound = {
                    f"{getattr(statement, 'module', '')} {ast.unparse(a)}" for a in statement.names
                }
                repeated += [ast.unparse(statement)] if bound <= seen else []
                seen |= bound
    assert seen and not repeated, repeated


# ---- the layout: launcher, overview, CONTENTS, public API, sections in the order of SECTIONS


def _builder():
    """tools/build_single.py as a module (its SECTIONS table)."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_single
    finally:
        sys.path.remove(str(ROOT / "tools"))
    return build_single


def _contents(single: str) -> list[tuple[str, str, int]]:
    rows = re.findall(r"^# +(\d+)\. (\S+(?: \S+)?) +(.*?) +(\d+)$", single, re.M)
    return [(f"{number}. {name}", summary, int(line)) for number, name, summary, line in rows]


def test_contents_lists_every_section_at_the_line_its_banner_starts(single):
    lines = single.splitlines()
    contents = _contents(single)
    sections = [("public API", None)] + [(s, m) for s, _, m in _builder().SECTIONS]
    assert [title.split(". ", 1)[1] for title, _, _ in contents] == [s for s, _ in sections]
    for title, summary, number in contents:
        assert lines[number - 1] == "# " + "=" * 98, (title, number)
        assert lines[number] == f"# {title}: {summary}", (title, number)
    # The sections come in the order of the table, right after the overview and the launcher.
    starts = [number for _, _, number in contents]
    assert starts == sorted(starts) and starts[0] < 260
    assert single.index("# CONTENTS") < single.index("from __future__ import annotations")


def test_each_section_holds_the_modules_the_table_gives_it_in_order(single):
    lines = single.splitlines()
    found: list[tuple[str, str]] = []
    section = ""
    for previous, line in zip([""] + lines, lines):
        title = re.match(r"# \d+\. (.+?): ", line)
        if title and previous == "# " + "=" * 98:
            section = title.group(1)
        module = re.match(r"# -{20} (\w+)\.py$", line)
        if module:
            found.append((section, module.group(1)))
    expected = [(s, m) for s, _, modules in _builder().SECTIONS for m in modules]
    assert found == expected
    assert sorted(m for _, m in found) == [p.stem for p in MODULES]


def test_the_public_api_listing_points_at_each_definition(single):
    lines = single.splitlines()
    rows = re.findall(r"^#   (\w+) +line +(\d+)   (\w+)\.py, ", single, re.M)
    names = ast.literal_eval(
        re.search(r"^__all__ = (\[.*?\])", (PACKAGE / "__init__.py").read_text(), re.M | re.S)[1]
    )
    assert [name for name, _, _ in rows] == names
    for name, number, _ in rows:
        line = lines[int(number) - 1]
        assert re.match(rf"(def |class ){name}\b|{name} = ", line), (name, line)
    assert single.index("__all__ = [") < single.index("# 2. foundations: ")


def _copy_of_the_checkout(tmp_path):
    """What the builder reads, copied: tools/, src/ and pyproject.toml."""
    for part in ("tools", "src"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def _build(checkout) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "tools/build_single.py", "out.py"],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_module_missing_from_the_table_stops_the_build_naming_the_table(tmp_path):
    checkout = _copy_of_the_checkout(tmp_path)
    (checkout / "src" / "ssm_env_wrapper" / "stages.py").write_text(
        '"""A new stage."""\n\nfrom .values import Record\n\n\nclass Stage(Record):\n    pass\n'
    )
    proc = _build(checkout)
    assert proc.returncode != 0 and not (checkout / "out.py").exists()
    assert "stages.py not in SECTIONS" in proc.stderr
    assert "tools/build_single.py" in proc.stderr and "values (foundations)" in proc.stderr


def test_a_name_used_at_import_time_above_its_definition_stops_the_build(tmp_path):
    # `naming` is in a later section than `values`: a class of values.py based on it cannot be.
    checkout = _copy_of_the_checkout(tmp_path)
    values = checkout / "src" / "ssm_env_wrapper" / "values.py"
    values.write_text(
        values.read_text() + "\n\nfrom .guards import FAMILIES\n_ALL = dict(FAMILIES)\n"
    )
    proc = _build(checkout)
    assert proc.returncode != 0
    assert "values.py reads FAMILIES at import time" in proc.stderr, proc.stderr
    assert "put guards above values" in proc.stderr


def test_the_formatting_trim_keeps_the_program(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from reflow import reflow
    finally:
        sys.path.remove(str(ROOT / "tools"))
    source = (
        "x = (\n    1,\n)\ny = t[\n    a,\n]\nz = f(\n    a,\n    b,\n)\n"
        "s = (\n    'one '\n    'two'\n)\nw = g(  # a comment stays\n    a,\n)\n"
    )
    out = reflow(source, 100)
    assert ast.dump(ast.parse(out)) == ast.dump(ast.parse(source))
    assert "x = (1,)\n" in out and "y = t[a,]\n" in out and "z = f(a, b)\n" in out
    assert "s = ('one two')\n" in out and "# a comment stays" in out
