"""The dispute state machine, as data: which move is allowed from where, and what it announces.

    OPENED       → UNDER_REVIEW | ESCALATED | RESOLVED
    UNDER_REVIEW → PENDING_INFO | ESCALATED | RESOLVED
    PENDING_INFO → UNDER_REVIEW | ESCALATED | RESOLVED
    ESCALATED    → UNDER_REVIEW | RESOLVED
    RESOLVED is final: nothing moves it and nothing more is written to it.

Reassigning a dispute that is already ``UNDER_REVIEW`` changes its owner, not its status, so it
is not a transition (see :data:`REASSIGNABLE`).
"""

from __future__ import annotations

from enum import StrEnum

from paylox.statemachine import Move, move


class DisputeStatus(StrEnum):
    OPENED = "OPENED"
    UNDER_REVIEW = "UNDER_REVIEW"
    PENDING_INFO = "PENDING_INFO"
    ESCALATED = "ESCALATED"
    RESOLVED = "RESOLVED"


class DisputeReason(StrEnum):
    ITEM_NOT_RECEIVED = "ITEM_NOT_RECEIVED"
    NOT_AS_DESCRIBED = "NOT_AS_DESCRIBED"
    DAMAGED = "DAMAGED"
    UNAUTHORIZED = "UNAUTHORIZED"
    OTHER = "OTHER"


class Party(StrEnum):
    BUYER = "BUYER"
    SELLER = "SELLER"


class Outcome(StrEnum):
    RELEASE_TO_SELLER = "RELEASE_TO_SELLER"
    REFUND_TO_BUYER = "REFUND_TO_BUYER"
    SPLIT = "SPLIT"


def _move(name: str, sources: set[DisputeStatus], target: DisputeStatus, event: str) -> Move[DisputeStatus]:
    return move(name, sources, target, audit=f"DISPUTE_{name.upper()}", event=event)


S = DisputeStatus
#: Staff take the dispute on (also how an escalated or waiting dispute comes back under review).
ASSIGN = _move("assign", {S.OPENED, S.PENDING_INFO, S.ESCALATED}, S.UNDER_REVIEW, "DisputeAssigned")
#: Staff ask one party for more information.
REQUEST_INFO = _move("request_info", {S.UNDER_REVIEW}, S.PENDING_INFO, "DisputeInfoRequested")
#: The awaited party answered (a message or evidence): back to the reviewer.
PROVIDE_INFO = _move("provide_info", {S.PENDING_INFO}, S.UNDER_REVIEW, "DisputeInfoProvided")
#: The service-level agreement ran out (the scheduled function, never a person).
ESCALATE = _move("escalate", {S.OPENED, S.UNDER_REVIEW, S.PENDING_INFO}, S.ESCALATED, "DisputeEscalated")
#: An admin decides where the money goes.
RESOLVE = _move("resolve", {S.OPENED, S.UNDER_REVIEW, S.PENDING_INFO, S.ESCALATED}, S.RESOLVED, "DisputeResolved")

MOVES = (ASSIGN, REQUEST_INFO, PROVIDE_INFO, ESCALATE, RESOLVE)
OPEN_STATUSES = frozenset(status for status in S if status is not S.RESOLVED)
#: Where assigning is an owner change without a status change.
REASSIGNABLE = frozenset({S.UNDER_REVIEW})

# Changes recorded like moves (conditional, on the timeline, audited, announced) that keep the status.
#: A dispute under review changes hands.
REASSIGN = move(
    "assign", REASSIGNABLE, None, audit="DISPUTE_REASSIGNED", event=ASSIGN.event, timeline_event="DisputeReassigned"
)
#: The money of a resolved dispute has moved.
SETTLE = move(
    "settle", {S.RESOLVED}, None, audit="DISPUTE_SETTLED", event=RESOLVE.event, timeline_event="DisputeSettled"
)
#: Nobody took the dispute on in time: the admins are reminded.
REMIND_FIRST_RESPONSE = move(
    "remind", OPEN_STATUSES, None, audit="DISPUTE_FIRST_RESPONSE_OVERDUE", event="DisputeFirstResponseOverdue"
)
#: The awaited party has not answered yet: they are reminded.
REMIND_AWAITED_PARTY = move("remind", OPEN_STATUSES, None, audit="DISPUTE_INFO_REMINDER", event="DisputeInfoReminder")


def allowed_targets(source: DisputeStatus) -> frozenset[DisputeStatus]:
    """Every status a dispute in ``source`` may move to."""
    return frozenset(each.target for each in MOVES if source in each.sources and each.target is not None)
