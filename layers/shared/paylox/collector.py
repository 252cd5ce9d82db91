"""Python's cyclic garbage collector, held back while a function starts.

A cold start imports some 50 000 objects that live as long as the execution environment (modules,
classes, pydantic's and botocore's tables). The collector counts allocations, not garbage: it ran
about 40 times during a route's imports, scanning those objects again each time, for about 20 ms
of CPU (a tenth of the floor, ``make bench``) and almost nothing to free, since imports make little
cyclic garbage.

:func:`pause` (run by ``paylox/__init__.py``, so before the imports of any function) raises the
allocation count that starts a collection; :func:`settle` (run after each function's first event
by its entry point, ``paylox.observability.entry_point``) restores Python's thresholds and moves
what the start made to the permanent generation (``gc.freeze``), so later collections, in warm
invocations, scan only what invocations make.
"""

from __future__ import annotations

import gc

#: Allocations (net of frees) between young-generation collections while a function starts: more
#: than a route's imports and first request make (107 000 to 119 000 measured).
START_THRESHOLD = 200_000

_paused_from: list[tuple[int, int, int]] = []  # Python's thresholds while paused


def pause() -> None:
    """Hold collections back until :func:`settle` (once per process; later calls do nothing)."""
    if not _paused_from and gc.get_threshold()[0] < START_THRESHOLD:
        _paused_from.append(gc.get_threshold())
        gc.set_threshold(START_THRESHOLD, *_paused_from[0][1:])


def settle() -> None:
    """The start is over: Python's thresholds again, and what the start made frozen out of later
    collections. Only the first call after :func:`pause` does anything."""
    if _paused_from:
        gc.freeze()
        gc.set_threshold(*_paused_from.pop())
