"""Escrow transactions: creating them, reading them, and moving them through the state machine.

Every move is one conditional write (current status and version) that also appends to the
timeline; then an audit record is written and a domain event published. Two racing requests
never both win: the loser re-reads and gets ``INVALID_STATE`` for the state it lost to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from paylox import clock
from paylox.audit import write_audit
from paylox.auth import Actor, Principal
from paylox.db import is_condition_failure
from paylox.errors import ConcurrentModification, InvalidState, NotFound
from paylox.events import publish
from paylox.ids import ID_PATTERN, is_id, new_id
from paylox.paging import Keyset, Page
from paylox.payments import get_gateway
from paylox.payments.base import PaymentSession
from paylox.transactions import states
from paylox.transactions.errors import SellerIsBuyer, WrongParty
from paylox.transactions.models import FlagEntry, PaymentInfo, RefundEntry, TimelineEntry, TransactionRow
from paylox.transactions.schemas import CreateTransactionRequest, TransactionOut
from paylox.transactions.states import Move, TxnStatus


def event_detail(txn: TransactionRow, **extra: Any) -> dict[str, Any]:
    """The payload every transaction event carries: enough for a consumer to act without a read."""
    return {
        "transaction_id": txn.id,
        "status": txn.status,
        "buyer_id": txn.buyer_id,
        "seller_id": txn.seller_id,
        "amount": int(txn.amount),
        "currency": txn.currency,
        **extra,
    }


def create_transaction(principal: Principal, request: CreateTransactionRequest) -> TransactionRow:
    if request.seller_id == principal.user_id:
        raise SellerIsBuyer()
    now = clock.now_iso()
    txn = TransactionRow(
        new_id("txn"),
        buyer_id=principal.user_id,
        seller_id=request.seller_id,
        amount=request.amount,
        currency=request.currency,
        description=request.description,
        status=TxnStatus.CREATED.value,
        created_at=now,
        updated_at=now,
        timeline=[_timeline_entry(now, TxnStatus.CREATED, "TransactionCreated", principal.actor)],
    )
    txn.save(condition=TransactionRow.id.does_not_exist())
    write_audit("TRANSACTION_CREATED", txn.id, principal.actor, after=event_detail(txn))
    publish("TransactionCreated", event_detail(txn), domain="transactions")
    return txn


def find_transaction(txn_id: str) -> TransactionRow | None:
    """Any transaction by id, for system callers (webhooks, disputes) that do their own checks."""
    if not is_id(txn_id, "txn"):
        return None
    try:
        return TransactionRow.get(txn_id, consistent_read=True)
    except TransactionRow.DoesNotExist:
        return None


def get_for(principal: Principal, txn_id: str) -> TransactionRow:
    """The transaction if the caller is its buyer or seller, or staff; otherwise not found."""
    txn = find_transaction(txn_id)
    if txn is None or not (principal.is_staff or principal.user_id in (txn.buyer_id, txn.seller_id)):
        raise NotFound("transaction")
    return txn


#: A caller's transactions: newest first, continued after the last transaction id.
NEWEST_FIRST: Keyset[TransactionRow] = Keyset("transactions", key=lambda row: {"id": row.id}, fields={"id": ID_PATTERN})


def list_for(principal: Principal, limit: int, cursor: str | None) -> Page[TransactionOut]:
    """The caller's transactions as buyer or seller, newest first, keyset-paginated.

    Both indexes are sorted by id (time-sortable), so one cursor continues both. Each index gives
    at most ``limit + 1`` rows; the newest ``limit`` of the union are the page, and a surplus row
    means there is another page.
    """
    after = NEWEST_FIRST.after(cursor)
    condition_kwargs: dict[str, Any] = {"scan_index_forward": False, "limit": limit + 1}
    range_key_condition = TransactionRow.id < after["id"] if after else None
    as_buyer = TransactionRow.by_buyer.query(principal.user_id, range_key_condition, **condition_kwargs)
    as_seller = TransactionRow.by_seller.query(principal.user_id, range_key_condition, **condition_kwargs)
    merged = sorted([*as_buyer, *as_seller], key=lambda row: row.id, reverse=True)
    rows, next_cursor = NEWEST_FIRST.page(merged, limit)
    items = [TransactionOut.from_row(row, with_timeline=False) for row in rows]
    return Page[TransactionOut](items=items, next_cursor=next_cursor)


def pay(principal: Principal, txn_id: str) -> tuple[TransactionRow, PaymentSession]:
    """The buyer starts (or, after a failure, restarts) the payment into escrow."""
    txn = get_for(principal, txn_id)
    _require_party(txn, principal, "buyer", states.PAY)
    _require_source(txn, states.PAY)  # before asking the gateway for a session we cannot use
    session = get_gateway().create_session(
        transaction_id=txn.id,
        amount=int(txn.amount),
        currency=txn.currency,
        description=txn.description,
        buyer_email=principal.email,
    )
    payment = PaymentInfo(session_id=session.session_id, payment_url=session.payment_url)
    txn = apply_move(txn, states.PAY, principal.actor, extra_actions=[TransactionRow.payment.set(payment)])
    return txn, session


def ship(principal: Principal, txn_id: str) -> TransactionRow:
    txn = get_for(principal, txn_id)
    _require_party(txn, principal, "seller", states.SHIP)
    return apply_move(txn, states.SHIP, principal.actor)


def confirm(principal: Principal, txn_id: str, otp_token: str | None = None) -> TransactionRow:
    """The buyer confirms receipt: the funds are released to the seller.

    Releasing money needs a fresh SMS confirmation: ``otp_token`` is a single-use
    ``TRANSACTION_CONFIRMATION`` token (``X-OTP-Token``), used up only once the move is possible.
    """
    # Imported here: the OTP package loads phonenumbers, which only this move needs (cold start).
    from paylox.otp.service import require_transaction_confirmation

    txn = get_for(principal, txn_id)
    _require_party(txn, principal, "buyer", states.CONFIRM)
    _require_source(txn, states.CONFIRM)
    require_transaction_confirmation(principal, otp_token)
    return apply_move(txn, states.CONFIRM, principal.actor)


def cancel(principal: Principal, txn_id: str, reason: str | None = None) -> TransactionRow:
    txn = get_for(principal, txn_id)
    if principal.user_id not in (txn.buyer_id, txn.seller_id):
        raise WrongParty("buyer or seller", states.CANCEL.name)
    return apply_move(txn, states.CANCEL, principal.actor, note=reason)


def fund(
    txn: TransactionRow, actor: Actor, *, payment_id: str, event_extra: dict[str, Any] | None = None
) -> TransactionRow:
    """The provider captured the payment: PAYMENT_PENDING → FUNDED, with the provider's payment id."""
    payment = _payment_with(txn, payment_id=payment_id, failure_reason=None)
    return apply_move(
        txn,
        states.FUND,
        actor,
        extra_actions=[TransactionRow.payment.set(payment)],
        event_extra={"payment_id": payment_id, **(event_extra or {})},
    )


