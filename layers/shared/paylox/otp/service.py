"""The OTP flows: send, resend, verify and status.

One code lives per (user, phone, purpose); sending again replaces it, so the old code stops
working. Which numbers a purpose's codes go to, and what they are bound to, is :mod:`.targets`:
codes that approve money moves are bound to a transaction and amount (``bind``, the owning
domain's :data:`~paylox.otp.bindings.Binder`), and a ``PHONE_CHANGE`` sends two codes. Attempts
are counted by one conditional write per guess, before the guess is compared (:mod:`.attempts`),
so concurrent guesses can never exceed the limit. The check a money move makes with the token is
:mod:`.confirmations`. Docs: docs/otp.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit

from paylox import clock
from paylox.auth import Principal
from paylox.config import get_settings
from paylox.context import request_meta
from paylox.ids import new_id
from paylox.observability import count_per, metrics
from paylox.otp import activity, attempts, blocklist, limits, store
from paylox.otp.bindings import Binder
from paylox.otp.captcha import verify_captcha
from paylox.otp.codes import code_matches, generate_code, hash_code
from paylox.otp.errors import (
    CaptchaRequired,
    OtpNotFound,
    PhoneUnreachable,
    RateLimited,
    SmsBudgetExhausted,
    SmsUnavailable,
)
from paylox.otp.messages import sms_text
from paylox.otp.models import CodeRow
from paylox.otp.phones import parse_e164
from paylox.otp.schemas import (
    OtpPurpose,
    OtpSentOut,
    OtpStatusOut,
    OtpVerifiedOut,
    SendOtpRequest,
    VerifyOtpRequest,
)
from paylox.otp.sms import get_sender
from paylox.otp.sms.base import RecipientRejected, SentSms
from paylox.otp.sms.sender import AllProvidersFailed
from paylox.otp.targets import Leg, first_verification_at_once, legs
from paylox.otp.tokens import issue_token
from paylox.users.phones import set_verified_phone

#: How long a finished code's row stays readable, so status can say "expired" or "approved".
STATE_GRACE_SECONDS = 3600
MESSAGE_RETENTION_SECONDS = 30 * 86400
_DEFAULT_TIME_BUDGET_SECONDS = 10.0

TimeLeft = Callable[[], float]


# ---------------------------------------------------------------- send / resend


def send(
    principal: Principal, request: SendOtpRequest, *, bind: Binder | None = None, time_left: TimeLeft | None = None
) -> OtpSentOut:
    """Send a new code for ``request.purpose`` (replacing any pending one): to ``request.phone``,
    or for bound purposes to the verified phone; ``PHONE_CHANGE``: one to each number."""
    return _send(principal, request, bind, time_left, resend=False)


def resend(
    principal: Principal, request: SendOtpRequest, *, bind: Binder | None = None, time_left: TimeLeft | None = None
) -> OtpSentOut:
    """Send a new code for a verification already started; the previous code stops working."""
    return _send(principal, request, bind, time_left, resend=True)


def _send(
    principal: Principal, request: SendOtpRequest, bind: Binder | None, time_left: TimeLeft | None, *, resend: bool
) -> OtpSentOut:
    settings = get_settings()
    planned = legs(principal, request, bind, sending=True)
    now = clock.timestamp()
    if resend and any(
        attempts.code_state(attempts.pending_row(principal, leg), now) in ("none", "approved") for leg in planned
    ):
        raise OtpNotFound()
    for leg in planned:
        blocklist.ensure_not_blocked(leg.phone, principal, purpose=leg.purpose)
        _require_captcha_if_needed(principal, leg.phone, leg.purpose, request.captcha_token)
    reservations: list[limits.SendReservation] = []
    try:
        for leg in planned:
            reservations.append(_reserve(principal, leg.phone, leg.purpose))
    except RateLimited:
        for taken in reservations:
            taken.release()
        raise
    for leg, reservation in zip(planned, reservations, strict=True):
        _send_one(principal, leg, request.locale or request_meta().lang, reservation, time_left, resend=resend)
    return OtpSentOut(
        expires_in=settings.otp_code_ttl_seconds,
        resend_available_in=settings.otp_resend_cooldown_seconds,
        attempts_left=settings.otp_max_attempts,
    )


def _send_one(
    principal: Principal,
    leg: Leg,
    locale: str,
    reservation: limits.SendReservation,
    time_left: TimeLeft | None,
    *,
    resend: bool,
) -> None:
    code = generate_code()
    row = _store_code(principal.user_id, leg, code)
    text = sms_text(locale, code, leg.binding, to_new_phone=leg.to_new_phone)
    sent = _deliver(principal, row, text, reservation, time_left)
    _record_message(row, sent)
    metrics.add_metric(name="SmsSent", unit=MetricUnit.Count, value=1)
    count_per("SmsSentByProvider", "Provider", sent.provider)
    activity.record(
        "OTP_RESENT" if resend else "OTP_SENT",
        leg.phone,
        principal.actor,
        purpose=leg.purpose,
        provider=sent.provider,
        message_id=sent.message_id,
        bound_to=leg.binding.subject_id if leg.binding and not leg.to_new_phone else None,
    )
    sends_today = limits.record_sent(leg.phone)
    if sends_today >= get_settings().otp_autoblock_sends:
        blocklist.auto_block(leg.phone, f"{sends_today} codes sent within a day")


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


def _store_code(user_id: str, leg: Leg, code: str) -> CodeRow:
    settings = get_settings()
    expires_at = clock.timestamp() + settings.otp_code_ttl_seconds
    return store.replace_code(
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


def verify(principal: Principal, request: VerifyOtpRequest, *, bind: Binder | None = None) -> OtpVerifiedOut:
    """Check ``request.code`` (``PHONE_CHANGE``: and ``new_code``); on success the codes are used
    up, the purpose takes effect (a verified or changed phone) and a verification token is issued,
    bound as the codes were."""
    planned = legs(principal, request, bind, sending=False)
    codes = [request.code, request.new_code] if request.purpose == OtpPurpose.PHONE_CHANGE else [request.code]
    for leg in planned:
        blocklist.ensure_not_blocked(leg.phone, principal, purpose=leg.purpose)
    rows = [attempts.take_attempt(principal, leg) for leg in planned]
    wrong = [
        (leg, row)
        for leg, row, code in zip(planned, rows, codes, strict=True)
        if not code_matches(row.code_hash, leg.phone, leg.hashed_as, code or "")
    ]
    if wrong:
        attempts.refuse_wrong_codes(principal, wrong)
    for leg, row in zip(planned, rows, strict=True):
        attempts.approve(row)
        activity.record("OTP_VERIFIED", leg.phone, principal.actor, purpose=leg.purpose, attempt=int(row.attempts))
    _take_effect(principal, planned)
    last = planned[-1]
    token, lifetime = issue_token(principal.user_id, last.phone, last.purpose, binding=last.binding_key)
    return OtpVerifiedOut(verification_token=token, expires_in=lifetime)


def _take_effect(principal: Principal, planned: list[Leg]) -> None:
    """What a verified code does beyond its token: a verified phone, or a changed one."""
    leg = planned[-1]
    if leg.purpose == OtpPurpose.PHONE_VERIFICATION:
        at_once = first_verification_at_once(principal, leg.phone)
        set_verified_phone(principal.user_id, leg.phone, principal.actor, how="PHONE_VERIFICATION", at_once=at_once)
    elif leg.purpose == OtpPurpose.PHONE_CHANGE:
        current = planned[0].phone
        set_verified_phone(
            principal.user_id, leg.phone, principal.actor, how="PHONE_CHANGE", at_once=False, replacing=current
        )


# ---------------------------------------------------------------- status


def status(principal: Principal, raw_phone: str, purpose: OtpPurpose) -> OtpStatusOut:
    """Where the caller's verification of ``raw_phone`` for ``purpose`` stands."""
    phone = parse_e164(raw_phone)
    now = clock.timestamp()
    row = store.load_code(principal.user_id, phone, purpose)
    state = attempts.code_state(row, now)
    pending = row is not None and state == "pending"
    return OtpStatusOut(
        status=state,
        expires_in=int(row.expires_at) - now if pending and row else 0,
        attempts_left=int(row.max_attempts) - int(row.attempts) if pending and row else 0,
        resend_available_in=limits.resend_available_in(phone),
    )
