"""The audit review's pure parts: time bounds on ids, Istanbul dates, month partitions, CSV cells."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paylox import clock
from paylox.audit_review import (
    ActorActivity,
    AuditReport,
    RangeReversed,
    RangeTooLarge,
    TimeRange,
    _months_down,
    report_csv,
)
from paylox.ids import id_millis, lowest_id, new_id


def test_an_id_sorts_between_the_bounds_of_the_instants_around_it():
    before = int(clock.now().timestamp() * 1000)
    made = new_id("aud")
    after = before + 10_000

    assert lowest_id("aud", before) <= made < lowest_id("aud", after)
    assert abs(id_millis(made) - before) < 10_000


def test_istanbul_dates_become_utc_instants_from_midnight_to_midnight():
    span = TimeRange.of_istanbul_dates(date(2026, 11, 1), date(2026, 11, 30))

    assert span.since == datetime(2026, 10, 31, 21, 0, tzinfo=UTC)
    assert span.until == datetime(2026, 11, 30, 21, 0, tzinfo=UTC)


def test_a_reversed_or_too_long_range_is_refused():
    with pytest.raises(RangeReversed):
        TimeRange.of_istanbul_dates(date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(RangeTooLarge):
        TimeRange.of_istanbul_dates(date(2024, 1, 1), date(2026, 1, 1)).bounded()


def test_month_partitions_run_newest_first_across_a_year_boundary():
    assert list(_months_down("2026-02", "2025-11")) == ["2026-02", "2026-01", "2025-12", "2025-11"]


def test_the_csv_report_has_a_bom_and_neutralises_formula_cells():
    activity = ActorActivity(actor_id="=HYPERLINK(1)", actor_role="admin", count=1, actions={"USER_SUSPENDED": 1})
    report = AuditReport(**{"from": date(2026, 11, 1)}, to=date(2026, 11, 2), by_action={}, by_actor=[activity])

    lines = report_csv(report).splitlines()

    assert lines == ["\ufeffactor_id,actor_role,action,count", "'=HYPERLINK(1),admin,USER_SUSPENDED,1"]
