"""Over real HTTP against the dev stack: a partial refund made at the gateway's back office is
confirmed by its status query and booked once; an admin exports the transaction as XLSX; and the
route that clears a refund hold answers for a transaction that holds none."""

from __future__ import annotations

import io
import zipfile
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from tests.e2e.steps import funded_transaction, new_user, registered_user

pytestmark = pytest.mark.e2e


def test_a_back_office_partial_refund_is_booked_once_and_shows_in_an_xlsx_export(stack):
    # Given a funded transaction of 1500 TRY
    buyer = new_user("buyer")
    buyer_token = stack.token(buyer, email=f"{buyer}@example.com")
    seller = registered_user(stack, "seller", email="seller-e2e-refunds@example.com")
    txn = funded_transaction(stack, buyer_token, seller, amount=150_000)

    # When the gateway's back office refunds 400 TRY and says so
    refunded = stack.request("POST", "/_dev/gateway/refund", json={"transaction_id": txn["id"], "amount": 40_000})
    assert refunded.status_code == 200 and refunded.json()["delivered"] is True, refunded.text

    # Then, once its status query confirms it, the refund is in the books once and the rest stays in escrow
    def booked() -> dict[str, Any] | None:
        view = stack.request("GET", f"/api/transaction/{txn['id']}", token=buyer_token).json()
        return view if view["refunded_amount"] == 40_000 else None

    view = stack.wait_for(booked)
    assert view["status"] == "FUNDED" and len(view["refunds"]) == 1

    # When an admin exports the buyer's transactions as XLSX
    admin_token = stack.token(new_user("admin"), groups=("admin",), email="admin-e2e-refunds@paylox.com.tr")
    asked = stack.request(
        "GET", f"/api/admin/transactions/export?{urlencode({'format': 'xlsx', 'buyer_id': buyer})}", token=admin_token
    )
    assert asked.status_code == 202, asked.text

    def ready() -> dict[str, Any] | None:
        status = stack.request("GET", f"/api/admin/exports/{asked.json()['export_id']}", token=admin_token).json()
        return status if status["status"] == "READY" else None

    done = stack.wait_for(ready, timeout=30)

    # Then the workbook downloads whole, with the refunded amount as a number
    book = zipfile.ZipFile(io.BytesIO(requests.get(done["download_url"], timeout=10).content))
    assert book.testzip() is None
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert txn["id"] in sheet and "<v>40000</v>" in sheet

    # and the route that clears a refund hold finds none to clear
    cleared = stack.request(
        "POST",
        f"/api/admin/transactions/{txn['id']}/refund-hold/clear",
        token=admin_token,
        json={"reason": "Checked at the gateway's back office (ticket 4714)"},
    )
    assert (cleared.status_code, cleared.json()["code"]) == (409, "NO_REFUND_HOLD")
