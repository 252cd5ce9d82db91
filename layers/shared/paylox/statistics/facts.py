"""What each stored record contributes to the statistics, as a pure function of the record.

A record's *facts* are counters keyed by (Istanbul day, bucket field), plus the counters of now
(``active_disputes``, ``users_total``). They are read off what the record keeps of its history
(the timeline's moves, the refunds with their times), so they only grow as the record changes.

A stream record's effect is ``facts(new image) - facts(old image)``. Summed over a record's
stream, that telescopes to ``facts(final record)``: the stream consumer (:mod:`.stream`) and the
rebuild (:mod:`.rebuild`) compute the same buckets by construction, whatever the order and
however many moves each stream record carries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from paylox import clock
from paylox.statistics.calendar import istanbul_day

Item = Mapping[str, Any]

#: Counted per day bucket, in the order the API shows them. ``completion_ms`` is the sum the
#: average completion time is computed from; it is not shown.
BUCKET_FIELDS = (
    "transactions_created",
    "transactions_funded",
    "volume_kurus",
    "transactions_completed",
    "released_kurus",
    "payments_failed",
    "transactions_refunded",
    "refunded_kurus",
    "transactions_cancelled",
    "disputes_opened",
    "disputes_resolved",
    "new_users",
)
STORED_FIELDS = (*BUCKET_FIELDS, "completion_ms")
#: Counted for the whole system, now.
TOTAL_FIELDS = ("active_disputes", "users_total")


@dataclass
class Facts:
    days: Counter[tuple[str, str]] = field(default_factory=Counter)  # (day, field) -> n
    totals: Counter[str] = field(default_factory=Counter)

    def __sub__(self, other: Facts) -> Facts:
        """What ``self`` adds to ``other``: may be negative (a record deleted), zeros dropped."""
        days = {key: self.days[key] - other.days[key] for key in self.days.keys() | other.days.keys()}
        totals = {key: self.totals[key] - other.totals[key] for key in self.totals.keys() | other.totals.keys()}
        return Facts(Counter({k: v for k, v in days.items() if v}), Counter({k: v for k, v in totals.items() if v}))

    def __iadd__(self, other: Facts) -> Facts:
        self.days.update(other.days)
        self.totals.update(other.totals)
        return self

    def __bool__(self) -> bool:
        return bool(self.days or self.totals)


def _millis(start: str, end: str) -> int:
    return int((clock.parse_iso(end) - clock.parse_iso(start)).total_seconds() * 1000)


def _transition(facts: Facts, item: Item, status: str, at: str) -> None:
    day, amount = istanbul_day(at), int(item["amount"])
    if status == "FUNDED":
        facts.days[(day, "transactions_funded")] += 1
        facts.days[(day, "volume_kurus")] += amount
    elif status == "FAILED":
        facts.days[(day, "payments_failed")] += 1
    elif status == "COMPLETED":
        # What went to the seller: the amount less what was refunded before the release.
        refunded = sum(int(entry["amount"]) for entry in item.get("refunds") or [] if str(entry["at"]) <= at)
        facts.days[(day, "transactions_completed")] += 1
        facts.days[(day, "released_kurus")] += amount - refunded
        facts.days[(day, "completion_ms")] += _millis(str(item["created_at"]), at)
    elif status == "REFUNDED":
        facts.days[(day, "transactions_refunded")] += 1
    elif status == "CANCELLED":
        facts.days[(day, "transactions_cancelled")] += 1


def transaction_facts(item: Item | None) -> Facts:
    """A transaction's facts: its creation, each change of status on its timeline (at the
    entry's time), and each refund recorded (at the refund's time, partial ones included)."""
    facts = Facts()
    if not item:
        return facts
    facts.days[(istanbul_day(str(item["created_at"])), "transactions_created")] += 1
    for refund in item.get("refunds") or []:
        facts.days[(istanbul_day(str(refund["at"])), "refunded_kurus")] += int(refund["amount"])
    previous: str | None = None
    for entry in item.get("timeline") or []:
        status = str(entry["status"])
        if previous is not None and status != previous:
            _transition(facts, item, status, str(entry["at"]))
        previous = status
    return facts


def _resolved_at(item: Item) -> str:
    """When the dispute became RESOLVED: its timeline's entry, else its resolution's time."""
    for entry in item.get("timeline") or []:
        if entry.get("status") == "RESOLVED":
            return str(entry["at"])
    resolution = item.get("resolution") or {}
    return str(resolution.get("resolved_at") or item["updated_at"])


def dispute_facts(item: Item | None) -> Facts:
    """A dispute's facts: opened on its creation day, resolved on the day it became RESOLVED,
    active while it is not. Only the dispute item counts (not its messages and evidence)."""
    facts = Facts()
    if not item or item.get("item") != "DISPUTE":
        return facts
    facts.days[(istanbul_day(str(item["created_at"])), "disputes_opened")] += 1
    if item.get("status") == "RESOLVED":
        facts.days[(istanbul_day(_resolved_at(item)), "disputes_resolved")] += 1
    else:
        facts.totals["active_disputes"] += 1
    return facts


def user_facts(item: Item | None) -> Facts:
    """A registered user's facts: new on the day of their profile's creation, one of the total."""
    facts = Facts()
    if not item:
        return facts
    facts.days[(istanbul_day(str(item["created_at"])), "new_users")] += 1
    facts.totals["users_total"] += 1
    return facts
