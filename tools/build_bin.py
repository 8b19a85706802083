# SPDX-License-Identifier: Apache-2.0
"""Write bin/wrapper: the start-up lines of tools/launcher.sh, then the few lines that run the
package from this checkout's src/ (where the single file has the package itself).

bin/wrapper is generated, never edited: tests/e2e/test_build.py fails when it differs from what this
writes. usage: python3 tools/build_bin.py [OUTPUT]   (default: bin/wrapper, mode 0755)
"""

from __future__ import annotations

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "bin" / "wrapper"
COMMAND = "python3 tools/build_bin.py"

# What follows the launcher's string: to sh nothing (it has exec'd python3 by then), to Python the
# program. The launcher runs Python with -I, so src/ is put on sys.path here.
TAIL = '''\
"""Lambda exec wrapper from a source checkout: AWS_LAMBDA_EXEC_WRAPPER=/path/to/bin/wrapper."""
# Generated from tools/launcher.sh by {command}; do not edit, regenerate.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "src"))
# The launcher's -B keeps the single file from leaving bytecode where it was vendored; a source
# checkout keeps its src/__pycache__ as usual, so that later starts do not compile the package.
sys.dont_write_bytecode = False

from ssm_env_wrapper.main import main  # noqa: E402

sys.exit(main())
'''


def build() -> str:
    launcher = (ROOT / "tools" / "launcher.sh").read_text(encoding="utf-8")
    if not launcher.endswith("\n"):
        raise SystemExit("build_bin: tools/launcher.sh must end with a line break")
    return launcher + TAIL.format(command=COMMAND)


if __name__ == "__main__":
    if len(sys.argv) > 2:
        raise SystemExit(__doc__)
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) == 2 else DEFAULT
    out.write_text(build(), encoding="utf-8")
    out.chmod(0o755)
