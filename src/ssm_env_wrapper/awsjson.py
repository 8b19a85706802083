# SPDX-License-Identifier: Apache-2.0
"""A SigV4-signed client for AWS's JSON protocols (``awsJson1.0``/``awsJson1.1``), over one
kept-alive connection, within one deadline: the machinery every JSON service shares.

The protocol: ``POST /`` with ``X-Amz-Target: <prefix>.<Operation>``, a JSON body and
``Content-Type: application/x-amz-json-1.1``; errors come back as JSON with ``__type`` and
``message`` (or, from some front ends, as XML or an ``x-amzn-ErrorType`` header). A service is
three words: its SigV4 signing name, its target prefix and the name messages call it by::

    JsonClient(config, service="secretsmanager", target_prefix="secretsmanager",
               title="Secrets Manager")
    .call("GetSecretValue", {"SecretId": "prod/db"}, targets=("prod/db",))

``config`` is one ``records.ClientConfig``, built by the entry points from the resolved settings.
``call`` returns the decoded answer or raises one structured error (AwsApiError, EndpointError,
DeadlineError) carrying the operation, the AWS code, the targets, the attempts made and, as its
``__cause__``, the last low-level failure. The fixes in messages come from the config's
``advice.Advice``; retry decisions from ``retry``; bytes from ``transport``. A subclass
(``ssm.SsmClient``) adds operations on top.
"""

from __future__ import annotations

import time

from .advice import Advice, reason_of
from .deadline import DeadlineExceeded
from .errors import AwsApiError, DeadlineError, EndpointError, LoadSizeError
from .retry import (
    CERTIFICATE_NOT_TRUSTED,
    NAME_NOT_FOUND,
    TLS_PROTOCOL,
    backoff,
    connection_condition,
    is_clock_skew,
    is_retryable,
    is_retryable_connection,
    is_throttling,
    is_transient_status,
    retry_after,
    server_time,
)
from .sigv4 import sign
from .transport import HttpConnection

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .records import ClientConfig
    from .transport import HttpResponse

__all__ = ["JsonClient", "inconsistent_answer", "json_type"]


def inconsistent_answer(call: str, detail: str, fix: str = "") -> EndpointError:
    """The endpoint answered 200 with well-formed JSON that does not fit the request; ``fix``
    (``Advice.endpoint_fix``) says what to check."""
    return EndpointError(
        f"{call} failed: the endpoint's answer is inconsistent: {detail}"
        + (f"; {fix}" if fix else "")
    )


def json_type(value: object) -> str:
    """What a JSON value is, in words for a message (never the value itself)."""
    if value is None:
        return "missing or null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _not_a_json_constant(text: str) -> object:
    raise ValueError(f"{text} is not JSON")


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _xml_text(body: bytes, tag: str) -> str:
    """The text of the first ``<tag>`` in an XML error body, or ``""``."""
    text = body.decode("utf-8", "replace")
    start = text.find(f"<{tag}>")
    end = text.find(f"</{tag}>", start)
    if start < 0 or end < 0:
        return ""
    import html  # the error path only

    return html.unescape(text[start + len(tag) + 2 : end])


# An answer holds a few hundred JSON values, each 30 to 100 bytes decoded: 4 MiB of "[],"
# would cost 100 MiB of the smallest Lambda's 128.
_VALUE_COUNT_LIMIT = 100_000
_TOO_MANY = object()


def _values(body: bytes) -> int:
    """About how many JSON values ``body`` holds: a string, or a ``,``, ``[`` or ``{`` outside
    one. Strings are walked only past the limit, and no more of them than the limit."""
    count = body.count(b",") + body.count(b"[") + body.count(b"{")
    if count <= _VALUE_COUNT_LIMIT:
        return count
    import re  # json imported it

    # A string left open runs to the end: no match fails and backtracks (linear).
    strings = re.finditer(rb'(?s)"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', body)
    for number, string in enumerate(strings, 1):
        if number > _VALUE_COUNT_LIMIT:
            return number
        start, end = string.span()
        count -= sum(body.count(char, start, end) for char in (b",", b"[", b"{"))
    return count


