"""A document whose malware verdict never arrives does not stay PENDING_SCAN forever: after
DOCUMENT_SCAN_TIMEOUT_MINUTES it is scanned again, once, and after as long again staff are told;
it never becomes downloadable without a clean verdict."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from devstack import dev_clock
from devstack.lambda_context import LambdaContext
from functions.documents import cleanup, notify
from paylox import dev_outbox
from paylox.audit import audit_trail
from paylox.documents.errors import DocumentNotAvailable
from paylox.documents.service import get_downloadable_document
from tests import document_files as files
from tests.apigw import BUYER, load_event
from tests.integration.bus import EventTap, of_type
from tests.integration.document_steps import (
    bucket,
    download,
    get_document,
    guardduty_result,
    latest_upload_version,
    notify_uploaded,
    post_form,
    prepare_bucket,
    s3,
    start_upload,
)

ADMINS = ["ops@paylox.com.tr"]  # the dev stack's AdminNotificationEmails
MINUTE = 60


@pytest.fixture(autouse=True)
def guardduty(aws, settings_env):
    prepare_bucket()
    settings_env(DOCUMENT_SCANNER="guardduty")


def held_for_scan(data: bytes | None = None) -> dict:
    data = data or files.png()
    doc = start_upload("kanit.png", "image/png", len(data), purpose="DISPUTE_EVIDENCE").json
    post_form(doc, data)
    notify_uploaded(doc["id"])
    assert get_document(doc["id"]).json["status"] == "PENDING_SCAN"
    return doc


def run_cleanup() -> dict:
    result: dict = cleanup.handler(load_event("documents/cleanup.json"), LambdaContext("cleanup"))
    return result


def upload_versions(document_id: str) -> list[str]:
    listed = s3().list_object_versions(Bucket=bucket(), Prefix=f"uploads/{document_id}").get("Versions", [])
    return [version["VersionId"] for version in listed]


def test_a_verdict_that_never_came_is_asked_for_again_once(settings_env):
    # Given a document waiting for GuardDuty's verdict
    doc = held_for_scan()
    first_version = latest_upload_version(doc["id"])

    # When the timeout has not passed yet, nothing happens; once it has, the file is scanned again
    dev_clock.advance(29 * MINUTE)
    assert run_cleanup()["rescanned"] == 0
    dev_clock.advance(2 * MINUTE)
    assert run_cleanup()["rescanned"] == 1
    assert run_cleanup()["rescanned"] == 0  # once

    # Then GuardDuty got a new object version to scan, and the copy's own notification keeps it
    copy = latest_upload_version(doc["id"])
    assert copy != first_version and len(upload_versions(doc["id"])) == 2
    notify_uploaded(doc["id"], copy)
    assert copy in upload_versions(doc["id"])
    assert get_document(doc["id"]).json["status"] == "PENDING_SCAN"
    assert "DOCUMENT_RESCANNED" in [record.action for record in audit_trail(doc["id"])]

    # And the verdict on the copy makes the document available
    guardduty_result(doc["id"], "NO_THREATS_FOUND", version_id=copy)
    got = get_document(doc["id"]).json
    assert got["status"] == "AVAILABLE"
    assert download(got["download_url"]).content == files.png()


def test_still_no_verdict_after_the_rescan_staff_are_told_and_the_document_stays_unavailable():
    bus = EventTap(pattern={"source": ["paylox.documents"], "detail-type": ["AdminAlert"]}, name="scan-alerts")
    doc = held_for_scan()
    dev_clock.advance(31 * MINUTE)
    assert run_cleanup()["rescanned"] == 1

    dev_clock.advance(31 * MINUTE)
    report = run_cleanup()

    assert report["flagged"] == 1
    [alert] = of_type(bus.drain(), "AdminAlert")
    assert (alert["detail"]["kind"], alert["detail"]["document_id"]) == ("SCAN_TIMEOUT", doc["id"])
    notify.handler(alert, LambdaContext(function_name="DocumentNotifyFunction"))
    [email] = [item for item in dev_outbox.read_all() if item["channel"] == "email" and item["to"] == ADMINS[0]]
    assert doc["id"] in email["subject"] and "GuardDuty" in email["body"]
    assert get_document(doc["id"]).json["status"] == "PENDING_SCAN"
    with pytest.raises(DocumentNotAvailable):
        get_downloadable_document(BUYER, doc["id"])

    # Nothing more is done on later runs: staff have it
    dev_clock.advance(120 * MINUTE)
    assert (run_cleanup()["flagged"], run_cleanup()["rescanned"]) == (0, 0)
    assert bus.drain() == []


def test_two_cleanups_at_once_rescan_once():
    doc = held_for_scan()
    dev_clock.advance(31 * MINUTE)
    bus = EventTap()

    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(lambda _: run_cleanup(), range(2)))

    # one rescan; the other run, finding it marked, does not take the next step (staff's alert) early
    assert sum(report["rescanned"] for report in reports) == 1
    assert sum(report["flagged"] for report in reports) == 0 and of_type(bus.drain(), "AdminAlert") == []
    assert len(upload_versions(doc["id"])) == 2


def test_a_scanner_that_answers_at_once_is_simply_asked_again(settings_env):
    # Given a document held while GuardDuty was configured, now scanned by the dev scanner
    doc = held_for_scan()
    settings_env(DOCUMENT_SCANNER="dev")
    dev_clock.advance(31 * MINUTE)

    assert run_cleanup()["rescanned"] == 1

    assert get_document(doc["id"]).json["status"] == "AVAILABLE"


def test_a_verdict_in_time_ends_the_chase():
    doc = held_for_scan()
    guardduty_result(doc["id"], "NO_THREATS_FOUND")

    dev_clock.advance(120 * MINUTE)

    assert (run_cleanup()["rescanned"], run_cleanup()["flagged"]) == (0, 0)
    assert get_document(doc["id"]).json["status"] == "AVAILABLE"
