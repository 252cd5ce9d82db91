"""Every action a person can take on a dispute, from every state, through the handlers: allowed
where the state machine allows it, 409 everywhere else."""

from __future__ import annotations

import pytest

from devstack import dev_clock
from tests.apigw import ADMIN
from tests.integration.disputes.steps import ADMIN_2, awaiting, do, get_dispute, opened, run_sla, under_review


def in_state(state: str) -> str:
    if state == "OPENED":
        return opened()["id"]
    if state == "UNDER_REVIEW":
        return under_review(ADMIN)["id"]
    if state == "PENDING_INFO":
        return awaiting("SELLER")["id"]
    dispute_id = opened()["id"]
    dev_clock.advance(48 * 3600)
    run_sla()
    if state == "RESOLVED":
        do("resolve", dispute_id, ADMIN, {"outcome": "RELEASE_TO_SELLER", "note": "karar"})
    return dispute_id


ACTIONS = {
    "take on": ("assign", ADMIN_2, {}),
    "request info": ("request_info", ADMIN, {"from": "BUYER", "message": "Bilgi?"}),
    "resolve": ("resolve", ADMIN, {"outcome": "RELEASE_TO_SELLER", "note": "karar"}),
}
# (state, action) → (status, code or the dispute's new status)
EXPECTED = {
    ("OPENED", "take on"): (200, "UNDER_REVIEW"),
    ("OPENED", "request info"): (409, "INVALID_STATE"),
    ("OPENED", "resolve"): (200, "RESOLVED"),
    ("UNDER_REVIEW", "take on"): (409, "DISPUTE_ALREADY_ASSIGNED"),
    ("UNDER_REVIEW", "request info"): (200, "PENDING_INFO"),
    ("UNDER_REVIEW", "resolve"): (200, "RESOLVED"),
    ("PENDING_INFO", "take on"): (200, "UNDER_REVIEW"),
    ("PENDING_INFO", "request info"): (409, "INVALID_STATE"),
    ("PENDING_INFO", "resolve"): (200, "RESOLVED"),
    ("ESCALATED", "take on"): (200, "UNDER_REVIEW"),
    ("ESCALATED", "request info"): (409, "INVALID_STATE"),
    ("ESCALATED", "resolve"): (200, "RESOLVED"),
    ("RESOLVED", "take on"): (409, "DISPUTE_RESOLVED"),
    ("RESOLVED", "request info"): (409, "DISPUTE_RESOLVED"),
    ("RESOLVED", "resolve"): (409, "DISPUTE_RESOLVED"),
}


@pytest.mark.parametrize(("state", "action"), list(EXPECTED))
def test_action_from_state(state, action, gateway):
    dispute_id = in_state(state)
    assert get_dispute(dispute_id, ADMIN).json["status"] == state
    name, by, body = ACTIONS[action]

    result = do(name, dispute_id, by, body)

    status, outcome = EXPECTED[(state, action)]
    assert result.status == status
    if status == 200:
        assert result.json["status"] == outcome
    else:
        assert result.code == outcome
        assert get_dispute(dispute_id, ADMIN).json["status"] == state  # nothing changed
