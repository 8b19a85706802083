# SPDX-License-Identifier: Apache-2.0
"""The command to become: resolved before any network call, then exec'd with argv as given."""

from __future__ import annotations

import errno
import os
import sys

from .errors import CommandNotFoundError, SsmEnvError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["resolve_command", "exec_command", "check_exec_size", "arg_max"]


def _is_executable_file(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def resolve_command(command: str, search_path: str) -> str:
    """Return the file ``command`` names, as ``execvp`` would find it.

    A name with a slash is a path; otherwise each directory of ``search_path`` (the caller's
    ``PATH``) is tried in order, an empty entry meaning the current directory (POSIX ``execvp``
    rules).
    Raises CommandNotFoundError: exit 127 when nothing is there, 126 when something is there but
    cannot be executed. ``shutil.which`` is not used: it costs an import for a ten-line loop.
    """
    if not command:
        raise CommandNotFoundError("''")
    if "/" in command:
        if _is_executable_file(command):
            return command
        raise CommandNotFoundError(command, executable=os.path.exists(command))
    found_unexecutable = False
    for directory in search_path.split(os.pathsep):
        candidate = os.path.join(directory or ".", command)
        if _is_executable_file(candidate):
            return candidate
        found_unexecutable = found_unexecutable or os.path.exists(candidate)
    raise CommandNotFoundError(command, executable=found_unexecutable)


def arg_max() -> int:
    """What ``execve`` accepts for argv and the environment together, in bytes:
    ``sysconf(_SC_ARG_MAX)``, on Linux a quarter of the stack limit (execve(2), "Limits on size
    of arguments and environment")."""
    try:
        return os.sysconf("SC_ARG_MAX")
    except (ValueError, OSError):  # not on this platform: the Linux default stack gives 2 MiB
        return 2 * 1024 * 1024


def check_exec_size(argv: list[str], environ: Mapping[str, str]) -> None:
    """Fail before exec, with a clear message, when argv and the environment together exceed what
    ``execve`` accepts (E2BIG would otherwise surface as a bare OSError). Each string costs its
    bytes, a NUL and a pointer; the limit is ``arg_max()``."""
    limit = arg_max()
    pointer = 8
    total = sum(len(os.fsencode(arg)) + 1 + pointer for arg in argv)
    total += sum(
        len(os.fsencode(k)) + len(os.fsencode(v)) + 2 + pointer for k, v in environ.items()
    )
    if total > limit:
        raise SsmEnvError(
            f"the environment and arguments would take {total} bytes, over the "
            f"execve limit of {limit} (ARG_MAX); load fewer or smaller parameters"
        )


def exec_command(executable: str, argv: list[str]) -> None:
    """Replace this process with ``executable`` (``os.execv``: no shell, no child; never returns).

    The runtime keeps this process's pid, so its exit code and signals are its own.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(executable, argv)
    except OSError as exc:
        if exc.errno == errno.E2BIG:  # argument list and environment too long for execve
            raise SsmEnvError(
                "the environment and arguments are over the execve limit (E2BIG); "
                "load fewer or smaller parameters"
            ) from exc
        # The file vanished or lost its mode between resolve and exec, or is not a valid binary
        # (ENOEXEC: a script without a #! line). Report it like the shell does.
        raise CommandNotFoundError(argv[0], executable=os.path.exists(executable)) from exc
