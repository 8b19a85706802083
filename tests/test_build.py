"""The shipped artifacts: the single file and the layer zip, built by build_layer.sh."""

from __future__ import annotations

import ast
import os
import pathlib
import subprocess

import pytest
import sys
import tomllib
import zipfile

from conftest import ROOT, SRC

PACKAGE = SRC / "ssm_env_wrapper"


def test_two_builds_are_byte_identical(built, tmp_path):
    subprocess.run(["bash", str(ROOT / "build_layer.sh"), str(tmp_path)], check=True,
                   capture_output=True)
    for name in ("ssm_env_wrapper.py", "ssm-env-wrapper-layer.zip"):
        assert (tmp_path / name).read_bytes() == (built["dir"] / name).read_bytes(), name


def test_layer_zip_holds_the_single_file_and_its_bytecode(built):
    import importlib.util

    pyc = importlib.util.cache_from_source("ssm-env-wrapper")  # what the loader will look for
    with zipfile.ZipFile(built["dir"] / "ssm-env-wrapper-layer.zip") as archive:
        infos = {i.filename: i for i in archive.infolist()}
        assert sorted(infos) == sorted(["ssm-env-wrapper", pyc])
        assert infos["ssm-env-wrapper"].external_attr >> 16 == 0o100755
        assert archive.read("ssm-env-wrapper") == built["single"].read_bytes()
    assert os.access(built["layer"], os.X_OK)


def _forged_pyc(source: pathlib.Path, code_text: str) -> bytes:
    """A hash-checked .pyc that claims ``source`` but runs ``code_text``."""
    import importlib.util
    import marshal

    flags = 0b11  # hash-based, checked (PEP 552)
    return (importlib.util.MAGIC_NUMBER + flags.to_bytes(4, "little")
            + importlib.util.source_hash(source.read_bytes())
            + marshal.dumps(compile(code_text, str(source), "exec")))


def test_the_layer_runs_its_bytecode_only_while_it_matches_the_source(built, tmp_path, env):
    import importlib.util
    import shutil

    layer = tmp_path / "ssm-env-wrapper"
    shutil.copy2(built["layer"], layer)
    cache = pathlib.Path(importlib.util.cache_from_source(str(layer)))
    cache.parent.mkdir()
    forged = _forged_pyc(layer, "print('ran the bytecode')")
    cache.write_bytes(forged)
    configured = dict(env, SSM_ENV_PATHS="/x")  # past the shell's fast path
    proc = subprocess.run([str(layer), "true"], env=configured, capture_output=True, text=True, timeout=30)
    assert proc.stdout == "ran the bytecode\n"
    # One byte of the source changed: the stale bytecode is ignored and the source runs.
    layer.write_bytes(layer.read_bytes() + b"\n")
    proc = subprocess.run([str(layer), "--version"], env=configured, capture_output=True, text=True,
                          timeout=30)
    assert proc.stdout.startswith("ssm-env-wrapper ")
    assert cache.read_bytes() == forged  # -B: nothing is written next to the file


def test_single_file_runs_as_a_script_with_python3(built, env, tmp_path):
    # The vendoring form: `python3 ssm_env_wrapper.py CMD ...`, nothing configured here.
    proc = subprocess.run([sys.executable, str(built["single"]), "sh", "-c", "echo ran"],
                          env={"PATH": env["PATH"]}, capture_output=True, text=True, timeout=30)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "ran\n", "")
    proc = subprocess.run([sys.executable, str(built["single"]), "--version"],
                          capture_output=True, text=True, timeout=30)
    assert proc.stdout.startswith("ssm-env-wrapper 0.")


def test_single_file_imports_as_a_module_without_side_effects(built):
    code = ("import sys, ssm_env_wrapper as m; "
            "assert m.__all__ and callable(m.load_parameters) and m.__doc__.startswith('ssm-env-wrapper'); "
            "assert 'http.client' not in sys.modules and 'ssl' not in sys.modules; print('ok')")
    proc = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(built['dir'])!r}); {code}"],
                          capture_output=True, text=True, timeout=30)
    assert proc.stdout == "ok\n", proc.stderr


