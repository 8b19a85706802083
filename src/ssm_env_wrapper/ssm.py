"""A minimal SSM client: SigV4-signed JSON calls over one kept-alive HTTP(S) connection.

SSM speaks the ``awsJson1.1`` protocol: ``POST /`` with ``X-Amz-Target: AmazonSSM.<Operation>``
and a JSON body; errors come back as JSON with ``__type`` and ``message``.
"""

from __future__ import annotations

import time

from .errors import AwsApiError, ConfigError, EndpointError
from .sigv4 import sign
from .version import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from .credentials import Credentials
    from .endpoint import Endpoint

__all__ = ["SsmClient", "DEFAULT_TIMEOUT", "MAX_NAMES"]

#: Seconds a connect or a read may take. Lambda's whole init phase is limited to 10 s.
DEFAULT_TIMEOUT = 5.0

# GetParametersByPath returns at most 10 parameters a page ("MaxResults ... Maximum value of 10",
# SSM API reference); asking for the maximum keeps the number of requests down.
_MAX_RESULTS = 10
# GetParameters takes at most 10 names a call ("Names ... Maximum number of 10 items").
MAX_NAMES = 10

# The fix to print after an AWS error code (AccessDeniedException is worked out per call).
_FIXES = {
    "UnrecognizedClientException": "the access key is not valid here: check AWS_ACCESS_KEY_ID "
                                   "(and AWS_SESSION_TOKEN for temporary credentials)",
    "InvalidClientTokenId": "the access key is not valid here: check AWS_ACCESS_KEY_ID",
    "InvalidSignatureException": "check AWS_SECRET_ACCESS_KEY and that the clock is right",
    "SignatureDoesNotMatch": "check AWS_SECRET_ACCESS_KEY and that the clock is right",
    "ExpiredTokenException": "the session token has expired: refresh AWS_SESSION_TOKEN",
    "ThrottlingException": "too many requests: retry, or load fewer paths per start",
    "ValidationException": "check the paths and names in APP_ENV/APP_PARAMS_PATH, SSM_ENV_PATHS, "
                           "SSM_ENV_NAMES, SSM_ENV_JSON_NAMES and ssm: references",
    "ParameterNotFound": "check the name, or create the parameter",
    "ParameterVersionNotFound": "check the version or label after the ':' in the name",
    "InvalidKeyId": "the KMS key of a SecureString is disabled or gone: check the parameter's key",
}


