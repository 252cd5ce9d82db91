"""The OTP flows: send, resend, verify and status, and the check other services make with the
verification token (``X-OTP-Token``).

One code lives per (user, phone, purpose); sending again replaces it, so the old code stops
working. Attempts are counted by one conditional write per guess, before the guess is compared,
so concurrent guesses can never exceed the limit. Docs: docs/otp.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NoReturn

from aws_lambda_powertools.metrics import MetricUnit

from paylox import clock
from paylox.auth import Principal
from paylox.config import get_settings
from paylox.context import request_meta
from paylox.errors import ConcurrentModification
from paylox.ids import new_id
from paylox.observability import logger, mask_phone, metrics
from paylox.otp import activity, blocklist, limits, store
from paylox.otp.captcha import verify_captcha
from paylox.otp.codes import code_matches, generate_code, hash_code
from paylox.otp.errors import (
    CaptchaRequired,
    OtpExpired,
    OtpInvalid,
    OtpMaxAttempts,
    OtpNotFound,
    OtpRequired,
    PhoneAlreadyVerified,
    PhoneInvalid,
    PhoneNotOnAccount,
    PhoneUnreachable,
    RateLimited,
    SmsBudgetExhausted,
    SmsUnavailable,
)
from paylox.otp.models import CodeRow, CodeStatus
from paylox.otp.phones import normalise_for_sms, parse_e164, same_number
from paylox.otp.schemas import (
    OtpPurpose,
    OtpSentOut,
    OtpState,
    OtpStatusOut,
    OtpVerifiedOut,
    SendOtpRequest,
    VerifyOtpRequest,
)
from paylox.otp.sms import get_sender, render
from paylox.otp.sms.base import RecipientRejected, SentSms
from paylox.otp.sms.sender import AllProvidersFailed
from paylox.otp.tokens import consume_token, issue_token
from paylox.users.service import find_profile, mark_phone_verified

#: How long a finished code's row stays readable, so status can say "expired" or "approved".
STATE_GRACE_SECONDS = 3600
MESSAGE_RETENTION_SECONDS = 30 * 86400
_DEFAULT_TIME_BUDGET_SECONDS = 10.0

TimeLeft = Callable[[], float]


# ---------------------------------------------------------------- send / resend


def send(principal: Principal, request: SendOtpRequest, *, time_left: TimeLeft | None = None) -> OtpSentOut:
    """Send a new code to ``request.phone`` for ``request.purpose`` (replacing any pending one)."""
    return _send(principal, request, time_left, resend=False)


def resend(principal: Principal, request: SendOtpRequest, *, time_left: TimeLeft | None = None) -> OtpSentOut:
    """Send a new code for a verification already started; the previous code stops working."""
    return _send(principal, request, time_left, resend=True)


def _send(principal: Principal, request: SendOtpRequest, time_left: TimeLeft | None, *, resend: bool) -> OtpSentOut:
    settings = get_settings()
    phone = normalise_for_sms(request.phone)
    purpose = request.purpose
    if purpose == OtpPurpose.TRANSACTION_CONFIRMATION and not same_number(_account_phone_raw(principal), phone):
        raise PhoneNotOnAccount()
    if purpose == OtpPurpose.PHONE_VERIFICATION:
        _ensure_phone_may_change(principal, phone)
    if resend and _state(store.load_code(principal.user_id, phone, purpose), clock.timestamp()) in ("none", "approved"):
        raise OtpNotFound()
    blocklist.ensure_not_blocked(phone, principal, purpose=purpose)
    _require_captcha_if_needed(principal, phone, purpose, request.captcha_token)
    reservation = _reserve(principal, phone, purpose)

    code = generate_code()
    row = _store_code(principal.user_id, phone, purpose, code)
    sent = _deliver(principal, row, render(request.locale or request_meta().lang, code), reservation, time_left)
    _record_message(row, sent)
    metrics.add_metric(name="SmsSent", unit=MetricUnit.Count, value=1)
    activity.record(
        "OTP_RESENT" if resend else "OTP_SENT",
        phone,
        principal.actor,
        purpose=purpose,
        provider=sent.provider,
        message_id=sent.message_id,
    )
    sends_today = limits.record_sent(phone)
    if sends_today >= settings.otp_autoblock_sends:
        blocklist.auto_block(phone, f"{sends_today} codes sent within a day")
    return OtpSentOut(
        expires_in=settings.otp_code_ttl_seconds,
        resend_available_in=settings.otp_resend_cooldown_seconds,
        attempts_left=settings.otp_max_attempts,
    )


def _deliver(
    principal: Principal,
    row: CodeRow,
    body: str,
    reservation: limits.SendReservation,
    time_left: TimeLeft | None,
) -> SentSms:
    """Hand the SMS to the providers. If none takes it, the code is deleted and the limits it took
    are given back, so a failed send leaves no usable code and no cooldown behind."""
    try:
        return get_sender(time_left or _time_budget()).send(row.phone, body)
    except RecipientRejected as exc:
        store.discard_code(row)  # the SMS never went out
        reservation.release(keep_caps=True)  # the number's fault: the hourly caps still count it
        activity.record(
            "OTP_SMS_FAILED",
            row.phone,
            principal.actor,
            purpose=row.purpose,
            provider=exc.provider,
            failure="recipient_rejected",
            provider_code=exc.provider_code,
        )
        raise PhoneUnreachable() from exc
    except AllProvidersFailed as exc:
        store.discard_code(row)  # the SMS never went out
        reservation.release()
        metrics.add_metric(name="SmsUnavailable", unit=MetricUnit.Count, value=1)
        activity.record(
            "OTP_SMS_FAILED",
            row.phone,
            principal.actor,
            purpose=row.purpose,
            failure="all_providers_failed",
            providers=[error.provider for error in exc.errors],
        )
        raise SmsUnavailable() from exc


def _require_captcha_if_needed(principal: Principal, phone: str, purpose: str, token: str | None) -> None:
    """After repeated wrong codes for ``phone`` within the hour, a send needs a solved captcha."""
    settings = get_settings()
    if limits.failed_verifications_this_hour(phone) < settings.otp_captcha_after_failures:
        return
    if token and verify_captcha(token, request_meta().source_ip):
        return
    activity.record(
        "OTP_CAPTCHA_REQUIRED", phone, principal.actor, purpose=purpose, captcha="invalid" if token else "missing"
    )
    raise CaptchaRequired(captcha_provider=settings.captcha_provider)


def _reserve(principal: Principal, phone: str, purpose: str) -> limits.SendReservation:
    try:
        return limits.reserve_send(phone, principal.user_id, request_meta().source_ip)
    except RateLimited as exc:
        if isinstance(exc, SmsBudgetExhausted):
            metrics.add_metric(name="SmsBudgetExhausted", unit=MetricUnit.Count, value=1)
        activity.record(
            "OTP_RATE_LIMITED",
            phone,
            principal.actor,
            purpose=purpose,
            limit=exc.code,
            retry_after=exc.extra["retry_after"],
        )
        raise


def _store_code(user_id: str, phone: str, purpose: str, code: str) -> CodeRow:
    settings = get_settings()
    expires_at = clock.timestamp() + settings.otp_code_ttl_seconds
    return store.replace_code(
        user_id,
        phone,
        purpose,
        code_id=new_id("otp"),
        code_hash=hash_code(phone, purpose, code),
        max_attempts=settings.otp_max_attempts,
        created_at=clock.now_iso(),
        expires_at=expires_at,
        ttl=expires_at + STATE_GRACE_SECONDS,
    )


def _record_message(row: CodeRow, sent: SentSms) -> None:
    store.save_message(
        sent.provider,
        sent.message_id,
        phone=row.phone,
        user_id=row.user_id,
        purpose=row.purpose,
        status=sent.status,
        at=clock.now_iso(),
        ttl=clock.timestamp() + MESSAGE_RETENTION_SECONDS,
    )


def _time_budget() -> TimeLeft:
    deadline = time.monotonic() + _DEFAULT_TIME_BUDGET_SECONDS
    return lambda: deadline - time.monotonic()


# ---------------------------------------------------------------- verify


def verify(principal: Principal, request: VerifyOtpRequest) -> OtpVerifiedOut:
    """Check ``request.code``; on success the code is used up and a verification token issued."""
    settings = get_settings()
    phone = parse_e164(request.phone)
    purpose = request.purpose
    if purpose == OtpPurpose.PHONE_VERIFICATION:
        _ensure_phone_may_change(principal, phone)  # another number may have been verified since the send
    blocklist.ensure_not_blocked(phone, principal, purpose=purpose)
    row = _take_attempt(principal, phone, purpose)

    if code_matches(row.code_hash, phone, purpose, request.code):
        _approve(row)
        activity.record("OTP_VERIFIED", phone, principal.actor, purpose=purpose, attempt=int(row.attempts))
        if purpose == OtpPurpose.PHONE_VERIFICATION:
            mark_phone_verified(principal.user_id, phone, principal.actor)
        token, lifetime = issue_token(principal.user_id, phone, purpose)
        return OtpVerifiedOut(verification_token=token, expires_in=lifetime)

    failures_today = limits.record_failed_verification(phone)
    attempts_left = int(row.max_attempts) - int(row.attempts)
    if attempts_left <= 0:
        activity.record("OTP_LOCKED", phone, principal.actor, purpose=purpose, attempts=int(row.attempts))
    else:
        activity.record("OTP_VERIFICATION_FAILED", phone, principal.actor, purpose=purpose, attempts_left=attempts_left)
    if failures_today >= settings.otp_autoblock_failed_verifications:
        blocklist.auto_block(phone, f"{failures_today} wrong codes within a day")
    if attempts_left <= 0:
        raise OtpMaxAttempts(limits.resend_available_in(phone))
    raise OtpInvalid(attempts_left=attempts_left)


def _take_attempt(principal: Principal, phone: str, purpose: str) -> CodeRow:
    """Count one attempt on the pending code, atomically; returns the row as counted.

    The attempt is counted before the guess is compared, by a write that holds only while the
    code is still the same, pending, unexpired and under its limit: of any number of concurrent
    guesses exactly ``max_attempts`` are counted, and every other one is refused.
    """
    for _ in range(get_settings().otp_max_attempts + 2):
        now = clock.timestamp()
        row = store.load_code(principal.user_id, phone, purpose)
        state = _state(row, now)
        if row is None or state != "pending":
            _refuse(principal, phone, purpose, state)
        if store.count_attempt(row, now):
            return row
        # Lost to another guess or a resend that changed the code first: judge it again.
    raise ConcurrentModification(resource="resource")


def _refuse(principal: Principal, phone: str, purpose: str, state: OtpState) -> NoReturn:
    if state == "expired":
        activity.record("OTP_EXPIRED", phone, principal.actor, purpose=purpose)
        raise OtpExpired()
    activity.record("OTP_VERIFY_REFUSED", phone, principal.actor, purpose=purpose, state=state)
    if state == "max_attempts_reached":
        raise OtpMaxAttempts(limits.resend_available_in(phone))
    raise OtpNotFound()  # nothing pending: never sent, already used, or long gone


def _approve(row: CodeRow) -> None:
    """Use the code up: of two correct guesses racing, one wins and the other finds nothing."""
    if not store.approve_code(row):
        raise OtpNotFound()


# ---------------------------------------------------------------- status


def status(principal: Principal, raw_phone: str, purpose: OtpPurpose) -> OtpStatusOut:
    """Where the caller's verification of ``raw_phone`` for ``purpose`` stands."""
    phone = parse_e164(raw_phone)
    now = clock.timestamp()
    row = store.load_code(principal.user_id, phone, purpose)
    state = _state(row, now)
    pending = row is not None and state == "pending"
    return OtpStatusOut(
        status=state,
        expires_in=int(row.expires_at) - now if pending and row else 0,
        attempts_left=int(row.max_attempts) - int(row.attempts) if pending and row else 0,
        resend_available_in=limits.resend_available_in(phone),
    )


