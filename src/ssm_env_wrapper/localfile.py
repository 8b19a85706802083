# SPDX-License-Identifier: Apache-2.0
"""Small local files named by a setting (the config and credentials files, a token file, a CA
bundle), read with a bound on their size and, chunk by chunk, on the load's deadline.

A path is opened with ``O_NONBLOCK`` and judged on the descriptor (``fstat``), never on the name
first: opening a FIFO for reading would otherwise block until a writer comes (fifo(7)), a device
such as /dev/zero never ends, and a check by name can be raced by a file swapped in after it.
Only a regular file is read; its size is known before a byte is.
"""

from __future__ import annotations

import os
import stat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .deadline import Deadline

__all__ = ["LocalFileError", "read_local_file", "check_local_file", "size_words"]

_READ_CHUNK = 1 << 16


class LocalFileError(Exception):
    """Why a file was not read: ``reason`` in words for a message, and its ``kind``: "absent"
    (nothing at the path), "closed" (it cannot be opened: permissions), "special" (not a
    regular file), "large" (over the limit), "late" (the deadline passed while reading) or
    "unreadable"."""

    def __init__(self, reason: str, kind: str = "unreadable") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


def size_words(limit: int) -> str:
    """``1 MiB``, ``64 KiB``: a limit as a message says it."""
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit >> 10} KiB"


def _open_regular(path: str, limit: int) -> int:
    """A descriptor on the regular file at ``path`` of at most ``limit`` bytes."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = getattr(exc, "strerror", None) or "not a usable path"
        absent = isinstance(exc, (FileNotFoundError, NotADirectoryError))
        raise LocalFileError(reason, "absent" if absent else "closed") from exc
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise LocalFileError("not a regular file", "special")
        if status.st_size > limit:
            raise LocalFileError(f"larger than {size_words(limit)}", "large")
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_local_file(path: str, limit: int) -> None:
    """Raise LocalFileError unless ``path`` is a regular file of at most ``limit`` bytes (for a
    file another reader opens: OpenSSL's CA bundle)."""
    os.close(_open_regular(path, limit))


def read_local_file(path: str, limit: int, deadline: Deadline | None = None) -> bytes:
    """The bytes of the regular file at ``path``: at most ``limit`` of them (a file that grows
    past it while read is refused too), each chunk read while ``deadline`` allows."""
    fd = _open_regular(path, limit)
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if deadline is not None and deadline.expired:
                raise LocalFileError(f"not read within {deadline.limit:g} s", "late")
            try:
                data = os.read(fd, _READ_CHUNK)
            except OSError as exc:
                raise LocalFileError(exc.strerror or type(exc).__name__) from exc
            if not data:
                return b"".join(chunks)
            size += len(data)
            if size > limit:
                raise LocalFileError(f"larger than {size_words(limit)}", "large")
            chunks.append(data)
    finally:
        os.close(fd)
