"""The escrow flow with the payment provider in it, over real HTTP against the dev stack.

create → pay → signed success webhook → FUNDED → ship → OTP-confirmed release → COMPLETED, with
the emails in the outbox. The test plays Jetcheckout: it signs its webhooks with the dev stack's
secret (the e2e fixture sets ``JETCHECKOUT_WEBHOOK_SECRET=e2e-webhook-secret``) at the stack's own
clock, and posts them from loopback, which is the dev allowlist.
"""

from __future__ import annotations

import secrets

import pytest

from tests.e2e.steps import (
    confirmation_token,
    emails,
    new_user,
    paying_transaction,
    payment_event,
    registered_user,
    webhook,
)

pytestmark = pytest.mark.e2e

ADMIN_EMAIL = "ops@paylox.com.tr"  # the dev stack's AdminNotificationEmails


def test_a_signed_success_webhook_funds_the_escrow_and_the_parties_hear_about_it(stack):
    # Given a buyer paying a seller who registered with their email (so it is on file)
    buyer, seller = new_user("buyer"), new_user("seller")
    buyer_phone = f"+90532{secrets.randbelow(10**7):07d}"  # OTP limits are per number: one per test
    buyer_token = stack.token(buyer, email=f"{buyer}@example.com", phone=buyer_phone)
    seller_token = stack.token(seller, email=f"{seller}@example.com")
    assert stack.request("GET", "/api/transaction/list", token=seller_token).status_code == 200
    txn = paying_transaction(stack, buyer_token, seller, amount=245000)

    # When Jetcheckout reports the payment, signed
    event = payment_event("payment.succeeded", txn)
    funded = webhook(stack, "success", event)

    # Then the escrow is funded with the provider's payment id
    assert funded.status_code == 200, funded.text
    assert funded.json()["received"] is True
    seen = stack.request("GET", f"/api/transaction/{txn['id']}", token=buyer_token).json()
    assert seen["status"] == "FUNDED" and seen["payment"]["payment_id"] == "pay_e2e"

    # And, asynchronously, the buyer learns the money arrived and the seller that it is time to ship
    [to_buyer] = stack.wait_for(lambda: emails(stack, f"{buyer}@example.com", "Paylox: Ödemeniz alındı"))
    [to_seller] = stack.wait_for(
        lambda: emails(stack, f"{seller}@example.com", "Paylox: Ödeme güvencede: ürünü gönderebilirsiniz")
    )
    assert "2.450,00 TL" in to_buyer["body"] and txn["id"] in to_seller["body"]

    # When the provider delivers the same event again, and someone else forges one
    again = webhook(stack, "success", event)
    forged = webhook(stack, "failure", payment_event("payment.failed", txn), secret="guessed")

    # Then the repeat changes nothing and the forgery is refused
    assert again.status_code == 200 and again.json()["duplicate"] is True
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
    # The redelivered success webhook sent nothing twice.
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
