# SPDX-License-Identifier: Apache-2.0
"""A minimal SSM client: SigV4-signed JSON calls over one kept-alive HTTP(S) connection.

SSM speaks the ``awsJson1.1`` protocol: ``POST /`` with ``X-Amz-Target: AmazonSSM.<Operation>``
and a JSON body; errors come back as JSON with ``__type`` and ``message``.
"""

from __future__ import annotations

import time

from .endpoint import partition
from .errors import AwsApiError, DeadlineError, EndpointError, SsmEnvError
from .redact import Redactor
from .settings import DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT, user_agent
from .sigv4 import sign
from .transport import DeadlineExceeded, HttpConnection, proxy_for, tls_context

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from .credentials import Credentials
    from .endpoint import Endpoint
    from .transport import HttpResponse

__all__ = ["SsmClient", "MAX_NAMES", "inconsistent_answer", "answer_name"]

_BACKOFF_BASE = 0.1
_BACKOFF_CAP = 2.0

# What botocore's standard retry mode treats as retryable (botocore/retries/standard.py).
_THROTTLE_CODES = frozenset(
    (
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    )
)
_TRANSIENT_CODES = frozenset(
    (
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
    )
)
_TRANSIENT_STATUS = frozenset((500, 502, 503, 504))
# The range of server times a clock-skew correction may adopt: 2000-01-01 to 3000-01-01 (UTC).
_EARLIEST_DATE, _LATEST_DATE = 946_684_800, 32_503_680_000
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
    return _one_line(
        getattr(exc, "strerror", None)
        or getattr(exc, "reason", None)
        or str(exc)
        or type(exc).__name__,
        160,
    )


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

    return html.unescape(text[start + len(tag) + 2 : end])


# Parameter names hold only these characters ("Requirements and constraints for parameter names",
# Parameter Store user guide); a name from an answer with anything else did not come from SSM.
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/")


def answer_name(text: str, limit: int = 120) -> str:
    """A name or key from an answer, safe in a one-line message: control and non-ASCII characters
    escaped (a line break cannot start a forged line), long ones cut."""
    text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def inconsistent_answer(call: str, detail: str) -> EndpointError:
    """The endpoint answered 200 with well-formed JSON that does not fit the request."""
    return EndpointError(
        f"{call} failed: the endpoint's answer is inconsistent: {detail}; check "
        "AWS_ENDPOINT_URL_SSM or the proxy in between"
    )


def _check_parameter(parameter: object, call: str) -> None:
    """A parameter object as the API defines it (SSM API reference, ``Parameter``): the fields
    used here must have their documented JSON types, or the answer is not SSM's."""
    if not isinstance(parameter, dict):
        raise EndpointError(
            f"{call} failed: a parameter in the answer is not an object; check "
            "AWS_ENDPOINT_URL_SSM or the proxy in between"
        )
    for field, kinds in (("Name", str), ("Value", str)):
        if not isinstance(parameter.get(field), kinds):
            raise EndpointError(
                f"{call} failed: a parameter in the answer has no Name or Value "
                f"({field} is {_json_type(parameter.get(field))}); check "
                "AWS_ENDPOINT_URL_SSM or the proxy in between"
            )
    for field in ("Type", "Selector", "ARN"):
        if field in parameter and not isinstance(parameter[field], str):
            raise EndpointError(
                f"{call} failed: a parameter in the answer has a {field} that is "
                f"{_json_type(parameter[field])}, not a string; check "
                "AWS_ENDPOINT_URL_SSM or the proxy in between"
            )
    version = parameter.get("Version")
    if "Version" in parameter and (not isinstance(version, int) or isinstance(version, bool)):
        raise EndpointError(
            f"{call} failed: a parameter in the answer has a Version that is "
            f"{_json_type(version)}, not a number; check AWS_ENDPOINT_URL_SSM or "
            "the proxy in between"
        )


