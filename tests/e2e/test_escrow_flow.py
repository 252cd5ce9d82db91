"""The escrow flow with the payment gateway in it, over real HTTP against the dev stack.

create → pay → the buyer pays on the sandbox gateway's page → its signed callback → the gateway's
status confirms → FUNDED → ship → OTP-confirmed release → COMPLETED, with the emails in the outbox.
``POST /_dev/gateway/pay`` plays the buyer and the gateway (it signs with the dev stack's secret,
which the e2e fixture sets to ``e2e-webhook-secret``); the tests play forgers from loopback, which
is the dev allowlist.
"""

from __future__ import annotations

import secrets

import pytest

from tests.e2e.steps import (
    confirmation_token,
    emails,
    gateway_pay,
    new_user,
    paying_transaction,
    payment_event,
    registered_user,
    status_of,
    webhook,
)

pytestmark = pytest.mark.e2e

ADMIN_EMAIL = "ops@paylox.com.tr"  # the dev stack's AdminNotificationEmails


def test_a_payment_confirmed_by_the_gateway_funds_the_escrow_and_the_parties_hear_about_it(stack):
    # Given a buyer paying a seller who registered with their email (so it is on file)
    buyer, seller = new_user("buyer"), new_user("seller")
    buyer_phone = f"+90532{secrets.randbelow(10**7):07d}"  # OTP limits are per number: one per test
    buyer_token = stack.token(buyer, email=f"{buyer}@example.com", phone=buyer_phone)
    seller_token = stack.token(seller, email=f"{seller}@example.com")
    assert stack.request("GET", "/api/transaction/list", token=seller_token).status_code == 200
    txn = paying_transaction(stack, buyer_token, seller, amount=245000)

    # When the buyer pays on the gateway's page and the gateway sends its signed callback
    paid = gateway_pay(stack, txn["id"])

    # Then the callback was acknowledged, and once the gateway's status confirmed it the escrow is
    # funded with the gateway's transaction id
    assert paid["delivered"] is True and paid["order_id"] == f"{txn['id']}-1"
    stack.wait_for(lambda: status_of(stack, txn["id"], buyer_token) == "FUNDED")
    seen = stack.request("GET", f"/api/transaction/{txn['id']}", token=buyer_token).json()
    assert seen["payment"]["payment_id"] == paid["gateway_transaction_id"]

    # And, asynchronously, the buyer learns the money arrived and the seller that it is time to ship
    [to_buyer] = stack.wait_for(lambda: emails(stack, f"{buyer}@example.com", "Paylox: Ödemeniz alındı"))
    [to_seller] = stack.wait_for(
        lambda: emails(stack, f"{seller}@example.com", "Paylox: Ödeme güvencede: ürünü gönderebilirsiniz")
    )
    assert "2.450,00 TL" in to_buyer["body"] and txn["id"] in to_seller["body"]

    # When the gateway's callback comes again (its own evidenced shape), and someone forges a failure
    again = stack.request(
        "POST",
        "/api/payment/webhook/success",
        json={"is_success": True, "order_id": paid["order_id"], "transaction_id": paid["gateway_transaction_id"]},
    )
    forged = webhook(stack, "failure", payment_event("payment.failed", txn), secret="guessed")

    # Then the repeat is only acknowledged and the forgery is refused
    assert again.status_code == 200 and again.json()["received"] is True
    assert forged.status_code == 401 and forged.json()["code"] == "INVALID_SIGNATURE"

    # When the seller ships
    shipped = stack.request("POST", f"/api/transaction/{txn['id']}/ship", token=seller_token)

    # Then the transaction is SHIPPED and the buyer is told to confirm on receipt
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "SHIPPED"
    stack.wait_for(lambda: emails(stack, f"{buyer}@example.com", "Paylox: Ürününüz gönderildi"))

    # When the buyer confirms receipt with the code the SMS brought
    confirmed = stack.request(
        "POST",
        f"/api/transaction/{txn['id']}/confirm",
        token=buyer_token,
        headers={"X-OTP-Token": confirmation_token(stack, buyer_token, txn["id"], buyer_phone)},
    )

    # Then the funds are released: COMPLETED, and both parties hear about it
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "COMPLETED"
    assert [entry["status"] for entry in confirmed.json()["timeline"]] == [
        "CREATED",
        "PAYMENT_PENDING",
        "FUNDED",
        "SHIPPED",
        "COMPLETED",
    ]
    stack.wait_for(lambda: emails(stack, f"{seller}@example.com", "Paylox: Ödemeniz serbest bırakıldı"))
    stack.wait_for(lambda: emails(stack, f"{buyer}@example.com", "Paylox: İşleminiz tamamlandı"))
    # The repeated callback funded nothing twice and sent nothing twice.
    assert len(emails(stack, f"{buyer}@example.com", "Paylox: Ödemeniz alındı")) == 1


