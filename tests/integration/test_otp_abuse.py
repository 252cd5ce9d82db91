"""Abuse that must not be turned against users or the platform (issue 15 §3), and the round trips
a send and a verify may take (issue 13 §4), through the handlers.

Someone else's codes to a number are counted per (caller, number): they never lock its verified
owner out; a code to a number not on the caller's account needs a captcha; part of the SMS budget
is kept for transaction confirmations; the status route answers only about the caller's number.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.aws_calls import counting
from devstack import dev_clock
from paylox.auth import Principal
from paylox.errors import DomainError
from paylox.otp import service
from paylox.otp.captcha import DEV_CAPTCHA_TOKEN
from paylox.otp.schemas import SendOtpRequest
from tests.apigw import BUYER, SELLER, STRANGER
from tests.integration.steps import (
    CONFIRM_TXN,
    PHONE,
    VERIFY_PHONE,
    confirm_with,
    confirmation_token,
    otp_status,
    send_code,
    shipped_transaction,
    verify_code,
    verify_phone,
    wait_out_cooldown,
)

SOLVED = {"captcha_token": DEV_CAPTCHA_TOKEN}
STRANGERS_OWN_PHONE = "+905329998877"
OTHER_PHONE = "+905341112233"
HOUR = 3600

#: The attacker either registered with a number of their own, or with the victim's number itself
#: (then the number's shared count is theirs too): neither may touch the victim's verified phone.
ATTACKERS = [
    pytest.param(
        STRANGERS_OWN_PHONE, marks=pytest.mark.signed_up(STRANGER, phone=STRANGERS_OWN_PHONE), id="own-number"
    ),
    pytest.param(PHONE, marks=pytest.mark.signed_up(STRANGER, phone=PHONE), id="registered-with-victims-number"),
]


def victim_with_a_shipped_transaction() -> str:
    """BUYER verified PHONE a day ago (nothing of their sign-up is counted any more) and has a
    shipped transaction to confirm."""
    verify_phone()
    dev_clock.advance(24 * HOUR)
    return shipped_transaction()


def attacker_sends(count: int) -> list[int]:
    """STRANGER asks for ``count`` codes to the victim's number, solving every captcha and
    waiting out every cooldown and hourly cap (a patient attacker)."""
    statuses = []
    for sent in range(count):
        if sent and sent % 5 == 0:
            dev_clock.advance(HOUR)  # the hourly cap per number
        statuses.append(send_code(PHONE, VERIFY_PHONE, STRANGER, **SOLVED).status)
        dev_clock.advance(61)
    return statuses


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_five_codes_from_another_account_do_not_lock_the_owner_out_of_a_release(sms_outbox, attacker):
    # Given a buyer whose verified phone is PHONE, and a shipped transaction
    txn_id = victim_with_a_shipped_transaction()

    # When another account sends five codes to that number (the old hourly cap of the number)
    assert attacker_sends(5) == [202] * 5
    refused = send_code(PHONE, VERIFY_PHONE, STRANGER, **SOLVED)

    # Then the attacker is capped, and the owner still gets a code and releases the money
    assert refused.status == 429 and refused.code == "OTP_PHONE_HOURLY_LIMIT"
    assert confirm_with(txn_id, confirmation_token(txn_id)).status == 200


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_twenty_codes_from_another_account_block_the_attacker_never_the_owner(sms_outbox, attacker):
    txn_id = victim_with_a_shipped_transaction()

    assert attacker_sends(20) == [202] * 20
    dev_clock.advance(HOUR)
    blocked = send_code(PHONE, VERIFY_PHONE, STRANGER, **SOLVED)

    assert blocked.status == 403 and blocked.code == "PHONE_BLOCKED"
    assert confirm_with(txn_id, confirmation_token(txn_id)).status == 200


def test_wrong_codes_from_another_account_cost_the_owner_nothing(sms_outbox):
    # Given the owner's verified phone, and an attacker who asked for codes to it and failed them
    txn_id = victim_with_a_shipped_transaction()
    for _ in range(4):  # past the captcha threshold (3) of the attacker's count
        send_code(PHONE, VERIFY_PHONE, STRANGER, **SOLVED)
        for guess in ("000000", "111111", "222222"):
            verify_code(guess, PHONE, VERIFY_PHONE, STRANGER)
        dev_clock.advance(61)

    # Then the owner needs no captcha and confirms as usual
    assert send_code(None, CONFIRM_TXN, BUYER, transaction_id=txn_id).status == 202
    wait_out_cooldown()
    assert confirm_with(txn_id, confirmation_token(txn_id)).status == 200


# ---------------------------------------------------------------- captcha


def test_the_registered_phone_needs_no_captcha_and_any_other_number_does(sms_outbox):
    registered = send_code(PHONE)
    other = send_code(OTHER_PHONE)
    solved = send_code(OTHER_PHONE, **SOLVED)

    assert registered.status == 202
    assert other.status == 428 and other.code == "CAPTCHA_REQUIRED"
    assert solved.status == 202
    assert len(sms_outbox.messages(OTHER_PHONE)) == 1


def test_a_phone_change_needs_a_captcha_for_the_new_number(sms_outbox):
    verify_phone()

    unsolved = send_code(OTHER_PHONE, "PHONE_CHANGE")

    assert unsolved.status == 428 and unsolved.code == "CAPTCHA_REQUIRED"
    assert sms_outbox.messages(OTHER_PHONE) == []
    assert send_code(OTHER_PHONE, "PHONE_CHANGE", **SOLVED).status == 202


# ---------------------------------------------------------------- status


def test_status_answers_only_about_the_callers_own_number(sms_outbox):
    send_code(OTHER_PHONE, sub=STRANGER, **SOLVED)  # someone's code to a number not on our account

    mine = otp_status(PHONE)
    theirs = otp_status(OTHER_PHONE)
    probed = otp_status(OTHER_PHONE, sub=SELLER)

    assert mine.status == 200
    assert theirs.status == 404 and theirs.code == "NOT_FOUND"
    assert probed.status == 404 and probed.code == "NOT_FOUND"


# ---------------------------------------------------------------- the SMS budget


@pytest.mark.signed_up(SELLER, phone="+905321112233")
@pytest.mark.signed_up(STRANGER, phone="+905331112233")
def test_part_of_the_budget_is_kept_for_transaction_confirmations(sms_outbox, settings_env):
    # Given 5 SMS an hour, 40 % of them kept for confirmations: 3 for anything else
    settings_env(SMS_HOURLY_BUDGET=5, SMS_BUDGET_RESERVED_PERCENT=40)
    verify_phone()  # the first of the 3
    txn_id = shipped_transaction()
    assert send_code("+905321112233", sub=SELLER).status == 202

    # When the others are spent
    third = send_code("+905331112233", sub=STRANGER)
    fourth = send_code(OTHER_PHONE, sub=STRANGER, **SOLVED)

    # Then verifications are refused, and a buyer still gets the code that releases money
    assert third.status == 202
    assert fourth.status == 429 and fourth.code == "SMS_BUDGET_EXHAUSTED"
    assert send_code(None, CONFIRM_TXN, BUYER, transaction_id=txn_id).status == 202


def test_the_reserve_setting_must_leave_room(settings_env):
    from paylox.config import SettingsError, get_settings

    settings_env(SMS_BUDGET_RESERVED_PERCENT=95)

    with pytest.raises(SettingsError, match="SMS_BUDGET_RESERVED_PERCENT"):
        get_settings()


# ---------------------------------------------------------------- concurrency


def test_ten_concurrent_sends_to_one_number_send_one_sms(sms_outbox):
    buyer = Principal(user_id=BUYER, groups=frozenset())
    request = SendOtpRequest(phone=PHONE, purpose=VERIFY_PHONE)

    def race(_: int) -> str:
        try:
            service.send(buyer, request)
        except DomainError as exc:
            return exc.code
        return "SENT"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(race, range(10)))

    assert outcomes.count("SENT") == 1 and outcomes.count("OTP_RATE_LIMITED") == 9
    assert len(sms_outbox.messages(PHONE)) == 1


def test_concurrent_sends_never_overspend_the_budget(sms_outbox, settings_env):
    settings_env(SMS_HOURLY_BUDGET=3, SMS_BUDGET_RESERVED_PERCENT=0, OTP_HOURLY_LIMIT_PER_USER=50)
    buyer = Principal(user_id=BUYER, groups=frozenset())
    numbers = [f"+9053211122{index:02d}" for index in range(8)]

    def race(number: str) -> str:
        try:
            service.send(buyer, SendOtpRequest(phone=number, purpose=VERIFY_PHONE, captcha_token=DEV_CAPTCHA_TOKEN))
        except DomainError as exc:
            return exc.code
        return "SENT"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(race, numbers))

    assert outcomes.count("SENT") == 3 and outcomes.count("SMS_BUDGET_EXHAUSTED") == 5
    assert sum(len(sms_outbox.messages(number)) for number in numbers) == 3


# ---------------------------------------------------------------- round trips (issue 13 §4)


def test_a_send_and_a_verify_take_few_dynamodb_round_trips(sms_outbox):
    """Counted through botocore's event system (bench/aws_calls.py); targets: send 8, verify 5."""
    with counting() as sent:
        assert send_code().status == 202
    with counting() as verified:
        assert verify_code(sms_outbox.last_code(PHONE)).status == 200

    assert sent.count("dynamodb") <= 8, sent.of("dynamodb")
    assert verified.count("dynamodb") <= 5, verified.of("dynamodb")


def test_a_release_confirmation_takes_few_dynamodb_round_trips(sms_outbox):
    verify_phone()
    txn_id = shipped_transaction()

    with counting() as sent:
        assert send_code(None, CONFIRM_TXN, transaction_id=txn_id).status == 202
    with counting() as verified:
        verified_code = verify_code(sms_outbox.last_code(PHONE), None, CONFIRM_TXN, transaction_id=txn_id)
        assert verified_code.status == 200

    assert sent.count("dynamodb") <= 8, sent.of("dynamodb")
    assert verified.count("dynamodb") <= 5, verified.of("dynamodb")
