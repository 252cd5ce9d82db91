"""OTP by SMS as a client does it: the dev stack over real HTTP, the SMS read from ``/_dev/outbox``.

The stack and its clock are shared by the whole session, so each test uses its own users and its
own phone number (rate limits and cooldowns are per number).
"""

from __future__ import annotations

import secrets

import pytest

from tests.e2e.steps import (
    confirmation_token,
    emails,
    funded_transaction,
    last_code,
    new_user,
    registered_user,
    send_code,
    verify_code,
    verify_phone,
)
from tests.sms import code_in, sms_to

pytestmark = pytest.mark.e2e


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_user_verifies_their_phone_with_the_code_from_the_sms(stack):
    # Given a signed-in user and their number, typed the Turkish way
    phone = "+905301110001"
    token = stack.token(new_user("otp"), phone=phone)

    # When a code is sent, and the user types it (after one typo)
    sent = send_code(stack, token, "0530 111 00 01", locale="en")
    assert sent.status_code == 202, sent.text
    assert sent.json() == {"status": "pending", "expires_in": 300, "resend_available_in": 60, "attempts_left": 3}
    sms = sms_to(stack.outbox(), phone)[-1]
    code = code_in(sms["body"])
    assert sms["body"] == f"Your Paylox verification code: {code}"
    typo = verify_code(stack, token, phone, wrong(code))
    approved = verify_code(stack, token, phone, code)

    # Then the typo costs one attempt and the right code is approved, once
    assert typo.status_code == 400 and typo.json()["code"] == "OTP_INVALID"
    assert typo.json()["attempts_left"] == 2
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["verification_token"]
    assert verify_code(stack, token, phone, code).json()["code"] == "OTP_NOT_FOUND"
    status = stack.request("GET", f"/api/otp/status?phone=%2B{phone[1:]}&purpose=PHONE_VERIFICATION", token=token)
    assert status.json()["status"] == "approved"


def test_three_wrong_codes_kill_the_code(stack):
    phone = "+905301110002"
    token = stack.token(new_user("otp"), phone=phone)
    assert send_code(stack, token, phone).status_code == 202
    code = last_code(stack, phone)

    results = [verify_code(stack, token, phone, wrong(code)) for _ in range(3)]
    too_late = verify_code(stack, token, phone, code)

    assert [result.json()["code"] for result in results] == ["OTP_INVALID", "OTP_INVALID", "OTP_MAX_ATTEMPTS"]
    assert results[2].status_code == 429 and int(results[2].headers["Retry-After"]) >= 1
    assert too_late.status_code == 429 and too_late.json()["code"] == "OTP_MAX_ATTEMPTS"


def test_a_code_expires_when_the_dev_clock_moves_past_five_minutes(stack):
    phone = "+905301110003"
    token = stack.token(new_user("otp"), phone=phone)
    assert send_code(stack, token, phone).status_code == 202
    code = last_code(stack, phone)

    stack.advance_clock(301)
    expired = verify_code(stack, token, phone, code)

    assert expired.status_code == 410 and expired.json()["code"] == "OTP_EXPIRED"


def test_one_sms_per_minute_and_a_resend_replaces_the_code(stack):
    phone = "+905301110004"
    token = stack.token(new_user("otp"), phone=phone)
    assert send_code(stack, token, phone).status_code == 202
    old = last_code(stack, phone)

    limited = send_code(stack, token, phone)
    stack.advance_clock(61)
    resent = stack.request(
        "POST", "/api/otp/resend", token=token, json={"phone": phone, "purpose": "PHONE_VERIFICATION"}
    )
    new = last_code(stack, phone)

    assert limited.status_code == 429 and limited.json()["code"] == "OTP_RATE_LIMITED"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert resent.status_code == 202, resent.text
    if new != old:  # one chance in a million that the new code repeats the old one
        assert verify_code(stack, token, phone, old).json()["code"] == "OTP_INVALID"
    assert verify_code(stack, token, phone, new).status_code == 200


