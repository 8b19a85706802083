"""``main``: every entry point, in every shipped form, ends an unexpected failure in one line and exit 1, never a traceback or a secret."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from conftest import SRC, assert_no_secrets
from entry_cases import ENV, LEAK, MARK

# ------------------------------------------------------------------ main, in a real process
SCRIPT = textwrap.dedent(
    """
    import importlib, importlib.util, sys
    form, path, patched, module_name, *argv = sys.argv[1:]
    if form == "single":
        spec = importlib.util.spec_from_file_location("ssm_env_wrapper_single", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        owner, main = module, module.main
    else:
        sys.path.insert(0, {src!r})
        from ssm_env_wrapper.main import main
        owner = importlib.import_module("ssm_env_wrapper." + module_name)

    def boom(*args, **kwargs):
        raise ValueError({leak!r})

    setattr(owner, patched, boom)
    sys.exit(main(argv))
    """
).format(src=str(SRC), leak=LEAK)


@pytest.mark.parametrize(
    "patched, module_name, argv, what",
    [
        ("resolve_command", "wrapper", ["/bin/true"], "ssm-env-wrapper failed"),
        ("make_plan", "loader", ["/bin/true"], "load failed"),
        ("make_plan", "loader", ["export", "--name", "/app/a"], "load failed"),
        ("_check", "cli", ["check", "--name", "/app/a"], "ssm-env-wrapper failed"),
    ],
    ids=["wrapper", "wrapper-load", "cli-export", "cli-check"],
)
@pytest.mark.parametrize("form", ["package", "single"])
def test_main_ends_in_one_line_and_exit_1(built, form, patched, module_name, argv, what):
    process = subprocess.run(
        [sys.executable, "-c", SCRIPT, form, str(built["single"]), patched, module_name, *argv],
        env=dict(ENV, PATH="/usr/bin:/bin"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 1, process.stderr
    lines = process.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"ssm-env-wrapper: {what} on an unexpected")
    assert MARK in lines[0] and "Traceback" not in process.stderr and process.stdout == ""
    assert_no_secrets(process, LEAK)
