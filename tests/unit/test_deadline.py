"""``Deadline``: one limit for a whole load, quoted in messages, never handing out zero."""

from __future__ import annotations

import pytest
from scripted import FakeClock


def test_the_deadline_object_quotes_its_limit_and_never_hands_out_zero():
    from ssm_env_wrapper.deadline import Deadline, DeadlineExceeded

    clock = FakeClock()
    deadline = Deadline(2.5, clock=clock.monotonic)
    assert (deadline.limit, deadline.remaining(), deadline.expired) == (2.5, 2.5, False)
    clock.sleep(2.5)
    assert deadline.expired and deadline.left() == 0.0
    with pytest.raises(DeadlineExceeded):
        deadline.remaining()
