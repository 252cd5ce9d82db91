"""The back office's dispute list: filtered by status and assignee, newest first, by cursor."""

from __future__ import annotations

import pytest

from functions.admin import disputes_list
from paylox.disputes.models import DisputeRow
from tests.apigw import ADMIN, BUYER, STRANGER, invoke
from tests.integration.disputes.steps import ADMIN_2, AGENT, do, event_as, opened


def list_disputes(by: str = ADMIN, **query: str):
    return invoke(disputes_list, event_as("admin/disputes_list.json", by, query=query))


def walk(**query: str) -> list[str]:
    """Every id the list returns, following the cursor page by page."""
    seen: list[str] = []
    cursor = None
    while True:
        page = list_disputes(**query, **({"cursor": cursor} if cursor else {})).json
        seen += [item["id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            return seen


@pytest.fixture
def disputes() -> dict[str, list[str]]:
    """Five open disputes, two taken on by ADMIN, one by ADMIN_2."""
    ids = [opened()["id"] for _ in range(5)]
    do("assign", ids[0], ADMIN, {})
    do("assign", ids[3], ADMIN, {})
    do("assign", ids[4], ADMIN_2, {})
    return {
        "all": ids,
        "opened": [ids[1], ids[2]],
        "mine": [ids[0], ids[3]],
        "reviewing": [ids[0], ids[3], ids[4]],
    }


def test_staff_list_every_dispute_newest_first_page_by_page(disputes):
    first = list_disputes(limit="2")

    assert first.status == 200
    assert len(first.json["items"]) == 2
    assert first.json["next_cursor"]
    assert walk(limit="2") == sorted(disputes["all"], reverse=True)
    assert walk(limit="100") == sorted(disputes["all"], reverse=True)


def test_filtering_by_status(disputes):
    assert walk(status="OPENED", limit="1") == sorted(disputes["opened"], reverse=True)
    assert walk(status="UNDER_REVIEW") == sorted(disputes["reviewing"], reverse=True)
    assert walk(status="RESOLVED") == []


def test_filtering_by_assignee_and_both(disputes):
    assert walk(assigned_to=ADMIN, limit="1") == sorted(disputes["mine"], reverse=True)
    assert walk(assigned_to=ADMIN, status="UNDER_REVIEW") == sorted(disputes["mine"], reverse=True)
    assert walk(assigned_to=ADMIN, status="OPENED") == []


def test_the_items_are_summaries(disputes):
    [item] = list_disputes(status="OPENED", limit="1").json["items"]

    assert item["status"] == "OPENED"
    assert item["opened_by"] == BUYER
    assert "timeline" not in item
    assert "messages" not in item


def test_support_may_list_too(disputes):
    assert list_disputes(AGENT).status == 200


@pytest.mark.parametrize("caller", [BUYER, STRANGER])
def test_users_may_not(caller, disputes):
    result = list_disputes(caller)

    assert result.status == 403
    assert result.code == "STAFF_ONLY"


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"cursor": "abc"}, 400, "INVALID_CURSOR"),
        ({"status": "LOST"}, 422, "VALIDATION_ERROR"),
        ({"limit": "0"}, 422, "VALIDATION_ERROR"),
        ({"limit": "101"}, 422, "VALIDATION_ERROR"),
    ],
)
def test_bad_queries(query, status, code):
    result = list_disputes(**query)

    assert (result.status, result.code) == (status, code)


def test_the_list_never_scans(disputes, monkeypatch):
    def no_scans(*args, **kwargs):
        raise AssertionError("the admin list must not scan")

    monkeypatch.setattr(DisputeRow, "scan", no_scans)

    assert walk(limit="3") == sorted(disputes["all"], reverse=True)
