#!/usr/bin/env bash
# Build the shipping forms into DIR (default: dist/):
#   DIR/ssm_env_wrapper.py          the whole package as one file: run it, import it, vendor it
#   DIR/ssm-env-wrapper-layer.zip   a Lambda layer: that file as /opt/ssm-env-wrapper (mode 0755)
#                                   and its bytecode for each interpreter in BUILD_PYTHONS
#                                   (default: python3) as /opt/__pycache__/ssm-env-wrapper.TAG.pyc
# The bytecode is hash-checked against the source (PEP 552), so a runtime whose Python or source
# does not match compiles the source instead: build with the runtime's Python to save ~20 ms of
# CPU per cold start, e.g. BUILD_PYTHONS="python3.9 python3.10 python3.11 python3.12 python3.13";
# BUILD_PYTHONS= (empty) builds a source-only layer (about 34 KiB).
# Standard library only. Two builds from the same sources are byte-identical.
set -euo pipefail
cd "$(dirname "$0")"
out="${1:-dist}"
mkdir -p "$out"
python3 tools/build_single.py "$out/ssm_env_wrapper.py"
chmod 0755 "$out/ssm_env_wrapper.py"
cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT
cp "$out/ssm_env_wrapper.py" "$cache/ssm-env-wrapper"
for python in ${BUILD_PYTHONS-python3}; do
    # The cache name is what the import system looks for beside /opt/ssm-env-wrapper.
    # PYTHONHASHSEED=0: frozenset constants are marshalled in hash order; a fixed seed keeps the
    # bytecode byte-identical from one build to the next.
    PYTHONHASHSEED=0 "$python" - "$cache/ssm-env-wrapper" <<'PY'
import importlib.util
import py_compile
import sys

source = sys.argv[1]
# dfile: the name in tracebacks is the layer's path, not this build's temporary one.
py_compile.compile(source, cfile=importlib.util.cache_from_source(source), doraise=True,
                   dfile="/opt/ssm-env-wrapper",
                   invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
PY
done
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
