"""Staff taking a dispute on, handing it over, and asking a party for more information."""

from __future__ import annotations

from typing import Any

from paylox import clock
from paylox.auth import Principal
from paylox.disputes import store
from paylox.disputes.access import require_impartial, visible
from paylox.disputes.deadlines import next_info_reminder_at
from paylox.disputes.errors import AssigneeIsParty, AssigneeNotStaff, DisputeAlreadyAssigned
from paylox.disputes.reading import view_of
from paylox.disputes.schemas import DisputeView
from paylox.disputes.states import ASSIGN, REASSIGN, REASSIGNABLE, REQUEST_INFO, Party
from paylox.users.service import is_staff

#: Fields that only mean something while a party is awaited.
NOT_AWAITING: dict[str, Any] = {"awaiting": None, "info_request": None, "info_reminder_at": None}


def assign(principal: Principal, dispute_id: str, admin_id: str | None = None) -> DisputeView:
    """Staff take the dispute on (→ ``UNDER_REVIEW``), or give it to ``admin_id``, who must be
    active staff (``422 ASSIGNEE_NOT_STAFF``).

    A dispute already under review changes hands only when ``admin_id`` names the new owner:
    taking it (no ``admin_id``) is 409 ``DISPUTE_ALREADY_ASSIGNED``, so of two staff who take a
    dispute at once, the second never silently takes it from the first.
    """
    row = visible(principal, dispute_id)
    require_impartial(principal, row)
    assignee = admin_id or principal.user_id
    if assignee in (row.buyer_id, row.seller_id):
        raise AssigneeIsParty()
    if assignee != principal.user_id and not is_staff(assignee):  # the caller is staff: the route says so
        raise AssigneeNotStaff()
    if row.status in REASSIGNABLE:
        if admin_id is None and row.assigned_to != assignee:
            raise DisputeAlreadyAssigned(assigned_to=row.assigned_to)
        if row.assigned_to != assignee:
            previous = row.assigned_to
            store.apply_move(
                row,
                REASSIGN,
                principal.actor,
                {"assigned_to": assignee},
                note=assignee,
                audit_before={"assigned_to": previous},
                audit_after={"assigned_to": assignee},
                event_extra={"previous_assignee": previous},
            )
    else:
        store.apply_move(row, ASSIGN, principal.actor, {"assigned_to": assignee, **NOT_AWAITING}, note=assignee)
    return view_of(row)


def request_info(principal: Principal, dispute_id: str, party: Party, message: str) -> DisputeView:
    """Staff ask one party for more information (→ ``PENDING_INFO``); that party is reminded at
    an interval until they post a message or evidence."""
    row = visible(principal, dispute_id)
    require_impartial(principal, row)
    changes = {
        "awaiting": party.value,
        "info_request": message,
        "info_reminder_at": next_info_reminder_at(None, clock.now()),
        "info_reminders_sent": 0,
    }
    store.apply_move(row, REQUEST_INFO, principal.actor, changes, note=message)
    return view_of(row)
