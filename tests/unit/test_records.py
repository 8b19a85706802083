"""records: the load's budget (what it may accept from its endpoints) and the size it counts."""

from __future__ import annotations

import threading

from ssm_env_wrapper.records import Budget, text_size


def test_text_size_is_the_utf8_bytes_execve_would_be_passed():
    assert text_size("") == 0
    assert text_size("plain-ascii") == 11
    assert text_size("é") == 2 and text_size("€") == 3 and text_size("😀") == 4
    assert text_size("\ud800") == 3  # a lone surrogate, which JSON may carry


def test_the_budget_counts_every_take_and_stays_over_once_over():
    budget = Budget(100, 64)
    assert (budget.limit, budget.exec_limit, budget.taken, budget.over) == (100, 64, 0, False)
    assert budget.take(60) == 60 and budget.take(40) == 100 and not budget.over  # at: not over
    assert budget.take(1) == 101 and budget.over
    assert budget.take(0) == 101 and budget.over  # an empty page after it: still over
    assert Budget(7).exec_limit == 7
    assert repr(budget) == "Budget(taken=101, limit=100)"


def test_takes_from_parallel_threads_are_all_counted():
    budget = Budget(10**9)
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        for _ in range(20_000):
            budget.take(3)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert budget.taken == 8 * 20_000 * 3


def test_exactly_one_parallel_take_goes_over_first():
    budget = Budget(1000)
    totals: list[int] = []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        for _ in range(50):
            totals.append(budget.take(7))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each take sees its own total: one of them is the one that went over.
    assert sorted(totals) == list(range(7, 8 * 50 * 7 + 1, 7))
    assert len([t for t in totals if t > 1000 and t - 7 <= 1000]) == 1