def _one_line(text: str, limit: int = 400) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _check_parameter(parameter: object, call: str) -> None:
    if not (isinstance(parameter, dict) and isinstance(parameter.get("Name"), str)
            and isinstance(parameter.get("Value"), str)):
        raise EndpointError(f"{call} failed: a parameter in the answer has no Name or Value")


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class SsmClient:
    """Calls SSM's JSON API. One instance keeps one connection to its endpoint alive.

    ``clock`` returns Unix time for the signature; it is an argument so that tests can pin it.
    """

    def __init__(self, endpoint: Endpoint, credentials: Credentials, region: str, *,
                 timeout: float = DEFAULT_TIMEOUT, ca_bundle: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.endpoint = endpoint
        self.region = region
        self.timeout = timeout
        self.ca_bundle = ca_bundle
        self.requests = 0
        self.connections = 0
        self._credentials = credentials
        self._clock = clock
        self._conn: object | None = None

    def __enter__(self) -> SsmClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SsmClient({self.endpoint.url!r}, region={self.region!r})"

    def close(self) -> None:
        """Close the kept-alive connection, if any."""
        if self._conn is not None:
            self._conn.close()  # type: ignore[attr-defined]
            self._conn = None

    def _connect(self) -> object:
        # Imported here, not at the top: a start with nothing to load never pays for http.client
        # (which pulls in the email package) or ssl.
        import http.client

        self.connections += 1
        if self.endpoint.scheme == "https":
            import ssl

            try:
                context = ssl.create_default_context(cafile=self.ca_bundle)
            except OSError as exc:
                raise ConfigError(f"AWS_CA_BUNDLE={self.ca_bundle!r} cannot be read as a PEM "
                                  f"certificate bundle ({exc.strerror or exc}); point it at one "
                                  "or unset it") from exc
            return http.client.HTTPSConnection(self.endpoint.host, self.endpoint.port,
                                               timeout=self.timeout, context=context)
        return http.client.HTTPConnection(self.endpoint.host, self.endpoint.port,
                                          timeout=self.timeout)

    def _send(self, operation: str, body: bytes) -> tuple[int, str, bytes]:
        import http.client

        creds = self._credentials
        headers = sign("POST", "/", "", [
            ("Host", self.endpoint.host_header),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", f"AmazonSSM.{operation}"),
        ], body, access_key=creds.access_key, secret_key=creds.secret_key, token=creds.token,
            region=self.region, service="ssm", timestamp=self._clock())
        headers.append(("User-Agent", f"ssm-env-wrapper/{__version__}"))
        reused = self._conn is not None
        if self._conn is None:
            self._conn = self._connect()
        conn = self._conn
        try:
            conn.request("POST", "/", body, dict(headers))  # type: ignore[attr-defined]
            response = conn.getresponse()  # type: ignore[attr-defined]
            data = response.read()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.close()
            if not reused:
                raise
            # A kept-alive connection the server closed while idle: send once more on a new one.
            # Safe, because every call this client makes only reads.
            return self._send(operation, body)
        except BaseException:
            self.close()
            raise
        self.requests += 1
        if response.will_close:
            self.close()
        return response.status, response.getheader("Content-Type", ""), data

    def call(self, operation: str, payload: dict[str, object], *, target: str = "") -> dict:
        """Call ``operation`` with ``payload``; return the decoded JSON answer.

        Raises AwsApiError for an error the API returns, EndpointError when the endpoint cannot be
        reached or does not answer like the API. ``target`` (a path or name) goes into messages.
        """
        import http.client
        import json

        where = f" {target}" if target else ""
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        try:
            status, content_type, data = self._send(operation, body)
        except (OSError, http.client.HTTPException) as exc:
            reason = _one_line(getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)
            raise EndpointError(
                f"{operation}{where} failed: cannot reach {self.endpoint.url} ({reason}); check "
                "the network path to SSM (VPC endpoint or NAT) or AWS_ENDPOINT_URL_SSM") from exc
        try:
            answer = json.loads(data.decode("utf-8")) if data else {}
        except ValueError as exc:
            raise EndpointError(
                f"{operation}{where} failed: {self.endpoint.url} answered HTTP {status} with a body "
                f"that is not JSON ({content_type or 'no content type'}); check AWS_ENDPOINT_URL_SSM "
                "or the proxy in between") from exc
        if not isinstance(answer, dict):
            raise EndpointError(f"{operation}{where} failed: {self.endpoint.url} answered HTTP "
                                f"{status} with JSON that is not an object")
        if status == 200:
            return answer
        code = str(answer.get("__type") or answer.get("code") or f"HTTP {status}")
        code = code.rsplit("#", 1)[-1].split(":", 1)[0]
        message = _one_line(answer.get("message") or answer.get("Message") or "no message")
        raise AwsApiError(operation, code, message, target=target, status=status,
                          fix=self._fix(operation, code, message, target))

    def _fix(self, operation: str, code: str, message: str, target: str) -> str:
        """What to do about an error ``code``: the IAM action and resource, or the variable."""
        if code == "AccessDeniedException":
            lowered = message.lower()
            if "kms" in lowered:
                return "allow kms:Decrypt on the KMS key that encrypts the SecureString parameters"
            if "secretsmanager" in lowered:
                return "allow secretsmanager:GetSecretValue on the secret in the execution role"
            first = target.split(", ", 1)[0]
            resource = "parameter" + (first if first.startswith("/") else "/" + first)
            arn = f"arn:{_partition(self.region)}:ssm:{self.region}:<account-id>:{resource}"
            more = " (and the other names)" if ", " in target else ""
            return f"allow ssm:{operation} on {arn}{more} in the function's execution role"
        return _FIXES.get(code, "")

    def get_parameters_by_path(self, path: str, recursive: bool = False) -> Iterator[dict]:
        """Yield every parameter under ``path``, SecureStrings decrypted, following ``NextToken``
        over all pages (a page may be empty and still carry a token)."""
        payload: dict[str, object] = {
            "Path": path,
            "Recursive": recursive,
            "WithDecryption": True,
            "MaxResults": _MAX_RESULTS,
        }
        while True:
            page = self.call("GetParametersByPath", payload, target=path)
            parameters = page.get("Parameters")
            if not isinstance(parameters, list):
                raise EndpointError(f"GetParametersByPath {path} failed: the answer has no "
                                    "Parameters list; check AWS_ENDPOINT_URL_SSM")
            for parameter in parameters:
                _check_parameter(parameter, f"GetParametersByPath {path}")
                yield parameter
            token = page.get("NextToken")
            if not token:
                return
            payload["NextToken"] = token

    def get_parameters(self, requested: list[str]) -> tuple[list[dict], list[str]]:
        """Fetch up to 10 names (``name``, ``name:version`` or ``name:label``; Secrets Manager
        references included), SecureStrings decrypted. Returns ``(parameters, invalid names)``."""
        if len(requested) > MAX_NAMES:
            raise ValueError(f"GetParameters takes at most {MAX_NAMES} names")
        # WithDecryption must be true for /aws/reference/secretsmanager/ names (SSM API reference,
        # "Referencing AWS Secrets Manager secrets from Parameter Store parameters").
        answer = self.call("GetParameters", {"Names": requested, "WithDecryption": True},
                           target=", ".join(requested))
        parameters = answer.get("Parameters")
        invalid = answer.get("InvalidParameters") or []
        if not isinstance(parameters, list) or not isinstance(invalid, list):
            raise EndpointError("GetParameters failed: the answer has no Parameters list; check "
                                "AWS_ENDPOINT_URL_SSM")
        for parameter in parameters:
            _check_parameter(parameter, "GetParameters")
        return parameters, [str(name) for name in invalid]
