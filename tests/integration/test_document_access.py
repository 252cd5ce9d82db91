"""Who may see, delete, review and share a document; the audit trail; delete, purge and the
scheduled cleanup."""

from __future__ import annotations

import pytest

from devstack import dev_clock
from devstack.lambda_context import LambdaContext
from functions.documents import audit, cleanup, share_access, share_create, share_revoke, verify
from paylox.audit import audit_trail
from paylox.documents.errors import DocumentNotAvailable
from paylox.documents.service import get_downloadable_document
from paylox.documents.store import find_document
from paylox.errors import NotFound
from tests import document_files as files
from tests.apigw import ADMIN, AGENT, BUYER, SELLER, STRANGER, api_event, invoke, load_event
from tests.integration.document_steps import (
    ADMIN_GROUPS,
    SUPPORT_GROUPS,
    bucket,
    delete_document,
    download,
    get_document,
    keys_in_bucket,
    notify_uploaded,
    post_form,
    prepare_bucket,
    put_upload,
    s3,
    start_upload,
    upload_file,
)

DAY = 24 * 3600


@pytest.fixture(autouse=True)
def versioned_bucket(aws):
    prepare_bucket()


def available(data: bytes | None = None, sub: str = BUYER) -> dict:
    return upload_file(data or files.png(), filename="kimlik.png", content_type="image/png", sub=sub).json


def share(document_id: str, sub: str = BUYER, expires_in: int | None = DAY):
    body = {} if expires_in is None else {"expires_in": expires_in}
    return invoke(share_create, api_event("documents/share_create.json", path={"id": document_id}, body=body, sub=sub))


def open_link(token: str, source_ip: str = "198.51.100.7"):
    return invoke(
        share_access, api_event("documents/share_access.json", path={"token": token}, sub=None, source_ip=source_ip)
    )


def revoke(document_id: str, share_id: str, sub: str = BUYER, groups: tuple[str, ...] = ()):
    return invoke(
        share_revoke,
        api_event(
            "documents/share_revoke.json", path={"id": document_id, "share_id": share_id}, sub=sub, groups=groups
        ),
    )


def trail(document_id: str, sub: str = BUYER, groups: tuple[str, ...] = (), **query: str):
    return invoke(
        audit,
        api_event("documents/audit.json", path={"id": document_id}, query=query or {}, sub=sub, groups=groups),
    )


def decide(document_id: str, decision: str, note: str | None = None, sub: str = ADMIN, groups=ADMIN_GROUPS):
    body = {"document_id": document_id, "decision": decision, **({"note": note} if note else {})}
    return invoke(verify, api_event("documents/verify.json", body=body, sub=sub, groups=groups))


def run_cleanup() -> dict:
    result: dict = cleanup.handler(load_event("documents/cleanup.json"), LambdaContext("cleanup"))
    return result


# ---------------------------------------------------------------------------- access
def test_the_owner_admins_and_support_see_a_document_and_nobody_else():
    doc = available()

    assert get_document(doc["id"]).status == 200
    assert get_document(doc["id"], sub=ADMIN, groups=ADMIN_GROUPS).json["download_url"]
    assert get_document(doc["id"], sub=AGENT, groups=SUPPORT_GROUPS).json["download_url"]
    for result in (
        get_document(doc["id"], sub=STRANGER),
        get_document(doc["id"], sub=SELLER),
        delete_document(doc["id"], sub=STRANGER),
        share(doc["id"], sub=STRANGER),
        trail(doc["id"], sub=STRANGER),
        get_document("doc_01JD3Z8Q4V7C2N5R0M6K9T1B3F"),
        get_document("not-an-id"),
    ):
        assert (result.status, result.code) == (404, "NOT_FOUND")
    assert find_document(doc["id"]).status == "AVAILABLE"  # the stranger's delete did nothing


def test_every_view_and_download_link_is_audited_with_who_and_where():
    doc = available()

    get_document(doc["id"], sub=AGENT, groups=SUPPORT_GROUPS)

    issued = [record for record in audit_trail(doc["id"]) if record.action == "DOCUMENT_DOWNLOAD_LINK_ISSUED"]
    assert [(record.actor_id, record.actor_role) for record in issued] == [(AGENT, "support")]
    assert issued[0].source_ip == "203.0.113.10" and issued[0].request_id


