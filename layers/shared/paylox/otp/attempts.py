"""Guesses at pending codes: each judged only through the one conditional write that counts it, so
guesses can never exceed the limit, and the state of a code (pending, approved, expired, locked).

A verify reads the codes, the numbers' blocks and counters in one batch, compares the guesses with
the stored hashes, and writes one transaction: each code's attempt counted (conditioned on the code
being the same, pending, unexpired and at the attempt count read), and either the codes used up
with the new verification token, or the failure counters bumped; the audit records go with it. A
guess whose write loses to another guess or a resend is judged again from a fresh read, so of any
number of concurrent guesses exactly ``max_attempts`` are answered, and the result of a guess is
never told unless its attempt was counted.
"""

from __future__ import annotations

from typing import NoReturn

from paylox import clock
from paylox.auth import Principal
from paylox.config import get_settings
from paylox.errors import ConcurrentModification
from paylox.otp import activity, blocklist, limits, store
from paylox.otp.codes import code_matches
from paylox.otp.errors import OtpExpired, OtpInvalid, OtpMaxAttempts, OtpNotFound
from paylox.otp.models import CodeRow, CodeStatus
from paylox.otp.purposes import OtpState
from paylox.otp.scopes import Scope
from paylox.otp.targets import Leg
from paylox.otp.tokens import mint_token

#: One verify: the legs it answers, their scopes and the codes typed for them.
Guess = tuple[Leg, Scope, str]


def check(principal: Principal, guesses: list[Guess]) -> tuple[str, int]:
    """Judge ``guesses`` (every one must be right); returns the new verification token, bound as
    the last leg's code was, and its lifetime. Raises the refusal a user sees otherwise."""
    for _ in range(get_settings().otp_max_attempts + 5):
        rows = _read(principal, guesses)
        now = clock.timestamp()
        for leg, scope, _code in guesses:
            blocklist.ensure_scope_not_blocked(scope, rows, principal, now, purpose=leg.purpose)
        found = [_pending(principal, leg, scope, rows, now) for leg, scope, _code in guesses]
        right = [
            code_matches(row.code_hash, leg.phone, leg.hashed_as, code)
            for (leg, _scope, code), row in zip(guesses, found, strict=True)
        ]
        if all(right):
            issued = _approve(principal, guesses, found, now)
            if issued is not None:
                return issued
        else:
            _count_failures(principal, guesses, found, right, rows, now)
        # Lost to another guess, a resend or a counter that moved: judge it again.
    raise ConcurrentModification(resource="resource")


def _read(principal: Principal, guesses: list[Guess]) -> store.Rows:
    counters: list[str] = []
    for _leg, scope, _code in guesses:
        counters += [limits.blocked_key(scope), *limits.cooldown_keys(scope)]
        counters += [limit.key for limit in limits.failure_limits(scope)]
    return store.read_rows(
        codes=[CodeRow.key(principal.user_id, leg.phone, leg.purpose) for leg, _scope, _code in guesses],
        counters=counters,
        blocks=[leg.phone for leg, _scope, _code in guesses],
    )


def _pending(principal: Principal, leg: Leg, scope: Scope, rows: store.Rows, now: int) -> CodeRow:
    """The pending code ``leg`` answers, or the refusal: a code sent for another transaction,
    amount or new number counts as none."""
    row = rows.codes.get(CodeRow.key(principal.user_id, leg.phone, leg.purpose))
    if row is not None and row.binding != leg.binding_key:
        row = None
    state = code_state(row, now)
    if row is None or state != "pending":
        refuse(
            principal,
            leg.phone,
            leg.purpose,
            state,
            limits.resend_available_in(rows.counters, scope, now),
        )
    return row


def _approve(principal: Principal, guesses: list[Guess], found: list[CodeRow], now: int) -> tuple[str, int] | None:
    events = [
        activity.prepare("OTP_VERIFIED", leg.phone, principal.actor, purpose=leg.purpose, attempt=int(row.attempts) + 1)
        for (leg, _scope, _code), row in zip(guesses, found, strict=True)
    ]
    last = guesses[-1][0]
    token, lifetime, token_row = mint_token(principal.user_id, last.phone, last.purpose, binding=last.binding_key)
    approved = [(row, True) for row in found]
    if not store.commit_guess(approved, [], [event.record for event in events], now, token=token_row):
        return None
    for event in events:
        activity.logged(event)
    return token, lifetime


def _count_failures(
    principal: Principal,
    guesses: list[Guess],
    found: list[CodeRow],
    right: list[bool],
    rows: store.Rows,
    now: int,
) -> None:
    """Count an attempt on every code (``PHONE_CHANGE``: both), and a failure for each wrong one;
    raises the refusal once counted, returns when the write lost a race."""
    settings = get_settings()
    wrong = [(leg, scope, row) for (leg, scope, _), row, ok in zip(guesses, found, right, strict=True) if not ok]
    hits: list[store.Hit] = []
    events: list[activity.Event] = []
    attempts_left = settings.otp_max_attempts
    for leg, scope, row in wrong:
        hits += [limits.take(limit, rows.counters, now) for limit in limits.failure_limits(scope)]
        left = int(row.max_attempts) - int(row.attempts) - 1
        attempts_left = min(attempts_left, left)
        if left <= 0:
            counted = int(row.attempts) + 1
            events.append(
                activity.prepare("OTP_LOCKED", leg.phone, principal.actor, purpose=leg.purpose, attempts=counted)
            )
        else:
            events.append(
                activity.prepare(
                    "OTP_VERIFICATION_FAILED", leg.phone, principal.actor, purpose=leg.purpose, attempts_left=left
                )
            )
    if not store.commit_guess([(row, False) for row in found], hits, [event.record for event in events], now):
        return
    for event in events:
        activity.logged(event)
    _block_repeated_failures(wrong, hits)
    if attempts_left <= 0:
        _leg, scope, _row = wrong[0]
        raise OtpMaxAttempts(limits.resend_available_in(rows.counters, scope, now))
    raise OtpInvalid(attempts_left=attempts_left)


def _block_repeated_failures(wrong: list[tuple[Leg, Scope, CodeRow]], hits: list[store.Hit]) -> None:
    threshold = get_settings().otp_autoblock_failed_verifications
    counted = {hit.key: hit.count for hit in hits}
    for _leg, scope, _row in wrong:
        for key in scope.keys:
            failures_today = counted[limits.fails_day_key(key)]
            if failures_today >= threshold:
                blocklist.auto_block_scope(scope, key, f"{failures_today} wrong codes within a day")


def refuse(principal: Principal, phone: str, purpose: str, state: OtpState, resend_in: int) -> NoReturn:
    if state == "expired":
        activity.record("OTP_EXPIRED", phone, principal.actor, purpose=purpose)
        raise OtpExpired()
    activity.record("OTP_VERIFY_REFUSED", phone, principal.actor, purpose=purpose, state=state)
    if state == "max_attempts_reached":
        raise OtpMaxAttempts(resend_in)
    raise OtpNotFound()  # nothing pending: never sent, already used, or long gone


def code_state(row: CodeRow | None, now: int) -> OtpState:
    if row is None or int(row.ttl) <= now:
        return "none"
    if row.status == CodeStatus.APPROVED:
        return "approved"
    if int(row.attempts) >= int(row.max_attempts):
        return "max_attempts_reached"
    if int(row.expires_at) <= now:
        return "expired"
    return "pending"
