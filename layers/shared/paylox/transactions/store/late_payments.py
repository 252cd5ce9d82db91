"""The late payments of a cancelled transaction and their refunds (``late_payments``,
``late_payment_ids``): written here only.

Part of :mod:`paylox.transactions.store` (import that, not this).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, Literal

from paylox import clock
from paylox.auth import Actor
from paylox.errors import ConcurrentModification
from paylox.events import DomainEvent
from paylox.statemachine import LOST_RACE, commit_move
from paylox.transactions.models import LatePaymentEntry, TransactionRow
from paylox.transactions.states import LATE_PAYMENT, LATE_PAYMENT_REFUND
from paylox.transactions.store.machine import MACHINE
from paylox.values import frozen


@frozen
class LatePayment:
    """A payment the provider captured after the transaction was cancelled."""

    payment_id: str
    amount: int  # kuruş
    currency: str
    event_id: str | None = None


def late_payment(txn: TransactionRow, payment_id: str) -> LatePaymentEntry | None:
    """The late payment ``payment_id`` as recorded on ``txn``, if it is."""
    return next((entry for entry in txn.late_payments or [] if entry.payment_id == payment_id), None)


#: How long one attempt holds a late payment's refund before another delivery may take it over
#: (longer than a webhook function may run).
LEASE_SECONDS = 60
RefundState = Literal["REFUNDED", "IN_PROGRESS", "DUE"]


def refund_states(txn: TransactionRow) -> dict[str, RefundState]:
    """Where the refund of each late payment of ``txn`` stands, by payment id."""
    return {entry.payment_id: _state(entry) for entry in txn.late_payments or []}


def _state(entry: LatePaymentEntry) -> RefundState:
    if entry.refund_id:
        return "REFUNDED"
    held_since = clock.now() - timedelta(seconds=LEASE_SECONDS)
    if entry.attempted_at and entry.attempted_at > clock.isoformat(held_since):
        return "IN_PROGRESS"
    return "DUE"


def claim_late_refund(txn: TransactionRow, actor: Actor, payment: LatePayment) -> TransactionRow:
    """Decide to refund ``payment`` and claim this attempt, in one conditional write (the marker).

    The first claim is conditioned on the payment id not being recorded yet, later ones (after a
    failed attempt) on the version read: of two deliveries racing, one claims and the other loses
    the race (re-read: the refund is under way). Audited as ``TRANSACTION_LATE_PAYMENT``.
    """
    now = clock.now_iso()
    entries = list(txn.late_payments or [])
    found = late_payment(txn, payment.payment_id)
    if found is None:
        claimed = LatePaymentEntry(
            payment_id=payment.payment_id,
            amount=payment.amount,
            currency=payment.currency,
            received_at=now,
            event_id=payment.event_id,
            attempts=1,
            attempted_at=now,
        )
        changes: dict[str, Any] = {
            "late_payments": [*entries, claimed],
            "late_payment_ids": set(txn.late_payment_ids or ()) | {payment.payment_id},
        }
        condition = ~TransactionRow.late_payment_ids.contains(payment.payment_id)
    else:
        claimed = _entry_with(found, attempts=int(found.attempts or 0) + 1, attempted_at=now)
        changes, condition = {"late_payments": _replaced(entries, claimed)}, None
    after = {"payment_id": payment.payment_id, "amount": payment.amount, "attempt": int(claimed.attempts)}
    return commit_move(
        MACHINE,
        txn,
        LATE_PAYMENT,
        actor,
        note=payment.payment_id,
        changes=changes,
        condition=condition,
        audit_after=after,
    )


def record_late_refund(
    txn: TransactionRow,
    actor: Actor,
    payment_id: str,
    refund_id: str,
    *,
    also: Sequence[DomainEvent] = (),
    event_extra: Mapping[str, Any] | None = None,
) -> TransactionRow:
    """Enter the gateway's ``refund_id`` for the late payment ``payment_id`` and announce it
    (``TransactionLatePaymentRefunded`` and ``also``). A lost race (a flag written meanwhile) is
    re-read and written again; a refund already recorded is not recorded twice."""
    for _ in range(3):
        found = late_payment(txn, payment_id)
        assert found is not None  # claimed before the gateway was asked
        if found.refund_id:
            return txn
        done = _entry_with(found, refund_id=refund_id, refunded_at=clock.now_iso(), attempted_at=None)
        try:
            return commit_move(
                MACHINE,
                txn,
                LATE_PAYMENT_REFUND,
                actor,
                note=refund_id,
                changes={"late_payments": _replaced(list(txn.late_payments or []), done)},
                audit_after={"payment_id": payment_id, "refund_id": refund_id, "amount": int(found.amount)},
                also=also,
                event_extra=event_extra,
            )
        except LOST_RACE:
            continue  # ``txn`` was re-read
    raise ConcurrentModification(resource="transaction")


def release_late_refund(txn: TransactionRow, payment_id: str) -> None:
    """The attempt failed: let the next delivery of the payment's webhook try again at once."""
    found = late_payment(txn, payment_id)
    if found is None or found.refund_id:
        return
    released = _entry_with(found, attempted_at=None)
    txn.update(actions=[TransactionRow.late_payments.set(_replaced(list(txn.late_payments or []), released))])


def _entry_with(entry: LatePaymentEntry, **changes: Any) -> LatePaymentEntry:
    return LatePaymentEntry(**{**entry.as_dict(), **changes})  # type: ignore[no-untyped-call]


def _replaced(entries: list[LatePaymentEntry], entry: LatePaymentEntry) -> list[LatePaymentEntry]:
    return [entry if other.payment_id == entry.payment_id else other for other in entries]
