"""A document change and its audit record exist together or not at all: the purge of a deleted
document's files and the use of a share link.

The process dies (a ``BaseException``, so that no ``except Exception`` runs after it) before each
AWS call of the step in turn, and the step is then retried the way it would be in AWS (the next
scheduled cleanup, the link holder opening the link again). At every point a change that is
stored has exactly one audit record, and one that is not stored has none.
"""

from __future__ import annotations

import pytest

from devstack import dev_clock
from devstack.lambda_context import LambdaContext
from functions.documents import cleanup, share_access, share_create
from paylox.audit import audit_trail
from paylox.documents.models import ShareLinkRow
from paylox.documents.store import find_document
from tests import document_files as files
from tests.apigw import BUYER, api_event, invoke, load_event
from tests.integration.document_steps import delete_document, prepare_bucket, upload_file
from tests.integration.faults import Faults, install_faults

DAY = 24 * 3600


@pytest.fixture
def faults(aws, monkeypatch: pytest.MonkeyPatch) -> Faults:
    prepare_bucket()
    return install_faults(monkeypatch)


def actions(document_id: str, action: str) -> int:
    return [record.action for record in audit_trail(document_id)].count(action)


def run_cleanup() -> None:
    cleanup.handler(load_event("documents/cleanup.json"), LambdaContext("cleanup"))


def deleted_past_retention() -> str:
    doc = upload_file(files.png(), filename="kimlik.png", content_type="image/png").json
    assert delete_document(doc["id"]).status == 204
    dev_clock.advance(30 * DAY + 60)
    return str(doc["id"])


def test_a_purge_is_never_stored_without_its_audit_record(faults):
    die_at = 0
    while True:
        # Given a deleted document past its retention
        document_id = deleted_past_retention()

        # When the cleanup dies before its n-th AWS call
        died = faults.run(run_cleanup, die_at)

        # Then the document is marked purged exactly when the purge is audited
        purged = bool(find_document(document_id).purged_at)
        assert actions(document_id, "DOCUMENT_PURGED") == int(purged), faults.calls

        # And the next run finishes the purge, recorded once
        run_cleanup()
        assert find_document(document_id).purged_at
        assert actions(document_id, "DOCUMENT_PURGED") == 1
        if not died:
            break
        die_at += 1
    assert die_at > 3  # it died before every call the purge makes


def test_a_share_link_use_is_never_counted_without_its_audit_record(faults):
    doc = upload_file(files.png(), filename="kimlik.png", content_type="image/png").json
    created = invoke(share_create, api_event("documents/share_create.json", path={"id": doc["id"]}, body={}, sub=BUYER))
    share_id, token = created.json["id"], created.json["token"]

    def open_link() -> None:
        opened = invoke(share_access, api_event("documents/share_access.json", path={"token": token}, sub=None))
        assert opened.status == 302, opened.raw

    die_at = 0
    while True:
        # When opening the link dies before its n-th AWS call
        died = faults.run(open_link, die_at)

        # Then every use counted has its audit record, and no record is of a use not counted
        counted = int(ShareLinkRow.get(share_id, consistent_read=True).use_count or 0)
        assert actions(doc["id"], "DOCUMENT_SHARE_USED") == counted, faults.calls
        if not died:
            break
        die_at += 1
    assert die_at >= 3  # the share, its document, the use with its record