def fail_payment(
    txn: TransactionRow, actor: Actor, *, payment_id: str | None, reason: str, event_extra: dict[str, Any] | None = None
) -> TransactionRow:
    """The provider declined the payment: PAYMENT_PENDING → FAILED; the buyer may pay again."""
    payment = _payment_with(txn, payment_id=payment_id, failure_reason=reason)
    return apply_move(
        txn,
        states.FAIL,
        actor,
        note=reason,
        extra_actions=[TransactionRow.payment.set(payment)],
        event_extra={"reason": reason, **(event_extra or {})},
    )


def refund_in_full(
    txn: TransactionRow, actor: Actor, *, refund_id: str, amount: int, event_id: str | None = None
) -> TransactionRow:
    """The provider returned the rest of the money: FUNDED | SHIPPED | DISPUTED → REFUNDED.

    ``amount`` is what this refund returned (the amount less earlier partial refunds). The write is
    also conditional on the version read, so a partial refund recorded meanwhile makes it fail.
    """
    entry = RefundEntry(refund_id=refund_id, amount=amount, at=clock.now_iso(), event_id=event_id)
    return apply_move(
        txn,
        states.REFUND,
        actor,
        note=f"refund {refund_id}",
        extra_actions=[
            TransactionRow.refunded_amount.set(int(txn.refunded_amount or 0) + amount),
            TransactionRow.refunds.set((TransactionRow.refunds | []).append([entry])),
        ],
        event_extra={"refund_id": refund_id, "refund_amount": amount},
    )


