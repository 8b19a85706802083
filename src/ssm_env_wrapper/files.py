# SPDX-License-Identifier: Apache-2.0
"""Values as files: ``SSM_ENV_FILES=TLS_KEY,TLS_CERT=certs/server.pem`` writes what those
variables would hold into files under ``SSM_ENV_FILES_DIR`` (default ``/tmp``) and sets each
variable to its file's path instead (the ``*_FILE`` convention of container images).

Source-agnostic: the variable may come from a path, a name, a secret or a reference. A secret's
``SecretBinary`` can only go to a file, as its exact bytes; text is written as stored (UTF-8),
no newline added. The value never enters the environment.

Writing cannot be redirected: the root is opened with ``O_DIRECTORY | O_NOFOLLOW`` and every
step below it relative to a directory descriptor (``openat``, ``mkdirat``, ``renameat``), so a
component swapped for a symlink after the check cannot move the write. Each file is written
whole to a new temporary file beside it (``O_CREAT | O_EXCL | O_NOFOLLOW``, 0600), fsynced and
renamed over the target (atomic; a symlink there is replaced, never followed). Refused: a
symlink at the target or on the way, a target that is not a regular file, and a directory
below the root that another user owns or can write.
"""

from __future__ import annotations

import os

from .errors import ConfigError, SsmEnvError
from .sources import ALNUM, split_variable
from .values import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "FileTarget",
    "FileWrite",
    "DEFAULT_FILES_DIR",
    "parse_files",
    "file_claims",
    "file_writes",
    "write_files",
]

#: SSM_ENV_FILES_DIR's default: Lambda's only writable directory ("/tmp", 512 MB to 10 GB,
#: "Configure ephemeral storage", Lambda developer guide).
DEFAULT_FILES_DIR = "/tmp"

# A file name component: letters, digits and . _ - + @ (no space, quote, '$', ',' or control
# character: a path that needs quoting in a shell is a path someone will get wrong).
_FILE_CHARS = frozenset(ALNUM + "._-+@")
# NAME_MAX and PATH_MAX of Linux (limits.h): longer names fail in open(2) with ENAMETOOLONG.
_FILE_NAME_MAX = 255
_FILE_PATH_MAX = 4096


class FileTarget(Record):
    """A variable whose value goes to a file: ``relative`` is the file's path below the root."""

    __slots__ = ("variable", "relative")
    variable: str
    relative: str

    def __init__(self, variable: str, relative: str) -> None:
        self._set(variable=variable, relative=relative)


class FileWrite:
    """One file to write: ``variable`` will hold ``path`` (``root``/``relative``); ``source`` is
    where the content came from. The content is never shown (``repr`` leaves it out)."""

    __slots__ = ("variable", "root", "relative", "source", "_content")

    def __init__(self, variable: str, root: str, relative: str, source: str, content: bytes):
        self.variable = variable
        self.root = root
        self.relative = relative
        self.source = source
        self._content = content

    @property
    def path(self) -> str:
        return f"{self.root.rstrip('/')}/{self.relative}"

    @property
    def size(self) -> int:
        return len(self._content)

    def __repr__(self) -> str:
        return f"FileWrite({self.variable!r}, {self.path!r}, {self.source!r}, {self.size} bytes)"


def _files_root(written: str, setting: str) -> str:
    root = written.strip() or DEFAULT_FILES_DIR
    parts = root.split("/")
    if not root.startswith("/") or ".." in parts or "." in parts or "\0" in root:
        raise ConfigError(
            f"{setting}={written.strip()!r} must be an absolute directory path without . or .. "
            f"(default {DEFAULT_FILES_DIR})"
        )
    return "/" + "/".join(part for part in parts if part)


