"""Per-user hourly quotas on what a user creates: transactions, document uploads, disputes.

A quota counts in fixed windows of one clock hour, UTC: one counter per kind, user and hour (key
``quota|<kind>|<user>|<YYYYMMDDHH>``, among the OTP limits' counters, in the same table). The
creation's own DynamoDB transaction adds one to it (:func:`claim`, a
:class:`~paylox.statemachine.Claim`) on condition that the hour still has room, with no read
before it: racing creations can never together pass the quota, and a creation refused for any
reason (bad input, the domain's checks, its own write's condition) counts nothing, because its
transaction, the count with it, is cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from paylox import clock
from paylox.config import Settings, get_settings
from paylox.counters import count_claim
from paylox.errors import QuotaExceeded
from paylox.statemachine import Claim
from paylox.values import frozen

HOUR = 3600
#: How long an hour's counter is kept after the hour: only so that expiry (TTL) never removes it
#: while it still counts; a finished hour's counter is never read again.
_KEPT_AFTER = HOUR


@frozen
class Quota:
    """What is counted (``kind``, also the word in the 429 message) and its hourly ceiling setting."""

    kind: str
    per_hour: Callable[[Settings], int]

    def key(self, user_id: str, hour_start: int) -> str:
        """The counter of ``user_id`` in the clock hour starting at ``hour_start`` (epoch seconds)."""
        hour = datetime.fromtimestamp(hour_start, UTC).strftime("%Y%m%d%H")
        return f"quota|{self.kind}|{user_id}|{hour}"


TRANSACTIONS = Quota("transactions", lambda settings: settings.transaction_quota_per_hour)
UPLOADS = Quota("uploads", lambda settings: settings.upload_quota_per_hour)
DISPUTES = Quota("disputes", lambda settings: settings.dispute_quota_per_hour)


def claim(user_id: str, quota: Quota) -> Claim:
    """One creation of ``user_id`` counted under ``quota``, for the creation's own write to make;
    refused with ``429 QUOTA_EXCEEDED`` (``Retry-After``: the seconds until the hour ends) when
    the current clock hour's quota is used up."""
    ceiling = quota.per_hour(get_settings())
    now = clock.timestamp()
    hour_start = now - now % HOUR
    hour_end = hour_start + HOUR
    refusal = QuotaExceeded(hour_end - now, quota=quota.kind, limit=ceiling)
    return count_claim(
        quota.key(user_id, hour_start),
        ceiling=ceiling,
        window_end=hour_end,
        keep_until=hour_end + _KEPT_AFTER,
        refusal=refusal,
    )
