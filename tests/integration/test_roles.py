"""Who may call a route is declared once, ``create_app(role=...)``, and checked before the handler:
every admin route refuses ordinary users (and admin-only ones support agents too) with
``403 STAFF_ONLY`` / ``403 ADMIN_ONLY``, whatever record the request names."""

from __future__ import annotations

import importlib

import pytest

from devstack.template import ROOT
from tests.apigw import STRANGER, api_event, invoke

# The export worker is no route: it is started by its job's event.
NOT_ROUTES = {"__init__", "export_worker"}
ADMIN_HANDLERS = sorted(
    path.stem for path in (ROOT / "functions" / "admin").glob("*.py") if path.stem not in NOT_ROUTES
)
ADMIN_ONLY = {
    "otp_blocklist_delete",
    "otp_blocklist_list",
    "otp_blocklist_put",
    "users_phone",
    "users_verify",
    "users_suspend",
    "users_unsuspend",
    "audit_list",
    "audit_report",
    "transactions_override",
    "transactions_refund_hold_clear",
    "transactions_export",
}


def call(name: str, groups: tuple[str, ...]):
    module = importlib.import_module(f"functions.admin.{name}")
    event = api_event(f"admin/{name}.json", sub=STRANGER)
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = "[" + " ".join(groups) + "]"
    return invoke(module, event)


@pytest.mark.parametrize("name", ADMIN_HANDLERS)
def test_every_admin_route_refuses_ordinary_users(name):
    result = call(name, ())

    assert (result.status, result.code) == (403, "ADMIN_ONLY" if name in ADMIN_ONLY else "STAFF_ONLY")


@pytest.mark.parametrize("name", sorted(ADMIN_ONLY))
def test_admin_only_routes_refuse_support_agents(name):
    assert call(name, ("support",)).code == "ADMIN_ONLY"


def test_the_refusal_speaks_the_callers_language():
    event = api_event("admin/disputes_list.json", sub=STRANGER, headers={"Accept-Language": "en"})
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = "[]"

    result = invoke(importlib.import_module("functions.admin.disputes_list"), event)

    assert result.json["detail"] == "Only admins and support agents can do this."
