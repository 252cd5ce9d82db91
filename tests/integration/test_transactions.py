"""Escrow transactions through their HTTP handlers, against moto."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from devstack import dev_clock
from functions.transactions import create, get, list_mine
from paylox.audit import audit_trail
from paylox.auth import SYSTEM, Principal
from paylox.errors import ConcurrentModification, InvalidState
from paylox.transactions import service, states
from paylox.transactions.service import apply_move, find_transaction
from paylox.users.models import UserProfile, UserStatus
from tests.apigw import ADMIN, AGENT, BUYER, SELLER, STRANGER, api_event, invoke
from tests.integration.bus import EventTap
from tests.integration.steps import (
    act,
    confirm_with,
    confirmation_token,
    fund,
    new_transaction,
    send_event,
    shipped_transaction,
    verification_token,
)


def test_buyer_creates_a_transaction_in_kurus():
    txn = new_transaction(amount=150000)

    assert txn["status"] == "CREATED"
    assert txn["buyer_id"] == BUYER and txn["seller_id"] == SELLER
    assert txn["amount"] == 150000 and txn["currency"] == "TRY"
    assert txn["id"].startswith("txn_")
    assert [entry["status"] for entry in txn["timeline"]] == ["CREATED"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"seller_id": SELLER, "amount": -100, "description": "x"}, "amount"),
        ({"seller_id": SELLER, "amount": 0, "description": "x"}, "amount"),
        ({"seller_id": SELLER, "amount": 10.5, "description": "x"}, "amount"),
        ({"seller_id": SELLER, "amount": "100", "description": "x"}, "amount"),
        ({"seller_id": SELLER, "amount": 100, "currency": "USD", "description": "x"}, "currency"),
        ({"seller_id": SELLER, "amount": 100}, "description"),
        ({"amount": 100, "description": "x"}, "seller_id"),
    ],
)
def test_invalid_amounts_and_fields_are_refused_with_the_field_named(body, field):
    result = invoke(create, api_event("transactions/create.json", body=body))

    assert result.status == 422
    assert result.code == "VALIDATION_ERROR"
    assert field in [error["field"] for error in result.json["errors"]]
    assert result.headers["content-type"] == "application/problem+json"


def test_malformed_json_is_a_clear_400():
    result = invoke(create, api_event("transactions/create.json", body="{not json"))

    assert result.status == 400
    assert result.code == "MALFORMED_JSON"


def test_buyer_cannot_sell_to_themselves():
    result = invoke(
        create,
        api_event("transactions/create.json", body={"seller_id": BUYER, "amount": 100, "description": "x"}),
    )

    assert result.status == 422
    assert result.code == "SELLER_IS_BUYER"


def test_errors_speak_the_callers_language():
    body = {"seller_id": BUYER, "amount": 100, "description": "x"}
    turkish = invoke(create, api_event("transactions/create.json", body=body, headers={"Accept-Language": "tr"}))
    english = invoke(create, api_event("transactions/create.json", body=body, headers={"Accept-Language": "en-GB"}))

    assert turkish.json["detail"] == "Satıcı, alıcıdan farklı bir kişi olmalıdır."
    assert english.json["detail"] == "The seller must be someone other than the buyer."
    assert turkish.code == english.code == "SELLER_IS_BUYER"


def test_parties_and_staff_see_a_transaction_and_nobody_else():
    txn = new_transaction()

    assert act("get", txn["id"], BUYER).status == 200
    assert act("get", txn["id"], SELLER).status == 200
    stranger = act("get", txn["id"], STRANGER)
    admin = invoke(get, api_event("transactions/get.json", path={"id": txn["id"]}, sub=ADMIN, groups=("admin",)))
    support = invoke(get, api_event("transactions/get.json", path={"id": txn["id"]}, sub=AGENT, groups=("support",)))

    assert stranger.status == 404 and stranger.code == "NOT_FOUND"
    assert admin.status == 200 and support.status == 200


def test_unknown_and_malformed_ids_are_404():
    assert act("get", "txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F", BUYER).status == 404
    assert act("get", "not-an-id", BUYER).status == 404


def test_paying_moves_to_payment_pending_and_returns_a_session():
    txn = new_transaction()

    result = act("pay", txn["id"], BUYER)

    assert result.status == 200
    assert result.json["transaction"]["status"] == "PAYMENT_PENDING"
    assert result.json["payment_url"].startswith("https://")
    assert act("get", txn["id"], SELLER).json["status"] == "PAYMENT_PENDING"


def test_only_the_buyer_pays_and_only_the_seller_ships():
    txn = new_transaction()

    assert act("pay", txn["id"], SELLER).code == "WRONG_PARTY"
    act("pay", txn["id"], BUYER)
    fund(txn["id"])
    assert act("ship", txn["id"], BUYER).code == "WRONG_PARTY"
    assert act("ship", txn["id"], STRANGER).status == 404


def test_the_happy_path_ends_completed_with_a_full_timeline():
    txn = new_transaction()
    act("pay", txn["id"], BUYER)
    fund(txn["id"])

    assert act("ship", txn["id"], SELLER).json["status"] == "SHIPPED"
    done = confirm_with(txn["id"], confirmation_token(txn["id"]))

    assert done.status == 200
    assert [entry["status"] for entry in done.json["timeline"]] == [
        "CREATED",
        "PAYMENT_PENDING",
        "FUNDED",
        "SHIPPED",
        "COMPLETED",
    ]


@pytest.mark.parametrize("token", [None, "", "otpv_forged-token", "not-even-the-format"])
def test_confirming_without_a_valid_sms_token_is_403_and_releases_nothing(token):
    txn_id = shipped_transaction()

    refused = confirm_with(txn_id, token)

    assert refused.status == 403 and refused.code == "OTP_REQUIRED"
    assert act("get", txn_id, BUYER).json["status"] == "SHIPPED"


def test_a_confirmation_token_works_once():
    first, second = shipped_transaction(), shipped_transaction()
    token = confirmation_token(first)

    assert confirm_with(first, token).status == 200
    again = confirm_with(second, token)

    assert again.status == 403 and again.code == "OTP_REQUIRED"
    assert act("get", second, BUYER).json["status"] == "SHIPPED"


def test_a_token_is_bound_to_its_user_and_purpose_and_expires():
    txn_id = shipped_transaction()
    strangers_token = confirmation_token(shipped_transaction(buyer=STRANGER), sub=STRANGER)
    refusals = [confirm_with(txn_id, strangers_token)]
    phone_token = verification_token("PHONE_VERIFICATION")  # waits out the one-SMS-per-minute cooldown
    refusals.append(confirm_with(txn_id, phone_token))
    expiring = confirmation_token(txn_id)
    dev_clock.advance(301)
    refusals.append(confirm_with(txn_id, expiring))

    assert [(result.status, result.code) for result in refusals] == [(403, "OTP_REQUIRED")] * 3
    assert confirm_with(txn_id, confirmation_token(txn_id)).status == 200


def test_a_token_stops_working_when_the_account_phone_changes():
    txn_id = shipped_transaction()
    token = confirmation_token(txn_id)
    profile = UserProfile.get(BUYER)
    profile.phone = "+905329998877"
    profile.save()

    refused = confirm_with(txn_id, token)

    assert refused.status == 403 and refused.code == "OTP_REQUIRED"


def test_a_token_is_not_spent_by_a_confirmation_that_cannot_happen():
    txn_id, early = shipped_transaction(), new_transaction()
    token = confirmation_token(txn_id)

    assert confirm_with(early["id"], token).code == "INVALID_STATE"
    assert confirm_with(txn_id, token).status == 200


def test_moves_out_of_order_are_invalid_state():
    txn = new_transaction()

    shipped_early = act("ship", txn["id"], SELLER)
    confirmed_early = act("confirm", txn["id"], BUYER)
    act("pay", txn["id"], BUYER)
    paid_twice = act("pay", txn["id"], BUYER)

    assert shipped_early.status == 409 and shipped_early.code == "INVALID_STATE"
    assert confirmed_early.code == "INVALID_STATE"
    assert paid_twice.code == "INVALID_STATE"
    assert paid_twice.json["current_status"] == "PAYMENT_PENDING"


def test_cancel_only_before_funding():
    cancelled = new_transaction()
    funded = new_transaction()
    act("pay", funded["id"], BUYER)
    fund(funded["id"])

    assert act("cancel", cancelled["id"], SELLER).json["status"] == "CANCELLED"
    assert act("cancel", funded["id"], BUYER).code == "INVALID_STATE"


def test_failed_payment_can_be_paid_again():
    txn = new_transaction()
    act("pay", txn["id"], BUYER)
    send_event("payment.failed", txn["id"], reason="card declined")

    again = act("pay", txn["id"], BUYER)

    assert again.json["transaction"]["status"] == "PAYMENT_PENDING"


def test_racing_requests_never_both_win():
    # Each Lambda execution environment serves one request at a time, so the race is between
    # environments: many service calls at once, each with its own read of the transaction.
    txn = new_transaction()
    buyer = Principal(user_id=BUYER, groups=frozenset())

    def try_to_pay(_: int) -> str:
        try:
            service.pay(buyer, txn["id"])
            return "won"
        except InvalidState:
            return "lost"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(try_to_pay, range(8)))

    assert sorted(outcomes) == ["lost"] * 7 + ["won"]
    timeline = act("get", txn["id"], BUYER).json["timeline"]
    assert [entry["status"] for entry in timeline] == ["CREATED", "PAYMENT_PENDING"]


def test_list_shows_both_roles_newest_first_with_a_cursor():
    ids = [new_transaction(seller=SELLER)["id"] for _ in range(3)]
    ids += [new_transaction(buyer=SELLER, seller=BUYER)["id"] for _ in range(2)]
    new_transaction(buyer=STRANGER, seller=SELLER)  # not the buyer's business

    first = invoke(list_mine, api_event("transactions/list_mine.json", query={"limit": "3"}))
    second = invoke(
        list_mine,
        api_event("transactions/list_mine.json", query={"limit": "3", "cursor": first.json["next_cursor"]}),
    )

    seen = [item["id"] for item in first.json["items"] + second.json["items"]]
    assert seen == sorted(ids, reverse=True)
    assert second.json["next_cursor"] is None


def test_list_rejects_a_forged_cursor():
    result = invoke(list_mine, api_event("transactions/list_mine.json", query={"cursor": "abc"}))

    assert result.status == 400 and result.code == "INVALID_CURSOR"


def test_first_request_creates_the_profile_from_the_token():
    new_transaction()

    profile = UserProfile.get(BUYER)
    assert profile.email == f"{BUYER}@example.com"
    assert profile.phone == "+905551112233"
    assert profile.status == "ACTIVE" and not profile.phone_verified


def test_a_suspended_user_is_refused_everywhere():
    txn = new_transaction()
    profile = UserProfile.get(BUYER)
    profile.status = UserStatus.SUSPENDED.value
    profile.save()

    for result in (
        act("get", txn["id"], BUYER),
        act("pay", txn["id"], BUYER),
        invoke(list_mine, api_event("transactions/list_mine.json")),
    ):
        assert result.status == 403
        assert result.code == "ACCOUNT_SUSPENDED"


def test_a_request_without_claims_is_401():
    result = invoke(get, api_event("transactions/get.json", path={"id": "txn_x"}, sub=None))

    assert result.status == 401


def test_every_move_is_audited_with_who_where_and_what():
    txn = new_transaction()
    act("pay", txn["id"], BUYER)

    records = audit_trail(txn["id"])

    assert [record.action for record in records] == ["TRANSACTION_CREATED", "TRANSACTION_PAY"]
    paid = records[1]
    assert paid.actor_id == BUYER and paid.actor_role == "user"
    assert json.loads(paid.before) == {"status": "CREATED"}
    assert json.loads(paid.after) == {"status": "PAYMENT_PENDING"}
    assert paid.source_ip == "203.0.113.10"
    assert paid.request_id


def test_moves_are_announced_on_the_event_bus():
    bus = EventTap(sources=("paylox.transactions",))

    txn = new_transaction()
    act("pay", txn["id"], BUYER)

    announced = bus.drain()
    assert [event["detail-type"] for event in announced] == ["TransactionCreated", "TransactionPaymentStarted"]
    assert announced[1]["detail"]["transaction_id"] == txn["id"]
    assert announced[1]["detail"]["previous_status"] == "CREATED"
    assert announced[1]["detail"]["amount"] == 150000


def test_a_move_that_lost_only_to_a_side_write_is_a_retryable_conflict():
    txn = new_transaction()
    stale = find_transaction(txn["id"])
    fresh = find_transaction(txn["id"])
    service.flag(fresh, kind="TEST", detail="staff note", actor=SYSTEM)  # bumps the version, not the status

    with pytest.raises(ConcurrentModification):
        apply_move(stale, states.PAY, SYSTEM)
    assert act("get", txn["id"], BUYER).json["status"] == "CREATED"
