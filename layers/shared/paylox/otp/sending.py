"""A send, in as few round trips as its access pattern allows: one read, one write, the SMS, one write.

1. One ``BatchGetItem`` reads everything the refusals depend on: the numbers' blocks, every limit
   counter the send takes, the failure counts that may demand a captcha, and (resend) the codes.
2. The refusals are judged from it (blocked, captcha, 429s, in the order docs/otp.md gives).
3. One ``TransactWriteItems`` takes every limit and stores the new codes, all or nothing: a race
   lost on any counter leaves nothing behind, and the send is judged again from a fresh read.
4. The SMS goes out; if no provider takes it, the code is deleted and the slots given back.
5. One ``TransactWriteItems`` records the message with its audit record.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_lambda_powertools.metrics import MetricUnit

from paylox import clock
from paylox.auth import Principal
from paylox.config import get_settings
from paylox.context import request_meta
from paylox.errors import ConcurrentModification
from paylox.ids import new_id
from paylox.observability import count_per, metrics
from paylox.otp import activity, blocklist, limits, store
from paylox.otp.captcha import verify_captcha
from paylox.otp.codes import generate_code, hash_code
from paylox.otp.errors import CaptchaRequired, OtpNotFound, RateLimited, SmsBudgetExhausted
from paylox.otp.models import CodeRow, CodeStatus, CounterRow
from paylox.otp.purposes import BOUND_PURPOSES
from paylox.otp.scopes import Scope
from paylox.otp.sms.base import SentSms
from paylox.otp.store import Hit
from paylox.otp.targets import Leg
from paylox.values import frozen

#: How long a finished code's row stays readable, so status can say "expired" or "approved".
STATE_GRACE_SECONDS = 3600
MESSAGE_RETENTION_SECONDS = 30 * 86400
_MAX_RACES = 5


@frozen
class Reservation:
    """The slots one SMS took: its number's cooldowns, hourly caps and day counts (one of each per
    count of its scope), and its share of the caller's hourly caps and of the SMS budget
    (``caller``: user, source IP, budget last)."""

    cooldowns: list[Hit]
    caps: list[Hit]
    sends_today: list[Hit]
    caller: list[Hit]

    @property
    def per_number(self) -> list[Hit]:
        return [*self.cooldowns, *self.caps, *self.sends_today]

    def release(self, *, keep_caps: bool = False) -> None:
        """Give the slots back after an SMS that was not sent. ``keep_caps`` keeps the hourly caps
        counted (the request was the caller's doing, e.g. an unreachable number)."""
        caps = [] if keep_caps else [*self.caps, *self.caller[:-1]]
        limits.release_all([*self.cooldowns, *self.sends_today, *caps, self.caller[-1]])


@frozen
class Prepared:
    """One SMS about to go: where, the code, its stored row and the slots it took."""

    leg: Leg
    scope: Scope
    code: str
    row: CodeRow
    reservation: Reservation


def prepare(
    principal: Principal, planned: list[Leg], scopes: list[Scope], captcha_token: str | None, *, resend: bool
) -> list[Prepared]:
    """Judge the send and, if nothing refuses it, take its limits and store its codes (one read,
    one write, more only when a concurrent send changed a counter meanwhile)."""
    source_ip = request_meta().source_ip
    rows = _read(principal, planned, scopes, source_ip)
    now = clock.timestamp()
    _ensure_allowed(principal, planned, scopes, rows, now, captcha_token, resend=resend)
    codes = [(leg, scope, *_new_code(principal.user_id, leg)) for leg, scope in zip(planned, scopes, strict=True)]
    for _ in range(_MAX_RACES):
        reservations = _take(principal, planned, scopes, rows.counters, now, source_ip)
        hits = [hit for reservation in reservations for hit in reservation.per_number]
        hits += reservations[0].caller  # shared by the legs: counted once, for all of them
        if store.commit_send(hits, [row for *_, row in codes], now):
            return [
                Prepared(leg, scope, code, row, reservation)
                for (leg, scope, code, row), reservation in zip(codes, reservations, strict=True)
            ]
        rows, now = _read(principal, planned, scopes, source_ip), clock.timestamp()
    raise ConcurrentModification(resource="resource")


def _read(principal: Principal, planned: list[Leg], scopes: list[Scope], source_ip: str | None) -> store.Rows:
    counters = [limits.user_key(principal.user_id), limits.BUDGET_KEY]
    if source_ip:
        counters.append(limits.ip_key(source_ip))
    for scope in scopes:
        per_number = [*limits.cooldowns(scope), *limits.hourly_caps(scope), *limits.sends_today(scope)]
        counters += [limit.key for limit in per_number]
        counters += [*limits.fails_hour_keys(scope), limits.blocked_key(scope)]
    return store.read_rows(
        codes=[CodeRow.key(principal.user_id, leg.phone, leg.purpose) for leg in planned],
        counters=counters,
        blocks=[leg.phone for leg in planned],
    )


def _ensure_allowed(
    principal: Principal,
    planned: list[Leg],
    scopes: list[Scope],
    rows: store.Rows,
    now: int,
    captcha_token: str | None,
    *,
    resend: bool,
) -> None:
    if resend and any(_nothing_started(principal, leg, rows, now) for leg in planned):
        raise OtpNotFound()
    for leg, scope in zip(planned, scopes, strict=True):
        blocklist.ensure_scope_not_blocked(scope, rows, principal, now, purpose=leg.purpose)
    captcha_needed = [
        (leg, scope) for leg, scope in zip(planned, scopes, strict=True) if _needs_captcha(scope, rows.counters, now)
    ]
    if captcha_needed and not (captcha_token and verify_captcha(captcha_token, request_meta().source_ip)):
        leg, _ = captcha_needed[0]
        activity.record(
            "OTP_CAPTCHA_REQUIRED",
            leg.phone,
            principal.actor,
            purpose=leg.purpose,
            captcha="invalid" if captcha_token else "missing",
        )
        raise CaptchaRequired(captcha_provider=get_settings().captcha_provider)


def _nothing_started(principal: Principal, leg: Leg, rows: store.Rows, now: int) -> bool:
    """A resend needs a verification started for the same binding (pending, expired or locked)."""
    row = rows.codes.get(CodeRow.key(principal.user_id, leg.phone, leg.purpose))
    if row is None or row.binding != leg.binding_key or int(row.ttl) <= now:
        return True
    return row.status == CodeStatus.APPROVED


def _needs_captcha(scope: Scope, counters: Mapping[str, CounterRow], now: int) -> bool:
    """A code to a number that is not on the caller's account, or after repeated wrong codes."""
    failures = max(limits.hits(counters, key, now) for key in limits.fails_hour_keys(scope))
    return scope.needs_captcha or failures >= get_settings().otp_captcha_after_failures


def _take(
    principal: Principal,
    planned: list[Leg],
    scopes: list[Scope],
    counters: Mapping[str, CounterRow],
    now: int,
    source_ip: str | None,
) -> list[Reservation]:
    """The slots the send takes, judged from ``counters``; a 429 (recorded) when one has no room."""
    leg = planned[0]

    def taken(chosen: list[limits.Limit]) -> list[Hit]:
        return [limits.take(limit, counters, now) for limit in chosen]

    try:
        cooldowns = [taken(limits.cooldowns(scope)) for scope in scopes]
        caps = [taken(limits.hourly_caps(scope)) for scope in scopes]
        sends = [taken(limits.sends_today(scope)) for scope in scopes]
        confirmation = leg.purpose in BOUND_PURPOSES
        shared = limits.caller_limits(principal.user_id, source_ip, len(planned), confirmation=confirmation)
        caller = taken(shared)
    except RateLimited as exc:
        if isinstance(exc, SmsBudgetExhausted):
            metrics.add_metric(name="SmsBudgetExhausted", unit=MetricUnit.Count, value=1)
        activity.record(
            "OTP_RATE_LIMITED",
            leg.phone,
            principal.actor,
            purpose=leg.purpose,
            limit=exc.code,
            retry_after=exc.extra["retry_after"],
        )
        raise
    return [Reservation(*counted, caller) for counted in zip(cooldowns, caps, sends, strict=True)]


def _new_code(user_id: str, leg: Leg) -> tuple[str, CodeRow]:
    settings = get_settings()
    code = generate_code()
    expires_at = clock.timestamp() + settings.otp_code_ttl_seconds
    row = store.new_code(
        user_id,
        leg.phone,
        leg.purpose,
        binding=leg.binding_key,
        code_id=new_id("otp"),
        code_hash=hash_code(leg.phone, leg.hashed_as, code),
        max_attempts=settings.otp_max_attempts,
        created_at=clock.now_iso(),
        expires_at=expires_at,
        ttl=expires_at + STATE_GRACE_SECONDS,
    )
    return code, row


def record_sent(principal: Principal, sms: Prepared, sent: SentSms, *, resend: bool) -> None:
    """The SMS went out: its message record and audit event in one write, then the metric, and an
    automatic block once the number's scope has had too many codes in a day."""
    leg, row = sms.leg, sms.row
    at = clock.now_iso()
    message = store.new_message(
        sent.provider,
        sent.message_id,
        phone=row.phone,
        user_id=row.user_id,
        purpose=row.purpose,
        status=sent.status,
        at=at,
        ttl=clock.timestamp() + MESSAGE_RETENTION_SECONDS,
    )
    event = activity.prepare(
        "OTP_RESENT" if resend else "OTP_SENT",
        leg.phone,
        principal.actor,
        purpose=leg.purpose,
        provider=sent.provider,
        message_id=sent.message_id,
        bound_to=leg.binding.subject_id if leg.binding and not leg.to_new_phone else None,
    )
    store.commit_sent(message, event.record)
    activity.logged(event)
    metrics.add_metric(name="SmsSent", unit=MetricUnit.Count, value=1)
    count_per("SmsSentByProvider", "Provider", sent.provider)
    for hit in sms.reservation.sends_today:
        if hit.count >= get_settings().otp_autoblock_sends:
            blocklist.auto_block_scope(sms.scope, limits.key_of(hit.key), f"{hit.count} codes sent within a day")
