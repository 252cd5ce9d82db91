"""Istanbul calendar dates, and the ranges and buckets of the dashboard's periods.

Every event falls in the bucket of the Europe/Istanbul date on which it happened; weeks start on
Monday, months on the 1st. A week or month query is widened to whole weeks or months.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from paylox import clock
from paylox.values import frozen

TIMEZONE = "Europe/Istanbul"
ISTANBUL = ZoneInfo(TIMEZONE)
#: The longest range a query may cover, in days (after widening).
MAX_RANGE_DAYS = 400


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def istanbul_day(timestamp: str) -> str:
    """The Istanbul date (``YYYY-MM-DD``) of a UTC ISO 8601 timestamp."""
    return clock.parse_iso(timestamp).astimezone(ISTANBUL).date().isoformat()


def today() -> date:
    """Today in Istanbul, by the service clock."""
    return clock.now().astimezone(ISTANBUL).date()


def bucket_start(day: date, period: Period) -> date:
    """The first day of the bucket ``day`` falls in."""
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def bucket_end(day: date, period: Period) -> date:
    """The last day of the bucket ``day`` falls in."""
    if period is Period.WEEK:
        return bucket_start(day, period) + timedelta(days=6)
    if period is Period.MONTH:
        return _month_end(day)
    return day


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@frozen
class DateRange:
    """Both ends inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> DateRange:
        """The range of the same length just before this one."""
        return DateRange(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def buckets(self, period: Period) -> list[date]:
        """The first day of every bucket of the range, in order (the range is whole buckets)."""
        starts, current = [], self.start
        while current <= self.end:
            starts.append(current)
            current = bucket_end(current, period) + timedelta(days=1)
        return starts


def default_start(end: date, period: Period) -> date:
    """The default range ends today: the last 30 days, 12 weeks or 12 months."""
    if period is Period.WEEK:
        return bucket_start(end, period) - timedelta(weeks=11)
    if period is Period.MONTH:
        return _months_before(end, 11)
    return end - timedelta(days=29)


def resolve_range(period: Period, start: date | None, end: date | None) -> DateRange:
    """The range a query covers: defaults filled in, widened to whole weeks or months. Says
    nothing of its length (see :data:`MAX_RANGE_DAYS`)."""
    end = end or (today() if start is None else max(start, today()))
    start = start or default_start(end, period)
    return DateRange(bucket_start(start, period), bucket_end(end, period))
