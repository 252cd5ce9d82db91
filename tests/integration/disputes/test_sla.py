"""The service-level agreement: escalation after 48 h, the 2 h first-response reminder and the
reminders of an awaited party, by moving the clock and running the schedule (twice: it must be
safe to run again)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from devstack import dev_clock
from paylox.disputes import sla
from paylox.disputes.models import DisputeRow
from tests.apigw import ADMIN, BUYER, SELLER
from tests.integration.disputes.steps import (
    awaiting,
    do,
    events_of,
    get_dispute,
    opened,
    run_sla,
    under_review,
)

HOUR = 3600
# Just short of a deadline, then past it: the time a test takes never decides which.
MARGIN = 5 * 60


def test_nothing_is_due_when_nothing_is_late():
    opened()

    assert run_sla() == {}


def test_an_unassigned_dispute_reminds_the_admins_once_after_two_hours():
    dispute = opened()
    dev_clock.advance(2 * HOUR - MARGIN)
    assert run_sla() == {}

    dev_clock.advance(MARGIN)
    first, second = run_sla(), run_sla()
    dev_clock.advance(HOUR)
    later = run_sla()

    assert first == {"FIRST_RESPONSE": 1}
    assert second == later == {}
    view = get_dispute(dispute["id"], ADMIN).json
    assert view["status"] == "OPENED"
    assert events_of(view).count("DisputeFirstResponseOverdue") == 1


def test_a_dispute_taken_on_in_time_sends_no_reminder():
    dispute = under_review()
    dev_clock.advance(3 * HOUR)

    assert run_sla() == {}
    assert "DisputeFirstResponseOverdue" not in events_of(get_dispute(dispute["id"], ADMIN).json)


def test_a_dispute_unresolved_after_48_hours_is_escalated_once():
    dispute = under_review()
    dev_clock.advance(48 * HOUR - MARGIN)
    assert run_sla() == {}

    dev_clock.advance(MARGIN)
    first, second = run_sla(), run_sla()

    assert first == {"ESCALATION": 1}
    assert second == {}
    view = get_dispute(dispute["id"], ADMIN).json
    assert view["status"] == "ESCALATED"
    assert view["escalated_at"] is not None
    assert view["timeline"][-1]["event"] == "DisputeEscalated"
    assert view["timeline"][-1]["actor_id"] == "system"


def test_an_escalated_dispute_comes_back_under_review_and_is_not_escalated_again():
    dispute = under_review()
    dev_clock.advance(48 * HOUR)
    run_sla()

    taken = do("assign", dispute["id"], ADMIN, {})
    dev_clock.advance(96 * HOUR)

    assert taken.json["status"] == "UNDER_REVIEW"
    assert run_sla() == {}
    assert events_of(get_dispute(dispute["id"], ADMIN).json).count("DisputeEscalated") == 1


def test_a_dispute_left_alone_for_two_days_gets_the_reminder_then_the_escalation():
    dispute = opened()
    dev_clock.advance(2 * HOUR)
    run_sla()
    dev_clock.advance(46 * HOUR)
    run_sla()

    view = get_dispute(dispute["id"], ADMIN).json
    assert [event for event in events_of(view) if event != "DisputeOpened"] == [
        "DisputeFirstResponseOverdue",
        "DisputeEscalated",
    ]


def test_after_an_outage_only_the_escalation_is_done():
    dispute = opened()
    dev_clock.advance(50 * HOUR)  # the schedule was down the whole time

    assert run_sla() == {"ESCALATION": 1}
    assert run_sla() == {}
    assert "DisputeFirstResponseOverdue" not in events_of(get_dispute(dispute["id"], ADMIN).json)


def test_resolved_disputes_are_never_escalated(gateway):
    dispute = under_review()
    do("resolve", dispute["id"], ADMIN, {"outcome": "RELEASE_TO_SELLER", "note": "tamam"})
    dev_clock.advance(72 * HOUR)

    assert run_sla() == {}
    assert DisputeRow.get(dispute["id"], "DISPUTE").next_due_at is None  # out of the due index


def test_the_awaited_party_is_reminded_at_each_interval_until_they_answer():
    dispute = awaiting("SELLER")
    dev_clock.advance(24 * HOUR - MARGIN)
    assert run_sla() == {}
    dev_clock.advance(MARGIN)
    assert run_sla() == {"INFO_REMINDER": 1}
    assert run_sla() == {}
    # 48 h after opening the escalation supersedes the next reminder and ends the wait
    dev_clock.advance(24 * HOUR)
    assert run_sla() == {"ESCALATION": 1}
    do("assign", dispute["id"], ADMIN, {})
    do("request_info", dispute["id"], ADMIN, {"from": "SELLER", "message": "Hâlâ bekliyoruz."})
    for _ in range(2):
        dev_clock.advance(24 * HOUR)
        assert run_sla() == {"INFO_REMINDER": 1}

    do("message", dispute["id"], SELLER, {"body": "Fotoğrafları ekledim."})
    dev_clock.advance(72 * HOUR)
    assert run_sla() == {}

    view = get_dispute(dispute["id"], ADMIN).json
    reminders = [entry["note"] for entry in view["timeline"] if entry["event"] == "DisputeInfoReminder"]
    assert reminders == ["SELLER #1", "SELLER #1", "SELLER #2"]
    assert view["status"] == "UNDER_REVIEW"


def test_a_message_from_the_other_party_does_not_stop_the_reminders():
    dispute = awaiting("SELLER")
    do("message", dispute["id"], BUYER, {"body": "Satıcı cevap vermiyor."})
    dev_clock.advance(24 * HOUR)

    assert run_sla() == {"INFO_REMINDER": 1}


def test_an_answered_request_sends_no_more_reminders():
    dispute = awaiting("BUYER")
    do("message", dispute["id"], BUYER, {"body": "Bilgiyi ekledim."})
    dev_clock.advance(30 * HOUR)

    assert run_sla() == {}


def test_two_runs_at_once_do_each_thing_once():
    disputes = [opened()["id"] for _ in range(3)]
    dev_clock.advance(48 * HOUR)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: sla.run_due(), range(4)))

    assert sum(result.get("ESCALATION", 0) for result in results) == 3
    for dispute_id in disputes:
        assert events_of(get_dispute(dispute_id, BUYER).json).count("DisputeEscalated") == 1


def test_the_schedule_finds_due_disputes_through_the_index_not_a_scan(monkeypatch):
    opened()
    dev_clock.advance(2 * HOUR)

    def no_scans(*args, **kwargs):
        raise AssertionError("the SLA run must not scan")

    monkeypatch.setattr(DisputeRow, "scan", no_scans)

    assert run_sla() == {"FIRST_RESPONSE": 1}
