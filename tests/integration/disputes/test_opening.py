"""Opening a dispute: who may, on which transactions, once, and what it does to the transaction."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from functions.transactions import cancel, confirm, ship
from paylox import clock
from paylox.auth import Principal
from paylox.disputes import opening
from paylox.disputes.errors import DisputeAlreadyOpen
from paylox.disputes.models import DisputeRow
from paylox.disputes.schemas import CreateDisputeRequest
from paylox.transactions.service import find_transaction
from tests.apigw import ADMIN, BUYER, SELLER, STRANGER, api_event, invoke
from tests.integration.disputes.steps import open_dispute, opened
from tests.integration.steps import completed_transaction, funded_transaction, new_transaction, status_of


def test_the_buyer_opens_a_dispute_on_a_funded_transaction():
    txn_id = funded_transaction(amount=150_000)

    result = open_dispute(txn_id, BUYER, reason="ITEM_NOT_RECEIVED", description="Kargo gelmedi.")

    assert result.status == 201
    dispute = result.json
    assert dispute["id"].startswith("dsp_")
    assert dispute["status"] == "OPENED"
    assert dispute["transaction_id"] == txn_id
    assert dispute["opened_by"] == BUYER
    assert dispute["opened_by_party"] == "BUYER"
    assert dispute["reason"] == "ITEM_NOT_RECEIVED"
    assert dispute["amount"] == 150_000
    assert dispute["currency"] == "TRY"
    assert dispute["assigned_to"] is None
    created = clock.parse_iso(dispute["created_at"])
    assert clock.parse_iso(dispute["escalate_at"]) - created == timedelta(hours=48)
    assert clock.parse_iso(dispute["first_response_due_at"]) - created == timedelta(hours=2)
    assert [entry["event"] for entry in dispute["timeline"]] == ["DisputeOpened"]


def test_the_seller_opens_a_dispute_on_a_shipped_transaction():
    txn_id = funded_transaction(shipped=True)

    result = open_dispute(txn_id, SELLER, reason="OTHER", description="Alıcı teslim almıyor.")

    assert result.status == 201
    assert result.json["opened_by_party"] == "SELLER"


def test_the_disputed_transaction_is_frozen_until_resolution():
    funded = funded_transaction()
    shipped = funded_transaction(shipped=True)
    opened(funded)
    opened(shipped)

    def act(module, name, txn_id, sub):
        return invoke(module, api_event(f"transactions/{name}.json", path={"id": txn_id}, sub=sub))

    attempts = [
        act(ship, "ship", funded, SELLER),
        act(confirm, "confirm", shipped, BUYER),
        act(cancel, "cancel", funded, BUYER),
        act(cancel, "cancel", shipped, SELLER),
    ]

    assert [(result.status, result.code) for result in attempts] == [(409, "INVALID_STATE")] * 4
    assert {result.json["current_status"] for result in attempts} == {"DISPUTED"}
    assert status_of(funded) == status_of(shipped) == "DISPUTED"
    timeline = find_transaction(funded).timeline
    assert [entry.status for entry in timeline][-1] == "DISPUTED"


@pytest.mark.parametrize("caller", [STRANGER, ADMIN])
def test_someone_not_party_to_the_transaction_gets_404(caller):
    txn_id = funded_transaction()

    result = open_dispute(txn_id, caller)

    assert result.status == 404
    assert result.code == "NOT_FOUND"
    assert status_of(txn_id) == "FUNDED"


def test_an_unknown_transaction_is_404():
    assert open_dispute("txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F").status == 404


def test_an_unfunded_transaction_cannot_be_disputed():
    created = new_transaction(amount=1000)

    result = open_dispute(created["id"])

    assert result.status == 409
    assert result.code == "TRANSACTION_NOT_DISPUTABLE"
    assert result.json["current_status"] == "CREATED"


def test_a_completed_transaction_cannot_be_disputed():
    txn_id = completed_transaction()  # the buyer confirmed receipt

    result = open_dispute(txn_id)

    assert result.status == 409
    assert result.code == "TRANSACTION_NOT_DISPUTABLE"


def test_a_second_dispute_on_the_same_transaction_is_refused_and_points_to_the_first():
    txn_id = funded_transaction()
    first = opened(txn_id, BUYER)

    again = open_dispute(txn_id, SELLER)

    assert again.status == 409
    assert again.code == "DISPUTE_ALREADY_OPEN"
    assert again.json["dispute_id"] == first["id"]


def test_concurrent_opens_create_exactly_one_dispute():
    # Each Lambda environment serves one request at a time: the race is between environments,
    # each with its own read of the transaction.
    txn_id = funded_transaction()
    request = CreateDisputeRequest(transaction_id=txn_id, reason="DAMAGED", description="Kırık geldi.")
    callers = [Principal(user_id=BUYER if n % 2 else SELLER, groups=frozenset()) for n in range(8)]

    def try_to_open(principal: Principal) -> str:
        try:
            opening.open_dispute(principal, request)
            return "won"
        except DisputeAlreadyOpen:
            return "already open"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(try_to_open, callers))

    assert sorted(outcomes) == ["already open"] * 7 + ["won"]
    assert len(list(DisputeRow.by_transaction.query(txn_id))) == 1
    timeline = find_transaction(txn_id).timeline
    assert [entry.status for entry in timeline].count("DISPUTED") == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "CHANGED_MY_MIND"}, "reason"),
        ({"description": ""}, "description"),
        ({"description": "x" * 2001}, "description"),
        ({"description": "gizli\x07zil"}, "description"),
        ({"transaction_id": "not-an-id"}, "transaction_id"),
        ({"evidence_document_ids": ["doc_01JD3Z9B1C3D5E7F9G1H3J5K7M"] * 11}, "evidence_document_ids"),
        ({"amount": 5}, "amount"),
    ],
)
def test_invalid_requests_are_422_with_the_field_named(body, field):
    result = open_dispute("txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F", **body)

    assert result.status == 422
    assert result.code == "VALIDATION_ERROR"
    assert any(error["field"].startswith(field) for error in result.json["errors"])


def test_money_is_never_frozen_without_its_dispute(monkeypatch):
    # Given a dispute id that is already taken, so DynamoDB refuses to store the new dispute
    txn_id = funded_transaction()
    taken = open_dispute(funded_transaction()).json["id"]
    monkeypatch.setattr(opening, "new_id", lambda prefix: taken)

    # When the buyer opens a dispute
    result = open_dispute(txn_id, BUYER)

    # Then the freeze and the dispute fail together: the money stays where it was
    assert result.status == 409
    assert result.code == "CONCURRENT_MODIFICATION"
    assert status_of(txn_id) == "FUNDED"
    monkeypatch.undo()
    assert open_dispute(txn_id, BUYER).status == 201  # and a retry works
