"""The CPython interpreters this machine has, 3.9 and newer (PATH's python3.9 ... python3.14, then
pyenv's versions; the running one always), for the tests that run the single file on each."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

__all__ = ["PYTHONS"]


def _interpreters() -> dict[str, str]:
    candidates = [sys.executable]
    candidates += [shutil.which(f"python3.{minor}") or "" for minor in range(9, 15)]
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates += sorted(glob.glob(os.path.join(root, "versions", "3.*", "bin", "python3")))
    found: dict[str, str] = {}
    for path in filter(None, candidates):
        try:
            version = subprocess.run(
                [path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout.strip()
        except OSError:
            continue
        if version and tuple(map(int, version.split("."))) >= (3, 9):
            found.setdefault(version, path)
    return found


PYTHONS = _interpreters()
