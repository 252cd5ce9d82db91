"""Rate limits, the resend cooldown, the SMS budget and failure counts: counters in windows.

Each limit is a counter in a window that opens with its first hit and lasts a fixed time (like
Redis ``INCR`` + ``EXPIRE``). A flow reads every counter it needs in one batch with its other rows
(:func:`paylox.otp.store.read_rows`), judges them here, and writes every hit in the one
transaction that also does its work (:func:`~paylox.otp.store.commit_send`,
:func:`~paylox.otp.store.commit_guess`): a hit in a live window is an ``ADD`` conditioned on that
window and on the count still leaving room, a hit that opens a window a put conditioned on there
being none. A request that lost a race reads again and judges anew, so two racing requests can
never both take the last slot. Rows carry a TTL; every judgement checks the window itself.

Per-number counters are kept per :class:`~paylox.otp.scopes.Scope` (the number's relation to the
caller), so no account can spend the limits of a number that is someone else's own phone.
"""

from __future__ import annotations

from collections.abc import Mapping

from paylox.config import get_settings
from paylox.otp import store
from paylox.otp.errors import (
    IpHourlyLimit,
    OtpRateLimited,
    PhoneHourlyLimit,
    RateLimited,
    SmsBudgetExhausted,
    UserHourlyLimit,
)
from paylox.otp.models import CounterRow
from paylox.otp.scopes import Scope
from paylox.otp.store import Hit
from paylox.values import frozen

HOUR = 3600
DAY = 86400
BUDGET_KEY = "sms-budget"


@frozen
class Limit:
    """A counter to bump by ``amount``: at most ``limit`` hits per ``window`` seconds (``None``:
    only counted), refused with ``error``."""

    key: str
    window: int
    limit: int | None = None
    error: type[RateLimited] = OtpRateLimited
    amount: int = 1


def live(counters: Mapping[str, CounterRow], key: str, now: int) -> tuple[int, int] | None:
    """``(hits, window_end)`` of ``key``'s window still open at ``now``, if there is one."""
    row = counters.get(key)
    return (int(row.hits), int(row.window_end)) if row is not None and int(row.window_end) > now else None


def hits(counters: Mapping[str, CounterRow], key: str, now: int) -> int:
    window = live(counters, key, now)
    return window[0] if window else 0


def seconds_left(counters: Mapping[str, CounterRow], key: str, now: int) -> int:
    window = live(counters, key, now)
    return window[1] - now if window and window[0] else 0


def take(limit: Limit, counters: Mapping[str, CounterRow], now: int) -> Hit:
    """The hit ``limit`` takes given the counters as read; raises its 429 when it has no room."""
    window = live(counters, limit.key, now)
    ceiling = None if limit.limit is None else limit.limit - limit.amount
    if window is None:
        if ceiling is not None and ceiling < 0:
            raise limit.error(limit.window)
        end = now + limit.window
        return Hit(limit.key, limit.amount, end, opens=True, amount=limit.amount)
    count, end = window
    if ceiling is not None and count > ceiling:
        raise limit.error(end - now)
    return Hit(limit.key, count + limit.amount, end, opens=False, amount=limit.amount, ceiling=ceiling)


def release(taken: Hit) -> None:
    """Take back one counted event, if its window is still the one it was counted in. A window
    that only this event opened is deleted, so the next hit opens a full new one."""
    if taken.count == 1 and store.delete_sole_hit(taken.key, taken.window_end):
        return
    # others counted in the window meanwhile: take ours out of the count instead
    store.remove_hit(taken.key, taken.window_end)


def release_all(taken: list[Hit]) -> None:
    for item in reversed(taken):
        release(item)


# ---------------------------------------------------------------- keys


def cooldown_keys(scope: Scope) -> list[str]:
    return [f"cooldown|{key}" for key in scope.keys]


def fails_hour_keys(scope: Scope) -> list[str]:
    return [f"fails-hour|{key}" for key in scope.keys]


def fails_day_key(key: str) -> str:
    return f"fails-day|{key}"


def sends_day_key(key: str) -> str:
    return f"sends-day|{key}"


def blocked_key(scope: Scope) -> str:
    """The caller's own automatic block of the number (the number's is in the blocklist): a window."""
    return f"blocked|{scope.own_key}"


def resend_available_in(counters: Mapping[str, CounterRow], scope: Scope, now: int) -> int:
    """Seconds until the scope's cooldowns let another code go."""
    return max(seconds_left(counters, key, now) for key in cooldown_keys(scope))


def user_key(user_id: str) -> str:
    return f"user|{user_id}"


def ip_key(source_ip: str) -> str:
    return f"ip|{source_ip}"


# ---------------------------------------------------------------- what a send takes


def cooldowns(scope: Scope) -> list[Limit]:
    """One SMS per cooldown per number (send and resend together), in each of the scope's counts."""
    seconds = get_settings().otp_resend_cooldown_seconds
    return [Limit(key, seconds, 1, OtpRateLimited) for key in cooldown_keys(scope)]


def hourly_caps(scope: Scope) -> list[Limit]:
    limit = get_settings().otp_hourly_limit_per_phone
    return [Limit(f"phone|{key}", HOUR, limit, PhoneHourlyLimit) for key in scope.keys]


def sends_today(scope: Scope) -> list[Limit]:
    """The day's count of codes sent (automatic blocks), in each of the scope's counts."""
    return [Limit(sends_day_key(key), DAY) for key in scope.keys]


def caller_limits(user_id: str, source_ip: str | None, sms: int, *, confirmation: bool) -> list[Limit]:
    """The limits ``sms`` messages of one request take together: the hourly caps per user and per
    source IP, and the account-wide SMS budget, of which ``SMS_BUDGET_RESERVED_PERCENT`` is kept
    for codes that confirm money moves (``confirmation``)."""
    settings = get_settings()
    limits = [Limit(user_key(user_id), HOUR, settings.otp_hourly_limit_per_user, UserHourlyLimit, sms)]
    if source_ip:
        limits.append(Limit(ip_key(source_ip), HOUR, settings.otp_hourly_limit_per_ip, IpHourlyLimit, sms))
    budget = settings.sms_hourly_budget if confirmation else settings.sms_budget_for_other_codes
    limits.append(Limit(BUDGET_KEY, HOUR, budget, SmsBudgetExhausted, sms))
    return limits


def failure_limits(scope: Scope) -> list[Limit]:
    """What a wrong code counts, in each of the scope's counts: failures in the hour (captcha)
    and in the day (automatic block)."""
    return [Limit(key, HOUR) for key in fails_hour_keys(scope)] + [Limit(fails_day_key(key), DAY) for key in scope.keys]


def key_of(counter_key: str) -> str:
    """The scope key a counter key counts for (``fails-day|<key>`` -> ``<key>``)."""
    return counter_key.split("|", 1)[1]
