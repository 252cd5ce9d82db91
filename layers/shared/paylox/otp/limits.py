"""Rate limits, the resend cooldown and the account-wide SMS budget, as conditional counter writes.

Each limit is a counter in a window that opens with its first hit and lasts a fixed time (like
Redis ``INCR`` + ``EXPIRE``). A hit is one conditional ``UpdateItem`` (``count < limit`` within a
live window) or, when no window is live, one conditional ``PutItem`` that opens a new one; so two
racing requests can never both take the last slot. Rows carry a TTL; reads check the window
themselves. A refused hit reports the seconds until its window closes (``Retry-After``).
"""

from __future__ import annotations

from dataclasses import dataclass

from paylox import clock
from paylox.config import get_settings
from paylox.errors import ConcurrentModification
from paylox.otp import store
from paylox.otp.errors import (
    IpHourlyLimit,
    OtpRateLimited,
    PhoneHourlyLimit,
    RateLimited,
    SmsBudgetExhausted,
    UserHourlyLimit,
)

HOUR = 3600
DAY = 86400
_MAX_RACES = 5


class LimitReached(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"limit reached; retry after {retry_after}s")
        self.retry_after = max(retry_after, 1)


@dataclass(frozen=True)
class Hit:
    """One counted event: enough to take it back if the work it paid for did not happen."""

    key: str
    count: int
    window_end: int


def hit(key: str, *, window: int, limit: int | None = None) -> Hit:
    """Count one event under ``key``; raises :class:`LimitReached` when ``limit`` events already
    happened in the live window."""
    for _ in range(_MAX_RACES):
        now = clock.timestamp()
        if (counted := store.add_hit(key, now, limit)) is not None:
            return Hit(key, *counted)
        live = store.live_window(key, now)
        if live is not None:
            hits, window_end = live
            if limit is not None and hits >= limit:
                raise LimitReached(window_end - now)
            continue  # a window opened between our update and our read: count in it
        if store.open_window(key, now, window):
            return Hit(key, 1, now + window)
        # another request opened the window first: count in it
    raise ConcurrentModification(resource="resource")


def release(taken: Hit) -> None:
    """Take back one counted event, if its window is still the one it was counted in. A window
    that only this event opened is deleted, so the next hit opens a full new one."""
    if taken.count == 1 and store.delete_sole_hit(taken.key, taken.window_end):
        return
    # others counted in the window meanwhile: take ours out of the count instead
    store.remove_hit(taken.key, taken.window_end)


def current(key: str) -> tuple[int, int]:
    """``(count, seconds until the window closes)`` of ``key``; ``(0, 0)`` without a live window."""
    now = clock.timestamp()
    live = store.live_window(key, now)
    return (live[0], live[1] - now) if live else (0, 0)


# ---------------------------------------------------------------- the OTP limits


@dataclass(frozen=True)
class SendReservation:
    """The slots one send took: its cooldown, its hourly caps and its share of the SMS budget."""

    cooldown: Hit
    caps: list[Hit]
    budget: Hit

    def release(self, *, keep_caps: bool = False) -> None:
        """Give the slots back after a send that delivered nothing. ``keep_caps`` keeps the hourly
        caps counted (the request was the caller's doing, e.g. an unreachable number)."""
        release_all([self.cooldown, *([] if keep_caps else self.caps), self.budget])


def reserve_send(phone: str, user_id: str, source_ip: str | None) -> SendReservation:
    """Take one slot of every send limit, in order: the per-phone cooldown (send and resend
    together), the hourly caps per phone, user and source IP, and the account-wide hourly SMS
    budget. If one refuses, the slots already taken are given back and its 429 is raised."""
    settings = get_settings()
    checks: list[tuple[str, int, int, type[RateLimited]]] = [
        (f"cooldown|{phone}", settings.otp_resend_cooldown_seconds, 1, OtpRateLimited),
        (f"phone|{phone}", HOUR, settings.otp_hourly_limit_per_phone, PhoneHourlyLimit),
        (f"user|{user_id}", HOUR, settings.otp_hourly_limit_per_user, UserHourlyLimit),
    ]
    if source_ip:
        checks.append((f"ip|{source_ip}", HOUR, settings.otp_hourly_limit_per_ip, IpHourlyLimit))
    checks.append(("sms-budget", HOUR, settings.sms_hourly_budget, SmsBudgetExhausted))
    taken: list[Hit] = []
    for key, window, limit, error in checks:
        try:
            taken.append(hit(key, window=window, limit=limit))
        except LimitReached as exc:
            release_all(taken)
            raise error(exc.retry_after) from None
    return SendReservation(cooldown=taken[0], caps=taken[1:-1], budget=taken[-1])


def release_all(taken: list[Hit]) -> None:
    for item in reversed(taken):
        release(item)


def resend_available_in(phone: str) -> int:
    hits, seconds_left = current(f"cooldown|{phone}")
    return seconds_left if hits else 0


def record_failed_verification(phone: str) -> int:
    """Count a wrong code against ``phone``; returns the failures in its day window."""
    hit(f"fails-hour|{phone}", window=HOUR)
    return hit(f"fails-day|{phone}", window=DAY).count


def failed_verifications_this_hour(phone: str) -> int:
    return current(f"fails-hour|{phone}")[0]


def record_sent(phone: str) -> int:
    """Count a delivered send to ``phone``; returns the sends in its day window."""
    return hit(f"sends-day|{phone}", window=DAY).count
