"""One transaction as its reader may see it: parties get the transaction and its timeline; staff
also get the flags raised for them and every payment webhook delivery that named it, which is
what reconciling a payment with the provider needs."""

from __future__ import annotations

from paylox.auth import Principal
from paylox.transactions.schemas import PaymentDeliveryOut, TransactionOut
from paylox.transactions.service import get_for
from paylox.webhooks.store import deliveries_for_transaction


def transaction_details(principal: Principal, txn_id: str) -> TransactionOut:
    txn = get_for(principal, txn_id)
    details = TransactionOut.from_row(txn, with_flags=principal.is_staff)
    if principal.is_staff:
        details.payment_deliveries = [
            PaymentDeliveryOut(
                delivery_id=row.delivery_id,
                received_at=row.received_at,
                route=row.route,
                event_id=row.event_id,
                event_type=row.event_type,
                verification=row.verification,
                outcome=row.outcome,
                detail=row.detail,
                answer_status=int(row.answer_status) if row.answer_status is not None else None,
                confirmation=row.confirmation,
                confirmation_detail=row.confirmation_detail,
            )
            for row in deliveries_for_transaction(txn.id)
        ]
    return details
