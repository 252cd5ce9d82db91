"""The admin audit API (docs/admin.md, "Audit"): the log newest first by actor, action, resource
and dates, and the report of what each member of staff did."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from devstack import dev_clock
from functions.admin import audit_list, audit_report
from tests.apigw import ADMIN, AGENT, BUYER, SELLER, STRANGER, HttpResult, api_event, invoke
from tests.integration.disputes.steps import seen_as_staff
from tests.integration.steps import funded_transaction, suspend


def istanbul_today() -> str:
    return dev_clock.now().astimezone(ZoneInfo("Europe/Istanbul")).date().isoformat()


RECORD_FIELDS = {
    "id",
    "at",
    "action",
    "resource_id",
    "actor_id",
    "actor_role",
    "before",
    "after",
    "reason",
    "request_id",
    "source_ip",
}


def audit(query: dict[str, str]) -> HttpResult:
    return invoke(audit_list, api_event("admin/audit_list.json", query=query, sub=ADMIN, groups=("admin",)))


def records(query: dict[str, str]) -> list[dict[str, Any]]:
    result = audit(query)
    assert result.status == 200, result.raw
    return list(result.json["items"])


def report(query: dict[str, str]) -> HttpResult:
    return invoke(audit_report, api_event("admin/audit_report.json", query=query, sub=ADMIN, groups=("admin",)))


def test_records_by_action_are_newest_first_with_every_field():
    suspend(BUYER)
    suspend(SELLER)

    found = records({"action": "USER_SUSPENDED"})

    assert [(r["resource_id"], r["actor_id"], r["actor_role"]) for r in found] == [
        (SELLER, ADMIN, "admin"),
        (BUYER, ADMIN, "admin"),
    ]
    assert set(found[0]) == RECORD_FIELDS
    assert found[0]["before"] == {"status": "ACTIVE"} and found[0]["after"] == {"status": "SUSPENDED"}
    assert found[0]["reason"] and found[0]["request_id"] and found[0]["source_ip"]


def test_records_by_resource_and_by_actor_combine_with_the_other_filters():
    txn_id = funded_transaction()
    suspend(BUYER)

    on_txn = records({"resource_id": txn_id})
    by_admin = records({"actor_id": ADMIN})
    admin_on_buyer = records({"actor_id": ADMIN, "resource_id": BUYER})
    registered_buyer = records({"resource_id": BUYER, "action": "USER_REGISTERED"})

    assert on_txn and {r["resource_id"] for r in on_txn} == {txn_id}
    assert [r["action"] for r in on_txn][-1] == "TRANSACTION_CREATED"
    assert [r["action"] for r in by_admin if r["resource_id"] == BUYER] == ["USER_SUSPENDED"]
    assert [r["action"] for r in admin_on_buyer] == ["USER_SUSPENDED"]
    assert [(r["action"], r["actor_id"]) for r in registered_buyer] == [("USER_REGISTERED", BUYER)]


def test_the_whole_log_pages_newest_first_without_repeats():
    suspend(BUYER)
    everything = records({"limit": "100"})
    pages, cursor = [], None
    while True:
        result = audit({"limit": "3", **({"cursor": cursor} if cursor else {})})
        pages.extend(result.json["items"])
        cursor = result.json["next_cursor"]
        if cursor is None:
            break

    assert [r["id"] for r in pages] == [r["id"] for r in everything]
    assert everything[0]["action"] == "USER_SUSPENDED"
    assert [r["id"] for r in everything] == sorted((r["id"] for r in everything), reverse=True)
    assert len(everything) >= 6  # five registrations and the suspension


def test_from_and_to_are_istanbul_dates_across_months():
    suspend(BUYER)  # today (the dev clock's)
    dev_clock.advance(40 * 86400)  # another month
    suspend(SELLER)
    later = istanbul_today()

    assert [r["resource_id"] for r in records({"action": "USER_SUSPENDED", "from": later})] == [SELLER]
    assert [r["resource_id"] for r in records({"action": "USER_SUSPENDED", "to": "2000-01-01"})] == []
    assert [r["resource_id"] for r in records({"action": "USER_SUSPENDED"})] == [SELLER, BUYER]
    unfiltered = [r["action"] for r in records({"limit": "100"})]
    assert unfiltered[0] == "USER_SUSPENDED" and "USER_REGISTERED" in unfiltered  # both months read


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"from": "2026-02-01", "to": "2026-01-01"}, (422, "INVALID_RANGE")),
        ({"from": "2020-01-01", "to": "2026-01-01"}, (422, "RANGE_TOO_LARGE")),
        ({"from": "yesterday"}, (422, "VALIDATION_ERROR")),
        ({"cursor": "bm9wZQ"}, (400, "INVALID_CURSOR")),
        ({"limit": "0"}, (422, "VALIDATION_ERROR")),
    ],
)
def test_bad_queries_are_clear_client_errors(query, expected):
    result = audit(query)

    assert (result.status, result.code) == expected


def test_the_report_counts_what_each_member_of_staff_did_and_nothing_users_did():
    seen_as_staff(AGENT)
    suspend(BUYER)
    suspend(STRANGER)
    suspend(BUYER, suspended=False)
    today = istanbul_today()

    result = report({"from": today, "to": today})

    assert result.status == 200, result.raw
    body = result.json
    assert (body["from"], body["to"]) == (today, today)
    assert body["by_action"]["USER_SUSPENDED"] == 2 and body["by_action"]["USER_UNSUSPENDED"] == 1
    assert "USER_REGISTERED" not in body["by_action"]  # users registering themselves are no staff action
    [admin] = [actor for actor in body["by_actor"] if actor["actor_id"] == ADMIN]
    assert admin["actor_role"] == "admin"
    assert admin["actions"]["USER_SUSPENDED"] == 2 and admin["actions"]["USER_UNSUSPENDED"] == 1
    assert admin["count"] == sum(admin["actions"].values())
    assert {actor["actor_role"] for actor in body["by_actor"]} <= {"admin", "support"}


def test_the_report_as_csv_opens_in_a_spreadsheet():
    suspend(BUYER)
    today = istanbul_today()

    result = report({"from": today, "to": today, "format": "csv"})

    assert result.status == 200
    assert result.headers["content-type"].startswith("text/csv")
    assert "attachment" in result.headers["content-disposition"]
    lines = result.raw.splitlines()
    assert lines[0] == "\ufeffactor_id,actor_role,action,count"
    assert f"{ADMIN},admin,USER_SUSPENDED,1" in lines


def test_a_report_over_more_than_a_year_is_refused():
    result = report({"from": "2024-01-01", "to": "2026-01-01"})

    assert (result.status, result.code) == (422, "RANGE_TOO_LARGE")
