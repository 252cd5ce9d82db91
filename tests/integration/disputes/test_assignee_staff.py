"""A dispute can only be given to staff: someone an admin or support token was seen for, and who
is active. Staff are known from the verified tokens they used (Cognito groups exist only there)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from paylox.audit import audit_trail
from paylox.auth import Principal
from paylox.users.service import ensure_active_profile
from tests.apigw import ADMIN, AGENT, BUYER, STRANGER
from tests.integration.disputes.steps import ADMIN_2, STAFF, do, event_as, opened, seen_as_staff, under_review
from tests.integration.steps import profile, register, suspend

ADMIN_3 = "user-admin-3"


@pytest.mark.parametrize("assignee", [STRANGER, "user-never-registered", ADMIN_3], ids=["user", "nobody", "not-seen"])
def test_a_dispute_is_not_assigned_to_anyone_but_staff(assignee):
    register(ADMIN_3)  # an admin who has not yet signed in as one: nothing says they are staff
    dispute = opened()

    refused = do("assign", dispute["id"], ADMIN, {"admin_id": assignee})

    assert (refused.status, refused.code) == (422, "ASSIGNEE_NOT_STAFF")
    assert do("assign", dispute["id"], ADMIN, {}).json["assigned_to"] == ADMIN  # still unassigned until now


def test_a_handover_to_a_user_is_refused_and_the_reviewer_keeps_it():
    dispute = under_review(ADMIN)

    refused = do("assign", dispute["id"], ADMIN, {"admin_id": STRANGER})

    assert refused.code == "ASSIGNEE_NOT_STAFF"
    assert do("assign", dispute["id"], ADMIN, {}).json["assigned_to"] == ADMIN


def test_staff_seen_once_can_be_assigned_and_a_suspended_one_cannot():
    dispute = opened()
    assert do("assign", dispute["id"], AGENT, {"admin_id": ADMIN_2}).json["assigned_to"] == ADMIN_2

    suspend(ADMIN_2)
    other = opened()
    assert do("assign", other["id"], ADMIN, {"admin_id": ADMIN_2}).code == "ASSIGNEE_NOT_STAFF"


def test_the_staff_role_follows_the_token_and_is_written_only_when_it_changes():
    register(ADMIN_3)
    STAFF[ADMIN_3] = ("admin",)
    try:
        seen_as_staff(ADMIN_3)
        seen_as_staff(ADMIN_3)
        assert profile(ADMIN_3).staff_role == "admin"
        changes = [record for record in audit_trail(ADMIN_3) if record.action == "USER_STAFF_ROLE_CHANGED"]
        assert len(changes) == 1

        # When they call again without the admin group (removed in Cognito), they are staff no more
        del STAFF[ADMIN_3]
        event = event_as("disputes/get.json", ADMIN_3, path={"id": opened()["id"]})
        assert event["requestContext"]["authorizer"]["jwt"]["claims"].get("cognito:groups") is None
        from functions.disputes import get
        from tests.apigw import invoke

        invoke(get, event)
        assert profile(ADMIN_3).staff_role is None
        assert do("assign", opened()["id"], ADMIN, {"admin_id": ADMIN_3}).code == "ASSIGNEE_NOT_STAFF"
    finally:
        STAFF.pop(ADMIN_3, None)


def test_many_first_requests_at_once_record_the_role_once():
    # One request per Lambda environment: the race is between environments, each with its own read.
    register(ADMIN_3)
    agent = Principal(user_id=ADMIN_3, groups=frozenset({"support"}), mfa=True)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: ensure_active_profile(agent), range(4)))

    assert profile(ADMIN_3).staff_role == "support"
    assert [record.action for record in audit_trail(ADMIN_3)].count("USER_STAFF_ROLE_CHANGED") == 1


def test_a_party_naming_staff_is_still_refused_as_not_staff_themselves():
    dispute = opened()

    assert do("assign", dispute["id"], BUYER, {"admin_id": ADMIN}).code == "STAFF_ONLY"
