"""Attempts on a pending code: counted before they are judged, so guesses can never exceed the
limit, and the state of a code (pending, approved, expired, locked) as the flows read it."""

from __future__ import annotations

from typing import NoReturn

from paylox import clock
from paylox.auth import Principal
from paylox.config import get_settings
from paylox.errors import ConcurrentModification
from paylox.otp import activity, blocklist, limits, store
from paylox.otp.errors import OtpExpired, OtpInvalid, OtpMaxAttempts, OtpNotFound
from paylox.otp.models import CodeRow, CodeStatus
from paylox.otp.schemas import OtpState
from paylox.otp.targets import Leg


def refuse_wrong_codes(principal: Principal, wrong: list[tuple[Leg, CodeRow]]) -> NoReturn:
    settings = get_settings()
    attempts_left = settings.otp_max_attempts
    for leg, row in wrong:
        failures_today = limits.record_failed_verification(leg.phone)
        left = int(row.max_attempts) - int(row.attempts)
        attempts_left = min(attempts_left, left)
        if left <= 0:
            activity.record("OTP_LOCKED", leg.phone, principal.actor, purpose=leg.purpose, attempts=int(row.attempts))
        else:
            activity.record(
                "OTP_VERIFICATION_FAILED", leg.phone, principal.actor, purpose=leg.purpose, attempts_left=left
            )
        if failures_today >= settings.otp_autoblock_failed_verifications:
            blocklist.auto_block(leg.phone, f"{failures_today} wrong codes within a day")
    if attempts_left <= 0:
        raise OtpMaxAttempts(limits.resend_available_in(wrong[0][0].phone))
    raise OtpInvalid(attempts_left=attempts_left)


def pending_row(principal: Principal, leg: Leg) -> CodeRow | None:
    """The code of ``leg``'s user, phone and purpose, if it is bound as ``leg`` is: a code sent for
    another transaction, amount or new number counts as none."""
    row = store.load_code(principal.user_id, leg.phone, leg.purpose)
    return row if row is not None and row.binding == leg.binding_key else None


def take_attempt(principal: Principal, leg: Leg) -> CodeRow:
    """Count one attempt on the pending code, atomically; returns the row as counted.

    The attempt is counted before the guess is compared, by a write that holds only while the
    code is still the same, pending, unexpired and under its limit: of any number of concurrent
    guesses exactly ``max_attempts`` are counted, and every other one is refused.
    """
    phone, purpose = leg.phone, leg.purpose
    for _ in range(get_settings().otp_max_attempts + 2):
        now = clock.timestamp()
        row = pending_row(principal, leg)
        found = code_state(row, now)
        if row is None or found != "pending":
            refuse(principal, phone, purpose, found)
        if store.count_attempt(row, now):
            return row
        # Lost to another guess or a resend that changed the code first: judge it again.
    raise ConcurrentModification(resource="resource")


def refuse(principal: Principal, phone: str, purpose: str, state: OtpState) -> NoReturn:
    if state == "expired":
        activity.record("OTP_EXPIRED", phone, principal.actor, purpose=purpose)
        raise OtpExpired()
    activity.record("OTP_VERIFY_REFUSED", phone, principal.actor, purpose=purpose, state=state)
    if state == "max_attempts_reached":
        raise OtpMaxAttempts(limits.resend_available_in(phone))
    raise OtpNotFound()  # nothing pending: never sent, already used, or long gone


def approve(row: CodeRow) -> None:
    """Use the code up: of two correct guesses racing, one wins and the other finds nothing."""
    if not store.approve_code(row):
        raise OtpNotFound()


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
