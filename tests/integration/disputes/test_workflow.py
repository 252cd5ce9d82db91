"""Reading a dispute, and working it: assigning, asking for information, messages and evidence."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from paylox.audit import audit_trail
from paylox.auth import Principal
from paylox.disputes import assignment, conversation
from paylox.errors import DomainError
from tests.apigw import ADMIN, BUYER, SELLER, STRANGER
from tests.integration.disputes.steps import (
    ADMIN_2,
    AGENT,
    awaiting,
    do,
    events_of,
    get_dispute,
    open_dispute,
    opened,
    under_review,
)
from tests.integration.steps import funded_transaction, status_of


# ------------------------------------------------------------------------------------ reading
@pytest.mark.parametrize("reader", [BUYER, SELLER, ADMIN, AGENT])
def test_the_parties_and_staff_read_a_dispute(reader):
    dispute = opened(description="Ekran çatlak.")

    result = get_dispute(dispute["id"], reader)

    assert result.status == 200
    assert result.json["description"] == "Ekran çatlak."
    assert result.json["timeline"][0]["actor_id"] == BUYER
    assert result.json["timeline"][0]["actor_role"] == "buyer"
    assert result.json["messages"] == []
    assert result.json["evidence"] == []


def test_anyone_else_gets_404_as_for_a_dispute_that_does_not_exist():
    dispute = opened()

    stranger = get_dispute(dispute["id"], STRANGER)
    unknown = get_dispute("dsp_01JD3Z9A7K2M4P6R8T0V1W3X5Y", BUYER)
    malformed = get_dispute("txn_01JD3Z9A7K2M4P6R8T0V1W3X5Y", BUYER)

    assert stranger.status == unknown.status == malformed.status == 404
    assert stranger.json["detail"] == unknown.json["detail"]


# ------------------------------------------------------------------------------------ assigning
def test_an_admin_takes_a_dispute_on():
    dispute = opened()

    result = do("assign", dispute["id"], ADMIN, {})

    assert result.status == 200
    assert result.json["status"] == "UNDER_REVIEW"
    assert result.json["assigned_to"] == ADMIN
    assert events_of(result.json) == ["DisputeOpened", "DisputeAssigned"]
    assert result.json["timeline"][-1]["actor_role"] == "admin"


def test_assign_works_without_a_body_too():
    dispute = opened()

    result = do("assign", dispute["id"], ADMIN, None)

    assert result.status == 200
    assert result.json["assigned_to"] == ADMIN


def test_support_assigns_a_dispute_to_an_admin():
    dispute = opened()

    result = do("assign", dispute["id"], AGENT, {"admin_id": ADMIN_2})

    assert result.status == 200
    assert result.json["assigned_to"] == ADMIN_2
    assert result.json["timeline"][-1]["actor_id"] == AGENT


def test_a_dispute_under_review_is_handed_to_another_admin_without_a_status_change():
    dispute = under_review(ADMIN)

    result = do("assign", dispute["id"], ADMIN, {"admin_id": ADMIN_2})

    assert result.json["status"] == "UNDER_REVIEW"
    assert result.json["assigned_to"] == ADMIN_2
    assert events_of(result.json)[-1] == "DisputeReassigned"


def test_taking_a_dispute_someone_else_reviews_is_refused():
    dispute = under_review(ADMIN)

    result = do("assign", dispute["id"], ADMIN_2, {})

    assert result.status == 409
    assert result.code == "DISPUTE_ALREADY_ASSIGNED"
    assert result.json["assigned_to"] == ADMIN


@pytest.mark.parametrize("party", [BUYER, SELLER])
def test_parties_cannot_assign(party):
    dispute = opened()

    result = do("assign", dispute["id"], party, {"admin_id": ADMIN})

    assert result.status == 403
    assert result.code == "STAFF_ONLY"


def test_a_stranger_cannot_even_learn_the_dispute_exists():
    dispute = opened()

    existing = do("assign", dispute["id"], STRANGER, {})
    unknown = do("assign", "dsp_01JD3Z9A7K2M4P6R8T0V1W3X5Y", STRANGER, {})

    # A staff route refuses everyone else before looking at any dispute: the answer says nothing.
    assert (existing.status, existing.code) == (unknown.status, unknown.code) == (403, "STAFF_ONLY")


def test_a_dispute_is_never_assigned_to_one_of_its_parties():
    dispute = opened()

    result = do("assign", dispute["id"], ADMIN, {"admin_id": SELLER})

    assert result.status == 422
    assert result.code == "ASSIGNEE_IS_PARTY"


def test_staff_who_are_a_party_cannot_act_on_their_own_dispute_as_staff(monkeypatch):
    dispute = opened()
    seller_as_admin = Principal(user_id=SELLER, groups=frozenset({"admin"}), mfa=True)

    with pytest.raises(DomainError) as refused:
        assignment.assign(seller_as_admin, dispute["id"])

    assert refused.value.code == "CONFLICT_OF_INTEREST"
    assert refused.value.status == 403


def test_two_admins_taking_the_same_dispute_at_once_never_both_win():
    dispute = opened()
    admins = [Principal(user_id=f"user-admin-{n}", groups=frozenset({"admin"}), mfa=True) for n in range(6)]

    def try_to_assign(admin: Principal) -> str:
        try:
            assignment.assign(admin, dispute["id"])
            return "won"
        except DomainError as lost:
            return "lost" if lost.status == 409 else f"failed: {lost.code}"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(try_to_assign, admins))

    assert sorted(outcomes) == ["lost"] * 5 + ["won"]
    view = get_dispute(dispute["id"], ADMIN).json
    assert events_of(view).count("DisputeAssigned") == 1


# ------------------------------------------------------------------------------------ information
def test_staff_ask_a_party_for_information():
    dispute = under_review()

    result = do("request_info", dispute["id"], AGENT, {"from": "SELLER", "message": "Fatura ekleyin."})

    assert result.status == 200
    assert result.json["status"] == "PENDING_INFO"
    assert result.json["awaiting"] == "SELLER"
    assert result.json["info_request"] == "Fatura ekleyin."
    assert result.json["timeline"][-1]["note"] == "Fatura ekleyin."


def test_information_cannot_be_requested_before_anyone_reviews_the_dispute():
    dispute = opened()

    result = do("request_info", dispute["id"], ADMIN, {"from": "BUYER", "message": "?"})

    assert result.status == 409
    assert result.code == "INVALID_STATE"
    assert result.json["current_status"] == "OPENED"


def test_parties_cannot_request_information():
    dispute = under_review()

    result = do("request_info", dispute["id"], BUYER, {"from": "SELLER", "message": "Cevap ver."})

    assert result.status == 403


def test_the_awaited_partys_message_sends_the_dispute_back_to_review():
    dispute = awaiting("SELLER")

    from_buyer = do("message", dispute["id"], BUYER, {"body": "Ben de bekliyorum."})
    from_seller = do("message", dispute["id"], SELLER, {"body": "Fotoğrafları ekledim."})

    assert from_buyer.status == 201
    assert from_buyer.json["status"] == "PENDING_INFO"  # not the awaited party
    assert from_seller.status == 201
    assert from_seller.json["status"] == "UNDER_REVIEW"
    assert from_seller.json["awaiting"] is None
    assert events_of(from_seller.json)[-2:] == ["MessagePosted", "DisputeInfoProvided"]


def test_the_awaited_partys_evidence_also_answers(documents):
    dispute = awaiting("BUYER")
    document_id = documents.upload(BUYER, "teslim.jpg")

    result = do("evidence", dispute["id"], BUYER, {"document_id": document_id, "note": "Teslim fotoğrafı"})

    assert result.status == 201
    assert result.json["status"] == "UNDER_REVIEW"
    assert result.json["evidence"][0]["document_id"] == document_id


# ------------------------------------------------------------------------------------ messages
def test_parties_and_staff_exchange_plain_text_messages():
    dispute = opened()

    do("message", dispute["id"], BUYER, {"body": "Ürün kırık.\nFotoğraf ekleyeceğim."})
    do("message", dispute["id"], AGENT, {"body": "Bakıyoruz."})
    result = do("message", dispute["id"], SELLER, {"body": "Sağlam gönderdim."})

    assert result.status == 201
    messages = result.json["messages"]
    assert [(m["author_id"], m["author_role"]) for m in messages] == [
        (BUYER, "buyer"),
        (AGENT, "support"),
        (SELLER, "seller"),
    ]
    assert messages[0]["body"] == "Ürün kırık.\nFotoğraf ekleyeceğim."
    assert events_of(result.json).count("MessagePosted") == 3


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001, "zil\x07sesi", {"body": "x", "html": True}])
def test_messages_are_bounded_plain_text(body):
    dispute = opened()

    result = do("message", dispute["id"], BUYER, body if isinstance(body, dict) else {"body": body})

    assert result.status == 422


def test_a_message_of_exactly_2000_characters_is_fine():
    dispute = opened()

    assert do("message", dispute["id"], BUYER, {"body": "ş" * 2000}).status == 201


def test_strangers_cannot_post_messages():
    dispute = opened()

    assert do("message", dispute["id"], STRANGER, {"body": "merhaba"}).status == 404


def test_messages_posted_at_once_are_all_kept():
    dispute = opened()
    buyer = Principal(user_id=BUYER, groups=frozenset())

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda n: conversation.post_message(buyer, dispute["id"], f"mesaj {n}"), range(6)))

    view = get_dispute(dispute["id"]).json
    assert sorted(m["body"] for m in view["messages"]) == [f"mesaj {n}" for n in range(6)]


# ------------------------------------------------------------------------------------ evidence
def test_a_party_adds_their_own_document_as_evidence(documents):
    dispute = opened()
    document_id = documents.upload(SELLER, "kargo-fisi.pdf")

    result = do("evidence", dispute["id"], SELLER, {"document_id": document_id, "note": "Kargo fişi"})

    assert result.status == 201
    [item] = result.json["evidence"]
    assert item["document_id"] == document_id
    assert item["submitted_by"] == SELLER
    assert item["submitter_role"] == "seller"
    assert item["note"] == "Kargo fişi"
    assert item["filename"] == "kargo-fisi.pdf"
    assert item["content_type"] == "image/jpeg"
    assert events_of(result.json)[-1] == "EvidenceSubmitted"


def test_evidence_can_come_with_the_opening(documents):
    photos = [documents.upload(BUYER, f"foto-{n}.jpg") for n in range(2)]

    dispute = opened(evidence_document_ids=photos)

    assert [item["document_id"] for item in dispute["evidence"]] == photos
    assert events_of(dispute) == ["DisputeOpened", "EvidenceSubmitted", "EvidenceSubmitted"]


def test_someone_elses_document_is_not_found(documents):
    dispute = opened()
    sellers_document = documents.upload(SELLER)
    txn_id = funded_transaction()

    as_evidence = do("evidence", dispute["id"], BUYER, {"document_id": sellers_document})
    at_opening = open_dispute(txn_id, BUYER, evidence_document_ids=[sellers_document])

    assert as_evidence.status == at_opening.status == 404
    assert as_evidence.json["resource"] == at_opening.json["resource"] == "document"
    assert status_of(txn_id) == "FUNDED"  # nothing was opened


def test_a_document_that_cannot_be_downloaded_is_refused(documents):
    dispute = opened()
    quarantined = documents.upload(BUYER, downloadable=False)

    result = do("evidence", dispute["id"], BUYER, {"document_id": quarantined})

    assert result.status == 409
    assert result.code == "DOCUMENT_NOT_AVAILABLE"


def test_the_same_document_is_evidence_once(documents):
    dispute = opened()
    document_id = documents.upload(BUYER)
    do("evidence", dispute["id"], BUYER, {"document_id": document_id})

    again = do("evidence", dispute["id"], BUYER, {"document_id": document_id})

    assert again.status == 409
    assert again.code == "EVIDENCE_ALREADY_SUBMITTED"


# ------------------------------------------------------------------------------------ the record
def test_every_transition_is_in_the_audit_log():
    dispute = awaiting("SELLER")
    do("message", dispute["id"], SELLER, {"body": "Ekledim."})

    actions = [record.action for record in audit_trail(dispute["id"])]

    assert actions == [
        "DISPUTE_OPENED",
        "DISPUTE_ASSIGN",
        "DISPUTE_REQUEST_INFO",
        "DISPUTE_MESSAGE_POSTED",
        "DISPUTE_PROVIDE_INFO",
    ]
    assign = audit_trail(dispute["id"])[1]
    assert (assign.actor_id, assign.actor_role) == (ADMIN, "admin")
    assert '"UNDER_REVIEW"' in (assign.after or "")
