# SPDX-License-Identifier: Apache-2.0
"""A minimal SSM client: SigV4-signed JSON calls over one kept-alive HTTP(S) connection.

SSM speaks the ``awsJson1.1`` protocol: ``POST /`` with ``X-Amz-Target: AmazonSSM.<Operation>``
and a JSON body; errors come back as JSON with ``__type`` and ``message``.
"""

from __future__ import annotations

import time

from .endpoint import partition
from .errors import AwsApiError, DeadlineError, EndpointError, SsmEnvError
from .settings import DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT
from .sigv4 import sign
from .transport import DeadlineExceeded, HttpConnection, proxy_for, tls_context
from .version import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from .credentials import Credentials
    from .endpoint import Endpoint
    from .transport import HttpResponse

__all__ = ["SsmClient", "MAX_NAMES"]

_BACKOFF_BASE = 0.1
_BACKOFF_CAP = 2.0

# What botocore's standard retry mode treats as retryable (botocore/retries/standard.py).
_THROTTLE_CODES = frozenset((
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException",
))
_TRANSIENT_CODES = frozenset(("RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
                              "InternalServerError", "InternalFailure", "ServiceUnavailable"))
_TRANSIENT_STATUS = frozenset((500, 502, 503, 504))
# Answers that mean our clock is off (botocore's ClockSkew handling).
_SKEW_CODES = frozenset(("RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture"))

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


def _reason(exc: BaseException) -> str:
    return _one_line(getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
                     or type(exc).__name__, 160)


def _is_certificate_error(exc: BaseException) -> bool:
    # ssl.SSLCertVerificationError, without importing ssl for plain-HTTP endpoints.
    return type(exc).__name__ == "SSLCertVerificationError"


def _backoff(attempt: int) -> float:
    """Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniform draw
    between 0 and the exponential ceiling, so that many throttled clients spread out."""
    import random  # only when retrying

    return random.uniform(0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** (attempt - 1)))


def _xml_text(body: bytes, tag: str) -> str:
    """The text of the first ``<tag>`` in an XML error body, or ``""``."""
    text = body.decode("utf-8", "replace")
    start = text.find(f"<{tag}>")
    end = text.find(f"</{tag}>", start)
    if start < 0 or end < 0:
        return ""
    import html  # the error path only

    return html.unescape(text[start + len(tag) + 2:end])


def _check_parameter(parameter: object, call: str) -> None:
    if not (isinstance(parameter, dict) and isinstance(parameter.get("Name"), str)
            and isinstance(parameter.get("Value"), str)):
        raise EndpointError(f"{call} failed: a parameter in the answer has no Name or Value")


