"""The OTP flows: send, resend, verify and status.

One code lives per (user, phone, purpose); sending again replaces it, so the old code stops
working. Which numbers a purpose's codes go to, and what they are bound to, is :mod:`.targets`:
codes that approve money moves are bound to a transaction and amount (``bind``, the owning
domain's :data:`~paylox.otp.bindings.Binder`), and a ``PHONE_CHANGE`` sends two codes. Every
per-number limit is kept per :mod:`.scopes` (the number's relation to the caller's account). A send
is one read and one write before the SMS and one write after it (:mod:`.sending`); a guess is one
read and one conditional write that counts it (:mod:`.attempts`), so concurrent guesses can never
exceed the limit. The check a money move makes with the token is :mod:`.confirmations`.
Docs: docs/otp.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit

from paylox import clock
from paylox.auth import Principal
from paylox.config import get_settings
from paylox.context import request_meta
from paylox.errors import NotFound
from paylox.observability import metrics
from paylox.otp import activity, attempts, limits, sending, store
from paylox.otp.bindings import Binder
from paylox.otp.errors import PhoneUnreachable, SmsUnavailable
from paylox.otp.messages import sms_text
from paylox.otp.models import CodeRow
from paylox.otp.phones import parse_e164, same_number
from paylox.otp.purposes import OtpPurpose
from paylox.otp.schemas import (
    OtpSentOut,
    OtpStatusOut,
    OtpVerifiedOut,
    SendOtpRequest,
    VerifyOtpRequest,
)
from paylox.otp.scopes import Scope, scope_of
from paylox.otp.sms import get_sender
from paylox.otp.sms.base import RecipientRejected, SentSms
from paylox.otp.sms.sender import AllProvidersFailed
from paylox.otp.targets import Leg, first_verification_at_once, legs
from paylox.users.phones import set_verified_phone
from paylox.users.service import caller_profile

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


def _scopes(principal: Principal, planned: list[Leg]) -> list[Scope]:
    profile = caller_profile(principal)
    return [scope_of(principal.user_id, profile, leg.phone) for leg in planned]


def _send(
    principal: Principal, request: SendOtpRequest, bind: Binder | None, time_left: TimeLeft | None, *, resend: bool
) -> OtpSentOut:
    settings = get_settings()
    planned = legs(principal, request, bind, sending=True)
    prepared = sending.prepare(principal, planned, _scopes(principal, planned), request.captcha_token, resend=resend)
    locale = request.locale or request_meta().lang
    for sms in prepared:
        text = sms_text(locale, sms.code, sms.leg.binding, to_new_phone=sms.leg.to_new_phone)
        sent = _deliver(principal, sms, text, time_left)
        sending.record_sent(principal, sms, sent, resend=resend)
    return OtpSentOut(
        expires_in=settings.otp_code_ttl_seconds,
        resend_available_in=settings.otp_resend_cooldown_seconds,
        attempts_left=settings.otp_max_attempts,
    )


def _deliver(principal: Principal, sms: sending.Prepared, body: str, time_left: TimeLeft | None) -> SentSms:
    """Hand the SMS to the providers. If none takes it, the code is deleted and the limits it took
    are given back, so a failed send leaves no usable code and no cooldown behind."""
    row = sms.row
    try:
        return get_sender(time_left or _time_budget()).send(row.phone, body)
    except RecipientRejected as exc:
        store.discard_code(row)  # the SMS never went out
        sms.reservation.release(keep_caps=True)  # the number's fault: the hourly caps still count it
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
        sms.reservation.release()
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
    guesses = [
        (leg, scope, code or "") for leg, scope, code in zip(planned, _scopes(principal, planned), codes, strict=True)
    ]
    token, lifetime = attempts.check(principal, guesses)
    _take_effect(principal, planned)
    return OtpVerifiedOut(verification_token=token, expires_in=lifetime)


def _take_effect(principal: Principal, planned: list[Leg]) -> None:
    """What a verified code does beyond its token: a verified phone, or a changed one."""
    leg = planned[-1]
    if leg.purpose == OtpPurpose.PHONE_VERIFICATION:
        at_once = first_verification_at_once(principal, leg.phone)
        profile = caller_profile(principal)
        set_verified_phone(
            principal.user_id, leg.phone, principal.actor, how="PHONE_VERIFICATION", at_once=at_once, current=profile
        )
    elif leg.purpose == OtpPurpose.PHONE_CHANGE:
        current = planned[0].phone
        set_verified_phone(
            principal.user_id, leg.phone, principal.actor, how="PHONE_CHANGE", at_once=False, replacing=current
        )


# ---------------------------------------------------------------- status


def status(principal: Principal, raw_phone: str, purpose: OtpPurpose) -> OtpStatusOut:
    """Where the caller's verification of ``raw_phone`` for ``purpose`` stands; only for the
    number on the caller's account (``404 NOT_FOUND`` for any other: no probing of numbers)."""
    phone = parse_e164(raw_phone)
    profile = caller_profile(principal)
    if profile is None or not same_number(profile.phone, phone):
        raise NotFound("phone")
    scope = scope_of(principal.user_id, profile, phone)
    rows = store.read_rows(codes=[CodeRow.key(principal.user_id, phone, purpose)], counters=limits.cooldown_keys(scope))
    now = clock.timestamp()
    row = rows.codes.get(CodeRow.key(principal.user_id, phone, purpose))
    state = attempts.code_state(row, now)
    pending = row is not None and state == "pending"
    return OtpStatusOut(
        status=state,
        expires_in=int(row.expires_at) - now if pending and row else 0,
        attempts_left=int(row.max_attempts) - int(row.attempts) if pending and row else 0,
        resend_available_in=limits.resend_available_in(rows.counters, scope, now),
    )
