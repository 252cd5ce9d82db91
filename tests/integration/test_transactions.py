"""Escrow transactions through their HTTP handlers, against moto."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from devstack import dev_clock
from functions.otp import send as otp_send
from functions.otp import verify as otp_verify
from functions.transactions import cancel, confirm, create, get, list_mine, pay, ship
from paylox.audit import audit_trail
from paylox.auth import SYSTEM, Principal
from paylox.errors import ConcurrentModification, InvalidState
from paylox.transactions import service, states
from paylox.transactions.service import apply_move, find_transaction
from paylox.users.models import UserProfile, UserStatus
from tests.apigw import ADMIN, BUYER, SELLER, STRANGER, api_event, invoke


def open_transaction(amount: int = 150000, buyer: str = BUYER, seller: str = SELLER) -> dict:
    result = invoke(
        create,
        api_event(
            "transactions/create.json",
            body={"seller_id": seller, "amount": amount, "currency": "TRY", "description": "Kamera"},
            sub=buyer,
        ),
    )
    assert result.status == 201, result.raw
    return result.json


def act(module, name: str, txn_id: str, sub: str):
    return invoke(module, api_event(f"transactions/{name}.json", path={"id": txn_id}, sub=sub))


def confirmation_token(sms_outbox, sub: str = BUYER, phone: str = "+905551112233") -> str:
    """What the buyer's app does before confirming: an SMS code to the account's phone, verified."""
    body = {"phone": phone, "purpose": "TRANSACTION_CONFIRMATION"}
    sent = invoke(otp_send, api_event("otp/send.json", body=body, sub=sub))
    assert sent.status == 202, sent.raw
    verified = invoke(
        otp_verify, api_event("otp/verify.json", body={**body, "code": sms_outbox.last_code(phone)}, sub=sub)
    )
    assert verified.status == 200, verified.raw
    return verified.json["verification_token"]


def confirm_with(txn_id: str, token: str | None, sub: str = BUYER):
    headers = {"X-OTP-Token": token} if token else None
    return invoke(confirm, api_event("transactions/confirm.json", path={"id": txn_id}, sub=sub, headers=headers))


def fund(txn_id: str) -> None:
    """What the payment-success webhook does: the gateway confirmed the money is in escrow."""
    txn = find_transaction(txn_id)
    assert txn is not None
    apply_move(txn, states.FUND, SYSTEM)


def test_buyer_creates_a_transaction_in_kurus():
    txn = open_transaction(amount=150000)

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
    txn = open_transaction()

    assert act(get, "get", txn["id"], BUYER).status == 200
    assert act(get, "get", txn["id"], SELLER).status == 200
    stranger = act(get, "get", txn["id"], STRANGER)
    admin = invoke(get, api_event("transactions/get.json", path={"id": txn["id"]}, sub=ADMIN, groups=("admin",)))
    support = invoke(get, api_event("transactions/get.json", path={"id": txn["id"]}, sub="agent", groups=("support",)))

    assert stranger.status == 404 and stranger.code == "NOT_FOUND"
    assert admin.status == 200 and support.status == 200


def test_unknown_and_malformed_ids_are_404():
    assert act(get, "get", "txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F", BUYER).status == 404
    assert act(get, "get", "not-an-id", BUYER).status == 404


def test_paying_moves_to_payment_pending_and_returns_a_session():
    txn = open_transaction()

    result = act(pay, "pay", txn["id"], BUYER)

    assert result.status == 200
    assert result.json["transaction"]["status"] == "PAYMENT_PENDING"
    assert result.json["payment_url"].startswith("https://")
    assert act(get, "get", txn["id"], SELLER).json["status"] == "PAYMENT_PENDING"


def test_only_the_buyer_pays_and_only_the_seller_ships():
    txn = open_transaction()

    assert act(pay, "pay", txn["id"], SELLER).code == "WRONG_PARTY"
    act(pay, "pay", txn["id"], BUYER)
    fund(txn["id"])
    assert act(ship, "ship", txn["id"], BUYER).code == "WRONG_PARTY"
    assert act(ship, "ship", txn["id"], STRANGER).status == 404


def test_the_happy_path_ends_completed_with_a_full_timeline(sms_outbox):
    txn = open_transaction()
    act(pay, "pay", txn["id"], BUYER)
    fund(txn["id"])

    assert act(ship, "ship", txn["id"], SELLER).json["status"] == "SHIPPED"
    done = confirm_with(txn["id"], confirmation_token(sms_outbox))

    assert done.status == 200
    assert [entry["status"] for entry in done.json["timeline"]] == [
        "CREATED",
        "PAYMENT_PENDING",
        "FUNDED",
        "SHIPPED",
        "COMPLETED",
    ]


def shipped_transaction() -> dict:
    txn = open_transaction()
    act(pay, "pay", txn["id"], BUYER)
    fund(txn["id"])
    act(ship, "ship", txn["id"], SELLER)
    return txn


@pytest.mark.parametrize("token", [None, "", "otpv_forged-token", "not-even-the-format"])
def test_confirming_without_a_valid_sms_token_is_403_and_releases_nothing(token):
    txn = shipped_transaction()

    refused = confirm_with(txn["id"], token)

    assert refused.status == 403 and refused.code == "OTP_REQUIRED"
    assert act(get, "get", txn["id"], BUYER).json["status"] == "SHIPPED"


def test_a_confirmation_token_works_once(sms_outbox):
    first, second = shipped_transaction(), shipped_transaction()
    token = confirmation_token(sms_outbox)

    assert confirm_with(first["id"], token).status == 200
    again = confirm_with(second["id"], token)

    assert again.status == 403 and again.code == "OTP_REQUIRED"
    assert act(get, "get", second["id"], BUYER).json["status"] == "SHIPPED"


def test_a_token_is_bound_to_its_user_and_purpose_and_expires(sms_outbox):
    txn = shipped_transaction()
    sellers_token = confirmation_token(sms_outbox, sub=SELLER)
    refusals = [confirm_with(txn["id"], sellers_token)]
    dev_clock.advance(61)  # one SMS per minute per phone
    phone_check = {"phone": "+905551112233", "purpose": "PHONE_VERIFICATION"}
    invoke(otp_send, api_event("otp/send.json", body=phone_check))
    code = sms_outbox.last_code("+905551112233")
    phone_token = invoke(otp_verify, api_event("otp/verify.json", body={**phone_check, "code": code}))
    refusals.append(confirm_with(txn["id"], phone_token.json["verification_token"]))
    dev_clock.advance(61)
    expiring = confirmation_token(sms_outbox)
    dev_clock.advance(301)
    refusals.append(confirm_with(txn["id"], expiring))

    assert [(result.status, result.code) for result in refusals] == [(403, "OTP_REQUIRED")] * 3
    assert confirm_with(txn["id"], confirmation_token(sms_outbox)).status == 200


def test_a_token_stops_working_when_the_account_phone_changes(sms_outbox):
    txn = shipped_transaction()
    token = confirmation_token(sms_outbox)
    profile = UserProfile.get(BUYER)
    profile.phone = "+905329998877"
    profile.save()

    refused = confirm_with(txn["id"], token)

    assert refused.status == 403 and refused.code == "OTP_REQUIRED"


def test_a_token_is_not_spent_by_a_confirmation_that_cannot_happen(sms_outbox):
    early = open_transaction()
    token = confirmation_token(sms_outbox)

    assert confirm_with(early["id"], token).code == "INVALID_STATE"
    assert confirm_with(shipped_transaction()["id"], token).status == 200


def test_moves_out_of_order_are_invalid_state():
    txn = open_transaction()

    shipped_early = act(ship, "ship", txn["id"], SELLER)
    confirmed_early = act(confirm, "confirm", txn["id"], BUYER)
    act(pay, "pay", txn["id"], BUYER)
    paid_twice = act(pay, "pay", txn["id"], BUYER)

    assert shipped_early.status == 409 and shipped_early.code == "INVALID_STATE"
    assert confirmed_early.code == "INVALID_STATE"
    assert paid_twice.code == "INVALID_STATE"
    assert paid_twice.json["current_status"] == "PAYMENT_PENDING"


def test_cancel_only_before_funding():
    cancelled = open_transaction()
    funded = open_transaction()
    act(pay, "pay", funded["id"], BUYER)
    fund(funded["id"])

    assert act(cancel, "cancel", cancelled["id"], SELLER).json["status"] == "CANCELLED"
    assert act(cancel, "cancel", funded["id"], BUYER).code == "INVALID_STATE"


def test_failed_payment_can_be_paid_again():
    txn = open_transaction()
    act(pay, "pay", txn["id"], BUYER)
    row = find_transaction(txn["id"])
    apply_move(row, states.FAIL, SYSTEM, note="card declined")

    again = act(pay, "pay", txn["id"], BUYER)

    assert again.json["transaction"]["status"] == "PAYMENT_PENDING"


def test_racing_requests_never_both_win():
    # Each Lambda execution environment serves one request at a time, so the race is between
    # environments: many service calls at once, each with its own read of the transaction.
    txn = open_transaction()
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
    timeline = act(get, "get", txn["id"], BUYER).json["timeline"]
    assert [entry["status"] for entry in timeline] == ["CREATED", "PAYMENT_PENDING"]


def test_list_shows_both_roles_newest_first_with_a_cursor():
    ids = [open_transaction(seller=SELLER)["id"] for _ in range(3)]
    ids += [open_transaction(buyer=SELLER, seller=BUYER)["id"] for _ in range(2)]
    open_transaction(buyer=STRANGER, seller=SELLER)  # not the buyer's business

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
    open_transaction()

    profile = UserProfile.get(BUYER)
    assert profile.email == f"{BUYER}@example.com"
    assert profile.phone == "+905551112233"
    assert profile.status == "ACTIVE" and not profile.phone_verified


def test_a_suspended_user_is_refused_everywhere():
    txn = open_transaction()
    profile = UserProfile.get(BUYER)
    profile.status = UserStatus.SUSPENDED.value
    profile.save()

    for result in (
        act(get, "get", txn["id"], BUYER),
        act(pay, "pay", txn["id"], BUYER),
        invoke(list_mine, api_event("transactions/list_mine.json")),
    ):
        assert result.status == 403
        assert result.code == "ACCOUNT_SUSPENDED"


def test_a_request_without_claims_is_401():
    result = invoke(get, api_event("transactions/get.json", path={"id": "txn_x"}, sub=None))

    assert result.status == 401


def test_every_move_is_audited_with_who_where_and_what():
    txn = open_transaction()
    act(pay, "pay", txn["id"], BUYER)

    records = audit_trail(txn["id"])

    assert [record.action for record in records] == ["TRANSACTION_CREATED", "TRANSACTION_PAY"]
    paid = records[1]
    assert paid.actor_id == BUYER and paid.actor_role == "user"
    assert json.loads(paid.before) == {"status": "CREATED"}
    assert json.loads(paid.after) == {"status": "PAYMENT_PENDING"}
    assert paid.source_ip == "203.0.113.10"
    assert paid.request_id


def test_moves_are_announced_on_the_event_bus():
    bus = os.environ["EVENT_BUS_NAME"]
    sqs, events = boto3.client("sqs"), boto3.client("events")
    queue_url = sqs.create_queue(QueueName="spy")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="spy", EventBusName=bus, EventPattern=json.dumps({"source": ["paylox.transactions"]}))
    events.put_targets(Rule="spy", EventBusName=bus, Targets=[{"Id": "spy", "Arn": queue_arn}])

    txn = open_transaction()
    act(pay, "pay", txn["id"], BUYER)

    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    announced = [json.loads(message["Body"]) for message in messages]
    assert [event["detail-type"] for event in announced] == ["TransactionCreated", "TransactionPaymentStarted"]
    assert announced[1]["detail"]["transaction_id"] == txn["id"]
    assert announced[1]["detail"]["previous_status"] == "CREATED"
    assert announced[1]["detail"]["amount"] == 150000


def test_a_move_that_lost_only_to_a_side_write_is_a_retryable_conflict():
    txn = open_transaction()
    stale = find_transaction(txn["id"])
    fresh = find_transaction(txn["id"])
    service.flag(fresh, kind="TEST", detail="staff note", actor=SYSTEM)  # bumps the version, not the status

    with pytest.raises(ConcurrentModification):
        apply_move(stale, states.PAY, SYSTEM)
    assert act(get, "get", txn["id"], BUYER).json["status"] == "CREATED"
