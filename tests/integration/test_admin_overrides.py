"""Admin overrides of a transaction's state: who may, what needs the admin's SMS code, what the
gateway must confirm, and that money moves once, whoever asks twice or at the same time."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import responses

from devstack.lambda_context import LambdaContext
from functions.admin import transactions_override
from functions.transactions import notify
from paylox import dev_outbox
from paylox.audit import audit_trail
from paylox.config import get_settings
from tests.apigw import ADMIN, AGENT, BUYER, SELLER, STRANGER, HttpResult, api_event, invoke
from tests.integration.bus import EventTap, of_type
from tests.integration.disputes.steps import open_dispute
from tests.integration.steps import (
    funded_transaction,
    new_transaction,
    pending_transaction,
    profile,
    register,
    send_code,
    shipped_transaction,
    staff_view,
    status_of,
    suspend,
    verify_code,
    verify_phone,
    wait_out_cooldown,
)
from tests.sms import SmsOutbox

REASON = "Webhook lost; confirmed with the provider (ticket 4712)"
BASE = "https://jetcheckout.test"


def override(
    txn_id: str,
    action: str,
    *,
    token: str | None = None,
    sub: str = ADMIN,
    groups: tuple[str, ...] = ("admin",),
    **body: Any,
) -> HttpResult:
    event = api_event(
        "admin/transactions_override.json",
        path={"id": txn_id},
        body={"action": action, "reason": REASON, **body},
        sub=sub,
        headers={"X-OTP-Token": token} if token else None,
    )
    event["headers"].pop("x-otp-token", None) if token is None else None
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = "[" + " ".join(groups) + "]"
    return invoke(transactions_override, event)


def admin_token(txn_id: str, action: str, sub: str = ADMIN, amount: int | None = None) -> str:
    """The admin's app: a code to the admin's verified phone, bound to the transaction, the action
    and (a partial refund) the amount."""
    bound: dict[str, Any] = {"transaction_id": txn_id, "action": action, **({"amount": amount} if amount else {})}
    sent = send_code(None, "ADMIN_OVERRIDE", sub, groups=("admin",), **bound)
    assert sent.status == 202, sent.raw
    code = SmsOutbox().last_code(profile(sub).phone or "")
    verified = verify_code(code, None, "ADMIN_OVERRIDE", sub, ("admin",), **bound)
    assert verified.status == 200, verified.raw
    wait_out_cooldown()
    return str(verified.json["verification_token"])


@pytest.fixture
def admin_phone() -> None:
    verify_phone(sub=ADMIN)


#: A second admin, for two approvals of one money move at once: a new code for the same admin,
#: transaction and action replaces the previous one, and its token with it.
SECOND_ADMIN = "user-admin-2"


@pytest.fixture
def second_admin_phone() -> None:
    register(SECOND_ADMIN, phone="+905551119988")
    verify_phone(sub=SECOND_ADMIN, phone="+905551119988")


# ---------------------------------------------------------------- moves without money


def test_cancel_is_one_audited_announced_move_with_emails_to_both_parties():
    # Given a transaction the buyer started paying, and the notifier listening on the bus
    txn_id = pending_transaction()
    bus = EventTap()

    # When an admin cancels it with a reason
    result = override(txn_id, "CANCEL")

    # Then it is cancelled, the timeline names the admin and the reason
    assert result.status == 200, result.raw
    assert result.json["status"] == "CANCELLED"
    last = result.json["timeline"][-1]
    assert (last["actor_id"], last["note"], last["status"]) == (ADMIN, REASON, "CANCELLED")
    # and the audit record says before, after and why
    [record] = [r for r in audit_trail(txn_id) if r.action == "TRANSACTION_OVERRIDE_CANCEL"]
    assert json.loads(record.before or "{}") == {"status": "PAYMENT_PENDING"}
    assert json.loads(record.after or "{}")["status"] == "CANCELLED" and record.reason == REASON
    assert record.actor_id == ADMIN
    # and the usual event and TransactionOverridden are published, the parties emailed
    events = bus.drain()
    assert len(of_type(events, "TransactionCancelled")) == 1
    [overridden] = of_type(events, "TransactionOverridden")
    assert overridden["detail"]["action"] == "CANCEL" and overridden["detail"]["previous_status"] == "PAYMENT_PENDING"
    notify.handler(overridden, LambdaContext(function_name="TransactionNotifyFunction"))
    sent = {m["to"]: m for m in dev_outbox.read_all() if m["channel"] == "email"}
    assert {f"{BUYER}@example.com", f"{SELLER}@example.com"} <= sent.keys()
    assert REASON in sent[f"{SELLER}@example.com"]["body"]


def test_mark_failed_and_invalid_moves():
    pending = pending_transaction()
    created = str(new_transaction()["id"])

    assert override(pending, "MARK_FAILED").json["status"] == "FAILED"
    refused = override(created, "MARK_FAILED")
    assert (refused.status, refused.code) == (409, "INVALID_STATE")
    assert override(pending, "MARK_FAILED").code == "INVALID_STATE"  # twice: already FAILED


def test_only_admins_override_and_never_their_own_transaction():
    txn_id = pending_transaction()

    assert override(txn_id, "CANCEL", sub=AGENT, groups=("support",)).code == "ADMIN_ONLY"
    assert override(txn_id, "CANCEL", sub=BUYER, groups=()).code == "ADMIN_ONLY"
    assert override("txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F", "CANCEL").code == "NOT_FOUND"
    # An admin who is a party (here: the buyer, given admin rights) must leave it to another admin
    assert override(txn_id, "CANCEL", sub=BUYER).code == "SELF_ACTION"
    assert status_of(txn_id) == "PAYMENT_PENDING"


def test_bad_bodies_are_refused():
    txn_id = pending_transaction()

    assert override(txn_id, "CANCEL", reason="too short").status == 422
    assert override(txn_id, "EXPLODE").status == 422
    assert override(txn_id, "CANCEL", amount=100).status == 422  # amount is for REFUND only


# ---------------------------------------------------------------- MARK_FUNDED asks the gateway


@pytest.fixture
def jetcheckout(monkeypatch):
    """Call it to make Jetcheckout the configured gateway from then on (payments start in the sandbox)."""

    def configure() -> None:
        monkeypatch.setenv("PAYMENT_GATEWAY", "jetcheckout")
        monkeypatch.setenv("JETCHECKOUT_BASE_URL", BASE)
        monkeypatch.setenv("JETCHECKOUT_API_KEY", "key")
        monkeypatch.setenv("JETCHECKOUT_API_SECRET", "secret")
        get_settings.cache_clear()

    yield configure
    monkeypatch.undo()
    get_settings.cache_clear()


def gateway_says(*, successful: bool, amount: float = 1500.0) -> None:
    body = {
        "response_code": "00200",
        "successful": successful,
        "completed": successful,
        "cancelled": False,
        "amount": amount,
        "currency": "TRY",
        "transaction_id": "gw_777",
    }
    responses.add(responses.POST, f"{BASE}/api/v1/payment/status", json=body)


@responses.activate
def test_mark_funded_when_the_gateway_confirms_the_payment(jetcheckout):
    txn_id = pending_transaction(150_000)
    jetcheckout()
    gateway_says(successful=True)

    result = override(txn_id, "MARK_FUNDED")

    assert result.status == 200, result.raw
    assert result.json["status"] == "FUNDED" and result.json["payment"]["payment_id"] == "gw_777"


@responses.activate
def test_mark_funded_is_refused_when_the_gateway_does_not_confirm(jetcheckout):
    declined, wrong_amount = pending_transaction(150_000), pending_transaction(150_000)
    jetcheckout()
    gateway_says(successful=False)
    assert override(declined, "MARK_FUNDED").code == "PAYMENT_NOT_CONFIRMED"
    responses.reset()
    gateway_says(successful=True, amount=1.0)
    assert override(wrong_amount, "MARK_FUNDED").code == "PAYMENT_NOT_CONFIRMED"
    assert status_of(declined) == status_of(wrong_amount) == "PAYMENT_PENDING"


def test_mark_funded_with_the_sandbox_is_never_confirmed():
    # The sandbox keeps no payment state: nothing to confirm a payment with
    txn_id = pending_transaction()
    result = override(txn_id, "MARK_FUNDED")
    assert (result.status, result.code) == (409, "PAYMENT_NOT_CONFIRMED")


# ---------------------------------------------------------------- money moves: RELEASE, REFUND


def test_release_needs_the_admins_own_code(admin_phone):
    txn_id = shipped_transaction(150_000)

    without = override(txn_id, "RELEASE")
    assert (without.status, without.code) == (403, "OTP_REQUIRED")
    refund_token = admin_token(txn_id, "REFUND")
    assert override(txn_id, "RELEASE", token=refund_token).code == "OTP_REQUIRED"  # another action's code
    release_token = admin_token(txn_id, "RELEASE")

    released = override(txn_id, "RELEASE", token=release_token)

    assert released.status == 200, released.raw
    assert released.json["status"] == "COMPLETED"
    # twice: the same code is spent, and the transaction has moved on
    again = override(txn_id, "RELEASE", token=release_token)
    assert (again.status, again.code) == (409, "INVALID_STATE")


def test_another_admins_code_does_not_approve(admin_phone):
    # Given a second admin (the stranger, with admin rights) with their own code
    txn_id = funded_transaction()
    verify_phone(sub=STRANGER)
    theirs = admin_token(txn_id, "RELEASE", sub=STRANGER)

    # Then it does not approve this admin's release
    assert override(txn_id, "RELEASE", token=theirs).code == "OTP_REQUIRED"
    assert status_of(txn_id) == "FUNDED"


def test_release_while_the_seller_is_suspended_is_the_admins_decision(admin_phone):
    txn_id = shipped_transaction()
    suspend(SELLER)

    released = override(txn_id, "RELEASE", token=admin_token(txn_id, "RELEASE"))

    assert released.status == 200 and released.json["status"] == "COMPLETED", released.raw


def test_refund_in_full_goes_through_the_gateway_once(admin_phone):
    txn_id = funded_transaction(150_000)
    token = admin_token(txn_id, "REFUND")

    refunded = override(txn_id, "REFUND", token=token)

    assert refunded.status == 200, refunded.raw
    assert refunded.json["status"] == "REFUNDED"
    assert refunded.json["refunded_amount"] == 150_000
    assert [r["amount"] for r in refunded.json["refunds"]] == [150_000]
    # twice: refused before any code is looked at, and no new code is even sent
    assert override(txn_id, "REFUND", token=token).code == "INVALID_STATE"
    sent = send_code(None, "ADMIN_OVERRIDE", ADMIN, groups=("admin",), transaction_id=txn_id, action="REFUND")
    assert sent.status == 409, sent.raw


def test_a_partial_refund_keeps_the_status_and_refuses_more_than_is_left(admin_phone):
    txn_id = funded_transaction(150_000)

    too_much = override(txn_id, "REFUND", amount=150_001)
    assert (too_much.status, too_much.code) == (422, "INVALID_REFUND_AMOUNT")
    # A partial refund's code is bound to its amount: the full-refund code does not approve it
    full = admin_token(txn_id, "REFUND")
    assert override(txn_id, "REFUND", token=full, amount=50_000).code == "OTP_REQUIRED"

    # With a code bound to 50 000 kuruş, the partial refund is made and the status stays
    partial = override(txn_id, "REFUND", token=admin_token(txn_id, "REFUND", amount=50_000), amount=50_000)
    assert partial.status == 200, partial.raw
    assert (partial.json["status"], partial.json["refunded_amount"]) == ("FUNDED", 50_000)
    # and the rest is refunded in full with a code for what is left
    rest = override(txn_id, "REFUND", token=admin_token(txn_id, "REFUND"))
    assert (rest.json["status"], rest.json["refunded_amount"]) == ("REFUNDED", 150_000), rest.raw
    assert [refund["amount"] for refund in rest.json["refunds"]] == [50_000, 100_000]


def test_concurrent_refunds_refund_once(admin_phone, second_admin_phone):
    # Given the same refund approved by two admins, used at the same time
    txn_id = funded_transaction(150_000)
    approvals = [(ADMIN, admin_token(txn_id, "REFUND")), (SECOND_ADMIN, admin_token(txn_id, "REFUND", SECOND_ADMIN))]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda pair: override(txn_id, "REFUND", token=pair[1], sub=pair[0]), approvals))

    # Then the money is refunded once, in the books once (the other approval is refused as in
    # test_concurrent_releases_release_once)
    assert all(result.status in (200, 403, 409) for result in results), [r.raw for r in results]
    assert any(result.status == 200 for result in results)
    view = staff_view(txn_id)
    assert view["status"] == "REFUNDED" and view["refunded_amount"] == 150_000 and len(view["refunds"]) == 1


def test_concurrent_releases_release_once(admin_phone, second_admin_phone):
    # Given the same release approved by two admins and sent at the same time
    txn_id = shipped_transaction(150_000)
    approvals = [(ADMIN, admin_token(txn_id, "RELEASE")), (SECOND_ADMIN, admin_token(txn_id, "RELEASE", SECOND_ADMIN))]
    bus = EventTap()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda pair: override(txn_id, "RELEASE", token=pair[1], sub=pair[0]), approvals))

    # Then one wins and the other is refused: told the transaction moved (409), or, when it reads
    # the completed transaction first, that its code (bound to an escrow to release) approves
    # nothing any more (403 OTP_REQUIRED); one release is announced
    statuses = sorted(result.status for result in results)
    assert statuses in ([200, 403], [200, 409]), [r.raw for r in results]
    assert status_of(txn_id) == "COMPLETED"
    assert len(of_type(bus.drain(), "TransactionCompleted")) == 1


def test_a_disputed_transaction_is_left_to_its_dispute(admin_phone):
    txn_id = shipped_transaction()
    assert open_dispute(txn_id).status == 201

    for action in ("RELEASE", "REFUND", "CANCEL", "MARK_FAILED"):
        refused = override(txn_id, action)
        assert (refused.status, refused.code) == (409, "DISPUTE_OPEN"), action
    assert status_of(txn_id) == "DISPUTED"


def test_a_release_and_a_refund_at_the_same_time_move_the_money_once(admin_phone, second_admin_phone):
    # Given a release and a refund of the same escrow, approved by two admins, sent at the same time
    txn_id = shipped_transaction(150_000)
    release_token, refund_token = admin_token(txn_id, "RELEASE"), admin_token(txn_id, "REFUND", SECOND_ADMIN)
    requests = [("RELEASE", release_token, ADMIN), ("REFUND", refund_token, SECOND_ADMIN)]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda one: override(txn_id, one[0], token=one[1], sub=one[2]), requests))

    # Then exactly one wins (the other refused as in test_concurrent_releases_release_once), and
    # the books show that one only
    assert sorted(result.status for result in results) in ([200, 403], [200, 409]), [r.raw for r in results]
    view = staff_view(txn_id)
    assert (view["status"], view["refunded_amount"]) in (("COMPLETED", 0), ("REFUNDED", 150_000))
