"""Per-user hourly quotas on what a user creates: transactions, document uploads, disputes.

A quota is one of the OTP limits' counters in a window (:mod:`paylox.otp.limits`, the same rows in
the same table, under ``quota|<kind>|<user>``): the window opens with the user's first creation
and lasts an hour. A creation reads its counter, judges it (:func:`paylox.otp.limits.take`) and
counts itself in one conditional write (:func:`paylox.otp.store.count_hit`: a put that opens the
window, or an ``ADD`` conditioned on the window read still having room), so concurrent creations
can never together pass the quota; one that lost a race reads again.

Only what is created is counted: request validation and the domain's own checks run before
:func:`charged`, and a creation whose write then fails gives its slot back
(:func:`paylox.otp.limits.release`), so refused requests never use up a user's quota.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from paylox import clock
from paylox.config import Settings, get_settings
from paylox.errors import ConcurrentModification, QuotaExceeded
from paylox.observability import logger
from paylox.otp import limits, store
from paylox.otp.errors import RateLimited
from paylox.otp.store import Hit

#: Reads and writes a creation may try before a crowd of racing ones is answered 409.
_MAX_RACES = 8


@dataclass(frozen=True)
class Quota:
    """What is counted (``kind``, also the word in the 429 message) and its hourly ceiling setting."""

    kind: str
    per_hour: Callable[[Settings], int]

    def key(self, user_id: str) -> str:
        return f"quota|{self.kind}|{user_id}"


TRANSACTIONS = Quota("transactions", lambda settings: settings.transaction_quota_per_hour)
UPLOADS = Quota("uploads", lambda settings: settings.upload_quota_per_hour)
DISPUTES = Quota("disputes", lambda settings: settings.dispute_quota_per_hour)


class _Full(RateLimited):
    """What :func:`paylox.otp.limits.take` raises here; turned into :class:`QuotaExceeded`."""


def take(user_id: str, quota: Quota) -> Hit:
    """Count one creation of ``user_id`` under ``quota``; raises ``429 QUOTA_EXCEEDED`` (with
    ``Retry-After``: the seconds until the window ends) when the hour's quota is used up."""
    ceiling = quota.per_hour(get_settings())
    limit = limits.Limit(quota.key(user_id), limits.HOUR, ceiling, _Full)
    for _ in range(_MAX_RACES):
        now = clock.timestamp()
        counters = store.read_rows(counters=[limit.key]).counters
        try:
            hit = limits.take(limit, counters, now)
        except _Full as exc:
            raise QuotaExceeded(exc.extra["retry_after"], quota=quota.kind, limit=ceiling) from None
        if store.count_hit(hit, now):
            return hit
    raise ConcurrentModification(resource="resource")


@contextmanager
def charged(user_id: str, quota: Quota) -> Iterator[None]:
    """Count one creation under ``quota`` for the block that writes it; if the block raises (its
    write refused or failed), the slot is given back before the error goes on."""
    hit = take(user_id, quota)
    try:
        yield
    except BaseException:
        _give_back(hit)
        raise


def _give_back(hit: Hit) -> None:
    # Failing to give the slot back costs the user one creation this hour; it must not hide the
    # error of the creation itself.
    try:
        limits.release(hit)
    except Exception:
        logger.exception("could not give a quota slot back", extra={"quota": hit.key.split("|", 2)[1]})
