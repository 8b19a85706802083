# SPDX-License-Identifier: Apache-2.0
"""What the user reads: one redactor for every line, and every message that names a setting.

A setting is named the way its user gave it (``Origins``): ``SSM_ENV_TIMEOUT`` to the wrapper,
``--timeout`` on the command line, ``timeout=`` to a Python caller; likewise the attempts, the
endpoint, the CA bundle and the names asked for. The network core (transport, the JSON clients)
never spells a setting: it asks the ``advice.Advice`` it is given for the words, and a
``Diagnostics`` is that advice with the settings named. It masks what it quotes from the peer
with the same ``Redactor`` the log uses, so one set of secrets (the credentials, a
credential_process's output, every value fetched) is kept out of every log line and every error,
raised to a Python caller or printed.
"""

from __future__ import annotations

from .advice import Advice, attempts_text, given
from .values import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from .redact import Redactor

__all__ = ["Origins", "Diagnostics", "given"]


#: How each setting is named when nothing says otherwise: as the wrapper's variables. ``allow``
#: is "" where there is no way to allow a protected name (the Python API).
_ORIGIN_DEFAULTS = {
    "timeout": "SSM_ENV_TIMEOUT",
    "max_attempts": "SSM_ENV_MAX_ATTEMPTS",
    "endpoint": "AWS_ENDPOINT_URL_SSM",
    # The endpoint's setting when one was given, "" when the host is the region's default.
    "endpoint_given": "",
    "region": "AWS_REGION",
    "ca_bundle": "AWS_CA_BUNDLE",
    "sources": "APP_ENV/APP_PARAMS_PATH, SSM_ENV_PATHS, SSM_ENV_NAMES, SSM_ENV_JSON_NAMES and "
    "ssm: references",
    "names": "SSM_ENV_NAMES, SSM_ENV_JSON_NAMES and the ssm: references",
    "plain_names": "SSM_ENV_NAMES",
    "json_names": "SSM_ENV_JSON_NAMES",
    "naming": "SSM_ENV_NAME_MODE/SSM_ENV_PREFIX",
    "allow": "SSM_ENV_ALLOW",
    "secret_names": "SSM_ENV_SECRETS, SSM_ENV_JSON_SECRETS and the secretsmanager: references",
    "plain_secrets": "SSM_ENV_SECRETS",
    "collision": "SSM_ENV_COLLISION",
    "required": "SSM_ENV_REQUIRED",
    "overwrite": "SSM_ENV_OVERWRITE",
    "on_error": "SSM_ENV_ON_ERROR",
    "secrets_endpoint": "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "disabled": "SSM_ENV_DISABLED",
}


