"""Escrow transactions: creating them, reading them, and moving them through the state machine.

Every move is one DynamoDB transaction (:mod:`paylox.statemachine`): the conditional write on
status and version that also appends to the timeline, its audit record and its domain event (the
outbox). Two racing requests never both win: the loser re-reads and gets ``INVALID_STATE``
for the state it lost to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from paylox import clock, quotas
from paylox.audit import audit_record
from paylox.auth import Actor, Principal
from paylox.errors import NotFound
from paylox.events import DomainEvent
from paylox.ids import new_id
from paylox.payments import get_gateway
from paylox.payments.base import PaymentSession
from paylox.payments.orders import order_id_for
from paylox.statemachine import Check, Item, Move, commit_move, require_source
from paylox.transactions import states, store
from paylox.transactions.errors import (
    SellerIsBuyer,
    SellerNotFound,
    SellerSuspended,
    SellerUnavailable,
    WrongParty,
)
from paylox.transactions.listing import istanbul_month
from paylox.transactions.models import FlagEntry, PaymentInfo, TransactionRow
from paylox.transactions.states import TxnStatus
from paylox.transactions.store import Refund, event_detail
from paylox.users.models import UserStatus
from paylox.users.service import find_profile, still_active

if TYPE_CHECKING:
    # The request model types create_transaction only: importing the API's models here would load
    # them into every function that moves or checks a transaction (paylox.transactions.mine).
    from paylox.transactions.schemas import CreateTransactionRequest


def create_transaction(principal: Principal, request: CreateTransactionRequest) -> TransactionRow:
    """The caller opens a transaction as buyer with a registered, active seller."""
    if request.seller_id == principal.user_id:
        raise SellerIsBuyer()
    _require_available_seller(request.seller_id)
    moment = clock.now()
    now = clock.isoformat(moment)
    txn = TransactionRow(
        new_id("txn"),
        buyer_id=principal.user_id,
        seller_id=request.seller_id,
        amount=request.amount,
        currency=request.currency,
        description=request.description,
        status=TxnStatus.CREATED.value,
        created_at=now,
        created_month=istanbul_month(moment),
        updated_at=now,
        timeline=[store.timeline_entry(now, TxnStatus.CREATED, "TransactionCreated", principal.actor)],
    )
    record = audit_record("TRANSACTION_CREATED", txn.id, principal.actor, after=event_detail(txn))
    # Counted by the creation's own write: a refused request takes none of the hour's quota.
    quota = quotas.claim(principal.user_id, quotas.TRANSACTIONS)
    store.insert(txn, record, [DomainEvent("TransactionCreated", event_detail(txn), "transactions")], quota)
    return txn


def _require_available_seller(seller_id: str) -> None:
    # A consistent read: a seller who registered a moment ago can be chosen at once.
    seller = find_profile(seller_id, consistent=True)
    if seller is None:
        raise SellerNotFound(seller_id=seller_id)
    if seller.status == UserStatus.SUSPENDED:
        raise SellerUnavailable(seller_id=seller_id)


def require_payable_seller(txn: TransactionRow) -> None:
    """Raise ``409 SELLER_SUSPENDED`` unless the seller's account may receive money now.

    Checked before anything releases the escrow to the seller (the buyer's confirmation, a
    dispute's decision and its settlement), so a suspended seller's money stays where it is. A
    consistent read: a suspension takes effect at once.
    """
    seller = find_profile(txn.seller_id, consistent=True)
    if seller is None or seller.status == UserStatus.SUSPENDED:
        raise SellerSuspended()


def seller_still_payable(txn: TransactionRow) -> Check:
    """The condition, written into the release itself, that the seller is still active when it
    commits: :func:`require_payable_seller` is a read, and a suspension landing between that read
    and the release must stop the release (``409 SELLER_SUSPENDED``, the funds stay)."""
    return still_active(txn.seller_id, SellerSuspended())


def find_transaction(txn_id: str) -> TransactionRow | None:
    """Any transaction by id, for system callers (webhooks, disputes) that do their own checks."""
    return store.find(txn_id)


def payments_pending_since(before: str, limit: int) -> list[TransactionRow]:
    """Up to ``limit`` transactions still PAYMENT_PENDING and unchanged since ``before`` (ISO
    time), longest waiting first, each read afresh (the index is eventually consistent)."""
    rows = (store.find(txn_id) for txn_id in store.unchanged_since(TxnStatus.PAYMENT_PENDING, before, limit))
    return [row for row in rows if row is not None and row.status == TxnStatus.PAYMENT_PENDING.value]


def get_for(principal: Principal, txn_id: str) -> TransactionRow:
    """The transaction if the caller is its buyer or seller, or staff; otherwise not found."""
    txn = find_transaction(txn_id)
    if txn is None or not (principal.is_staff or principal.user_id in (txn.buyer_id, txn.seller_id)):
        raise NotFound("transaction")
    return txn


def pay(principal: Principal, txn_id: str) -> tuple[TransactionRow, PaymentSession]:
    """The buyer starts (or, after a failure, restarts) the payment into escrow."""
    txn = get_for(principal, txn_id)
    require_party(txn, principal, "buyer", states.PAY)
    require_source(store.MACHINE, txn, states.PAY)  # before asking the gateway for a session we cannot use
    session = get_gateway().create_session(
        transaction_id=txn.id,
        amount=int(txn.amount),
        currency=txn.currency,
        description=txn.description,
        buyer_email=principal.email,
        order_id=order_id_for(txn.id, attempt=1 + _attempts(txn)),
    )
    payment = PaymentInfo(session_id=session.session_id, payment_url=session.payment_url)
    txn = apply_move(txn, states.PAY, principal.actor, changes={"payment": payment})
    return txn, session


def _attempts(txn: TransactionRow) -> int:
    """Payment attempts started so far: each gets its own gateway order id."""
    return sum(1 for entry in txn.timeline or [] if entry.status == TxnStatus.PAYMENT_PENDING.value)


def ship(principal: Principal, txn_id: str) -> TransactionRow:
    txn = get_for(principal, txn_id)
    require_party(txn, principal, "seller", states.SHIP)
    return apply_move(txn, states.SHIP, principal.actor)


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
        changes={"payment": payment},
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
        changes={"payment": payment},
        event_extra={"reason": reason, **(event_extra or {})},
    )


def refund_in_full(
    txn: TransactionRow, actor: Actor, *, refund_id: str, amount: int, event_id: str | None = None
) -> TransactionRow:
    """The provider returned the rest of the money: FUNDED | SHIPPED | DISPUTED → REFUNDED.

    ``amount`` is what this refund returned (the amount less earlier partial refunds). The write is
    also conditional on the version read, so a partial refund recorded meanwhile makes it fail.
    A refund already recorded is not recorded again (see :func:`store.record_refund`).
    """
    return store.record_refund(
        txn,
        actor,
        Refund(refund_id, amount, event_id),
        move=states.REFUND,
        note=f"refund {refund_id}",
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

    One write conditional on the status and version read (a concurrent refund or move makes it
    fail with :class:`ConcurrentModification`; re-read and decide again); a refund already recorded
    is not recorded again. Publishes ``TransactionPartiallyRefunded`` when ``announce``.
    """
    before = int(txn.refunded_amount or 0)
    return store.record_refund(
        txn,
        actor,
        Refund(refund_id, amount, event_id),
        move=states.PARTIAL_REFUND,
        note=f"refund {refund_id}",
        audit_before={"refunded_amount": before},
        audit_after={"refunded_amount": before + amount, "refund_id": refund_id},
        event_extra={"refund_id": refund_id, "refund_amount": amount, "refunded_amount": before + amount},
        announced=announce,
    )


def release(
    txn: TransactionRow,
    actor: Actor,
    *,
    note: str,
    refund: Refund | None = None,
    event_extra: Mapping[str, Any] | None = None,
) -> TransactionRow:
    """A dispute's decision releases the money to the seller: DISPUTED → COMPLETED, with the
    buyer's share of a split (``refund``) entered in the books, so that the provider's later
    ``payment.refunded`` for it is recognised as already recorded. Refused with
    ``409 SELLER_SUSPENDED`` if the seller is suspended when it commits."""
    checks = [seller_still_payable(txn)]
    if refund is None:
        return apply_move(txn, states.RELEASE, actor, note=note, items=checks, event_extra=event_extra)
    return store.record_refund(
        txn, actor, refund, move=states.RELEASE, note=note, items=checks, event_extra=event_extra
    )


def flag(
    txn: TransactionRow,
    *,
    kind: str,
    detail: str,
    event_id: str | None = None,
    event_type: str | None = None,
    actor: Actor,
    also: Sequence[DomainEvent] = (),
) -> TransactionRow:
    """Attach something staff must look at to the transaction (visible to staff only), audited
    and with ``also`` announced in the same write; it never changes the status or the money."""
    entry = FlagEntry(
        at=clock.now_iso(), kind=kind, detail=detail, status=txn.status, event_id=event_id, event_type=event_type
    )
    after = {"kind": kind, "status": txn.status}
    record = audit_record("TRANSACTION_FLAGGED", txn.id, actor, after=after, reason=detail)
    return store.add_flag(txn, entry, record, also)


def apply_move(
    txn: TransactionRow,
    move: Move[TxnStatus],
    actor: Actor,
    *,
    note: str | None = None,
    changes: Mapping[str, Any] | None = None,
    items: Sequence[Item] = (),
    also: Sequence[DomainEvent] = (),
    event_extra: Mapping[str, Any] | None = None,
) -> TransactionRow:
    """Move ``txn`` along the state machine, audited and announced (:func:`paylox.statemachine.commit_move`).

    ``items`` are written (or checked) in the same DynamoDB transaction (a dispute that freezes
    the money, the seller still active for a release), ``also`` announced with the move.

    Raises :class:`InvalidState` when the move is not allowed from the stored status, including
    when a concurrent request moved the transaction first, and :class:`ConcurrentModification`
    when something else changed it meanwhile but the move is still possible (re-read and retry).
    """
    return commit_move(
        store.MACHINE, txn, move, actor, note=note, changes=changes, items=items, also=also, event_extra=event_extra
    )


def _payment_with(txn: TransactionRow, *, payment_id: str | None, failure_reason: str | None) -> PaymentInfo:
    current = txn.payment.as_dict() if txn.payment else {}
    return PaymentInfo(
        **{**current, "payment_id": payment_id or current.get("payment_id"), "failure_reason": failure_reason}
    )


def require_party(txn: TransactionRow, principal: Principal, party: str, move: Move[TxnStatus]) -> None:
    if principal.user_id != (txn.buyer_id if party == "buyer" else txn.seller_id):
        raise WrongParty(party, move.name)
