"""Region and endpoint: where the SSM API is, resolved the way the AWS SDKs resolve it."""

from __future__ import annotations

import os

from .errors import ConfigError
from .settings import parse_bool

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Endpoint", "region_from_environ", "endpoint_from_environ", "parse_endpoint_url"]

_REGION_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def region_from_environ(environ: Mapping[str, str] | None = None) -> str:
    """``AWS_REGION`` (set by Lambda), then ``AWS_DEFAULT_REGION`` (the CLI's), as the SDKs do."""
    if environ is None:
        environ = os.environ
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        region = environ.get(variable, "").strip()
        if region:
            # The region becomes part of a host name and of the signature's scope: keep it plain.
            if set(region) - _REGION_CHARS or region.startswith("-") or region.endswith("-"):
                raise ConfigError(f"{variable}={region!r} is not an AWS region name "
                                  "(expected something like us-east-1)")
            return region
    raise ConfigError("no AWS region: set AWS_REGION (Lambda sets it for you) or AWS_DEFAULT_REGION")


class Endpoint:
    """Scheme, host and port of the SSM endpoint. Immutable."""

    __slots__ = ("scheme", "host", "port")
    scheme: str
    host: str
    port: int

    def __init__(self, scheme: str, host: str, port: int | None = None) -> None:
        object.__setattr__(self, "scheme", scheme)
        object.__setattr__(self, "host", host)
        object.__setattr__(self, "port", port or (443 if scheme == "https" else 80))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Endpoint is immutable; cannot set {name}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Endpoint):
            return NotImplemented
        return (self.scheme, self.host, self.port) == (other.scheme, other.host, other.port)

    def __hash__(self) -> int:
        return hash((self.scheme, self.host, self.port))

    def __repr__(self) -> str:
        return f"Endpoint({self.url!r})"

    @property
    def host_header(self) -> str:
        """The ``Host`` header, which SigV4 signs: the port only when it is not the scheme's."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host_header}"


def parse_endpoint_url(url: str, variable: str) -> Endpoint:
    """Parse ``http(s)://host[:port][/]``; anything else is an error naming ``variable``."""
    raw = url.strip()
    scheme, sep, rest = raw.partition("://")
    scheme = scheme.lower()
    hint = f"{variable}={raw!r} is not an endpoint URL (expected https://host[:port] or http://host:port)"
    if not sep or scheme not in ("http", "https") or "@" in rest:
        raise ConfigError(hint)
    hostport, _, path = rest.partition("/")
    if path.strip("/") or "?" in hostport or "#" in hostport:
        raise ConfigError(f"{variable}={raw!r}: an SSM endpoint takes no path or query")
    port_text = ""
    if hostport.startswith("["):  # IPv6 literal
        host, bracket, after = hostport[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            raise ConfigError(hint)
        port_text = after[1:]
    else:
        host, _, port_text = hostport.partition(":")
    if not host:
        raise ConfigError(hint)
    port = None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"{variable}={raw!r}: the port must be a number from 1 to 65535")
        port = int(port_text)
    return Endpoint(scheme, host.lower(), port)


def default_host(region: str) -> str:
    """SSM's public host in ``region``'s partition."""
    if region.startswith("cn-"):
        return f"ssm.{region}.amazonaws.com.cn"
    return f"ssm.{region}.amazonaws.com"


def endpoint_from_environ(region: str, environ: Mapping[str, str] | None = None) -> Endpoint:
    """``AWS_ENDPOINT_URL_SSM``, then ``AWS_ENDPOINT_URL``, then SSM's public endpoint for ``region``.

    ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`` skips the two variables, as in the SDKs.
    """
    if environ is None:
        environ = os.environ
    ignore = parse_bool("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                        environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), False)
    if not ignore:
        for variable in ("AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL"):
            url = environ.get(variable, "").strip()
            if url:
                return parse_endpoint_url(url, variable)
    return Endpoint("https", default_host(region))
