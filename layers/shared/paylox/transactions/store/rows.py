"""Single transactions by id: read, created, flagged, held for a refund at the gateway.

Part of :mod:`paylox.transactions.store` (import that, not this).
"""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from paylox.audit import AuditRecord
from paylox.db import is_condition_failure
from paylox.errors import ConcurrentModification
from paylox.events import DomainEvent
from paylox.ids import is_id
from paylox.statemachine import Claim, Put, Update, commit_change, commit_claiming
from paylox.transactions.models import FlagEntry, TransactionRow
from paylox.transactions.states import TxnStatus
from paylox.writes import refusal_of


def find(txn_id: str) -> TransactionRow | None:
    """Any transaction by id, read consistently; None for an id that cannot be one."""
    if not is_id(txn_id, "txn"):
        return None
    try:
        return TransactionRow.get(txn_id, consistent_read=True)
    except TransactionRow.DoesNotExist:
        return None


def insert(txn: TransactionRow, record: AuditRecord, events: Sequence[DomainEvent], quota: Claim) -> None:
    """Store a new transaction (its id must be new) with its audit record and its events, in one
    DynamoDB transaction that also makes ``quota`` (the caller's hourly count): its refusal is
    raised when the quota is used up, and nothing is stored."""
    creation = Put(txn, TransactionRow.id.does_not_exist())
    commit_claiming(
        lambda: commit_change(puts=[creation], audit=[record], events=events, aggregate_id=txn.id, claims=[quota]),
        [quota],
    )


def claim_refund(
    txn: TransactionRow, intent_id: str, sources: frozenset[TxnStatus], approval: Claim | None = None
) -> None:
    """Hold ``txn`` for the refund ``intent_id`` before the gateway is asked: conditioned on the
    status and version read, so a move made meanwhile (a release, a dispute) wins and nothing is
    refunded; no other move is made until the refund is recorded or :func:`release_refund_claim`.
    ``approval`` (an admin's token) is made by the same write, and its refusal told first."""
    condition = TransactionRow.status.is_in(*sources) & TransactionRow.refund_claim.does_not_exist()
    hold: list[Action] = [TransactionRow.refund_claim.set(intent_id)]
    try:
        if approval is None:
            txn.update(actions=hold, condition=condition)
        else:
            commit_change(updates=[Update(txn, hold, condition)], claims=[approval])
            txn.refund_claim = intent_id
    except (UpdateError, TransactWriteError) as exc:
        if not is_condition_failure(exc):
            raise
        refused = refusal_of(exc, [approval]) if approval is not None else None
        if refused is not None:
            raise refused from exc
        txn.refresh(consistent_read=True)
        raise ConcurrentModification(resource="transaction") from exc


def release_refund_claim(txn: TransactionRow) -> None:
    """The gateway surely did not refund: let the transaction move again."""
    txn.update(actions=[TransactionRow.refund_claim.remove()], condition=TransactionRow.refund_claim.exists())


def clear_refund_claim(txn: TransactionRow, intent_id: str, record: AuditRecord) -> None:
    """Free ``txn`` from the hold of ``intent_id`` (the gateway did not refund), with its audit
    record, in one write conditioned on that very hold: of two clearings one wins, the other
    raises ``ConcurrentModification``."""
    freeing = Update(txn, [TransactionRow.refund_claim.remove()], condition=TransactionRow.refund_claim == intent_id)
    try:
        commit_change(updates=[freeing], audit=[record], aggregate_id=txn.id)
    except TransactWriteError as exc:
        if not is_condition_failure(exc):
            raise
        raise ConcurrentModification(resource="transaction") from exc
    txn.refresh(consistent_read=True)


def add_flag(
    txn: TransactionRow, entry: FlagEntry, record: AuditRecord, events: Sequence[DomainEvent] = ()
) -> TransactionRow:
    """Attach ``entry`` for staff, with its audit record and ``events`` in one DynamoDB transaction. Never
    changes the status or the money and must not be lost to a concurrent move, so it is written
    without the version condition."""
    flagging = Update(txn, [TransactionRow.flags.set((TransactionRow.flags | []).append([entry]))], versioned=False)
    commit_change(updates=[flagging], audit=[record], events=events, aggregate_id=txn.id)
    txn.flags = [*(txn.flags or []), entry]
    return txn


def unchanged_since(status: TxnStatus, before: str, limit: int) -> list[str]:
    """Ids of up to ``limit`` transactions in ``status`` not moved since ``before`` (ISO time),
    oldest first: a Query of the status's ``by_status`` partition (for PAYMENT_PENDING, only the
    payments in flight), the time as a filter."""
    rows = TransactionRow.by_status.query(
        status.value, filter_condition=TransactionRow.updated_at < before, limit=limit, attributes_to_get=["id"]
    )
    return [row.id for row in rows]
