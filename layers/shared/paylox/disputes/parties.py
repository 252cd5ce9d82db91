"""Who someone is to a dispute: its buyer, its seller, or neither (staff, the system)."""

from __future__ import annotations

from paylox.auth import Actor
from paylox.disputes.models import DisputeRow, TimelineEntry
from paylox.disputes.states import DisputeStatus, Party


def party_of(row: DisputeRow, user_id: str) -> str | None:
    """``BUYER`` or ``SELLER`` when ``user_id`` is a party to the dispute, else None."""
    if user_id == row.buyer_id:
        return Party.BUYER.value
    if user_id == row.seller_id:
        return Party.SELLER.value
    return None


def role_of(row: DisputeRow, actor: Actor) -> str:
    """How the actor appears on the timeline: ``buyer``/``seller`` for parties, else their role."""
    party = party_of(row, actor.id)
    return party.lower() if party else actor.role


def timeline_entry(
    at: str, status: DisputeStatus, event: str, actor_id: str, role: str, note: str | None = None
) -> TimelineEntry:
    return TimelineEntry(  # type: ignore[no-untyped-call]
        at=at, event=event, status=status.value, actor_id=actor_id, actor_role=role, note=note
    )
