"""The one clock of the system.

Every timestamp comes from :func:`now`. In AWS the offset is always zero; the dev stack moves it
forward (``POST /_dev/clock``) so that expiry, escalation and schedules can be exercised without
waiting. Expiry checks must use this clock, never ``datetime.now`` or ``time.time``.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

_lock = threading.Lock()
_offset = timedelta(0)


def now() -> datetime:
    """Current time, timezone-aware UTC, shifted by the development offset (zero in AWS)."""
    return datetime.now(UTC) + _offset


def timestamp() -> int:
    """Current time in whole Unix seconds (for DynamoDB TTL attributes and signatures)."""
    return int(now().timestamp())


def isoformat(moment: datetime) -> str:
    """UTC ISO 8601 with millisecond precision and a ``Z`` suffix: sortable as a string."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return isoformat(now())


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def offset_seconds() -> float:
    return _offset.total_seconds()


def advance(seconds: float) -> None:
    """Move the clock forward (development only: the dev stack's ``/_dev/clock``)."""
    global _offset
    if seconds < 0:
        raise ValueError("the clock only moves forward")
    with _lock:
        _offset += timedelta(seconds=seconds)


def reset() -> None:
    """Back to real time (tests)."""
    global _offset
    with _lock:
        _offset = timedelta(0)
