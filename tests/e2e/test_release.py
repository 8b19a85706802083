"""What a person outside this repository gets: a checkout that tests itself with nothing beside
it, a licence and its notices on every source file, pinned test dependencies, and workflows
that actionlint accepts."""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the backport the test extra installs there
    import tomli as tomllib


def _tracked() -> list[str]:
    """The project's files: what git tracks or, in a source archive without .git, every file
    but what a checkout makes (venvs, caches, builds)."""
    proc = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=False
    )
    if proc.returncode == 0 and proc.stdout.strip():
        return proc.stdout.split()
    made = re.compile(
        r"^(\.git|\.venv.*|build|dist|.*\.egg-info|__pycache__|\..*_cache|\.hypothesis)$"
    )
    return sorted(
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*")
        if p.is_file() and not any(made.match(part) for part in p.relative_to(ROOT).parts)
    )


# Files whose text is the project's, less data copied from elsewhere.
TRACKED = _tracked()
OWN = [ROOT / name for name in TRACKED if not name.startswith("tests/data/")]


def _text(path):
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
        return ""


def test_the_file_list_is_not_empty():
    # The checks below walk this list: an empty one would make them pass on nothing.
    assert len(OWN) > 30 and (ROOT / "pyproject.toml") in OWN


def test_nothing_reads_outside_the_checkout():
    """A clone with nothing beside it must pass: no test, script, CI step or example may name
    the checkout's parent (the SigV4 vectors once lived in a folder beside it)."""
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


# ------------------------------------------------------------------------- licence and metadata


PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
SUPPORTED = ["3.10", "3.11", "3.12", "3.13", "3.14"]  # Lambda's supported Python runtimes


def test_licence_files_and_metadata():
    assert "Apache License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Version 2.0, January 2004" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "ssm-env-wrapper" in (ROOT / "NOTICE").read_text(encoding="utf-8")
    # The SPDX string form (PEP 639) needs setuptools 77 or newer to be read at all.
    assert PROJECT["license"] == "Apache-2.0"
    assert PROJECT["license-files"] == ["LICENSE", "NOTICE"]
    assert PYPROJECT["build-system"]["requires"] == ["setuptools>=77"]
    assert not any(
        c.startswith("License ::") for c in PROJECT["classifiers"]
    )  # PEP 639: one or other


