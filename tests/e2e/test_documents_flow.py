"""Documents as a client uses them: the dev stack over real HTTP, S3 being moto's server."""

from __future__ import annotations

import hashlib

import pytest
import requests

from tests import document_files as files
from tests.e2e.steps import new_user

pytestmark = pytest.mark.e2e

TIMEOUT = 30


def document(stack, token: str, document_id: str) -> dict:
    response = stack.request("GET", f"/api/document/{document_id}", token=token)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_multipart_upload_is_available_at_once_and_downloads_intact(stack):
    # Given an owner with a small scan of an invoice
    owner = new_user("owner")
    token = stack.token(owner, email=f"{owner}@example.com")
    data = files.pdf()

    # When they send it in a form, as a browser does
    response = stack.request(
        "POST",
        "/api/document/upload",
        token=token,
        data={"purpose": "TRANSACTION"},
        files={"file": ("fatura_şubat.pdf", data, "application/pdf")},
    )

    # Then it was validated, scanned and stored in that request
    assert response.status_code == 201, response.text
    doc = response.json()
    assert doc["status"] == "AVAILABLE" and doc["filename"] == "fatura_şubat.pdf"
    assert doc["sha256"] == hashlib.sha256(data).hexdigest()

    # And the bytes come back intact, as an attachment under the original name
    got = document(stack, token, doc["id"])
    download = requests.get(got["download_url"], timeout=TIMEOUT)
    assert download.status_code == 200
    assert download.content == data
    assert "filename*=UTF-8''fatura_%C5%9Fubat.pdf" in download.headers["content-disposition"]

    # And nobody else learns it exists
    assert stack.request("GET", f"/api/document/{doc['id']}", token=stack.token(new_user("x"))).status_code == 404


def test_a_presigned_upload_goes_straight_to_s3_and_is_processed_there(stack):
    # Given an owner with a photo too large for the multipart route
    owner = new_user("owner")
    token = stack.token(owner)
    data = files.jpeg(size=(2400, 1800)) + b"\x00" * (5 * 1024 * 1024)  # JPEG with trailing bytes

    # When they ask for an upload form and post the file to S3 with it
    started = stack.request(
        "POST",
        "/api/document/upload",
        token=token,
        json={"filename": "kimlik.jpg", "content_type": "image/jpeg", "size": len(data), "purpose": "KYC"},
    )
    assert started.status_code == 201, started.text
    form = started.json()
    assert form["status"] == "AWAITING_UPLOAD"
    posted = requests.post(
        form["upload"]["url"], data=form["upload"]["fields"], files={"file": ("kimlik.jpg", data)}, timeout=TIMEOUT
    )
    assert posted.status_code in (200, 201, 204), posted.text

    # Then S3's notification has it validated and made available, with a preview
    got = stack.wait_for(
        lambda: (d := document(stack, token, form["id"]))["status"] != "AWAITING_UPLOAD" and d, timeout=TIMEOUT
    )
    assert got["status"] == "AVAILABLE", got
    assert got["size"] == len(data) and got["preview_url"]
    assert requests.get(got["download_url"], timeout=TIMEOUT).content == data


def test_a_disguised_file_posted_with_the_form_is_rejected_on_the_server(stack):
    owner = new_user("owner")
    token = stack.token(owner)
    started = stack.request(
        "POST",
        "/api/document/upload",
        token=token,
        json={"filename": "fatura.pdf", "content_type": "application/pdf", "size": 3000, "purpose": "OTHER"},
    ).json()

    requests.post(
        started["upload"]["url"], data=started["upload"]["fields"], files={"file": ("x", files.png())}, timeout=TIMEOUT
    )

    got = stack.wait_for(
        lambda: (d := document(stack, token, started["id"]))["status"] != "AWAITING_UPLOAD" and d, timeout=TIMEOUT
    )
    assert got["status"] == "REJECTED" and got["rejection"]["code"] == "UNSUPPORTED_FILE_TYPE"


def test_a_share_link_works_until_the_clock_passes_its_expiry(stack):
    # Given an available document and a one-hour share link
    owner = new_user("owner")
    token = stack.token(owner)
    data = files.png()
    doc = stack.request(
        "POST",
        "/api/document/upload",
        token=token,
        data={"purpose": "DISPUTE_EVIDENCE"},
        files={"file": ("kanit.png", data, "image/png")},
    ).json()
    link = stack.request("POST", f"/api/document/{doc['id']}/share", token=token, json={"expires_in": 3600})
    assert link.status_code == 201, link.text
    path = f"/api/document/share/{link.json()['token']}"

    # When someone without an account opens it, they are sent to the file
    opened = requests.get(stack.url + path, allow_redirects=False, timeout=TIMEOUT)
    assert opened.status_code == 302
    assert requests.get(opened.headers["location"], timeout=TIMEOUT).content == data

    # And once the hour has passed, the link is dead
    stack.advance_clock(3601)
    expired = requests.get(stack.url + path, allow_redirects=False, timeout=TIMEOUT)
    assert expired.status_code == 410
    assert expired.json()["code"] == "SHARE_LINK_EXPIRED"


def test_the_eicar_test_file_is_quarantined_and_the_owner_is_emailed(stack):
    owner = new_user("owner")
    email = f"{owner}@example.com"
    token = stack.token(owner, email=email)

    response = stack.request(
        "POST",
        "/api/document/upload",
        token=token,
        data={"purpose": "OTHER"},
        files={"file": ("test.pdf", files.eicar_pdf(), "application/pdf")},
    )

    assert response.status_code == 201 and response.json()["status"] == "QUARANTINED"
    mail = stack.wait_for(lambda: [m for m in stack.outbox() if m["to"] == email], timeout=TIMEOUT)
    assert "karantina" in mail[0]["subject"]
