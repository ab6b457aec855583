"""serve's heap policy: what a warm-up built is frozen out of the collector, and a replaced edition's cycles are still freed."""

from __future__ import annotations

import gc
import weakref

from crime_outcomes.cli.serve import settle_heap


class _Cached:
    """Stands for an edition's cached views: objects that refer to each other (a cycle)."""

    def __init__(self) -> None:
        self.me = self


def test_settling_freezes_the_heap_and_frees_a_replaced_editions_cycles() -> None:
    try:
        old = _Cached()
        gone = weakref.ref(old)
        settle_heap()  # the first edition's warm-up: its objects are frozen
        assert gc.get_freeze_count() > 0
        del old  # the edition is replaced: only its cycle keeps it alive
        gc.collect()
        assert gone() is not None  # frozen objects are out of the collector's reach...
        settle_heap()  # ...until the next warm-up settles the heap again
        assert gone() is None
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