def _decode(response: HttpResponse) -> object:
    """The body as JSON (None when it is not JSON, ``_TOO_MANY`` past the value count); an
    error in XML or named only by its header becomes ``{"__type", "message"}``."""
    import json

    answer: object
    too_many = _values(response.body) > _VALUE_COUNT_LIMIT
    try:
        if too_many:
            raise ValueError("too many values")
        # NaN, Infinity and -Infinity are not JSON (RFC 8259 section 6): json takes them.
        answer = (
            json.loads(response.body.decode("utf-8"), parse_constant=_not_a_json_constant)
            if response.body
            else {}
        )
    except (ValueError, RecursionError):
        # ValueError: not JSON, not UTF-8, or a number past Python's int-string limit;
        # RecursionError: nested deeper than the parser's recursion limit.
        answer = None
    if not isinstance(answer, dict) and response.status != 200:
        # An AWS front end that answers in XML (the query protocol's <ErrorResponse>) still
        # names the error: in the x-amzn-ErrorType header or the body's <Code>.
        error_type = response.headers.get("x-amzn-errortype") or _xml_text(response.body, "Code")
        if error_type:
            answer = {"__type": error_type, "message": _xml_text(response.body, "Message")}
    return _TOO_MANY if too_many and answer is None else answer


class _Failure:
    """One failed attempt, classified: what went wrong (``text``, the message without its fix and
    the attempts note), the ``fix``, whether another attempt may help, and what to raise if none
    follows."""

    __slots__ = ("text", "fix", "retryable", "headers", "cause", "api", "skew")

    def __init__(
        self,
        text: str,
        *,
        retryable: bool,
        fix: str = "",
        headers: dict[str, str] | None = None,
        cause: BaseException | None = None,
        api: tuple[str, str, int, str] | None = None,  # (code, message, status, fix)
        skew: float | None = None,
    ) -> None:
        self.text = text
        self.fix = fix
        self.retryable = retryable
        self.headers = headers or {}
        self.cause = cause
        self.api = api
        self.skew = skew  # seconds our clock is behind the server's, when the answer says so


