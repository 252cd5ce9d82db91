"""OTP building blocks as pure logic: codes and their hash, phone numbers, templates, settings, and
the SMS sender's retry, backoff, time budget and fallback (with in-memory fake providers)."""

from __future__ import annotations

import hmac
import os
import re
from dataclasses import dataclass, field

import pytest
from pydantic import ValidationError

from paylox.auth import principal_from_event
from paylox.config import SettingsError, get_settings, load_settings
from paylox.otp import codes
from paylox.otp.bindings import Binding, phone_change
from paylox.otp.errors import PhoneCountryNotAllowed, PhoneInvalid, PhoneNotMobile
from paylox.otp.messages import format_money, sms_text
from paylox.otp.phones import normalise_for_sms, parse_e164, same_number
from paylox.otp.purposes import OtpPurpose
from paylox.otp.schemas import SendOtpRequest, VerifyOtpRequest
from paylox.otp.sms import TEMPLATES, render
from paylox.otp.sms.base import ProviderRejected, RecipientRejected, SentSms, SmsError, TransientSmsError
from paylox.otp.sms.sender import AllProvidersFailed, SmsSender, backoff_delays
from tests.stages import DEPLOYED_STAGE_ENVIRONMENT

KEY = b"unit-test-key"

# ---------------------------------------------------------------- codes


def test_codes_are_six_digits_from_the_csprng(monkeypatch):
    drawn = []

    def randbelow(bound: int) -> int:
        drawn.append(bound)
        return 42

    monkeypatch.setattr(codes.secrets, "randbelow", randbelow)

    assert codes.generate_code() == "000042"
    assert drawn == [1_000_000]


def test_generated_codes_look_right_and_vary():
    many = {codes.generate_code() for _ in range(200)}

    assert all(re.fullmatch(r"[0-9]{6}", code) for code in many)
    assert len(many) > 190


def test_the_hash_is_keyed_and_binds_phone_purpose_and_code():
    base = codes.hash_code("+905551112233", "PHONE_VERIFICATION", "123456", key=KEY)

    assert base == hmac.new(KEY, b"+905551112233|PHONE_VERIFICATION|123456", "sha256").hexdigest()
    assert base != codes.hash_code("+905551112233", "PHONE_VERIFICATION", "123456", key=b"other-key")
    assert base != codes.hash_code("+905321112233", "PHONE_VERIFICATION", "123456", key=KEY)
    assert base != codes.hash_code("+905551112233", "TRANSACTION_CONFIRMATION", "123456", key=KEY)
    assert base != codes.hash_code("+905551112233", "PHONE_VERIFICATION", "123457", key=KEY)


def test_codes_are_compared_in_constant_time(monkeypatch):
    compared = []
    real = hmac.compare_digest

    def spy(left: str, right: str) -> bool:
        compared.append((left, right))
        return real(left, right)

    monkeypatch.setattr(codes.hmac, "compare_digest", spy)
    stored = codes.hash_code("+905551112233", "PHONE_VERIFICATION", "123456", key=KEY)

    assert codes.code_matches(stored, "+905551112233", "PHONE_VERIFICATION", "123456", key=KEY)
    assert not codes.code_matches(stored, "+905551112233", "PHONE_VERIFICATION", "654321", key=KEY)
    assert len(compared) == 2


def test_the_dev_stack_key_comes_from_the_environment():
    assert codes.hash_code("+905551112233", "PHONE_VERIFICATION", "123456") == codes.hash_code(
        "+905551112233", "PHONE_VERIFICATION", "123456", key=b"paylox-dev-otp-hash-key-not-a-secret"
    )


def test_phone_refs_are_stable_pseudonyms():
    ref = codes.phone_ref("+905551112233", key=KEY)

    assert re.fullmatch(r"phn_[0-9a-f]{20}", ref)
    assert ref == codes.phone_ref("+905551112233", key=KEY) != codes.phone_ref("+905321112233", key=KEY)
    assert "5551112233" not in ref


# ---------------------------------------------------------------- phone numbers


