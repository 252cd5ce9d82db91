"""An admin clears a refund hold left in doubt (``POST /api/admin/transactions/{id}/refund-hold/clear``).

An admin's refund holds the transaction (:func:`store.claim_refund`) while its refund intent is at
the gateway; when the gateway's answer was lost, the intent stays ``SENDING`` and the hold stays:
nothing else moves the transaction. Clearing it never refunds anything. It finds out whether the
held refund was made, in this order, and books what it learns:

1. no intent was ever claimed: the gateway was never asked, so it did not refund;
2. the intent ``SUCCEEDED``: the gateway accepted it;
3. the gateway's ``payment/status``: a cancel, or a refunded total that covers what our books hold
   plus the intent, says it refunded; a refunded total that does not, says it did not;
4. otherwise (Jetcheckout's status answer shows no partial refunds) the admin's ``gateway_says``,
   read from the gateway's back office; without it, ``409 REFUND_STATUS_UNKNOWN``.

Refunded: the refund is entered in the books under the intent's id (``REFUND`` or
``PARTIAL_REFUND``, idempotent per refund id) with the hold cleared, and the intent settled. Not
refunded: the hold is cleared (one write conditioned on that very hold, with its audit record) and
the intent forgotten, so a new refund can be asked for (a new intent, a new SMS code). Either way
it needs the admin's ``ADMIN_OVERRIDE`` code for ``REFUND`` of the intent's amount, as the refund did.
"""

from __future__ import annotations

from paylox.audit import audit_record
from paylox.auth import Principal
from paylox.errors import NotFound, SelfAction
from paylox.payments import get_gateway, ledger
from paylox.payments.base import PaymentGateway, RefundMethod, RefundResult
from paylox.transactions import store
from paylox.transactions.errors import NoRefundHold, RefundStatusUnknown
from paylox.transactions.models import TransactionRow
from paylox.transactions.release import amount_to_release, require_admin_override
from paylox.transactions.schemas import ClearRefundHoldRequest
from paylox.transactions.states import OVERRIDES
from paylox.transactions.store import Refund

CLEARED = "TRANSACTION_REFUND_HOLD_CLEARED"


def clear_refund_hold(
    principal: Principal,
    txn_id: str,
    request: ClearRefundHoldRequest,
    otp_token: str | None = None,
    gateway: PaymentGateway | None = None,
) -> TransactionRow:
    """Resolve the refund hold of ``txn_id`` as the admin ``principal`` (see the module)."""
    txn = store.find(txn_id)
    if txn is None:
        raise NotFound("transaction")
    if principal.user_id in (txn.buyer_id, txn.seller_id):
        raise SelfAction()
    intent_id = txn.refund_claim
    if not intent_id:
        raise NoRefundHold()
    held = ledger.intent(intent_id)
    amount = int(held.amount) if held is not None else amount_to_release(txn)
    require_admin_override(principal, txn, "REFUND", amount, otp_token)
    if _refunded(txn, held, request, gateway or get_gateway()):
        return _book(principal, txn, intent_id, amount, request)
    record = audit_record(
        CLEARED,
        txn.id,
        principal.actor,
        before={"refund_claim": intent_id, "amount": amount},
        after={"refunded": False},
        reason=request.reason,
    )
    store.clear_refund_claim(txn, intent_id, record)
    ledger.DynamoRefundLedger().release(intent_id)  # after the hold: a retry of the old intent finds none
    return txn


def _refunded(
    txn: TransactionRow, held: ledger.RefundIntentRow | None, request: ClearRefundHoldRequest, gateway: PaymentGateway
) -> bool:
    """Whether the held refund was made (steps 1 to 4 of the module)."""
    if held is None:
        return False
    if held.status == ledger.SUCCEEDED:
        return True
    order_id = txn.payment.session_id if txn.payment else None
    status = gateway.payment_status(order_id=order_id) if order_id else None  # a failed query: the hold stays
    if status is not None and status.found and status.cancelled:
        return True
    if status is not None and status.found and status.refunded_amount is not None:
        return status.refunded_amount >= int(txn.refunded_amount or 0) + int(held.amount)
    if request.gateway_says is None:
        raise RefundStatusUnknown()
    return request.gateway_says == "REFUNDED"


def _book(
    principal: Principal, txn: TransactionRow, intent_id: str, amount: int, request: ClearRefundHoldRequest
) -> TransactionRow:
    held = ledger.intent(intent_id)
    if held is not None and held.status == ledger.SENDING:
        method: RefundMethod = "cancel" if held.method == "cancel" else "refund"
        ledger.DynamoRefundLedger().settle(RefundResult(intent_id, "succeeded", method, amount))
    move = OVERRIDES["PARTIAL_REFUND" if amount < amount_to_release(txn) else "REFUND"]
    refunded = int(txn.refunded_amount or 0)
    txn = store.record_refund(
        txn,
        principal.actor,
        Refund(intent_id, amount),
        move=move,
        note=request.reason,
        audit_before={"refunded_amount": refunded, "refund_claim": intent_id},
        audit_after={"action": CLEARED, "refunded": True, "amount": amount, "refund_id": intent_id},
        event_extra={"reason": request.reason, "refund_id": intent_id, "refund_amount": amount},
        settles_claim=True,
    )
    if txn.refund_claim:  # the refund was in the books already (its webhook): only the hold is left
        store.release_refund_claim(txn)
    return txn
