"""AWS round trips of the transaction routes (issue 13 §4): a move is the caller's profile, the
transaction and one transactional write; a read two, a list three; a payment webhook and its
confirmation five each. Counted through botocore's event system (bench/aws_calls.py); the OTP
routes are held to theirs in test_otp_abuse.py. ``make bench-calls`` shows them all."""

from __future__ import annotations

from bench.aws_calls import Calls, counting
from functions.transactions import get, list_mine
from tests.apigw import ADMIN, BUYER, SELLER, api_event, invoke
from tests.integration.steps import (
    act,
    confirm_hint,
    confirm_with,
    confirmation_token,
    deliver,
    event_body,
    gateway_pays,
    new_transaction,
    pending_transaction,
    shipped_transaction,
    status_of,
    verify_phone,
)
from tests.integration.test_admin_overrides import admin_token, override


def _counted(calls: Calls, target: int) -> None:
    assert calls.count() <= target, calls.made


def test_every_move_of_a_transaction_takes_three_round_trips():
    # Given a buyer and a seller (registered), when each move of a transaction's life is made
    with counting() as created:
        txn_id = str(new_transaction()["id"])
    with counting() as paid:
        assert act("pay", txn_id).status == 200
    gateway_pays(txn_id, "succeeded", payment_id="pay_1")
    with counting() as hooked:
        hook = deliver("success", event_body("payment.succeeded", txn_id))
        assert hook.status == 200, hook.raw
    with counting() as confirmed_payment:
        assert confirm_hint(str(hook.json["delivery_id"])) == "CONFIRMED"
    with counting() as shipped:
        assert act("ship", txn_id, SELLER).status == 200
    token = confirmation_token(txn_id)
    with counting() as released:
        assert confirm_with(txn_id, token).status == 200

    # Then each stays within its target, and the money went where it should
    assert status_of(txn_id) == "COMPLETED"
    for calls in (created, paid, shipped, released):
        _counted(calls, 3)
    _counted(hooked, 5)
    _counted(confirmed_payment, 5)


def test_a_cancel_takes_three_round_trips_and_reads_two_or_three():
    txn_id = str(new_transaction()["id"])

    with counting() as read:
        assert invoke(get, api_event("transactions/get.json", path={"id": txn_id}, sub=BUYER)).status == 200
    with counting() as listed:
        assert invoke(list_mine, api_event("transactions/list_mine.json", sub=BUYER)).status == 200
    with counting() as cancelled:
        assert act("cancel", txn_id).status == 200

    assert status_of(txn_id) == "CANCELLED"
    _counted(read, 2)
    _counted(listed, 3)
    _counted(cancelled, 3)


def test_an_admins_overrides_without_the_gateway_take_three_round_trips():
    # Given an admin with a verified phone, a transaction in escrow and one the buyer started paying
    verify_phone(sub=ADMIN)
    shipped = shipped_transaction()
    pending = pending_transaction()
    token = admin_token(shipped, "RELEASE")

    # When the admin releases the first (with their code) and cancels the second
    with counting() as released:
        assert override(shipped, "RELEASE", token=token).status == 200
    with counting() as cancelled:
        assert override(pending, "CANCEL").status == 200

    # Then each is one move: the admin's profile, the transaction, one write
    assert (status_of(shipped), status_of(pending)) == ("COMPLETED", "CANCELLED")
    _counted(released, 3)
    _counted(cancelled, 3)
