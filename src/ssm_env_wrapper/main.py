# SPDX-License-Identifier: Apache-2.0
"""``ssm-env-wrapper``: the wrapper for Lambda, the command line for people.

In Lambda the first argument is the runtime's path and the environment is the whole interface;
that path never imports ``argparse``. Options and subcommands (``check``, ``export``) live in
``cli``.
"""

from __future__ import annotations

import sys

from .wrapper import run

__all__ = ["main"]

#: Words that start the command line interface instead of naming a command to run.
SUBCOMMANDS = ("check", "export", "help")


def main(argv: list[str] | None = None) -> int:
    """The ``ssm-env-wrapper`` command. Returns only on failure: on success the process becomes
    the command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and (args[0] in SUBCOMMANDS or (args[0].startswith("-") and args[0] != "--")):
        from .cli import run_cli  # options and subcommands: for people, never on Lambda's path

        return run_cli(args)
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        sys.stderr.write("ssm-env-wrapper: no command given; usage: ssm-env-wrapper [OPTIONS] "
                         "[--] COMMAND [ARG...]; see ssm-env-wrapper --help\n")
        return 2
    return run(args)