class Origins(Record):
    """How each user-facing setting was given, as it is to be named in a message.

    A name that starts with ``--`` is a command-line option (quoted ``--timeout 1``), one that ends
    with ``=`` a Python argument (``timeout=1``), any other an environment variable
    (``SSM_ENV_TIMEOUT=1``). ``sources`` and ``names`` are the phrases naming where the paths and
    names to load come from."""

    __slots__ = tuple(_ORIGIN_DEFAULTS)
    timeout: str
    max_attempts: str
    endpoint: str
    endpoint_given: str
    region: str
    ca_bundle: str
    sources: str
    names: str
    plain_names: str
    json_names: str
    naming: str
    allow: str
    secret_names: str
    plain_secrets: str
    collision: str
    required: str
    overwrite: str
    on_error: str
    secrets_endpoint: str
    disabled: str

    def __init__(self, **names: str) -> None:
        unknown = set(names) - set(self.__slots__)
        if unknown:
            raise TypeError(f"Origins has no setting {', '.join(sorted(unknown))}")
        self._set(**{**_ORIGIN_DEFAULTS, **names})

    def replace(self, **changes: str) -> Origins:
        return Origins(**{**{name: getattr(self, name) for name in self.__slots__}, **changes})

    @classmethod
    def spelled(
        cls, how: str, environ: Mapping[str, str] = {}, given: frozenset[str] = frozenset()
    ) -> Origins:
        """Every setting named from the settings table as its caller gave it: ``how`` is
        ``"env"`` (the wrapper: the variable that was set), ``"cli"`` (the options in ``given``,
        by key, then the variables the environment sets, then the options) or ``"api"``
        (``load_parameters``: its arguments, ``timeout=``)."""
        from .settings_table import spelled

        def name(key: str) -> str:
            return spelled(key, how, environ, given)

        def listed(items: list[str]) -> str:
            return ", ".join(items[:-1]) + " and " + items[-1]

        paths = [name("paths")]
        if how != "api":
            # The original contract has no option and no argument: only its variables.
            paths.insert(0, "APP_ENV/APP_PARAMS_PATH")
        references = [] if how == "api" else ["the ssm: references"]
        plain_references = [] if how == "api" else ["ssm: references"]
        secret_references = [] if how == "api" else ["the secretsmanager: references"]
        from .settings_table import endpoint_variable

        endpoint = name("endpoint_url")
        configured = (
            "endpoint_url" in given or endpoint_variable("endpoint_url", environ) is not None
        )
        return cls(
            timeout=name("timeout"),
            max_attempts=name("max_attempts"),
            endpoint=endpoint,
            endpoint_given=endpoint if configured else "",
            region=name("region"),
            ca_bundle=name("ca_bundle"),
            sources=listed(paths + [name("names"), name("json_names")] + plain_references),
            names=listed([name("names"), name("json_names")] + references),
            plain_names=name("names"),
            json_names=name("json_names"),
            naming=f"{name('name_mode')}/{name('prefix')}",
            allow=name("allow"),
            secret_names=listed([name("secrets"), name("json_secrets")] + secret_references),
            plain_secrets=name("secrets"),
            collision=name("collision"),
            required=name("required"),
            overwrite=name("overwrite"),
            on_error=name("on_error"),
            secrets_endpoint=name("secrets_endpoint_url"),
            disabled=name("disabled"),
        )


# The fix to print after an AWS error code (AccessDeniedException and throttling are worked out
# per call). Credentials are named by the variables the SDKs read them from.
_FIXES = {
    "UnrecognizedClientException": "the access key is not valid here: check AWS_ACCESS_KEY_ID "
    "(and AWS_SESSION_TOKEN for temporary credentials)",
    "InvalidClientTokenId": "the access key is not valid here: check AWS_ACCESS_KEY_ID",
    "InvalidSignatureException": "check AWS_SECRET_ACCESS_KEY and that the clock is right",
    "SignatureDoesNotMatch": "check AWS_SECRET_ACCESS_KEY and that the clock is right",
    "ExpiredTokenException": "the session token has expired: refresh AWS_SESSION_TOKEN",
    "ThrottlingException": "too many requests: retry, or load fewer paths per start",
    "ParameterNotFound": "check the name, or create the parameter",
    "ParameterVersionNotFound": "check the version or label after the ':' in the name",
    "InvalidKeyId": "the KMS key of a SecureString is disabled or gone: check the parameter's key",
}