def record_refund(
    txn: TransactionRow,
    actor: Actor,
    *,
    refund_id: str,
    amount: int,
    event_id: str | None = None,
    announce: bool = True,
) -> TransactionRow:
    """Record money returned to the buyer without changing the status: a partial refund, or the
    provider's confirmation of a refund whose move was already made.

    One write conditional on the version read (a concurrent refund or move makes it fail with
    :class:`ConcurrentModification`; re-read and decide again). Publishes
    ``TransactionPartiallyRefunded`` when ``announce``.
    """
    now = clock.now_iso()
    status = TxnStatus(txn.status)
    entry = RefundEntry(refund_id=refund_id, amount=amount, at=now, event_id=event_id)
    before = int(txn.refunded_amount or 0)
    timeline = _timeline_entry(now, status, "TransactionPartiallyRefunded", actor, f"refund {refund_id}")
    try:
        txn.update(
            actions=[
                TransactionRow.refunded_amount.set(before + amount),
                TransactionRow.refunds.set((TransactionRow.refunds | []).append([entry])),
                TransactionRow.updated_at.set(now),
                TransactionRow.timeline.set(TransactionRow.timeline.append([timeline])),
            ],
            condition=TransactionRow.status == status.value,
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        txn.refresh(consistent_read=True)
        raise ConcurrentModification(resource="transaction") from exc
    write_audit(
        "TRANSACTION_PARTIAL_REFUND",
        txn.id,
        actor,
        before={"refunded_amount": before},
        after={"refunded_amount": before + amount, "refund_id": refund_id},
    )
    if announce:
        publish(
            "TransactionPartiallyRefunded",
            event_detail(txn, refund_id=refund_id, refund_amount=amount, refunded_amount=before + amount),
            domain="transactions",
        )
    return txn


def flag(
    txn: TransactionRow,
    *,
    kind: str,
    detail: str,
    event_id: str | None = None,
    event_type: str | None = None,
    actor: Actor,
) -> TransactionRow:
    """Attach something staff must look at to the transaction (visible to staff only).

    The flag never changes the status or the money and must not be lost to a concurrent move, so
    it is written without the version condition.
    """
    entry = FlagEntry(
        at=clock.now_iso(), kind=kind, detail=detail, status=txn.status, event_id=event_id, event_type=event_type
    )
    txn.update(
        actions=[TransactionRow.flags.set((TransactionRow.flags | []).append([entry]))], add_version_condition=False
    )
    write_audit("TRANSACTION_FLAGGED", txn.id, actor, after={"kind": kind, "status": txn.status}, reason=detail)
    return txn


def apply_move(
    txn: TransactionRow,
    move: Move,
    actor: Actor,
    *,
    note: str | None = None,
    extra_actions: list[Action] | None = None,
    event_extra: dict[str, Any] | None = None,
    together_with: Callable[[TransactWrite], None] | None = None,
) -> TransactionRow:
    """Move ``txn`` along the state machine in one conditional write, then audit and announce it.

    ``together_with`` adds writes that must happen with the move or not at all (a dispute that
    freezes the money): they go into one DynamoDB transaction with it.

    Raises :class:`InvalidState` when the move is not allowed from the stored status, including
    when a concurrent request moved the transaction first, and :class:`ConcurrentModification`
    when something else changed it meanwhile but the move is still possible (re-read and retry).
    """
    previous = _require_source(txn, move)
    now = clock.now_iso()
    entry = _timeline_entry(now, move.target, move.event, actor, note)
    actions = [
        TransactionRow.status.set(move.target.value),
        TransactionRow.updated_at.set(now),
        TransactionRow.timeline.set(TransactionRow.timeline.append([entry])),
        *(extra_actions or []),
    ]
    condition = TransactionRow.status == previous.value
    try:
        if together_with is None:
            txn.update(actions=actions, condition=condition)
        else:
            with TransactWrite(connection=Connection()) as transaction:
                transaction.update(txn, actions=actions, condition=condition)
                together_with(transaction)
            txn.refresh(consistent_read=True)  # a transaction does not return the item it wrote
    except (UpdateError, TransactWriteError) as exc:
        if not is_condition_failure(exc):
            raise
        txn.refresh(consistent_read=True)
        if TxnStatus(txn.status) in move.sources:
            # Only the version moved (a refund or flag recorded meanwhile): the move is still
            # possible, so say so rather than claim the state forbids it.
            raise ConcurrentModification(resource="transaction") from exc
        raise InvalidState(resource="transaction", current_status=txn.status, action=move.name) from exc
    write_audit(
        f"TRANSACTION_{move.name.upper()}",
        txn.id,
        actor,
        before={"status": previous.value},
        after={"status": move.target.value},
        reason=note,
    )
    publish(
        move.event,
        event_detail(txn, previous_status=previous.value, actor_id=actor.id, **(event_extra or {})),
        domain="transactions",
    )
    return txn


def _payment_with(txn: TransactionRow, *, payment_id: str | None, failure_reason: str | None) -> PaymentInfo:
    current = txn.payment.as_dict() if txn.payment else {}
    return PaymentInfo(
        **{**current, "payment_id": payment_id or current.get("payment_id"), "failure_reason": failure_reason}
    )


def _require_source(txn: TransactionRow, move: Move) -> TxnStatus:
    current = TxnStatus(txn.status)
    if current not in move.sources:
        raise InvalidState(resource="transaction", current_status=current.value, action=move.name)
    return current


def _require_party(txn: TransactionRow, principal: Principal, party: str, move: Move) -> None:
    if principal.user_id != (txn.buyer_id if party == "buyer" else txn.seller_id):
        raise WrongParty(party, move.name)


def _timeline_entry(at: str, status: TxnStatus, event: str, actor: Actor, note: str | None = None) -> TimelineEntry:
    return TimelineEntry(at=at, status=status.value, event=event, actor_id=actor.id, actor_role=actor.role, note=note)
