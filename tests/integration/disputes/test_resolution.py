"""Resolving a dispute: only admins, once, final, and the transaction and the money follow."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from devstack import dev_clock
from functions.transactions import confirm, ship
from paylox.audit import audit_trail
from paylox.auth import Principal
from paylox.disputes import settlement
from paylox.disputes.schemas import ResolveRequest
from paylox.errors import DomainError
from paylox.transactions.service import find_transaction
from tests.apigw import ADMIN, BUYER, SELLER, api_event, invoke
from tests.integration.bus import EventTap, of_type
from tests.integration.disputes.steps import (
    ADMIN_2,
    AGENT,
    awaiting,
    do,
    events_of,
    get_dispute,
    opened,
    run_sla,
    under_review,
)
from tests.integration.steps import funded_transaction, last_confirmation, send_event, status_of


def resolve(dispute_id: str, by: str = ADMIN, **body):
    return do("resolve", dispute_id, by, {"note": "Kanıtlar incelendi.", **body})


def test_releasing_to_the_seller_completes_the_transaction(gateway):
    dispute = under_review()

    result = resolve(dispute["id"], outcome="RELEASE_TO_SELLER")

    assert result.status == 200
    assert result.json["status"] == "RESOLVED"
    resolution = result.json["resolution"]
    assert resolution["outcome"] == "RELEASE_TO_SELLER"
    assert (resolution["buyer_amount"], resolution["seller_amount"]) == (0, 150_000)
    assert resolution["settlement"] == "SETTLED"
    assert resolution["resolved_by"] == ADMIN
    assert status_of(dispute["transaction_id"]) == "COMPLETED"
    assert gateway.refunds == []
    assert events_of(result.json)[-2:] == ["DisputeResolved", "DisputeSettled"]


def test_refunding_the_buyer_refunds_through_the_gateway(gateway):
    dispute = opened(funded_transaction(amount=99_990))

    result = resolve(dispute["id"], outcome="REFUND_TO_BUYER")

    assert result.status == 200
    assert gateway.refunds == [{"transaction_id": dispute["transaction_id"], "amount": 99_990}]
    assert result.json["resolution"]["refund_id"] == f"dispute-refund-{dispute['id']}"
    txn = find_transaction(dispute["transaction_id"])
    assert txn.status == "REFUNDED"
    assert int(txn.refunded_amount) == 99_990


def test_a_split_refunds_part_and_releases_the_rest(gateway):
    dispute = under_review()

    result = resolve(dispute["id"], outcome="SPLIT", buyer_amount=40_000)

    resolution = result.json["resolution"]
    assert (resolution["buyer_amount"], resolution["seller_amount"]) == (40_000, 110_000)
    assert gateway.refunds == [{"transaction_id": dispute["transaction_id"], "amount": 40_000}]
    txn = find_transaction(dispute["transaction_id"])
    assert txn.status == "COMPLETED"
    assert int(txn.refunded_amount) == 40_000


@pytest.mark.parametrize("buyer_amount", [150_000, 150_001])
def test_a_split_must_leave_something_to_each_side(gateway, buyer_amount):
    dispute = opened()

    result = resolve(dispute["id"], outcome="SPLIT", buyer_amount=buyer_amount)

    assert result.status == 422
    assert result.code == "INVALID_SPLIT_AMOUNT"
    assert result.json["refundable"] == 150_000
    assert get_dispute(dispute["id"]).json["status"] == "OPENED"
    assert gateway.refunds == []


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "SPLIT"},
        {"outcome": "SPLIT", "buyer_amount": 0},
        {"outcome": "SPLIT", "buyer_amount": 100.5},
        {"outcome": "RELEASE_TO_SELLER", "buyer_amount": 100},
        {"outcome": "KEEP_IT"},
        {"outcome": "RELEASE_TO_SELLER", "note": ""},
    ],
)
def test_malformed_resolutions_are_422(body):
    dispute = opened()

    result = do("resolve", dispute["id"], ADMIN, {"note": "karar", **body})

    assert result.status == 422
    assert result.code == "VALIDATION_ERROR"


@pytest.mark.parametrize(("caller", "code"), [(AGENT, "ADMIN_ONLY"), (BUYER, "ADMIN_ONLY"), (SELLER, "ADMIN_ONLY")])
def test_only_admins_resolve(caller, code, gateway):
    dispute = under_review()

    result = resolve(dispute["id"], caller, outcome="REFUND_TO_BUYER")

    assert result.status == 403
    assert result.code == code
    assert status_of(dispute["transaction_id"]) == "DISPUTED"


@pytest.mark.parametrize("state", ["OPENED", "UNDER_REVIEW", "PENDING_INFO", "ESCALATED"])
def test_a_dispute_is_resolved_from_every_open_state(state, gateway):
    dispute = awaiting() if state == "PENDING_INFO" else under_review() if state == "UNDER_REVIEW" else opened()
    if state == "ESCALATED":
        dev_clock.advance(48 * 3600 + 1)
        run_sla()
    assert get_dispute(dispute["id"]).json["status"] == state

    assert resolve(dispute["id"], outcome="RELEASE_TO_SELLER").status == 200


def test_a_resolved_dispute_is_final(gateway, documents):
    dispute = under_review()
    resolve(dispute["id"], outcome="RELEASE_TO_SELLER")
    document_id = documents.upload(BUYER)

    attempts = {
        "resolve": resolve(dispute["id"], ADMIN_2, outcome="REFUND_TO_BUYER"),
        "assign": do("assign", dispute["id"], ADMIN_2, {"admin_id": ADMIN_2}),
        "request_info": do("request_info", dispute["id"], ADMIN, {"from": "BUYER", "message": "?"}),
        "message": do("message", dispute["id"], BUYER, {"body": "Ama..."}),
        "evidence": do("evidence", dispute["id"], BUYER, {"document_id": document_id}),
    }

    assert {name: (result.status, result.code) for name, result in attempts.items()} == {
        name: (409, "DISPUTE_RESOLVED") for name in attempts
    }
    assert gateway.refunds == []
    assert status_of(dispute["transaction_id"]) == "COMPLETED"


def test_the_transaction_moves_again_only_through_the_resolution(gateway):
    dispute = under_review()
    txn_id = dispute["transaction_id"]
    resolve(dispute["id"], outcome="REFUND_TO_BUYER")

    shipped = invoke(ship, api_event("transactions/ship.json", path={"id": txn_id}, sub=SELLER))
    confirmed = invoke(confirm, api_event("transactions/confirm.json", path={"id": txn_id}, sub=BUYER))

    assert shipped.code == confirmed.code == "INVALID_STATE"
    assert status_of(txn_id) == "REFUNDED"


def test_two_admins_resolving_at_once_never_both_win_and_refund_once(gateway):
    dispute = under_review()
    admins = [Principal(user_id=f"user-admin-{n}", groups=frozenset({"admin"}), mfa=True) for n in range(2, 8)]
    outcomes_by_admin = ["REFUND_TO_BUYER", "RELEASE_TO_SELLER"] * 3

    def try_to_resolve(args: tuple[Principal, str]) -> str:
        admin, outcome = args
        try:
            settlement.resolve(admin, dispute["id"], ResolveRequest(outcome=outcome, note="karar"))
            return "won"
        except DomainError as lost:
            return "lost" if lost.status == 409 else f"failed: {lost.code}"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(try_to_resolve, zip(admins, outcomes_by_admin, strict=True)))

    assert sorted(outcomes) == ["lost"] * 5 + ["won"]
    view = get_dispute(dispute["id"], ADMIN).json
    assert events_of(view).count("DisputeResolved") == 1
    expected = "REFUNDED" if view["resolution"]["outcome"] == "REFUND_TO_BUYER" else "COMPLETED"
    assert status_of(dispute["transaction_id"]) == expected
    assert len(gateway.refunds) == (1 if expected == "REFUNDED" else 0)


def test_when_the_gateway_fails_the_decision_stands_and_the_refund_is_retried(gateway):
    gateway.failures = 1
    dispute = under_review()

    result = resolve(dispute["id"], outcome="REFUND_TO_BUYER")

    assert result.status == 200
    assert result.json["status"] == "RESOLVED"
    assert result.json["resolution"]["settlement"] == "PENDING"
    assert status_of(dispute["transaction_id"]) == "DISPUTED"

    dev_clock.advance(60)
    assert run_sla() == {}  # not yet: the retry backs off
    dev_clock.advance(5 * 60)
    assert run_sla() == {"SETTLEMENT": 1}
    assert run_sla() == {}

    settled = get_dispute(dispute["id"]).json
    assert settled["resolution"]["settlement"] == "SETTLED"
    assert status_of(dispute["transaction_id"]) == "REFUNDED"
    assert len(gateway.refunds) == 1
    # both calls asked for the same refund: had the first one gone through, the gateway would not repeat it
    assert gateway.keys == [f"dispute-refund-{dispute['id']}"] * 2


def test_the_decision_and_the_money_are_both_on_the_record(gateway):
    dispute = under_review()

    do("resolve", dispute["id"], ADMIN, {"outcome": "REFUND_TO_BUYER", "note": "Ürün hiç gelmedi."})

    dispute_trail = {record.action: record for record in audit_trail(dispute["id"])}
    decision = dispute_trail["DISPUTE_RESOLVE"]
    assert decision.actor_id == ADMIN
    assert decision.reason == "Ürün hiç gelmedi."
    assert json.loads(decision.after)["resolution"]["outcome"] == "REFUND_TO_BUYER"
    assert "DISPUTE_SETTLED" in dispute_trail
    txn_actions = [record.action for record in audit_trail(dispute["transaction_id"])]
    assert txn_actions[-2:] == ["TRANSACTION_DISPUTE", "TRANSACTION_REFUND"]


@pytest.mark.parametrize(("outcome", "buyer_amount"), [("REFUND_TO_BUYER", None), ("SPLIT", 40_000)])
def test_the_providers_confirmation_of_a_dispute_refund_is_known_and_changes_nothing(gateway, outcome, buyer_amount):
    dispute = under_review()
    body = {"outcome": outcome, "note": "karar", **({"buyer_amount": buyer_amount} if buyer_amount else {})}
    resolution = do("resolve", dispute["id"], ADMIN, body).json["resolution"]
    txn_before = find_transaction(dispute["transaction_id"])
    assert [(entry.refund_id, int(entry.amount)) for entry in txn_before.refunds] == [
        (resolution["refund_id"], resolution["buyer_amount"])
    ]

    confirmation = send_event(
        "payment.refunded",
        dispute["transaction_id"],
        amount=resolution["buyer_amount"],
        refund_id=resolution["refund_id"],
    )

    assert confirmation.status == 200, confirmation.raw
    assert last_confirmation(dispute["transaction_id"]) == ("IGNORED", "already_refunded")
    txn_after = find_transaction(dispute["transaction_id"])
    assert (txn_after.status, int(txn_after.refunded_amount)) == (txn_before.status, resolution["buyer_amount"])
    assert not txn_after.flags


def test_a_split_retried_after_the_providers_refund_webhook_counts_the_refund_once(gateway):
    # Given a SPLIT of a 100 TRY escrow giving the buyer 40 TRY, whose refund the gateway made but
    # whose answer was lost, so the settlement stays due
    tap = EventTap(("paylox.transactions",), name="split-retry-tap")
    dispute = opened(funded_transaction(10_000))
    gateway.lost_answers = 1
    decided = resolve(dispute["id"], outcome="SPLIT", buyer_amount=4_000)
    assert decided.json["resolution"]["settlement"] == "PENDING"
    refund_id = gateway.last_refund_id()
    # and the provider's payment.refunded for that refund was recorded meanwhile
    confirmation = send_event(
        "payment.refunded", dispute["transaction_id"], amount=4_000, refund_id=refund_id, payment_id="pay_1"
    )
    assert confirmation.status == 200, confirmation.raw

    # When the scheduled function retries the settlement
    dev_clock.advance(5 * 60 + 1)
    assert run_sla() == {"SETTLEMENT": 1}

    # Then the refund is in the books once, the rest went to the seller, and the dispute is settled
    txn = find_transaction(dispute["transaction_id"])
    assert [(entry.refund_id, int(entry.amount)) for entry in txn.refunds] == [(refund_id, 4_000)]
    assert (txn.status, int(txn.refunded_amount)) == ("COMPLETED", 4_000)
    assert get_dispute(dispute["id"]).json["resolution"]["settlement"] == "SETTLED"
    assert len(gateway.refunds) == 1
    [completed] = of_type(tap.drain(), "TransactionCompleted")
    assert completed["detail"]["released_amount"] == 6_000