def _json_type(value: object) -> str:
    if value is None:
        return "missing or null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _under(name: str, path: str, recursive: bool) -> bool:
    """Whether ``name`` is one GetParametersByPath may return for ``path``: below it (a direct
    child unless recursive), spelt exactly (names are case-sensitive), no empty segment, no
    trailing slash, only the characters a parameter name may hold."""
    if set(name) - _NAME_CHARS:
        return False
    if path == "/":
        # The root also holds names without a leading slash ("top-level" parameters).
        rest = name[1:] if name.startswith("/") else name
    elif name.startswith(path + "/"):
        rest = name[len(path) + 1 :]
    else:
        return False
    if not rest or rest.startswith("/") or rest.endswith("/") or "//" in rest:
        return False
    return recursive or "/" not in rest


# x-amz-retry-after: milliseconds to wait, a hint an AWS service may send with a retryable error.
# botocore honours it in its updated retry behavior (botocore/retries/standard.py,
# ExponentialBackoff: never shorter than the computed backoff, at most 5 s longer); SSM's API
# reference does not say whether SSM sends it, so it is honoured when present, the same way, and
# never past the deadline (the caller checks the deadline after this).
_RETRY_AFTER_MAX_EXTRA = 5.0


def _retry_after(response: HttpResponse, backoff: float) -> float:
    text = (response.headers.get("x-amz-retry-after") or "").strip()
    if (
        not (text.isascii() and text.isdigit()) or len(text) > 9
    ):  # not a whole number of milliseconds: ignored
        return backoff
    return max(backoff, min(int(text) / 1000.0, backoff + _RETRY_AFTER_MAX_EXTRA))