# ---------------------------------------------------------------------------- delete and purge
def test_after_a_delete_the_owner_gets_404_and_admins_see_it_marked_deleted():
    doc = available()

    deleted = delete_document(doc["id"])

    assert deleted.status == 204
    assert get_document(doc["id"]).status == 404
    assert get_document(doc["id"], sub=AGENT, groups=SUPPORT_GROUPS).status == 404
    seen = get_document(doc["id"], sub=ADMIN, groups=ADMIN_GROUPS).json
    assert seen["status"] == "DELETED" and seen["deleted_by"] == BUYER and seen["deleted_at"]
    assert seen["download_url"] is None
    assert delete_document(doc["id"], sub=ADMIN, groups=ADMIN_GROUPS).status == 204  # again: no change
    with pytest.raises(NotFound):
        get_downloadable_document(BUYER, doc["id"])


def test_support_may_look_but_not_delete():
    doc = available()

    result = delete_document(doc["id"], sub=AGENT, groups=SUPPORT_GROUPS)

    assert (result.status, result.code) == (403, "FORBIDDEN")


def test_deleted_files_are_purged_by_the_cleanup_after_retention_and_not_before():
    doc = available()
    s3().put_object(Bucket=bucket(), Key=f"documents/{doc['id']}", Body=b"an older version")  # versions too
    delete_document(doc["id"])

    dev_clock.advance(29 * DAY)
    assert run_cleanup()["purged"] == 0
    assert keys_in_bucket("documents/") and keys_in_bucket("previews/")

    dev_clock.advance(1 * DAY + 60)
    report = run_cleanup()

    assert report["purged"] == 1
    assert keys_in_bucket() == []
    purged = [record for record in audit_trail(doc["id"]) if record.action == "DOCUMENT_PURGED"]
    assert purged and purged[0].actor_id == "system"
    assert find_document(doc["id"]).purged_at
    assert run_cleanup()["purged"] == 0  # idempotent


# ---------------------------------------------------------------------------- share links
def test_a_share_link_downloads_the_file_without_an_account_and_is_audited():
    data = files.png()
    doc = available(data)

    created = share(doc["id"])

    assert created.status == 201, created.raw
    link = created.json
    assert link["url"] == f"https://api.paylox.com.tr/api/document/share/{link['token']}"
    opened = open_link(link["token"])
    assert opened.status == 302
    assert opened.headers["cache-control"] == "no-store"
    assert download(opened.headers["location"]).content == data
    used = [record for record in audit_trail(doc["id"]) if record.action == "DOCUMENT_SHARE_USED"]
    assert used[0].source_ip == "198.51.100.7" and used[0].actor_id == f"share:{link['id']}"
    assert "DOCUMENT_SHARE_CREATED" in [record.action for record in audit_trail(doc["id"])]


def test_a_share_link_expires_with_the_clock():
    doc = available()
    link = share(doc["id"], expires_in=3600).json

    dev_clock.advance(3599)
    assert open_link(link["token"]).status == 302
    dev_clock.advance(2)

    expired = open_link(link["token"])
    assert (expired.status, expired.code) == (410, "SHARE_LINK_EXPIRED")


def test_a_revoked_link_is_dead_and_revoking_twice_is_harmless():
    doc = available()
    link = share(doc["id"]).json

    assert revoke(doc["id"], link["id"]).status == 204
    assert revoke(doc["id"], link["id"]).status == 204

    assert open_link(link["token"]).code == "SHARE_LINK_EXPIRED"
    assert "DOCUMENT_SHARE_REVOKED" in [record.action for record in audit_trail(doc["id"])]


def test_a_link_dies_with_its_document():
    doc = available()
    link = share(doc["id"]).json

    delete_document(doc["id"])

    assert open_link(link["token"]).code == "SHARE_LINK_EXPIRED"


