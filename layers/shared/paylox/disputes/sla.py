"""The service-level agreement, enforced by the scheduled function every few minutes.

- A dispute not resolved ``DISPUTE_ESCALATION_HOURS`` (48) after it opened is ``ESCALATED`` and
  the senior admins are told.
- A dispute nobody took on ``DISPUTE_FIRST_RESPONSE_HOURS`` (2) after it opened: the admins get
  one reminder.
- A party awaited in ``PENDING_INFO`` is reminded every ``DISPUTE_INFO_REMINDER_HOURS`` (24)
  until they answer.
- A resolution whose money did not move (the gateway failed) is settled again, backing off.

Due disputes come from the sparse ``open_by_due`` index, earliest first: a Query, never a Scan.
Every step is a conditional write on the dispute's ``state_version``, so two runs at once (or a
run retried by the scheduler) never escalate, remind or refund twice: the loser re-reads and finds
nothing due.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from paylox import clock
from paylox.auth import SYSTEM
from paylox.config import get_settings
from paylox.disputes import store
from paylox.disputes.deadlines import Deadlines, Due, next_info_reminder_at
from paylox.disputes.errors import DisputeResolved
from paylox.disputes.models import DisputeRow
from paylox.disputes.settlement import resolution_with, settlement_retry_at, try_settle
from paylox.disputes.states import ESCALATE, REMIND_AWAITED_PARTY, REMIND_FIRST_RESPONSE
from paylox.observability import logger, metrics
from paylox.payments.base import PaymentGateway
from paylox.statemachine import LOST_RACE

#: Stop taking new disputes when less than this is left of the function's time.
_SAFETY_MARGIN_MS = 5_000
#: Steps on one dispute in one run (several can be due at once after an outage).
_MAX_STEPS = 5


def run_due(*, gateway: PaymentGateway | None = None, time_left_ms: Callable[[], int] | None = None) -> dict[str, int]:
    """Do everything that is due now; returns how many of each step were done (a settlement retry
    counts once tried: a failure stays due and is tried again later)."""
    now = clock.now_iso()
    done: Counter[str] = Counter()
    for dispute_id in store.due_ids(now):
        if time_left_ms is not None and time_left_ms() < _SAFETY_MARGIN_MS:
            logger.warning("dispute SLA run stopped early; the next run continues")
            break
        for step in _process(dispute_id, now, gateway):
            done[step.value] += 1
    for name, count in done.items():
        metrics.add_metric(name=f"Dispute{name.title().replace('_', '')}", unit="Count", value=count)
    return dict(done)


def _process(dispute_id: str, now: str, gateway: PaymentGateway | None) -> list[Due]:
    done: list[Due] = []
    for _ in range(_MAX_STEPS):
        row = store.find(dispute_id)
        step = Deadlines.of(row).due_now(now) if row is not None else None
        if row is None or step is None:
            break
        try:
            _STEPS[step](row, now, gateway)
        except (store.Conflict, DisputeResolved, *LOST_RACE):
            continue  # changed under us (a reviewer, another run): re-read and decide again
        done.append(step)
    return done


def _escalate(row: DisputeRow, now: str, gateway: PaymentGateway | None) -> None:
    hours = get_settings().dispute_escalation_hours
    changes = {"escalated_at": now, "awaiting": None, "info_request": None, "info_reminder_at": None}
    store.apply_move(row, ESCALATE, SYSTEM, changes, note=f"not resolved within {hours:g} h")


def _remind_first_response(row: DisputeRow, now: str, gateway: PaymentGateway | None) -> None:
    store.apply_move(row, REMIND_FIRST_RESPONSE, SYSTEM, {"first_response_reminded_at": now})


def _remind_awaited_party(row: DisputeRow, now: str, gateway: PaymentGateway | None) -> None:
    number = int(row.info_reminders_sent or 0) + 1
    changes = {
        "info_reminder_at": next_info_reminder_at(row.info_reminder_at, clock.parse_iso(now)),
        "info_reminders_sent": number,
    }
    store.apply_move(
        row,
        REMIND_AWAITED_PARTY,
        SYSTEM,
        changes,
        note=f"{row.awaiting} #{number}",
        event_extra={"reminder_number": number},
    )


def _retry_settlement(row: DisputeRow, now: str, gateway: PaymentGateway | None) -> None:
    resolution = row.resolution
    assert resolution is not None
    attempt = int(resolution.settlement_attempts or 0) + 1
    # Claim the attempt first (conditional): of two runs only one calls the gateway.
    claimed = resolution_with(resolution, settlement_attempts=attempt)
    store.commit(
        row,
        {
            "resolution": claimed,
            "settlement_due_at": settlement_retry_at(attempt, clock.parse_iso(now)),
        },
        None,
        now,
    )
    try_settle(row, SYSTEM, gateway)


_STEPS: dict[Due, Callable[[DisputeRow, str, PaymentGateway | None], None]] = {
    Due.SETTLEMENT: _retry_settlement,
    Due.ESCALATION: _escalate,
    Due.FIRST_RESPONSE: _remind_first_response,
    Due.INFO_REMINDER: _remind_awaited_party,
}