def test_classifiers_name_every_supported_python_and_no_other():
    assert PROJECT["requires-python"] == f">={SUPPORTED[0]}"
    versions = [
        c.rsplit(" :: ", 1)[1]
        for c in PROJECT["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert versions == SUPPORTED
    assert "Typing :: Typed" in PROJECT["classifiers"]
    assert (ROOT / "src" / "ssm_env_wrapper" / "py.typed").is_file()
    assert {"Homepage", "Source", "Issues", "Changelog"} <= set(PROJECT["urls"])


def test_the_wheel_carries_the_licence_and_the_typed_marker(tmp_path):
    # Built from this checkout with the setuptools the lock pins, no download (no isolation).
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    import zipfile

    (wheel,) = tmp_path.glob("ssm_env_wrapper-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(
            next(n for n in names if n.endswith(".dist-info/METADATA"))
        ).decode()
    assert "ssm_env_wrapper/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert any(n.endswith(".dist-info/licenses/NOTICE") for n in names)
    assert "License-Expression: Apache-2.0" in metadata
    runtime = [
        line
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    assert runtime == []  # no runtime dependency, only the extras
    assert not any(n.startswith("tests/") for n in names)


SPDX = "# SPDX-License-Identifier: Apache-2.0"


def _source_files():
    for name in TRACKED:
        if name.split("/", 1)[0] in ("src", "tools", "bin", "scripts") and not name.endswith(
            "py.typed"
        ):
            yield ROOT / name


def test_every_source_file_starts_with_its_spdx_line():
    missing = []
    for path in _source_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        first = 1 if lines and lines[0].startswith("#!") else 0
        if lines[first : first + 1] != [SPDX]:
            missing.append(str(path.relative_to(ROOT)))
    assert not missing, missing


# ------------------------------------------------------------------------- pinned test dependencies


LOCK = (ROOT / "requirements" / "test.lock").read_text(encoding="utf-8")


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pins() -> dict[str, list[str]]:
    """name -> the lines pinning it (one per environment marker), each with its hashes."""
    pins: dict[str, list[str]] = {}
    for entry in re.split(r"\n(?=\S)", LOCK):
        if entry.startswith("#") or not entry.strip():
            continue
        first = entry.split("\n", 1)[0]
        assert re.match(r"^[A-Za-z0-9._-]+==\S+", first), first
        assert "--hash=sha256:" in entry, f"{first}: no hash"
        pins.setdefault(_name(first), []).append(entry)
    return pins


def test_the_lock_pins_every_declared_test_and_bench_dependency_with_hashes():
    pins = _pins()
    declared = PROJECT["optional-dependencies"]["test"] + PROJECT["optional-dependencies"]["bench"]
    assert {_name(r) for r in declared} - set(pins) == set()
    # Exactly one version each where no marker splits them; the build backend is there too.
    assert "setuptools" in pins and "matplotlib" in pins and "h11" in pins
    assert LOCK.startswith(
        "# This file was autogenerated by uv via the following command:\n"
        "#    bash scripts/lock.sh\n"
    )


def test_bootstrap_installs_from_the_lock_only():
    script = (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements/test.lock" in script
    assert "--no-deps --no-build-isolation -e ." in script
    assert "[test]" not in script  # never the loose ranges
    assert "--extra test --extra bench" in (ROOT / "scripts" / "lock.sh").read_text(
        encoding="utf-8"
    )


DEMO_LOCK = (ROOT / "requirements" / "demo.lock").read_text(encoding="utf-8")


def _lock_pins(text: str) -> dict[str, set[str]]:
    """name -> the versions a lock pins (one per environment marker), each entry hashed."""
    pins: dict[str, set[str]] = {}
    for entry in re.split(r"\n(?=\S)", text):
        if entry.startswith("#") or not entry.strip():
            continue
        first = entry.split("\n", 1)[0]
        assert "--hash=sha256:" in entry, f"{first}: no hash"
        name, version = re.match(r"^([A-Za-z0-9._-]+)==([^\s;]+)", first).groups()
        pins.setdefault(_name(name), set()).add(version)
    return pins


def test_the_demo_has_its_own_lock_with_only_what_it_uses():
    """The demo needs moto's SSM backend and boto3: its own hashed lock and venv, not the test
    suite's 682 MB of linters, type checkers and plotting libraries."""
    demo, test = _lock_pins(DEMO_LOCK), _lock_pins(LOCK)
    assert DEMO_LOCK.startswith(
        "# This file was autogenerated by uv via the following command:\n"
        "#    bash scripts/lock.sh\n"
    )
    assert {"boto3", "moto", "flask", "flask-cors"} <= set(demo)
    heavy = {"mypy", "cfn-lint", "matplotlib", "sympy", "numpy", "pytest", "ruff", "docker"}
    assert heavy & set(demo) == set()
    assert len(demo) < 40
    # The same versions as the tests run (demo.in is constrained by test.lock).
    for name, versions in demo.items():
        assert versions <= test[name], name
    script = (ROOT / "scripts" / "demo.sh").read_text(encoding="utf-8")
    assert "bootstrap.sh demo" in script and ".venv-demo" in script
    assert "--require-hashes -r requirements/demo.lock" in (
        ROOT / "scripts" / "bootstrap.sh"
    ).read_text(encoding="utf-8")


def test_the_demo_runs_on_what_its_lock_pins():
    """scripts/demo.py, run for real in this venv with every distribution that demo.lock does not
    pin hidden from imports, as in .venv-demo/ (an optional import, such as requests' of
    simplejson, then falls back as it would there); what it imports is what the lock pins."""
    probe = (
        "import importlib.abc, re, runpy, sys\n"
        "from importlib import metadata\n"
        "allowed = set(sys.argv[2].split())\n"
        "owners = metadata.packages_distributions()\n"
        "def norm(name):\n"
        "    return re.sub(r'[-_.]+', '-', name).lower()\n"
        "class Hide(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        dists = {norm(d) for d in owners.get(name.partition('.')[0], [])}\n"
        "        if dists and not dists & allowed:\n"
        "            raise ModuleNotFoundError(f'not in demo.lock: {name}', name=name)\n"
        "before = set(sys.modules)  # what site imported for the venv itself (.pth files)\n"
        "sys.meta_path.insert(0, Hide())\n"
        "try:\n"
        "    runpy.run_path(sys.argv[1], run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    code = exit.code\n"
        "new = set(sys.modules) - before\n"
        "used = {norm(d) for m in new for d in owners.get(m.partition('.')[0], [])}\n"
        "print('DISTRIBUTIONS', ' '.join(sorted(used)))\n"
        "sys.exit(code)\n"
    )
    pinned = set(_lock_pins(DEMO_LOCK))
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(ROOT / "scripts" / "demo.py"), " ".join(pinned)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "DB_HOST        db.internal.example" in proc.stdout
    assert "NOT_LOADED     (not set)" in proc.stdout
    assert "correct-horse-battery-staple" not in proc.stdout + proc.stderr
    used = set(proc.stdout.rsplit("DISTRIBUTIONS ", 1)[1].split())
    assert {"boto3", "moto", "flask"} <= used
    assert used - pinned == set()


def _old_python() -> str | None:
    import glob

    found = sorted(glob.glob(str(pathlib.Path.home() / ".pyenv/versions/3.9*/bin/python3")))
    return found[0] if found else None


@pytest.mark.skipif(_old_python() is None, reason="no Python 3.9 under ~/.pyenv to try it with")
@pytest.mark.parametrize("what", ["test", "demo"])
def test_bootstrap_refuses_an_older_python_in_one_line_before_pip(tmp_path, what):
    venv = tmp_path / "venv"
    env = {"PATH": "/usr/bin:/bin", "PYTHON": _old_python(), "VENV": str(venv)}
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "bootstrap.sh"), what],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert "Python 3.10 or newer" in line and "3.9." in line and "PYTHON=" in line
    assert not venv.exists()  # nothing made, pip never ran


def test_the_installed_versions_are_the_locked_ones():
    """In a venv made by scripts/bootstrap.sh, what pytest runs with is what the lock says."""
    import hashlib
    from importlib import metadata

    stamp = pathlib.Path(sys.prefix) / ".ssm-env-wrapper-lock"
    if not stamp.is_file():
        pytest.skip(
            "this venv was not made by scripts/bootstrap.sh (the extras installed by hand "
            "follow pyproject's ranges, not the lock)"
        )
    digest = hashlib.sha256(LOCK.encode() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    assert stamp.read_text().strip() == digest, "run scripts/bootstrap.sh: the lock changed"

    checked = 0
    for name, entries in _pins().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # a package for another platform or Python (its marker excludes this one)
        versions = {re.match(r"^[^=]+==([^\s;]+)", e).group(1) for e in entries}
        assert installed in versions, f"{name} {installed} is not the locked {sorted(versions)}"
        checked += 1
    assert checked > 40


def test_tool_settings_live_in_pyproject_and_the_test_command_runs_them():
    assert PYPROJECT["tool"]["ruff"]["line-length"] == 100
    assert PYPROJECT["tool"]["mypy"]["files"] == ["src/ssm_env_wrapper"]
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    steps = [
        script.index(step) for step in ('ruff" check', 'ruff" format --check', 'mypy"', "-m pytest")
    ]
    assert steps == sorted(steps)


def test_mypy_accepts_the_package():
    # The hints are the documentation of the public surface; mypy keeps them honest (also run by
    # scripts/test.sh before pytest; here so that a plain pytest run checks them too).
    mypy = pathlib.Path(sys.executable).with_name("mypy")
    proc = subprocess.run(
        [str(mypy), "--no-error-summary"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ------------------------------------------------------------------------- CI and release workflows


WORKFLOWS = ROOT / ".github" / "workflows"
BIN = pathlib.Path(sys.executable).parent
LINUX_X86 = sys.platform == "linux" and __import__("platform").machine() == "x86_64"


def _workflow(name: str) -> dict:
    import yaml  # PyYAML, through cfn-lint and moto

    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


@pytest.mark.skipif(not LINUX_X86, reason="the lock installs shellcheck for linux x86_64 only")
def test_workflows_pass_actionlint_with_shellcheck():
    # actionlint checks the workflow syntax, expressions, action inputs and runner labels, and runs
    # shellcheck on every `run:` script (it finds shellcheck on PATH: the venv's bin first).
    assert (BIN / "shellcheck").exists()
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": "/nonexistent"}
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert [pathlib.Path(f).name for f in files] == ["ci.yml", "release.yml"]
    proc = subprocess.run(
        [str(BIN / "actionlint"), "-no-color", *files],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_is_not_a_no_op(tmp_path):
    # The linter must reject a broken workflow, or the test above proves nothing.
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: echo ${{ github.event.issue.title }}\n"
        "      - uses: actions/checkout@v6\n        with:\n          no-such-input: 1\n"
    )
    proc = subprocess.run(
        [str(BIN / "actionlint"), "-no-color", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and "no-such-input" in proc.stdout and "untrusted" in proc.stdout


def test_ci_runs_the_test_command_on_every_supported_python():
    ci = _workflow("ci.yml")
    (job,) = ci["jobs"].values()
    assert job["strategy"]["matrix"]["python"] == SUPPORTED
    runs = [step.get("run", "") for step in job["steps"]]
    assert any(run.startswith("bash scripts/test.sh") for run in runs)
    assert ci["permissions"] == {"contents": "read"}
    assert "workflow_call" in ci[True]  # YAML 1.1 reads the key `on` as True


def test_release_builds_for_every_runtime_attests_and_publishes_without_keys():
    release = _workflow("release.yml")
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    assert release["jobs"]["test"]["uses"] == "./.github/workflows/ci.yml"
    build = release["jobs"]["build"]
    assert build["needs"] == "test"
    steps = build["steps"]
    (setup,) = [s for s in steps if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup["with"]["python-version"].split() == SUPPORTED
    assert any(s.get("run", "").startswith("bash build_layer.sh") for s in steps)
    (attest,) = [
        s for s in steps if s.get("uses", "").startswith("actions/attest-build-provenance@")
    ]
    assert attest["with"]["subject-path"].split() == [
        "dist/ssm-env-wrapper-layer.zip",
        "dist/ssm_env_wrapper.py",
    ]
    assert build["permissions"] == {
        "contents": "write",
        "id-token": "write",
        "attestations": "write",
    }
    assert "SHA256SUMS" in text and "sha256sum ssm-env-wrapper-layer.zip ssm_env_wrapper.py" in text
    publish = release["jobs"]["publish-layer"]
    (creds,) = [s for s in publish["steps"] if "configure-aws-credentials" in s.get("uses", "")]
    assert set(creds["with"]) == {"role-to-assume", "aws-region", "role-session-name"}
    assert publish["permissions"]["id-token"] == "write"
    # No long-term keys anywhere in the workflows: OIDC only.
    for path in WORKFLOWS.glob("*.yml"):
        lowered = path.read_text(encoding="utf-8").lower()
        assert "aws-access-key-id" not in lowered and "secret-access-key" not in lowered
        assert "secrets.aws" not in lowered


def test_release_builds_the_site_and_publishes_it_only_when_the_repository_opts_in():
    release = _workflow("release.yml")
    docs = release["jobs"]["docs"]
    assert docs["permissions"] == {"contents": "read"}
    build = [s.get("run", "") for s in docs["steps"]]
    assert any("bash scripts/bootstrap.sh" in r and "mkdocs build --strict" in r for r in build)
    (upload,) = [s for s in docs["steps"] if "upload-pages-artifact" in s.get("uses", "")]
    assert upload["if"] == "vars.PAGES_ENABLED == 'true'"
    pages = release["jobs"]["pages"]
    assert pages["if"] == "vars.PAGES_ENABLED == 'true'"
    assert set(pages["needs"]) == {"build", "docs"}  # after the release exists
    assert pages["permissions"] == {"pages": "write", "id-token": "write"}
    assert pages["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in pages["steps"]] == ["actions/deploy-pages"]


def test_the_published_layer_lists_every_supported_runtime_and_no_other():
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    (line,) = [line for line in text.splitlines() if "--compatible-runtimes" in line]
    assert line.split("--compatible-runtimes", 1)[1].split()[:-1] == [
        f"python{v}" for v in SUPPORTED
    ]


@pytest.mark.skipif(not LINUX_X86, reason="the lock installs shellcheck for linux x86_64 only")
def test_the_projects_shell_scripts_pass_shellcheck():
    scripts = sorted(str(p) for p in (ROOT / "scripts").glob("*.sh")) + [str(ROOT / ".ci" / "run")]
    proc = subprocess.run(
        [str(BIN / "shellcheck"), "--shell=bash", *scripts],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ------------------------------------------------------------------------- changelog and versioning


def _version() -> str:
    namespace: dict = {}
    exec((ROOT / "src" / "ssm_env_wrapper" / "version.py").read_text(encoding="utf-8"), namespace)
    return namespace["__version__"]


def test_the_changelog_has_the_current_version_in_keep_a_changelog_form():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n") and "keepachangelog.com" in text
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.M)
    assert headings[0] == ("Unreleased", "")
    assert headings[1][0] == _version() and headings[1][1], headings
    for name, _ in headings:  # every heading has its link at the bottom
        assert re.search(rf"^\[{re.escape(name)}\]: https://", text, re.M), name


def test_the_release_notes_step_extracts_the_current_versions_section(tmp_path):
    """The release workflow's own script, run here: the notes are this version's section."""
    release = _workflow("release.yml")
    (step,) = [
        s
        for s in release["jobs"]["build"]["steps"]
        if s.get("name") == "Release notes from CHANGELOG.md"
    ]
    (tmp_path / "dist").mkdir()
    shutil.copy(ROOT / "CHANGELOG.md", tmp_path)
    subprocess.run(
        ["bash", "-euo", "pipefail", "-c", step["run"]],
        cwd=tmp_path,
        check=True,
        env={"PATH": "/usr/bin:/bin", "VERSION": _version()},
        timeout=30,
    )
    notes = (tmp_path / "dist" / "NOTES.md").read_text(encoding="utf-8")
    assert "### Added" in notes and "## [" not in notes
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", step["run"]],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "VERSION": "9.9.9"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 1 and "no section for 9.9.9" in proc.stdout


def test_the_readme_states_the_versioning_policy_and_how_to_refresh_the_lock():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme[readme.index("## Quick start") : readme.index("## Use it in Lambda")]
    assert quick_start.count("\nbash scripts/") == 2  # still two commands
    assert "bash scripts/lock.sh" in quick_start
    assert "## Versioning and releases" in readme and "CHANGELOG.md" in readme
