"""The shipped artifacts: the single file and the layer zip, built by build_layer.sh."""

from __future__ import annotations

import ast
import os
import pathlib
import subprocess
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


def test_layer_zip_holds_one_executable_file_at_its_root(built):
    with zipfile.ZipFile(built["dir"] / "ssm-env-wrapper-layer.zip") as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["ssm-env-wrapper"]
        assert infos[0].external_attr >> 16 == 0o100755
        assert archive.read("ssm-env-wrapper") == built["single"].read_bytes()
    assert os.access(built["layer"], os.X_OK)


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
    assert project["requires-python"] == ">=3.9"


def test_runs_on_python_3_9_and_later(built):
    # vermin reads the code and reports the oldest Python that can run it. Annotations are not
    # evaluated at run time (every module has `from __future__ import annotations`).
    vermin = os.path.join(os.path.dirname(sys.executable), "vermin")
    targets = [str(PACKAGE), str(built["single"]), str(ROOT / "bin" / "wrapper")]
    proc = subprocess.run([vermin, "--no-tips", "--violations", "--target=3.9-"] + targets,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_start_up_line_is_posix_sh_and_python(built):
    for path in (ROOT / "bin" / "wrapper", built["single"]):
        lines = path.read_text().splitlines()
        assert lines[0] == "#!/bin/sh"
        # sh execs python3 in isolated mode; Python reads the same line as a string expression.
        assert lines[1] == '"exec" "python3" "-I" "-S" "$0" "$@"'
        assert os.access(path, os.X_OK)
