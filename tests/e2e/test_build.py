"""The shipped artifacts: the single file and the layer zip, built by build_layer.sh."""

from __future__ import annotations

import ast
import importlib.util
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest depends on tomli there, the same parser
    import tomli as tomllib

from conftest import ROOT, SRC

PACKAGE = SRC / "ssm_env_wrapper"


@pytest.fixture(scope="module")
def rebuilt(built, tmp_path_factory):
    """A second default build, with what it printed: the same as the first, byte for byte."""
    out = tmp_path_factory.mktemp("rebuilt")
    proc = subprocess.run(
        ["bash", str(ROOT / "build_layer.sh"), str(out)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    single = out / "ssm_env_wrapper.py"
    return {"dir": out, "single": single, "layer": built["layer"], "output": proc.stdout}


def test_two_builds_are_byte_identical(built, rebuilt):
    for name in ("ssm_env_wrapper.py", "ssm-env-wrapper-layer.zip"):
        assert (rebuilt["dir"] / name).read_bytes() == (built["dir"] / name).read_bytes(), name


def _pyc_matches(python: str, pyc: bytes, source: bytes) -> bool:
    """Whether ``python`` would run ``pyc`` for ``source``: its magic number, the hash-checked flags
    (PEP 552) and the source hash keyed by that magic number, as its import system checks them."""
    check = (
        "import importlib.util, sys; pyc, src = open(sys.argv[1], 'rb').read(), "
        "open(sys.argv[2], 'rb').read(); "
        "print(pyc[:4] == importlib.util.MAGIC_NUMBER and pyc[4:8] == b'\\x03\\0\\0\\0' "
        "and pyc[8:16] == importlib.util.source_hash(src))"
    )
    with tempfile.TemporaryDirectory() as scratch:
        (pathlib.Path(scratch) / "pyc").write_bytes(pyc)
        (pathlib.Path(scratch) / "src").write_bytes(source)
        proc = subprocess.run(
            [python, "-I", "-S", "-c", check, f"{scratch}/pyc", f"{scratch}/src"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    return proc.stdout == "True\n"


def _built_lines(output: str) -> dict[str, str]:
    """The build's summary: {"3.12": "/path/to/python3.12", ...} for the versions it built."""
    return dict(re.findall(r"^  (3\.\d+): built \([^,]+, (.+)\)$", output, re.M))


def test_layer_zip_holds_the_single_file_and_bytecode_for_each_python_it_names(rebuilt):
    built = rebuilt
    with zipfile.ZipFile(built["dir"] / "ssm-env-wrapper-layer.zip") as archive:
        infos = {i.filename: i for i in archive.infolist()}
        assert infos["ssm-env-wrapper"].external_attr >> 16 == 0o100755
        source = archive.read("ssm-env-wrapper")
        assert source == built["single"].read_bytes()
        pycs = {name: archive.read(name) for name in infos if name != "ssm-env-wrapper"}
    assert os.access(built["layer"], os.X_OK)
    # Every Lambda runtime version is named, built or not, and each built one has exactly its file.
    for minor in range(10, 15):
        assert re.search(rf"^  3\.{minor}: (built|NOT built)", built["output"], re.M), built[
            "output"
        ]
    pythons = _built_lines(built["output"])
    assert sorted(pycs) == sorted(
        f"__pycache__/ssm-env-wrappercpython-{v.replace('.', '')}.pyc" for v in pythons
    )
    for version, python in pythons.items():
        name = f"__pycache__/ssm-env-wrappercpython-{version.replace('.', '')}.pyc"
        assert _pyc_matches(python, pycs[name], source), (version, python)


def _hermetic_path(tmp_path: pathlib.Path) -> str:
    """A PATH with only what build_layer.sh runs, python3 being this suite's Python: the search
    then sees only the interpreters a test puts in front of it."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("bash", "dirname", "mkdir", "chmod", "mktemp", "rm", "cp", "wc"):
        (tools / name).symlink_to(shutil.which(name))
    (tools / "python3").symlink_to(os.path.realpath(sys.executable))
    return str(tools)


@pytest.mark.parametrize("manager", ["pyenv", "uv"])
def test_build_searches_path_pyenv_and_uv_and_skips_interpreters_that_fail(manager, tmp_path):
    ours = f"3.{sys.version_info[1]}"
    other = "3.14" if ours != "3.14" else "3.13"
    real = os.path.realpath(sys.executable)
    front = tmp_path / "front"
    front.mkdir()
    # A pyenv shim for a version that is not selected: it exists on PATH and fails.
    (front / f"python{ours}").write_text(
        "#!/bin/sh\necho 'pyenv: version not installed' >&2\nexit 127\n"
    )
    (front / f"python{ours}").chmod(0o755)
    # A name that lies: python3.X that is another version is no bytecode for 3.X.
    (front / f"python{other}").symlink_to(real)
    # Where the managers keep their interpreters: $PYENV_ROOT/versions/3.X.Y/bin/python3.X, and
    # uv's $UV_PYTHON_INSTALL_DIR/cpython-3.X.Y-PLATFORM/bin/python3.X.
    home = tmp_path / "home"
    if manager == "pyenv":
        where = tmp_path / "pyenv" / "versions" / f"{ours}.0" / "bin"
    else:
        where = (
            home
            / ".local"
            / "share"
            / "uv"
            / "python"
            / f"cpython-{ours}.0-linux-x86_64-gnu"
            / "bin"
        )
    where.mkdir(parents=True)
    (where / f"python{ours}").symlink_to(real)
    environment = {
        "PATH": f"{front}:{_hermetic_path(tmp_path)}",
        "HOME": str(home),
        "PYENV_ROOT": str(tmp_path / "pyenv"),
    }
    proc = subprocess.run(
        ["bash", str(ROOT / "build_layer.sh"), str(tmp_path / "out")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert _built_lines(proc.stdout) == {ours: str(where / f"python{ours}")}, proc.stdout
    assert f"  {other}: NOT built, none of {front}/python{other} works" in proc.stdout, proc.stdout
    with zipfile.ZipFile(tmp_path / "out" / "ssm-env-wrapper-layer.zip") as archive:
        assert sorted(archive.namelist()) == [
            "__pycache__/" + os.path.basename(importlib.util.cache_from_source("ssm-env-wrapper")),
            "ssm-env-wrapper",
        ]


def test_build_pythons_overrides_the_search(tmp_path):
    environment = dict(os.environ, BUILD_PYTHONS="")
    proc = subprocess.run(
        ["bash", str(ROOT / "build_layer.sh"), str(tmp_path / "a")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "source only" in proc.stdout
    with zipfile.ZipFile(tmp_path / "a" / "ssm-env-wrapper-layer.zip") as archive:
        assert archive.namelist() == ["ssm-env-wrapper"]
    environment["BUILD_PYTHONS"] = sys.executable
    subprocess.run(
        ["bash", str(ROOT / "build_layer.sh"), str(tmp_path / "b")],
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
    )
    with zipfile.ZipFile(tmp_path / "b" / "ssm-env-wrapper-layer.zip") as archive:
        assert sorted(archive.namelist()) == [
            "__pycache__/" + os.path.basename(importlib.util.cache_from_source("ssm-env-wrapper")),
            "ssm-env-wrapper",
        ]
    # An interpreter that does not run stops the build, naming it.
    environment["BUILD_PYTHONS"] = f"{sys.executable} {tmp_path}/no-such-python"
    proc = subprocess.run(
        ["bash", str(ROOT / "build_layer.sh"), str(tmp_path / "c")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (
        proc.returncode != 0
        and f"BUILD_PYTHONS: {tmp_path}/no-such-python does not run" in proc.stderr
    )


def test_bytecode_is_compiled_with_a_fixed_hash_seed(tmp_path):
    # Before 3.13 marshal writes a frozenset constant (`x in {"a", "b"}`) in hash order, so the
    # compile must run with string hashing fixed, or two builds differ. -I and -E would silently
    # ignore PYTHONHASHSEED: this interpreter reports, under the flags the build compiles with,
    # whether hashing is randomized.
    log = tmp_path / "randomized"
    spy = tmp_path / "python3"
    spy.write_text(f"""#!/bin/sh
flags=""
for arg in "$@"; do
    if [ "$arg" = "-" ]; then
        {os.path.realpath(sys.executable)} $flags -c 'import sys; print(sys.flags.hash_randomization)' >> {log}
        break
    fi
    flags="$flags $arg"
done
exec {os.path.realpath(sys.executable)} "$@"
""")
    spy.chmod(0o755)
    environment = dict(os.environ, BUILD_PYTHONS=str(spy), PYTHONHASHSEED="random")
    subprocess.run(
        ["bash", str(ROOT / "build_layer.sh"), str(tmp_path / "out")],
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert log.read_text() == "0\n"


def _forged_pyc(source: pathlib.Path, code_text: str) -> bytes:
    """A hash-checked .pyc that claims ``source`` but runs ``code_text``."""
    import importlib.util
    import marshal

    flags = 0b11  # hash-based, checked (PEP 552)
    return (
        importlib.util.MAGIC_NUMBER
        + flags.to_bytes(4, "little")
        + importlib.util.source_hash(source.read_bytes())
        + marshal.dumps(compile(code_text, str(source), "exec"))
    )


def test_the_layer_runs_its_bytecode_only_while_it_matches_the_source(built, tmp_path, env):
    import importlib.util
    import shutil

    layer = tmp_path / "ssm-env-wrapper"
    shutil.copy2(built["layer"], layer)
    cache = pathlib.Path(importlib.util.cache_from_source(str(layer)))
    cache.parent.mkdir()
    forged = _forged_pyc(layer, "print('ran the bytecode')")
    cache.write_bytes(forged)
    # python3 is this suite's Python, whose bytecode was forged (not whatever python3 PATH has).
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "python3").symlink_to(os.path.realpath(sys.executable))
    configured = dict(env, SSM_ENV_PATHS="/x", PATH=f"{bindir}:{env['PATH']}")  # past the fast path
    proc = subprocess.run(
        [str(layer), "true"], env=configured, capture_output=True, text=True, timeout=30
    )
    assert proc.stdout == "ran the bytecode\n"
    # One byte of the source changed: the stale bytecode is ignored and the source runs.
    layer.write_bytes(layer.read_bytes() + b"\n")
    proc = subprocess.run(
        [str(layer), "--version"], env=configured, capture_output=True, text=True, timeout=30
    )
    assert proc.stdout.startswith("ssm-env-wrapper ")
    assert cache.read_bytes() == forged  # -B: nothing is written next to the file


def test_single_file_runs_as_a_script_with_python3(built, env, tmp_path):
    # The vendoring form: `python3 ssm_env_wrapper.py CMD ...`, nothing configured here.
    proc = subprocess.run(
        [sys.executable, str(built["single"]), "sh", "-c", "echo ran"],
        env={"PATH": env["PATH"]},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "ran\n", "")
    proc = subprocess.run(
        [sys.executable, str(built["single"]), "--version"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.stdout.startswith("ssm-env-wrapper 0.")


def test_single_file_imports_as_a_module_without_side_effects(built):
    code = (
        "import sys, ssm_env_wrapper as m; "
        "assert m.__all__ and callable(m.load_parameters) and m.__doc__.startswith('ssm-env-wrapper'); "
        "assert 'http.client' not in sys.modules and 'ssl' not in sys.modules; print('ok')"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(built['dir'])!r}); {code}",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
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
        outside = {name for name in _imports(path) if name not in sys.stdlib_module_names} - {
            "ssm_env_wrapper"
        }
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
    proc = subprocess.run(
        [vermin, "--no-tips", "--violations", "--target=3.9-"] + targets,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_start_up_lines_are_posix_sh_and_python(built):
    launcher = (ROOT / "tools" / "launcher.sh").read_text()
    assert launcher.startswith("#!/bin/sh\n")
    assert "exec python3 -I -S -B -c" in launcher
    for path in (ROOT / "bin" / "wrapper", built["single"]):
        # The single file puts its head (comment lines, tests/e2e/test_single_file.py) between the
        # shebang and the launcher's first command.
        head, _, rest = path.read_text().partition('\n":"')
        assert head.startswith("#!/bin/sh\n") and rest.startswith(launcher.partition('\n":"')[2])
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
        proc = subprocess.run(
            sh + [str(built["single"])] + args,
            env=extra_env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert (proc.returncode, proc.stdout, proc.stderr) == (code, out, "")
    # Python's own answers: these never take the shell's fast path.
    for extra_env, args, expect in [
        (base, ["no-such-command"], "ssm-env-wrapper: command not found: no-such-command\n"),
        (
            dict(base, SSM_ENV_RECURSIVE="maybe"),
            ["probe"],
            "SSM_ENV_RECURSIVE must be true or false",
        ),
        (dict(base, REF="ssm:/x"), ["probe"], "no AWS region"),
        (dict(base, APP_PARAMS_PATH="app"), ["probe"], "no AWS region"),
    ]:
        proc = subprocess.run(
            sh + [str(built["single"])] + args,
            env=extra_env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert proc.returncode != 0 and expect in proc.stderr, proc.stderr
    proc = subprocess.run(
        sh + [str(built["single"]), "--version"],
        env=base,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.stdout.startswith("ssm-env-wrapper ")


def test_bin_wrapper_is_what_the_generator_writes(tmp_path):
    # bin/wrapper is tools/launcher.sh plus the lines that run src/: generated, never hand-copied.
    out = tmp_path / "wrapper"
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_bin.py"), str(out)], check=True, timeout=60
    )
    assert (ROOT / "bin" / "wrapper").read_bytes() == out.read_bytes(), (
        "bin/wrapper differs from what tools/build_bin.py writes; regenerate it with: "
        "python3 tools/build_bin.py"
    )
    assert os.access(out, os.X_OK)


# The single file is read before it is vendored: 256 KiB holds the package with every "why".
SINGLE_FILE_BUDGET = 256 * 1024


# What it may not outgrow meanwhile: about 441 KiB today, the budget above not met: without any
# comment, docstring or blank line the code alone is about 277 KiB (the policy command, metrics,
# files, versions, the settings table and the edge limits). Lower it as the file shrinks; raise
# it only for a fix that cannot wait for a trim (442: the answer's value count, 1.4 KiB).
SINGLE_FILE_CEILING = 442 * 1024


def test_single_file_stays_under_its_ceiling(built):
    size = built["single"].stat().st_size
    assert size <= SINGLE_FILE_CEILING, (
        f"the single file is {size} bytes ({size / 1024:.1f} KiB), over its ceiling of "
        f"{SINGLE_FILE_CEILING // 1024} KiB: trim before adding"
    )


@pytest.mark.xfail(
    strict=True,
    reason="about 441 KiB (the 256 KiB budget is not met: see SINGLE_FILE_CEILING); strict, so "
    "that the marker must go the day it fits",
)
def test_single_file_fits_its_size_budget(built):
    size = built["single"].stat().st_size
    assert size <= SINGLE_FILE_BUDGET, (
        f"the single file is {size} bytes ({size / 1024:.1f} KiB), over its budget of "
        f"{SINGLE_FILE_BUDGET // 1024} KiB"
    )