def _state(row: CodeRow | None, now: int) -> OtpState:
    if row is None or int(row.ttl) <= now:
        return "none"
    if row.status == CodeStatus.APPROVED:
        return "approved"
    if int(row.attempts) >= int(row.max_attempts):
        return "max_attempts_reached"
    if int(row.expires_at) <= now:
        return "expired"
    return "pending"


# ---------------------------------------------------------------- for other services


def _ensure_phone_may_change(principal: Principal, phone: str) -> None:
    """Once a phone is verified, transaction confirmations go to it; a stolen session must not be
    able to move them to another number by verifying it, so changing it is a support matter."""
    profile = find_profile(principal.user_id)
    if profile is not None and profile.phone_verified and not same_number(profile.phone, phone):
        raise PhoneAlreadyVerified()


def _account_phone_raw(principal: Principal) -> str | None:
    profile = find_profile(principal.user_id)
    return (profile.phone if profile else None) or principal.phone


def require_transaction_confirmation(principal: Principal, token: str | None) -> None:
    """Use up ``token`` as proof that the caller just confirmed by SMS to their account's phone.

    Raises :class:`OtpRequired` unless it is an unused, unexpired ``TRANSACTION_CONFIRMATION``
    token issued to this user for this phone.
    """
    raw = _account_phone_raw(principal)
    try:
        phone = parse_e164(raw) if raw else None
    except PhoneInvalid:
        phone = None
    purpose = OtpPurpose.TRANSACTION_CONFIRMATION.value
    if not token or phone is None or not consume_token(token, user_id=principal.user_id, phone=phone, purpose=purpose):
        logger.info("otp token refused", extra={"user_id": principal.user_id, "provided": bool(token)})
        raise OtpRequired()
    logger.info("otp token used", extra={"user_id": principal.user_id, "phone": mask_phone(phone)})
