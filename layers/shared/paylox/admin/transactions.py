"""The back office's view of transactions: the list over every transaction, and one transaction
with everything around it (its parties, disputes, evidence and audit trail)."""

from __future__ import annotations

from paylox import clock
from paylox.admin.transaction_schemas import EvidenceDocumentOut, ProfileSummary, TransactionDetailsOut
from paylox.audit import audit_trail
from paylox.audit_review import AuditRecordOut
from paylox.auth import Principal
from paylox.disputes import reading
from paylox.disputes.schemas import DisputeOut, EvidenceOut
from paylox.paging import Page
from paylox.transactions import details, store
from paylox.transactions.listing import ISTANBUL, TxnFilter, plan
from paylox.transactions.schemas import TransactionOut
from paylox.users.service import find_profile


def list_transactions(filters: TxnFilter, limit: int, cursor: str | None) -> Page[TransactionOut]:
    """Transactions matching ``filters``, newest first, keyset-paginated; always a Query on an
    index (``400 INVALID_CURSOR`` for a cursor this list did not issue)."""
    after = store.ADMIN_LIST.after(cursor)
    after_id = after["id"] if after else None
    today = clock.now().astimezone(ISTANBUL).date()
    rows = store.page_of_plan(plan(filters, today, after_id), limit, after_id)
    page, next_cursor = store.ADMIN_LIST.page(rows, limit)
    return Page[TransactionOut](
        items=[TransactionOut.from_row(row, with_timeline=False) for row in page], next_cursor=next_cursor
    )


#: The audit records a transaction's details show (a transaction has a few dozen at most).
AUDIT_SHOWN = 200


def transaction_details(principal: Principal, txn_id: str) -> TransactionDetailsOut:
    """One transaction with everything staff need to judge it (``404`` for an unknown id)."""
    transaction = details.transaction_details(principal, txn_id)
    disputes = reading.disputes_of_transaction(transaction.id)
    return TransactionDetailsOut(
        transaction=transaction,
        buyer=ProfileSummary.of(transaction.buyer_id, find_profile(transaction.buyer_id)),
        seller=ProfileSummary.of(transaction.seller_id, find_profile(transaction.seller_id)),
        disputes=[DisputeOut.from_view(view) for view in disputes],
        documents=[
            EvidenceDocumentOut(
                dispute_id=view.dispute.dispute_id, **EvidenceOut.model_validate(row, from_attributes=True).model_dump()
            )
            for view in disputes
            for row in view.evidence
        ],
        audit=[
            AuditRecordOut.from_record(record)
            for record in audit_trail(transaction.id, limit=AUDIT_SHOWN, newest_first=True)
        ],
    )
