"""The back office's transactions over real HTTP against the dev stack: an admin finds a stuck
transaction, cancels it (both parties are emailed), and exports the list; the export is made by
the worker from its bus event and downloaded from S3 through its presigned link."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from tests.e2e.steps import emails, new_user, paying_transaction, registered_user

pytestmark = pytest.mark.e2e


def test_an_admin_cancels_a_stuck_transaction_and_exports_the_list(stack):
    # Given a buyer whose payment never completed
    buyer = new_user("buyer")
    buyer_token = stack.token(buyer, email=f"{buyer}@example.com")
    seller = registered_user(stack, "seller", email="seller-e2e-admin@example.com")
    txn = paying_transaction(stack, buyer_token, seller, amount=123_450)
    admin_token = stack.token(new_user("admin"), groups=("admin",), email="admin-e2e@paylox.com.tr")

    # When an admin lists the buyer's pending transactions
    query = urlencode({"buyer_id": buyer, "status": "PAYMENT_PENDING"})
    listed = stack.request("GET", f"/api/admin/transactions/list?{query}", token=admin_token)

    # Then it is there
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [txn["id"]]

    # When the admin cancels it, with a reason
    reason = "Buyer asked support to cancel (ticket 9001)"
    cancelled = stack.request(
        "PUT",
        f"/api/admin/transactions/{txn['id']}/override",
        token=admin_token,
        json={"action": "CANCEL", "reason": reason},
    )

    # Then it is cancelled and both parties are told why, in their language
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    subject = "Paylox: İşleminiz Paylox tarafından güncellendi"
    [to_buyer] = stack.wait_for(lambda: emails(stack, f"{buyer}@example.com", subject))
    stack.wait_for(lambda: emails(stack, "seller-e2e-admin@example.com", subject))
    assert reason in to_buyer["body"]

    # When the admin exports the buyer's transactions as CSV
    query = urlencode({"format": "csv", "buyer_id": buyer})
    asked = stack.request("GET", f"/api/admin/transactions/export?{query}", token=admin_token)
    assert asked.status_code == 202, asked.text
    export_id = asked.json()["export_id"]

    # Then the worker makes it, and the link downloads the file
    def ready() -> dict[str, Any] | None:
        status = stack.request("GET", f"/api/admin/exports/{export_id}", token=admin_token).json()
        return status if status["status"] == "READY" else None

    done = stack.wait_for(ready, timeout=30)
    assert done["rows"] == 1
    downloaded = requests.get(done["download_url"], timeout=10)
    assert downloaded.status_code == 200
    assert downloaded.content.startswith(b"\xef\xbb\xbf")
    assert f"{txn['id']},".encode() in downloaded.content and b",CANCELLED," in downloaded.content
    # and nobody else can read the job
    other = stack.token(new_user("admin"), groups=("admin",))
    assert stack.request("GET", f"/api/admin/exports/{export_id}", token=other).status_code == 404