class Diagnostics(Advice):
    """The words for one load: the core's fixes (``advice.Advice``) with every setting named as
    its user gave it (``origins``), and the load's one redactor (shared with the log when there
    is one)."""

    __slots__ = ("origins",)

    def __init__(self, origins: Origins | None = None, secrets: Redactor | None = None) -> None:
        super().__init__(secrets)
        self.origins = origins or Origins()

    def __repr__(self) -> str:
        return f"Diagnostics({self.origins!r}, {self.secrets!r})"

    # -- fixes

    def endpoint_fix(self) -> str:
        """After an answer that is not the API's."""
        return f"check {self.origins.endpoint} or the proxy in between"

    def unreachable_fix(self, service: str, proxy_setting: str = "") -> str:
        if proxy_setting:
            # Every byte goes through the proxy: it, not the network path, is what to check.
            return (
                f"check {proxy_setting} (the proxy the connection goes through) and what it allows"
            )
        return (
            f"check the network path to {service} (VPC endpoint or NAT) or {self.origins.endpoint}"
        )

    def certificate_fix(self) -> str:
        return (
            f"set {self.origins.ca_bundle} to the CA that issued it, or check "
            f"{self.origins.endpoint}"
        )

    def tls_fix(self) -> str:
        """After a TLS handshake that failed on the protocol (not the certificate)."""
        return (
            f"check {self.origins.endpoint}: https:// must name a port that speaks TLS (use "
            "http:// for a plain-HTTP endpoint)"
        )

    def name_fix(self) -> str:
        """After a host name the resolver says does not exist."""
        if self.origins.endpoint_given:
            return f"check the host in {self.origins.endpoint_given}"
        return f"check the region the endpoint's host is built from ({self.origins.region})"

    def throttled_fix(self, service: str) -> str:
        origins = self.origins
        return (
            f"{service} throttled this account's requests: raise {origins.max_attempts} or "
            f"{origins.timeout}, or load fewer paths (see the README's scaling section)"
        )

    def deadline_fix(self, service: str) -> str:
        return (
            f"raise {self.origins.timeout} or check the network path to {service} "
            "(VPC endpoint or NAT)"
        )

    def collision_fix(self) -> str:
        return f"rename or move one of each, or set {self.origins.naming}"

    def protected_fix(self, allowable: bool = True) -> str:
        """``allowable``: whether the allow-list could lift any of the refusals (it never lifts
        credentials nor the tool's own record, so then it is not offered)."""
        if not self.origins.allow or not allowable:
            return "rename the parameters"
        return (
            f"rename the parameters, or list a variable in {self.origins.allow} if it is "
            "really meant"
        )

    def invalid_names_fix(self, invalid: Iterable[str] = ()) -> str:
        """What to check about names SSM answered as invalid. A name holding a / but not starting
        with one cannot exist: "A parameter name with a hierarchy must begin with a forward
        slash" (Systems Manager user guide, "Parameter hierarchies"), so its slashed form is
        suggested, without asking SSM whether that one exists."""
        slashed = [
            "/" + name for name in invalid if "/" in name and not name.startswith(("/", "arn:"))
        ]
        if not slashed:
            return f"check {self.origins.names}"
        return (
            f"did you mean {', '.join(slashed)}? (a name in a hierarchy starts with /); "
            f"check {self.origins.names}"
        )

    def api_fix(self, code: str) -> str:
        """What to do about an AWS error ``code`` that needs no more context."""
        if code == "ValidationException":
            return f"check the paths and names in {self.origins.sources}"
        return _FIXES.get(code, "")

    def attempts_note(self, attempts: int, max_attempts: int) -> str:
        """`` (after 3 attempts; SSM_ENV_MAX_ATTEMPTS=3)``: appended when attempts ran out."""
        return (
            f" (after {attempts_text(attempts)}; {given(self.origins.max_attempts, max_attempts)})"
        )

    # -- whole messages

    def deadline(self, timeout: float, missing: tuple[str, ...], last: str, service: str) -> str:
        """The load ran out of time with ``missing`` still to fetch."""
        return (
            f"not done within {given(self.origins.timeout, timeout)} s; still missing: "
            f"{'; '.join(missing)}"
            + (f" (last: {last})" if last else "")
            + f"; {self.deadline_fix(service)}"
        )

    def call_deadline(self, where: str, timeout: float, last: str, service: str) -> str:
        """One call ran out of time (the loader says what was still missing, all in one)."""
        return (
            f"{where} failed: not done within {given(self.origins.timeout, timeout)} s "
            f"(last: {last}); {self.deadline_fix(service)}"
        )
