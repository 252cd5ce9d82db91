"""Reading disputes: one dispute with its messages and evidence, and the back office's list."""

from __future__ import annotations

from paylox.auth import Principal
from paylox.disputes import store
from paylox.disputes.access import visible
from paylox.disputes.models import DisputeRow
from paylox.disputes.schemas import DisputeSummary, DisputeView
from paylox.disputes.states import DisputeStatus
from paylox.paging import Page


def get_dispute(principal: Principal, dispute_id: str) -> DisputeView:
    """The dispute as its parties and staff see it."""
    return view_of(visible(principal, dispute_id))


def view_of(row: DisputeRow) -> DisputeView:
    """``row`` with its messages and evidence."""
    return DisputeView(row, store.messages(row.dispute_id), store.evidence(row.dispute_id))


def list_disputes(
    *, status: DisputeStatus | None, assigned_to: str | None, limit: int, cursor: str | None
) -> Page[DisputeSummary]:
    """The back office's list (a staff route), newest first, keyset-paginated."""
    rows, next_cursor = store.page(
        status=status.value if status else None, assigned_to=assigned_to, limit=limit, cursor=cursor
    )
    return Page[DisputeSummary](items=[DisputeSummary.from_row(row) for row in rows], next_cursor=next_cursor)


def disputes_of_transaction(transaction_id: str) -> list[DisputeView]:
    """Every dispute of a transaction with its messages and evidence, newest first (the back
    office's transaction details; staff only, so no access check here)."""
    return [view_of(row) for row in store.of_transaction(transaction_id)]
