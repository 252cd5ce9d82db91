"""The dev stack's clock: the real time plus an offset that only moves forward.

``POST /_dev/clock`` advances it so that expiry, escalation and schedules can be exercised without
waiting. :func:`install` makes :mod:`paylox.clock` read it; the dev stack calls it at start,
``paylox invoke`` before it runs a function, and the test tiers (which run the handlers as the dev
stack does) once per session. In AWS nothing installs it: ``paylox.clock.now()`` is the real time.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from paylox import clock

_lock = threading.Lock()
_offset = timedelta(0)


def now() -> datetime:
    """The real time shifted by the offset."""
    return clock.real_time() + _offset


def install(offset_seconds: float = 0.0) -> None:
    """Make every handler in this process read this clock, starting ``offset_seconds`` ahead."""
    reset()
    advance(offset_seconds)
    clock.use(now)


def advance(seconds: float) -> None:
    """Move the clock forward by ``seconds``."""
    global _offset
    if seconds < 0:
        raise ValueError("the clock only moves forward")
    with _lock:
        _offset += timedelta(seconds=seconds)


def reset() -> None:
    """Back to the real time (a new dev stack run, the next test)."""
    global _offset
    with _lock:
        _offset = timedelta(0)


def offset_seconds() -> float:
    return _offset.total_seconds()
