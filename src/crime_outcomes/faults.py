"""Crash points: named places where a test can kill this process for real.

``CRIME_OUTCOMES_CRASH_AT=<point>`` makes the process SIGKILL itself when it reaches
``<point>``; ``<point>:<ms>`` arms a timer instead, so the kill lands that many
milliseconds later inside whatever runs next (a native insert, the commit, the
checkpoint). Nothing is cleaned up and no handler runs: it is a power cut, which is
what the store's guarantees are tested against (tests/hostile/test_crash_points.py).
Unset, as it always is outside tests, a crash point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
import threading

CRASH_ENV = "CRIME_OUTCOMES_CRASH_AT"


def crash_point(name: str) -> None:
    """Kill the process here (or after the armed delay) if the environment names ``name``."""
    spec = os.environ.get(CRASH_ENV)
    if not spec:
        return
    point, _, delay = spec.partition(":")
    if point != name:
        return
    seconds = float(delay or 0) / 1000
    if seconds <= 0:
        _kill()
    timer = threading.Timer(seconds, _kill)
    timer.daemon = True
    timer.start()


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
