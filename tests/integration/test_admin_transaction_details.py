"""One transaction in the back office: the transaction with what only staff see, its parties, its
disputes with their evidence, and its audit trail newest first."""

from __future__ import annotations

from functions.admin import transactions_details
from paylox.admin import transactions as admin_transactions
from paylox.audit import audit_trail
from tests.apigw import ADMIN, AGENT, BUYER, SELLER, HttpResult, api_event, invoke
from tests.integration.disputes.steps import open_dispute
from tests.integration.steps import shipped_transaction


def details(txn_id: str, sub: str = AGENT, groups: tuple[str, ...] = ("support",)) -> HttpResult:
    event = api_event("admin/transactions_details.json", path={"id": txn_id}, sub=sub)
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = "[" + " ".join(groups) + "]"
    return invoke(transactions_details, event)


def test_a_disputed_transaction_with_everything_around_it():
    # Given a shipped transaction the buyer disputed
    txn_id = shipped_transaction(150_000)
    opened = open_dispute(txn_id)
    assert opened.status == 201, opened.raw

    # When a support agent opens its details
    result = details(txn_id)

    # Then the transaction comes with its timeline and the payment webhook that funded it
    assert result.status == 200, result.raw
    body = result.json
    assert body["transaction"]["id"] == txn_id and body["transaction"]["status"] == "DISPUTED"
    assert [entry["status"] for entry in body["transaction"]["timeline"]][-1] == "DISPUTED"
    assert len(body["transaction"]["payment_deliveries"]) == 1 and body["transaction"]["flags"] == []
    # its parties' profiles
    assert (body["buyer"]["user_id"], body["buyer"]["email"]) == (BUYER, f"{BUYER}@example.com")
    assert body["seller"]["user_id"] == SELLER and body["seller"]["status"] == "ACTIVE"
    # its dispute
    assert [dispute["id"] for dispute in body["disputes"]] == [opened.json["id"]]
    assert body["documents"] == []
    # and its audit trail, newest first
    actions = [record["action"] for record in body["audit"]]
    assert actions[0] == "TRANSACTION_DISPUTE" and actions[-1] == "TRANSACTION_CREATED"
    assert body["audit"][-1]["after"]["amount"] == 150_000 and body["audit"][-1]["resource_id"] == txn_id


def test_unknown_ids_and_ordinary_users_are_refused():
    txn_id = shipped_transaction()

    assert details("txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F", sub=ADMIN, groups=("admin",)).code == "NOT_FOUND"
    assert details("not-an-id").code == "NOT_FOUND"
    assert details(txn_id, sub=BUYER, groups=()).code == "STAFF_ONLY"


def test_a_long_trail_shows_its_newest_records_not_its_oldest(monkeypatch):
    # Given a disputed transaction with more audit records than the details show (3 here, 200 live)
    monkeypatch.setattr(admin_transactions, "AUDIT_SHOWN", 3)
    txn_id = shipped_transaction(150_000)
    assert open_dispute(txn_id).status == 201
    everything = [record.action for record in reversed(audit_trail(txn_id))]
    assert len(everything) > 3

    # When staff open its details
    shown = [record["action"] for record in details(txn_id).json["audit"]]

    # Then they see the three newest, newest first: the dispute, not the creation
    assert shown == everything[:3] and shown[0] == "TRANSACTION_DISPUTE"
    assert "TRANSACTION_CREATED" not in shown