def _file_relative(variable: str, path: str, root: str, setting: str, item: str) -> str:
    """``path`` (relative to ``root``, or absolute below it) as its components below the root;
    ``..``, ``.``, a path outside the root or an odd character is a ConfigError."""
    if path.startswith("/"):
        inside = root.rstrip("/") + "/"
        if not path.startswith(inside):
            raise ConfigError(
                f"{setting}: {item!r}: {path} is outside {setting}_DIR ({root}); files are "
                "written only below it: give a path inside it, or a relative one"
            )
        path = path[len(inside) :]
    parts = path.split("/")
    if ".." in parts or "." in parts:
        raise ConfigError(
            f"{setting}: {item!r}: a path with '..' or '.' is refused; write the path "
            f"below {root} plainly (dir/name)"
        )
    if not path or any(
        not part or set(part) - _FILE_CHARS or len(part) > _FILE_NAME_MAX for part in parts
    ):
        raise ConfigError(
            f"{setting}: {item!r} is not a valid file path for {variable} (names of letters, "
            "digits and . _ - + @ separated by single /, below "
            f"{root})"
        )
    if len(root) + 1 + len(path) > _FILE_PATH_MAX:
        raise ConfigError(f"{setting}: {item!r}: the path is longer than {_FILE_PATH_MAX}")
    return path


def parse_files(
    environ: Mapping[str, str], setting: str = "SSM_ENV_FILES"
) -> tuple[tuple[FileTarget, ...], str]:
    """``(targets, root)`` from ``SSM_ENV_FILES`` (``VAR[=PATH],...``; PATH defaults to VAR,
    relative to the root or absolute below it) and ``SSM_ENV_FILES_DIR`` (default /tmp)."""
    root = _files_root(environ.get(f"{setting}_DIR", ""), f"{setting}_DIR")
    targets: list[FileTarget] = []
    for item in environ.get(setting, "").split(","):
        item = item.strip()
        if not item:
            continue
        variable, path = split_variable(item, setting, item, "; the form is VAR or VAR=PATH")
        relative = _file_relative(variable, path if "=" in item else variable, root, setting, item)
        for other in targets:
            if other.variable == variable and other.relative != relative:
                raise ConfigError(f"{setting}: {variable} is given two paths; keep one")
            if other.relative == relative and other.variable != variable:
                raise ConfigError(
                    f"{setting}: {other.variable} and {variable} would write the same file "
                    f"{root}/{relative}; give each its own path"
                )
        target = FileTarget(variable, relative)
        if target not in targets:
            targets.append(target)
    return tuple(targets), root


def _file_bytes(source: str, value: str | bytes) -> bytes:
    if isinstance(value, bytes):
        return value
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a hostile answer's \ud800
        raise SsmEnvError(
            f"{source}: the value is not valid Unicode text and cannot be written as UTF-8; "
            "fix the stored value"
        ) from None


def file_claims(
    targets: Iterable[FileTarget],
    root: str,
    claims: list[tuple[str, str, str | bytes, float]],
    fail: object,
) -> tuple[list[tuple[str, str, str, float]], dict[tuple[str, str], bytes]]:
    """The claims with each file variable's value replaced by its file's path, and the contents
    by ``(variable, source)``. A binary value (SecretBinary) for any other variable is a failure
    (``fail``, the loader's failure policy): environment variables are text."""
    paths = {target.variable: f"{root.rstrip('/')}/{target.relative}" for target in targets}
    kept: list[tuple[str, str, str, float]] = []
    contents: dict[tuple[str, str], bytes] = {}
    for variable, source, value, rank in claims:
        try:
            if variable in paths:
                contents[(variable, source)] = _file_bytes(source, value)
                kept.append((variable, source, paths[variable], rank))
            elif isinstance(value, bytes):
                raise SsmEnvError(
                    f"secret {source} holds SecretBinary, not SecretString; only text secrets "
                    f"can become variables: write it to a file (SSM_ENV_FILES={variable}) or "
                    "store it as SecretString"
                )
            else:
                kept.append((variable, source, value, rank))
        except SsmEnvError as exc:
            fail.fail(exc)  # type: ignore[attr-defined]
    return kept, contents


def file_writes(
    targets: Iterable[FileTarget],
    root: str,
    decided: Mapping[str, tuple[str, str]],
    contents: Mapping[tuple[str, str], bytes],
) -> tuple[FileWrite, ...]:
    """What to write for the file variables that ended up set (``decided``: variable ->
    (source, path)): protected, collided or kept variables write nothing."""
    writes = []
    for target in targets:
        if target.variable in decided:
            source = decided[target.variable][0]
            content = contents.get((target.variable, source))
            if content is not None:
                writes.append(FileWrite(target.variable, root, target.relative, source, content))
    return tuple(writes)


_FILE_SYMLINK_FIX = (
    "files are written only below SSM_ENV_FILES_DIR, never through a symlink: remove it or "
    "choose another path"
)

