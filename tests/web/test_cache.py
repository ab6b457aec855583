"""The explorer's view cache computes each view once, however many requests ask for it at the same time."""

from __future__ import annotations

import threading
import time

import pytest

from crime_outcomes.web.explorer import LRUCache


def test_concurrent_requests_for_one_new_view_compute_it_once() -> None:
    cache = LRUCache(8)
    calls: list[int] = []
    start = threading.Barrier(8)

    def compute() -> str:
        calls.append(1)
        time.sleep(0.2)  # long enough for every thread to arrive while it is being computed
        return "drawn"

    results: list[str] = []

    def ask() -> None:
        start.wait()
        results.append(cache.get_or_compute(("charts", "Kent"), compute))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert results == ["drawn"] * 8
    assert len(calls) == 1


def test_a_failure_reaches_every_waiter_and_is_not_cached() -> None:
    cache = LRUCache(8)
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def compute() -> str:
        time.sleep(0.2)
        raise ValueError("no such view")

    def ask() -> None:
        start.wait()
        try:
            cache.get_or_compute("k", compute)
        except ValueError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(errors) == 4
    assert cache.get_or_compute("k", lambda: "now it works") == "now it works"


def test_least_recently_used_goes_first() -> None:
    cache = LRUCache(2)
    cache.get_or_compute("a", lambda: 1)
    cache.get_or_compute("b", lambda: 2)
    cache.get_or_compute("a", lambda: pytest.fail("a is cached"))
    cache.get_or_compute("c", lambda: 3)  # evicts b, the least recently used
    assert cache.get_or_compute("b", lambda: 20) == 20
