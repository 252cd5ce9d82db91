"""The statistics table: the only module that reads or writes it.

    ("DAY", "YYYY-MM-DD")       one Istanbul day's counters (:data:`~.facts.STORED_FIELDS`)
    ("TOTAL", "NOW")            the counters of now (:data:`~.facts.TOTAL_FIELDS`)
    ("APPLIED#<event id>", "-") a stream record already applied (expires after the stream's retention)

A stream record's effect is written with its mark in one DynamoDB transaction whose mark is
conditioned on not existing yet: a retried record is refused as a whole, so nothing is counted
twice, and a record that failed half-way has counted nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from paylox import clock
from paylox.db import TableName, connection, is_condition_failure
from paylox.statistics.facts import STORED_FIELDS, TOTAL_FIELDS, Facts

DAY = "DAY"
TOTAL, NOW = "TOTAL", "NOW"
#: Marks outlive the stream's 24-hour retention, so any redelivery still finds its mark.
MARK_RETENTION_SECONDS = 2 * 24 * 3600


class DayBucket(Model):
    class Meta:
        table_name = TableName("statistics_table")

    pk = UnicodeAttribute(hash_key=True, default=DAY)
    sk = UnicodeAttribute(range_key=True)  # the Istanbul date
    transactions_created = NumberAttribute(default=0)
    transactions_funded = NumberAttribute(default=0)
    volume_kurus = NumberAttribute(default=0)
    transactions_completed = NumberAttribute(default=0)
    released_kurus = NumberAttribute(default=0)
    completion_ms = NumberAttribute(default=0)
    payments_failed = NumberAttribute(default=0)
    transactions_refunded = NumberAttribute(default=0)
    refunded_kurus = NumberAttribute(default=0)
    transactions_cancelled = NumberAttribute(default=0)
    disputes_opened = NumberAttribute(default=0)
    disputes_resolved = NumberAttribute(default=0)
    new_users = NumberAttribute(default=0)


class Totals(Model):
    class Meta:
        table_name = TableName("statistics_table")

    pk = UnicodeAttribute(hash_key=True, default=TOTAL)
    sk = UnicodeAttribute(range_key=True, default=NOW)
    active_disputes = NumberAttribute(default=0)
    users_total = NumberAttribute(default=0)


class AppliedMark(Model):
    class Meta:
        table_name = TableName("statistics_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="-")
    expires_at = NumberAttribute()


def apply_once(event_id: str, effect: Facts) -> bool:
    """Add ``effect`` to the buckets and mark ``event_id`` applied, in one transaction; False
    (and nothing written) when ``event_id`` was applied before."""
    if not effect:
        return True  # nothing to count, nothing to count twice
    by_day: dict[str, dict[str, int]] = defaultdict(dict)
    for (day, name), delta in effect.days.items():
        by_day[day][name] = delta
    mark = AppliedMark(f"APPLIED#{event_id}", expires_at=clock.timestamp() + MARK_RETENTION_SECONDS)
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.save(mark, condition=AppliedMark.pk.does_not_exist())
            for day, deltas in sorted(by_day.items()):
                transaction.update(DayBucket(DAY, day), actions=_adds(DayBucket, deltas))
            if effect.totals:
                transaction.update(Totals(TOTAL, NOW), actions=_adds(Totals, dict(effect.totals)))
    except TransactWriteError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def _adds(model: type[Model], deltas: Mapping[str, int]) -> list[Action]:
    return [getattr(model, name).add(delta) for name, delta in sorted(deltas.items())]


def read_days(first: str, last: str) -> dict[str, dict[str, int]]:
    """The stored counters of the days ``first``..``last`` (Istanbul dates, inclusive) that have
    any: one Query (a page holds years of days)."""
    rows = DayBucket.query(DAY, DayBucket.sk.between(first, last))
    return {row.sk: {name: int(getattr(row, name) or 0) for name in STORED_FIELDS} for row in rows}


def read_totals() -> dict[str, int]:
    """The counters of now (zeros before anything was counted)."""
    try:
        row = Totals.get(TOTAL, NOW)
    except Totals.DoesNotExist:
        return dict.fromkeys(TOTAL_FIELDS, 0)
    return {name: int(getattr(row, name) or 0) for name in TOTAL_FIELDS}


def replace_days(days: Iterable[str], facts: Facts, totals: bool) -> None:
    """Overwrite the buckets of ``days`` with ``facts`` (zeros where there are none), and the
    counters of now when ``totals``: the rebuild's write."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for (day, name), value in facts.days.items():
        counts[day][name] = value
    with DayBucket.batch_write() as batch:
        for day in days:
            batch.save(DayBucket(DAY, day, **counts.get(day, {})))  # type: ignore[arg-type]
    if totals:
        Totals(TOTAL, NOW, **{name: facts.totals[name] for name in TOTAL_FIELDS}).save()  # type: ignore[arg-type]