def test_a_stolen_session_cannot_release_with_its_own_phone_until_the_cool_off_ends(stack):
    # Given a shipped transaction, and an attacker with the buyer's session and their own phone
    buyer, seller = new_user("buyer"), registered_user(stack, "seller")
    registered_phone, attacker_phone = (f"+90533{secrets.randbelow(10**7):07d}" for _ in range(2))
    buyer_token = stack.token(buyer, email=f"{buyer}@example.com", phone=registered_phone)
    txn = funded_transaction(stack, buyer_token, seller)
    shipped = stack.request("POST", f"/api/transaction/{txn['id']}/ship", token=stack.token(seller))
    assert shipped.status_code == 200, shipped.text

    # When the attacker verifies their phone and asks for the release code
    verify_phone(stack, buyer_token, attacker_phone)
    refused = send_code(stack, buyer_token, None, "TRANSACTION_CONFIRMATION", transaction_id=txn["id"])

    # Then no code is sent, and the buyer hears of the new phone by email
    assert refused.status_code == 403 and refused.json()["code"] == "PHONE_COOLING_OFF", refused.text
    assert len(sms_to(stack.outbox(), attacker_phone)) == 1  # the verification code only
    [alert] = stack.wait_for(lambda: emails(stack, f"{buyer}@example.com", "Paylox: Telefon numaranız değişti"))
    assert attacker_phone[-4:] in alert["body"] and attacker_phone not in alert["body"]

    # And only after the cool-off (24 h by the stack's clock) can that phone approve the release
    stack.advance_clock(24 * 3600)
    token = confirmation_token(stack, buyer_token, txn["id"], attacker_phone)
    sms = sms_to(stack.outbox(), attacker_phone)[-1]["body"]
    assert sms.startswith("1.500,00 TL tutarındaki ödemeyi onaylamak için Paylox kodunuz: ")
    confirmed = stack.request(
        "POST", f"/api/transaction/{txn['id']}/confirm", token=buyer_token, headers={"X-OTP-Token": token}
    )
    assert confirmed.status_code == 200, confirmed.text


def test_codes_from_another_account_never_lock_the_owner_out_of_a_release(stack):
    # Given a buyer whose registered phone is verified, and a shipped transaction
    buyer, seller = new_user("buyer"), registered_user(stack, "seller")
    phone = f"+90534{secrets.randbelow(10**7):07d}"
    buyer_token = stack.token(buyer, email=f"{buyer}@example.com", phone=phone)
    verify_phone(stack, buyer_token, phone)
    txn = funded_transaction(stack, buyer_token, seller)
    assert stack.request("POST", f"/api/transaction/{txn['id']}/ship", token=stack.token(seller)).status_code == 200

    # When another account asks for codes to that number: a captcha first, then its own caps
    attacker = stack.token(new_user("attacker"))
    unsolved = send_code(stack, attacker, phone)
    sent = []
    for _ in range(5):
        sent.append(send_code(stack, attacker, phone, captcha_token="paylox-dev-captcha-pass").status_code)
        stack.advance_clock(61)
    capped = send_code(stack, attacker, phone, captcha_token="paylox-dev-captcha-pass")
    probe = stack.request("GET", f"/api/otp/status?phone=%2B{phone[1:]}&purpose=PHONE_VERIFICATION", token=attacker)

    # Then the attacker is stopped and learns nothing, and the owner still releases the money
    assert unsolved.status_code == 428 and unsolved.json()["code"] == "CAPTCHA_REQUIRED"
    assert sent == [202] * 5
    assert capped.status_code == 429 and capped.json()["code"] == "OTP_PHONE_HOURLY_LIMIT"
    assert probe.status_code == 404 and probe.json()["code"] == "NOT_FOUND"
    token = confirmation_token(stack, buyer_token, txn["id"], phone)
    confirmed = stack.request(
        "POST", f"/api/transaction/{txn['id']}/confirm", token=buyer_token, headers={"X-OTP-Token": token}
    )
    assert confirmed.status_code == 200, confirmed.text
