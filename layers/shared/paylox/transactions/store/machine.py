"""How transactions take part in moves: :data:`MACHINE` binds :class:`TransactionRow` to
:func:`paylox.statemachine.commit_move`, and the event payload every transaction event carries.

Part of :mod:`paylox.transactions.store` (import that, not this).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pynamodb.attributes import MapAttribute
from pynamodb.expressions.condition import Condition

from paylox.auth import Actor
from paylox.errors import DomainError
from paylox.statemachine import Machine, Move
from paylox.transactions.errors import DisputeOpen
from paylox.transactions.models import TimelineEntry, TransactionRow
from paylox.transactions.states import TxnStatus


def event_detail(txn: TransactionRow, **extra: Any) -> dict[str, Any]:
    """The payload every transaction event carries: enough for a consumer to act without a read.

    A completed transaction's event also says ``released_amount``: what actually went to the
    seller, the amount less what was refunded (a split, a partial refund before the buyer confirmed).
    """
    released = {"released_amount": released_amount(txn)} if txn.status == TxnStatus.COMPLETED else {}
    return {
        "transaction_id": txn.id,
        "status": txn.status,
        "buyer_id": txn.buyer_id,
        "seller_id": txn.seller_id,
        "amount": int(txn.amount),
        "currency": txn.currency,
        **released,
        **extra,
    }


def released_amount(txn: TransactionRow) -> int:
    """What the escrow holds for the seller: the amount less everything refunded to the buyer."""
    return int(txn.amount) - int(txn.refunded_amount or 0)


def timeline_entry(at: str, status: TxnStatus, event: str, actor: Actor, note: str | None = None) -> TimelineEntry:
    return TimelineEntry(at=at, status=status.value, event=event, actor_id=actor.id, actor_role=actor.role, note=note)


class _Transactions(Machine[TxnStatus, TransactionRow]):
    resource = "transaction"
    domain = "transactions"
    statuses = TxnStatus

    def target_id(self, row: TransactionRow) -> str:
        return row.id

    def timeline_entry(
        self, row: TransactionRow, status: TxnStatus, event: str, actor: Actor, note: str | None, at: str
    ) -> MapAttribute[str, object]:
        return timeline_entry(at, status, event, actor, note)

    def bookkeeping(self, row: TransactionRow, changes: Mapping[str, Any]) -> tuple[dict[str, Any], Condition | None]:
        # While an admin's refund is at the gateway (:func:`claim_refund`) nothing else moves the
        # transaction: only the write that records that refund (and clears the claim) may.
        if "refund_claim" in changes:
            return {}, None
        return {}, TransactionRow.refund_claim.does_not_exist()

    def refine(self, row: TransactionRow, move: Move[TxnStatus], error: DomainError) -> DomainError:
        # An admin override lost to (or met) an open dispute: the dispute decides, say so.
        if row.status == TxnStatus.DISPUTED and move.name.startswith("override_"):
            return DisputeOpen()
        return error

    def event_detail(
        self, row: TransactionRow, actor: Actor, previous: TxnStatus | None, extra: Mapping[str, Any]
    ) -> dict[str, Any]:
        if previous is None:
            return event_detail(row, **extra)
        return event_detail(row, previous_status=previous.value, actor_id=actor.id, **extra)


MACHINE = _Transactions()
