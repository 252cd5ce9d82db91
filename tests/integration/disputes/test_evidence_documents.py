"""Evidence checked against the real documents service: only the submitter's own documents, and
only once they can be downloaded."""

from __future__ import annotations

import pytest

from tests import document_files as files
from tests.apigw import BUYER, SELLER
from tests.integration.disputes.steps import do, open_dispute, opened
from tests.integration.document_steps import delete_document, prepare_bucket, start_upload, upload_file
from tests.integration.steps import funded_transaction


@pytest.fixture(autouse=True)
def versioned_bucket(aws):
    prepare_bucket()


def uploaded(sub: str = BUYER, filename: str = "hasar.pdf") -> str:
    result = upload_file(files.pdf(), filename=filename, fields={"purpose": "DISPUTE_EVIDENCE"}, sub=sub)
    assert result.status == 201, result.raw
    assert result.json["status"] == "AVAILABLE"
    return str(result.json["id"])


def test_a_party_opens_a_dispute_with_their_uploaded_document_as_evidence():
    document_id = uploaded(BUYER, "hasar-fotografi.pdf")

    dispute = opened(evidence_document_ids=[document_id])

    [evidence] = dispute["evidence"]
    assert evidence["document_id"] == document_id
    assert evidence["filename"] == "hasar-fotografi.pdf"
    assert evidence["content_type"] == "application/pdf"
    assert evidence["submitted_by"] == BUYER


def test_someone_elses_document_is_not_found():
    buyers_document = uploaded(BUYER)
    dispute = opened()

    result = do("evidence", dispute["id"], SELLER, {"document_id": buyers_document})

    assert result.status == 404
    assert result.json["resource"] == "document"


def test_a_deleted_document_is_not_found():
    document_id = uploaded(BUYER)
    assert delete_document(document_id).status == 204

    result = open_dispute(funded_transaction(), BUYER, evidence_document_ids=[document_id])

    assert result.status == 404


def test_a_document_still_being_uploaded_is_not_available_yet():
    started = start_upload(purpose="DISPUTE_EVIDENCE", sub=SELLER)
    assert started.status == 201, started.raw
    dispute = opened()

    result = do("evidence", dispute["id"], SELLER, {"document_id": started.json["id"]})

    assert result.status == 409
    assert result.code == "DOCUMENT_NOT_AVAILABLE"