@pytest.mark.parametrize(
    "typed",
    ["+905551112233", "05551112233", "0555 111 22 33", "555 111 2233", "+90 (555) 111-22-33", "0090 555 111 22 33"],
)
def test_turkish_numbers_in_any_common_format_become_e164(typed):
    assert normalise_for_sms(typed) == "+905551112233"


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", PhoneInvalid),
        ("hello", PhoneInvalid),
        ("0555 111 22", PhoneInvalid),
        ("+90 555 111 22 33 44", PhoneInvalid),
        ("+90 212 123 45 67", PhoneNotMobile),
        ("+44 7400 123456", PhoneCountryNotAllowed),
    ],
)
def test_numbers_that_cannot_get_an_sms_are_named(typed, error):
    with pytest.raises(error):
        normalise_for_sms(typed)


def test_same_number_compares_normalised_forms():
    assert same_number("0555 111 22 33", "+905551112233")
    assert not same_number("0532 111 22 33", "+905551112233")
    assert not same_number(None, "+905551112233")
    assert not same_number("garbage", "+905551112233")
    assert parse_e164("+447400123456") == "+447400123456"  # parsing alone does not judge the country


# ---------------------------------------------------------------- templates and settings


def test_the_sms_templates_are_exactly_the_required_text():
    assert TEMPLATES == {"tr": "Paylox doğrulama kodunuz: {code}", "en": "Your Paylox verification code: {code}"}
    assert render("tr", "012345") == "Paylox doğrulama kodunuz: 012345"
    assert render("en", "012345") == "Your Paylox verification code: 012345"


def _settings(**overrides: str) -> dict[str, str]:
    return {**os.environ, **overrides}


def test_the_console_provider_is_refused_outside_dev():
    with pytest.raises(SettingsError, match="SMS_PROVIDER=console"):
        load_settings(_settings(PAYLOX_STAGE="prod", **{**DEPLOYED_STAGE_ENVIRONMENT, "SMS_PROVIDER": "console"}))
    in_prod = _settings(PAYLOX_STAGE="prod", **DEPLOYED_STAGE_ENVIRONMENT)
    assert load_settings(in_prod).sms_provider == "twilio"


def test_the_country_allowlist_takes_calling_codes_and_regions():
    parsed = load_settings(_settings(OTP_ALLOWED_COUNTRIES="+90, GB"))

    assert parsed.otp_allowed_countries == ["+90", "GB"]
    with pytest.raises(SettingsError, match="OTP_ALLOWED_COUNTRIES"):
        load_settings(_settings(OTP_ALLOWED_COUNTRIES="Turkey"))


def test_otp_defaults_match_the_rules():
    settings = get_settings()

    assert (settings.otp_code_ttl_seconds, settings.otp_max_attempts, settings.otp_resend_cooldown_seconds) == (
        300,
        3,
        60,
    )
    assert settings.sms_hourly_budget == 100 and settings.otp_allowed_countries == ["+90"]
    assert settings.otp_captcha_after_failures == 3 and settings.sms_provider == "console"


# ---------------------------------------------------------------- backoff, time budget, fallback


@pytest.mark.parametrize(
    ("attempts", "base", "cap", "expected"),
    [
        (3, 0.25, 2.0, [0.25, 0.5]),
        (6, 0.25, 2.0, [0.25, 0.5, 1.0, 2.0, 2.0]),
        (1, 0.25, 2.0, []),
        (4, 0.0, 2.0, [0.0, 0.0, 0.0]),
    ],
)
def test_the_backoff_schedule_doubles_and_is_capped(attempts, base, cap, expected):
    assert backoff_delays(attempts, base, cap) == expected


@dataclass
class FakeClock:
    """Lambda's remaining time, consumed by sleeps and by provider calls."""

    remaining: float
    slept: list[float] = field(default_factory=list)

    def time_left(self) -> float:
        return self.remaining

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.remaining -= seconds


@dataclass
class FakeProvider:
    name: str
    outcomes: list[Exception | None]
    clock: FakeClock
    cost: float = 0.1
    calls: list[float] = field(default_factory=list)

    def send(self, to: str, body: str, *, timeout: float) -> SentSms:
        self.calls.append(timeout)
        self.clock.remaining -= self.cost
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        return SentSms(self.name, f"{self.name}-1", "queued")


