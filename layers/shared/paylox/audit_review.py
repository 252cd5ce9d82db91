"""Admins reviewing the audit log (:mod:`paylox.audit`): the filtered list and the staff report.

Every access is a Query on a key or an index, never a Scan:

- ``resource_id`` given: the table's own partition (the record's target);
- else ``actor_id``: the ``by_actor`` index; else ``action``: ``by_action``;
- else the ``by_month`` index, one partition per UTC month of the range, newest month first.

The other filters are filter expressions on that Query, and ``from``/``to`` (Istanbul calendar
dates, both inclusive) are a condition on the time-sortable audit id. The report reads only what
staff did, from the sparse ``by_staff_month`` index: O(staff records in the range).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Self
from zoneinfo import ZoneInfo

from pydantic import Field
from pynamodb.expressions.condition import Condition

from paylox import clock
from paylox.audit import AuditRecord, month_of
from paylox.errors import InvalidRange, RangeTooLarge
from paylox.ids import ID_PATTERN, first_id_at
from paylox.paging import Keyset, Page
from paylox.schema import ApiModel
from paylox.values import frozen

ISTANBUL = ZoneInfo("Europe/Istanbul")
#: The longest range the unfiltered list and the report read at once.
MAX_RANGE_DAYS = 366
#: Items per DynamoDB request when the list filters within a partition.
FILTERED_PAGE_SIZE = 200


@frozen
class TimeRange:
    """A range of instants, ``since`` inclusive and ``until`` exclusive (either open)."""

    since: datetime | None
    until: datetime | None

    @classmethod
    def of_istanbul_dates(cls, first: date | None, last: date | None) -> Self:
        """From the start of Istanbul day ``first`` to the end of Istanbul day ``last``."""
        if first and last and first > last:
            raise InvalidRange(start=first.isoformat(), end=last.isoformat())
        return cls(_istanbul_midnight(first), _istanbul_midnight(last + timedelta(days=1)) if last else None)

    def bounded(self, max_days: int = MAX_RANGE_DAYS) -> TimeRange:
        """Closed on both ends: ``until`` defaults to now, ``since`` to ``max_days`` before it;
        raises ``422 RANGE_TOO_LARGE`` when longer than ``max_days``."""
        until = self.until or clock.now()
        since = self.since or until - timedelta(days=max_days)
        if until - since > timedelta(days=max_days):
            raise RangeTooLarge(days=(until - since).days, max_days=max_days)
        return TimeRange(since, until)


def _istanbul_midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), ISTANBUL).astimezone(UTC) if day else None


def _id_at(moment: datetime) -> str:
    return first_id_at("aud", int(moment.timestamp() * 1000))


class AuditRecordOut(ApiModel):
    """One audit record, as admins read it."""

    id: str
    at: str
    action: str
    resource_id: str = Field(description="The record the action was on (a transaction, user, document, ...)")
    actor_id: str
    actor_role: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None
    request_id: str | None = None
    source_ip: str | None = None

    @classmethod
    def from_record(cls, record: AuditRecord) -> Self:
        return cls(
            id=record.audit_id,
            at=record.at,
            action=record.action,
            resource_id=record.target_id,
            actor_id=record.actor_id,
            actor_role=record.actor_role,
            before=json.loads(record.before) if record.before else None,
            after=json.loads(record.after) if record.after else None,
            reason=record.reason,
            request_id=record.request_id,
            source_ip=record.source_ip,
        )


@frozen
class AuditFilter:
    actor_id: str | None = None
    action: str | None = None
    resource_id: str | None = None
    range: TimeRange = TimeRange(None, None)


#: The admin audit list: newest first across partitions, continued below the last audit id.
NEWEST_FIRST: Keyset[AuditRecord] = Keyset(
    "audit-log", key=lambda record: {"audit_id": record.audit_id}, fields={"audit_id": ID_PATTERN}
)


def list_records(filters: AuditFilter, limit: int, cursor: str | None) -> Page[AuditRecordOut]:
    """One page of audit records matching ``filters``, newest first (see the module for the
    index each combination reads). Raises ``INVALID_CURSOR``, ``RANGE_TOO_LARGE`` (only for the
    unfiltered log, whose range defaults to the last :data:`MAX_RANGE_DAYS` days)."""
    after = NEWEST_FIRST.after(cursor)
    unfiltered = not (filters.resource_id or filters.actor_id or filters.action)
    span = filters.range.bounded() if unfiltered else filters.range
    bounds = [after["audit_id"] if after else None, _id_at(span.until) if span.until else None]
    upper = min((bound for bound in bounds if bound is not None), default=None)
    lower = _id_at(span.since) if span.since else None
    if unfiltered:
        assert span.since is not None and span.until is not None
        rows = _by_months(span.since, upper or _id_at(span.until), limit + 1)
    else:
        rows = _by_key(filters, lower, upper, limit + 1)
    records, next_cursor = NEWEST_FIRST.page(list(rows), limit)
    return Page(items=[AuditRecordOut.from_record(record) for record in records], next_cursor=next_cursor)


def _id_between(lower: str | None, upper: str | None) -> Condition | None:
    """``lower <= audit_id < upper``; the exclusive upper bound is applied as ``<`` alone or,
    with a lower bound, as ``between`` whose one inclusive end (an id already shown, or a bound
    no id equals) the callers drop."""
    if lower and upper:
        return AuditRecord.audit_id.between(lower, upper)
    if lower:
        return AuditRecord.audit_id >= lower
    return AuditRecord.audit_id < upper if upper else None


def _by_key(filters: AuditFilter, lower: str | None, upper: str | None, count: int) -> Iterator[AuditRecord]:
    condition = _id_between(lower, upper)
    rest = _equal(
        actor_id=filters.actor_id if filters.resource_id else None,
        action=filters.action if filters.resource_id or filters.actor_id else None,
    )
    # With a filter, DynamoDB's page limit counts items before filtering: read wider pages so a
    # selective filter costs few requests (PynamoDB stops once ``limit`` items passed it).
    page_size = count + 1 if rest is None else max(count + 1, FILTERED_PAGE_SIZE)
    options: dict[str, Any] = {
        "filter_condition": rest,
        "scan_index_forward": False,
        "limit": count + 1,
        "page_size": page_size,
    }
    if filters.resource_id:
        rows = AuditRecord.query(filters.resource_id, condition, **options)
    elif filters.actor_id:
        rows = AuditRecord.by_actor.query(filters.actor_id, condition, **options)
    else:
        rows = AuditRecord.by_action.query(filters.action, condition, **options)
    return _below(rows, upper, count)


def _equal(**values: str | None) -> Condition | None:
    result: Condition | None = None
    for name, value in values.items():
        if value is not None:
            test = getattr(AuditRecord, name) == value
            result = test if result is None else result & test
    return result


def _below(rows: Iterable[AuditRecord], upper: str | None, count: int) -> Iterator[AuditRecord]:
    """The first ``count`` of ``rows`` below ``upper`` (a ``between`` includes it: see :func:`_id_between`)."""
    taken = 0
    for row in rows:
        if upper is not None and row.audit_id >= upper:
            continue
        yield row
        taken += 1
        if taken == count:
            return


def _by_months(since: datetime, upper: str, count: int) -> Iterator[AuditRecord]:
    """The newest ``count`` records below ``upper`` and from ``since``, month partition by month
    partition (one Query each), newest month first; stops as soon as the page is full."""
    condition = _id_between(_id_at(since), upper)
    taken = 0
    for month in _months_down(month_of(upper), month_of(_id_at(since))):
        rows = AuditRecord.by_month.query(month, condition, scan_index_forward=False, limit=count - taken + 1)
        for row in _below(rows, upper, count - taken):
            yield row
            taken += 1
        if taken >= count:
            return


def _months_down(first: str, last: str) -> Iterator[str]:
    year, month = int(first[:4]), int(first[5:7])
    while f"{year:04d}-{month:02d}" >= last:
        yield f"{year:04d}-{month:02d}"
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)


# ------------------------------------------------------------------------------------ report
class ActorActivity(ApiModel):
    actor_id: str
    actor_role: str
    count: int
    actions: dict[str, int]


class AuditReport(ApiModel):
    """What each admin and support agent did in a range (Istanbul dates, both inclusive)."""

    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    by_action: dict[str, int]
    by_actor: list[ActorActivity]


def staff_report(first: date | None, last: date | None) -> AuditReport:
    """Counts of staff actions between Istanbul dates ``first`` and ``last`` (defaults: the last
    30 days up to today), by action and by actor, busiest actor first. Reads every staff record
    of the range from ``by_staff_month`` (one Query per month, paged); ``RANGE_TOO_LARGE`` beyond
    :data:`MAX_RANGE_DAYS`."""
    last = last or clock.now().astimezone(ISTANBUL).date()
    first = first or last - timedelta(days=29)
    span = TimeRange.of_istanbul_dates(first, last).bounded()
    assert span.since is not None and span.until is not None
    lower, upper = _id_at(span.since), _id_at(span.until)
    by_action: Counter[str] = Counter()
    per_actor: dict[tuple[str, str], Counter[str]] = {}
    for month in _months_down(month_of(upper), month_of(lower)):
        for record in AuditRecord.by_staff_month.query(month, AuditRecord.audit_id.between(lower, upper)):
            if record.audit_id >= upper:
                continue
            by_action[record.action] += 1
            per_actor.setdefault((record.actor_id, record.actor_role), Counter())[record.action] += 1
    actors = [
        ActorActivity(
            actor_id=actor, actor_role=role, count=sum(actions.values()), actions=dict(sorted(actions.items()))
        )
        for (actor, role), actions in per_actor.items()
    ]
    actors.sort(key=lambda activity: (-activity.count, activity.actor_id))
    return AuditReport(**{"from": first}, to=last, by_action=dict(sorted(by_action.items())), by_actor=actors)


def report_csv(report: AuditReport) -> str:
    """The report as CSV (UTF-8 with BOM, so Excel reads Turkish letters right): one row per
    actor and action, ``actor_id,actor_role,action,count``."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["actor_id", "actor_role", "action", "count"])
    for activity in report.by_actor:
        for action, count in activity.actions.items():
            writer.writerow([_neutralised(activity.actor_id), activity.actor_role, _neutralised(action), count])
    return out.getvalue()


def _neutralised(cell: str) -> str:
    """A cell a spreadsheet would read as a formula starts with a quote instead."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
