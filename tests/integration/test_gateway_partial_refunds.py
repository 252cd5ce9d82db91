"""Partial refunds made at the gateway (its back office), confirmed by its status query or flagged.

With the sandbox, whose status answer reports the amount refunded in all, each partial refund is
recorded once and the one that returns the rest makes the transaction REFUNDED; a refund the
gateway's total does not cover is flagged. Jetcheckout's evidenced ``payment/status`` answer
(recorded responses below) has no refunded amount: a partial refund there cannot be confirmed, is
flagged ``REFUND_UNVERIFIABLE`` for staff to check in Jetcheckout's back office, and nothing moves;
a cancel, which the answer does show, is confirmed.
"""

from __future__ import annotations

from typing import Any

import pytest
import responses

from devstack import sandbox_gateway as dev_gateway
from paylox.payments import sandbox
from paylox.payments.jetcheckout import JetcheckoutGateway
from paylox.webhooks import confirm
from tests.integration.steps import (
    deliver,
    deliver_and_confirm,
    event_body,
    funded_transaction,
    last_confirmation,
    staff_view,
)

BASE = "https://jetcheckout.test"


@pytest.fixture(autouse=True)
def no_retry_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(confirm, "RETRY_PAUSE_SECONDS", 0.0)


def gateway_send(route: str, body: bytes, signature: str) -> int:
    """How the sandbox delivers its webhook: to the handler, then confirmed by the status query."""
    result, _ = deliver_and_confirm(route, body, signature=signature)
    return result.status


def back_office_refund(txn_id: str, amount: int) -> dict[str, Any]:
    return dev_gateway.refund(dev_gateway.RefundRequest(transaction_id=txn_id, amount=amount), gateway_send)


def books(txn_id: str) -> tuple[str, int, int, list[str]]:
    txn = staff_view(txn_id)
    flags = [flag["kind"] for flag in txn.get("flags") or []]
    return txn["status"], txn["refunded_amount"], len(txn.get("refunds") or []), flags


# ---------------------------------------------------------------- the sandbox reports refunded amounts


def test_partial_refunds_at_the_sandboxs_back_office_are_recorded_once_each_until_refunded():
    # Given a funded transaction of 1500 TRY
    txn_id = funded_transaction(150_000)

    # When the gateway's back office refunds 400 TRY, then 300 TRY
    first = back_office_refund(txn_id, 40_000)
    back_office_refund(txn_id, 30_000)
    # and the first refund's webhook arrives again under a new event id
    again = event_body("payment.refunded", txn_id, amount=40_000, refund_id=first["refund_id"], payment_id="pay_1")
    deliver_and_confirm("refund", again)

    # Then 700 TRY are recorded, in two refunds, and the money still in escrow stays FUNDED
    assert books(txn_id) == ("FUNDED", 70_000, 2, [])

    # When the back office returns the remaining 800 TRY, the transaction is REFUNDED
    back_office_refund(txn_id, 80_000)
    assert books(txn_id) == ("REFUNDED", 150_000, 3, [])


def test_a_refund_hint_the_gateways_total_does_not_cover_is_flagged_and_moves_nothing():
    # Given 400 TRY refunded at the gateway and recorded
    txn_id = funded_transaction(150_000)
    back_office_refund(txn_id, 40_000)

    # When a signed hint claims another 400 TRY refund the gateway never made
    body = event_body("payment.refunded", txn_id, amount=40_000, refund_id="rf_never_made", payment_id="pay_1")
    _, outcome = deliver_and_confirm("refund", body)

    # Then it is flagged as contradicted and the books keep 400 TRY
    assert outcome == "UNCONFIRMED"
    assert books(txn_id) == ("FUNDED", 40_000, 1, ["HINT_CONTRADICTED"])


# ---------------------------------------------------------------- Jetcheckout (recorded answers)


def jetcheckout_status(order_id: str, **answer: Any) -> None:
    """Jetcheckout's recorded ``payment/status`` answer for a paid order (the evidenced fields only)."""
    body = {
        "response_code": "00200",
        "response_message": "Başarılı",
        "successful": True,
        "completed": True,
        "cancelled": False,
        "preauth": False,
        "postauth": False,
        "amount": "1500.00",
        "transaction_date": "2026-11-29 12:00:00",
        "auth_code": "123456",
        **answer,
    }
    responses.add(responses.POST, f"{BASE}/api/v1/payment/status", json=body)


def confirm_with_jetcheckout(delivery_id: str) -> str:
    gateway = JetcheckoutGateway(base_url=BASE, timeout_seconds=5, mode="T", amount_unit="lira")
    return confirm.confirm_delivery(delivery_id, gateway=gateway)


@pytest.fixture
def jetcheckout_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JETCHECKOUT_API_KEY", "jc_key_123")
    monkeypatch.setenv("JETCHECKOUT_API_SECRET", "jc_secret_456")


@responses.activate
def test_a_partial_refund_at_jetcheckout_cannot_be_confirmed_and_is_flagged_for_staff(jetcheckout_key):
    # Given a funded transaction whose partial refund of 400 TRY Jetcheckout's back office reports
    txn_id = funded_transaction(150_000)
    paid = sandbox.latest_payment(txn_id)
    assert paid is not None
    body = event_body("payment.refunded", txn_id, amount=40_000, refund_id="jc_rf_1", payment_id="pay_1")
    delivery_id = str(deliver("refund", body).json["delivery_id"])

    # When the status query answers as the evidence shows it: paid, not cancelled, no refunded amount
    jetcheckout_status(paid.order_id)
    outcome = confirm_with_jetcheckout(delivery_id)

    # Then nothing is recorded and staff are told why, and what to check
    assert outcome == "UNCONFIRMED"
    assert books(txn_id) == ("FUNDED", 0, 0, ["REFUND_UNVERIFIABLE"])
    confirmation, detail = last_confirmation(txn_id)
    assert confirmation == "UNCONFIRMED" and detail is not None
    assert "does not report refunded amounts" in detail and "back office" in detail


@responses.activate
def test_a_cancel_at_jetcheckout_shows_in_its_status_and_refunds_the_whole_payment(jetcheckout_key):
    # Given a funded transaction Jetcheckout cancelled (the whole payment)
    txn_id = funded_transaction(150_000)
    paid = sandbox.latest_payment(txn_id)
    assert paid is not None
    body = event_body("payment.refunded", txn_id, amount=150_000, refund_id="jc_cancel_1", payment_id="pay_1")
    delivery_id = str(deliver("refund", body).json["delivery_id"])

    # When its status query answers cancelled
    jetcheckout_status(paid.order_id, cancelled=True)
    outcome = confirm_with_jetcheckout(delivery_id)

    # Then the refund is recorded once and the transaction is REFUNDED
    assert outcome == "CONFIRMED"
    assert books(txn_id) == ("REFUNDED", 150_000, 1, [])