def test_forged_tokens_are_not_found():
    doc = available()
    link = share(doc["id"]).json
    share_id = link["id"]

    for token in (f"{share_id}.not-the-secret", share_id, "garbage", f"{share_id}."):
        assert open_link(token).status == 404


@pytest.mark.parametrize(("expires_in", "status"), [(7 * DAY, 201), (7 * DAY + 1, 422), (30, 422), (None, 201)])
def test_links_live_at_most_a_week(expires_in, status):
    doc = available()

    assert share(doc["id"], expires_in=expires_in).status == status


def test_only_the_owner_shares_and_only_what_can_be_downloaded():
    doc = available()
    waiting = start_upload().json

    assert share(doc["id"], sub=ADMIN).status == 404
    not_yet = share(waiting["id"])
    assert (not_yet.status, not_yet.code) == (409, "DOCUMENT_NOT_AVAILABLE")


def test_links_are_revoked_by_their_owner_or_an_admin_only():
    doc = available()
    link = share(doc["id"]).json

    assert revoke(doc["id"], link["id"], sub=STRANGER).status == 404
    assert revoke(doc["id"], "shr_01JD3Z9A1B2C3D4E5F6G7H8J9K").status == 404
    assert revoke(doc["id"], link["id"], sub=ADMIN, groups=ADMIN_GROUPS).status == 204


# ---------------------------------------------------------------------------- review
def test_admins_verify_and_support_rejects_with_a_reason_the_owner_reads():
    verified, rejected = available(), available()

    ok = decide(verified["id"], "VERIFIED")
    no = decide(
        rejected["id"], "REJECTED", "Fotoğraf bulanık, lütfen yeniden yükleyin.", sub=AGENT, groups=SUPPORT_GROUPS
    )

    assert ok.status == 200 and ok.json["status"] == "VERIFIED" and ok.json["reviewed_at"]
    assert get_document(verified["id"]).json["download_url"]  # verified stays downloadable
    assert no.json["status"] == "REJECTED"
    assert get_document(rejected["id"]).json["rejection"] == {
        "code": "REJECTED_BY_REVIEW",
        "reason": "Fotoğraf bulanık, lütfen yeniden yükleyin.",
    }
    assert get_document(rejected["id"]).json["download_url"] is None


def test_reviewing_needs_a_reviewer_a_reason_to_reject_and_a_document_ready_for_it():
    doc = available()
    waiting = start_upload().json

    assert decide(doc["id"], "VERIFIED", sub=BUYER, groups=()).code == "STAFF_ONLY"
    assert decide(doc["id"], "REJECTED").code == "VALIDATION_ERROR"
    assert decide(waiting["id"], "VERIFIED").code == "INVALID_STATE"
    decide(doc["id"], "VERIFIED")
    assert decide(doc["id"], "VERIFIED").code == "INVALID_STATE"


@pytest.mark.parametrize(("reviewer", "groups"), [(ADMIN, ADMIN_GROUPS), (AGENT, SUPPORT_GROUPS)])
@pytest.mark.parametrize("decision", ["VERIFIED", "REJECTED"])
def test_staff_never_review_their_own_document(reviewer, groups, decision):
    # Given a document a member of staff uploaded for themselves
    own = available(sub=reviewer)

    # When they try to decide on it themselves
    refused = decide(own["id"], decision, "kendi belgem", sub=reviewer, groups=groups)

    # Then it is refused and the document is as it was, for another reviewer to decide
    assert (refused.status, refused.code) == (403, "SELF_ACTION")
    assert get_document(own["id"], sub=reviewer).json["status"] == "AVAILABLE"
    other = (AGENT, SUPPORT_GROUPS) if reviewer == ADMIN else (ADMIN, ADMIN_GROUPS)
    assert decide(own["id"], "VERIFIED", sub=other[0], groups=other[1]).json["status"] == "VERIFIED"