def transient(name: str = "primary") -> TransientSmsError:
    return TransientSmsError(name, "HTTP 503")


def sender(clock: FakeClock, *providers: FakeProvider, **kwargs: float) -> SmsSender:
    options = {"max_attempts": 3, "base_delay": 0.25, "max_delay": 2.0, "request_timeout": 4.0, "reserve": 1.5}
    options.update(kwargs)
    return SmsSender(providers=providers, time_left=clock.time_left, sleep=clock.sleep, **options)  # type: ignore[arg-type]


def test_transient_failures_are_retried_with_backoff_then_succeed():
    clock = FakeClock(remaining=20)
    primary = FakeProvider("primary", [transient(), transient(), None], clock)

    sent = sender(clock, primary).send("+905551112233", "body")

    assert sent.provider == "primary"
    assert len(primary.calls) == 3 and clock.slept == [0.25, 0.5]


def test_after_the_attempts_the_fallback_is_tried():
    clock = FakeClock(remaining=20)
    primary = FakeProvider("primary", [transient()] * 3, clock)
    fallback = FakeProvider("fallback", [None], clock)

    sent = sender(clock, primary, fallback).send("+905551112233", "body")

    assert sent.provider == "fallback" and len(primary.calls) == 3 and len(fallback.calls) == 1


def test_a_provider_rejection_skips_retries_and_a_recipient_rejection_skips_the_fallback():
    clock = FakeClock(remaining=20)
    rejected = FakeProvider("primary", [ProviderRejected("primary", "region")], clock)
    fallback = FakeProvider("fallback", [None], clock)
    assert sender(clock, rejected, fallback).send("+905551112233", "x").provider == "fallback"
    assert len(rejected.calls) == 1

    unreachable = FakeProvider("primary", [RecipientRejected("primary", "21211")], clock)
    untouched = FakeProvider("fallback", [None], clock)
    with pytest.raises(RecipientRejected):
        sender(clock, unreachable, untouched).send("+905551112233", "x")
    assert untouched.calls == []


def test_everything_failing_reports_every_provider():
    clock = FakeClock(remaining=20)
    primary = FakeProvider("primary", [transient()] * 3, clock)
    fallback = FakeProvider("fallback", [transient("fallback")] * 3, clock)

    with pytest.raises(AllProvidersFailed) as failed:
        sender(clock, primary, fallback).send("+905551112233", "x")

    assert [error.provider for error in failed.value.errors] == ["primary", "fallback"]


def test_retries_stop_where_the_time_budget_ends_and_leave_time_for_the_fallback():
    # 7 s left: 1.5 s kept for after the send and 4 s for the fallback leave the primary 1.5 s.
    clock = FakeClock(remaining=7)
    primary = FakeProvider("primary", [transient()] * 3, clock, cost=1.0)
    fallback = FakeProvider("fallback", [None], clock)

    sent = sender(clock, primary, fallback).send("+905551112233", "x")

    assert sent.provider == "fallback"
    assert len(primary.calls) == 1 and clock.slept == []
    assert primary.calls[0] == pytest.approx(1.5)
    assert fallback.calls[0] <= 4.0


def test_each_attempt_timeout_fits_in_what_is_left():
    clock = FakeClock(remaining=3)
    only = FakeProvider("only", [None], clock)

    sender(clock, only).send("+905551112233", "x")

    assert only.calls == [pytest.approx(1.5)]


def test_with_no_time_left_nothing_is_attempted():
    clock = FakeClock(remaining=1)
    only = FakeProvider("only", [None], clock)

    with pytest.raises(AllProvidersFailed):
        sender(clock, only).send("+905551112233", "x")
    assert only.calls == []


def test_sms_errors_name_their_provider():
    error = SmsError("twilio", "HTTP 500", "20500")

    assert str(error) == "twilio: HTTP 500" and error.provider_code == "20500"


# ---------------------------------------------------------------- bound codes (issue 10, §1)


