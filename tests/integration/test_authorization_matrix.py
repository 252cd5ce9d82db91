"""Who gets what from every route of template.yaml: anonymous, another user, the owner of the
record, a support agent and an admin, each calling the route's event fixture on a fresh record.

MATRIX is the one place the expected outcome is written down. A route of the template without a
row fails the suite: add one line, ``"METHOD /path": ("kind", "anon other owner support admin")``,
with the status each caller gets. ``kind`` says which record the buyer (the owner) holds, and
its ids replace the fixture's in the path and body. One record per route, called by the columns
in order: a caller after a successful change (the owner cancels, then staff try) sees the changed
record, so a staff cell of a changing route says whether staff get through (409: the record's
state refused it) or not (403/404).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from devstack.stack import dev_stack
from tests import document_files as files
from tests.apigw import ADMIN, AGENT, BUYER, STRANGER, api_event, invoke
from tests.integration.disputes.steps import opened, seen_as_staff
from tests.integration.document_steps import prepare_bucket, upload_file
from tests.integration.steps import funded_transaction, new_transaction

#: Each caller names a number of their own where a request names one (OTP, blocklist), so that
#: one caller's codes do not hold back the next one's.
CALLERS: tuple[tuple[str | None, tuple[str, ...], str], ...] = (
    (None, (), "+905551112201"),  # anonymous
    (STRANGER, (), "+905551112202"),  # another user
    (BUYER, (), "+905551112203"),  # the owner
    (AGENT, ("support",), "+905551112204"),
    (ADMIN, ("admin",), "+905551112205"),
)

# The fixture's number is on no caller's account: a code to it needs a captcha first (428) and its
# status is refused (404). Deep health answers 503 here, past the role check: the test stage's
# dependencies are not all reachable.
# fmt: off
#: route -> (record kind, statuses of: anonymous other owner support admin).
MATRIX: dict[str, tuple[str, str]] = {
    "GET /api/health":                              ("none",     "200 200 200 200 200"),
    "POST /api/transaction/create":                 ("none",     "401 201 201 201 201"),
    "GET /api/transaction/list":                    ("none",     "401 200 200 200 200"),
    "GET /api/transaction/{id}":                    ("txn",      "401 404 200 200 200"),
    "POST /api/transaction/{id}/pay":               ("txn",      "401 404 200 403 403"),
    "POST /api/transaction/{id}/ship":              ("funded",   "401 404 403 403 403"),
    "POST /api/transaction/{id}/confirm":           ("funded",   "401 404 409 403 403"),
    "POST /api/transaction/{id}/cancel":            ("txn",      "401 404 200 403 403"),
    "POST /api/otp/send":                           ("none",     "401 428 428 428 428"),
    "POST /api/otp/resend":                         ("none",     "401 404 404 404 404"),
    "POST /api/otp/verify":                         ("none",     "401 404 404 404 404"),
    "GET /api/otp/status":                          ("none",     "401 404 404 404 404"),
    "POST /api/otp/delivery/twilio":                ("none",     "403 403 403 403 403"),
    "POST /api/payment/webhook/success":            ("none",     "403 403 403 403 403"),
    "POST /api/payment/webhook/failure":            ("none",     "403 403 403 403 403"),
    "POST /api/payment/webhook/refund":             ("none",     "403 403 403 403 403"),
    "POST /api/document/upload":                    ("funded",   "401 404 201 403 403"),
    "GET /api/document/{id}":                       ("document", "401 404 200 200 200"),
    "DELETE /api/document/{id}":                    ("document", "401 404 204 404 204"),
    "POST /api/document/verify":                    ("document", "401 403 403 200 409"),
    "GET /api/document/{id}/audit":                 ("document", "401 404 200 404 200"),
    "POST /api/document/{id}/share":                ("document", "401 404 201 404 404"),
    "DELETE /api/document/{id}/share/{share_id}":   ("share",    "401 404 204 404 204"),
    "GET /api/document/share/{token}":              ("share",    "302 302 302 302 302"),
    "POST /api/dispute/create":                     ("funded",   "401 404 201 404 404"),
    "GET /api/dispute/{id}":                        ("dispute",  "401 404 200 200 200"),
    "POST /api/dispute/{id}/evidence":              ("dispute",  "401 404 201 404 404"),
    "POST /api/dispute/{id}/message":               ("dispute",  "401 404 201 201 201"),
    "PUT /api/dispute/{id}/assign":                 ("dispute",  "401 403 403 200 200"),
    "PUT /api/dispute/{id}/request-info":           ("dispute",  "401 403 403 409 409"),
    "PUT /api/dispute/{id}/resolve":                ("dispute",  "401 403 403 403 200"),
    "GET /api/admin/disputes/list":                 ("none",     "401 403 403 200 200"),
    "GET /api/admin/otp/blocklist":                 ("none",     "401 403 403 403 200"),
    "PUT /api/admin/otp/blocklist/{phone}":         ("none",     "401 403 403 403 200"),
    "DELETE /api/admin/otp/blocklist/{phone}":      ("none",     "401 403 403 403 404"),
    "PUT /api/admin/users/{id}/phone":              ("none",     "401 403 403 403 200"),
    "GET /api/payment/return/{transaction_id}":     ("txn",      "303 303 303 303 303"),
    "POST /api/payment/return/{transaction_id}":    ("txn",      "303 303 303 303 303"),
    "GET /api/admin/health":                        ("none",     "401 403 403 503 503"),
    "GET /api/admin/dashboard/stats":               ("none",     "401 403 403 200 200"),
    "GET /api/admin/transactions/list":             ("none",     "401 403 403 200 200"),
    "GET /api/admin/transactions/{id}/details":     ("txn",      "401 403 403 200 200"),
    "PUT /api/admin/transactions/{id}/override":    ("txn",      "401 403 403 403 409"),
    "POST /api/admin/transactions/{id}/refund-hold/clear": ("funded", "401 403 403 403 409"),
    "GET /api/admin/transactions/export":           ("none",     "401 403 403 403 202"),
    "GET /api/admin/exports/{export_id}":           ("none",     "401 403 403 404 404"),
    "GET /api/admin/users/list":                    ("none",     "401 403 403 200 200"),
    "GET /api/admin/users/{id}":                    ("none",     "401 403 403 200 200"),
    "GET /api/admin/users/{id}/transactions":       ("none",     "401 403 403 200 200"),
    "PUT /api/admin/users/{id}/verify":             ("none",     "401 403 403 403 200"),
    "PUT /api/admin/users/{id}/suspend":            ("none",     "401 403 403 403 200"),
    "PUT /api/admin/users/{id}/unsuspend":          ("none",     "401 403 403 403 409"),
    "GET /api/admin/audit/list":                    ("none",     "401 403 403 403 200"),
    "GET /api/admin/audit/report":                  ("none",     "401 403 403 403 200"),
}
# fmt: on

# The ids the event fixtures were written with, replaced by the records made for each call.
FIXTURE_TXN = "txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F"
FIXTURE_DISPUTE = "dsp_01JD3Z9A7K2M4P6R8T0V1W3X5Y"
FIXTURE_DOCUMENT = "doc_01JD3Z8Q4V7C2N5R0M6K9T1B3F"
FIXTURE_EVIDENCE = "doc_01JD3Z9B1C3D5E7F9G1H3J5K7M"
FIXTURE_SHARE = "shr_01JD3Z9A1B2C3D4E5F6G7H8J9K"
FIXTURE_SHARE_TOKEN = "shr_01JD3Z9A1B2C3D4E5F6G7H8J9K.Zm9vYmFyYmF6cXV4"
FIXTURE_PHONE = "+905551112233"


def _document() -> str:
    uploaded = upload_file(files.png(), filename="kimlik.png", content_type="image/png", sub=BUYER)
    assert uploaded.status == 201, uploaded.raw
    return str(uploaded.json["id"])


def _share() -> dict[str, str]:
    document_id = _document()
    event = api_event("documents/share_create.json", path={"id": document_id}, body={"expires_in": 3600})
    shared = invoke(importlib.import_module("functions.documents.share_create"), event)
    assert shared.status == 201, shared.raw
    token = shared.json["token"]
    return {FIXTURE_DOCUMENT: document_id, FIXTURE_SHARE_TOKEN: token, FIXTURE_SHARE: shared.json["id"]}


def _funded() -> dict[str, str]:
    return {FIXTURE_TXN: funded_transaction(), FIXTURE_EVIDENCE: _document()}


def _dispute() -> dict[str, str]:
    seen_as_staff(ADMIN)  # the assign fixture hands the dispute to this admin
    seen_as_staff(AGENT)
    dispute = opened()
    return {FIXTURE_DISPUTE: dispute["id"], FIXTURE_TXN: dispute["transaction_id"], FIXTURE_EVIDENCE: _document()}


#: What the owner (the buyer) holds before a call, as fixture id -> real id.
RECORDS: dict[str, Callable[[], dict[str, str]]] = {
    "none": dict,
    "txn": lambda: {FIXTURE_TXN: new_transaction()["id"]},
    "funded": _funded,
    "document": lambda: {FIXTURE_DOCUMENT: _document()},
    "share": _share,
    "dispute": _dispute,
}


def _http_routes() -> dict[str, str]:
    """``METHOD /path`` -> handler module, for every HTTP route of the template."""
    return {
        f"{str(event['Properties']['Method']).upper()} {event['Properties']['Path']}": spec.module
        for spec in dev_stack().functions.values()
        for event in spec.events.values()
        if event["Type"] == "HttpApi"
    }


ROUTES = _http_routes()


def test_every_route_of_the_template_has_a_row_and_every_row_a_route():
    assert sorted(set(ROUTES) - set(MATRIX)) == [], "add these routes to MATRIX"
    assert sorted(set(MATRIX) - set(ROUTES)) == [], "these rows name no route of the template"
    for key, (kind, cells) in MATRIX.items():
        assert kind in RECORDS and len(cells.split()) == len(CALLERS), key


def _event(module: str, sub: str | None, groups: tuple[str, ...], ids: dict[str, str], phone: str) -> Any:
    _, name = module.split(".", 1)
    event = api_event(name.replace(".", "/") + ".json", sub=sub, groups=groups)
    if sub is not None and "authorizer" in event["requestContext"] and not groups:
        event["requestContext"]["authorizer"]["jwt"]["claims"].pop("cognito:groups", None)
    text = json.dumps(event)
    for fixture_id, real_id in ids.items():
        text = text.replace(fixture_id, real_id)
    event = json.loads(text)
    for field in ("body", "rawPath", "rawQueryString"):
        if isinstance(event.get(field), str):
            event[field] = event[field].replace(FIXTURE_PHONE, phone)
    for field in ("pathParameters", "queryStringParameters"):
        event[field] = {key: value.replace(FIXTURE_PHONE, phone) for key, value in (event.get(field) or {}).items()}
    return event


@pytest.mark.parametrize("route_key", sorted(ROUTES))
def test_each_caller_gets_what_the_matrix_says(route_key: str, monkeypatch: pytest.MonkeyPatch):
    prepare_bucket()
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "matrix-twilio-token")  # the callback's signature check runs
    kind, cells = MATRIX[route_key]
    module = importlib.import_module(ROUTES[route_key])
    ids = RECORDS[kind]()
    observed = [
        str(invoke(module, _event(ROUTES[route_key], sub, groups, ids, phone)).status) for sub, groups, phone in CALLERS
    ]
    assert " ".join(observed) == cells, f"{route_key}: anonymous other owner support admin"
