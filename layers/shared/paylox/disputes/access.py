"""Who may see and act on a dispute.

- the transaction's buyer and seller read it, post messages and evidence;
- admins and support agents read every dispute, assign it, ask a party for information and post
  messages; only admins resolve. Staff who are a party to a dispute cannot act on it as staff.
- anyone else gets 404, whether or not the dispute exists; a staff-only route refuses a caller
  who is not staff with 403 before it looks at any dispute (``create_app(role=...)``).
"""

from __future__ import annotations

from paylox.auth import Principal
from paylox.disputes import store
from paylox.disputes.errors import ConflictOfInterest
from paylox.disputes.models import DisputeRow
from paylox.disputes.parties import party_of
from paylox.errors import NotFound


def visible(principal: Principal, dispute_id: str) -> DisputeRow:
    """The dispute if the caller is a party or staff; otherwise not found (ids cannot be probed)."""
    row = store.find(dispute_id)
    if row is None or not (principal.is_staff or principal.user_id in (row.buyer_id, row.seller_id)):
        raise NotFound("dispute")
    return row


def require_impartial(principal: Principal, row: DisputeRow) -> None:
    """Staff routes declare their role (``create_app(role=...)``); what depends on the dispute is here."""
    # A staff member who is a party to the dispute speaks as that party, never with staff powers.
    if party_of(row, principal.user_id):
        raise ConflictOfInterest()