class SsmClient:
    """Calls SSM's JSON API, retrying what can change, within one deadline. One instance keeps one
    connection to its endpoint alive; use one per thread.

    ``deadline`` is a ``time.monotonic()`` instant shared by every request of one load (default:
    ``timeout`` seconds from now). ``clock`` gives Unix time for the signature and ``sleep``
    waits between attempts: both are arguments so that tests can pin them.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        credentials: Credentials,
        region: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        deadline: float | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        ca_bundle: str | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        trace: Callable[[str], None] | None = None,
        attempts_setting: str = "SSM_ENV_MAX_ATTEMPTS",
    ) -> None:
        self.endpoint = endpoint
        self.region = region
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout if deadline is None else deadline
        self.max_attempts = max(1, max_attempts)
        self._attempts_setting = attempts_setting  # the variable named when attempts run out
        self._user_agent = user_agent(environ)
        self.requests = 0
        self._credentials = credentials
        self._clock = clock
        self._sleep = sleep
        self._trace = trace  # debug lines: one per request, names and timings only
        # What an answer must never repeat back into a message: the credentials' secrets and
        # every value fetched so far (an endpoint could echo a request or an earlier page).
        self._secrets = Redactor(credentials.secrets())
        self._skew = 0.0  # seconds to add to our clock, learnt from a "signature expired" answer
        context = tls_context(ca_bundle, environ) if endpoint.scheme == "https" else None
        self._http = HttpConnection(
            endpoint.host,
            endpoint.port,
            context=context,
            proxy=proxy_for(endpoint.scheme, endpoint.host, environ),
        )

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
        return self._secrets.redact(text)  # any run of 12 characters of a secret (redact.py)

    def _exchange(self, operation: str, body: bytes) -> HttpResponse:
        creds = self._credentials
        headers = sign(
            "POST",
            "/",
            "",
            [
                ("Host", self.endpoint.host_header),
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", f"AmazonSSM.{operation}"),
            ],
            body,
            access_key=creds.access_key,
            secret_key=creds.secret_key,
            token=creds.token,
            region=self.region,
            service="ssm",
            timestamp=self._clock() + self._skew,
        )
        headers.append(("User-Agent", self._user_agent))
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
                    self._trace(
                        f"{operation}{where}: HTTP {response.status} in "
                        f"{(time.monotonic() - began) * 1000:.0f} ms (attempt {attempt})"
                    )
            except DeadlineExceeded as exc:
                raise self._deadline_error(operation, target, "no answer in time") from exc
            except OSError as exc:
                if self._trace:
                    self._trace(
                        f"{operation}{where}: {type(exc).__name__} after "
                        f"{(time.monotonic() - began) * 1000:.0f} ms (attempt {attempt})"
                    )
                if _is_certificate_error(exc):
                    raise EndpointError(
                        f"{operation}{where} failed: the TLS certificate of {self.endpoint.url} "
                        f"is not trusted ({_reason(exc)}); set AWS_CA_BUNDLE to the CA that "
                        "issued it, or check AWS_ENDPOINT_URL_SSM"
                    ) from exc
                failure: SsmEnvError = EndpointError(
                    f"{operation}{where} failed: cannot reach {self.endpoint.url} "
                    f"({self._mask(_reason(exc))}); "
                    "check the network path to SSM (VPC endpoint or NAT) or AWS_ENDPOINT_URL_SSM"
                )
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
                failure.args = (
                    f"{failure} (after {tries}; {self._attempts_setting}={self.max_attempts})",
                )
                raise failure from cause
            delay = _backoff(attempt)
            if cause is None:
                delay = _retry_after(response, delay)
            if time.monotonic() + delay >= self.deadline:
                raise self._deadline_error(operation, target, str(failure)) from cause
            self._sleep(delay)

    def _judge(
        self, operation: str, target: str, response: HttpResponse
    ) -> tuple[dict, SsmEnvError | None, bool]:
        """``(answer, None, _)`` for success, else ``({}, the error, whether to retry)``."""
        import json

        where = f" {target}" if target else ""
        status = response.status
        transient = status in _TRANSIENT_STATUS or status == 429
        try:
            answer = json.loads(response.body.decode("utf-8")) if response.body else {}
        except (ValueError, RecursionError):
            # ValueError: not JSON, not UTF-8, or a number past Python's int-string limit;
            # RecursionError: nested deeper than the parser's recursion limit.
            answer = None
        if not isinstance(answer, dict) and status != 200:
            # An AWS front end that answers in XML (the query protocol's <ErrorResponse>) still
            # names the error: in the x-amzn-ErrorType header or the body's <Code>.
            error_type = response.headers.get("x-amzn-errortype") or _xml_text(
                response.body, "Code"
            )
            if error_type:
                answer = {"__type": error_type, "message": _xml_text(response.body, "Message")}
        if not isinstance(answer, dict):
            kind = "a body that is not JSON" if answer is None else "JSON that is not an object"
            content_type = _one_line(
                self._mask(response.headers.get("content-type") or "") or "no content type", 80
            )
            return (
                {},
                EndpointError(
                    f"{operation}{where} failed: {self.endpoint.url} answered HTTP {status} with "
                    f"{kind} ({content_type}); check AWS_ENDPOINT_URL_SSM or the proxy in between"
                ),
                transient,
            )
        if status == 200:
            return answer, None, False
        code = str(
            answer.get("__type")
            or answer.get("code")
            or response.headers.get("x-amzn-errortype")
            or f"HTTP{status}"
        )
        code = _one_line(self._mask(code.rsplit("#", 1)[-1].split(":", 1)[0]), 100)
        # Masked before it is cut: a secret crossing the cut would otherwise survive in part.
        message = _one_line(
            self._mask(str(answer.get("message") or answer.get("Message") or "no message"))
        )
        retry = transient or code in _THROTTLE_CODES or code in _TRANSIENT_CODES
        fix = self._fix(operation, code, message, target)
        if code in _THROTTLE_CODES:
            fix = (
                "SSM throttled this account's requests: raise SSM_ENV_MAX_ATTEMPTS or "
                "SSM_ENV_TIMEOUT, or load fewer paths (see the README's scaling section)"
            )
        return (
            {},
            AwsApiError(operation, code, message, target=target, status=status, fix=fix),
            retry,
        )

    def _correct_skew(self, failure: SsmEnvError, response: HttpResponse) -> bool:
        """After "signature expired" or "time too skewed", adopt the server's clock (its ``Date``
        header), as botocore does; True when there is something to retry with."""
        if not isinstance(failure, AwsApiError):
            return False
        text = failure.aws_message.lower()
        if failure.code not in _SKEW_CODES and not (
            failure.code in ("InvalidSignatureException", "SignatureDoesNotMatch")
            and ("expired" in text or "skew" in text or "in the future" in text)
        ):
            return False
        date = response.headers.get("date")
        if not date:
            return False
        from email.utils import mktime_tz, parsedate_tz  # the error path only

        parsed = parsedate_tz(date)
        if parsed is None:
            return False
        try:
            server = mktime_tz(parsed)
        except (ValueError, OverflowError):  # a year datetime cannot hold
            return False
        # Only a time a clock could show (2000 to 2999): a hostile Date must not date the
        # signature in another millennium (nor past what the signer can format).
        if not _EARLIEST_DATE <= server < _LATEST_DATE:
            return False
        self._skew = server - self._clock()
        return True

    def _deadline_error(self, operation: str, target: str, last: str) -> DeadlineError:
        where = f" {target}" if target else ""
        last = _one_line(self._mask(last), 200)
        return DeadlineError(
            f"{operation}{where} failed: not done within SSM_ENV_TIMEOUT={self.timeout:g} s "
            f"(last: {last}); raise SSM_ENV_TIMEOUT or check the network path to SSM",
            targets=(target,) if target else (),
            last=last,
        )

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
        call = f"GetParametersByPath {path}"
        tokens: set[str] = set()
        names: set[str] = set()
        while True:
            page = self.call("GetParametersByPath", payload, target=path)
            parameters = page.get("Parameters")
            if not isinstance(parameters, list):
                raise EndpointError(
                    f"{call} failed: the answer has no Parameters list; check AWS_ENDPOINT_URL_SSM"
                )
            if len(parameters) > _MAX_RESULTS:
                raise inconsistent_answer(
                    call,
                    f"a page holds {len(parameters)} parameters, more than "
                    f"the MaxResults={_MAX_RESULTS} asked",
                )
            # The whole page is checked before any of it is used: only what lies under the path
            # may become a variable, and each parameter once (across pages too).
            for parameter in parameters:
                _check_parameter(parameter, call)
                name = parameter["Name"]
                if not _under(name, path, recursive):
                    where = "under" if recursive else "directly under"
                    raise inconsistent_answer(
                        call, f"it holds {answer_name(name)}, which is not {where} {path}"
                    )
                if name in names:
                    raise inconsistent_answer(call, f"it holds {answer_name(name)} twice")
                names.add(name)
                self._secrets.append(parameter["Value"])
            token = page.get("NextToken")
            if token is not None and not isinstance(token, str):
                raise EndpointError(
                    f"{call} failed: the answer's NextToken is "
                    f"{_json_type(token)}, not a string; check AWS_ENDPOINT_URL_SSM "
                    "or the proxy in between"
                )
            yield from parameters
            if not token:
                return
            if token in tokens:
                # An endpoint repeating a token would be followed until the deadline (botocore
                # stops the same way).
                raise EndpointError(
                    f"{call} failed: the endpoint returned the same NextToken "
                    "twice; check AWS_ENDPOINT_URL_SSM"
                )
            tokens.add(token)
            payload["NextToken"] = token

    def get_parameters(self, requested: list[str]) -> tuple[list[dict], list[str]]:
        """Fetch up to 10 names (``name``, ``name:version`` or ``name:label``; Secrets Manager
        references included), SecureStrings decrypted. Returns ``(parameters, invalid names)``."""
        if len(requested) > MAX_NAMES:
            raise ValueError(f"GetParameters takes at most {MAX_NAMES} names")
        # WithDecryption must be true for /aws/reference/secretsmanager/ names (SSM API reference,
        # "Referencing AWS Secrets Manager secrets from Parameter Store parameters").
        answer = self.call(
            "GetParameters",
            {"Names": requested, "WithDecryption": True},
            target=", ".join(requested),
        )
        call = f"GetParameters {', '.join(requested)}"
        parameters = answer.get("Parameters")
        invalid = answer.get("InvalidParameters")
        if not isinstance(parameters, list):
            raise EndpointError(
                f"{call} failed: the answer has no Parameters list; check AWS_ENDPOINT_URL_SSM"
            )
        if invalid is None:
            invalid = []
        if not isinstance(invalid, list) or not all(isinstance(name, str) for name in invalid):
            raise EndpointError(
                f"{call} failed: the answer's InvalidParameters is not a list of "
                "names; check AWS_ENDPOINT_URL_SSM or the proxy in between"
            )
        for parameter in parameters:
            _check_parameter(parameter, call)
            self._secrets.append(parameter["Value"])
        return parameters, invalid
