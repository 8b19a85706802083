# SPDX-License-Identifier: Apache-2.0
"""What TLS trusts: the certificates to verify peers with, and one verifying context per trust
store, made once and shared by every connection (SSM's and the container provider's alike).

Fed by settings resolved once (``resolve.py`` reads the variables); this module reads no
environment and names no setting of its own: the ``setting`` of a ``Trust`` is how the user gave
it, quoted when it cannot be read.
"""

from __future__ import annotations

import os

from .advice import given
from .errors import ConfigError
from .values import Record, ascii_digits

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ssl

__all__ = ["Trust", "system_trust", "tls_context"]


class Trust(Record):
    """``cafile``/``capath`` as OpenSSL takes them (both None: OpenSSL's defaults) and the
    ``setting`` they came from (``""`` for the system's own store)."""

    __slots__ = ("cafile", "capath", "setting")
    cafile: str | None
    capath: str | None
    setting: str

    def __init__(
        self, cafile: str | None = None, capath: str | None = None, setting: str = ""
    ) -> None:
        self._set(cafile=cafile or None, capath=capath or None, setting=setting)


# Where systems keep their CA certificates under OpenSSL hash names (``c_rehash``): OpenSSL's
# compiled-in directory first, then Debian/Ubuntu/Alpine, then Amazon Linux 2023/Fedora/RHEL
# (p11-kit's directory-hash; Amazon Linux 2's /etc/pki/tls/certs holds only bundles).
_HASHED_DIRS = (
    "/etc/ssl/certs",
    "/etc/pki/ca-trust/extracted/pem/directory-hash",
    "/etc/pki/tls/certs",
)
_HEX = frozenset("0123456789abcdef")
# A CA bundle is parsed whole by OpenSSL at every start: the system's is ~200 KiB; a file of more
# than this is a wrong path (and would cost seconds), never a bundle.
_CA_BUNDLE_LIMIT = 16 << 20


def _is_hashed_dir(path: str) -> bool:
    """True when ``path`` holds at least one ``xxxxxxxx.N`` certificate name."""
    try:
        names = os.listdir(path)
    except OSError:
        return False
    return any(
        len(n) == 10 and n[8] == "." and ascii_digits(n[9]) and not set(n[:8]) - _HEX for n in names
    )


def system_trust() -> Trust:
    """The system's store when nothing was configured.

    A hashed directory is preferred: OpenSSL then reads only the certificates a handshake needs,
    where the system bundle (``cafile``) is parsed whole, ~150 certificates, about 30 ms of CPU
    at every cold start. With no hashed directory, OpenSSL's defaults."""
    import ssl

    default = ssl.get_default_verify_paths().openssl_capath
    for path in (default,) + _HASHED_DIRS:
        if path and _is_hashed_dir(path):
            return Trust(None, path)
    return Trust()


def tls_context(trust: Trust) -> ssl.SSLContext:
    """A verifying TLS context (certificate chain and host name, TLS 1.2 or newer), made once per
    trust store and shared by every connection. A ``Trust()`` with neither file nor directory
    is the system's store (``system_trust``), looked up only now: a plain-http load never
    imports ``ssl``."""
    if trust.cafile is None and trust.capath is None:
        trust = system_trust()
    key = (trust.cafile, trust.capath)
    context = _TLS_CONTEXTS.get(key)
    if context is None:
        import ssl

        where = given(trust.setting or "the trust store", repr(trust.cafile or trust.capath))
        if trust.cafile:
            # OpenSSL opens the file itself: a FIFO would block it for ever (fifo(7)), and it
            # parses whatever size it is given. A small regular file only, judged on its fd.
            from .localfile import LocalFileError, check_local_file

            try:
                check_local_file(trust.cafile, _CA_BUNDLE_LIMIT)
            except LocalFileError as exc:
                raise ConfigError(
                    f"{where} cannot be read as PEM certificates ({exc.reason}); "
                    "point it at them or unset it"
                ) from exc
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies chain and host name
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            if trust.cafile or trust.capath:
                context.load_verify_locations(cafile=trust.cafile, capath=trust.capath)
            else:
                context.load_default_certs()
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"{where} cannot be read as PEM certificates "
                f"({getattr(exc, 'strerror', None) or exc}); point it at them or unset it"
            ) from exc
        _TLS_CONTEXTS[key] = context
    return context


_TLS_CONTEXTS: dict[tuple[str | None, str | None], ssl.SSLContext] = {}
