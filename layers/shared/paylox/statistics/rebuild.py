"""Recomputing day buckets from the source tables, for days the stream consumer missed (a batch
in the dead-letter queue) or counted before a fix.

Every transaction and dispute is read through its table's ``by_status`` index, every user
through ``by_listing`` (never a Scan): a day's figures may come from a record created long before
it (a transaction completed months after it was created), so the whole history is folded. Only the days asked for are
written, each overwritten whole (zeros where nothing happened), and the counters of now.
Streamed records that land while a rebuild runs may be overwritten: rebuild when the stream is
quiet for those days, or again afterwards.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from paylox.disputes import store as disputes
from paylox.errors import InvalidRange
from paylox.statistics import store
from paylox.statistics.facts import Facts, dispute_facts, transaction_facts, user_facts
from paylox.statistics.wire import plain_item
from paylox.transactions import store as transactions
from paylox.users import store as users
from paylox.values import frozen


@frozen
class RebuildReport:
    start: str
    end: str
    days: int
    transactions: int
    disputes: int
    users: int


def history() -> tuple[Facts, Counter[str]]:
    """The facts of every stored record, and how many records of each kind were read."""
    facts, read = Facts(), Counter[str]()
    # Each row as its stream record shows it (PynamoDB's to_simple_dict refuses the string sets a
    # transaction holds once a refund is booked), so both paths fold the same items.
    for txn in transactions.every_transaction():
        facts += transaction_facts(plain_item(txn.serialize()))
        read["transactions"] += 1
    for dispute in disputes.every_dispute():
        facts += dispute_facts(plain_item(dispute.serialize()))
        read["disputes"] += 1
    for profile in users.every_profile():
        facts += user_facts(plain_item(profile.serialize()))
        read["users"] += 1
    return facts, read


def rebuild(start: date, end: date) -> RebuildReport:
    """Overwrite the buckets of the Istanbul days ``start``..``end`` (and the counters of now)
    with what the source tables say."""
    if start > end:
        raise InvalidRange(start=start.isoformat(), end=end.isoformat())
    facts, read = history()
    days = [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
    wanted = set(days)
    in_range = Facts(Counter({key: n for key, n in facts.days.items() if key[0] in wanted}), facts.totals)
    store.replace_days(days, in_range, totals=True)
    return RebuildReport(
        start.isoformat(), end.isoformat(), len(days), read["transactions"], read["disputes"], read["users"]
    )
