"""The command to become: resolved before any network call, then exec'd with argv as given."""

from __future__ import annotations

import os
import sys

from .errors import CommandNotFoundError

__all__ = ["resolve_command", "exec_command"]


def _is_executable_file(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def resolve_command(command: str, search_path: str | None = None) -> str:
    """Return the file ``command`` names, as ``execvp`` would find it.

    A name with a slash is a path; otherwise each directory of ``search_path`` (default: ``PATH``)
    is tried in order, an empty entry meaning the current directory (POSIX ``execvp`` rules).
    Raises CommandNotFoundError: exit 127 when nothing is there, 126 when something is there but
    cannot be executed. ``shutil.which`` is not used: it costs an import for a ten-line loop.
    """
    if not command:
        raise CommandNotFoundError("''")
    if "/" in command:
        if _is_executable_file(command):
            return command
        raise CommandNotFoundError(command, executable=os.path.exists(command))
    if search_path is None:
        search_path = os.environ.get("PATH", os.defpath)
    found_unexecutable = False
    for directory in search_path.split(os.pathsep):
        candidate = os.path.join(directory or ".", command)
        if _is_executable_file(candidate):
            return candidate
        found_unexecutable = found_unexecutable or os.path.exists(candidate)
    raise CommandNotFoundError(command, executable=found_unexecutable)


def exec_command(executable: str, argv: list[str]) -> None:
    """Replace this process with ``executable`` (``os.execv``: no shell, no child; never returns).

    The runtime keeps this process's pid, so its exit code and signals are its own.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(executable, argv)
    except OSError as exc:
        # The file vanished or lost its mode between resolve and exec, or is not a valid binary
        # (ENOEXEC: a script without a #! line). Report it like the shell does.
        raise CommandNotFoundError(argv[0], executable=os.path.exists(executable)) from exc
