"""What is due on a dispute and when (pure: no AWS, the clock passed in)."""

from __future__ import annotations

from datetime import UTC, datetime

from paylox import clock
from paylox.disputes.deadlines import (
    Deadlines,
    Due,
    escalate_at,
    first_response_due_at,
    next_info_reminder_at,
)

OPENED = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def at(hours: float) -> str:
    from datetime import timedelta

    return clock.isoformat(OPENED + timedelta(hours=hours))


def fresh(**changes) -> Deadlines:
    base = Deadlines(status="OPENED", escalate_at=at(48), first_response_due_at=at(2))
    return Deadlines(**{**base.__dict__, **changes})


def test_the_agreement_is_48_hours_to_resolve_and_2_to_take_on():
    assert escalate_at(OPENED) == at(48)
    assert first_response_due_at(OPENED) == at(2)


def test_a_new_dispute_is_due_for_its_first_response_reminder_first():
    deadlines = fresh()

    assert deadlines.next_due_at() == at(2)
    assert deadlines.due_now(at(1)) is None
    assert deadlines.due_now(at(2)) is Due.FIRST_RESPONSE


def test_once_assigned_only_the_escalation_is_ahead():
    deadlines = fresh(status="UNDER_REVIEW", assigned_to="admin")

    assert deadlines.next_due_at() == at(48)
    assert deadlines.due_now(at(47.9)) is None
    assert deadlines.due_now(at(48)) is Due.ESCALATION


def test_escalation_comes_before_a_reminder_that_is_due_at_the_same_time():
    deadlines = fresh(status="PENDING_INFO", assigned_to="admin", info_reminder_at=at(48))

    assert deadlines.due_now(at(48)) is Due.ESCALATION


def test_after_an_outage_escalation_is_done_first_and_the_stale_reminder_never():
    deadlines = fresh()

    assert deadlines.due_now(at(50)) is Due.ESCALATION
    escalated = fresh(status="ESCALATED", escalated_at=at(50))
    assert escalated.due_now(at(50)) is None
    assert escalated.next_due_at() is None  # leaves the due index


def test_pending_info_reminders_are_due_at_their_time():
    deadlines = fresh(status="PENDING_INFO", assigned_to="admin", escalated_at=at(48), info_reminder_at=at(72))

    assert deadlines.next_due_at() == at(72)
    assert deadlines.due_now(at(72)) is Due.INFO_REMINDER


def test_a_resolved_dispute_is_due_only_for_a_settlement_retry():
    assert fresh(status="RESOLVED").next_due_at() is None
    retrying = fresh(status="RESOLVED", settlement_due_at=at(1))
    assert retrying.due_now(at(1)) is Due.SETTLEMENT


def test_changes_are_applied_before_computing():
    class Row:
        status = "OPENED"
        escalate_at = at(48)
        escalated_at = None
        assigned_to = None
        first_response_due_at = at(2)
        first_response_reminded_at = None
        info_reminder_at = None
        settlement_due_at = None

    assert Deadlines.of(Row()).next_due_at() == at(2)
    assert Deadlines.of(Row(), {"assigned_to": "admin", "status": "UNDER_REVIEW", "body": "x"}).next_due_at() == at(48)


def test_reminders_keep_their_rhythm_but_never_burst_after_an_outage():
    assert next_info_reminder_at(None, OPENED) == at(24)
    assert next_info_reminder_at(at(24), OPENED + (clock.parse_iso(at(24)) - OPENED)) == at(48)
    assert next_info_reminder_at(at(24), clock.parse_iso(at(100))) == at(124)
