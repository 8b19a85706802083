# SPDX-License-Identifier: Apache-2.0
"""What the user reads: one redactor for every line, and every message that names a setting.

A setting is named the way its user gave it (``Origins``): ``SSM_ENV_TIMEOUT`` to the wrapper,
``--timeout`` on the command line, ``timeout=`` to a Python caller; likewise the attempts, the
endpoint, the CA bundle and the names asked for. The network core (transport, the JSON client,
the SSM operations) never spells a setting: it asks a ``Diagnostics`` for the words, and masks
what it quotes from the peer with the same ``Redactor`` the log uses, so one set of secrets (the
credentials, a credential_process's output, every value fetched) is kept out of every log line
and every error, raised to a Python caller or printed.
"""

from __future__ import annotations

from .redact import Redactor
from .values import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "Origins",
    "Diagnostics",
    "given",
    "one_line",
    "reason_of",
    "attempts_note",
    "VALUE_LIMIT",
    "oversized",
    "refuse_oversized",
]

#: The most UTF-8 bytes a fetched value may have: what one environment string can carry
#: (MAX_ARG_STRLEN, 131072 bytes with "NAME=" and the NUL; guards.MAX_ENV_STRING), and far more
#: than the services store (SSM: 8 KB a parameter; Secrets Manager: 65,536 bytes a secret).
VALUE_LIMIT = 131072 - 3


def oversized(value: str) -> int:
    """The size in UTF-8 bytes of a ``value`` over VALUE_LIMIT; 0 for one within it (most values
    are decided by their length alone, without encoding them)."""
    if len(value) * 4 <= VALUE_LIMIT:
        return 0
    size = len(value.encode("utf-8", "surrogatepass"))
    return size if size > VALUE_LIMIT else 0


def refuse_oversized(where: str, value: str) -> None:
    """Raise SsmEnvError when ``value`` is over VALUE_LIMIT: a JSON document is checked so before
    it is parsed (parsing costs memory with its size, and no service stores one so large)."""
    size = oversized(value)
    if size:
        from .errors import SsmEnvError

        raise SsmEnvError(
            f"{where} is {size} bytes, more than one environment variable can hold (128 KiB, "
            "MAX_ARG_STRLEN); store a smaller value"
        )