def _imports(path: pathlib.Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_runtime_imports_only_the_standard_library(built):
    files = sorted(PACKAGE.glob("*.py")) + [built["single"]]
    for path in files:
        outside = {name for name in _imports(path) if name not in sys.stdlib_module_names} - {"ssm_env_wrapper"}
        assert not outside, f"{path.name} imports {outside}"


def test_no_runtime_dependencies_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == []
    assert project["scripts"]["ssm-env-wrapper"] == "ssm_env_wrapper.main:main"
    assert project["requires-python"] == ">=3.10"


def test_runs_on_python_3_9_and_later(built):
    # vermin reads the code and reports the oldest Python that can run it. Annotations are not
    # evaluated at run time (every module has `from __future__ import annotations`).
    vermin = os.path.join(os.path.dirname(sys.executable), "vermin")
    targets = [str(PACKAGE), str(built["single"]), str(ROOT / "bin" / "wrapper")]
    proc = subprocess.run([vermin, "--no-tips", "--violations", "--target=3.9-"] + targets,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_start_up_lines_are_posix_sh_and_python(built):
    launcher = (ROOT / "tools" / "launcher.sh").read_text()
    assert launcher.startswith("#!/bin/sh\n")
    assert "exec python3 -I -S -B -c" in launcher
    for path in (ROOT / "bin" / "wrapper", built["single"]):
        # The single file puts its head (comment lines, tests/test_single_file.py) between the
        # shebang and the launcher's first command.
        head, _, rest = path.read_text().partition('\n"true"')
        assert head.startswith("#!/bin/sh\n") and rest.startswith(launcher.partition('\n"true"')[2])
        assert path != ROOT / "bin" / "wrapper" or path.read_text().startswith(launcher)
        assert os.access(path, os.X_OK)
    # To Python the launcher is one string expression: the file still parses and runs.
    assert isinstance(ast.parse(launcher).body[0].value, ast.Constant)


@pytest.mark.parametrize("shell", ["dash", "bash"])  # Debian's /bin/sh; Amazon Linux's /bin/sh
def test_launcher_fast_path_and_python_path_in_every_shell(shell, built, env, tmp_path):
    """Nothing to load: the shell execs the command itself (no Python). Anything configured,
    an option, or a command it cannot find: Python decides."""
    import shutil

    sh = [shutil.which(shell)]
    probe = tmp_path / "probe"
    probe.write_text('#!/bin/sh\nprintf "%s|" "$#" "$@"\n')
    probe.chmod(0o755)
    base = {"PATH": f"{tmp_path}:/usr/bin:/bin"}
    cases = [
        (base, ["probe", "a b", ""], 0, "2|a b||"),
        (base, [str(probe)], 0, "0|"),
        (dict(base, APP_ENV="prod", OTHER="x y"), ["probe"], 0, "0|"),
    ]
    for extra_env, args, code, out in cases:
        proc = subprocess.run(sh + [str(built["single"])] + args, env=extra_env, capture_output=True,
                              text=True, timeout=30)
        assert (proc.returncode, proc.stdout, proc.stderr) == (code, out, "")
    # Python's own answers: these never take the shell's fast path.
    for extra_env, args, expect in [
        (base, ["no-such-command"], "ssm-env-wrapper: command not found: no-such-command\n"),
        (dict(base, SSM_ENV_RECURSIVE="maybe"), ["probe"], "SSM_ENV_RECURSIVE must be true or false"),
        (dict(base, REF="ssm:/x"), ["probe"], "no AWS region"),
        (dict(base, APP_PARAMS_PATH="app"), ["probe"], "no AWS region"),
    ]:
        proc = subprocess.run(sh + [str(built["single"])] + args, env=extra_env, capture_output=True,
                              text=True, timeout=30)
        assert proc.returncode != 0 and expect in proc.stderr, proc.stderr
    proc = subprocess.run(sh + [str(built["single"]), "--version"], env=base, capture_output=True,
                          text=True, timeout=30)
    assert proc.stdout.startswith("ssm-env-wrapper ")

