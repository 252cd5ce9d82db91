"""The one clock of the system.

Every timestamp comes from :func:`now`, which is the real time. Only the dev stack changes that:
at start it installs its movable clock (:func:`use`, called by ``devstack.dev_clock.install``) so
that ``POST /_dev/clock`` can exercise expiry, escalation and schedules without waiting. Nothing in
AWS calls :func:`use`. Expiry checks must use this clock, never ``datetime.now`` or ``time.time``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def real_time() -> datetime:
    """The real time, timezone-aware UTC."""
    return datetime.now(UTC)


_source: Callable[[], datetime] = real_time


def now() -> datetime:
    """Current time, timezone-aware UTC (the real time unless the dev stack installed its clock)."""
    return _source()


def use(source: Callable[[], datetime]) -> None:
    """Read the time from ``source`` from now on: the dev stack's movable clock, never in AWS."""
    global _source
    _source = source


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
