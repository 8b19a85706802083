"""What a person outside this repository gets: a checkout that tests itself with nothing beside
it, a licence and its notices on every source file, pinned test dependencies, and workflows
that actionlint accepts."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the backport the test extra installs there
    import tomli as tomllib

# Files whose text is the project's: what git tracks, less data copied from elsewhere.
TRACKED = subprocess.run(["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True,
                         check=False).stdout.split()
OWN = [ROOT / name for name in TRACKED if not name.startswith("tests/data/")]


def _text(path):
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
        return ""


def test_the_checkout_is_a_git_work_tree():
    # The checks below read `git ls-files`: an empty list would make them pass on nothing.
    assert len(OWN) > 30 and (ROOT / "pyproject.toml") in OWN


def test_nothing_reads_outside_the_checkout():
    """A clone with nothing beside it must pass: no test, script, CI step or example may name
    the checkout's parent (the SigV4 vectors once lived in ../shared)."""
    outside = re.compile(r"""(ROOT\.parent|ROOT\s*/\s*["']\.\.["']|["'`(\s]\.\./(?!\.\./dist/))""")
    # ../../dist/ in the SAM and Terraform examples is this checkout's own build output.
    found = []
    for path in OWN:
        if path.suffix in (".md", ".svg", ".lock") or path.name == "test_release.py":
            continue
        for number, line in enumerate(_text(path).splitlines(), 1):
            if outside.search(line) or "shared/aws4_testsuite" in line:
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
