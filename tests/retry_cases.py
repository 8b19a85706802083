"""What the retry and deadline tests share: a fake clock and the throttling answer."""

from __future__ import annotations

from fake_ssm import aws_error

THROTTLED = aws_error("ThrottlingException", "Rate exceeded")


# ------------------------------------------------------------------ retries and deadlines, instantly
class FakeClock:
    """Monotonic time that moves only when the client sleeps: backoff tests take no time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
