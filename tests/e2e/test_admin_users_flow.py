"""An admin suspends a user through the running dev stack: the user's very next request is
refused, the back office sees it (list, profile, audit log), and lifting it lets them back in."""

from __future__ import annotations

import pytest

from tests.e2e.steps import new_user

pytestmark = pytest.mark.e2e


def test_suspend_refuses_the_next_request_and_unsuspend_lets_the_user_back(stack):
    user = new_user("buyer")
    user_token = stack.token(user, email=f"{user}@example.com")
    admin_token = stack.token(new_user("admin"), groups=["admin"])
    agent_token = stack.token(new_user("agent"), groups=["support"])
    assert stack.request("GET", "/api/transaction/list", token=user_token).status_code == 200

    by_support = stack.request(
        "PUT", f"/api/admin/users/{user}/suspend", token=agent_token, json={"reason": "Card testing"}
    )
    suspended = stack.request(
        "PUT", f"/api/admin/users/{user}/suspend", token=admin_token, json={"reason": "Card testing"}
    )

    assert (by_support.status_code, by_support.json()["code"]) == (403, "ADMIN_ONLY")
    assert suspended.status_code == 200, suspended.text
    refused = stack.request("GET", "/api/transaction/list", token=user_token)
    assert (refused.status_code, refused.json()["code"]) == (403, "ACCOUNT_SUSPENDED")
    found = stack.request("GET", f"/api/admin/users/list?q={user}", token=agent_token)
    assert [(item["user_id"], item["status"]) for item in found.json()["items"]] == [(user, "SUSPENDED")]
    seen = stack.request("GET", f"/api/admin/users/{user}", token=agent_token).json()
    assert seen["recent_audit"][0]["action"] == "USER_SUSPENDED"

    lifted = stack.request(
        "PUT", f"/api/admin/users/{user}/unsuspend", token=admin_token, json={"reason": "The bank cleared it"}
    )

    assert lifted.status_code == 200, lifted.text
    assert stack.request("GET", "/api/transaction/list", token=user_token).status_code == 200
    log = stack.request("GET", f"/api/admin/audit/list?resource_id={user}", token=admin_token).json()
    assert [record["action"] for record in log["items"]][:3] == ["USER_UNSUSPENDED", "USER_VIEWED", "USER_SUSPENDED"]
