"""Every list pages the same way: ``{"items", "next_cursor"}``, ``limit`` 1..100, opaque cursors that
only their own list accepts (else ``400 INVALID_CURSOR``), and pages that hold still while new
rows arrive."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from functions.admin import (
    audit_list,
    disputes_list,
    otp_blocklist_list,
    otp_blocklist_put,
    users_list,
    users_transactions,
)
from functions.documents import audit, get, upload
from functions.transactions import create, list_mine
from tests.apigw import ADMIN, SELLER, HttpResult, api_event, invoke

ADMINS = ("admin",)


def as_caller(fixture: str, sub: str, groups: tuple[str, ...], **kwargs: Any) -> dict[str, Any]:
    """The fixture sent by ``sub`` with exactly ``groups`` (admin fixtures carry their own)."""
    event = api_event(fixture, sub=sub, **kwargs)
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = "[" + " ".join(groups) + "]"
    return event


def new_transaction() -> str:
    body = {"seller_id": SELLER, "amount": 150000, "currency": "TRY", "description": "Kamera"}
    result = invoke(create, api_event("transactions/create.json", body=body))
    assert result.status == 201, result.raw
    return result.json["id"]


def block(phone: str) -> None:
    event = as_caller("admin/otp_blocklist_put.json", ADMIN, ADMINS, body={"reason": "spam"}, path={"phone": phone})
    assert invoke(otp_blocklist_put, event).status == 200


def new_document() -> str:
    body = {"filename": "fatura.pdf", "content_type": "application/pdf", "size": 1000, "purpose": "KYC"}
    result = invoke(upload, api_event("documents/upload.json", body=body))
    assert result.status in (200, 201), result.raw
    return result.json["id"]


def view(document_id: str) -> None:
    """Reading a document is audited: one more entry in its trail."""
    invoke(get, api_event("documents/get.json", path={"id": document_id}))


# One caller per list, with the rights the list needs; ``doc`` is the document whose trail is read.
def list_transactions(query: dict[str, str], doc: str = "") -> HttpResult:
    return invoke(list_mine, api_event("transactions/list_mine.json", query=query))


def list_disputes(query: dict[str, str], doc: str = "") -> HttpResult:
    return invoke(disputes_list, as_caller("admin/disputes_list.json", ADMIN, ADMINS, query=query))


def list_blocks(query: dict[str, str], doc: str = "") -> HttpResult:
    return invoke(otp_blocklist_list, as_caller("admin/otp_blocklist_list.json", ADMIN, ADMINS, query=query))


def list_trail(query: dict[str, str], doc: str = "") -> HttpResult:
    return invoke(audit, api_event("documents/audit.json", path={"id": doc}, query=query))


def list_users(query: dict[str, str], doc: str = "") -> HttpResult:
    return invoke(users_list, as_caller("admin/users_list.json", ADMIN, ADMINS, query=query))


def list_user_transactions(query: dict[str, str], doc: str = "") -> HttpResult:
    event = as_caller("admin/users_transactions.json", ADMIN, ADMINS, query=query, path={"id": SELLER})
    return invoke(users_transactions, event)


def list_audit(query: dict[str, str], doc: str = "") -> HttpResult:
    return invoke(audit_list, as_caller("admin/audit_list.json", ADMIN, ADMINS, query=query))


LISTS = [list_transactions, list_disputes, list_blocks, list_trail, list_users, list_user_transactions, list_audit]


@pytest.fixture
def cursors() -> dict[str, str]:
    """A real next page's cursor of three different lists, and a document with a trail."""
    new_transaction(), new_transaction()
    block("+905551110001"), block("+905551110002")
    doc = new_document()
    view(doc), view(doc)
    return {
        "doc": doc,
        "transactions": list_transactions({"limit": "1"}).json["next_cursor"],
        "blocklist": list_blocks({"limit": "1"}).json["next_cursor"],
        "trail": list_trail({"limit": "1"}, doc).json["next_cursor"],
    }


