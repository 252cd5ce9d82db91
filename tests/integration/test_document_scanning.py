"""Malware scanning: GuardDuty's verdicts in any order, the dev scanner, quarantine and its
notifications."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from devstack.lambda_context import LambdaContext
from functions.documents import notify
from paylox import dev_outbox
from paylox.audit import audit_trail
from paylox.documents.errors import DocumentNotAvailable
from paylox.documents.service import get_downloadable_document
from paylox.documents.store import find_document
from paylox.users.models import UserProfile
from tests import document_files as files
from tests.apigw import BUYER, load_event
from tests.integration.bus import EventTap
from tests.integration.document_steps import (
    download,
    get_document,
    guardduty_result,
    keys_in_bucket,
    latest_upload_version,
    notify_uploaded,
    post_form,
    prepare_bucket,
    start_upload,
    upload_file,
)

EICAR_THREAT = "EICAR-Test-File (not a virus)"


@pytest.fixture(autouse=True)
def versioned_bucket(aws):
    prepare_bucket()


@pytest.fixture
def guardduty(settings_env):
    """Scanning by GuardDuty, as deployed outside the dev stage."""
    settings_env(DOCUMENT_SCANNER="guardduty")


@pytest.fixture
def outbox():
    return dev_outbox.read_all


def uploaded(data: bytes, filename: str = "kanit.png", content_type: str = "image/png") -> dict:
    """A presigned upload that landed and was processed."""
    doc = start_upload(filename, content_type, len(data), purpose="DISPUTE_EVIDENCE").json
    post_form(doc, data)
    notify_uploaded(doc["id"])
    return doc


def test_with_guardduty_a_document_waits_for_its_scan_then_becomes_available(guardduty):
    data = files.png()
    doc = uploaded(data)

    waiting = get_document(doc["id"]).json
    assert waiting["status"] == "PENDING_SCAN" and waiting["download_url"] is None
    assert waiting["sha256"]  # validated already; only the verdict is missing
    with pytest.raises(DocumentNotAvailable):
        get_downloadable_document(BUYER, doc["id"])

    guardduty_result(doc["id"], "NO_THREATS_FOUND")

    got = get_document(doc["id"]).json
    assert got["status"] == "AVAILABLE" and got["preview_url"]
    assert download(got["download_url"]).content == data
    assert keys_in_bucket("uploads/") == []


def test_a_threat_found_by_guardduty_quarantines_the_document_for_good(guardduty):
    bus = EventTap(pattern={"source": ["paylox.documents"], "detail-type": ["DocumentQuarantined"]})
    doc = uploaded(files.png())

    guardduty_result(doc["id"], "THREATS_FOUND", threats=[EICAR_THREAT])

    got = get_document(doc["id"]).json
    assert got["status"] == "QUARANTINED" and got["download_url"] is None
    assert keys_in_bucket("documents/") == [] and keys_in_bucket("previews/") == []
    assert keys_in_bucket("uploads/") == [f"uploads/{doc['id']}"]  # evidence, expired by S3 later
    with pytest.raises(DocumentNotAvailable):
        get_downloadable_document(BUYER, doc["id"])
    [announced] = bus.drain()
    assert announced["detail"]["document_id"] == doc["id"]
    assert announced["detail"]["threats"] == [EICAR_THREAT]
    assert announced["detail"]["owner_id"] == BUYER


def test_a_clean_verdict_that_arrives_before_processing_is_kept_for_it(guardduty):
    doc = start_upload("a.pdf", "application/pdf", 100).json
    post_form(doc, files.pdf())

    guardduty_result(doc["id"], "NO_THREATS_FOUND")
    assert find_document(doc["id"]).status == "AWAITING_UPLOAD"
    notify_uploaded(doc["id"])

    assert get_document(doc["id"]).json["status"] == "AVAILABLE"
    assert "DOCUMENT_PENDING_SCAN" not in [record.action for record in audit_trail(doc["id"])]


def test_a_threat_that_arrives_before_processing_quarantines_at_once(guardduty):
    doc = start_upload("a.pdf", "application/pdf", 100).json
    post_form(doc, files.eicar_pdf())

    guardduty_result(doc["id"], "THREATS_FOUND", threats=[EICAR_THREAT])
    notify_uploaded(doc["id"])

    assert get_document(doc["id"]).json["status"] == "QUARANTINED"
    assert keys_in_bucket("documents/") == []


@pytest.mark.parametrize("status", ["FAILED", "UNSUPPORTED", "ACCESS_DENIED"])
def test_a_scan_that_did_not_finish_rejects_the_document(guardduty, status):
    doc = uploaded(files.png())

    guardduty_result(doc["id"], status)

    got = get_document(doc["id"], lang="en").json
    assert got["status"] == "REJECTED" and got["rejection"]["code"] == "SCAN_FAILED"
    assert status in got["rejection"]["reason"]
    assert keys_in_bucket() == []


def test_a_verdict_on_another_version_of_the_upload_is_ignored(guardduty):
    doc = uploaded(files.png())

    guardduty_result(doc["id"], "NO_THREATS_FOUND", version_id="some-other-version")

    assert find_document(doc["id"]).status == "PENDING_SCAN"


def test_repeated_and_racing_verdicts_promote_once(guardduty):
    doc = uploaded(files.png())
    version = latest_upload_version(doc["id"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: guardduty_result(doc["id"], "NO_THREATS_FOUND", version), range(4)))
    guardduty_result(doc["id"], "NO_THREATS_FOUND", version)

    assert find_document(doc["id"]).status == "AVAILABLE"
    assert [record.action for record in audit_trail(doc["id"])].count("DOCUMENT_AVAILABLE") == 1
    assert keys_in_bucket("documents/") == [f"documents/{doc['id']}"]


def test_the_dev_scanner_quarantines_the_eicar_test_file_in_the_upload_answer():
    result = upload_file(files.eicar_pdf(), filename="test.pdf")

    assert result.status == 201 and result.json["status"] == "QUARANTINED"
    assert get_document(result.json["id"]).json["download_url"] is None
    quarantined = [r for r in audit_trail(result.json["id"]) if r.action == "DOCUMENT_QUARANTINED"]
    assert quarantined and EICAR_THREAT in quarantined[0].reason


def test_the_owner_is_told_in_their_language_and_the_admins_are_told(outbox):
    upload_file(files.pdf())  # the owner's profile exists from their first request
    profile = UserProfile.get(BUYER)
    profile.update(actions=[UserProfile.locale.set("en")])
    event = load_event("documents/notify.json")

    result = notify.handler(event, LambdaContext("notify"))

    assert result == {"sent": 2}
    owner, admins = outbox()
    assert owner["to"] == f"{BUYER}@example.com"
    assert owner["subject"] == "A document you uploaded was quarantined"
    assert '"kanit.pdf"' in owner["body"]
    assert admins["to"] == "ops@paylox.com.tr"
    assert "karantinaya" in admins["body"] and "quarantined" in admins["body"]
    assert EICAR_THREAT in admins["body"]


def test_a_turkish_owner_is_told_in_turkish(outbox):
    upload_file(files.pdf())

    notify.handler(load_event("documents/notify.json"), LambdaContext("notify"))

    assert outbox()[0]["subject"] == "Yüklediğiniz belge karantinaya alındı"


def test_a_redelivered_quarantine_event_emails_nobody_twice(outbox):
    upload_file(files.pdf())
    event = load_event("documents/notify.json")

    notify.handler(event, LambdaContext("notify"))
    notify.handler(event, LambdaContext("notify"))  # EventBridge delivers at least once

    assert sorted(message["to"] for message in outbox()) == sorted([f"{BUYER}@example.com", "ops@paylox.com.tr"])
