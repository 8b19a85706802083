"""Independent requests in flight at once: a cold start that loads 50 names (5 GetParameters
batches) sends all five together, each on its own connection, instead of four and then one; and
no load opens more connections than the cap. Counted at the fake endpoint over real sockets
(tests/fake_ssm.py), never timed: the endpoint holds each request until the expected number are
in flight at once, or a while has passed, and records the most it saw together."""

from __future__ import annotations

import math
import threading

import pytest
from conftest import assert_no_secrets, run_show_env
from fake_ssm import FakeSsm, SsmModel, send

HOLD = 3.0  # seconds a request waits for the others: below SSM_ENV_TIMEOUT's 5
CAP = 8  # the loader's _MAX_PARALLEL


class InFlight:
    """A step that answers from ``model`` once ``want`` requests are at the endpoint together
    (or, once, HOLD seconds have passed), counting the most in flight at once and the connections."""

    def __init__(self, model: SsmModel, want: int) -> None:
        self.model, self.want = model, want
        self.now = self.most = 0
        self.peers: set[tuple[str, int]] = set()
        self.released = False  # once a wait ran out, nobody waits again (the load's deadline)
        self._cond = threading.Condition()

    def __call__(self, handler, request) -> None:  # type: ignore[no-untyped-def]
        with self._cond:
            self.now += 1
            self.most = max(self.most, self.now)
            self.peers.add(handler.client_address)
            self._cond.notify_all()
            if not self._cond.wait_for(
                lambda: self.released or self.most >= self.want, timeout=HOLD
            ):
                self.released = True
                self._cond.notify_all()
        try:
            status, body = self.model.answer(request)
            send(handler, status, body, {"Content-Type": "application/x-amz-json-1.1"})
        finally:
            with self._cond:
                self.now -= 1


@pytest.mark.parametrize("count", [50, 120])
def test_independent_batches_are_in_flight_together_up_to_the_cap(env, wrapper, count):
    model = SsmModel()
    for i in range(count):
        model.put(f"/par/VAR_{i:03d}", f"value-{i:03d}")
    batches = math.ceil(count / 10)  # GetParameters takes at most 10 names a call
    step = InFlight(model, min(batches, CAP))
    names = ",".join(f"/par/VAR_{i:03d}" for i in range(count))
    with FakeSsm([step]) as fake:
        proc, report = run_show_env(
            wrapper, dict(env, AWS_ENDPOINT_URL_SSM=fake.url, SSM_ENV_NAMES=names)
        )
        asked = len(fake.requests)
    assert_no_secrets(proc)
    assert proc.returncode == 0, proc.stderr
    assert report["env"]["VAR_000"] == "value-000"
    assert report["env"][f"VAR_{count - 1:03d}"] == f"value-{count - 1:03d}"
    assert asked == batches
    # 50 names: all five batches at once, on five connections; 120: the cap, eight.
    assert step.most == min(batches, CAP)
    assert len(step.peers) == min(batches, CAP)
