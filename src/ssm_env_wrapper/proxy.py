# SPDX-License-Identifier: Apache-2.0
"""Which proxy a connection goes through: the policy of the https and http proxy URLs and the
hosts that bypass them, fed by settings resolved once (``resolve.py`` reads the variables; this
module reads no environment).
Only ``http://`` proxies are supported, as by the AWS SDKs: the tunnel to the endpoint is TLS."""

from __future__ import annotations

from .errors import ConfigError
from .records import authority
from .values import Record, ascii_digits

__all__ = ["Proxy", "ProxyPolicy", "parse_proxy_url"]


class Proxy(Record):
    """A proxy to connect through: ``host``, ``port``, ``auth`` (``user:password``, still
    percent-encoded, or None) and the ``setting`` it came from (quoted in messages)."""

    __slots__ = ("host", "port", "auth", "setting")
    host: str
    port: int
    auth: str | None
    setting: str

    def __init__(self, host: str, port: int, auth: str | None = None, setting: str = "") -> None:
        self._set(host=host, port=port, auth=auth or None, setting=setting)

    def __repr__(self) -> str:  # never the credentials
        return f"Proxy({self.host!r}, {self.port}, auth={'<redacted>' if self.auth else None})"

    @property
    def address(self) -> str:
        """``host:port``, an IPv6 literal in brackets (RFC 3986)."""
        return authority(self.host, self.port)


def parse_proxy_url(url: str, setting: str) -> Proxy:
    """``[http://][user:password@]host[:port][/]``; anything else is a ConfigError naming
    ``setting``."""
    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    scheme_part, _, rest = url.partition("://")
    if scheme_part.lower() != "http":
        raise ConfigError(
            f"{setting}: only http:// proxies are supported (the tunnel to the endpoint is TLS)"
        )
    rest = rest.split("/", 1)[0]
    auth, _, hostport = rest.rpartition("@")
    if hostport.startswith("["):  # an IPv6 literal (RFC 3986 3.2.2): [::1]:3128
        proxy_host, bracket, port_part = hostport[1:].partition("]")
        port_text = port_part[1:]
        valid = bool(bracket) and port_part[:1] in ("", ":")
    else:
        proxy_host, colon, port_text = hostport.rpartition(":")
        if not colon:
            proxy_host = hostport
        valid = ":" not in proxy_host
    # The port: ASCII digits only (str.isdigit() takes '²', which int() refuses, and int() takes
    # other scripts' digits), 1-65535 (getaddrinfo would wrap a larger one round).
    if port_text and not (ascii_digits(port_text) and 0 < int(port_text) < 65536):
        valid = False
    if not (valid and proxy_host):
        raise ConfigError(f"{setting} is not a proxy URL (expected http://host:port)")
    return Proxy(proxy_host, int(port_text or 80), auth or None, setting)


def _no_proxy_matches(host: str, no_proxy: tuple[str, ...]) -> bool:
    for entry in no_proxy:
        entry = entry.lower().lstrip(".")
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return True
    return False


class ProxyPolicy(Record):
    """The proxy URLs for https and http (each with the setting it came from) and the NO_PROXY
    entries. ``for_url`` picks the one a connection uses; loopback is never proxied."""

    __slots__ = ("https", "http", "no_proxy")
    https: tuple[str, str] | None
    http: tuple[str, str] | None
    no_proxy: tuple[str, ...]

    def __init__(
        self,
        https: tuple[str, str] | None = None,
        http: tuple[str, str] | None = None,
        no_proxy: tuple[str, ...] = (),
    ) -> None:
        self._set(https=https, http=http, no_proxy=tuple(no_proxy))

    def __repr__(self) -> str:  # a proxy URL may hold a password
        return f"ProxyPolicy(https={bool(self.https)}, http={bool(self.http)})"

    def for_url(self, scheme: str, host: str) -> Proxy | None:
        """The proxy for ``scheme://host``, or None; a ConfigError when the URL that applies is
        malformed (only then: a bad URL for a bypassed host stops nothing)."""
        if host in ("localhost", "127.0.0.1", "::1") or host.startswith("127."):
            return None
        chosen = self.https if scheme == "https" else self.http
        if chosen is None or _no_proxy_matches(host.lower(), self.no_proxy):
            return None
        url, setting = chosen
        return parse_proxy_url(url, setting)
