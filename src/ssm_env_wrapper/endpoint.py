# SPDX-License-Identifier: Apache-2.0
"""Region and endpoints: where the SSM and Secrets Manager APIs are, resolved from the
environment the way the AWS SDKs resolve them. The records it makes (``records.Endpoint``) and
the partition table it reads (``partitions``) belong to the network core; the reading is here."""

from __future__ import annotations

from .errors import ConfigError
from .parsers import parse_bool
from .partitions import is_region_name, partition
from .records import Endpoint
from .settings_table import endpoint_variable
from .values import ascii_digits

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .deadline import Deadline

__all__ = [
    "region_from_environ",
    "endpoint_from_environ",
    "parse_endpoint_url",
    "default_host",
    "secrets_host",
    "secrets_endpoint_from_environ",
]


def region_from_environ(environ: Mapping[str, str], deadline: Deadline | None = None) -> str:
    """``AWS_REGION`` (set by Lambda), then ``AWS_DEFAULT_REGION`` (the CLI's), then the profile's
    ``region`` in the config file (read while ``deadline`` allows), as the SDKs do."""
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        region = environ.get(variable, "").strip()
        if region:
            return _region(region, f"{variable}={region!r}")
    # Then the profile's region in the config file, as the SDKs do (only off Lambda: Lambda sets
    # AWS_REGION, so the config file is never read on its cold path).
    from .config_file import config_region

    configured = config_region(environ, deadline)
    if configured:
        return _region(configured, f"region = {configured!r} in the config file")
    raise ConfigError(
        "no AWS region: set AWS_REGION (Lambda sets it for you), AWS_DEFAULT_REGION "
        "or region in the profile of the config file"
    )


def _region(region: str, given: str) -> str:
    # The region becomes part of a host name and of the signature's scope: keep it plain.
    if not is_region_name(region):
        raise ConfigError(f"{given} is not an AWS region name (expected something like us-east-1)")
    return region


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


# partitions.json marks every partition dual-stack capable, but botocore's endpoints.json has no
# dual-stack variants for aws-iso-e and aws-iso-f and botocore refuses them
# (EndpointVariantError): so do we, with a message instead of a wrong host.
_NO_DUALSTACK = frozenset(("aws-iso-e", "aws-iso-f"))


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
    return _service_endpoint(region, environ, "endpoint_url", default_host)


def _service_endpoint(
    region: str,
    environ: Mapping[str, str],
    key: str,
    host: Callable[[str, bool, bool], str],
) -> Endpoint:
    """The SDKs' endpoint resolution for one service ("Service-specific endpoints", AWS SDKs and
    Tools Reference Guide): the variables of the settings table's ``key`` (its own, then
    ``AWS_ENDPOINT_URL``), unless ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS``; otherwise ``host``
    for the region, FIPS and dual-stack as asked."""
    # Parsed strictly here, so that a value that is no boolean is an error, not a silent false.
    parse_bool(
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"),
        False,
    )
    variable = endpoint_variable(key, environ)
    if variable:
        return parse_endpoint_url(environ[variable].strip(), variable)
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
    return _service_endpoint(region, environ, "secrets_endpoint_url", secrets_host)
