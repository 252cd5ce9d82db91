"""A stolen session must not be able to release funds (issue 10, §1).

Each test first reproduces an attack as an attacker holding the buyer's session would try it, then
checks what the buyer (or staff) notice: no money moves, no code goes to a number the account has
not proven, and the account is told by email whenever its confirmation phone changes.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from devstack import dev_clock
from functions.admin import users_phone
from paylox import dev_outbox
from paylox.audit import audit_trail
from paylox.auth import Principal
from paylox.otp.captcha import DEV_CAPTCHA_TOKEN
from paylox.otp.errors import OtpRequired
from paylox.transactions.release import require_admin_override
from paylox.transactions.service import find_transaction
from tests.apigw import ADMIN, AGENT, BUYER, SELLER, STRANGER, api_event, invoke
from tests.integration.steps import (
    CONFIRM_TXN,
    PHONE,
    VERIFY_PHONE,
    change_phone,
    confirm_with,
    confirmation_token,
    profile,
    register,
    send_code,
    send_event,
    shipped_transaction,
    status_of,
    verify_code,
    verify_phone,
    wait_out_cooldown,
)

ATTACKER_PHONE = "+905329998877"
NEW_PHONE = "+905441234567"
DAY = 24 * 3600
OVERRIDE = "ADMIN_OVERRIDE"


def emails_to(address: str) -> list[dict[str, str]]:
    return [m for m in dev_outbox.read_all() if m["channel"] == "email" and m["to"] == address]


def sms_count(phone: str) -> int:
    return len([m for m in dev_outbox.read_all() if m["channel"] == "sms" and m["to"] == phone])


# ---------------------------------------------------------------- the attack of the issue


def test_a_stolen_session_verifying_its_own_phone_cannot_confirm_a_release(sms_outbox):
    # Given a shipped transaction, and an attacker holding the buyer's session (the buyer never
    # verified the phone they registered with)
    txn_id = shipped_transaction()

    # When the attacker verifies their own phone and asks for a confirmation code
    verify_phone(phone=ATTACKER_PHONE)
    sent = send_code(ATTACKER_PHONE, CONFIRM_TXN, transaction_id=txn_id)

    # Then no code is sent: a phone other than the registered one is cooling off
    assert sent.status == 403 and sent.code == "PHONE_COOLING_OFF", sent.raw
    assert sms_count(ATTACKER_PHONE) == 1  # only the verification code
    # and the buyer is told by email that their confirmation phone changed
    [alert] = emails_to(f"{BUYER}@example.com")
    assert "+90******8877" in alert["body"] and ATTACKER_PHONE not in alert["body"]
    # and the money stays in escrow
    assert confirm_with(txn_id, None).code == "OTP_REQUIRED"
    assert status_of(txn_id) == "SHIPPED"


def test_a_code_is_never_sent_to_the_tokens_phone_claim(sms_outbox):
    # Given a buyer who registered without a phone, whose token carries a phone_number claim
    register("user-no-phone", phone=None)
    txn_id = shipped_transaction(buyer="user-no-phone")

    # When they ask for a confirmation code, to the claim's number or to none
    to_claim = send_code(PHONE, CONFIRM_TXN, sub="user-no-phone", transaction_id=txn_id)
    to_none = send_code(None, CONFIRM_TXN, sub="user-no-phone", transaction_id=txn_id)

    # Then both are refused and nothing is sent
    assert to_claim.status == 409 and to_claim.code == "PHONE_NOT_VERIFIED", to_claim.raw
    assert to_none.status == 409 and to_none.code == "PHONE_NOT_VERIFIED", to_none.raw
    assert sms_count(PHONE) == 0


def test_the_registered_but_unverified_phone_gets_no_confirmation_code(sms_outbox):
    txn_id = shipped_transaction()

    sent = send_code(None, CONFIRM_TXN, transaction_id=txn_id)

    assert sent.status == 409 and sent.code == "PHONE_NOT_VERIFIED"
    assert sms_count(PHONE) == 0


def test_verifying_the_registered_phone_makes_it_the_confirmation_phone_at_once(sms_outbox):
    txn_id = shipped_transaction()

    token = confirmation_token(txn_id)  # verifies PHONE first, then confirms
    done = confirm_with(txn_id, token)

    assert done.status == 200 and done.json["status"] == "COMPLETED", done.raw
    assert emails_to(f"{BUYER}@example.com") == []  # nothing changed that the buyer must hear about


def test_the_sms_names_the_amount_that_would_be_released(sms_outbox):
    txn_id = shipped_transaction(150_000)
    verify_phone()

    send_code(None, CONFIRM_TXN, transaction_id=txn_id)
    wait_out_cooldown()
    send_code(None, CONFIRM_TXN, transaction_id=txn_id, locale="en")  # replaces the first code

    texts = [m["body"] for m in sms_outbox.messages(PHONE)[-2:]]
    assert texts[0].startswith("1.500,00 TL tutarındaki ödemeyi onaylamak için Paylox kodunuz: ")
    assert texts[1].startswith("Your Paylox code to release 1,500.00 TRY: ")


def test_a_phone_given_with_a_confirmation_must_be_the_verified_one(sms_outbox):
    txn_id = shipped_transaction()
    verify_phone()

    sent = send_code(ATTACKER_PHONE, CONFIRM_TXN, transaction_id=txn_id)

    assert sent.status == 422 and sent.code == "PHONE_NOT_ON_ACCOUNT"
    assert sms_count(ATTACKER_PHONE) == 0


# ---------------------------------------------------------------- bound to one transaction and its amount


def test_a_token_for_one_transaction_releases_no_other(sms_outbox):
    first, second = shipped_transaction(), shipped_transaction(90_000)
    token = confirmation_token(first)

    on_other = confirm_with(second, token)

    assert on_other.status == 403 and on_other.code == "OTP_REQUIRED"
    assert status_of(second) == "SHIPPED"
    assert confirm_with(first, token).status == 200  # the refusal did not spend it


def test_a_code_for_one_transaction_does_not_verify_for_another(sms_outbox):
    first, second = shipped_transaction(), shipped_transaction(90_000)
    verify_phone()
    send_code(None, CONFIRM_TXN, transaction_id=first)

    other = verify_code(sms_outbox.last_code(PHONE), None, CONFIRM_TXN, transaction_id=second)

    assert other.status == 404 and other.code == "OTP_NOT_FOUND"


def test_a_token_minted_before_a_partial_refund_releases_nothing(sms_outbox):
    # Given a confirmation token for 1.500,00 TL
    txn_id = shipped_transaction(150_000)
    token = confirmation_token(txn_id)

    # When 500,00 TL is refunded before the buyer confirms
    refunded = send_event("payment.refunded", txn_id, amount=50_000, refund_id="rfd_part")
    assert refunded.status == 200, refunded.raw

    # Then the old token releases nothing; a new code names the remainder and works
    assert confirm_with(txn_id, token).code == "OTP_REQUIRED"
    fresh = confirmation_token(txn_id)
    assert sms_outbox.messages(PHONE)[-1]["body"].startswith("1.000,00 TL tutarındaki")
    assert confirm_with(txn_id, fresh).status == 200


def test_a_confirmation_code_needs_a_transaction_id():
    verify_phone()

    sent = send_code(None, CONFIRM_TXN)

    assert sent.status == 422 and sent.code == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    ("sub", "status", "code"),
    [(STRANGER, 404, "NOT_FOUND"), (SELLER, 403, "WRONG_PARTY")],
)
def test_someone_elses_transaction_gets_no_code(sms_outbox, sub, status, code):
    txn_id = shipped_transaction()
    verify_phone(sub=sub)

    sent = send_code(None, CONFIRM_TXN, sub=sub, transaction_id=txn_id)

    assert sent.status == status and sent.code == code, sent.raw


def test_a_transaction_that_cannot_be_confirmed_now_gets_no_code(sms_outbox):
    from tests.integration.steps import funded_transaction

    txn_id = funded_transaction()  # not shipped yet
    verify_phone()

    sent = send_code(None, CONFIRM_TXN, transaction_id=txn_id)

    assert sent.status == 409 and sent.code == "INVALID_STATE"
    assert sms_count(PHONE) == 1  # the verification code only


def test_confirming_twice_releases_once(sms_outbox):
    txn_id = shipped_transaction()
    token = confirmation_token(txn_id)

    assert confirm_with(txn_id, token).status == 200
    again = confirm_with(txn_id, token)

    assert again.status == 409 and again.code == "INVALID_STATE"
    assert [r.action for r in audit_trail(txn_id)].count("TRANSACTION_CONFIRM") == 1


def test_two_confirms_racing_with_one_token_release_once(sms_outbox):
    txn_id = shipped_transaction()
    token = confirmation_token(txn_id)
    start = threading.Barrier(4)

    def confirm(_: int) -> int:
        start.wait()
        return confirm_with(txn_id, token).status

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(confirm, range(4)))

    assert outcomes.count(200) == 1, outcomes
    assert status_of(txn_id) == "COMPLETED"
    assert [r.action for r in audit_trail(txn_id)].count("TRANSACTION_CONFIRM") == 1


# ---------------------------------------------------------------- PHONE_CHANGE and the cool-off


def test_phone_change_without_the_old_phones_code_changes_nothing(sms_outbox):
    # Given a buyer with a verified phone, and an attacker with their session
    verify_phone()

    # When the attacker asks to change it to their own number (solving the captcha a code to a
    # number not on the account needs) and guesses the old phone's code
    sent = send_code(ATTACKER_PHONE, "PHONE_CHANGE", captcha_token=DEV_CAPTCHA_TOKEN)
    assert sent.status == 202, sent.raw
    assert sms_count(PHONE) == 2 and sms_count(ATTACKER_PHONE) == 1  # one code to each
    own_code = sms_outbox.last_code(ATTACKER_PHONE)
    guess = "000000" if own_code != "000000" else "111111"
    result = verify_code(guess, ATTACKER_PHONE, "PHONE_CHANGE", new_code=own_code)
    only_new = verify_code(own_code, ATTACKER_PHONE, "PHONE_CHANGE")  # without the old phone's code

    # Then the phone stays, and so does the right to confirm with it
    assert result.status == 400 and result.code == "OTP_INVALID", result.raw
    assert only_new.status == 422 and only_new.code == "VALIDATION_ERROR"
    assert profile(BUYER).phone == PHONE
    txn_id = shipped_transaction()
    wait_out_cooldown()
    assert confirm_with(txn_id, confirmation_token(txn_id)).status == 200


def test_phone_change_with_both_codes_switches_and_cools_off_for_a_day(sms_outbox):
    # Given a buyer with a verified phone and a shipped transaction
    verify_phone()
    txn_id = shipped_transaction()

    # When they change the phone with the codes sent to the old and the new number
    change_phone(NEW_PHONE)

    # Then the new phone is theirs, the account is told, and it cannot approve a release for 24 h
    assert profile(BUYER).phone == NEW_PHONE
    [alert] = emails_to(f"{BUYER}@example.com")
    assert "+90******4567" in alert["body"]
    early = send_code(None, CONFIRM_TXN, transaction_id=txn_id)
    assert early.status == 403 and early.code == "PHONE_COOLING_OFF", early.raw
    assert "cool_off_until" in early.json
    dev_clock.advance(DAY - 120)
    assert send_code(None, CONFIRM_TXN, transaction_id=txn_id).code == "PHONE_COOLING_OFF"
    dev_clock.advance(121)
    token = confirmation_token(txn_id, phone=NEW_PHONE)
    assert confirm_with(txn_id, token).status == 200


def test_a_token_minted_before_the_phone_changed_releases_nothing(sms_outbox, settings_env):
    # Given a token for the old phone, and (to see the binding alone) no cool-off after a change
    settings_env(PHONE_CHANGE_COOL_OFF_HOURS=0)
    txn_id = shipped_transaction()
    token = confirmation_token(txn_id)

    # When the phone changes
    change_phone(NEW_PHONE)

    # Then the old phone's token releases nothing
    assert confirm_with(txn_id, token).code == "OTP_REQUIRED"
    assert status_of(txn_id) == "SHIPPED"


def test_a_token_is_refused_while_the_phone_cools_off(sms_outbox):
    txn_id = shipped_transaction()
    token = confirmation_token(txn_id)

    change_phone(NEW_PHONE)
    refused = confirm_with(txn_id, token)

    assert refused.status == 403 and refused.code == "PHONE_COOLING_OFF"
    assert status_of(txn_id) == "SHIPPED"


def test_a_first_phone_other_than_the_registered_one_cools_off(sms_outbox):
    txn_id = shipped_transaction()
    verify_phone(phone=NEW_PHONE)

    cooling = send_code(None, CONFIRM_TXN, transaction_id=txn_id)
    dev_clock.advance(DAY)
    token = confirmation_token(txn_id, phone=NEW_PHONE)

    assert cooling.code == "PHONE_COOLING_OFF"
    assert confirm_with(txn_id, token).status == 200


def test_phone_change_needs_a_verified_phone_and_another_number(sms_outbox):
    not_verified = send_code(NEW_PHONE, "PHONE_CHANGE")
    verify_phone()
    same = send_code(PHONE, "PHONE_CHANGE")

    assert not_verified.status == 409 and not_verified.code == "PHONE_NOT_VERIFIED"
    assert same.status == 422 and same.code == "PHONE_UNCHANGED"


def test_a_verified_phone_still_cannot_be_replaced_by_plain_verification(sms_outbox):
    verify_phone()

    swap = send_code(ATTACKER_PHONE, VERIFY_PHONE)

    assert swap.status == 409 and swap.code == "PHONE_ALREADY_VERIFIED"


# ---------------------------------------------------------------- staff help


def staff_sets_phone(user_id: str, phone: str, sub: str = ADMIN, groups: tuple[str, ...] = ("admin",), **body: str):
    event = api_event(
        "admin/users_phone.json",
        path={"id": user_id},
        body={"phone": phone, "reason": "Lost phone; identity checked (ticket 4711)", **body},
        sub=sub,
        groups=groups,
    )
    return invoke(users_phone, event)


def test_an_admin_sets_a_lost_phone_audited_emailed_and_cooling_off(sms_outbox):
    # Given a buyer who lost their verified phone, with a shipped transaction
    verify_phone()
    txn_id = shipped_transaction()

    # When an admin sets their new phone, with a reason
    result = staff_sets_phone(BUYER, "0544 123 45 67")

    # Then it is their verified phone, cooling off; the buyer is emailed; the change is audited
    assert result.status == 200, result.raw
    assert result.json["phone"] == NEW_PHONE and result.json["phone_verified"] is True
    assert profile(BUYER).phone == NEW_PHONE
    [alert] = emails_to(f"{BUYER}@example.com")
    assert "destek ekibimiz" in alert["body"]
    [record] = [r for r in audit_trail(BUYER) if r.action == "USER_PHONE_CHANGED"]
    assert record.actor_id == ADMIN and record.reason == "Lost phone; identity checked (ticket 4711)"
    assert send_code(None, CONFIRM_TXN, transaction_id=txn_id).code == "PHONE_COOLING_OFF"
    dev_clock.advance(DAY)
    assert confirm_with(txn_id, confirmation_token(txn_id, phone=NEW_PHONE)).status == 200


@pytest.mark.parametrize(
    ("sub", "groups", "user", "status", "code"),
    [
        (AGENT, ("support",), BUYER, 403, "ADMIN_ONLY"),
        (BUYER, ("customers",), BUYER, 403, "ADMIN_ONLY"),
        (ADMIN, ("admin",), ADMIN, 403, "SELF_ACTION"),
        (ADMIN, ("admin",), "user-nobody", 404, "NOT_FOUND"),
    ],
)
def test_only_an_admin_sets_someone_elses_phone(sub, groups, user, status, code):
    result = staff_sets_phone(user, NEW_PHONE, sub=sub, groups=groups)

    assert (result.status, result.code) == (status, code), result.raw


def test_setting_a_phone_needs_a_reason_and_a_mobile_number():
    assert staff_sets_phone(BUYER, NEW_PHONE, reason="").code == "VALIDATION_ERROR"
    assert staff_sets_phone(BUYER, "0212 123 45 67").code == "PHONE_NOT_MOBILE"


# ---------------------------------------------------------------- ADMIN_OVERRIDE


def test_admin_override_codes_are_staff_only_and_bound_to_action_and_amount(sms_outbox):
    # Given an admin with a verified phone, and a shipped transaction
    txn_id = shipped_transaction(150_000)
    verify_phone(sub=ADMIN)

    # When the admin asks for a code to refund it, and a buyer asks for one too
    sent = send_code(None, OVERRIDE, ADMIN, groups=("admin",), transaction_id=txn_id, action="REFUND", locale="en")
    by_buyer = send_code(None, OVERRIDE, transaction_id=txn_id, action="REFUND")

    # Then the SMS names the action and amount; the buyer is refused
    assert sent.status == 202, sent.raw
    assert sms_outbox.messages(PHONE)[-1]["body"].startswith(
        f"Your Paylox admin code to approve REFUND of 1,500.00 TRY on {txn_id}: "
    )
    assert by_buyer.status == 403 and by_buyer.code == "STAFF_ONLY"

    # And its token approves exactly that action and amount, once
    code = sms_outbox.last_code(PHONE)
    verified = verify_code(code, None, OVERRIDE, ADMIN, ("admin",), transaction_id=txn_id, action="REFUND")
    token = verified.json["verification_token"]
    admin = Principal(user_id=ADMIN, groups=frozenset({"admin"}), mfa=True)
    txn = find_transaction(txn_id)
    assert txn is not None
    with pytest.raises(OtpRequired):
        require_admin_override(admin, txn, "RELEASE", 150_000, token)
    with pytest.raises(OtpRequired):
        require_admin_override(admin, txn, "REFUND", 100_000, token)
    require_admin_override(admin, txn, "REFUND", 150_000, token)
    with pytest.raises(OtpRequired):
        require_admin_override(admin, txn, "REFUND", 150_000, token)
