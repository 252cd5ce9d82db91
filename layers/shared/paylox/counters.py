"""Fixed-window counters, in the OTP limits table: the OTP rate limits (:mod:`paylox.otp.limits`)
and the per-user creation quotas (:mod:`paylox.quotas`) count in it.

The counter row and the claim that bumps it live here, apart from the OTP domain's other rows and
store, so that a route that only counts a creation (every transaction, upload and dispute
function) does not import the OTP store, its batches, its blocklist and its models.
:mod:`paylox.otp.models` re-exports :class:`CounterRow`; the OTP store reads and writes it as before.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from paylox.db import TableName
from paylox.errors import DomainError
from paylox.statemachine import Claim


class CounterRow(Model):
    """A counter in a fixed window that starts with its first hit (see :mod:`paylox.otp.limits`)."""

    class Meta:
        table_name = TableName("otp_limits_table")

    pk = UnicodeAttribute(hash_key=True)
    hits = NumberAttribute(default=0)
    window_end = NumberAttribute()  # epoch seconds
    ttl = NumberAttribute()


def count_claim(key: str, *, ceiling: int, window_end: int, keep_until: int, refusal: DomainError) -> Claim:
    """One more hit on the counter ``key`` of a fixed window ending at ``window_end`` (the key names
    the window), as a :class:`~paylox.statemachine.Claim` of the write it counts: an ``ADD`` with no
    read before it, refused (``refusal``) once the window holds ``ceiling`` hits. Made by the
    counted write's own DynamoDB transaction, so a write refused for any reason counts nothing."""
    actions = [CounterRow.hits.add(1), CounterRow.window_end.set(window_end), CounterRow.ttl.set(keep_until)]
    condition = CounterRow.hits.does_not_exist() | (CounterRow.hits < ceiling)
    return Claim(CounterRow(key), actions, condition, refusal)
