"""The refund bookkeeping of a transaction (``refunds``, ``refunded_amount``, ``refund_ids``):
written here only, by :func:`record_refund`, whether a refund moves the transaction or not.

Part of :mod:`paylox.transactions.store` (import that, not this).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from paylox import clock
from paylox.auth import Actor
from paylox.events import DomainEvent
from paylox.statemachine import LOST_RACE, Item, Move, commit_move
from paylox.transactions.models import RefundEntry, TransactionRow
from paylox.transactions.states import TxnStatus
from paylox.transactions.store.machine import MACHINE
from paylox.values import frozen


@frozen
class Refund:
    """Money the provider returned to the buyer, in kuruş, under the provider's refund id."""

    refund_id: str
    amount: int
    event_id: str | None = None  # the webhook event that reported it


def refund_ids(txn: TransactionRow) -> frozenset[str]:
    """The refunds already in the transaction's books."""
    return frozenset(txn.refund_ids or ()) | frozenset(entry.refund_id for entry in txn.refunds or [])


def record_refund(
    txn: TransactionRow,
    actor: Actor,
    refund: Refund,
    *,
    move: Move[TxnStatus],
    note: str | None = None,
    items: Sequence[Item] = (),
    audit_before: Mapping[str, Any] | None = None,
    audit_after: Mapping[str, Any] | None = None,
    event_extra: Mapping[str, Any] | None = None,
    announced: bool = True,
    also: Sequence[DomainEvent] = (),
    settles_claim: bool = False,
) -> TransactionRow:
    """Enter ``refund`` in the transaction's books together with ``move`` (``REFUND``,
    ``RELEASE`` of a split, or ``PARTIAL_REFUND``, which keeps the status); ``items`` are written
    or checked with it (:func:`~paylox.statemachine.commit_move`); ``settles_claim``: it is the
    refund :func:`claim_refund` held the transaction for, and the claim is cleared.

    Idempotent per ``refund_id``, at the write: the write is conditioned on the id not being
    recorded yet, so the amount is never counted twice, even by a repeat racing the first. When the
    refund is already in the books (the provider's ``payment.refunded`` got there first, or a
    concurrent call did) the move it came with is still made, without the refund (see
    :func:`_move_only`). Any other lost race raises as :func:`~paylox.statemachine.commit_move` does.
    """
    claim = {"refund_claim": None} if settles_claim else {}

    def booked_already() -> TransactionRow:
        return _move_only(
            txn, actor, move, note=note, items=items, event_extra=event_extra, announced=announced, also=also, **claim
        )

    if refund.refund_id in refund_ids(txn):
        return booked_already()
    entry = RefundEntry(refund_id=refund.refund_id, amount=refund.amount, at=clock.now_iso(), event_id=refund.event_id)
    changes = {
        "refunded_amount": int(txn.refunded_amount or 0) + refund.amount,
        "refunds": [*(txn.refunds or []), entry],
        "refund_ids": set(refund_ids(txn) | {refund.refund_id}),
        **claim,
    }
    try:
        return commit_move(
            MACHINE,
            txn,
            move,
            actor,
            note=note,
            changes=changes,
            condition=~TransactionRow.refund_ids.contains(refund.refund_id),
            items=items,
            audit_before=audit_before,
            audit_after=audit_after,
            event_extra=event_extra,
            announced=announced,
            also=also,
        )
    except LOST_RACE:
        if refund.refund_id in refund_ids(txn):  # ``txn`` was re-read: the same refund got there first
            return booked_already()
        raise


def _move_only(
    txn: TransactionRow,
    actor: Actor,
    move: Move[TxnStatus],
    *,
    note: str | None,
    items: Sequence[Item],
    event_extra: Mapping[str, Any] | None,
    announced: bool,
    also: Sequence[DomainEvent] = (),
    **changes: Any,
) -> TransactionRow:
    """The refund is in the books already: make ``move`` alone, unless it keeps the status (a
    partial refund, nothing left to do) or the transaction already made it (a repeat)."""
    if move.target is None or txn.status == move.target:
        return txn
    return commit_move(
        MACHINE,
        txn,
        move,
        actor,
        note=note,
        changes=changes,
        items=items,
        event_extra=event_extra,
        announced=announced,
        also=also,
    )
