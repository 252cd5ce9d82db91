"""An admin clears a refund hold left in doubt: the gateway's status decides whether the held
refund is booked or the hold freed; nothing is ever refunded twice, whoever asks, twice or at once."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from functions.admin import transactions_refund_hold_clear
from paylox.audit import audit_trail
from paylox.payments import ledger, sandbox
from paylox.payments.base import RefundRequest, RefundResult
from paylox.payments.errors import PaymentProviderUnavailable
from tests.apigw import ADMIN, AGENT, BUYER, HttpResult, api_event, invoke
from tests.integration.steps import funded_transaction, staff_view
from tests.integration.test_admin_overrides import (  # noqa: F401 - fixtures
    SECOND_ADMIN,
    admin_phone,
    admin_token,
    override,
    second_admin_phone,
)

#: Every test's admin has a verified phone for their SMS codes.
pytestmark = pytest.mark.usefixtures("admin_phone")
REASON = "Checked the refund at Jetcheckout's back office (ticket 4713)"


def clear(
    txn_id: str, *, token: str | None = None, sub: str = ADMIN, groups: tuple[str, ...] = ("admin",), **body: Any
) -> HttpResult:
    event = api_event(
        "admin/transactions_refund_hold_clear.json",
        path={"id": txn_id},
        body={"reason": REASON, **body},
        sub=sub,
        headers={"X-OTP-Token": token} if token else None,
    )
    if token is None:
        event["headers"].pop("x-otp-token", None)
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = "[" + " ".join(groups) + "]"
    return invoke(transactions_refund_hold_clear, event)


def held_in_doubt(monkeypatch: pytest.MonkeyPatch, *, refunded: bool, amount: int = 150_000) -> str:
    """A funded transaction whose admin refund reached the gateway (which ``refunded`` it, or not)
    and whose answer was lost: the intent stays SENDING and the transaction held."""
    txn_id = funded_transaction(150_000)

    def lost_answer(self: sandbox.SandboxGateway, request: RefundRequest) -> RefundResult:
        ledger.DynamoRefundLedger().claim(request, "refund")
        if refunded:
            sandbox.record_refund(request.order_id, request.amount, "refund", refund_id=request.intent_id)
        raise PaymentProviderUnavailable()

    with monkeypatch.context() as patch:
        patch.setattr(sandbox.SandboxGateway, "refund", lost_answer)
        amount_body = {"amount": amount} if amount < 150_000 else {}
        token = admin_token(txn_id, "REFUND", amount=amount if amount < 150_000 else None)
        lost = override(txn_id, "REFUND", token=token, **amount_body)
    assert lost.status == 503, lost.raw
    again_token = admin_token(txn_id, "REFUND", amount=amount_body.get("amount"))
    again = override(txn_id, "REFUND", token=again_token, **amount_body)  # the same refund, asked again
    assert again.code == "REFUND_IN_DOUBT", again.raw
    return txn_id


def gateway_refunded(txn_id: str) -> int:
    return int(sandbox.status_of(f"{txn_id}-1").refunded_amount or 0)


def books(txn_id: str) -> tuple[str, int, int]:
    view = staff_view(txn_id)
    return view["status"], view["refunded_amount"], len(view.get("refunds") or [])


def test_a_refund_the_gateway_made_is_booked_once_when_its_hold_is_cleared(monkeypatch):
    # Given a full refund the gateway made but whose answer was lost
    txn_id = held_in_doubt(monkeypatch, refunded=True)

    # When an admin clears the hold with a code for that refund
    cleared = clear(txn_id, token=admin_token(txn_id, "REFUND"))

    # Then the refund is booked under its intent, once, and the gateway was asked for nothing more
    assert cleared.status == 200, cleared.raw
    assert books(txn_id) == ("REFUNDED", 150_000, 1) and gateway_refunded(txn_id) == 150_000
    assert "TRANSACTION_REFUND_HOLD_CLEARED" in str([record.after for record in audit_trail(txn_id)])
    # twice: nothing is held any more (refused before any code is looked at)
    assert clear(txn_id, token="any").code == "NO_REFUND_HOLD"
    assert books(txn_id) == ("REFUNDED", 150_000, 1)


def test_a_refund_the_gateway_never_made_frees_the_hold_and_a_new_refund_is_made_once(monkeypatch):
    # Given a partial refund that never reached the gateway's books, held in doubt
    txn_id = held_in_doubt(monkeypatch, refunded=False, amount=40_000)

    # When an admin clears the hold (a code for the held 400 TRY)
    cleared = clear(txn_id, token=admin_token(txn_id, "REFUND", amount=40_000))

    # Then the transaction is free again and nothing was booked or refunded
    assert cleared.status == 200, cleared.raw
    assert books(txn_id) == ("FUNDED", 0, 0) and gateway_refunded(txn_id) == 0
    actions = [record.action for record in audit_trail(txn_id)]
    assert "TRANSACTION_REFUND_HOLD_CLEARED" in actions
    # and the refund asked again is made once
    redone = override(txn_id, "REFUND", token=admin_token(txn_id, "REFUND", amount=40_000), amount=40_000)
    assert redone.status == 200, redone.raw
    assert books(txn_id) == ("FUNDED", 40_000, 1) and gateway_refunded(txn_id) == 40_000


def test_only_an_admin_with_their_own_code_clears_a_hold(monkeypatch):
    txn_id = held_in_doubt(monkeypatch, refunded=True)

    assert clear(txn_id, sub=AGENT, groups=("support",)).code == "ADMIN_ONLY"
    assert clear(txn_id, sub=BUYER, groups=()).code in ("ADMIN_ONLY", "STAFF_ONLY")
    assert clear(txn_id).code == "OTP_REQUIRED"
    assert clear(txn_id, token="not-a-token").code == "OTP_REQUIRED"
    assert clear(txn_id, token=admin_token(txn_id, "REFUND"), reason="short").status == 422
    assert books(txn_id) == ("FUNDED", 0, 0)  # nothing moved for any of them
    assert clear("txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F", token="x").code == "NOT_FOUND"
    assert clear(funded_transaction(), token="x").code == "NO_REFUND_HOLD"


@pytest.mark.usefixtures("second_admin_phone")
def test_two_admins_clearing_one_hold_at_once_book_the_refund_once(monkeypatch):
    txn_id = held_in_doubt(monkeypatch, refunded=True)
    approvals = [(ADMIN, admin_token(txn_id, "REFUND")), (SECOND_ADMIN, admin_token(txn_id, "REFUND", SECOND_ADMIN))]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda pair: clear(txn_id, token=pair[1], sub=pair[0]), approvals))

    assert sorted(result.status for result in results)[0] == 200, [r.raw for r in results]
    assert all(result.status in (200, 403, 409) for result in results), [r.raw for r in results]
    assert books(txn_id) == ("REFUNDED", 150_000, 1) and gateway_refunded(txn_id) == 150_000


def test_when_the_gateways_status_cannot_tell_the_admin_says_what_its_back_office_shows(monkeypatch):
    # Given a partial refund in doubt, and a status answer without refunded amounts (as Jetcheckout's)
    txn_id = held_in_doubt(monkeypatch, refunded=True, amount=40_000)
    working = sandbox.status_of
    monkeypatch.setattr(
        sandbox, "status_of", lambda order_id: dataclasses.replace(working(order_id), refunded_amount=None)
    )

    # When an admin clears it without saying: refused, still held
    unknown = clear(txn_id, token=admin_token(txn_id, "REFUND", amount=40_000))
    assert (unknown.status, unknown.code) == (409, "REFUND_STATUS_UNKNOWN")
    assert override(txn_id, "CANCEL").status == 409  # nothing else moves it meanwhile

    # Then with what the back office shows, the refund is booked once
    said = clear(txn_id, token=admin_token(txn_id, "REFUND", amount=40_000), gateway_says="REFUNDED")
    assert said.status == 200, said.raw
    assert books(txn_id) == ("FUNDED", 40_000, 1)
