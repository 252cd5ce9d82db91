"""EventBridge Scheduler expressions: ``rate(...)``, ``cron(...)`` and ``at(...)``, evaluated
against paylox's clock so that advancing the dev clock makes due schedules fire.

Cron follows AWS's six fields (minutes hours day-of-month month day-of-week year; ``?``, ``L``,
``W`` approximated as the day itself, ``#``; day-of-week 1-7 = SUN-SAT) in the schedule's time
zone, checked minute by minute.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
_MONTHS = {name.upper(): index for index, name in enumerate(calendar.month_abbr) if name}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
MAX_CATCH_UP = timedelta(days=366)  # a huge clock jump checks at most this many minutes back


class ExpressionError(ValueError):
    """Not a schedule expression EventBridge would accept."""


@dataclass(frozen=True)
class Rate:
    interval: timedelta

    def next_after(self, start: datetime, moment: datetime) -> datetime:
        """The first tick after ``moment`` of a rate that started at ``start``."""
        if moment < start:
            return start + self.interval
        ticks = (moment - start) // self.interval + 1
        return start + ticks * self.interval


@dataclass(frozen=True)
class At:
    moment: datetime


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: str  # kept as text: L, W and ? depend on the month
    months: frozenset[int]
    weekdays: str
    years: frozenset[int] | None

    def matches(self, local: datetime) -> bool:
        return (
            local.minute in self.minutes
            and local.hour in self.hours
            and local.month in self.months
            and (self.years is None or local.year in self.years)
            and _day_matches(self.days, local)
            and _weekday_matches(self.weekdays, local)
        )

    def latest_match(self, after: datetime, until: datetime, zone: ZoneInfo) -> datetime | None:
        """The latest whole minute in (after, until] that matches, in UTC."""
        start = max(after, until - MAX_CATCH_UP).replace(second=0, microsecond=0) + timedelta(minutes=1)
        minute = until.replace(second=0, microsecond=0)
        while minute >= start:
            if self.matches(minute.astimezone(zone)):
                return minute
            minute -= timedelta(minutes=1)
        return None


Expression = Rate | Cron | At


def parse(expression: str, timezone: str = "UTC") -> Expression:
    text = expression.strip()
    if match := re.fullmatch(r"rate\(\s*(\d+)\s+(\w+)\s*\)", text):
        value, unit = int(match.group(1)), match.group(2).lower()
        if value <= 0 or unit not in _UNITS:
            raise ExpressionError(f"invalid rate: {expression}")
        return Rate(timedelta(seconds=value * _UNITS[unit]))
    if match := re.fullmatch(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)", text):
        return At(datetime.fromisoformat(match.group(1)).replace(tzinfo=ZoneInfo(timezone)))
    if match := re.fullmatch(r"cron\((.*)\)", text):
        fields = match.group(1).split()
        if len(fields) != 6:
            raise ExpressionError(f"cron needs six fields: {expression}")
        minutes, hours, days, months, weekdays, years = fields
        if (days == "?") == (weekdays == "?"):
            raise ExpressionError(f"exactly one of day-of-month and day-of-week must be '?': {expression}")
        return Cron(
            minutes=_values(minutes, 0, 59),
            hours=_values(hours, 0, 23),
            days=days.upper(),
            months=_values(months, 1, 12, _MONTHS),
            weekdays=weekdays.upper(),
            years=None if years in ("*", "?") else _values(years, 1970, 2199),
        )
    raise ExpressionError(f"not a schedule expression: {expression}")


def _number(text: str, names: dict[str, int]) -> int:
    return names[text.upper()] if text.upper() in names else int(text)


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    names = names or {}
    result: set[int] = set()
    try:
        for part in field.split(","):
            span, _, step_text = part.partition("/")
            step = int(step_text) if step_text else 1
            if span in ("*", "?"):
                first, last = low, high
            elif "-" in span:
                first_text, last_text = span.split("-", 1)
                first, last = _number(first_text, names), _number(last_text, names)
            else:
                first = _number(span, names)
                last = high if step_text else first
            if not low <= first <= high or not low <= last <= high or step <= 0:
                raise ExpressionError(f"value out of range in {field!r}")
            result.update(range(first, last + 1, step))
    except (KeyError, ValueError) as exc:
        raise ExpressionError(f"invalid cron field {field!r}") from exc
    return frozenset(result)


def _day_matches(field: str, local: datetime) -> bool:
    if field in ("*", "?"):
        return True
    last_day = calendar.monthrange(local.year, local.month)[1]
    if field == "L":
        return local.day == last_day
    return local.day in _values(field.replace("W", ""), 1, 31)


def _weekday_matches(field: str, local: datetime) -> bool:
    if field in ("*", "?"):
        return True
    weekday = (local.weekday() + 1) % 7 + 1  # AWS: SUN=1 ... SAT=7
    if "#" in field:
        day_text, nth = field.split("#", 1)
        return weekday == _number(day_text, _DAYS) and (local.day - 1) // 7 + 1 == int(nth)
    if field.endswith("L"):
        last_day = calendar.monthrange(local.year, local.month)[1]
        return weekday == _number(field[:-1], _DAYS) and local.day + 7 > last_day
    return weekday in _values(field, 1, 7, _DAYS)


@dataclass
class Ticker:
    """When one schedule comes due, checked against a clock that may jump forward."""

    expression: Expression
    timezone: str
    started: datetime
    last_checked: datetime
    done: bool = False  # one-time at() schedules

    def __post_init__(self) -> None:
        # A one-time schedule whose moment has passed when it is created never fires.
        self.done = isinstance(self.expression, At) and self.expression.moment <= self.started

    def due(self, now: datetime) -> datetime | None:
        """The scheduled time of a tick that came due since the last check, if any.

        A clock jumped forward over many ticks fires once, with the latest tick: what a
        function must do anyway, as schedules may be late or retried.
        """
        expression = self.expression
        previous, self.last_checked = self.last_checked, now
        if isinstance(expression, Rate):
            tick = expression.next_after(self.started, previous)
            if tick > now:
                return None
            return expression.next_after(self.started, now) - expression.interval
        if isinstance(expression, At):
            if self.done or expression.moment > now:
                return None
            self.done = True
            return expression.moment
        return expression.latest_match(previous, now, ZoneInfo(self.timezone))
