"""Trust as Lambda holds it, for the benchmark only: no client is handed a CA file or directory;
each loads its own default store, and the benchmark's test CA is added to those stores inside a
private mount namespace, so that nothing outside the benchmark's processes sees the change.

The namespace: ``unshare --mount --propagation private`` (``--map-root-user`` as well when not
root; unshare(1), mount_namespaces(7)). The benchmark re-executes itself inside it before it
starts anything; every process it starts inherits it, and the mounts vanish with the last of
them. The stores: copies of each trust file and hashed directory the clients would read, with the
test CA appended (a file) or added under its OpenSSL subject-hash name (a directory, as
``openssl rehash`` would name it), bind-mounted over the originals.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

__all__ = [
    "Mounted",
    "SANDBOX_TRUST_VARIABLES",
    "enter_private_mount_namespace",
    "install_test_ca",
    "trust_locations",
    "without_hashed_names",
]

# Set on some machines for every process (this one included); each points every client at one
# store, which is what this mode must not do. The benchmark's environments never carry them.
SANDBOX_TRUST_VARIABLES = (
    "AWS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NIX_SSL_CERT_FILE",
)
_MARKER = "SSM_ENV_BENCH_OUTER_MOUNT_NS"
CA_NAME = "ssm-env-wrapper-bench-ca.pem"
LAYER_DIR = "the layer's hashed directory"


def enter_private_mount_namespace(argv: list[str]) -> None:
    """Re-execute ``python argv`` in a private mount namespace, unless already there."""
    current = os.readlink("/proc/self/ns/mnt")
    outer = os.environ.get(_MARKER)
    if outer is not None:
        if outer == current:
            raise SystemExit("benchmark: unshare left us in the outer mount namespace")
        return
    command = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        command.append("--map-root-user")
    env = dict(os.environ, **{_MARKER: current})
    try:
        os.execvpe(command[0], command + [sys.executable] + argv, env)
    except OSError as exc:
        raise SystemExit(
            f"benchmark: cannot run unshare ({exc}); the default-trust mode needs a private mount "
            "namespace (root, or unprivileged user namespaces); --no-default-trust skips it"
        ) from exc


_PROBE = """\
import ssl, sys
sys.path.insert(0, sys.argv[1])
paths = ssl.get_default_verify_paths()
print(paths.openssl_cafile)
print(paths.openssl_capath)
from ssm_env_wrapper.trust import system_trust
chosen = system_trust()
print(chosen.cafile or "")
print(chosen.capath or "")
"""


def trust_locations(
    pythons: list[str], botos: list[str], src: pathlib.Path, env: dict[str, str]
) -> dict[str, str]:
    """{real path: what reads it} for every store a default-trust client would read: OpenSSL's
    compiled-in file and directory of each Python (the floor's ``create_default_context``), the
    directory ``ssm_env_wrapper.trust.system_trust`` picks (the layer), and the bundle botocore
    verifies with when given no CA (``botocore.httpsession.get_cert_path(True)``: certifi's when
    certifi is installed, else botocore's own cacert.pem)."""
    found: dict[str, str] = {}
    for python in pythons:
        out = subprocess.run(
            [python, "-I", "-S", "-c", _PROBE, str(src)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        readers = ("OpenSSL's file", "OpenSSL's directory", "the layer's file", LAYER_DIR)
        for path, reader in zip(out, readers):
            if path and os.path.exists(path):
                _add(found, os.path.realpath(path), reader)
    for python in botos:
        path = subprocess.run(
            [python, "-c", "from botocore.httpsession import get_cert_path as g; print(g(True))"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        _add(found, os.path.realpath(path), "botocore")
    return found


def _add(found: dict[str, str], path: str, reader: str) -> None:
    if reader not in found.get(path, "").split(", "):
        found[path] = f"{found[path]}, {reader}" if path in found else reader


def _subject_hash(ca: pathlib.Path) -> str:
    """OpenSSL's subject-name hash, the name a hashed directory files a certificate under."""
    try:
        out = subprocess.run(
            ["openssl", "x509", "-noout", "-subject_hash", "-in", str(ca)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(
            f"benchmark: the openssl command is needed to hash the test CA: {exc}"
        ) from exc
    return out


def _patched_dir(original: str, ca: pathlib.Path, copy: pathlib.Path) -> None:
    shutil.copytree(original, copy, symlinks=True)
    shutil.copyfile(ca, copy / CA_NAME)
    digest = _subject_hash(ca)
    n = 0
    while os.path.lexists(copy / f"{digest}.{n}"):
        n += 1
    (copy / f"{digest}.{n}").symlink_to(CA_NAME)


def _patched_file(original: str, ca: pathlib.Path, copy: pathlib.Path) -> None:
    data = pathlib.Path(original).read_bytes()
    copy.unlink(missing_ok=True)  # it may be a symlink in a copied directory
    copy.write_bytes(data.rstrip(b"\n") + b"\n" + ca.read_bytes())


def install_test_ca(locations: dict[str, str], ca: pathlib.Path, work: pathlib.Path) -> list[str]:
    """Bind-mount patched copies over ``locations``; directories first, then the files outside
    them (a file inside a patched directory is patched in that copy). Returns what was done."""
    done: list[str] = []
    dirs = sorted(p for p in locations if os.path.isdir(p))
    for index, original in enumerate(dirs):
        copy = work / f"trust-dir-{index}"
        _patched_dir(original, ca, copy)
        for file in locations:
            if os.path.isfile(file) and os.path.dirname(file) == original:
                _patched_file(file, ca, copy / os.path.basename(file))
        _bind(copy, original)
        done.append(f"{original} ({locations[original]}): hashed link added")
    for index, original in enumerate(sorted(p for p in locations if os.path.isfile(p))):
        if any(os.path.dirname(original) == d for d in dirs):
            done.append(f"{original} ({locations[original]}): appended, in its directory's copy")
            continue
        copy = work / f"trust-file-{index}.pem"
        _patched_file(original, ca, copy)
        _bind(copy, original)
        done.append(f"{original} ({locations[original]}): appended")
    return done


def _bind(source: pathlib.Path, target: str) -> None:
    subprocess.run(["mount", "--bind", str(source), target], check=True)


def without_hashed_names(directory: str, work: pathlib.Path) -> pathlib.Path:
    """A copy of ``directory`` (as patched) without its ``xxxxxxxx.N`` names: the store of a
    system with a CA bundle but no hashed directory, where ``system_trust`` finds none and falls
    back to OpenSSL's defaults (the bundle, parsed whole)."""
    copy = work / "trust-no-hash"
    shutil.copytree(directory, copy, symlinks=True)
    for name in os.listdir(copy):
        if len(name) >= 10 and name[8] == "." and name[9:].isdigit():
            (copy / name).unlink()
    return copy


class Mounted:
    """``with Mounted(source, target):`` ``target`` shows ``source`` inside the block."""

    def __init__(self, source: pathlib.Path, target: str) -> None:
        self.source, self.target = source, target

    def __enter__(self) -> Mounted:
        _bind(self.source, self.target)
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.run(["umount", self.target], check=True)