# ---------------------------------------------------------------------------- audit endpoint
def test_the_owner_reads_the_trail_without_other_peoples_identities_or_addresses():
    doc = available()
    get_document(doc["id"], sub=ADMIN, groups=ADMIN_GROUPS)
    link = share(doc["id"]).json
    open_link(link["token"])

    mine = trail(doc["id"])

    assert mine.status == 200
    items = mine.json["items"]
    assert [item["action"] for item in items] == [
        "DOCUMENT_CREATED",
        "DOCUMENT_AVAILABLE",
        "DOCUMENT_DOWNLOAD_LINK_ISSUED",
        "DOCUMENT_SHARE_CREATED",
        "DOCUMENT_SHARE_USED",
    ]
    assert items[0]["actor_id"] == BUYER
    assert items[2]["actor_role"] == "admin" and items[2]["actor_id"] is None
    assert all(item["source_ip"] is None for item in items)
    admin_view = trail(doc["id"], sub=ADMIN, groups=ADMIN_GROUPS).json["items"]
    assert admin_view[4]["source_ip"] == "198.51.100.7" and admin_view[2]["actor_id"] == ADMIN


def test_the_trail_is_for_the_owner_and_admins_and_pages_with_a_cursor():
    doc = available()
    for _ in range(3):
        get_document(doc["id"])

    first = trail(doc["id"], limit="2")
    rest = trail(doc["id"], limit="10", cursor=first.json["next_cursor"])

    assert len(first.json["items"]) == 2 and len(rest.json["items"]) == 3
    assert rest.json["next_cursor"] is None
    assert trail(doc["id"], sub=AGENT, groups=SUPPORT_GROUPS).status == 404
    assert trail(doc["id"], cursor="bogus").code == "INVALID_CURSOR"


# ---------------------------------------------------------------------------- for other services
def test_other_services_get_a_downloadable_document_or_a_clear_refusal():
    doc = available()
    waiting = start_upload().json

    assert get_downloadable_document(BUYER, doc["id"]).status == "AVAILABLE"
    with pytest.raises(NotFound):
        get_downloadable_document(STRANGER, doc["id"])
    with pytest.raises(NotFound):
        get_downloadable_document(BUYER, "doc_01JD3Z8Q4V7C2N5R0M6K9T1B3F")
    with pytest.raises(DocumentNotAvailable) as refused:
        get_downloadable_document(BUYER, waiting["id"])
    assert (refused.value.code, refused.value.status) == ("DOCUMENT_NOT_AVAILABLE", 409)


# ---------------------------------------------------------------------------- cleanup
def test_an_upload_that_never_arrives_is_expired_after_its_window():
    doc = start_upload().json

    dev_clock.advance(15 * 60)
    assert run_cleanup()["expired"] == 0  # still within the window and its grace
    dev_clock.advance(3600 + 1)
    report = run_cleanup()

    assert report["expired"] == 1
    assert get_document(doc["id"]).status == 404
    assert get_document(doc["id"], sub=ADMIN, groups=ADMIN_GROUPS).json["status"] == "DELETED"
    assert run_cleanup()["expired"] == 0


def test_an_upload_whose_notification_was_lost_is_processed_by_the_cleanup():
    doc = start_upload().json
    post_form(doc, files.pdf())  # ... and S3's notification never arrives

    dev_clock.advance(2 * 3600)
    report = run_cleanup()

    assert report["reprocessed"] == 1
    assert get_document(doc["id"]).json["status"] == "AVAILABLE"


def test_objects_nobody_waits_for_are_removed_once_they_are_old_enough():
    awaited = start_upload().json
    put_upload("doc_01JD3Z8Q4V7C2N5R0M6K9T1B3F", files.pdf())  # no such document
    s3().put_object(Bucket=bucket(), Key="uploads/not-even-an-id", Body=b"x")
    post_form(awaited, files.pdf())

    assert run_cleanup()["orphans"] == 0  # too young: their notifications may be on the way
    notify_uploaded(awaited["id"])
    dev_clock.advance(2 * 3600)
    report = run_cleanup()

    assert report["orphans"] == 2 and report["failed"] == 0
    assert keys_in_bucket("uploads/") == []
    assert get_document(awaited["id"]).json["status"] == "AVAILABLE"
