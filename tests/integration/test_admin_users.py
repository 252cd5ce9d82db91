"""The admin users API (docs/admin.md, "Users"): staff find and read users; admins verify,
suspend and lift suspensions, never on themselves, each decision audited with the change."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from devstack import dev_clock
from functions.admin import users_get, users_list, users_suspend, users_transactions, users_unsuspend, users_verify
from functions.transactions import list_mine
from paylox.audit import audit_trail
from tests import document_files as files
from tests.apigw import ADMIN, AGENT, BUYER, SELLER, STRANGER, HttpResult, api_event, invoke
from tests.integration.disputes.steps import opened
from tests.integration.document_steps import prepare_bucket, upload_file
from tests.integration.steps import (
    completed_transaction,
    funded_transaction,
    new_transaction,
    profile,
    register,
    suspend,
)

REASON = {"reason": "Chargeback pattern on three cards"}


def admin_put(module: ModuleType, name: str, user_id: str, body: Any, by: str = ADMIN) -> HttpResult:
    event = api_event(f"admin/{name}.json", path={"id": user_id}, body=body, sub=by, groups=("admin",))
    return invoke(module, event)


def users(query: dict[str, str] | None = None, by: str = AGENT) -> HttpResult:
    return invoke(users_list, api_event("admin/users_list.json", query=query or {}, sub=by, groups=("support",)))


def listed(query: dict[str, str] | None = None) -> list[str]:
    result = users(query)
    assert result.status == 200, result.raw
    return [item["user_id"] for item in result.json["items"]]


def user(user_id: str, by: str = AGENT) -> HttpResult:
    return invoke(users_get, api_event("admin/users_get.json", path={"id": user_id}, sub=by, groups=("support",)))


def my_transactions(sub: str) -> HttpResult:
    return invoke(list_mine, api_event("transactions/list_mine.json", sub=sub))


# ------------------------------------------------------------------------------------ suspension
def test_a_suspended_user_is_refused_on_their_very_next_request_and_back_after_unsuspend():
    assert my_transactions(BUYER).status == 200

    suspended = admin_put(users_suspend, "users_suspend", BUYER, REASON)

    assert suspended.status == 200, suspended.raw
    assert suspended.json["status"] == "SUSPENDED"
    assert suspended.json["suspended_by"] == ADMIN
    refused = my_transactions(BUYER)
    assert (refused.status, refused.code) == (403, "ACCOUNT_SUSPENDED")

    lifted = admin_put(users_unsuspend, "users_unsuspend", BUYER, {"reason": "Card holder confirmed the payments"})

    assert lifted.status == 200, lifted.raw
    assert (lifted.json["status"], lifted.json["suspended_at"]) == ("ACTIVE", None)
    assert my_transactions(BUYER).status == 200


def test_suspension_and_its_lifting_are_audited_with_the_change():
    admin_put(users_suspend, "users_suspend", SELLER, REASON)
    admin_put(users_unsuspend, "users_unsuspend", SELLER, {"reason": "Explained"})

    records = [r for r in audit_trail(SELLER) if r.action in ("USER_SUSPENDED", "USER_UNSUSPENDED")]

    assert [(r.action, r.actor_id, r.actor_role, r.reason) for r in records] == [
        ("USER_SUSPENDED", ADMIN, "admin", REASON["reason"]),
        ("USER_UNSUSPENDED", ADMIN, "admin", "Explained"),
    ]
    assert '"status": "ACTIVE"' in (records[0].before or "") and '"status": "SUSPENDED"' in (records[0].after or "")
    assert records[0].request_id and records[0].source_ip


def test_an_admin_cannot_suspend_or_verify_themselves():
    suspended = admin_put(users_suspend, "users_suspend", ADMIN, REASON)
    verified = admin_put(users_verify, "users_verify", ADMIN, {"verified": True, "reason": "It is me"})

    assert (suspended.status, suspended.code) == (403, "SELF_ACTION")
    assert (verified.status, verified.code) == (403, "SELF_ACTION")
    assert profile(ADMIN).status == "ACTIVE" and not profile(ADMIN).identity_verified


def test_suspending_twice_or_lifting_what_is_not_suspended_is_a_conflict_that_changes_nothing():
    suspend(STRANGER)
    again = admin_put(users_suspend, "users_suspend", STRANGER, REASON)
    not_suspended = admin_put(users_unsuspend, "users_unsuspend", SELLER, REASON)

    assert (again.status, again.code) == (409, "INVALID_STATE")
    assert (not_suspended.status, not_suspended.code) == (409, "INVALID_STATE")
    assert [r.action for r in audit_trail(STRANGER)].count("USER_SUSPENDED") == 1


def test_two_admins_suspending_at_once_suspend_once():
    register("user-admin-2")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                lambda by: admin_put(users_suspend, "users_suspend", SELLER, REASON, by=by), [ADMIN, "user-admin-2"]
            )
        )

    assert sorted(result.status for result in results) == [200, 409]
    assert [r.action for r in audit_trail(SELLER)].count("USER_SUSPENDED") == 1


@pytest.mark.parametrize(
    ("user_id", "body", "expected"),
    [
        ("user-nobody", REASON, (404, "NOT_FOUND")),
        (BUYER, {}, (422, "VALIDATION_ERROR")),
        (BUYER, {"reason": "   "}, (422, "VALIDATION_ERROR")),
        (BUYER, "{not json", (400, "MALFORMED_JSON")),
    ],
)
def test_a_suspension_needs_a_registered_user_and_a_reason(user_id, body, expected):
    result = admin_put(users_suspend, "users_suspend", user_id, body)

    assert (result.status, result.code) == expected
    assert profile(BUYER).status == "ACTIVE"


# ------------------------------------------------------------------------------------ verification
def test_an_admin_verifies_an_identity_with_the_users_own_documents():
    prepare_bucket()
    document = upload_file(files.pdf(), fields={"purpose": "KYC"}, sub=SELLER).json
    body = {"verified": True, "reason": "ID card matches the selfie", "document_ids": [document["id"]]}

    result = admin_put(users_verify, "users_verify", SELLER, body)

    assert result.status == 200, result.raw
    assert (result.json["identity_verified"], result.json["verified_by"]) == (True, ADMIN)
    assert result.json["verified_at"]
    [record] = [r for r in audit_trail(SELLER) if r.action == "USER_IDENTITY_VERIFIED"]
    assert document["id"] in (record.after or "") and record.reason == body["reason"]
    assert listed({"verified": "true"}) == [SELLER]


def test_verification_refuses_documents_of_someone_else_and_changes_nothing():
    prepare_bucket()
    foreign = upload_file(files.pdf(), sub=BUYER).json["id"]

    result = admin_put(
        users_verify, "users_verify", SELLER, {"verified": True, "reason": "ID", "document_ids": [foreign]}
    )

    assert (result.status, result.code) == (422, "DOCUMENTS_NOT_FOUND")
    assert not profile(SELLER).identity_verified


def test_an_identity_can_be_unverified_again():
    admin_put(users_verify, "users_verify", SELLER, {"verified": True, "reason": "ID checked"})

    result = admin_put(users_verify, "users_verify", SELLER, {"verified": False, "reason": "The ID was forged"})

    assert result.json["identity_verified"] is False
    assert [r.action for r in audit_trail(SELLER)][-1] == "USER_IDENTITY_UNVERIFIED"
    assert SELLER in listed({"verified": "false"})


# ------------------------------------------------------------------------------------ the list
def test_the_list_is_newest_first_and_every_filter_combination_answers():
    admin_put(users_verify, "users_verify", SELLER, {"verified": True, "reason": "ID checked"})
    suspend(STRANGER)
    everyone = listed()

    assert everyone[:5] == ["user-agent-1", ADMIN, STRANGER, SELLER, BUYER]
    assert listed({"status": "SUSPENDED"}) == [STRANGER]
    assert listed({"status": "ACTIVE", "verified": "true"}) == [SELLER]
    assert listed({"status": "SUSPENDED", "verified": "true"}) == []
    assert STRANGER in listed({"status": "SUSPENDED", "verified": "false"})
    assert SELLER not in listed({"verified": "false"})


def test_the_list_pages_with_cursors_without_repeats_while_users_register():
    first = users({"limit": "2"})
    register("user-late-1")
    second = users({"limit": "2", "cursor": first.json["next_cursor"]})
    third = users({"limit": "2", "cursor": second.json["next_cursor"]})

    seen = [item["user_id"] for page in (first, second, third) for item in page.json["items"]]
    assert seen == ["user-agent-1", ADMIN, STRANGER, SELLER, BUYER]
    assert third.json["next_cursor"] is None


def test_q_finds_a_user_by_id_email_or_phone_in_any_common_format():
    register("user-phone-1", phone="+905329998877", email="Ayse.Yilmaz@Example.com")

    assert listed({"q": SELLER}) == [SELLER]
    assert listed({"q": "Ayse.Yilmaz@Example.com"}) == ["user-phone-1"]
    for typed in ("0532 999 88 77", "+90 (532) 999-8877", "5329998877", "905329998877"):
        assert listed({"q": typed}) == ["user-phone-1"], typed
    assert listed({"q": "0532 999 88 77", "status": "SUSPENDED"}) == []
    assert listed({"q": "nobody@example.com"}) == []


def test_from_and_to_are_istanbul_registration_dates():
    dev_clock.advance(3 * 86400)
    register("user-later-1")
    today = dev_clock.now().astimezone(ZoneInfo("Europe/Istanbul")).date().isoformat()

    assert listed({"from": today}) == ["user-later-1"]
    assert "user-later-1" not in listed({"to": "2000-01-01"})
    reversed_range = users({"from": today, "to": "2000-01-01"})
    assert (reversed_range.status, reversed_range.code) == (422, "INVALID_RANGE")


def test_a_cursor_from_another_list_is_refused():
    assert users({"cursor": "not-a-cursor"}).code == "INVALID_CURSOR"


# ------------------------------------------------------------------------------------ one user
def test_a_user_read_by_staff_has_stats_documents_and_recent_audit():
    prepare_bucket()
    completed_transaction(100_000)  # BUYER pays SELLER, released
    dispute = opened()  # another funded transaction, now DISPUTED
    new_transaction(amount=5_000)  # created, never paid: counted, no volume
    document = upload_file(files.pdf(), sub=SELLER).json
    suspend(SELLER)

    result = user(SELLER)

    assert result.status == 200, result.raw
    body = result.json
    assert (body["user_id"], body["status"], body["email"]) == (SELLER, "SUSPENDED", f"{SELLER}@example.com")
    assert body["stats"] == {
        "transactions_as_buyer": 0,
        "transactions_as_seller": 3,
        "volume_kurus": 100_000 + 150_000,
        "open_disputes": 1,
        "complete": True,
    }
    assert [doc["id"] for doc in body["documents"]] == [document["id"]]
    assert body["recent_audit"][0]["action"] == "USER_SUSPENDED"
    assert {"id", "at", "action", "resource_id", "actor_id", "actor_role", "before", "after", "reason"} <= set(
        body["recent_audit"][0]
    )
    assert dispute["transaction_id"]
    assert [(r.action, r.actor_id) for r in audit_trail(SELLER)][-1] == ("USER_VIEWED", AGENT)


def test_an_unknown_user_is_not_found():
    assert (user("user-nobody").status, user("user-nobody").code) == (404, "NOT_FOUND")


def test_a_users_transactions_by_role():
    as_buyer = funded_transaction()

    def page(role: str | None, who: str = BUYER) -> list[str]:
        query = {"role": role} if role else {}
        event = api_event(
            "admin/users_transactions.json", path={"id": who}, query=query, sub=AGENT, groups=("support",)
        )
        result = invoke(users_transactions, event)
        assert result.status == 200, result.raw
        return [txn["id"] for txn in result.json["items"]]

    assert page("buyer") == [as_buyer]
    assert page("seller") == []
    assert page("seller", SELLER) == [as_buyer]
    assert page(None) == [as_buyer]
