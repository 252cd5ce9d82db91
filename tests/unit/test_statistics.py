"""The statistics' calendar (Istanbul dates, widening, defaults) and what a record contributes."""

from __future__ import annotations

from datetime import date

import pytest

from paylox.statistics.calendar import DateRange, Period, bucket_start, istanbul_day, resolve_range
from paylox.statistics.facts import dispute_facts, transaction_facts, user_facts


def entry(at: str, status: str) -> dict[str, str]:
    return {"at": at, "status": status}


def test_an_instant_belongs_to_its_istanbul_date():
    assert istanbul_day("2026-11-26T20:59:59.999Z") == "2026-11-26"
    assert istanbul_day("2026-11-26T21:00:00.000Z") == "2026-11-27"  # midnight in Istanbul (UTC+3)


@pytest.mark.parametrize(
    ("period", "start", "end", "widened"),
    [
        (Period.WEEK, date(2026, 11, 4), date(2026, 11, 18), ("2026-11-02", "2026-11-22")),
        (Period.MONTH, date(2025, 12, 15), date(2026, 2, 3), ("2025-12-01", "2026-02-28")),
        (Period.MONTH, date(2024, 2, 10), date(2024, 2, 10), ("2024-02-01", "2024-02-29")),
        (Period.DAY, date(2026, 1, 1), date(2026, 1, 3), ("2026-01-01", "2026-01-03")),
    ],
)
def test_weeks_and_months_are_widened_to_whole_buckets(period, start, end, widened):
    covered = resolve_range(period, start, end)

    assert (covered.start.isoformat(), covered.end.isoformat()) == widened


def test_buckets_start_on_mondays_and_on_the_first():
    covered = DateRange(date(2025, 12, 1), date(2026, 2, 28))

    assert [d.isoformat() for d in covered.buckets(Period.MONTH)] == ["2025-12-01", "2026-01-01", "2026-02-01"]
    assert bucket_start(date(2026, 11, 29), Period.WEEK) == date(2026, 11, 23)  # a Sunday's Monday
    assert covered.previous() == DateRange(date(2025, 9, 2), date(2025, 11, 30))


def test_a_deal_contributes_each_move_on_its_day_and_releases_what_was_not_refunded():
    txn = {
        "amount": 100_000,
        "created_at": "2026-11-01T10:00:00.000Z",
        "refunds": [{"amount": 30_000, "at": "2026-11-02T10:00:00.000Z"}],
        "timeline": [
            entry("2026-11-01T10:00:00.000Z", "CREATED"),
            entry("2026-11-01T10:05:00.000Z", "PAYMENT_PENDING"),
            entry("2026-11-01T10:06:00.000Z", "FUNDED"),
            entry("2026-11-02T10:00:00.000Z", "FUNDED"),  # the partial refund keeps the status
            entry("2026-11-03T10:00:00.000Z", "COMPLETED"),
        ],
    }
    facts = transaction_facts(txn).days

    assert facts[("2026-11-01", "transactions_created")] == 1
    assert facts[("2026-11-01", "transactions_funded")] == 1 and facts[("2026-11-01", "volume_kurus")] == 100_000
    assert facts[("2026-11-02", "refunded_kurus")] == 30_000
    assert facts[("2026-11-03", "transactions_completed")] == 1
    assert facts[("2026-11-03", "released_kurus")] == 70_000
    assert facts[("2026-11-03", "completion_ms")] == 2 * 86_400_000
    assert sum(n for (_, name), n in facts.items() if name == "transactions_funded") == 1


def test_a_stream_records_effect_is_what_the_new_image_adds():
    old = {
        "amount": 5,
        "created_at": "2026-11-01T10:00:00.000Z",
        "timeline": [entry("2026-11-01T10:00:00.000Z", "CREATED")],
    }
    new = {**old, "timeline": [*old["timeline"], entry("2026-11-01T22:00:00.000Z", "CANCELLED")]}

    effect = transaction_facts(new) - transaction_facts(old)

    assert dict(effect.days) == {("2026-11-02", "transactions_cancelled"): 1}
    assert not (transaction_facts(old) - transaction_facts(old))


def test_disputes_are_active_until_resolved_and_users_count_once():
    opened = {"item": "DISPUTE", "status": "OPENED", "created_at": "2026-11-01T10:00:00.000Z", "timeline": []}
    resolved = {**opened, "status": "RESOLVED", "timeline": [entry("2026-11-04T10:00:00.000Z", "RESOLVED")]}
    message = {**opened, "item": "MSG#1"}

    assert dict(dispute_facts(opened).totals) == {"active_disputes": 1}
    assert dict((dispute_facts(resolved) - dispute_facts(opened)).totals) == {"active_disputes": -1}
    assert dispute_facts(resolved).days[("2026-11-04", "disputes_resolved")] == 1
    assert not dispute_facts(message)
    assert dict(user_facts({"created_at": "2026-11-01T10:00:00.000Z"}).totals) == {"users_total": 1}
