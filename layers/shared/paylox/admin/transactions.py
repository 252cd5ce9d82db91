"""The back office's view of one transaction with everything around it (its parties, disputes,
evidence and audit trail); the list over every transaction is :mod:`paylox.admin.transaction_list`."""

from __future__ import annotations

# The list lives apart so that its route loads none of the details' views; bench/ and older
# callers still find it here.
from paylox.admin.transaction_schemas import EvidenceDocumentOut, ProfileSummary, TransactionDetailsOut
from paylox.audit import audit_trail
from paylox.audit_review import AuditRecordOut
from paylox.auth import Principal
from paylox.disputes import reading
from paylox.disputes.schemas import DisputeOut, EvidenceOut
from paylox.transactions import details
from paylox.users.service import find_profile

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
