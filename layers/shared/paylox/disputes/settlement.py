"""Deciding a dispute and moving its money.

An admin decides (final), then the money follows: released to the seller, refunded to the buyer
through the gateway, or split (a partial refund, the rest to the seller). The decision is the
conditional write, so two admins never both decide. Moving the money comes after it; should that
fail, the dispute stays ``RESOLVED`` with its settlement ``PENDING`` and the scheduled function
(:mod:`paylox.disputes.sla`) retries it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from paylox import clock
from paylox.auth import Actor, Principal
from paylox.disputes import store
from paylox.disputes.access import require_impartial, visible
from paylox.disputes.assignment import NOT_AWAITING
from paylox.disputes.deadlines import later
from paylox.disputes.errors import InvalidSplitAmount
from paylox.disputes.models import DisputeRow, Resolution
from paylox.disputes.reading import view_of
from paylox.disputes.schemas import DisputeView, ResolveRequest
from paylox.disputes.states import RESOLVE, SETTLE, Outcome
from paylox.errors import InvalidState
from paylox.observability import logger, metrics
from paylox.payments import get_gateway
from paylox.payments.base import PaymentGateway
from paylox.statemachine import LOST_RACE, require_source
from paylox.transactions import states as txn_states
from paylox.transactions.errors import SellerSuspended
from paylox.transactions.gateway_refunds import refund_request
from paylox.transactions.models import TransactionRow
from paylox.transactions.service import find_transaction, refund_in_full, release, require_payable_seller
from paylox.transactions.states import TxnStatus
from paylox.transactions.store import Refund

PENDING, SETTLED = "PENDING", "SETTLED"


def resolve(
    principal: Principal, dispute_id: str, request: ResolveRequest, gateway: PaymentGateway | None = None
) -> DisputeView:
    """An admin decides, then the money follows (see the module's docstring)."""
    row = visible(principal, dispute_id)
    require_impartial(principal, row)
    require_source(store.MACHINE, row, RESOLVE)
    txn = find_transaction(row.transaction_id)
    assert txn is not None  # a dispute exists only for a transaction
    refundable = int(txn.amount) - int(txn.refunded_amount or 0)
    buyer_amount = {
        Outcome.RELEASE_TO_SELLER: 0,
        Outcome.REFUND_TO_BUYER: refundable,
        Outcome.SPLIT: request.buyer_amount or 0,
    }[request.outcome]
    if request.outcome is Outcome.SPLIT and not 0 < buyer_amount < refundable:
        raise InvalidSplitAmount(refundable=refundable)
    if request.outcome is not Outcome.REFUND_TO_BUYER:
        require_payable_seller(txn)  # nothing is decided while the seller cannot be paid
    now = clock.now()
    resolution = Resolution(  # type: ignore[no-untyped-call]
        outcome=request.outcome.value,
        buyer_amount=buyer_amount,
        seller_amount=refundable - buyer_amount,
        note=request.note,
        resolved_by=principal.user_id,
        resolved_at=clock.isoformat(now),
        settlement=PENDING,
        settlement_attempts=1,
    )
    changes = {"resolution": resolution, "settlement_due_at": settlement_retry_at(1, now), **NOT_AWAITING}
    # Announced once the money has moved (the settlement's event), not at the decision.
    store.apply_move(row, RESOLVE, principal.actor, changes, note=request.note, announced=False)
    try_settle(row, principal.actor, gateway)
    return view_of(row)


def settlement_retry_at(attempt: int, now: datetime) -> str:
    """When a settlement is tried again after ``attempt`` tries: 5 minutes, doubling, at most 6 h."""
    return later(now, min(5 * 2 ** (attempt - 1), 360) / 60)


def try_settle(row: DisputeRow, actor: Actor, gateway: PaymentGateway | None = None) -> bool:
    """Move the money of a resolved dispute; on failure leave it to the scheduled retry."""
    try:
        settle(row, actor, gateway or get_gateway())
        return True
    except SellerSuspended:
        logger.warning("dispute settlement held: the seller is suspended", extra={"dispute_id": row.dispute_id})
        metrics.add_metric(name="DisputeSettlementHeld", unit="Count", value=1)
        return False
    except Exception:  # the provider or DynamoDB failed: the settlement stays due and is retried
        logger.exception("dispute settlement failed", extra={"dispute_id": row.dispute_id})
        metrics.add_metric(name="DisputeSettlementFailures", unit="Count", value=1)
        return False


def settle(row: DisputeRow, actor: Actor, gateway: PaymentGateway) -> None:
    """Refund (if the outcome returns money to the buyer), move the transaction, mark the
    resolution settled and announce it. Each step checks whether it already happened, so a retry
    after a failure part-way never refunds or moves twice; the refund's intent id is the dispute's,
    and the gateway client never sends an intent twice (a refund whose answer was lost stays in
    doubt for staff instead of being retried: ``REFUND_IN_DOUBT``)."""
    resolution = row.resolution
    assert resolution is not None
    if resolution.settlement == SETTLED:
        return
    txn = find_transaction(row.transaction_id)
    assert txn is not None
    outcome = Outcome(resolution.outcome)
    move = txn_states.REFUND if outcome is Outcome.REFUND_TO_BUYER else txn_states.RELEASE
    if txn.status == TxnStatus.DISPUTED:
        if move is txn_states.RELEASE:
            # Suspended after the decision: neither share moves until the suspension is lifted
            # (the settlement stays due and is retried).
            require_payable_seller(txn)
        resolution = _refund(row, txn, resolution, gateway)
        try:
            _move_the_money(row, txn, outcome, int(resolution.buyer_amount), resolution.refund_id, actor)
        except InvalidState:
            if txn.status != move.target:  # not a concurrent settlement (or the provider) that got there first
                raise
    elif txn.status != move.target:
        raise InvalidState(resource="transaction", current_status=txn.status, action=move.name)
    _mark_settled(row, resolution, outcome, actor)


def _refund(row: DisputeRow, txn: TransactionRow, resolution: Resolution, gateway: PaymentGateway) -> Resolution:
    """Ask the gateway for the buyer's share, once, and keep the refund id on the resolution."""
    refund_amount = int(resolution.buyer_amount)
    if not refund_amount or resolution.refund_id:
        return resolution
    refund = gateway.refund(refund_request(txn, refund_amount, intent_id=f"dispute-refund-{row.dispute_id}"))
    store.commit(row, {"resolution": resolution_with(resolution, refund_id=refund.refund_id)}, None, clock.now_iso())
    assert row.resolution is not None
    return row.resolution


def _move_the_money(
    row: DisputeRow, txn: TransactionRow, outcome: Outcome, refund_amount: int, refund_id: str | None, actor: Actor
) -> None:
    """The transaction's move, with the refund in its books so that the provider's later
    ``payment.refunded`` for it is recognised as already recorded."""
    if outcome is Outcome.REFUND_TO_BUYER:
        assert refund_id is not None
        refund_in_full(txn, actor, refund_id=refund_id, amount=refund_amount)
        return
    refund = Refund(refund_id, refund_amount) if refund_amount and refund_id else None
    release(
        txn,
        actor,
        note=f"{row.dispute_id} {outcome.value}",
        refund=refund,
        # ``released_amount`` is the event's own: what is left once the refund is in the books,
        # whoever recorded it first.
        event_extra={
            "dispute_id": row.dispute_id,
            **({"refund_id": refund_id, "refund_amount": refund_amount} if refund_amount else {}),
        },
    )


def _mark_settled(row: DisputeRow, resolution: Resolution, outcome: Outcome, actor: Actor) -> None:
    settled = resolution_with(resolution, settlement=SETTLED, settled_at=clock.now_iso())
    try:
        store.apply_move(
            row,
            SETTLE,
            actor,
            {"resolution": settled, "settlement_due_at": None},
            note=resolution.refund_id,
            audit_before={"settlement": PENDING},
            audit_after={"settlement": SETTLED},
            event_extra={
                "outcome": outcome.value,
                "buyer_amount": int(settled.buyer_amount),
                "seller_amount": int(settled.seller_amount),
                "note": settled.note,
                "refund_id": settled.refund_id,
            },
        )
    except LOST_RACE:
        if row.resolution is not None and row.resolution.settlement == SETTLED:
            return  # another run finished it (``row`` was re-read)
        raise


def resolution_with(resolution: Resolution, **changes: Any) -> Resolution:
    """A copy of ``resolution`` with ``changes``."""
    return Resolution(**{**resolution.as_dict(), **changes})  # type: ignore[no-untyped-call]