class SsmClient:
    """Calls SSM's JSON API, retrying what can change, within one deadline. One instance keeps one
    connection to its endpoint alive; use one per thread.

    ``deadline`` is a ``time.monotonic()`` instant shared by every request of one load (default:
    ``timeout`` seconds from now). ``clock`` gives Unix time for the signature and ``sleep``
    waits between attempts: both are arguments so that tests can pin them.
    """

    def __init__(self, endpoint: Endpoint, credentials: Credentials, region: str, *,
                 timeout: float = DEFAULT_TIMEOUT, deadline: float | None = None,
                 max_attempts: int = DEFAULT_MAX_ATTEMPTS, ca_bundle: str | None = None,
                 environ: Mapping[str, str] | None = None, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep,
                 trace: Callable[[str], None] | None = None) -> None:
        self.endpoint = endpoint
        self.region = region
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout if deadline is None else deadline
        self.max_attempts = max(1, max_attempts)
        self.requests = 0
        self._credentials = credentials
        self._clock = clock
        self._sleep = sleep
        self._trace = trace  # debug lines: one per request, names and timings only
        # What an answer must never repeat back into a message: the credentials' secrets and
        # every value fetched so far (an endpoint could echo a request or an earlier page).
        self._secrets = list(credentials.secrets())
        self._skew = 0.0  # seconds to add to our clock, learnt from a "signature expired" answer
        context = tls_context(ca_bundle, environ) if endpoint.scheme == "https" else None
        self._http = HttpConnection(endpoint.host, endpoint.port, context=context,
                                    proxy=proxy_for(endpoint.scheme, endpoint.host, environ))

    def __enter__(self) -> SsmClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SsmClient({self.endpoint.url!r}, region={self.region!r})"

    @property
    def connections(self) -> int:
        """How many connections this client opened (1 while the endpoint keeps it alive)."""
        return self._http.connects

    def close(self) -> None:
        """Close the kept-alive connection, if any."""
        self._http.close()

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            if len(secret) >= 8:  # shorter strings would garble messages and protect nothing
                text = text.replace(secret, "***")
        return text

    def _exchange(self, operation: str, body: bytes) -> HttpResponse:
        creds = self._credentials
        headers = sign("POST", "/", "", [
            ("Host", self.endpoint.host_header),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", f"AmazonSSM.{operation}"),
        ], body, access_key=creds.access_key, secret_key=creds.secret_key, token=creds.token,
            region=self.region, service="ssm", timestamp=self._clock() + self._skew)
        headers.append(("User-Agent", f"ssm-env-wrapper/{__version__}"))
        self.requests += 1
        return self._http.request("POST", "/", headers, body, self.deadline)

    def call(self, operation: str, payload: dict[str, object], *, target: str = "") -> dict:
        """Call ``operation`` with ``payload``; return the decoded JSON answer.

        Throttling, HTTP 5xx, broken connections and timeouts are retried with exponential backoff
        and full jitter, up to ``max_attempts`` and never past the deadline; a clock-skew answer is
        corrected by the response's ``Date`` and retried once. Raises AwsApiError for an error the
        API returns, EndpointError when the endpoint cannot be reached or does not answer like the
        API (DeadlineError when time runs out). ``target`` (a path or names) goes into messages.
        """
        import json

        where = f" {target}" if target else ""
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        skew_corrected = False
        attempt = 0
        while True:
            attempt += 1
            began = time.monotonic()
            try:
                response = self._exchange(operation, body)
                if self._trace:
                    self._trace(f"{operation}{where}: HTTP {response.status} in "
                                f"{(time.monotonic() - began) * 1000:.0f} ms (attempt {attempt})")
            except DeadlineExceeded as exc:
                raise self._deadline_error(operation, target, "no answer in time") from exc
            except OSError as exc:
                if self._trace:
                    self._trace(f"{operation}{where}: {type(exc).__name__} after "
                                f"{(time.monotonic() - began) * 1000:.0f} ms (attempt {attempt})")
                if _is_certificate_error(exc):
                    raise EndpointError(
                        f"{operation}{where} failed: the TLS certificate of {self.endpoint.url} "
                        f"is not trusted ({_reason(exc)}); set AWS_CA_BUNDLE to the CA that "
                        "issued it, or check AWS_ENDPOINT_URL_SSM") from exc
                failure: SsmEnvError = EndpointError(
                    f"{operation}{where} failed: cannot reach {self.endpoint.url} "
                    f"({self._mask(_reason(exc))}); "
                    "check the network path to SSM (VPC endpoint or NAT) or AWS_ENDPOINT_URL_SSM")
                cause: BaseException | None = exc
            else:
                answer, judged, retry = self._judge(operation, target, response)
                if judged is None:
                    return answer
                failure = judged
                if not retry:
                    if not skew_corrected and self._correct_skew(failure, response):
                        skew_corrected = True
                        attempt -= 1  # the corrected retry does not use up an attempt
                        continue
                    raise failure
                cause = None
            if attempt >= self.max_attempts:
                tries = f"{attempt} attempt{'' if attempt == 1 else 's'}"
                failure.args = (f"{failure} (after {tries}; AWS_MAX_ATTEMPTS={self.max_attempts})",)
                raise failure from cause
            delay = _backoff(attempt)
            if time.monotonic() + delay >= self.deadline:
                raise self._deadline_error(operation, target, str(failure)) from cause
            self._sleep(delay)

    def _judge(self, operation: str, target: str, response: HttpResponse
               ) -> tuple[dict, SsmEnvError | None, bool]:
        """``(answer, None, _)`` for success, else ``({}, the error, whether to retry)``."""
        import json

        where = f" {target}" if target else ""
        status = response.status
        transient = status in _TRANSIENT_STATUS or status == 429
        try:
            answer = json.loads(response.body.decode("utf-8")) if response.body else {}
        except ValueError:
            answer = None
        if not isinstance(answer, dict) and status != 200:
            # An AWS front end that answers in XML (the query protocol's <ErrorResponse>) still
            # names the error: in the x-amzn-ErrorType header or the body's <Code>.
            error_type = (response.headers.get("x-amzn-errortype")
                          or _xml_text(response.body, "Code"))
            if error_type:
                answer = {"__type": error_type, "message": _xml_text(response.body, "Message")}
        if not isinstance(answer, dict):
            kind = "a body that is not JSON" if answer is None else "JSON that is not an object"
            content_type = _one_line(self._mask(response.headers.get("content-type") or "")
                                     or "no content type", 80)
            return {}, EndpointError(
                f"{operation}{where} failed: {self.endpoint.url} answered HTTP {status} with "
                f"{kind} ({content_type}); check AWS_ENDPOINT_URL_SSM or the proxy in between"), \
                transient
        if status == 200:
            return answer, None, False
        code = str(answer.get("__type") or answer.get("code")
                   or response.headers.get("x-amzn-errortype") or f"HTTP{status}")
        code = _one_line(self._mask(code.rsplit("#", 1)[-1].split(":", 1)[0]), 100)
        # Masked before it is cut: a secret crossing the cut would otherwise survive in part.
        message = _one_line(self._mask(str(answer.get("message") or answer.get("Message")
                                           or "no message")))
        retry = transient or code in _THROTTLE_CODES or code in _TRANSIENT_CODES
        fix = self._fix(operation, code, message, target)
        if code in _THROTTLE_CODES:
            fix = ("SSM throttled this account's requests: raise AWS_MAX_ATTEMPTS or "
                   "SSM_ENV_TIMEOUT, or load fewer paths (see the README's scaling section)")
        return {}, AwsApiError(operation, code, message, target=target, status=status, fix=fix), retry

    def _correct_skew(self, failure: SsmEnvError, response: HttpResponse) -> bool:
        """After "signature expired" or "time too skewed", adopt the server's clock (its ``Date``
        header), as botocore does; True when there is something to retry with."""
        if not isinstance(failure, AwsApiError):
            return False
        text = failure.aws_message.lower()
        if failure.code not in _SKEW_CODES and not (
                failure.code in ("InvalidSignatureException", "SignatureDoesNotMatch")
                and ("expired" in text or "skew" in text or "in the future" in text)):
            return False
        date = response.headers.get("date")
        if not date:
            return False
        from email.utils import mktime_tz, parsedate_tz  # the error path only

        parsed = parsedate_tz(date)
        if parsed is None:
            return False
        self._skew = mktime_tz(parsed) - self._clock()
        return True

    def _deadline_error(self, operation: str, target: str, last: str) -> DeadlineError:
        where = f" {target}" if target else ""
        last = _one_line(self._mask(last), 200)
        return DeadlineError(
            f"{operation}{where} failed: not done within SSM_ENV_TIMEOUT={self.timeout:g} s "
            f"(last: {last}); raise SSM_ENV_TIMEOUT or check the network path to SSM",
            targets=(target,) if target else (), last=last)

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
            arn = f"arn:{partition(self.region)[0]}:ssm:{self.region}:<account-id>:{resource}"
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
        seen: set[object] = set()
        while True:
            page = self.call("GetParametersByPath", payload, target=path)
            parameters = page.get("Parameters")
            if not isinstance(parameters, list):
                raise EndpointError(f"GetParametersByPath {path} failed: the answer has no "
                                    "Parameters list; check AWS_ENDPOINT_URL_SSM")
            for parameter in parameters:
                _check_parameter(parameter, f"GetParametersByPath {path}")
                self._secrets.append(parameter["Value"])
                yield parameter
            token = page.get("NextToken")
            if not token:
                return
            if token in seen:
                # An endpoint repeating a token would be followed until the deadline (botocore
                # stops the same way).
                raise EndpointError(f"GetParametersByPath {path} failed: the endpoint returned the "
                                    "same NextToken twice; check AWS_ENDPOINT_URL_SSM")
            seen.add(token)
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
            self._secrets.append(parameter["Value"])
        return parameters, [str(name) for name in invalid]
