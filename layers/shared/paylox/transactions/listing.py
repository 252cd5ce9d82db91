"""The back office's transaction list, planned: which index answers a combination of filters, and
what is left to filter (pure: the queries themselves are in :func:`paylox.transactions.store.page_of_plan`).

Every combination is a Query, never a Scan. Ids are time-sortable (:mod:`paylox.ids`), so every
index sorts by id (newest first) and a creation date range is a range of ids on any of them:

- a party (``buyer_id``, ``seller_id``, or ``user_id`` on both party indexes, merged) is the most
  selective key, then ``status`` (one Query per status asked, merged), then the Istanbul month of
  creation (``by_month``, one month after another, from the newest);
- what the chosen index does not key on (other statuses, the other party, amounts) is a filter.

A page is the newest ``limit`` rows of its sources below the cursor's id; the cursor is that id,
so rows created meanwhile (always newer) never shift a later page.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from paylox.errors import InvalidRequest
from paylox.ids import first_id_at, id_before, id_millis, last_id_at
from paylox.transactions.states import TxnStatus
from paylox.values import frozen

ISTANBUL = ZoneInfo("Europe/Istanbul")
#: No transaction is older than this month: the month-by-month list stops here.
FIRST_MONTH = date(2025, 1, 1)

IndexName = Literal["by_buyer", "by_seller", "by_status", "by_month"]


@frozen
class TxnFilter:
    """The list's filters, as the admin asked them (amounts in kuruş, dates in Istanbul)."""

    statuses: tuple[TxnStatus, ...] = ()
    from_date: date | None = None
    to_date: date | None = None
    buyer_id: str | None = None
    seller_id: str | None = None
    user_id: str | None = None
    min_amount: int | None = None
    max_amount: int | None = None

    def to_json(self) -> str:
        """The filters as stored with an export job."""
        document = {
            **asdict(self),
            "statuses": [status.value for status in self.statuses],
            "from_date": self.from_date.isoformat() if self.from_date else None,
            "to_date": self.to_date.isoformat() if self.to_date else None,
        }
        return json.dumps(document, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TxnFilter:
        document = json.loads(text)
        return cls(
            **{
                **document,
                "statuses": tuple(TxnStatus(status) for status in document["statuses"]),
                "from_date": date.fromisoformat(document["from_date"]) if document["from_date"] else None,
                "to_date": date.fromisoformat(document["to_date"]) if document["to_date"] else None,
            }
        )

    def __post_init__(self) -> None:
        if self.from_date and self.to_date and self.from_date > self.to_date:
            raise InvalidRequest(reason="from is after to")
        if self.min_amount is not None and self.max_amount is not None and self.min_amount > self.max_amount:
            raise InvalidRequest(reason="min_amount is above max_amount")


@frozen
class Source:
    """One Query: ``index`` at partition ``key``."""

    index: IndexName
    key: str


@frozen
class ListPlan:
    """Groups of sources read one group after another (months, newest first); the sources of one
    group are merged by id. ``low``/``high`` bound the ids (inclusive); the rest are filters."""

    groups: tuple[tuple[Source, ...], ...]
    low: str | None
    high: str | None
    statuses: frozenset[str]  # to filter on; empty: any
    buyer_id: str | None
    seller_id: str | None
    user_id: str | None  # to filter on (either party)
    min_amount: int | None
    max_amount: int | None

    def bounds(self, after: str | None) -> tuple[str | None, str | None]:
        """The inclusive id range of a page that continues below ``after`` (a cursor's id)."""
        if after is None:
            return self.low, self.high
        below = id_before(after)
        return self.low, below if self.high is None else min(below, self.high)

    @property
    def filtered(self) -> bool:
        return bool(self.statuses or self.buyer_id or self.seller_id or self.user_id) or (
            self.min_amount is not None or self.max_amount is not None
        )


def istanbul_month(moment: datetime) -> str:
    """``YYYY-MM`` of ``moment`` in Europe/Istanbul (the ``by_month`` key)."""
    return moment.astimezone(ISTANBUL).strftime("%Y-%m")


def _millis(day: date) -> int:
    return int(datetime.combine(day, time(0), tzinfo=ISTANBUL).astimezone(UTC).timestamp() * 1000)


def id_range(from_date: date | None, to_date: date | None) -> tuple[str | None, str | None]:
    """Istanbul dates of creation (both inclusive) as an inclusive range of transaction ids."""
    low = first_id_at("txn", _millis(from_date)) if from_date else None
    high = last_id_at("txn", _millis(to_date + timedelta(days=1)) - 1) if to_date else None
    return low, high


def plan(filters: TxnFilter, today: date, after: str | None = None) -> ListPlan:
    """The Queries that list ``filters``, continuing below the id ``after`` (see the module)."""
    low, high = id_range(filters.from_date, filters.to_date)
    statuses = frozenset(status.value for status in filters.statuses)
    party_filters = {"buyer_id": filters.buyer_id, "seller_id": filters.seller_id, "user_id": filters.user_id}
    if filters.user_id:
        group = (Source("by_buyer", filters.user_id), Source("by_seller", filters.user_id))
        party_filters["user_id"] = None
        groups: tuple[tuple[Source, ...], ...] = (group,)
    elif filters.buyer_id:
        groups, party_filters["buyer_id"] = ((Source("by_buyer", filters.buyer_id),),), None
    elif filters.seller_id:
        groups, party_filters["seller_id"] = ((Source("by_seller", filters.seller_id),),), None
    elif statuses:
        groups, statuses = (tuple(Source("by_status", status) for status in sorted(statuses)),), frozenset()
    else:
        groups = tuple((Source("by_month", month),) for month in months(filters, today, after))
    return ListPlan(
        groups=groups,
        low=low,
        high=high,
        statuses=statuses,
        min_amount=filters.min_amount,
        max_amount=filters.max_amount,
        **party_filters,
    )


def months(filters: TxnFilter, today: date, after: str | None = None) -> list[str]:
    """The Istanbul months a list of everything reads, newest first: from ``to`` (or today, or
    the month of the cursor's id) back to ``from`` (or :data:`FIRST_MONTH`)."""
    newest = filters.to_date or today
    if after is not None:
        newest = min(newest, datetime.fromtimestamp(id_millis(after) / 1000, UTC).astimezone(ISTANBUL).date())
    oldest = max(filters.from_date or FIRST_MONTH, FIRST_MONTH)
    found: list[str] = []
    year, month = newest.year, newest.month
    while (year, month) >= (oldest.year, oldest.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found