def test_a_payment_for_the_wrong_amount_is_refused_and_the_admins_are_alerted(stack):
    buyer, seller = new_user("buyer"), registered_user(stack, "seller")
    buyer_token = stack.token(buyer, email=f"{buyer}@example.com")
    txn = paying_transaction(stack, buyer_token, seller, amount=99000)

    short = webhook(
        stack,
        "success",
        {
            **payment_event("payment.succeeded", txn),
            "data": {"transaction_id": txn["id"], "payment_id": "pay_short", "amount": 9900, "currency": "TRY"},
        },
    )

    assert short.status_code == 422 and short.json()["code"] == "AMOUNT_MISMATCH"
    assert (
        stack.request("GET", f"/api/transaction/{txn['id']}", token=buyer_token).json()["status"] == "PAYMENT_PENDING"
    )
    alerts = stack.wait_for(
        lambda: [m for m in stack.outbox() if m["to"] == ADMIN_EMAIL and txn["id"] in (m["subject"] or "")]
    )
    assert "AMOUNT_MISMATCH" in alerts[0]["subject"]
    assert "received: 9900 kuruş TRY" in alerts[0]["body"]


def test_a_forged_unsigned_callback_for_an_unpaid_order_changes_nothing_and_staff_are_told(stack):
    # Given a transaction whose buyer opened the gateway's page but never paid
    buyer, seller = new_user("buyer"), registered_user(stack, "seller")
    buyer_token = stack.token(buyer, email=f"{buyer}@example.com")
    txn = paying_transaction(stack, buyer_token, seller)
    admin_token = stack.token(new_user("admin"), groups=("admin",))

    # When someone posts the evidenced callback shape, unsigned, claiming success
    forged = stack.request(
        "POST",
        "/api/payment/webhook/success",
        json={"is_success": True, "order_id": f"{txn['id']}-1", "transaction_id": "forged-1"},
    )

    # Then it is stored and acknowledged as a hint, the gateway knows no such payment, staff are
    # flagged, and the money never moves
    assert forged.status_code == 200 and forged.json()["received"] is True
    flags = stack.wait_for(
        lambda: stack.request("GET", f"/api/transaction/{txn['id']}", token=admin_token).json().get("flags")
    )
    assert [flag["kind"] for flag in flags] == ["HINT_UNCONFIRMED"]
    assert status_of(stack, txn["id"], buyer_token) == "PAYMENT_PENDING"


def test_the_browser_return_asks_the_gateway_and_never_trusts_what_is_posted(stack):
    # Given a transaction being paid, and a browser that comes back claiming success
    buyer, seller = new_user("buyer"), registered_user(stack, "seller")
    buyer_token = stack.token(buyer, email=f"{buyer}@example.com")
    txn = paying_transaction(stack, buyer_token, seller)

    # When the browser posts a success form before anything was paid
    early = stack.request(
        "POST",
        f"/api/payment/return/{txn['id']}",
        data={"order_id": f"{txn['id']}-1", "response_code": "00", "amount": "1500.00"},
        allow_redirects=False,
    )

    # Then it is sent on as pending and nothing moved
    assert early.status_code == 303 and "status=pending" in early.headers["Location"]
    assert status_of(stack, txn["id"], buyer_token) == "PAYMENT_PENDING"

    # When the buyer really pays but the callback is lost, and the browser comes back
    gateway_pay(stack, txn["id"], deliver=False)
    back = stack.request("GET", f"/api/payment/return/{txn['id']}", allow_redirects=False)

    # Then the gateway's status funded the escrow and the browser hears so
    assert back.status_code == 303 and f"transaction_id={txn['id']}" in back.headers["Location"]
    assert "status=succeeded" in back.headers["Location"]
    assert status_of(stack, txn["id"], buyer_token) == "FUNDED"
