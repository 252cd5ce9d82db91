"""Reading the dashboard statistics: O(buckets) reads of the day buckets, cached (docs/admin.md).

A read is one Query over the day buckets of the range and of the range before it (for the
users' growth) plus one GetItem of the counters of now, whatever the number of transactions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from paylox import cache, clock
from paylox.config import get_settings
from paylox.errors import InvalidRange, RangeTooLarge
from paylox.statistics import store
from paylox.statistics.calendar import MAX_RANGE_DAYS, TIMEZONE, DateRange, Period, bucket_end, resolve_range
from paylox.statistics.facts import BUCKET_FIELDS

Days = Mapping[str, Mapping[str, int]]


def query_range(period: Period, start: date | None, end: date | None) -> DateRange:
    """The range a query covers (defaults, widening); refuses one that is reversed or too long."""
    if start is not None and end is not None and start > end:
        raise InvalidRange(start=start.isoformat(), end=end.isoformat())
    covered = resolve_range(period, start, end)
    if covered.days > MAX_RANGE_DAYS:
        raise RangeTooLarge(days=covered.days, max_days=MAX_RANGE_DAYS)
    return covered


def dashboard_stats(period: Period, start: date | None, end: date | None) -> dict[str, Any]:
    """The statistics of the range, as the API answers them: from the cache when computed in the
    last ``STATS_CACHE_SECONDS`` for the same (period, from, to), for every member of staff."""
    covered = query_range(period, start, end)
    key = f"dashboard-stats:v1:{period.value}:{covered.start.isoformat()}:{covered.end.isoformat()}"
    return cache.get_or_compute(key, get_settings().stats_cache_seconds, lambda: compute(period, covered))


def compute(period: Period, covered: DateRange) -> dict[str, Any]:
    """The statistics of ``covered``, read from the buckets now."""
    previous = covered.previous()
    days = store.read_days(previous.start.isoformat(), covered.end.isoformat())
    now = store.read_totals()
    series = [
        {"bucket_start": first.isoformat(), **_bucket(_sum(days, first, min(bucket_end(first, period), covered.end)))}
        for first in covered.buckets(period)
    ]
    new_users = _sum(days, covered.start, covered.end)["new_users"]
    before = _sum(days, previous.start, previous.end)["new_users"]
    return {
        "period": period.value,
        "from": covered.start.isoformat(),
        "to": covered.end.isoformat(),
        "timezone": TIMEZONE,
        "generated_at": clock.now_iso(),
        "totals": _bucket(_sum(days, covered.start, covered.end)),
        "series": series,
        "active_disputes": now["active_disputes"],
        "users_total": now["users_total"],
        "user_growth": {
            "new_users": new_users,
            "previous_new_users": before,
            "growth_rate": _ratio(new_users - before, before),
        },
    }


def _dates(first: date, last: date) -> Iterable[str]:
    return ((first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1))


def _sum(days: Days, first: date, last: date) -> Counter[str]:
    total: Counter[str] = Counter()
    for day in _dates(first, last):
        total.update(days.get(day, {}))
    return total


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _bucket(counts: Counter[str]) -> dict[str, Any]:
    """The shown fields of summed counters, with the rates (not rounded; null for 0/0)."""
    funded, failed = counts["transactions_funded"], counts["payments_failed"]
    completed = counts["transactions_completed"]
    ended = completed + counts["transactions_refunded"] + counts["transactions_cancelled"]
    average_ms = _ratio(counts["completion_ms"], completed)
    return {
        **{name: int(counts[name]) for name in BUCKET_FIELDS},
        "payment_success_rate": _ratio(funded, funded + failed),
        "completion_rate": _ratio(completed, ended),
        "avg_completion_seconds": None if average_ms is None else average_ms / 1000,
    }
