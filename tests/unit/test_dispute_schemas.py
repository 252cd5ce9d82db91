"""Validation of the dispute API's requests."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from paylox.disputes.schemas import CreateDisputeRequest, MessageRequest, RequestInfoRequest, ResolveRequest

TXN = "txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F"
DOC = "doc_01JD3Z9B1C3D5E7F9G1H3J5K7M"


def test_a_split_needs_a_buyer_amount_and_only_a_split_takes_one():
    assert ResolveRequest(outcome="SPLIT", buyer_amount=100, note="n").buyer_amount == 100
    with pytest.raises(ValidationError):
        ResolveRequest(outcome="SPLIT", note="n")
    with pytest.raises(ValidationError):
        ResolveRequest(outcome="REFUND_TO_BUYER", buyer_amount=100, note="n")


@pytest.mark.parametrize("amount", [0, -1, 10.5, "100", True])
def test_a_buyer_amount_is_a_positive_whole_number_of_kurus(amount):
    with pytest.raises(ValidationError):
        ResolveRequest(outcome="SPLIT", buyer_amount=amount, note="n")


def test_messages_are_trimmed_plain_text_of_at_most_2000_characters():
    assert MessageRequest(body="  Merhaba\n\tdünya  ").body == "Merhaba\n\tdünya"
    assert len(MessageRequest(body="ğ" * 2000).body) == 2000
    for bad in ("", "   ", "ğ" * 2001, "null\x00byte", "escape\x1b[31m"):
        with pytest.raises(ValidationError):
            MessageRequest(body=bad)


def test_request_info_names_the_party_with_from():
    request = RequestInfoRequest.model_validate({"from": "BUYER", "message": "?"})

    assert request.from_ == "BUYER"
    with pytest.raises(ValidationError):
        RequestInfoRequest.model_validate({"from": "ADMIN", "message": "?"})


def test_evidence_ids_at_opening_are_deduplicated_and_bounded():
    request = CreateDisputeRequest(
        transaction_id=TXN, reason="OTHER", description="d", evidence_document_ids=[DOC, DOC]
    )

    assert request.evidence_document_ids == [DOC]
    with pytest.raises(ValidationError):
        CreateDisputeRequest(transaction_id=TXN, reason="OTHER", description="d", evidence_document_ids=[DOC] * 11)
