"""OTP by SMS through its HTTP handlers, against moto, with the console provider's outbox as the phone."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from devstack import dev_clock
from paylox.audit import audit_trail
from paylox.auth import Principal
from paylox.errors import DomainError
from paylox.otp import service
from paylox.otp.captcha import DEV_CAPTCHA_TOKEN
from paylox.otp.codes import phone_ref
from paylox.otp.models import CodeRow
from paylox.otp.schemas import VerifyOtpRequest
from paylox.users.models import UserProfile
from tests.apigw import BUYER, SELLER, STRANGER
from tests.integration.steps import (
    CONFIRM_TXN,
    PHONE,
    VERIFY_PHONE,
    otp_status,
    resend_code,
    send_code,
    shipped_transaction,
    verify_code,
    verify_phone,
)

OTHER_PHONES = ["+905321112233", "+905331112233", "+905341112233", "+905351112233"]
#: A code to a number that is not on the caller's account needs a solved captcha (docs/otp.md).
SOLVED = {"captcha_token": DEV_CAPTCHA_TOKEN}


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def assert_429(result, code: str, at_most: int) -> None:
    assert result.status == 429 and result.code == code, result.raw
    retry_after = int(result.headers["retry-after"])
    assert 1 <= retry_after <= at_most
    assert result.json["retry_after"] == retry_after


# ---------------------------------------------------------------- the happy path


def test_a_sent_code_verifies_once_and_marks_the_phone_verified(sms_outbox):
    sent = send_code()

    assert sent.status == 202
    assert sent.json == {"status": "pending", "expires_in": 300, "resend_available_in": 60, "attempts_left": 3}
    [sms] = sms_outbox.messages(PHONE)
    code = sms_outbox.last_code(PHONE)
    assert sms["body"] == f"Paylox doğrulama kodunuz: {code}"

    verified = verify_code(code)

    assert verified.status == 200
    assert verified.json["status"] == "approved" and verified.json["expires_in"] == 300
    assert verified.json["verification_token"].startswith("otpv_")
    profile = UserProfile.get(BUYER)
    assert profile.phone_verified and profile.phone == PHONE
    again = verify_code(code)
    assert again.status == 404 and again.code == "OTP_NOT_FOUND"
    assert otp_status().json["status"] == "approved"


def test_the_code_is_stored_only_as_a_keyed_hash(sms_outbox):
    send_code()
    code = sms_outbox.last_code(PHONE)

    row = CodeRow.get(CodeRow.key(BUYER, PHONE, VERIFY_PHONE))

    stored = json.dumps(row.serialize())
    assert code not in stored
    assert re.fullmatch(r"[0-9a-f]{64}", row.code_hash)


@pytest.mark.parametrize(
    ("locale", "accept_language", "template"),
    [
        ("en", None, "Your Paylox verification code: {code}"),
        ("tr", "en-US", "Paylox doğrulama kodunuz: {code}"),
        (None, "en-GB,en;q=0.9", "Your Paylox verification code: {code}"),
        (None, None, "Paylox doğrulama kodunuz: {code}"),
    ],
)
def test_the_sms_speaks_the_requested_language(sms_outbox, locale, accept_language, template):
    extra = {"locale": locale} if locale else {}
    headers = {"Accept-Language": accept_language or ""}

    assert send_code(headers=headers, **extra).status == 202

    [sms] = sms_outbox.messages(PHONE)
    assert sms["body"] == template.format(code=sms_outbox.last_code(PHONE))


# ---------------------------------------------------------------- phone numbers


@pytest.mark.parametrize("typed", ["0555 111 22 33", "555 111 2233", "+90 555 111 22 33", "(0555) 111-2233"])
def test_turkish_national_formats_reach_the_same_e164_number(sms_outbox, typed):
    assert send_code(phone=typed).status == 202

    assert len(sms_outbox.messages(PHONE)) == 1
    assert verify_code(sms_outbox.last_code(PHONE), phone=typed).status == 200


@pytest.mark.parametrize(
    ("phone", "status_code", "code"),
    [
        ("12345", 422, "PHONE_INVALID"),
        ("+90555111223", 422, "PHONE_INVALID"),
        ("not a number", 422, "PHONE_INVALID"),
        ("+902121234567", 422, "PHONE_NOT_MOBILE"),
        ("+447400123456", 422, "PHONE_COUNTRY_NOT_ALLOWED"),
        ("+14155552671", 422, "PHONE_COUNTRY_NOT_ALLOWED"),
    ],
)
def test_numbers_that_cannot_get_a_code_are_refused_before_any_sms(sms_outbox, phone, status_code, code):
    result = send_code(phone=phone)

    assert (result.status, result.code) == (status_code, code)
    assert sms_outbox.messages(phone) == [] and sms_outbox.messages(PHONE) == []


def test_the_country_allowlist_is_configurable(sms_outbox, settings_env):
    settings_env(OTP_ALLOWED_COUNTRIES="+90,GB")

    assert send_code(phone="+447400123456", **SOLVED).status == 202
    assert send_code(phone="+14155552671", **SOLVED).code == "PHONE_COUNTRY_NOT_ALLOWED"


def test_transaction_codes_go_only_to_the_accounts_verified_phone(sms_outbox):
    txn_id = shipped_transaction()
    unverified = send_code(purpose=CONFIRM_TXN, transaction_id=txn_id)
    verify_phone()

    result = send_code(phone=OTHER_PHONES[0], purpose=CONFIRM_TXN, transaction_id=txn_id)

    assert unverified.status == 409 and unverified.code == "PHONE_NOT_VERIFIED"
    assert result.status == 422 and result.code == "PHONE_NOT_ON_ACCOUNT"
    assert sms_outbox.messages(OTHER_PHONES[0]) == []
    assert send_code(purpose=CONFIRM_TXN, transaction_id=txn_id).status == 202


def test_a_verified_phone_cannot_be_swapped_for_another_by_the_session(sms_outbox):
    # A stolen session must not be able to move transaction confirmations to another phone.
    started_elsewhere = send_code(phone=OTHER_PHONES[0], **SOLVED)  # begun before the account phone was verified
    send_code(phone=PHONE)
    assert verify_code(sms_outbox.last_code(PHONE)).status == 200

    swap = send_code(phone=OTHER_PHONES[1], **SOLVED)
    late_swap = verify_code(sms_outbox.last_code(OTHER_PHONES[0]), phone=OTHER_PHONES[0])

    assert started_elsewhere.status == 202
    assert swap.status == 409 and swap.code == "PHONE_ALREADY_VERIFIED"
    assert sms_outbox.messages(OTHER_PHONES[1]) == []
    assert late_swap.status == 409 and late_swap.code == "PHONE_ALREADY_VERIFIED"
    assert UserProfile.get(BUYER).phone == PHONE
    dev_clock.advance(61)
    assert send_code(phone=PHONE).status == 202  # re-verifying the same number is fine


# ---------------------------------------------------------------- wrong codes, expiry, single use


def test_three_wrong_codes_kill_the_code(sms_outbox):
    send_code()
    code = sms_outbox.last_code(PHONE)

    first, second, third = (verify_code(wrong(code)) for _ in range(3))
    right_too_late = verify_code(code)

    assert (first.status, first.code, first.json["attempts_left"]) == (400, "OTP_INVALID", 2)
    assert (second.status, second.code, second.json["attempts_left"]) == (400, "OTP_INVALID", 1)
    assert_429(third, "OTP_MAX_ATTEMPTS", 60)
    assert_429(right_too_late, "OTP_MAX_ATTEMPTS", 60)
    assert otp_status().json["status"] == "max_attempts_reached"


def test_a_malformed_code_costs_no_attempt(sms_outbox):
    send_code()

    result = verify_code("12ab56")

    assert result.status == 422 and result.code == "VALIDATION_ERROR"
    assert otp_status().json["attempts_left"] == 3


def test_a_code_expires_after_five_minutes_by_the_clock(sms_outbox):
    send_code()
    code = sms_outbox.last_code(PHONE)
    dev_clock.advance(301)

    result = verify_code(code)

    assert result.status == 410 and result.code == "OTP_EXPIRED"
    assert otp_status().json == {"status": "expired", "expires_in": 0, "attempts_left": 0, "resend_available_in": 0}
    dev_clock.advance(3600)
    assert otp_status().json["status"] == "none"
    assert verify_code(code).code == "OTP_NOT_FOUND"


def test_a_code_still_works_just_before_it_expires(sms_outbox):
    send_code()
    dev_clock.advance(295)  # a few real seconds of slack: the test itself takes time

    assert verify_code(sms_outbox.last_code(PHONE)).status == 200


def test_nothing_pending_is_404(sms_outbox):
    result = verify_code("123456")

    assert result.status == 404 and result.code == "OTP_NOT_FOUND"


def test_a_code_is_bound_to_its_user_and_purpose(sms_outbox):
    txn_id = shipped_transaction()
    verify_phone()
    send_code()  # verifying the verified number again
    code = sms_outbox.last_code(PHONE)

    assert verify_code(code, sub=SELLER).code == "OTP_NOT_FOUND"
    assert verify_code(code, None, CONFIRM_TXN, transaction_id=txn_id).code == "OTP_NOT_FOUND"
    assert verify_code(code).status == 200


def test_status_follows_the_verification(sms_outbox):
    assert otp_status().json == {"status": "none", "expires_in": 0, "attempts_left": 0, "resend_available_in": 0}
    send_code()
    dev_clock.advance(10)

    pending = otp_status().json
    verify_code(wrong(sms_outbox.last_code(PHONE)))
    after_a_miss = otp_status().json

    # real seconds pass too, so allow for a tick between the send and the read
    assert (pending["status"], pending["attempts_left"]) == ("pending", 3)
    assert 288 <= pending["expires_in"] <= 290 and 48 <= pending["resend_available_in"] <= 50
    assert after_a_miss["attempts_left"] == 2


def test_status_reads_national_format_and_rejects_nonsense():
    assert otp_status(phone="05551112233").status == 200
    assert otp_status(phone="garbage").code == "PHONE_INVALID"
    assert otp_status(purpose="SOMETHING").code == "VALIDATION_ERROR"


# ---------------------------------------------------------------- resend


def test_resend_sends_a_new_code_and_the_old_one_stops_working(sms_outbox):
    send_code()
    old = sms_outbox.last_code(PHONE)
    dev_clock.advance(61)

    again = resend_code(locale="en")
    new = sms_outbox.last_code(PHONE)

    assert again.status == 202 and again.json["attempts_left"] == 3
    assert sms_outbox.messages(PHONE)[-1]["body"] == f"Your Paylox verification code: {new}"
    if new != old:  # one chance in a million that the new code repeats the old one
        assert verify_code(old).code == "OTP_INVALID"
    assert verify_code(new).status == 200


def test_resend_after_too_many_wrong_codes_gives_a_fresh_code(sms_outbox):
    send_code()
    for _ in range(3):
        verify_code(wrong(sms_outbox.last_code(PHONE)))
    dev_clock.advance(61)

    assert resend_code(captcha_token="paylox-dev-captcha-pass").status == 202
    assert verify_code(sms_outbox.last_code(PHONE)).status == 200


def test_resend_needs_a_started_verification(sms_outbox):
    result = resend_code()

    assert result.status == 404 and result.code == "OTP_NOT_FOUND"
    assert sms_outbox.messages(PHONE) == []


# ---------------------------------------------------------------- rate limits and budget


def test_one_sms_per_minute_per_phone_across_send_resend_and_users(sms_outbox):
    send_code()

    assert_429(send_code(), "OTP_RATE_LIMITED", 60)
    assert_429(resend_code(), "OTP_RATE_LIMITED", 60)
    assert_429(send_code(sub=SELLER), "OTP_RATE_LIMITED", 60)
    assert len(sms_outbox.messages(PHONE)) == 1
    dev_clock.advance(61)
    assert send_code().status == 202


def test_hourly_cap_per_phone(sms_outbox):
    for _ in range(5):
        assert send_code().status == 202
        dev_clock.advance(61)

    capped = send_code()

    assert_429(capped, "OTP_PHONE_HOURLY_LIMIT", 3600 - 5 * 61)
    dev_clock.advance(int(capped.headers["retry-after"]))
    assert send_code().status == 202


def test_hourly_cap_per_user(sms_outbox, settings_env):
    settings_env(OTP_HOURLY_LIMIT_PER_USER=2)
    send_code(phone=OTHER_PHONES[0], **SOLVED)
    send_code(phone=OTHER_PHONES[1], **SOLVED)

    assert_429(send_code(phone=OTHER_PHONES[2], **SOLVED), "OTP_USER_HOURLY_LIMIT", 3600)
    assert send_code(phone=OTHER_PHONES[2], sub=SELLER, **SOLVED).status == 202


def test_hourly_cap_per_source_ip(sms_outbox, settings_env):
    settings_env(OTP_HOURLY_LIMIT_PER_IP=2)
    send_code(phone=OTHER_PHONES[0], sub=BUYER, source_ip="198.51.100.7", **SOLVED)
    send_code(phone=OTHER_PHONES[1], sub=SELLER, source_ip="198.51.100.7", **SOLVED)

    capped = send_code(phone=OTHER_PHONES[2], sub=STRANGER, source_ip="198.51.100.7", **SOLVED)
    assert_429(capped, "OTP_IP_HOURLY_LIMIT", 3600)
    assert send_code(phone=OTHER_PHONES[2], sub=STRANGER, source_ip="198.51.100.8", **SOLVED).status == 202


def test_the_account_wide_sms_budget_is_a_429_and_a_metric(sms_outbox, settings_env, monkeypatch, capsys):
    settings_env(SMS_HOURLY_BUDGET=2)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    send_code(phone=OTHER_PHONES[0], sub=BUYER, source_ip="198.51.100.1", **SOLVED)
    send_code(phone=OTHER_PHONES[1], sub=SELLER, source_ip="198.51.100.2", **SOLVED)
    capsys.readouterr()

    exhausted = send_code(phone=OTHER_PHONES[2], sub=STRANGER, source_ip="198.51.100.3", **SOLVED)

    assert_429(exhausted, "SMS_BUDGET_EXHAUSTED", 3600)
    assert '"SmsBudgetExhausted"' in capsys.readouterr().out
    assert sms_outbox.messages(OTHER_PHONES[2]) == []
    # The refused send left no cooldown behind: the number is free once the budget is.
    settings_env(SMS_HOURLY_BUDGET=3)
    assert send_code(phone=OTHER_PHONES[2], sub=STRANGER, source_ip="198.51.100.3", **SOLVED).status == 202


# ---------------------------------------------------------------- concurrency


def test_fifty_concurrent_wrong_guesses_count_as_exactly_three(sms_outbox):
    send_code()
    code = sms_outbox.last_code(PHONE)
    buyer = Principal(user_id=BUYER, groups=frozenset(), phone_claim=PHONE)
    guess = VerifyOtpRequest(phone=PHONE, purpose=VERIFY_PHONE, code=wrong(code))

    def attack(_: int) -> str:
        try:
            service.verify(buyer, guess)
        except DomainError as exc:
            return exc.code
        return "APPROVED"

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(attack, range(50)))

    assert sorted(set(outcomes)) == ["OTP_INVALID", "OTP_MAX_ATTEMPTS"]
    assert outcomes.count("OTP_INVALID") == 2 and outcomes.count("OTP_MAX_ATTEMPTS") == 48
    assert int(CodeRow.get(CodeRow.key(BUYER, PHONE, VERIFY_PHONE)).attempts) == 3
    assert verify_code(code).code == "OTP_MAX_ATTEMPTS"
    dev_clock.advance(61)
    assert send_code().code == "CAPTCHA_REQUIRED"  # exactly three failures were recorded


def test_a_right_code_raced_ten_times_approves_once(sms_outbox):
    send_code()
    buyer = Principal(user_id=BUYER, groups=frozenset(), phone_claim=PHONE)
    right = VerifyOtpRequest(phone=PHONE, purpose=VERIFY_PHONE, code=sms_outbox.last_code(PHONE))

    def race(_: int) -> str:
        try:
            return service.verify(buyer, right).verification_token
        except DomainError as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(race, range(10)))

    assert len([outcome for outcome in outcomes if outcome.startswith("otpv_")]) == 1


# ---------------------------------------------------------------- audit and logs


def test_every_otp_event_is_audited_and_logged_with_the_phone_masked_and_never_the_code(sms_outbox, caplog):
    send_code()
    code = sms_outbox.last_code(PHONE)
    verify_code(wrong(code))
    verify_code(code)
    send_code()  # rate-limited

    records = audit_trail(phone_ref(PHONE))
    logged = [vars(record) for record in caplog.records]
    output = json.dumps(logged, default=str)

    assert [record.action for record in records] == [
        "OTP_SENT",
        "OTP_VERIFICATION_FAILED",
        "OTP_VERIFIED",
        "OTP_RATE_LIMITED",
    ]
    assert all(record.actor_id == BUYER and record.source_ip == "203.0.113.10" for record in records)
    assert all(json.loads(record.after)["phone"] == "+90******2233" for record in records)
    for text in [output, *(json.dumps(record.serialize()) for record in records)]:
        assert PHONE not in text
        assert not re.search(rf"\b{code}\b", text) and not re.search(rf"\b{wrong(code)}\b", text)
    assert [entry["otp_event"] for entry in logged if "otp_event" in entry] == [record.action for record in records]
