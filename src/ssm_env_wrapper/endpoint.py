# SPDX-License-Identifier: Apache-2.0
"""Region and endpoint: where the SSM API is, resolved the way the AWS SDKs resolve it."""

from __future__ import annotations

from .errors import ConfigError
from .settings import parse_bool
from .values import Record, ascii_digits

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .deadline import Deadline

__all__ = [
    "Endpoint",
    "region_from_environ",
    "endpoint_from_environ",
    "parse_endpoint_url",
    "default_host",
    "partition",
    "secrets_host",
    "secrets_endpoint_from_environ",
]

_REGION_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def region_from_environ(environ: Mapping[str, str], deadline: Deadline | None = None) -> str:
    """``AWS_REGION`` (set by Lambda), then ``AWS_DEFAULT_REGION`` (the CLI's), then the profile's
    ``region`` in the config file (read while ``deadline`` allows), as the SDKs do."""
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        region = environ.get(variable, "").strip()
        if region:
            # The region becomes part of a host name and of the signature's scope: keep it plain.
            if set(region) - _REGION_CHARS or region.startswith("-") or region.endswith("-"):
                raise ConfigError(
                    f"{variable}={region!r} is not an AWS region name "
                    "(expected something like us-east-1)"
                )
            return region
    # Then the profile's region in the config file, as the SDKs do (only off Lambda: Lambda sets
    # AWS_REGION, so the config file is never read on its cold path).
    from .config_file import config_region

    configured = config_region(environ, deadline)
    if configured:
        if (
            set(configured) - _REGION_CHARS
            or configured.startswith("-")
            or configured.endswith("-")
        ):
            raise ConfigError(
                f"region = {configured!r} in the config file is not an AWS region "
                "name (expected something like us-east-1)"
            )
        return configured
    raise ConfigError(
        "no AWS region: set AWS_REGION (Lambda sets it for you), AWS_DEFAULT_REGION "
        "or region in the profile of the config file"
    )


class Endpoint(Record):
    """Scheme, host and port of the SSM endpoint. Immutable."""

    __slots__ = ("scheme", "host", "port")
    scheme: str
    host: str
    port: int

    def __init__(self, scheme: str, host: str, port: int | None = None) -> None:
        self._set(scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80))

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
    hint = (
        f"{variable}={raw!r} is not an endpoint URL "
        "(expected https://host[:port] or http://host:port)"
    )
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
        # ASCII digits only: str.isdigit() takes '²' (which int() refuses: a traceback) and int()
        # takes other scripts' digits ('٣١٢٨' is 3128), neither of which a URL port may hold
        # (RFC 3986 3.2.3: port = *DIGIT, and DIGIT is ASCII, RFC 5234 B.1).
        if not ascii_digits(port_text) or not 0 < int(port_text) < 65536:
            raise ConfigError(f"{variable}={raw!r}: the port must be a number from 1 to 65535")
        port = int(port_text)
    return Endpoint(scheme, host.lower(), port)


