"""An admin overrides a transaction's state: a lost webhook, a stuck payment, a deal to unwind.

Each override is one move of :data:`~paylox.transactions.states.OVERRIDES`, committed by
:func:`paylox.statemachine.commit_move` as one conditional write with its timeline entry (the admin,
the reason), its audit record (before, after, reason), the move's usual event and
``TransactionOverridden`` (emails to both parties). Checked in this order, so that a refused
override spends no SMS code and moves no money:

1. the transaction exists (404), is not the admin's own (``403 SELF_ACTION``), is not DISPUTED
   (``409 DISPUTE_OPEN``: the dispute decides) and is in a state the action leaves from
   (``409 INVALID_STATE``);
2. ``RELEASE`` and ``REFUND`` move money: the admin's own ``ADMIN_OVERRIDE`` token bound to this
   transaction, action and amount (``403 OTP_REQUIRED``), used up here;
3. ``MARK_FUNDED`` asks the gateway first: unless it says the payment was taken, for the
   transaction's amount, ``409 PAYMENT_NOT_CONFIRMED``;
4. ``REFUND`` goes through the gateway under a refund intent named by the transaction and the
   version read, so two racing refunds are one refund, recorded once.

``RELEASE`` is allowed while the seller is suspended: holding the money for an admin to decide is
what the suspension does, and this is that decision.
"""

from __future__ import annotations

from typing import Any

from paylox.auth import Principal
from paylox.errors import NotFound, SelfAction
from paylox.events import DomainEvent
from paylox.payments import get_gateway
from paylox.payments.base import PaymentGateway
from paylox.payments.errors import PaymentNotFound, PaymentRejected, RefundExceedsCaptured
from paylox.statemachine import Item, Move, commit_move, require_source
from paylox.transactions import store
from paylox.transactions.errors import DisputeOpen, InvalidRefundAmount, PaymentNotConfirmed
from paylox.transactions.gateway_refunds import refund_request
from paylox.transactions.models import PaymentInfo, TransactionRow
from paylox.transactions.release import admin_override_claim, amount_to_release, require_admin_override
from paylox.transactions.schemas import OverrideRequest
from paylox.transactions.states import OVERRIDES, TxnStatus
from paylox.transactions.store import Refund, event_detail

OVERRIDDEN_EVENT = "TransactionOverridden"
#: The gateway's answers that say nothing was refunded (anything else may have refunded).
SURELY_NOT_REFUNDED = (PaymentRejected, PaymentNotFound, RefundExceedsCaptured)


def override(
    principal: Principal,
    txn_id: str,
    request: OverrideRequest,
    otp_token: str | None = None,
    gateway: PaymentGateway | None = None,
) -> TransactionRow:
    """Apply ``request`` to the transaction ``txn_id`` as the admin ``principal`` (see the module)."""
    txn = store.find(txn_id)
    if txn is None:
        raise NotFound("transaction")
    move, amount = _possible(principal, txn, request)
    if request.action == "REFUND":
        return _refund(principal, txn, move, request, amount, gateway or get_gateway(), otp_token)
    items: list[Item] = []
    if request.action == "RELEASE":  # its token is used up by the release's own transaction
        items.append(admin_override_claim(principal, txn, request.action, amount, otp_token))
    changes: dict[str, Any] = {}
    if request.action == "MARK_FUNDED":
        changes["payment"] = _confirmed_payment(txn, request, gateway or get_gateway())
    elif request.action == "MARK_FAILED":
        changes["payment"] = _payment_with(txn, failure_reason="admin override")
    return _commit(principal, txn, move, request, amount, changes, items)


def _possible(principal: Principal, txn: TransactionRow, request: OverrideRequest) -> tuple[Move[TxnStatus], int]:
    """The move ``request`` makes and the amount it moves, if it may be made now (step 1)."""
    if principal.user_id in (txn.buyer_id, txn.seller_id):
        raise SelfAction()
    if txn.status == TxnStatus.DISPUTED:
        raise DisputeOpen()
    require_source(store.MACHINE, txn, OVERRIDES[request.action])
    amount = _amount(txn, request)
    return OVERRIDES["PARTIAL_REFUND" if amount < amount_to_release(txn) else request.action], amount


def _amount(txn: TransactionRow, request: OverrideRequest) -> int:
    """What the override moves: a refund's amount (at most what is left in escrow), else all of it."""
    refundable = amount_to_release(txn)
    if request.amount is None:
        return refundable
    if not 0 < request.amount <= refundable:
        raise InvalidRefundAmount(refundable=refundable)
    return request.amount


