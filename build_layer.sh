#!/usr/bin/env bash
# Build the two shipping forms into DIR (default: dist/):
#   DIR/ssm_env_wrapper.py          the whole package as one file: run it, import it, vendor it
#   DIR/ssm-env-wrapper-layer.zip   a Lambda layer: that file as /opt/ssm-env-wrapper, mode 0755
# Standard library only. Two builds from the same sources are byte-identical (fixed zip times).
set -euo pipefail
cd "$(dirname "$0")"
out="${1:-dist}"
mkdir -p "$out"
python3 tools/build_single.py "$out/ssm_env_wrapper.py"
chmod 0755 "$out/ssm_env_wrapper.py"
python3 - "$out" <<'PY'
import pathlib
import sys
import zipfile

out = pathlib.Path(sys.argv[1])
source = (out / "ssm_env_wrapper.py").read_bytes()
# A fixed date and explicit Unix mode bits keep the zip reproducible and the file executable.
entry = zipfile.ZipInfo("ssm-env-wrapper", date_time=(1980, 1, 1, 0, 0, 0))
entry.create_system = 3  # Unix, so that Lambda honours the mode bits below
entry.external_attr = 0o100755 << 16
entry.compress_type = zipfile.ZIP_DEFLATED
with zipfile.ZipFile(out / "ssm-env-wrapper-layer.zip", "w") as archive:
    archive.writestr(entry, source, compresslevel=9)
PY
echo "built $out/ssm_env_wrapper.py ($(wc -c < "$out/ssm_env_wrapper.py") bytes) and" \
     "$out/ssm-env-wrapper-layer.zip ($(wc -c < "$out/ssm-env-wrapper-layer.zip") bytes)"