# The partitions: (id, region prefixes, DNS suffix, dual-stack DNS suffix), from botocore's
# data/partitions.json (their regionRegex, simplified to the prefixes those regexes require).
# A region no partition claims is taken as "aws", as the SDKs' aws.partition function does.
# partitions.json marks every partition dual-stack capable, but botocore's endpoints.json has no
# dual-stack variants for aws-iso-e and aws-iso-f and botocore refuses them
# (EndpointVariantError): so do we, with a message instead of a wrong host.
_NO_DUALSTACK = frozenset(("aws-iso-e", "aws-iso-f"))
_PARTITIONS = (
    ("aws-us-gov", ("us-gov-",), "amazonaws.com", "api.aws"),
    ("aws-iso", ("us-iso-",), "c2s.ic.gov", "api.aws.ic.gov"),
    ("aws-iso-b", ("us-isob-",), "sc2s.sgov.gov", "api.aws.scloud"),
    ("aws-iso-e", ("eu-isoe-",), "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
    ("aws-iso-f", ("us-isof-",), "csp.hci.ic.gov", "api.aws.hci.ic.gov"),
    ("aws-cn", ("cn-",), "amazonaws.com.cn", "api.amazonwebservices.com.cn"),
    ("aws-eusc", ("eusc-",), "amazonaws.eu", "api.amazonwebservices.eu"),
)


def partition(region: str) -> tuple[str, str, str]:
    """``(partition id, DNS suffix, dual-stack DNS suffix)`` of ``region``."""
    for name, prefixes, suffix, dual_suffix in _PARTITIONS:
        if region.startswith(prefixes):
            return name, suffix, dual_suffix
    return "aws", "amazonaws.com", "api.aws"


def default_host(region: str, fips: bool = False, dualstack: bool = False) -> str:
    """SSM's host in ``region``'s partition, as SSM's endpoint rule set builds it
    (botocore/data/ssm/*/endpoint-rule-set-1.json)."""
    name, suffix, dual_suffix = partition(region)
    if dualstack and name in _NO_DUALSTACK:
        raise ConfigError(
            f"AWS_USE_DUALSTACK_ENDPOINT: the {name} partition ({region}) has no "
            "dual-stack SSM endpoint; unset it, or set AWS_ENDPOINT_URL_SSM"
        )
    if fips and dualstack:
        return f"ssm-fips.{region}.{dual_suffix}"
    if fips:
        # GovCloud's SSM endpoints are FIPS endpoints already: the rule set keeps the plain name.
        return (
            f"ssm.{region}.amazonaws.com" if name == "aws-us-gov" else f"ssm-fips.{region}.{suffix}"
        )
    if dualstack:
        return f"ssm.{region}.{dual_suffix}"
    return f"ssm.{region}.{suffix}"


def endpoint_from_environ(region: str, environ: Mapping[str, str]) -> Endpoint:
    """``AWS_ENDPOINT_URL_SSM``, then ``AWS_ENDPOINT_URL``, then SSM's endpoint for ``region``
    (FIPS with ``AWS_USE_FIPS_ENDPOINT``, dual-stack with ``AWS_USE_DUALSTACK_ENDPOINT``).

    ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`` skips the two variables, as in the SDKs; a
    configured URL wins over FIPS and dual-stack, as in the SDKs.
    """
    return _service_endpoint(region, environ, "AWS_ENDPOINT_URL_SSM", default_host)


def _service_endpoint(
    region: str,
    environ: Mapping[str, str],
    service_variable: str,
    host: Callable[[str, bool, bool], str],
) -> Endpoint:
    """The SDKs' endpoint resolution for one service ("Service-specific endpoints", AWS SDKs and
    Tools Reference Guide): its own variable, then ``AWS_ENDPOINT_URL``, unless
    ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS``; otherwise ``host`` for the region, FIPS and
    dual-stack as asked."""
    ignore = parse_bool(
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"),
        False,
    )
    if not ignore:
        for variable in (service_variable, "AWS_ENDPOINT_URL"):
            url = environ.get(variable, "").strip()
            if url:
                return parse_endpoint_url(url, variable)
    fips = parse_bool("AWS_USE_FIPS_ENDPOINT", environ.get("AWS_USE_FIPS_ENDPOINT"), False)
    dualstack = parse_bool(
        "AWS_USE_DUALSTACK_ENDPOINT", environ.get("AWS_USE_DUALSTACK_ENDPOINT"), False
    )
    return Endpoint("https", host(region, fips, dualstack))


# Partitions whose Secrets Manager endpoints are dual-stack already: the service's endpoint
# rule set (botocore/data/secretsmanager/*/endpoint-rule-set-1.json) answers a dual-stack
# request there with the ordinary host (aws and aws-us-gov, FIPS too; aws-cn without FIPS).
_SM_DUALSTACK_PLAIN = frozenset(("aws", "aws-us-gov"))
_SM_NO_DUALSTACK = frozenset(("aws-iso-e", "aws-iso-f"))


def secrets_host(region: str, fips: bool = False, dualstack: bool = False) -> str:
    """Secrets Manager's host in ``region``'s partition, as its endpoint rule set builds it."""
    name, suffix, dual_suffix = partition(region)
    if dualstack and name in _SM_NO_DUALSTACK:
        raise ConfigError(
            f"AWS_USE_DUALSTACK_ENDPOINT: the {name} partition ({region}) has no "
            "dual-stack Secrets Manager endpoint; unset it, or set "
            "AWS_ENDPOINT_URL_SECRETS_MANAGER"
        )
    label = "secretsmanager-fips" if fips else "secretsmanager"
    if dualstack and (name in _SM_DUALSTACK_PLAIN or (name == "aws-cn" and not fips)):
        return f"{label}.{region}.{suffix}"
    return f"{label}.{region}.{dual_suffix if dualstack else suffix}"


def secrets_endpoint_from_environ(region: str, environ: Mapping[str, str]) -> Endpoint:
    """``AWS_ENDPOINT_URL_SECRETS_MANAGER`` (the SDKs' service-specific variable: the service id
    "Secrets Manager", upper-cased, spaces as underscores), then ``AWS_ENDPOINT_URL``, then the
    region's endpoint (FIPS, dual-stack as for SSM). ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS``
    skips both variables, as in the SDKs."""
    return _service_endpoint(
        region,
        environ,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        secrets_host,
    )