def test_a_binding_names_purpose_transaction_action_and_amount():
    release = Binding(OtpPurpose.TRANSACTION_CONFIRMATION, "txn_1", "RELEASE", 150_000, "TRY")

    assert release.key() == "TRANSACTION_CONFIRMATION|txn_1|RELEASE|150000|TRY"
    assert release.key() != Binding(OtpPurpose.TRANSACTION_CONFIRMATION, "txn_1", "RELEASE", 100_000, "TRY").key()
    assert release.key() != Binding(OtpPurpose.ADMIN_OVERRIDE, "txn_1", "RELEASE", 150_000, "TRY").key()
    assert phone_change("+905441234567").key() == "PHONE_CHANGE|+905441234567|CHANGE||"


@pytest.mark.parametrize(
    ("kurus", "tr", "en"),
    [
        (150_000, "1.500,00 TL", "1,500.00 TRY"),
        (5, "0,05 TL", "0.05 TRY"),
        (123_456_789, "1.234.567,89 TL", "1,234,567.89 TRY"),
    ],
)
def test_sms_amounts_are_written_as_people_read_them(kurus, tr, en):
    assert format_money(kurus, "TRY", "tr") == tr
    assert format_money(kurus, "TRY", "en") == en


def test_the_sms_of_each_purpose():
    release = Binding(OtpPurpose.TRANSACTION_CONFIRMATION, "txn_1", "RELEASE", 150_000, "TRY")
    change = phone_change("+905441234567")

    assert sms_text("tr", "123456", release) == "1.500,00 TL tutarındaki ödemeyi onaylamak için Paylox kodunuz: 123456"
    assert sms_text("en", "123456", release) == "Your Paylox code to release 1,500.00 TRY: 123456"
    # the plain verification templates stay exactly as they were
    assert sms_text("tr", "123456", None) == "Paylox doğrulama kodunuz: 123456"
    assert sms_text("en", "123456", None) == "Your Paylox verification code: 123456"
    assert "+90******4567" in sms_text("en", "123456", change) and "+905441234567" not in sms_text("en", "1", change)
    assert (
        sms_text("en", "123456", change, to_new_phone=True)
        == "Your Paylox code to verify your new phone number: 123456"
    )


@pytest.mark.parametrize(
    "body",
    [
        {"purpose": "TRANSACTION_CONFIRMATION"},  # no transaction
        {"purpose": "PHONE_VERIFICATION"},  # no phone
        {"purpose": "PHONE_VERIFICATION", "phone": "+905551112233", "transaction_id": "txn_01HZY3Q5X8J6V2K9M4N7P0R1S2"},
        {"purpose": "ADMIN_OVERRIDE", "transaction_id": "txn_01HZY3Q5X8J6V2K9M4N7P0R1S2"},  # no action
        {"purpose": "TRANSACTION_CONFIRMATION", "transaction_id": "txn_01HZY3Q5X8J6V2K9M4N7P0R1S2", "action": "REFUND"},
    ],
)
def test_a_request_must_fit_its_purpose(body):
    with pytest.raises(ValidationError):
        SendOtpRequest.model_validate(body)


def test_phone_change_needs_both_codes():
    with pytest.raises(ValidationError):
        VerifyOtpRequest.model_validate({"purpose": "PHONE_CHANGE", "phone": "+905441234567", "code": "123456"})
    with pytest.raises(ValidationError):
        VerifyOtpRequest.model_validate({"purpose": "PHONE_VERIFICATION", "phone": "+1", "code": "1", "new_code": "1"})


def test_an_unverified_email_claim_is_not_kept_and_the_phone_claim_is_only_a_claim():
    event = {
        "requestContext": {
            "authorizer": {
                "jwt": {
                    "claims": {
                        "sub": "u1",
                        "email": "victim@example.com",
                        "email_verified": "false",
                        "phone_number": "+905551112233",
                    }
                }
            }
        }
    }

    principal = principal_from_event(event)

    assert principal is not None
    assert principal.email is None and principal.email_verified is False
    assert principal.phone_claim == "+905551112233" and not hasattr(principal, "phone")
