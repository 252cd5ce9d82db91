"""Uploading documents both ways, and the server-side processing of what was stored."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from functions.documents import upload
from paylox.audit import audit_trail
from paylox.documents import processing
from paylox.documents.store import find_document, newest_of_owner
from tests import document_files as files
from tests.apigw import ADMIN, AGENT, STRANGER, api_event, invoke
from tests.integration.document_steps import (
    ADMIN_GROUPS,
    SUPPORT_GROUPS,
    bucket,
    download,
    get_document,
    keys_in_bucket,
    latest_upload_version,
    notify_uploaded,
    post_form,
    prepare_bucket,
    put_upload,
    s3,
    start_upload,
    upload_file,
)
from tests.integration.steps import new_transaction

MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def versioned_bucket(aws):
    prepare_bucket()


# ---------------------------------------------------------------------------- multipart
def test_a_multipart_pdf_is_validated_stored_and_available_at_once():
    data = files.pdf()

    result = upload_file(data, filename="fatura_şubat.pdf", fields={"purpose": "KYC"})

    assert result.status == 201, result.raw
    doc = result.json
    assert doc["status"] == "AVAILABLE"
    assert doc["id"].startswith("doc_") and doc["filename"] == "fatura_şubat.pdf"
    assert doc["content_type"] == "application/pdf" and doc["size"] == len(data)
    assert doc["sha256"] == hashlib.sha256(data).hexdigest()
    assert keys_in_bucket("uploads/") == []  # out of quarantine, every version
    assert keys_in_bucket("documents/") == [f"documents/{doc['id']}"]
    assert not [key for key in keys_in_bucket() if "fatura" in key]  # the client's name is never a key


def test_the_owner_downloads_the_same_bytes_as_an_attachment_under_the_original_name():
    data = files.pdf()
    doc = upload_file(data, filename="fatura_şubat.pdf").json

    got = get_document(doc["id"])

    assert got.status == 200
    assert got.json["urls_expire_in"] <= 300
    response = download(got.json["download_url"])
    assert response.content == data
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"fatura_subat.pdf\"; filename*=UTF-8''fatura_%C5%9Fubat.pdf"
    )
    assert "X-Amz-Expires=300" in got.json["download_url"]


def test_an_image_gets_a_small_preview_beside_the_original():
    doc = upload_file(files.jpeg(size=(1600, 1200)), filename="kimlik.jpg", content_type="image/jpeg").json

    got = get_document(doc["id"]).json

    assert got["preview_url"]
    with Image.open(io.BytesIO(download(got["preview_url"]).content)) as preview:
        assert preview.format == "JPEG" and preview.size == (320, 240)
    assert f"previews/{doc['id']}.jpg" in keys_in_bucket("previews/")
    assert get_document(upload_file(files.pdf()).json["id"]).json["preview_url"] is None


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "status", "code"),
    [
        (files.png(), "fatura.pdf", "application/pdf", 415, "UNSUPPORTED_FILE_TYPE"),
        (files.png(), "fatura.pdf", None, 415, "UNSUPPORTED_FILE_TYPE"),
        (files.HTML, "photo.png", "image/png", 415, "UNSUPPORTED_FILE_TYPE"),
        (files.plain_zip(), "sozlesme.docx", files.DOCX_TYPE, 415, "UNSUPPORTED_FILE_TYPE"),
        (b"", "bos.pdf", "application/pdf", 400, "FILE_EMPTY"),
        (files.pdf() + b"0" * (4 * MiB), "buyuk.pdf", "application/pdf", 413, "FILE_TOO_LARGE"),
    ],
    ids=["png-named-pdf", "png-named-pdf-untyped", "html-as-png", "zip-as-docx", "empty", "over-4MiB"],
)
def test_refused_files_are_answered_at_once_and_nothing_is_kept(data, filename, content_type, status, code):
    result = upload_file(data, filename=filename, content_type=content_type)

    assert (result.status, result.code) == (status, code), result.raw
    assert keys_in_bucket() == []


def test_the_mismatch_is_explained_in_the_callers_language():
    turkish = upload_file(files.png(), filename="fatura.pdf", lang="tr")
    english = upload_file(files.png(), filename="fatura.pdf", lang="en")

    assert (
        english.json["detail"] == "The file's content (image/png) does not match its declared type (application/pdf)."
    )
    assert turkish.json["detail"].startswith("Dosyanın içeriği (image/png)")
    assert english.json["detected_type"] == "image/png"


def test_a_request_over_the_lambda_payload_limit_is_413_before_it_is_parsed():
    header, body = files.multipart(files.pdf() + b"0" * (5 * MiB))
    event = api_event("documents/upload.json", body=base64.b64encode(body).decode(), headers={"content-type": header})
    event["isBase64Encoded"] = True

    result = invoke(upload, event)

    assert (result.status, result.code) == (413, "FILE_TOO_LARGE")
    assert result.json["max_bytes"] == 4 * MiB and result.json["use"] == "presigned_post"


def test_a_real_word_document_is_accepted_and_a_macro_document_is_not():
    accepted = upload_file(files.docx(), filename="sozlesme.docx", content_type=files.DOCX_TYPE)
    macro = upload_file(
        files.docx(main_content_type="application/vnd.ms-word.document.macroEnabled.main+xml"),
        filename="sozlesme.docx",
        content_type=files.DOCX_TYPE,
    )

    assert accepted.status == 201 and accepted.json["status"] == "AVAILABLE"
    assert macro.code == "UNSUPPORTED_FILE_TYPE"


@pytest.mark.parametrize(
    ("content_type", "body", "status", "code"),
    [
        ("text/plain", "hello", 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("application/json", "{not json", 400, "MALFORMED_JSON"),
        ("application/json", json.dumps({"filename": "a.pdf", "content_type": "application/pdf"}), 422, None),
    ],
)
def test_requests_that_are_not_uploads_are_refused_clearly(content_type, body, status, code):
    result = invoke(upload, api_event("documents/upload.json", body=body, headers={"content-type": content_type}))

    assert result.status == status
    assert code is None or result.code == code


def test_a_form_without_purpose_or_file_is_refused():
    no_purpose = upload_file(files.pdf(), fields={})
    header, _ = files.multipart(files.pdf())
    boundary = header.split("boundary=")[1]
    only_field = f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nKYC\r\n--{boundary}--\r\n'
    event = api_event("documents/upload.json", body=only_field, headers={"content-type": header})

    assert (no_purpose.status, no_purpose.code) == (422, "VALIDATION_ERROR")
    assert "purpose" in [error["field"] for error in no_purpose.json["errors"]]
    assert invoke(upload, event).code == "INVALID_REQUEST"


def test_a_document_can_only_be_attached_to_the_uploaders_own_transaction():
    txn = new_transaction(amount=1000)

    mine = upload_file(files.pdf(), fields={"purpose": "TRANSACTION", "transaction_id": txn["id"]})
    theirs = upload_file(files.pdf(), fields={"purpose": "TRANSACTION", "transaction_id": txn["id"]}, sub=STRANGER)

    assert mine.status == 201 and mine.json["transaction_id"] == txn["id"]
    assert theirs.status == 404 and theirs.json["resource"] == "transaction"


# ---------------------------------------------------------------------------- presigned POST
@pytest.mark.parametrize(("staff", "groups"), [(AGENT, SUPPORT_GROUPS), (ADMIN, ADMIN_GROUPS)])
def test_staff_attach_documents_only_to_transactions_they_are_party_to(staff, groups):
    # Given a transaction between the buyer and the seller, and one where the staff member sells
    theirs = new_transaction(amount=1000)["id"]
    own = new_transaction(amount=1000, seller=staff)["id"]
    fields = {"purpose": "TRANSACTION", "transaction_id": theirs}

    # When staff attach a paper to the parties' transaction, either way, or to their own
    multipart = upload_file(files.pdf(), fields=fields, sub=staff, groups=groups)
    presigned = start_upload(purpose="TRANSACTION", transaction_id=theirs, sub=staff, groups=groups)
    as_party = upload_file(files.pdf(), fields={**fields, "transaction_id": own}, sub=staff, groups=groups)

    # Then the parties' transaction is refused and nothing is kept; their own takes the paper
    assert (multipart.status, multipart.code) == (403, "FORBIDDEN")
    assert (presigned.status, presigned.code) == (403, "FORBIDDEN")
    assert as_party.status == 201 and as_party.json["transaction_id"] == own
    assert [doc.id for doc in newest_of_owner(staff, 10)] == [as_party.json["id"]]


def test_a_presigned_upload_is_processed_from_the_stored_object():
    data = files.jpeg()
    started = start_upload("kimlik ön yüz.jpg", "image/jpeg", len(data))

    assert started.status == 201, started.raw
    doc = started.json
    assert doc["status"] == "AWAITING_UPLOAD" and doc["expires_in"] == 900
    assert doc["upload"]["fields"]["key"] == f"uploads/{doc['id']}"
    assert get_document(doc["id"]).json["download_url"] is None

    post_form(doc, data)
    notify_uploaded(doc["id"], size=len(data))

    got = get_document(doc["id"]).json
    assert got["status"] == "AVAILABLE" and got["sha256"] == hashlib.sha256(data).hexdigest()
    assert download(got["download_url"]).content == data
    assert got["preview_url"]
    assert keys_in_bucket("uploads/") == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"size": 10 * MiB + 1}, 413, "FILE_TOO_LARGE"),
        ({"size": 0}, 400, "FILE_EMPTY"),
        ({"content_type": "text/html"}, 415, "UNSUPPORTED_FILE_TYPE"),
        ({"size": -5}, 422, "VALIDATION_ERROR"),
        ({"purpose": "SELFIE"}, 422, "VALIDATION_ERROR"),
    ],
)
def test_what_is_declared_is_checked_before_an_upload_form_is_handed_out(body, status, code):
    request = {"filename": "a.pdf", "content_type": "application/pdf", "size": 100, "purpose": "KYC", **body}

    result = invoke(upload, api_event("documents/upload.json", body=request))

    assert (result.status, result.code) == (status, code)


@pytest.mark.parametrize(
    ("declared", "data", "code"),
    [
        ("application/pdf", b"%PDF-" + b"0" * (10 * MiB + 1 - 5), "FILE_TOO_LARGE"),
        ("application/pdf", b"", "FILE_EMPTY"),
        ("application/pdf", files.png(), "UNSUPPORTED_FILE_TYPE"),
        ("image/png", files.HTML, "UNSUPPORTED_FILE_TYPE"),
        (files.DOCX_TYPE, files.plain_zip(), "UNSUPPORTED_FILE_TYPE"),
    ],
    ids=["10MiB+1", "empty", "png-as-pdf", "html-as-png", "zip-as-docx"],
)
def test_a_stored_object_that_fails_validation_ends_rejected_and_is_deleted(declared, data, code):
    doc = start_upload("x", declared, 100).json
    put_upload(doc["id"], data, declared)  # no policy stands in the way of a direct put

    notify_uploaded(doc["id"], size=len(data))

    got = get_document(doc["id"], lang="en").json
    assert got["status"] == "REJECTED" and got["rejection"]["code"] == code
    assert got["rejection"]["reason"] and got["download_url"] is None
    assert keys_in_bucket("uploads/") == [] and keys_in_bucket("documents/") == []


def test_the_rejection_reason_speaks_the_readers_language():
    doc = start_upload("x.pdf", "application/pdf", 100).json
    put_upload(doc["id"], b"")
    notify_uploaded(doc["id"])

    assert get_document(doc["id"], lang="tr").json["rejection"]["reason"] == "Dosya boş."
    assert get_document(doc["id"], lang="en").json["rejection"]["reason"] == "The file is empty."


def test_a_repeated_notification_changes_nothing():
    doc = start_upload().json
    post_form(doc, files.pdf())
    version = latest_upload_version(doc["id"])
    notify_uploaded(doc["id"], version)
    first = find_document(doc["id"])

    notify_uploaded(doc["id"], version)

    again = find_document(doc["id"])
    assert again.status == "AVAILABLE" and again.version == first.version
    assert [r.action for r in audit_trail(doc["id"])].count("DOCUMENT_AVAILABLE") == 1


def test_a_second_upload_to_a_used_key_never_replaces_the_validated_file():
    doc = start_upload().json
    post_form(doc, files.pdf())
    notify_uploaded(doc["id"])

    # The form is still valid for a few minutes: the client posts something else with it.
    post_form(doc, files.HTML)
    notify_uploaded(doc["id"])

    got = get_document(doc["id"]).json
    assert got["status"] == "AVAILABLE"
    assert download(got["download_url"]).content == files.pdf()
    assert keys_in_bucket("uploads/") == []  # the stray upload was discarded


def test_an_upload_for_no_document_is_discarded():
    put_upload("doc_01JD3Z8Q4V7C2N5R0M6K9T1B3F", files.pdf())

    result = notify_uploaded("doc_01JD3Z8Q4V7C2N5R0M6K9T1B3F")

    assert result == {"documents": {"uploads/doc_01JD3Z8Q4V7C2N5R0M6K9T1B3F": None}}
    assert keys_in_bucket("uploads/") == []


def test_an_unversioned_bucket_works_the_same():
    s3().put_bucket_versioning(Bucket=bucket(), VersioningConfiguration={"Status": "Suspended"})
    doc = start_upload().json
    post_form(doc, files.pdf())

    notify_uploaded(doc["id"], None)
    notify_uploaded(doc["id"], None)

    got = get_document(doc["id"]).json
    assert got["status"] == "AVAILABLE" and download(got["download_url"]).content == files.pdf()


def test_racing_processors_promote_a_document_once():
    # S3 delivers at least once and Lambda retries: several processors may start together.
    doc = start_upload("foto.png", "image/png", 100).json
    post_form(doc, files.png())
    version = latest_upload_version(doc["id"])

    def process_once(_: int) -> str:
        row = find_document(doc["id"])
        return processing.process_upload(row, version).status

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(process_once, range(6)))

    assert find_document(doc["id"]).status == "AVAILABLE"
    actions = [record.action for record in audit_trail(doc["id"])]
    assert actions.count("DOCUMENT_AVAILABLE") == 1
    assert keys_in_bucket("documents/") == [f"documents/{doc['id']}"]
    assert keys_in_bucket("previews/") == [f"previews/{doc['id']}.jpg"]
