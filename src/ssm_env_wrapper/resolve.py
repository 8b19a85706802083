# SPDX-License-Identifier: Apache-2.0
"""Settings resolved once, at the top of a load: region, endpoint, trust, proxy, credentials and
the User-Agent become one typed value that is passed down, and the one client configuration
(``records.ClientConfig``) the network core is given.

This module and the ones it calls here (``endpoint``, ``credentials``, ``config_file``) are where
the process environment is read; the network core (``awsjson``, ``ssm``, ``secretsmanager``,
``transport``, ``trust``, ``proxy``, ``retry``, ``deadline``, ``http11``, ``sigv4`` and the
records they take) imports none of them, even indirectly (tests/unit/test_layers.py checks that).
"""

from __future__ import annotations

from .credentials import resolve_credentials
from .endpoint import endpoint_from_environ, parse_endpoint_url, region_from_environ
from .proxy import ProxyPolicy
from .records import ClientConfig
from .settings import user_agent
from .trust import Trust
from .values import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .deadline import Deadline
    from .diagnostics import Diagnostics
    from .keys import Credentials
    from .proxy import Proxy
    from .records import Endpoint
    from .settings import Settings

__all__ = ["Resolved", "resolve", "trust_from_environ", "proxy_policy_from_environ"]


class Resolved(Record):
    """Where and how to call: everything a client needs, nothing it must look up."""

    __slots__ = ("region", "endpoint", "credentials", "trust", "proxy", "user_agent")
    region: str
    endpoint: Endpoint
    credentials: Credentials
    trust: Trust
    proxy: Proxy | None
    user_agent: str

    def __init__(
        self,
        region: str,
        endpoint: Endpoint,
        credentials: Credentials,
        trust: Trust,
        proxy: Proxy | None,
        user_agent: str,
    ) -> None:
        self._set(
            region=region,
            endpoint=endpoint,
            credentials=credentials,
            trust=trust,
            proxy=proxy,
            user_agent=user_agent,
        )

    __hash__ = None  # type: ignore[assignment]  # holds credentials: never a dictionary key

    def client_config(
        self,
        *,
        deadline: Deadline,
        max_attempts: int,
        diagnostics: Diagnostics,
        trace: Callable[[str], None] | None = None,
    ) -> ClientConfig:
        """What an SSM client of this load is given (a Secrets Manager client: the same, with
        its own endpoint, proxy and words, ``ClientConfig.replace``)."""
        return ClientConfig(
            self.endpoint,
            self.credentials,
            self.region,
            deadline=deadline,
            max_attempts=max_attempts,
            user_agent=self.user_agent,
            proxy=self.proxy,
            diagnostics=diagnostics,
            trace=trace,
        )


def trust_from_environ(
    environ: Mapping[str, str], ca_bundle_setting: str = "AWS_CA_BUNDLE"
) -> Trust:
    """``AWS_CA_BUNDLE`` replaces the system's trust store (named ``ca_bundle_setting`` in
    messages); else ``SSL_CERT_FILE``/``SSL_CERT_DIR`` keep OpenSSL's meaning; else the system's
    store (``trust.system_trust``)."""
    bundle = environ.get("AWS_CA_BUNDLE", "").strip()
    if bundle:
        return Trust(bundle, None, ca_bundle_setting)
    cert_dir = environ.get("SSL_CERT_DIR", "").strip()
    cert_file = environ.get("SSL_CERT_FILE", "").strip()
    if cert_dir or cert_file:
        return Trust(cert_file, cert_dir, "SSL_CERT_FILE" if cert_file else "SSL_CERT_DIR")
    return Trust()  # the system's store, found when a TLS context is first made


def proxy_policy_from_environ(environ: Mapping[str, str]) -> ProxyPolicy:
    """``HTTPS_PROXY``/``HTTP_PROXY`` (either case, upper first) and ``NO_PROXY``."""

    def chosen(name: str) -> tuple[str, str] | None:
        for variable in (name, name.lower()):
            url = (environ.get(variable) or "").strip()
            if url:
                return url, name
        return None

    no_proxy = environ.get("NO_PROXY") or environ.get("no_proxy") or ""
    return ProxyPolicy(
        chosen("HTTPS_PROXY"),
        chosen("HTTP_PROXY"),
        tuple(entry for entry in no_proxy.replace(" ", "").split(",") if entry),
    )


def resolve(
    settings: Settings,
    environ: Mapping[str, str],
    *,
    deadline: Deadline,
    diagnostics: Diagnostics,
    credentials: Credentials | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
) -> Resolved:
    """Everything a load needs from the environment, once (arguments win over it). The
    credentials' secrets join ``diagnostics``' redactor: the log masks them as errors do."""
    region = region or region_from_environ(environ, deadline)
    if endpoint_url:
        endpoint = parse_endpoint_url(endpoint_url, "endpoint_url")
    else:
        endpoint = endpoint_from_environ(region, environ)
    trust = trust_from_environ(environ, settings.origins.ca_bundle)
    proxy = proxy_policy_from_environ(environ).for_url(endpoint.scheme, endpoint.host)
    found = credentials or resolve_credentials(
        environ, deadline=deadline, trust=trust, secrets=diagnostics.secrets
    )
    diagnostics.secrets.extend(found.secrets())
    return Resolved(region, endpoint, found, trust, proxy, user_agent(environ))
