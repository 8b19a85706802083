# SPDX-License-Identifier: Apache-2.0
"""One deadline for a whole load, on a clock that can be injected.

Every step that waits (DNS, connect, TLS handshake, each read, each backoff) asks the same
``Deadline`` how long is left, so the sum of them cannot run past it; tests give it a fake clock
and run instantly. (urllib3's ``util/timeout.py`` is the model: a timeout object that knows its
start and hands out what remains.)
"""

from __future__ import annotations

import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Deadline", "DeadlineExceeded"]


class DeadlineExceeded(TimeoutError):
    """The deadline passed while waiting (for the peer, the resolver or a backoff)."""


class Deadline:
    """``limit`` seconds from the moment it is made, on ``clock`` (default ``time.monotonic``).

    ``remaining()`` is what is left (raising DeadlineExceeded at or past the end: a socket timeout
    of 0 would mean non-blocking, not "no time"); ``expired`` says whether time is up;
    ``limit`` is the number to quote in a message."""

    __slots__ = ("limit", "end", "clock")

    def __init__(self, limit: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = float(limit)
        self.clock = clock
        self.end = clock() + self.limit

    def __repr__(self) -> str:
        return f"Deadline(limit={self.limit:g}, left={self.end - self.clock():.3f})"

    def left(self) -> float:
        """Seconds left, 0 when time is up (never raises)."""
        return max(0.0, self.end - self.clock())

    def remaining(self) -> float:
        """Seconds left; DeadlineExceeded when there are none."""
        left = self.end - self.clock()
        if left <= 0:
            raise DeadlineExceeded("the deadline passed")
        return left

    @property
    def expired(self) -> bool:
        return self.end - self.clock() <= 0

    def allows(self, delay: float) -> bool:
        """Whether waiting ``delay`` seconds still leaves time for another attempt."""
        return self.clock() + delay < self.end
