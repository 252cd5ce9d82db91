"""What is due on a dispute, and when: the service-level agreement as pure functions.

The clock is read by the callers; everything here compares UTC ISO 8601 strings, which sort as
the moments they name.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Self

from paylox import clock
from paylox.config import get_settings
from paylox.disputes.states import OPEN_STATUSES, DisputeStatus
from paylox.values import frozen


class Due(StrEnum):
    """Work the scheduled function does, in the order it does it when several are due at once."""

    SETTLEMENT = "SETTLEMENT"  # retry moving the money of a resolution
    ESCALATION = "ESCALATION"  # unresolved too long: to the senior admins
    FIRST_RESPONSE = "FIRST_RESPONSE"  # nobody took the dispute on: remind the admins, once
    INFO_REMINDER = "INFO_REMINDER"  # the awaited party has not answered: remind them


@frozen
class Deadlines:
    """The fields of a dispute that its deadlines depend on."""

    status: str
    escalate_at: str
    escalated_at: str | None = None
    assigned_to: str | None = None
    first_response_due_at: str | None = None
    first_response_reminded_at: str | None = None
    info_reminder_at: str | None = None
    settlement_due_at: str | None = None

    @classmethod
    def of(cls, row: Any, changes: dict[str, Any] | None = None) -> Self:
        """The deadlines of ``row`` (a stored dispute) once ``changes`` are applied to it."""
        current = cls(**{field.name: getattr(row, field.name) for field in fields(cls)})
        relevant = {key: value for key, value in (changes or {}).items() if key in cls.__dataclass_fields__}
        return replace(current, **relevant)

    def pending(self) -> list[tuple[str, Due]]:
        """Everything still to happen, as (when, what)."""
        steps: list[tuple[str, Due]] = []
        if self.settlement_due_at:
            steps.append((self.settlement_due_at, Due.SETTLEMENT))
        if DisputeStatus(self.status) not in OPEN_STATUSES:
            return steps
        if self.escalated_at is None:
            steps.append((self.escalate_at, Due.ESCALATION))
            if self.assigned_to is None and self.first_response_reminded_at is None and self.first_response_due_at:
                steps.append((self.first_response_due_at, Due.FIRST_RESPONSE))
        if self.status == DisputeStatus.PENDING_INFO and self.info_reminder_at:
            steps.append((self.info_reminder_at, Due.INFO_REMINDER))
        return steps

    def next_due_at(self) -> str | None:
        """The earliest deadline, the sort key of the ``open_by_due`` index (None: not in it)."""
        return min((at for at, _ in self.pending()), default=None)

    def due_now(self, now: str) -> Due | None:
        """The most urgent work due at ``now``, if any."""
        due = {what for at, what in self.pending() if at <= now}
        return next((what for what in Due if what in due), None)


def later(moment: datetime, hours: float) -> str:
    return clock.isoformat(moment + timedelta(hours=hours))


def escalate_at(opened: datetime) -> str:
    return later(opened, get_settings().dispute_escalation_hours)


def first_response_due_at(opened: datetime) -> str:
    return later(opened, get_settings().dispute_first_response_hours)


def next_info_reminder_at(previous: str | None, now: datetime) -> str:
    """One interval after the previous reminder, or after now if the schedule fell behind (so a
    schedule that was down never sends a burst of reminders)."""
    interval = get_settings().dispute_info_reminder_hours
    candidate = later(clock.parse_iso(previous), interval) if previous else later(now, interval)
    return candidate if candidate > clock.isoformat(now) else later(now, interval)