class JsonClient:
    """Calls one AWS JSON service, retrying what can change, within one deadline. One instance
    keeps one connection alive; use one per thread. Everything it needs is in ``config``
    (``records.ClientConfig``); ``service``, ``target_prefix`` and ``title`` name the service
    when no subclass does."""

    #: The SigV4 signing name, the X-Amz-Target prefix, the name messages use, the JSON version.
    service = ""
    target_prefix = ""
    title = ""
    json_version = "1.1"

    def __init__(
        self,
        config: ClientConfig,
        *,
        service: str | None = None,
        target_prefix: str | None = None,
        title: str | None = None,
    ) -> None:
        self.config = config
        self.endpoint = config.endpoint
        self.region = config.region
        self.deadline = config.deadline
        self.max_attempts = max(1, config.max_attempts)
        self.service = service or self.service
        self.target_prefix = target_prefix or self.target_prefix
        self.title = title or self.title or self.service
        self.diagnostics = config.diagnostics or Advice()
        # What an answer must never repeat back into a message: the credentials' secrets (and,
        # through the subclass, every value fetched): one redactor for the load, the log's too.
        self.diagnostics.secrets.extend(config.credentials.secrets())
        self.requests = 0
        self.retries = 0  #: attempts after a call's first (backoff retries and the skew retry)
        self.throttled = 0  #: answers that said throttled (a throttling code, or HTTP 429)
        self._skew = 0.0  # seconds to add to our clock, learnt from a "signature expired" answer
        context = config.context
        if context is None and self.endpoint.scheme == "https":
            from .trust import Trust, tls_context

            context = tls_context(Trust())  # the system's store
        proxy = config.proxy
        self._proxy_setting = proxy.setting if proxy else ""
        self._http = HttpConnection(
            self.endpoint.host, self.endpoint.port, context=context, proxy=proxy
        )

    def __enter__(self) -> JsonClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.endpoint.url!r}, region={self.region!r})"

    @property
    def connections(self) -> int:
        """How many connections this client opened (1 while the endpoint keeps it alive)."""
        return self._http.connects

    def close(self) -> None:
        """Close the kept-alive connection, if any."""
        self._http.close()

    # -- one call

    def call(
        self, operation: str, payload: dict[str, object], *, targets: tuple[str, ...] = ()
    ) -> dict:
        """Call ``operation`` with ``payload``; return the decoded JSON answer.

        Throttling, transient statuses and codes, broken connections are retried with exponential
        backoff and full jitter, up to ``max_attempts`` and never past the deadline; a clock-skew
        answer is corrected by the response's ``Date`` and retried once, without using up an
        attempt. Raises AwsApiError for an error the API returns, EndpointError when the endpoint
        cannot be reached or does not answer like the API, DeadlineError when time runs out.
        ``targets`` (paths, names, ids) go into messages."""
        import json

        budget = self.config.budget
        if budget is not None and budget.over:  # the load has taken all it may: no more requests
            raise self._too_large(operation, targets, first=False)
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        skew_corrected = False
        for attempt in range(1, self.max_attempts + 1):  # the last one returns or raises
            outcome = self._attempt(operation, body, targets, attempt)
            if not skew_corrected and isinstance(outcome, _Failure) and outcome.skew is not None:
                # Clock skew, handled once a call: the corrected retry uses up no attempt.
                skew_corrected = True
                self._skew = outcome.skew
                self.retries += 1
                outcome = self._attempt(operation, body, targets, attempt)
            if not isinstance(outcome, _Failure):
                return outcome
            if not outcome.retryable or attempt >= self.max_attempts:
                raise self._error(operation, targets, outcome, attempt) from outcome.cause
            delay = retry_after(outcome.headers, backoff(attempt, self.config.uniform))
            if not self.deadline.allows(delay):
                raise self._late(operation, targets, outcome.text, attempt) from outcome.cause
            self.config.sleep(delay)
            self.retries += 1
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _attempt(
        self, operation: str, body: bytes, targets: tuple[str, ...], attempt: int
    ) -> dict | _Failure:
        where = f"{operation} {', '.join(targets)}".rstrip()
        began = time.monotonic()
        try:
            response = self._exchange(operation, body)
        except DeadlineExceeded as exc:
            raise self._late(operation, targets, "no answer in time", attempt) from exc
        except OSError as exc:
            return self._no_answer(where, exc, began, attempt)
        self._note(f"{where}: HTTP {response.status}", began, attempt)
        return self._classify(operation, targets, response)

    def _no_answer(self, where: str, exc: OSError, began: float, attempt: int) -> _Failure:
        """A request that got no answer, by its named condition (retry.connection_condition):
        what another attempt cannot change fails now, with its own fix."""
        condition = connection_condition(exc)
        url, words = self.endpoint.url, self.diagnostics
        reason = words.quote(reason_of(exc), 160)
        self._note(f"{where}: {condition}", began, attempt)
        if condition == CERTIFICATE_NOT_TRUSTED:
            text = f"{where} failed: the TLS certificate of {url} is not trusted ({reason})"
            fix = words.certificate_fix()
        elif condition == TLS_PROTOCOL:
            text = f"{where} failed: the TLS handshake with {url} failed ({reason})"
            fix = words.tls_fix()
        elif condition == NAME_NOT_FOUND:
            text = f"{where} failed: the host name {self.endpoint.host} does not exist ({reason})"
            fix = words.name_fix()
        else:
            text = f"{where} failed: cannot reach {url} ({reason})"
            fix = words.unreachable_fix(self.title, self._proxy_setting)
        return _Failure(text, fix=fix, retryable=is_retryable_connection(exc), cause=exc)

    def _note(self, what: str, began: float, attempt: int) -> None:
        if self.config.trace:
            elapsed = (time.monotonic() - began) * 1000
            self.config.trace(f"{what} in {elapsed:.0f} ms (attempt {attempt})")

    def _exchange(self, operation: str, body: bytes) -> HttpResponse:
        creds = self.config.credentials
        headers = sign(
            "POST",
            "/",
            "",
            [
                ("Host", self.endpoint.host_header),
                ("Content-Type", f"application/x-amz-json-{self.json_version}"),
                ("X-Amz-Target", f"{self.target_prefix}.{operation}"),
            ],
            body,
            access_key=creds.access_key,
            secret_key=creds.secret_key,
            token=creds.token,
            region=self.region,
            service=self.service,
            timestamp=self.config.clock() + self._skew,
        )
        headers.append(("User-Agent", self.config.user_agent))
        self.requests += 1
        return self._http.request("POST", "/", headers, body, self.deadline)

    def _classify(
        self, operation: str, targets: tuple[str, ...], response: HttpResponse
    ) -> dict | _Failure:
        """The answer when it is a success, else the failure it describes."""
        where = f"{operation} {', '.join(targets)}".rstrip()
        status = response.status
        answer = _decode(response)
        if not isinstance(answer, dict):
            self.throttled += status == 429  # Too Many Requests (RFC 6585) without an AWS code
            kind = "a body that is not JSON" if answer is None else "JSON that is not an object"
            if answer is _TOO_MANY:
                kind = f"JSON of over {_VALUE_COUNT_LIMIT} values"
            content_type = (
                self.diagnostics.quote(response.headers.get("content-type") or "", 80)
                or "no content type"
            )
            return _Failure(
                f"{where} failed: {self.endpoint.url} answered HTTP {status} with {kind} "
                f"({content_type})",
                fix=self.diagnostics.endpoint_fix(),
                retryable=is_transient_status(status),
                headers=response.headers,
            )
        if status == 200:
            return answer
        # Only strings are read as a code or a message: another JSON type is no code, no
        # message (never its Python repr, which may quote a value).
        code = str(
            _text(answer.get("__type"))
            or _text(answer.get("code"))
            or response.headers.get("x-amzn-errortype")
            or f"HTTP{status}"
        )
        code = self.diagnostics.quote(code.rsplit("#", 1)[-1].split(":", 1)[0], 100)
        # Masked, then cut (Advice.quote): a secret crossing the cut never survives in part.
        message = self.diagnostics.quote(
            _text(answer.get("message")) or _text(answer.get("Message")) or "no message"
        )
        if is_throttling(code) or status == 429:
            self.throttled += 1
        if is_throttling(code):
            fix = self.diagnostics.throttled_fix(self.title)
        else:
            fix = self.fix_for(operation, code, message, targets)
        skew = None
        if is_clock_skew(code, message):
            server = server_time(response.headers)
            skew = None if server is None else server - self.config.clock()
        return _Failure(
            f"{where} failed ({code}): {message}",
            fix=fix,
            retryable=is_retryable(status, code),
            headers=response.headers,
            api=(code, message, status, fix),
            skew=skew,
        )

    def fix_for(self, operation: str, code: str, message: str, targets: tuple[str, ...]) -> str:
        """What to do about an AWS error ``code`` (a service adds its own, e.g. the IAM action)."""
        return self.diagnostics.api_fix(code)

    def accept(self, operation: str, targets: tuple[str, ...], size: int) -> None:
        """Count ``size`` bytes an answer makes the load keep (names, values) into the load's
        budget (``config.budget``); past it, raise LoadSizeError: an endpoint answering page
        after page (or a load of too much) stops here instead of holding more until the
        deadline."""
        budget = self.config.budget
        if budget is None:
            return
        taken = budget.take(size)
        if taken > budget.limit:
            raise self._too_large(operation, targets, first=taken - size <= budget.limit)

    def _too_large(self, operation: str, targets: tuple[str, ...], first: bool) -> LoadSizeError:
        budget = self.config.budget
        assert budget is not None
        where = f"{operation} {', '.join(targets)}".rstrip()
        return LoadSizeError(
            self.diagnostics.too_large(where, budget.limit, budget.exec_limit),
            operation=operation,
            targets=targets,
            taken=budget.taken,
            limit=budget.limit,
            first=first,
        )

    def next_token(self, page: dict, seen: set[int], call: str) -> str | None:
        """The page's ``NextToken``, None after the last page. One that is not a string, or one
        already followed, is an error: an endpoint repeating a token would be followed until the
        deadline (botocore's paginator stops the same way). ``seen`` keeps each token's hash, not
        the token: an endpoint chooses a token's size (up to a whole body) and sends a fresh one
        with every page, even an empty one, which counts against no budget. Two different
        tokens sharing a 64-bit hash would stop a load: under 1 in 10**11 for 10,000 pages."""
        token = page.get("NextToken")
        fix = self.diagnostics.endpoint_fix()
        if token is not None and not isinstance(token, str):
            raise EndpointError(
                f"{call} failed: the answer's NextToken is {json_type(token)}, not a string; {fix}"
            )
        if not token:
            return None
        key = hash(token)
        if key in seen:
            raise EndpointError(
                f"{call} failed: the endpoint returned the same NextToken twice; {fix}"
            )
        seen.add(key)
        return token

    # -- what is raised

    def _error(
        self, operation: str, targets: tuple[str, ...], failure: _Failure, attempts: int
    ) -> AwsApiError | EndpointError:
        note = ""
        if failure.retryable:  # attempts ran out on something that might have passed
            note = self.diagnostics.attempts_note(attempts, self.max_attempts)
        if failure.api is not None:
            code, message, status, fix = failure.api
            return AwsApiError(
                operation,
                code,
                message,
                targets=targets,
                status=status,
                fix=fix,
                attempts=attempts,
                note=note,
            )
        fix = f"; {failure.fix}" if failure.fix else ""
        return EndpointError(
            failure.text + fix + note, operation=operation, targets=targets, attempts=attempts
        )

    def _late(
        self, operation: str, targets: tuple[str, ...], last: str, attempts: int
    ) -> DeadlineError:
        # The deadline's own fix ends the message: the last failure is quoted without its fix.
        last = self.diagnostics.quote(last, 200)
        where = f"{operation} {', '.join(targets)}".rstrip()
        return DeadlineError(
            self.diagnostics.call_deadline(where, self.deadline.limit, last, self.title),
            operation=operation,
            targets=targets,
            last=last,
            attempts=attempts,
        )