_FILE_OWNER_FIX = "make it yours alone (chown, chmod go-w) or choose another path"

_FILE_SPACE_FIX = (
    "check that the directory is writable by this user and has space (Lambda: ephemeral storage)"
)


def _file_refusal(
    write: FileWrite, where: str, why: str, fix: str = _FILE_SYMLINK_FIX
) -> SsmEnvError:
    return SsmEnvError(
        f"SSM_ENV_FILES: refusing to write {write.variable} ({write.source}) to {write.path}: "
        f"{where} {why}; {fix}"
    )


def _file_open_dir(name: str, dir_fd: int | None) -> int:
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    return os.open(name, flags, dir_fd=dir_fd)


def _file_descend(write: FileWrite, root_fd: int, root: str) -> int:
    """A descriptor of the file's directory, creating missing ones (0700) on the way; a
    symlink or a non-directory on the way is refused."""
    import errno

    fd = os.dup(root_fd)
    here = root
    try:
        for part in write.relative.split("/")[:-1]:
            here = f"{here.rstrip('/')}/{part}"
            try:
                try:
                    step = _file_open_dir(part, fd)
                except FileNotFoundError:
                    try:
                        os.mkdir(part, 0o700, dir_fd=fd)
                    except FileExistsError:
                        pass  # created meanwhile: opened (and checked) below
                    step = _file_open_dir(part, fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                    raise _file_refusal(write, here, "is a symlink or not a directory") from None
                raise _file_refusal(
                    write, here, f"cannot be opened ({exc.strerror})", _FILE_SPACE_FIX
                ) from None
            os.close(fd)
            fd = step
            _file_own_directory(write, fd, here)
        return fd
    except BaseException:
        os.close(fd)
        raise


def _file_own_directory(write: FileWrite, fd: int, here: str) -> None:
    """Its owner, or whoever may write it without the sticky bit, could swap the file."""
    import stat

    st = os.fstat(fd)
    if st.st_uid not in (os.geteuid(), 0):
        raise _file_refusal(
            write, here, f"belongs to another user (uid {st.st_uid})", _FILE_OWNER_FIX
        )
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not st.st_mode & stat.S_ISVTX:
        raise _file_refusal(write, here, "is writable by others", _FILE_OWNER_FIX)


def _file_put(write: FileWrite, dir_fd: int) -> None:
    """Write the content to a new temporary file beside the target, then rename it over."""
    import stat

    name = write.relative.rsplit("/", 1)[-1]
    try:
        existing = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        what = "a symlink" if stat.S_ISLNK(existing.st_mode) else "not a regular file"
        raise _file_refusal(write, write.path, f"is {what}")
    temporary = f".{name[:200]}.{os.urandom(8).hex()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(temporary, flags, 0o600, dir_fd=dir_fd)
    try:
        try:
            os.fchmod(fd, 0o600)  # exactly 0600, whatever the umask
            view = memoryview(write._content)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temporary, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        try:
            os.unlink(temporary, dir_fd=dir_fd)
        except OSError:
            pass
        raise
    os.fsync(dir_fd)  # the rename itself on disk


def write_files(writes: Iterable[FileWrite]) -> None:
    """Write each file (see the module's docstring); raises SsmEnvError with one line naming
    the variable, its source and the path (never the content) when one cannot be written."""
    writes = list(writes)
    for root in dict.fromkeys(write.root for write in writes):
        _file_write_below(root, [write for write in writes if write.root == root])


def _file_write_below(root: str, writes: list[FileWrite]) -> None:
    try:
        root_fd = _file_open_dir(root, None)
    except OSError as exc:
        raise SsmEnvError(
            f"SSM_ENV_FILES_DIR={root} cannot be used ({exc.strerror}): it must be an existing "
            "directory, not a symlink (give its real path)"
        ) from None
    try:
        for write in writes:
            dir_fd = _file_descend(write, root_fd, root)
            try:
                _file_put(write, dir_fd)
            except SsmEnvError:
                raise
            except OSError as exc:
                raise _file_refusal(
                    write, write.path, f"cannot be written ({exc.strerror})", _FILE_SPACE_FIX
                ) from None
            finally:
                os.close(dir_fd)
    finally:
        os.close(root_fd)