class Origins(Record):
    """How each user-facing setting was given, as it is to be named in a message.

    A name that starts with ``--`` is a command-line option (quoted ``--timeout 1``), one that ends
    with ``=`` a Python argument (``timeout=1``), any other an environment variable
    (``SSM_ENV_TIMEOUT=1``). ``sources`` and ``names`` are the phrases naming where the paths and
    names to load come from."""

    __slots__ = (
        "timeout",
        "max_attempts",
        "endpoint",
        "ca_bundle",
        "sources",
        "names",
        "plain_names",
        "json_names",
        "naming",
        "allow",
        "secret_names",
        "plain_secrets",
        "collision",
        "required",
        "overwrite",
        "on_error",
        "secrets_endpoint",
        "disabled",
    )
    timeout: str
    max_attempts: str
    endpoint: str
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

    def __init__(
        self,
        *,
        timeout: str = "SSM_ENV_TIMEOUT",
        max_attempts: str = "SSM_ENV_MAX_ATTEMPTS",
        endpoint: str = "AWS_ENDPOINT_URL_SSM",
        ca_bundle: str = "AWS_CA_BUNDLE",
        sources: str = "APP_ENV/APP_PARAMS_PATH, SSM_ENV_PATHS, SSM_ENV_NAMES, "
        "SSM_ENV_JSON_NAMES and ssm: references",
        names: str = "SSM_ENV_NAMES, SSM_ENV_JSON_NAMES and the ssm: references",
        plain_names: str = "SSM_ENV_NAMES",
        json_names: str = "SSM_ENV_JSON_NAMES",
        naming: str = "SSM_ENV_NAME_MODE/SSM_ENV_PREFIX",
        allow: str = "SSM_ENV_ALLOW",
        secret_names: str = "SSM_ENV_SECRETS, SSM_ENV_JSON_SECRETS and the secretsmanager: "
        "references",
        plain_secrets: str = "SSM_ENV_SECRETS",
        collision: str = "SSM_ENV_COLLISION",
        required: str = "SSM_ENV_REQUIRED",
        overwrite: str = "SSM_ENV_OVERWRITE",
        on_error: str = "SSM_ENV_ON_ERROR",
        secrets_endpoint: str = "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        disabled: str = "SSM_ENV_DISABLED",
    ) -> None:
        self._set(
            timeout=timeout,
            max_attempts=max_attempts,
            endpoint=endpoint,
            ca_bundle=ca_bundle,
            sources=sources,
            names=names,
            plain_names=plain_names,
            json_names=json_names,
            naming=naming,
            allow=allow,  # "" when there is no way to allow a protected name (the Python API)
            secret_names=secret_names,
            plain_secrets=plain_secrets,
            collision=collision,
            required=required,
            overwrite=overwrite,
            on_error=on_error,
            secrets_endpoint=secrets_endpoint,
            disabled=disabled,
        )

    def replace(self, **changes: str) -> Origins:
        fields = {name: getattr(self, name) for name in self.__slots__}
        fields.update(changes)
        return Origins(**fields)

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
        return cls(
            timeout=name("timeout"),
            max_attempts=name("max_attempts"),
            endpoint=name("endpoint_url"),
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


def given(setting: str, value: object) -> str:
    """``setting`` with its ``value``, as the user would have written it."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    if setting.startswith("--"):
        return f"{setting} {text}"
    if setting.endswith("="):
        return f"{setting}{text}"
    return f"{setting}={text}"


def one_line(text: str, limit: int = 400) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def reason_of(exc: BaseException) -> str:
    """A short reason for a failed connection: the OS's words, else the exception's."""
    return one_line(
        getattr(exc, "strerror", None)
        or getattr(exc, "reason", None)
        or str(exc)
        or type(exc).__name__,
        160,
    )


def attempts_note(origins: Origins, attempts: int, max_attempts: int) -> str:
    """`` (after 3 attempts; SSM_ENV_MAX_ATTEMPTS=3)``: appended when attempts ran out."""
    tries = f"{attempts} attempt{'' if attempts == 1 else 's'}"
    return f" (after {tries}; {given(origins.max_attempts, max_attempts)})"


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


class Diagnostics:
    """The words for one load: its ``origins`` and its one ``secrets`` redactor (shared with the
    log when there is one). ``mask`` is what every quoted piece of a peer's answer goes through."""

    __slots__ = ("origins", "secrets")

    def __init__(self, origins: Origins | None = None, secrets: Redactor | None = None) -> None:
        self.origins = origins or Origins()
        self.secrets = Redactor() if secrets is None else secrets

    def __repr__(self) -> str:
        return f"Diagnostics({self.origins!r}, {self.secrets!r})"

    def mask(self, text: str) -> str:
        return self.secrets.redact(text)

    def quote(self, text: str, limit: int = 400) -> str:
        """A piece of a peer's answer for a message: masked, one line, at most ``limit``
        characters. Only its head is masked (whitespace may shrink, so four times the limit):
        masking costs time with the text's length, and an endpoint chooses that length. A run
        cut at the head's end is shorter than the masked run or masked itself."""
        return one_line(self.mask(str(text)[: 4 * limit]), limit)

    def remember(self, value: str) -> None:
        """A fetched value joins the secrets. A JSON object joins as its values, not its text:
        its keys are names that messages and debug lines show (``DB <- /app/doc#DB``), and a
        redactor holding the whole text would mask every key of 12 characters or more.

        A value over VALUE_LIMIT is neither indexed nor parsed: no service stores one (only an
        endpoint that is not the service sends it), and the loader refuses it, JSON or not,
        before it is kept; indexing it first would cost memory with its size."""
        if oversized(value):
            return
        if value.lstrip().startswith("{"):
            # The same reading as the variables get: a number's text as written.
            from .jsonvalue import loads_exact

            try:
                document = loads_exact(value)
            except (ValueError, RecursionError):
                document = None
            if isinstance(document, dict):
                self.secrets.extend(_leaves(document))
                return
        self.secrets.add(value)

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
        return (
            f"check the host in {self.origins.endpoint}, or the region the default endpoint is "
            "built from (AWS_REGION)"
        )

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

    def protected_fix(self) -> str:
        if not self.origins.allow:
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


def _leaves(document: object) -> list[str]:
    """Every string in a JSON value (a number is its text as written), and every other scalar
    as its JSON text, keys left out. Iterative: a document nested nearly as deep as the parser
    allows must not overflow here."""
    import json

    leaves: list[str] = []
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            leaves.append(item)
        else:
            leaves.append(json.dumps(item))
    return leaves
