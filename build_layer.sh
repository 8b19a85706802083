#!/usr/bin/env bash
# Build the shipping forms into DIR (default: dist/):
#   DIR/ssm_env_wrapper.py          the whole package as one file: run it, import it, vendor it
#   DIR/ssm-env-wrapper-layer.zip   a Lambda layer: that file as /opt/ssm-env-wrapper (mode 0755)
#                                   and its bytecode for every Lambda Python runtime this machine
#                                   has a Python for, as /opt/__pycache__/ssm-env-wrapperTAG.pyc
#                                   (TAG: cpython-312 ...: no dot, as the file name has none)
# By default the build looks for CPython 3.10 to 3.14 (the Lambda python3.x runtimes: python3.9
# was deprecated on 2025-12-15, https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html)
# as python3.X on PATH, under pyenv ($PYENV_ROOT/versions) and under uv (`uv python find`,
# $UV_PYTHON_INSTALL_DIR or ~/.local/share/uv/python), runs each candidate once to be sure it
# works (a pyenv shim exists even when its version is not selected, and then fails), and prints
# which versions it built and which it could not. BUILD_PYTHONS="python3.12 /path/python3"
# overrides the search (each one must work); BUILD_PYTHONS= (empty) builds a source-only layer.
# The bytecode is hash-checked against the source (PEP 552): a runtime whose Python has no
# bytecode here, or a changed source, compiles the source instead: tens of milliseconds more CPU per
# cold start (docs/performance.md#sizes).
# Standard library only. Two builds from the same sources on the same machine are byte-identical.
set -euo pipefail
cd "$(dirname "$0")"
out="${1:-dist}"
mkdir -p "$out"
python3 tools/build_single.py "$out/ssm_env_wrapper.py"
chmod 0755 "$out/ssm_env_wrapper.py"
cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT
cp "$out/ssm_env_wrapper.py" "$cache/ssm-env-wrapper"

# Which interpreters: one line "TAG PATH" each, for compile below; the summary goes to stdout.
python3 - "$cache/pythons" "${BUILD_PYTHONS-@search}" <<'PY'
import glob
import os
import re
import shutil
import subprocess
import sys

listing, wanted = sys.argv[1], sys.argv[2]
VERSIONS = [(3, minor) for minor in range(10, 15)]
PROBE = ("import sys; print(sys.implementation.name, sys.implementation.cache_tag, "
         "*sys.version_info[:3])")


def probe(python):
    """(cache tag, "3.X.Y") of a working CPython, or (None, why not)."""
    try:
        proc = subprocess.run([python, "-I", "-S", "-c", PROBE], capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, type(error).__name__
    fields = proc.stdout.split()
    if proc.returncode != 0 or len(fields) != 5:
        return None, f"exit status {proc.returncode}"
    if fields[0] != "cpython":  # Lambda's runtimes are CPython; other bytecode would never be read
        return None, fields[0]
    return fields[1], ".".join(fields[2:])


def numeric(path):
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", path)
    return tuple(int(n) for n in match.groups()) if match else (0, 0, 0)


def candidates(major, minor):
    """Where a python3.X may be, in order of preference: PATH, pyenv, uv (newest patch first)."""
    name = f"python{major}.{minor}"
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        yield os.path.join(directory or ".", name)
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    yield from sorted(glob.glob(os.path.join(pyenv, "versions", f"{major}.{minor}.*", "bin", name)),
                      key=numeric, reverse=True)
    uv = shutil.which("uv")
    if uv:
        try:
            found = subprocess.run([uv, "python", "find", "--no-project", f"{major}.{minor}"],
                                   capture_output=True, text=True, timeout=60,
                                   stdin=subprocess.DEVNULL).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            found = ""
        if found:
            yield found
    uv_dir = os.environ.get("UV_PYTHON_INSTALL_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "uv", "python")
    yield from sorted(glob.glob(os.path.join(uv_dir, f"cpython-{major}.{minor}.*", "bin", name)),
                      key=numeric, reverse=True)


chosen, lines = [], []
if wanted != "@search":  # BUILD_PYTHONS: exactly these, each must work
    for python in wanted.split():
        tag, why = probe(python)
        if tag is None:
            raise SystemExit(f"build_layer.sh: BUILD_PYTHONS: {python} does not run ({why})")
        chosen.append((tag, python))
        lines.append(f"  {why}: built ({python}, from BUILD_PYTHONS)")
else:
    for major, minor in VERSIONS:
        tried, found = [], None
        for python in candidates(major, minor):
            if not (os.path.isfile(python) and os.access(python, os.X_OK)) or python in tried:
                continue
            tried.append(python)
            tag, why = probe(python)
            if tag == f"cpython-{major}{minor}":
                found = (tag, python, why)
                break
        if found:
            chosen.append(found[:2])
            lines.append(f"  {major}.{minor}: built ({found[2]}, {found[1]})")
        else:
            reason = f"none of {', '.join(tried)} works" if tried else "no interpreter found"
            lines.append(f"  {major}.{minor}: NOT built, {reason}: that runtime compiles the source")
with open(listing, "w") as handle:
    handle.writelines(f"{tag} {python}\n" for tag, python in chosen)
print("bytecode:" if chosen or lines else "bytecode: none (BUILD_PYTHONS is empty): source only")
print("\n".join(lines))
PY

while read -r tag python; do
    # The cache name is what the import system looks for beside /opt/ssm-env-wrapper.
    # PYTHONHASHSEED=0: before 3.13, frozenset constants are marshalled in hash order; a fixed seed
    # keeps the bytecode byte-identical from one build to the next. Not -I or -E: they would ignore
    # PYTHONHASHSEED too; the variables that could change what runs are unset instead.
    (unset PYTHONPATH PYTHONHOME PYTHONSTARTUP PYTHONSAFEPATH
     PYTHONHASHSEED=0 exec "$python" -S - "$cache/ssm-env-wrapper" "$tag") <<'PY'
import importlib.util
import py_compile
import sys

source, tag = sys.argv[1], sys.argv[2]
cfile = importlib.util.cache_from_source(source)
assert sys.implementation.cache_tag == tag and cfile.endswith(f"{tag}.pyc"), (tag, cfile)
# dfile: the name in tracebacks is the layer's path, not this build's temporary one.
py_compile.compile(source, cfile=cfile, doraise=True, dfile="/opt/ssm-env-wrapper",
                   invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
PY
done < "$cache/pythons"
python3 - "$out" "$cache" <<'PY'
import pathlib
import sys
import zipfile

out, cache = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
files = [("ssm-env-wrapper", (out / "ssm_env_wrapper.py").read_bytes(), 0o755)]
files += [(f"__pycache__/{pyc.name}", pyc.read_bytes(), 0o644)
          for pyc in sorted((cache / "__pycache__").glob("*.pyc"))]
with zipfile.ZipFile(out / "ssm-env-wrapper-layer.zip", "w") as archive:
    for name, data, mode in files:
        # A fixed date and explicit Unix mode bits keep the zip reproducible and the file executable.
        entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        entry.create_system = 3  # Unix, so that Lambda honours the mode bits
        entry.external_attr = (0o100000 | mode) << 16
        entry.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(entry, data, compresslevel=9)
PY
echo "built $out/ssm_env_wrapper.py ($(wc -c < "$out/ssm_env_wrapper.py") bytes) and" \
     "$out/ssm-env-wrapper-layer.zip ($(wc -c < "$out/ssm-env-wrapper-layer.zip") bytes)"