def _commit(
    principal: Principal,
    txn: TransactionRow,
    move: Move[TxnStatus],
    request: OverrideRequest,
    amount: int,
    changes: dict[str, Any],
    items: list[Item],
) -> TransactionRow:
    payment = changes.get("payment")
    payment_id = payment.payment_id if isinstance(payment, PaymentInfo) else None
    return commit_move(
        store.MACHINE,
        txn,
        move,
        principal.actor,
        note=request.reason,
        changes=changes,
        items=items,
        also=[_overridden(principal, txn, move, request, amount)],
        audit_after={"action": request.action, "amount": amount, **({"payment_id": payment_id} if payment_id else {})},
        event_extra={
            "reason": request.reason,
            "override": request.action,
            **({"payment_id": payment_id} if payment_id else {}),
        },
    )


def _refund(
    principal: Principal,
    txn: TransactionRow,
    move: Move[TxnStatus],
    request: OverrideRequest,
    amount: int,
    gateway: PaymentGateway,
    otp_token: str | None,
) -> TransactionRow:
    """Hold the transaction for the refund (:func:`store.claim_refund`: a move made meanwhile
    wins, and nothing is refunded), refund ``amount`` through the gateway, then enter it in the
    books with the move, which clears the hold. A gateway that surely refunded nothing frees the
    hold; one whose answer was lost keeps it: in doubt, nothing else moves until staff check."""
    # A repeat of a refund left in doubt asks for the same intent (the gateway's ledger answers).
    intent_id = txn.refund_claim or f"override-refund-{txn.id}-v{int(txn.version or 0)}"
    if not txn.refund_claim:  # the admin's token is used up by the hold's own write
        approval = admin_override_claim(principal, txn, "REFUND", amount, otp_token)
        store.claim_refund(txn, intent_id, move.sources, approval)
    else:  # a repeat of a refund left in doubt: held already, the token is used up by itself
        require_admin_override(principal, txn, "REFUND", amount, otp_token)
    try:
        result = gateway.refund(refund_request(txn, amount, intent_id=intent_id))
    except SURELY_NOT_REFUNDED:
        store.release_refund_claim(txn)
        raise
    refunded = int(txn.refunded_amount or 0)
    txn = store.record_refund(
        txn,
        principal.actor,
        Refund(result.refund_id, amount),
        move=move,
        note=request.reason,
        audit_before={"refunded_amount": refunded},
        audit_after={"action": "REFUND", "amount": amount, "refund_id": result.refund_id},
        event_extra={
            "reason": request.reason,
            "override": "REFUND",
            "refund_id": result.refund_id,
            "refund_amount": amount,
            "refunded_amount": refunded + amount,
        },
        also=[_overridden(principal, txn, move, request, amount)],
        settles_claim=True,
    )
    if txn.refund_claim:  # recorded before us (the provider's webhook): nothing left to write but the claim
        store.release_refund_claim(txn)
    return txn


def _confirmed_payment(txn: TransactionRow, request: OverrideRequest, gateway: PaymentGateway) -> PaymentInfo:
    """The payment as the gateway confirms it: taken, not cancelled, for the transaction's amount."""
    order_id = txn.payment.session_id if txn.payment else None
    status = gateway.payment_status(order_id=order_id) if order_id else None
    if status is None or not status.paid or status.amount not in (None, int(txn.amount)):
        raise PaymentNotConfirmed()
    payment_id = (
        request.payment_id or status.gateway_transaction_id or (txn.payment.payment_id if txn.payment else None)
    )
    return _payment_with(txn, payment_id=payment_id, failure_reason=None)


def _payment_with(txn: TransactionRow, **changes: Any) -> PaymentInfo:
    return PaymentInfo(**{**(txn.payment.as_dict() if txn.payment else {}), **changes})


def _overridden(
    principal: Principal, txn: TransactionRow, move: Move[TxnStatus], request: OverrideRequest, amount: int
) -> DomainEvent:
    """``TransactionOverridden``: who overrode what, why; built before the move, so it names both
    states itself."""
    detail = {
        **event_detail(txn),
        "status": (move.target or TxnStatus(txn.status)).value,
        "previous_status": txn.status,
        "action": request.action,
        "reason": request.reason,
        "actor_id": principal.user_id,
        "amount_moved": amount,
    }
    return DomainEvent(OVERRIDDEN_EVENT, detail, "transactions")
