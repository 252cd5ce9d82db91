"""Money is not released to a suspended seller: the buyer's confirmation and a dispute's decision
that pays the seller answer 409 SELLER_SUSPENDED and the funds stay in escrow."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from devstack import dev_clock
from paylox.audit import audit_trail
from paylox.auth import Principal
from paylox.disputes import settlement
from paylox.errors import DomainError
from paylox.transactions import release
from tests.apigw import ADMIN, BUYER, SELLER, STRANGER
from tests.integration.bus import EventTap
from tests.integration.disputes.steps import do, get_dispute, opened, run_sla, under_review
from tests.integration.steps import (
    confirm_with,
    confirmation_token,
    funded_transaction,
    shipped_transaction,
    status_of,
    suspend,
)


def resolve(dispute_id: str, **body):
    return do("resolve", dispute_id, ADMIN, {"note": "Kanıtlar incelendi.", **body})


def test_the_buyer_cannot_release_to_a_suspended_seller_and_keeps_their_code():
    # Given a shipped transaction and the buyer's confirmation code, then the seller is suspended
    txn_id = shipped_transaction()
    token = confirmation_token(txn_id)
    suspend(SELLER)

    # When the buyer confirms receipt, twice
    first = confirm_with(txn_id, token)
    second = confirm_with(txn_id, token)

    # Then both are refused with a clear reason, nothing moved, and nothing was audited as released
    for refused in (first, second):
        assert (refused.status, refused.code) == (409, "SELLER_SUSPENDED")
    assert "askıya" in first.json["detail"]
    assert status_of(txn_id) == "SHIPPED"
    assert "TRANSACTION_CONFIRM" not in [record.action for record in audit_trail(txn_id)]

    # And once the suspension is lifted, the same code still releases the funds
    suspend(SELLER, suspended=False)
    assert confirm_with(txn_id, token).status == 200
    assert status_of(txn_id) == "COMPLETED"


def test_the_suspension_is_checked_after_who_is_asking():
    txn_id = shipped_transaction()
    suspend(SELLER)

    assert confirm_with(txn_id, None, sub=STRANGER).code == "NOT_FOUND"
    assert confirm_with(txn_id, None, sub=SELLER).code == "ACCOUNT_SUSPENDED"
    assert status_of(txn_id) == "SHIPPED"


def test_concurrent_confirmations_for_a_suspended_seller_all_fail_and_nothing_moves():
    txn_id = shipped_transaction()
    suspend(SELLER)
    buyer = Principal(user_id=BUYER, groups=frozenset())

    def try_to_confirm(_: int) -> str:
        try:
            release.confirm(buyer, txn_id, otp_token="unused")
            return "released"
        except DomainError as refused:
            return refused.code

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(try_to_confirm, range(6)))

    assert outcomes == ["SELLER_SUSPENDED"] * 6
    assert status_of(txn_id) == "SHIPPED"


@pytest.mark.parametrize(
    "body", [{"outcome": "RELEASE_TO_SELLER"}, {"outcome": "SPLIT", "buyer_amount": 40_000}], ids=["release", "split"]
)
def test_a_dispute_cannot_be_decided_for_a_suspended_seller(gateway, body):
    dispute = under_review()
    suspend(SELLER)

    refused = resolve(dispute["id"], **body)

    assert (refused.status, refused.code) == (409, "SELLER_SUSPENDED")
    assert get_dispute(dispute["id"], ADMIN).json["status"] == "UNDER_REVIEW"
    assert status_of(dispute["transaction_id"]) == "DISPUTED"
    assert gateway.refunds == []


def test_refunding_the_buyer_of_a_suspended_seller_is_still_possible(gateway):
    dispute = opened(funded_transaction())
    suspend(SELLER)

    assert resolve(dispute["id"], outcome="REFUND_TO_BUYER").status == 200
    assert status_of(dispute["transaction_id"]) == "REFUNDED"


def test_a_seller_suspended_before_the_settlement_is_paid_only_once_the_suspension_is_lifted(gateway):
    # Given a split decided while the gateway was down, then the seller is suspended
    gateway.failures = 1
    dispute = under_review()
    assert resolve(dispute["id"], outcome="SPLIT", buyer_amount=40_000).json["resolution"]["settlement"] == "PENDING"
    suspend(SELLER)

    # When the settlement is retried: nothing moves, neither share
    dev_clock.advance(5 * 60 + 1)
    assert run_sla() == {"SETTLEMENT": 1}  # tried, and held
    assert status_of(dispute["transaction_id"]) == "DISPUTED"
    assert gateway.refunds == []

    # And after the suspension is lifted the next retry settles it
    suspend(SELLER, suspended=False)
    dev_clock.advance(10 * 60 + 1)
    assert run_sla() == {"SETTLEMENT": 1}
    assert status_of(dispute["transaction_id"]) == "COMPLETED"
    assert gateway.refunds == [{"transaction_id": dispute["transaction_id"], "amount": 40_000}]


# ------------------------------------------------------------- a suspension between the read and the write
def test_a_suspension_landing_after_the_check_still_stops_the_buyers_release(monkeypatch):
    # Given a shipped transaction and the buyer's confirmation code
    txn_id = shipped_transaction()
    token = confirmation_token(txn_id)
    bus = EventTap(("paylox.transactions",), name="suspension-window-tap")

    def read_then_suspended(principal, txn_id):
        txn = read(principal, txn_id)  # the transaction is read, the seller still active ...
        suspend(SELLER)  # ... and staff suspend them before the release commits
        return txn

    read = release.get_for
    monkeypatch.setattr(release, "get_for", read_then_suspended)

    # When the buyer confirms receipt
    refused = confirm_with(txn_id, token)

    # Then the release is refused as for a seller suspended before, and the money stays in escrow
    assert (refused.status, refused.code) == (409, "SELLER_SUSPENDED")
    assert status_of(txn_id) == "SHIPPED"
    assert "TRANSACTION_CONFIRM" not in [record.action for record in audit_trail(txn_id)]
    assert "TransactionCompleted" not in [event["detail-type"] for event in bus.drain()]
    # And the buyer's code was not used up: it releases the funds once the suspension is lifted
    monkeypatch.undo()
    suspend(SELLER, suspended=False)
    assert confirm_with(txn_id, token).status == 200


def test_a_suspension_the_settlement_did_not_see_holds_the_money_of_a_decided_dispute(gateway, monkeypatch):
    # Given a dispute under review, and a seller suspended that the decision's read still sees active
    dispute = under_review()
    suspend(SELLER)
    monkeypatch.setattr(settlement, "require_payable_seller", lambda txn: None)

    # When an admin releases the money to the seller
    decided = resolve(dispute["id"], outcome="RELEASE_TO_SELLER")

    # Then the decision stands but the settlement is held: nothing reaches the seller
    assert decided.status == 200, decided.raw
    assert decided.json["resolution"]["settlement"] == "PENDING"
    assert status_of(dispute["transaction_id"]) == "DISPUTED"
    assert "TRANSACTION_RELEASE" not in [record.action for record in audit_trail(dispute["transaction_id"])]
