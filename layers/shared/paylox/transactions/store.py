"""The stored transactions: the only module that reads or writes :class:`TransactionRow`.

Moves go through :func:`paylox.statemachine.commit_move` with this domain's :data:`MACHINE`; the
refund bookkeeping (``refunds``, ``refunded_amount``, ``refund_ids``) is written here only, by
:func:`record_refund`, whether a refund moves the transaction or not; so are the late payments of
a cancelled transaction and their refunds (``late_payments``, ``late_payment_ids``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pynamodb.attributes import MapAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex

from paylox import clock
from paylox.audit import AuditRecord
from paylox.auth import Actor
from paylox.db import is_condition_failure
from paylox.errors import ConcurrentModification, DomainError
from paylox.events import DomainEvent
from paylox.ids import ID_PATTERN, is_id
from paylox.paging import Keyset
from paylox.statemachine import LOST_RACE, Check, Machine, Move, Put, Update, commit_change, commit_move
from paylox.transactions.errors import DisputeOpen
from paylox.transactions.listing import IndexName, ListPlan
from paylox.transactions.models import FlagEntry, LatePaymentEntry, RefundEntry, TimelineEntry, TransactionRow
from paylox.transactions.states import LATE_PAYMENT, LATE_PAYMENT_REFUND, TxnStatus


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


def find(txn_id: str) -> TransactionRow | None:
    """Any transaction by id, read consistently; None for an id that cannot be one."""
    if not is_id(txn_id, "txn"):
        return None
    try:
        return TransactionRow.get(txn_id, consistent_read=True)
    except TransactionRow.DoesNotExist:
        return None


def insert(txn: TransactionRow, record: AuditRecord, events: Sequence[DomainEvent]) -> None:
    """Store a new transaction (its id must be new) with its audit record and its events, in one
    DynamoDB transaction."""
    creation = Put(txn, TransactionRow.id.does_not_exist())
    commit_change(puts=[creation], audit=[record], events=events, aggregate_id=txn.id)


@dataclass(frozen=True)
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
    items: Sequence[Put | Check] = (),
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
    if refund.refund_id in refund_ids(txn):
        return _move_only(
            txn, actor, move, note=note, items=items, event_extra=event_extra, announced=announced, also=also, **claim
        )
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
            return _move_only(
                txn,
                actor,
                move,
                note=note,
                items=items,
                event_extra=event_extra,
                announced=announced,
                also=also,
                **claim,
            )
        raise


def _move_only(
    txn: TransactionRow,
    actor: Actor,
    move: Move[TxnStatus],
    *,
    note: str | None,
    items: Sequence[Put | Check],
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


@dataclass(frozen=True)
class LatePayment:
    """A payment the provider captured after the transaction was cancelled."""

    payment_id: str
    amount: int  # kuruş
    currency: str
    event_id: str | None = None


def late_payment(txn: TransactionRow, payment_id: str) -> LatePaymentEntry | None:
    """The late payment ``payment_id`` as recorded on ``txn``, if it is."""
    return next((entry for entry in txn.late_payments or [] if entry.payment_id == payment_id), None)


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


def claim_refund(txn: TransactionRow, intent_id: str, sources: frozenset[TxnStatus]) -> None:
    """Hold ``txn`` for the refund ``intent_id`` before the gateway is asked: conditioned on the
    status and version read, so a move made meanwhile (a release, a dispute) wins and nothing is
    refunded; no other move is made until the refund is recorded or :func:`release_refund_claim`."""
    condition = TransactionRow.status.is_in(*sources) & TransactionRow.refund_claim.does_not_exist()
    try:
        txn.update(actions=[TransactionRow.refund_claim.set(intent_id)], condition=condition)
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        txn.refresh(consistent_read=True)
        raise ConcurrentModification(resource="transaction") from exc


def release_refund_claim(txn: TransactionRow) -> None:
    """The gateway surely did not refund: let the transaction move again."""
    txn.update(actions=[TransactionRow.refund_claim.remove()], condition=TransactionRow.refund_claim.exists())


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


#: A party's transactions: newest first, continued after the last transaction id.
NEWEST_FIRST: Keyset[TransactionRow] = Keyset("transactions", key=lambda row: {"id": row.id}, fields={"id": ID_PATTERN})


def page_of_party(user_id: str, limit: int, cursor: str | None) -> tuple[list[TransactionRow], str | None]:
    """``user_id``'s transactions as buyer or seller, newest first, and the cursor of the next page.

    Both indexes are sorted by id (time-sortable), so one cursor continues both. Each index gives
    at most ``limit + 1`` rows; the newest ``limit`` of the union are the page, and a surplus row
    means there is another page. Raises ``InvalidCursor`` for a cursor this list did not issue.
    """
    after = NEWEST_FIRST.after(cursor)
    range_key_condition = TransactionRow.id < after["id"] if after else None
    as_buyer = TransactionRow.by_buyer.query(user_id, range_key_condition, scan_index_forward=False, limit=limit + 1)
    as_seller = TransactionRow.by_seller.query(user_id, range_key_condition, scan_index_forward=False, limit=limit + 1)
    merged = sorted([*as_buyer, *as_seller], key=lambda row: row.id, reverse=True)
    return NEWEST_FIRST.page(merged, limit)


def page_as(
    role: Literal["buyer", "seller"], user_id: str, limit: int, cursor: str | None
) -> tuple[list[TransactionRow], str | None]:
    """``user_id``'s transactions as ``role`` only, newest first: one Query of ``by_buyer`` or
    ``by_seller`` (the same cursors as :func:`page_of_party`)."""
    after = NEWEST_FIRST.after(cursor)
    index = TransactionRow.by_buyer if role == "buyer" else TransactionRow.by_seller
    rows = index.query(
        user_id, TransactionRow.id < after["id"] if after else None, scan_index_forward=False, limit=limit + 1
    )
    return NEWEST_FIRST.page(list(rows), limit)


def newest_as(role: Literal["buyer", "seller"], user_id: str, at_most: int) -> list[tuple[str, int]]:
    """(status, amount) of ``user_id``'s newest ``at_most`` transactions as ``role``, newest first.

    One Query of ``by_buyer``/``by_seller`` projecting two attributes, paged by DynamoDB at 1 MB:
    it reads every one of those items (≈1 read unit per 8 KB eventually consistent), so its cost
    grows with ``at_most``, never with the table."""
    index = TransactionRow.by_buyer if role == "buyer" else TransactionRow.by_seller
    rows = index.query(user_id, scan_index_forward=False, limit=at_most, attributes_to_get=["status", "amount"])
    return [(row.status, int(row.amount)) for row in rows]


def every_transaction() -> Iterator[TransactionRow]:
    """Every transaction, status by status through the ``by_status`` index (never a Scan): for
    recomputing the statistics, which must see the whole history."""
    for status in TxnStatus:
        yield from TransactionRow.by_status.query(status.value)


#: The back office's list: newest first, continued below the last id (every index sorts by id).
ADMIN_LIST: Keyset[TransactionRow] = Keyset(
    "admin-transactions", key=lambda row: {"id": row.id}, fields={"id": ID_PATTERN}
)
#: Rows read per request when a filter may drop most of them: fewer round trips per page.
FILTERED_PAGE_SIZE = 200
_INDEXES: dict[IndexName, GlobalSecondaryIndex[TransactionRow]] = {
    "by_buyer": TransactionRow.by_buyer,
    "by_seller": TransactionRow.by_seller,
    "by_status": TransactionRow.by_status,
    "by_month": TransactionRow.by_month,
}


def page_of_plan(plan: ListPlan, limit: int, after: str | None) -> list[TransactionRow]:
    """Up to ``limit + 1`` rows of ``plan`` (:mod:`paylox.transactions.listing`) below the id
    ``after``, newest first: each group's Queries merged by id, group after group."""
    condition = _id_between(*plan.bounds(after))
    filters = _filter_of(plan)
    page_size = FILTERED_PAGE_SIZE if filters is not None else limit + 1
    rows: list[TransactionRow] = []
    for group in plan.groups:
        wanted = limit + 1 - len(rows)
        found = [
            row
            for source in group
            for row in _INDEXES[source.index].query(
                source.key, condition, filters, scan_index_forward=False, limit=wanted, page_size=page_size
            )
        ]
        rows.extend(sorted(found, key=lambda row: row.id, reverse=True)[:wanted])
        if len(rows) > limit:
            break
    return rows


def _id_between(low: str | None, high: str | None) -> Condition | None:
    if low is not None and high is not None:
        return TransactionRow.id.between(low, high)
    if high is not None:
        return TransactionRow.id <= high
    return TransactionRow.id >= low if low is not None else None


def _filter_of(plan: ListPlan) -> Condition | None:
    conditions: list[Condition] = []
    if plan.statuses:
        conditions.append(TransactionRow.status.is_in(*sorted(plan.statuses)))
    if plan.buyer_id:
        conditions.append(TransactionRow.buyer_id == plan.buyer_id)
    if plan.seller_id:
        conditions.append(TransactionRow.seller_id == plan.seller_id)
    if plan.user_id:
        conditions.append((TransactionRow.buyer_id == plan.user_id) | (TransactionRow.seller_id == plan.user_id))
    if plan.min_amount is not None:
        conditions.append(TransactionRow.amount >= plan.min_amount)
    if plan.max_amount is not None:
        conditions.append(TransactionRow.amount <= plan.max_amount)
    combined: Condition | None = None
    for condition in conditions:
        combined = condition if combined is None else combined & condition
    return combined


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
