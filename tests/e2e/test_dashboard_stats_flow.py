"""The dashboard statistics on the dev stack: a deal moves them through the tables' streams, the
answer is cached for five minutes of the dev clock, and `paylox stats rebuild` recomputes the
same figures from the tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.steps import new_transaction, new_user, paylox

pytestmark = pytest.mark.e2e

CACHE_SECONDS = 300


def test_a_new_deal_reaches_the_dashboard_and_a_rebuild_agrees(stack: Any, dev_state_dir: Path):
    admin = stack.token(new_user("admin"), groups=["admin"])
    buyer, seller = new_user("buyer"), new_user("seller")
    buyer_token = stack.token(buyer)
    stack.token(seller)

    def read() -> dict[str, Any]:
        response = stack.request("GET", "/api/admin/dashboard/stats?period=day", token=admin)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def recomputed() -> dict[str, Any]:
        stack.advance_clock(CACHE_SECONDS + 1)  # past what is cached
        return read()

    # Given the figures as they stand
    before = recomputed()

    # When a buyer opens a deal
    new_transaction(stack, buyer_token, seller)

    # Then the dashboard shows the cached answer for five minutes, then the new deal
    assert read() == before
    created = before["totals"]["transactions_created"]
    after = stack.wait_for(lambda: (body := recomputed())["totals"]["transactions_created"] > created and body)
    assert after["generated_at"] != before["generated_at"]

    # And rebuilding those days from the tables gives the same figures
    rebuilt = paylox("stats", "rebuild", "--from", after["from"], "--to", after["to"], state_dir=dev_state_dir)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads(rebuilt.stdout)["days"] == len(after["series"])
    again = recomputed()
    assert (again["totals"], again["series"], again["users_total"]) == (
        after["totals"],
        after["series"],
        after["users_total"],
    )
