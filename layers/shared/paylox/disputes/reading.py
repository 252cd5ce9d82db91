"""Reading disputes: one dispute with its messages and evidence, and the back office's list."""

from __future__ import annotations

from paylox.auth import Principal
from paylox.disputes import store
from paylox.disputes.access import visible
from paylox.disputes.errors import StaffOnly
from paylox.disputes.models import DisputeRow
from paylox.disputes.schemas import DisputeView
from paylox.disputes.states import DisputeStatus
from paylox.ids import is_id
from paylox.transactions.errors import InvalidCursor


def get_dispute(principal: Principal, dispute_id: str) -> DisputeView:
    """The dispute as its parties and staff see it."""
    return view_of(visible(principal, dispute_id))


def view_of(row: DisputeRow) -> DisputeView:
    """``row`` with its messages and evidence."""
    return DisputeView(row, store.messages(row.dispute_id), store.evidence(row.dispute_id))


def list_disputes(
    principal: Principal,
    *,
    status: DisputeStatus | None,
    assigned_to: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[DisputeRow], str | None]:
    """The back office's list, newest first, keyset-paginated by dispute id."""
    if not principal.is_staff:
        raise StaffOnly()
    if cursor is not None and not is_id(cursor, "dsp"):
        raise InvalidCursor()
    rows, more = store.page(
        status=status.value if status else None, assigned_to=assigned_to, limit=limit, before=cursor
    )
    return rows, rows[-1].dispute_id if more and rows else None
