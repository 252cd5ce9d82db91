"""Schedule expressions as EventBridge Scheduler reads them, and when they come due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from devstack.schedules import At, Cron, ExpressionError, Rate, Ticker, parse

ISTANBUL = ZoneInfo("Europe/Istanbul")


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(2 hours)", 7200), ("rate(1 day)", 86400)],
)
def test_rate_expressions(expression, seconds):
    assert parse(expression) == Rate(timedelta(seconds=seconds))


@pytest.mark.parametrize(
    "expression",
    [
        "rate(0 minutes)",
        "rate(5 weeks)",
        "rate(minutes)",
        "every 5 minutes",
        "cron(0 3 * * *)",  # five fields: AWS needs six
        "cron(0 3 * * MON *)",  # day-of-month and day-of-week both given
        "cron(61 3 * ? * *)",
    ],
)
def test_invalid_expressions_are_refused(expression):
    with pytest.raises(ExpressionError):
        parse(expression)


def test_a_rate_ticks_from_its_start():
    rate = Rate(timedelta(minutes=5))
    start = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert rate.next_after(start, start) == start + timedelta(minutes=5)
    assert rate.next_after(start, start + timedelta(minutes=7)) == start + timedelta(minutes=10)


def test_a_daily_cron_matches_in_its_time_zone():
    cron = parse("cron(0 3 * * ? *)", "Europe/Istanbul")
    assert isinstance(cron, Cron)
    assert cron.matches(datetime(2026, 11, 26, 3, 0, tzinfo=ISTANBUL))
    assert not cron.matches(datetime(2026, 11, 26, 3, 1, tzinfo=ISTANBUL))
    # 03:00 in Istanbul (UTC+3) is midnight UTC: the latest match within a day is found
    until = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert cron.latest_match(until - timedelta(days=1), until, ISTANBUL) == datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    assert cron.latest_match(until - timedelta(hours=1), until, ISTANBUL) is None


@pytest.mark.parametrize(
    ("expression", "moment", "expected"),
    [
        ("cron(0/15 * * * ? *)", datetime(2026, 11, 26, 9, 45), True),
        ("cron(0/15 * * * ? *)", datetime(2026, 11, 26, 9, 50), False),
        ("cron(0 9 ? * MON-FRI *)", datetime(2026, 11, 26, 9, 0), True),  # a Thursday
        ("cron(0 9 ? * MON-FRI *)", datetime(2026, 11, 29, 9, 0), False),  # a Sunday
        ("cron(0 9 ? * 1 *)", datetime(2026, 11, 29, 9, 0), True),  # 1 is Sunday in AWS cron
        ("cron(0 0 L * ? *)", datetime(2026, 2, 28, 0, 0), True),
        ("cron(0 0 L * ? *)", datetime(2026, 2, 27, 0, 0), False),
        ("cron(0 10 ? * 6#3 *)", datetime(2026, 11, 20, 10, 0), True),  # third Friday
        ("cron(0 10 ? * 6L *)", datetime(2026, 11, 27, 10, 0), True),  # last Friday
        ("cron(0 8 1 JAN,JUL ? 2027)", datetime(2027, 7, 1, 8, 0), True),
        ("cron(0 8 1 JAN,JUL ? 2027)", datetime(2026, 7, 1, 8, 0), False),
    ],
)
def test_cron_fields(expression, moment, expected):
    cron = parse(expression)
    assert isinstance(cron, Cron)
    assert cron.matches(moment) is expected


def test_a_one_time_schedule_is_in_its_time_zone():
    assert parse("at(2026-12-01T10:00:00)", "Europe/Istanbul") == At(datetime(2026, 12, 1, 10, 0, tzinfo=ISTANBUL))


def test_a_rate_fires_once_with_its_latest_tick_when_the_clock_jumps_over_many():
    start = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    ticker = Ticker(parse("rate(5 minutes)"), "UTC", started=start, last_checked=start)

    assert ticker.due(start + timedelta(minutes=4)) is None
    assert ticker.due(start + timedelta(hours=1, minutes=2)) == start + timedelta(hours=1)
    assert ticker.due(start + timedelta(hours=1, minutes=3)) is None


def test_a_one_time_schedule_fires_once_and_never_if_already_past():
    start = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    upcoming = Ticker(parse("at(2026-12-01T10:00:00)", "Europe/Istanbul"), "Europe/Istanbul", start, start)
    past = Ticker(parse("at(2026-11-01T10:00:00)", "Europe/Istanbul"), "Europe/Istanbul", start, start)

    later = start + timedelta(days=2)
    assert upcoming.due(later) == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    assert upcoming.due(later + timedelta(days=1)) is None
    assert past.due(later) is None
