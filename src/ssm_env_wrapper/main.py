# SPDX-License-Identifier: Apache-2.0
"""``ssm-env-wrapper``: the wrapper for Lambda, the command line for people.

In Lambda the first argument is the runtime's path and the environment is the whole interface;
that path never imports ``argparse``. Options and subcommands (``check``, ``export``) live in
``cli``.
"""

from __future__ import annotations

import os
import sys

from .errors import SsmEnvError, internal_error_text
from .wrapper import run

__all__ = ["main"]

#: Words that start the command line interface instead of naming a command to run.
SUBCOMMANDS = ("check", "export", "policy", "help")


def undo_locale_coercion() -> None:
    """Give LC_CTYPE back the value this process was started with (or none).

    When the locale is C or missing, CPython's C-locale coercion (PEP 538) sets LC_CTYPE=C.UTF-8
    in its own environment before any code runs, and every command it execs would inherit it.
    ``/proc/self/environ`` is the kernel's copy of the environment the process was exec'd with
    (proc(5)), which setenv never edits. The launcher (tools/launcher.sh) restores the whole
    environment before this runs; this covers the starts without it: ``python3 ssm_env_wrapper.py``
    and the pip console script. Without /proc (not Linux) the coerced value stays; there, set a
    UTF-8 locale or PYTHONCOERCECLOCALE=0 (read unless Python runs with -I or -E).
    """
    try:
        with open("/proc/self/environ", "rb") as file:
            entries = file.read().split(b"\0")
    except OSError:
        return
    given = next((entry[9:] for entry in entries if entry.startswith(b"LC_CTYPE=")), None)
    if os.environb.get(b"LC_CTYPE") != given:
        if given is None:
            del os.environb[b"LC_CTYPE"]
        else:
            os.environb[b"LC_CTYPE"] = given


def main(argv: list[str] | None = None) -> int:
    """The ``ssm-env-wrapper`` command. Returns only on failure: on success the process becomes
    the command. Whatever goes wrong ends in one line and a status, never a traceback: an
    exception no check foresaw is named by its type only (its text may quote a value), and the
    command does not start. KeyboardInterrupt and SystemExit pass."""
    try:
        return _start(argv)
    except SsmEnvError as exc:
        text, status = str(exc), exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        text, status = internal_error_text("ssm-env-wrapper", type(exc).__name__), 1
    _last_words(text)
    return status


def _last_words(text: str) -> None:
    """One error line in the log's format, the environment's secrets masked."""
    from .log import Log

    try:
        log = Log.from_environ(os.environ)
    except Exception:  # noqa: BLE001 - a bad log setting must not hide the error
        log = Log()
    log.error(text)


def _start(argv: list[str] | None) -> int:
    if argv is None:  # a process start, not a call from Python code: its environment is the input
        undo_locale_coercion()
    args = list(sys.argv[1:] if argv is None else argv)
    if args and (args[0] in SUBCOMMANDS or (args[0].startswith("-") and args[0] != "--")):
        from .cli import run_cli  # options and subcommands: for people, never on Lambda's path

        return run_cli(args)
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        sys.stderr.write(
            "ssm-env-wrapper: no command given; usage: ssm-env-wrapper [OPTIONS] "
            "[--] COMMAND [ARG...]; see ssm-env-wrapper --help\n"
        )
        return 2
    return run(args)
