# SPDX-License-Identifier: Apache-2.0
"""The plain values the network core is given: where to call (``Endpoint``) and everything one
client needs for a load (``ClientConfig``), built once by the entry points from the resolved
settings. Nothing here reads the environment or names a setting."""

from __future__ import annotations

import time

from .values import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable

    from .advice import Advice
    from .deadline import Deadline
    from .keys import Credentials
    from .proxy import Proxy

__all__ = ["Endpoint", "ClientConfig", "Budget", "text_size", "uri_host", "authority"]


def uri_host(host: str) -> str:
    """``host`` as a URI writes it: an IPv6 literal in brackets (RFC 3986 3.2.2)."""
    return f"[{host}]" if ":" in host else host


def authority(host: str, port: int) -> str:
    """``host:port``, an IPv6 literal in brackets (RFC 3986 3.2.2)."""
    return f"{uri_host(host)}:{port}"


class Endpoint(Record):
    """Scheme, host and port of a service endpoint. Immutable."""

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
        default = 443 if self.scheme == "https" else 80
        return uri_host(self.host) if self.port == default else authority(self.host, self.port)

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host_header}"


def text_size(text: str) -> int:
    """``text``'s size in UTF-8 bytes, what execve would be passed (an ASCII string, most values,
    by its length alone: CPython knows it is ASCII without reading it). A lone surrogate, which
    JSON may carry, counts as its three bytes."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


class Budget:
    """What one load has accepted from its endpoints, in bytes (the names and values of every
    source, page and answer, and what else an answer makes it keep), against ``limit``. Shared by
    every client of the load, across threads. Once over, it stays over: each later ``take``
    says so, and a client sends no further request. ``exec_limit`` is the execve figure
    ``limit`` comes from, for the message."""

    __slots__ = ("limit", "exec_limit", "taken", "_lock")

    def __init__(self, limit: int, exec_limit: int = 0) -> None:
        import _thread  # built in, loaded with the interpreter: no import on the cold path

        self.limit = limit
        self.exec_limit = exec_limit or limit
        self.taken = 0
        self._lock = _thread.allocate_lock()

    def __repr__(self) -> str:
        return f"Budget(taken={self.taken}, limit={self.limit})"

    @property
    def over(self) -> bool:
        return self.taken > self.limit

    def take(self, size: int) -> int:
        """Count ``size`` bytes in; returns the total taken, this one included (over ``limit``:
        the load has taken too much; it went over with this one if ``total - size <= limit``)."""
        with self._lock:  # += is a read and a write: two threads could lose one's bytes
            self.taken += size
            return self.taken


class ClientConfig(Record):
    """What one JSON client needs, resolved: where (``endpoint``, ``region``), as whom
    (``credentials``), within what (``deadline``, shared by every request of a load, and
    ``max_attempts`` a call), how (``user_agent``; ``context``, the TLS context, None for the
    system's store; ``proxy``), and who words the fixes (``diagnostics``, an ``advice.Advice``:
    the layer above passes one that names its settings as its user gave them). ``clock`` gives
    Unix time for the signature, ``sleep`` waits between attempts, ``uniform`` draws the jitter
    (tests pass fakes); ``trace`` takes one debug line a request (names and timings only);
    ``budget`` (a ``Budget``, shared by the load's clients) bounds what the answers may make the
    load keep (None: unbounded)."""

    __slots__ = (
        "endpoint",
        "credentials",
        "region",
        "deadline",
        "max_attempts",
        "user_agent",
        "context",
        "proxy",
        "diagnostics",
        "clock",
        "sleep",
        "uniform",
        "trace",
        "budget",
    )
    endpoint: Endpoint
    credentials: Credentials
    region: str
    deadline: Deadline
    max_attempts: int
    user_agent: str
    context: ssl.SSLContext | None
    proxy: Proxy | None
    diagnostics: Advice | None
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    uniform: Callable[[float, float], float] | None
    trace: Callable[[str], None] | None
    budget: Budget | None

    def __init__(
        self,
        endpoint: Endpoint,
        credentials: Credentials,
        region: str,
        *,
        deadline: Deadline,
        max_attempts: int,
        user_agent: str,
        context: ssl.SSLContext | None = None,
        proxy: Proxy | None = None,
        diagnostics: Advice | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        uniform: Callable[[float, float], float] | None = None,
        trace: Callable[[str], None] | None = None,
        budget: Budget | None = None,
    ) -> None:
        self._set(
            endpoint=endpoint,
            credentials=credentials,
            region=region,
            deadline=deadline,
            max_attempts=max_attempts,
            user_agent=user_agent,
            context=context,
            proxy=proxy,
            diagnostics=diagnostics,
            clock=clock,
            sleep=sleep,
            uniform=uniform,
            trace=trace,
            budget=budget,
        )

    __hash__ = None  # type: ignore[assignment]  # holds credentials: never a dictionary key

    def replace(self, **changes: object) -> ClientConfig:
        """The same configuration with ``changes`` (another service's endpoint, proxy, words)."""
        fields: dict = {name: getattr(self, name) for name in self.__slots__}
        fields.update(changes)
        endpoint, credentials, region = (
            fields.pop(k) for k in ("endpoint", "credentials", "region")
        )
        return ClientConfig(endpoint, credentials, region, **fields)