def _forged(document: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


@pytest.mark.parametrize("list_", LISTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "bad",
    [
        "abc",
        "txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F",  # what a cursor used to be: a bare id is no cursor now
        "%%%",
        _forged(["not", "an", "object"]),
        _forged({"v": 1, "list": "transactions", "after": {"id": ""}}),
        _forged({"v": 1, "list": "disputes", "after": {"dispute_id": "dsp_x", "extra": "y"}}),
        "x" * 2000,
    ],
)
def test_a_bad_cursor_is_400_invalid_cursor_on_every_list(list_, bad, cursors):
    result = list_({"cursor": bad}, cursors["doc"])

    assert (result.status, result.code) == (400, "INVALID_CURSOR")


@pytest.mark.parametrize(
    ("list_", "foreign"),
    [
        (list_transactions, "blocklist"),
        (list_disputes, "transactions"),
        (list_blocks, "transactions"),
        (list_trail, "transactions"),
        (list_transactions, "trail"),
        (list_users, "transactions"),
        (list_user_transactions, "blocklist"),
        (list_audit, "trail"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_a_cursor_from_another_list_is_refused(list_, foreign, cursors):
    result = list_({"cursor": cursors[foreign]}, cursors["doc"])

    assert (result.status, result.code) == (400, "INVALID_CURSOR")


def test_a_trail_cursor_does_not_continue_another_documents_trail(cursors):
    other = new_document()

    result = list_trail({"cursor": cursors["trail"]}, other)

    assert (result.status, result.code) == (400, "INVALID_CURSOR")


@pytest.mark.parametrize("list_", LISTS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
def test_a_limit_outside_1_to_100_is_422(list_, limit, cursors):
    result = list_({"limit": limit}, cursors["doc"])

    assert result.status == 422 and result.code == "VALIDATION_ERROR"
    assert [error["field"] for error in result.json["errors"]] == ["query.limit"]


@pytest.mark.parametrize("list_", LISTS, ids=lambda f: f.__name__)
def test_every_list_answers_items_and_next_cursor_and_takes_1_and_100(list_, cursors):
    for limit in ("1", "100"):
        result = list_({"limit": limit}, cursors["doc"])

        assert result.status == 200
        assert set(result.json) == {"items", "next_cursor"}


def test_transaction_pages_hold_still_while_new_transactions_arrive():
    before = [new_transaction() for _ in range(5)]
    first = list_transactions({"limit": "2"}).json

    arrived = [new_transaction() for _ in range(3)]
    rest: list[str] = []
    cursor = first["next_cursor"]
    while cursor:
        page = list_transactions({"limit": "2", "cursor": cursor}).json
        rest += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]

    # Newest first: what arrived later belongs before the first page, never inside the walk.
    assert [item["id"] for item in first["items"]] + rest == sorted(before, reverse=True)
    assert not set(arrived) & set(rest)


def test_blocklist_pages_hold_still_while_numbers_are_blocked():
    for n in (1, 3, 5, 7):
        block(f"+90555111000{n}")
    first = list_blocks({"limit": "2"}).json

    block("+905551110000")  # before the cursor: not seen by this walk
    block("+905551110006")  # after it: in its place
    second = list_blocks({"limit": "10", "cursor": first["next_cursor"]}).json

    phones = [item["phone"] for item in first["items"] + second["items"]]
    assert phones == ["+905551110001", "+905551110003", "+905551110005", "+905551110006", "+905551110007"]


def test_a_trail_page_holds_still_while_the_trail_grows():
    doc = new_document()
    view(doc), view(doc)
    first = list_trail({"limit": "2"}, doc).json
    everything_before = [item["id"] for item in list_trail({"limit": "100"}, doc).json["items"]]

    view(doc)  # oldest first: a new entry comes at the end
    rest = list_trail({"limit": "100", "cursor": first["next_cursor"]}, doc).json["items"]

    seen = [item["id"] for item in first["items"]] + [item["id"] for item in rest]
    assert seen[: len(everything_before)] == everything_before
    assert len(seen) == len(everything_before) + 1 and len(set(seen)) == len(seen)


def test_no_cursor_on_the_last_page(cursors):
    assert list_transactions({"limit": "100"}).json["next_cursor"] is None
    assert list_blocks({"limit": "100"}).json["next_cursor"] is None
    assert list_disputes({"limit": "100"}).json["next_cursor"] is None
    assert list_trail({"limit": "100"}, cursors["doc"]).json["next_cursor"] is None
