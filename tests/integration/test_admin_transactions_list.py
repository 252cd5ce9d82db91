"""The back office's transaction list: filters, newest first, stable cursors, never a Scan."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pynamodb.connection.base import Connection

from devstack import dev_clock
from functions.admin import transactions_list
from tests.apigw import ADMIN, AGENT, BUYER, SELLER, STRANGER, HttpResult, api_event, invoke
from tests.integration.steps import funded_transaction, new_transaction, pending_transaction

DAY = 24 * 3600


@pytest.fixture(autouse=True)
def no_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Scan anywhere in these requests fails the test: every list is a Query on an index."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a Scan was made")

    monkeypatch.setattr(Connection, "scan", refuse)


def admin_list(sub: str = ADMIN, groups: tuple[str, ...] = ("admin",), **query: Any) -> HttpResult:
    """The list with ``query``; a list value repeats its parameter, which HTTP API hands over
    comma-joined."""
    values = {key: [str(v) for v in value] if isinstance(value, list) else [str(value)] for key, value in query.items()}
    joined = {key: ",".join(value) for key, value in values.items()}
    event = api_event("admin/transactions_list.json", query=joined, sub=sub, groups=groups)
    event["rawQueryString"] = "&".join(f"{key}={v}" for key, value in values.items() for v in value)
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = "[" + " ".join(groups) + "]"
    return invoke(transactions_list, event)


def ids(result: HttpResult) -> list[str]:
    assert result.status == 200, result.raw
    return [item["id"] for item in result.json["items"]]


def test_everything_newest_first_and_by_status_repeated():
    # Given transactions in several states
    created = str(new_transaction(10_000)["id"])
    pending = pending_transaction(20_000)
    funded = funded_transaction(30_000)

    # When staff list everything, and by two statuses: the parameter repeated, or comma-separated
    everything = admin_list(sub=AGENT, groups=("support",))
    repeated = admin_list(status=["FUNDED", "CREATED"])
    comma_separated = admin_list(status="FUNDED,CREATED")

    # Then everything is there newest first; the statuses select exactly theirs, either way
    assert ids(everything) == [funded, pending, created]
    assert ids(repeated) == ids(comma_separated) == [funded, created]
    assert everything.json["items"][0]["amount"] == 30_000 and everything.json["items"][0]["status"] == "FUNDED"


def test_parties_amounts_and_their_combinations():
    # Given the buyer and a stranger buying from the seller, at different amounts
    mine_small = str(new_transaction(5_000)["id"])
    stranger_big = str(new_transaction(90_000, buyer=STRANGER)["id"])
    mine_big = pending_transaction(70_000)

    # Then each filter, alone or combined, selects exactly the matching transactions
    assert ids(admin_list(buyer_id=BUYER)) == [mine_big, mine_small]
    assert ids(admin_list(seller_id=SELLER, min_amount=60_000)) == [mine_big, stranger_big]
    assert ids(admin_list(user_id=STRANGER)) == [stranger_big]
    assert ids(admin_list(user_id=SELLER, status="CREATED")) == [stranger_big, mine_small]
    assert ids(admin_list(buyer_id=BUYER, seller_id=SELLER, max_amount=10_000)) == [mine_small]
    assert ids(admin_list(status="PAYMENT_PENDING", min_amount=1, max_amount=69_999)) == []


def test_creation_dates_are_istanbul_days():
    # Given a transaction today and one two days later (dev clock)
    dev_clock.reset()
    first = str(new_transaction(1_000)["id"])
    dev_clock.advance(2 * DAY)
    second = str(new_transaction(2_000)["id"])
    first_day = admin_list().json["items"][1]["created_at"]
    # The Istanbul date of the first (UTC+3, no daylight saving)
    istanbul = (datetime.fromisoformat(first_day.replace("Z", "+00:00")) + timedelta(hours=3)).date()

    # Then from/to select by Istanbul calendar day, both inclusive, on every index
    assert ids(admin_list(**{"from": istanbul.isoformat(), "to": istanbul.isoformat()})) == [first]
    assert ids(admin_list(**{"from": (istanbul + timedelta(days=1)).isoformat()})) == [second]
    assert ids(admin_list(status="CREATED", to=(istanbul + timedelta(days=1)).isoformat())) == [first]
    assert ids(admin_list(buyer_id=BUYER, **{"from": istanbul.isoformat()})) == [second, first]
    assert ids(admin_list(to=date(2024, 12, 31).isoformat())) == []


def test_pages_stay_stable_while_new_transactions_arrive():
    # Given five transactions, listed two at a time
    made = [str(new_transaction(1_000 + n)["id"]) for n in range(5)]
    first = admin_list(limit=2)
    assert ids(first) == [made[4], made[3]]

    # When two more are created before the next pages are read
    new_transaction(9_000)
    new_transaction(9_001)
    second = admin_list(limit=2, cursor=first.json["next_cursor"])
    third = admin_list(limit=2, cursor=second.json["next_cursor"])

    # Then the pages continue where they stopped: nothing repeated, nothing skipped, an end
    assert ids(second) == [made[2], made[1]]
    assert ids(third) == [made[0]]
    assert third.json["next_cursor"] is None


def test_pages_under_a_selective_filter_are_full():
    # Given many transactions of which few match
    wanted = [pending_transaction(50_000) for _ in range(3)]
    for _ in range(6):
        new_transaction(1_000)

    # When listing the matching ones two at a time
    first = admin_list(status="PAYMENT_PENDING", limit=2)
    second = admin_list(status="PAYMENT_PENDING", limit=2, cursor=first.json["next_cursor"])

    # Then each page is full until the last, and the cursor continues the same list
    assert ids(first) == [wanted[2], wanted[1]] and ids(second) == [wanted[0]]
    assert second.json["next_cursor"] is None
    assert ids(admin_list(min_amount=40_000, limit=2)) == [wanted[2], wanted[1]]


def test_bad_filters_and_callers_are_refused():
    assert admin_list(sub=BUYER, groups=()).code == "STAFF_ONLY"
    assert admin_list(status="FUNDED,PAID").code == "INVALID_REQUEST"
    assert admin_list(status="funded").status == 422
    assert admin_list(status=["FUNDED", "PAID"]).code == "INVALID_REQUEST"
    assert admin_list(status=["FUNDED", "funded"]).status == 422
    assert admin_list(buyer_id=[BUYER, SELLER]).code == "REPEATED_PARAMETER"
    assert admin_list(**{"from": "2026-11-02", "to": "2026-11-01"}).code == "INVALID_REQUEST"
    assert admin_list(min_amount=5, max_amount=4).code == "INVALID_REQUEST"
    assert admin_list(cursor="not-a-cursor").code == "INVALID_CURSOR"
    assert admin_list(limit=101).status == 422
