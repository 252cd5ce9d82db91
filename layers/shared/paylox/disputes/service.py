"""Disputes: opening them, reading them, and moving them through their state machine.

Who may do what:
- the transaction's buyer and seller open a dispute, read it, post messages and evidence;
- admins and support agents read every dispute, assign it, ask a party for information and post
  messages; only admins resolve. Staff who are a party to a dispute cannot act on it as staff.
- anyone else gets 404, whether or not the dispute exists.

Every state change is one conditional write (:func:`paylox.disputes.store.commit`) that appends to
the timeline; then an audit record is written and a domain event published, from which the
notification function sends the emails. Two staff acting at once never both win: the loser gets a
409 for the state it lost to.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any, Protocol

from pynamodb.attributes import MapAttribute
from pynamodb.expressions.update import Action

from paylox import clock
from paylox.audit import write_audit
from paylox.auth import Actor, Principal
from paylox.disputes import store
from paylox.disputes.deadlines import escalate_at, first_response_due_at, later, next_info_reminder_at
from paylox.disputes.errors import (
    AssigneeIsParty,
    ConflictOfInterest,
    DisputeAlreadyAssigned,
    DisputeAlreadyOpen,
    DisputeLimitReached,
    DisputeResolved,
    EvidenceAlreadySubmitted,
    InvalidSplitAmount,
    TransactionNotDisputable,
)
from paylox.disputes.models import (
    EVIDENCE_PREFIX,
    MESSAGE_PREFIX,
    DisputeEvidenceRow,
    DisputeMessageRow,
    DisputeRow,
    Resolution,
    TimelineEntry,
)
from paylox.disputes.schemas import CreateDisputeRequest, DisputeSummary, DisputeView, ResolveRequest
from paylox.disputes.states import (
    ASSIGN,
    PROVIDE_INFO,
    REASSIGNABLE,
    REQUEST_INFO,
    RESOLVE,
    DisputeStatus,
    Move,
    Outcome,
    Party,
)
from paylox.errors import ConcurrentModification, DomainError, InvalidState, NotFound
from paylox.events import publish
from paylox.ids import new_id
from paylox.observability import logger, metrics
from paylox.paging import Page
from paylox.payments import get_gateway
from paylox.payments.base import PaymentGateway
from paylox.transactions import states as txn_states
from paylox.transactions.models import RefundEntry, TransactionRow
from paylox.transactions.service import apply_move, find_transaction, refund_in_full
from paylox.transactions.states import TxnStatus

MAX_MESSAGES = 200
MAX_EVIDENCE = 20
PENDING, SETTLED = "PENDING", "SETTLED"
#: Fields that only mean something while a party is awaited.
_NOT_AWAITING: dict[str, Any] = {"awaiting": None, "info_request": None, "info_reminder_at": None}


class EvidenceDocuments(Protocol):
    """What disputes need from the documents domain."""

    def get_downloadable_document(self, owner_id: str, document_id: str) -> Any:
        """The document if ``owner_id`` owns it and it can be downloaded; raises ``NotFound``
        (missing, deleted, not theirs) or a 409 ``DOCUMENT_NOT_AVAILABLE`` otherwise."""
        ...


class _DocumentsService:
    """:mod:`paylox.documents.service`, imported on first use (the evidence endpoints only)."""

    def get_downloadable_document(self, owner_id: str, document_id: str) -> Any:
        documents = importlib.import_module("paylox.documents.service")
        return documents.get_downloadable_document(owner_id, document_id)


#: The documents the evidence endpoints check against; tests substitute an in-memory fake.
DOCUMENTS: EvidenceDocuments = _DocumentsService()


# ---------------------------------------------------------------------------------------- reading
def get_dispute(principal: Principal, dispute_id: str) -> DisputeView:
    return view_of(_visible(principal, dispute_id))


def view_of(row: DisputeRow) -> DisputeView:
    return DisputeView(row, store.messages(row.dispute_id), store.evidence(row.dispute_id))


def list_disputes(
    *, status: DisputeStatus | None, assigned_to: str | None, limit: int, cursor: str | None
) -> Page[DisputeSummary]:
    """The back office's list (a staff route), newest first, keyset-paginated."""
    rows, next_cursor = store.page(
        status=status.value if status else None, assigned_to=assigned_to, limit=limit, cursor=cursor
    )
    return Page[DisputeSummary](items=[DisputeSummary.from_row(row) for row in rows], next_cursor=next_cursor)


# ---------------------------------------------------------------------------------------- opening
def open_dispute(
    principal: Principal, request: CreateDisputeRequest, documents: EvidenceDocuments | None = None
) -> DisputeView:
    """The buyer or seller of a funded or shipped transaction opens a dispute; the transaction
    becomes ``DISPUTED`` (its money frozen) in the same step."""
    txn = find_transaction(request.transaction_id)
    if txn is None or principal.user_id not in (txn.buyer_id, txn.seller_id):
        raise NotFound("transaction")
    _require_disputable(txn)
    checked = [
        (documents or DOCUMENTS).get_downloadable_document(principal.user_id, document_id)
        for document_id in request.evidence_document_ids
    ]
    opened = clock.now()
    now = clock.isoformat(opened)
    party = Party.BUYER if principal.user_id == txn.buyer_id else Party.SELLER
    role = party.value.lower()
    row = DisputeRow(
        new_id("dsp"),
        transaction_id=txn.id,
        buyer_id=txn.buyer_id,
        seller_id=txn.seller_id,
        amount=int(txn.amount),
        currency=txn.currency,
        opened_by=principal.user_id,
        opened_by_party=party.value,
        reason=request.reason.value,
        description=request.description,
        status=DisputeStatus.OPENED.value,
        created_at=now,
        updated_at=now,
        escalate_at=escalate_at(opened),
        first_response_due_at=first_response_due_at(opened),
        evidence_count=len(checked),
        timeline=[_entry(now, DisputeStatus.OPENED, "DisputeOpened", principal.user_id, role, request.reason)],
    )
    evidence = [
        _evidence_row(row.dispute_id, document_id, document, principal.user_id, role, None, now)
        for document_id, document in zip(request.evidence_document_ids, checked, strict=True)
    ]
    # The transaction's conditional move is the gate: of concurrent requests exactly one freezes
    # the transaction, and the dispute is stored in the same DynamoDB transaction, so money is
    # never frozen without a dispute to settle it, nor a dispute opened on money that is not.
    try:
        apply_move(
            txn,
            txn_states.DISPUTE,
            principal.actor,
            note=f"{row.dispute_id} {request.reason.value}",
            event_extra={
                "dispute_id": row.dispute_id,
                "reason": request.reason.value,
                "opened_by": principal.user_id,
            },
            together_with=lambda transaction: store.create(row, evidence, transaction),
        )
    except InvalidState as exc:
        raise _not_disputable(txn) from exc
    record(
        row,
        principal.actor,
        "DISPUTE_OPENED",
        "DisputeOpened",
        after={"status": row.status, "reason": row.reason},
        extra={"description": row.description, "opened_by": row.opened_by, "opened_by_party": party.value},
    )
    return DisputeView(row, [], evidence)


def _require_disputable(txn: TransactionRow) -> None:
    if TxnStatus(txn.status) not in txn_states.DISPUTE.sources:
        raise _not_disputable(txn)


def _not_disputable(txn: TransactionRow) -> DomainError:
    if txn.status == TxnStatus.DISPUTED:
        existing = store.open_dispute_of(txn.id)
        return DisputeAlreadyOpen(dispute_id=existing.dispute_id) if existing else DisputeAlreadyOpen()
    return TransactionNotDisputable(current_status=txn.status)


# ---------------------------------------------------------------------------------------- staff
def assign(principal: Principal, dispute_id: str, admin_id: str | None = None) -> DisputeView:
    """Staff take the dispute on (→ ``UNDER_REVIEW``), or give it to ``admin_id``.

    A dispute already under review changes hands only when ``admin_id`` names the new owner:
    taking it (no ``admin_id``) is 409 ``DISPUTE_ALREADY_ASSIGNED``, so of two staff who take a
    dispute at once, the second never silently takes it from the first.
    """
    row = _visible(principal, dispute_id)
    _require_impartial(principal, row)
    assignee = admin_id or principal.user_id
    if assignee in (row.buyer_id, row.seller_id):
        raise AssigneeIsParty()
    if row.status in REASSIGNABLE:
        if admin_id is None and row.assigned_to != assignee:
            raise DisputeAlreadyAssigned(assigned_to=row.assigned_to)
        if row.assigned_to != assignee:
            _reassign(row, principal.actor, assignee)
    else:
        transition(row, ASSIGN, principal.actor, {"assigned_to": assignee, **_NOT_AWAITING}, note=assignee)
    return view_of(row)


def _reassign(row: DisputeRow, actor: Actor, assignee: str) -> None:
    previous, now = row.assigned_to, clock.now_iso()
    entry = _entry(now, DisputeStatus(row.status), "DisputeReassigned", actor.id, _role(row, actor), assignee)
    try:
        store.commit(row, {"assigned_to": assignee}, entry, now)
    except store.Conflict as exc:
        raise _lost_race(row, ASSIGN.sources | REASSIGNABLE, ASSIGN.name) from exc
    record(
        row,
        actor,
        "DISPUTE_REASSIGNED",
        ASSIGN.event,
        before={"assigned_to": previous},
        after={"assigned_to": assignee},
        extra={"previous_assignee": previous},
    )


def request_info(principal: Principal, dispute_id: str, party: Party, message: str) -> DisputeView:
    """Staff ask one party for more information (→ ``PENDING_INFO``); that party is reminded at
    an interval until they post a message or evidence."""
    row = _visible(principal, dispute_id)
    _require_impartial(principal, row)
    changes = {
        "awaiting": party.value,
        "info_request": message,
        "info_reminder_at": next_info_reminder_at(None, clock.now()),
        "info_reminders_sent": 0,
    }
    transition(row, REQUEST_INFO, principal.actor, changes, note=message)
    return view_of(row)


def resolve(
    principal: Principal, dispute_id: str, request: ResolveRequest, gateway: PaymentGateway | None = None
) -> DisputeView:
    """An admin decides (final), then the money follows: released to the seller, refunded to the
    buyer through the gateway, or split (a partial refund, the rest to the seller).

    The decision is the conditional write, so two admins never both decide. Moving the money
    comes after it; should that fail, the dispute stays ``RESOLVED`` with its settlement
    ``PENDING`` and the scheduled function retries it.
    """
    row = _visible(principal, dispute_id)
    _require_impartial(principal, row)
    _require_move(row, RESOLVE)
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
    changes = {"resolution": resolution, "settlement_due_at": settlement_retry_at(1, now), **_NOT_AWAITING}
    transition(row, RESOLVE, principal.actor, changes, note=request.note, announce=False)
    try_settle(row, principal.actor, gateway)
    return view_of(row)


# ---------------------------------------------------------------------------------------- parties
def post_message(principal: Principal, dispute_id: str, body: str) -> DisputeView:
    """A party or staff member writes to the dispute. From the awaited party it is their answer."""
    row = _visible(principal, dispute_id)
    now = clock.now_iso()
    message_id = new_id("msg")
    item = DisputeMessageRow(
        row.dispute_id,
        MESSAGE_PREFIX + message_id,
        message_id=message_id,
        author_id=principal.user_id,
        author_role=_role(row, principal.actor),
        body=body,
        at=now,
    )
    return _add_to_record(
        row,
        item,
        principal.actor,
        now,
        "messages",
        "DISPUTE_MESSAGE_POSTED",
        "DisputeMessagePosted",
        {"message_id": message_id},
    )


def add_evidence(
    principal: Principal,
    dispute_id: str,
    document_id: str,
    note: str | None = None,
    documents: EvidenceDocuments | None = None,
) -> DisputeView:
    """Attach one of the submitter's own downloadable documents. From the awaited party it is
    their answer."""
    row = _visible(principal, dispute_id)
    if row.status == DisputeStatus.RESOLVED:
        raise DisputeResolved()
    document = (documents or DOCUMENTS).get_downloadable_document(principal.user_id, document_id)
    now = clock.now_iso()
    item = _evidence_row(
        row.dispute_id, document_id, document, principal.user_id, _role(row, principal.actor), note, now
    )
    return _add_to_record(
        row,
        item,
        principal.actor,
        now,
        "evidence",
        "DISPUTE_EVIDENCE_ADDED",
        "DisputeEvidenceAdded",
        {"document_id": document_id},
    )


def _add_to_record(
    row: DisputeRow,
    item: DisputeMessageRow | DisputeEvidenceRow,
    actor: Actor,
    now: str,
    what: str,
    action: str,
    event: str,
    reference: dict[str, str],
) -> DisputeView:
    """Store a message or evidence, audit and announce it, and count it as the awaited party's
    answer when it is one."""
    answered = _append(row, item, actor, now, what=what)
    record(row, actor, action, event, after=reference, extra=reference)
    if answered:
        _record_answer(row, actor)
    return view_of(row)


def _append(
    row: DisputeRow, item: DisputeMessageRow | DisputeEvidenceRow, actor: Actor, now: str, *, what: str
) -> bool:
    """Store ``item`` with the dispute still open and under its limit; True when it was the
    awaited party's answer (and so moved the dispute back to ``UNDER_REVIEW``)."""
    counter, limit = (
        (DisputeRow.message_count, MAX_MESSAGES) if what == "messages" else (DisputeRow.evidence_count, MAX_EVIDENCE)
    )
    party = _party(row, actor.id)
    for _ in range(3):
        if row.status == DisputeStatus.RESOLVED:
            raise DisputeResolved()
        if int(getattr(row, counter.attr_name)) >= limit:
            raise DisputeLimitReached(what, limit)
        if isinstance(item, DisputeEvidenceRow) and store.has_item(row.dispute_id, item.item):
            raise EvidenceAlreadySubmitted()
        answering = row.status == DisputeStatus.PENDING_INFO and party is not None and row.awaiting == party
        state = None
        counter_actions: list[Action] = [counter.add(1)]
        if answering:
            entry = _entry(now, PROVIDE_INFO.target, PROVIDE_INFO.event, actor.id, _role(row, actor))
            state = store.state_actions(row, {"status": PROVIDE_INFO.target.value, **_NOT_AWAITING}, entry, now)
        else:
            counter_actions.append(DisputeRow.updated_at.set(now))
        guard = (DisputeRow.status != DisputeStatus.RESOLVED.value) & (counter < limit)
        try:
            store.append(row, item, counter_actions=counter_actions, guard=guard, state=state)
            return answering
        except store.Conflict:
            row.refresh(consistent_read=True)  # re-decide on what is stored now
    raise ConcurrentModification(resource="dispute")


def _record_answer(row: DisputeRow, actor: Actor) -> None:
    record(
        row,
        actor,
        "DISPUTE_PROVIDE_INFO",
        PROVIDE_INFO.event,
        before={"status": DisputeStatus.PENDING_INFO.value},
        after={"status": row.status},
        extra={"previous_status": DisputeStatus.PENDING_INFO.value},
    )


# ---------------------------------------------------------------------------------------- settlement
def settlement_retry_at(attempt: int, now: datetime) -> str:
    """When a settlement is tried again after ``attempt`` tries: 5 minutes, doubling, at most 6 h."""
    return later(now, min(5 * 2 ** (attempt - 1), 360) / 60)


def try_settle(row: DisputeRow, actor: Actor, gateway: PaymentGateway | None = None) -> bool:
    """Move the money of a resolved dispute; on failure leave it to the scheduled retry."""
    try:
        settle(row, actor, gateway or get_gateway())
        return True
    except Exception:  # the provider or DynamoDB failed: the settlement stays due and is retried
        logger.exception("dispute settlement failed", extra={"dispute_id": row.dispute_id})
        metrics.add_metric(name="DisputeSettlementFailures", unit="Count", value=1)
        return False


def settle(row: DisputeRow, actor: Actor, gateway: PaymentGateway) -> None:
    """Refund (if the outcome returns money to the buyer), move the transaction, mark the
    resolution settled and announce it. Each step checks whether it already happened, so a retry
    after a failure part-way never refunds or moves twice; the gateway gets the dispute as its
    idempotency key, so even a refund whose answer was lost is not made twice."""
    resolution = row.resolution
    assert resolution is not None
    if resolution.settlement == SETTLED:
        return
    txn = find_transaction(row.transaction_id)
    assert txn is not None
    outcome = Outcome(resolution.outcome)
    move = txn_states.REFUND if outcome is Outcome.REFUND_TO_BUYER else txn_states.RELEASE
    refund_amount = int(resolution.buyer_amount)
    if txn.status == TxnStatus.DISPUTED:
        if refund_amount and not resolution.refund_id:
            refund = gateway.refund(
                transaction_id=txn.id,
                payment_id=txn.payment.payment_id if txn.payment else None,
                amount=refund_amount,
                idempotency_key=f"dispute-refund-{row.dispute_id}",
            )
            store.commit(
                row, {"resolution": resolution_with(resolution, refund_id=refund.refund_id)}, None, clock.now_iso()
            )
            resolution = row.resolution
            assert resolution is not None
        try:
            _move_the_money(row, txn, outcome, refund_amount, resolution.refund_id, actor)
        except InvalidState:
            if txn.status != move.target:  # not a concurrent settlement (or the provider) that got there first
                raise
    elif txn.status != move.target:
        raise InvalidState(resource="transaction", current_status=txn.status, action=move.name)
    now = clock.now_iso()
    settled = resolution_with(resolution, settlement=SETTLED, settled_at=now)
    entry = _entry(now, DisputeStatus.RESOLVED, "DisputeSettled", actor.id, actor.role, resolution.refund_id)
    try:
        store.commit(row, {"resolution": settled, "settlement_due_at": None}, entry, now)
    except store.Conflict:
        row.refresh(consistent_read=True)
        if row.resolution is not None and row.resolution.settlement == SETTLED:
            return  # another run finished it
        raise
    record(
        row,
        actor,
        "DISPUTE_SETTLED",
        RESOLVE.event,
        before={"settlement": PENDING},
        after={"settlement": SETTLED},
        extra={
            "outcome": outcome.value,
            "buyer_amount": int(settled.buyer_amount),
            "seller_amount": int(settled.seller_amount),
            "note": settled.note,
            "refund_id": settled.refund_id,
        },
    )


def _move_the_money(
    row: DisputeRow, txn: TransactionRow, outcome: Outcome, refund_amount: int, refund_id: str | None, actor: Actor
) -> None:
    """The transaction's move, with the refund in its books (``refunds``, ``refunded_amount``) so
    that the provider's later ``payment.refunded`` for it is recognised as already recorded."""
    if outcome is Outcome.REFUND_TO_BUYER:
        assert refund_id is not None
        refund_in_full(txn, actor, refund_id=refund_id, amount=refund_amount)
        return
    extra: list[Action] = []
    if refund_amount:
        entry = RefundEntry(refund_id=refund_id, amount=refund_amount, at=clock.now_iso())  # type: ignore[no-untyped-call]
        extra = [
            TransactionRow.refunded_amount.set(int(txn.refunded_amount or 0) + refund_amount),
            TransactionRow.refunds.set((TransactionRow.refunds | []).append([entry])),
        ]
    apply_move(
        txn,
        txn_states.RELEASE,
        actor,
        note=f"{row.dispute_id} {outcome.value}",
        extra_actions=extra,
        event_extra={
            "dispute_id": row.dispute_id,
            "released_amount": int(txn.amount) - int(txn.refunded_amount or 0) - refund_amount,
            **({"refund_id": refund_id, "refund_amount": refund_amount} if refund_amount else {}),
        },
    )


def resolution_with(resolution: Resolution, **changes: Any) -> Resolution:
    return Resolution(**{**resolution.as_dict(), **changes})  # type: ignore[no-untyped-call]


# ---------------------------------------------------------------------------------------- moves
def transition(
    row: DisputeRow,
    move: Move,
    actor: Actor,
    changes: dict[str, Any],
    *,
    note: str | None = None,
    extra: dict[str, Any] | None = None,
    announce: bool = True,
) -> None:
    """Move ``row`` along the state machine (refreshed in place), for a request: a lost race
    becomes the 409 for what it lost to."""
    try:
        commit_move(row, move, actor, changes, note=note, extra=extra, announce=announce)
    except store.Conflict as exc:
        raise _lost_race(row, move.sources, move.name) from exc


def commit_move(
    row: DisputeRow,
    move: Move,
    actor: Actor,
    changes: dict[str, Any],
    *,
    note: str | None = None,
    extra: dict[str, Any] | None = None,
    announce: bool = True,
) -> None:
    """One conditional write, then the audit record and (unless ``announce`` is off) the event.
    Raises :class:`store.Conflict` when the dispute changed since it was read."""
    _require_move(row, move)
    before, now = row.status, clock.now_iso()
    entry = _entry(now, move.target, move.event, actor.id, _role(row, actor), note)
    store.commit(row, {"status": move.target.value, **changes}, entry, now)
    audited = {
        key: value.as_dict() if isinstance(value, MapAttribute) else value  # type: ignore[no-untyped-call]
        for key, value in changes.items()
    }
    write_audit(
        f"DISPUTE_{move.name.upper()}",
        row.dispute_id,
        actor,
        before={"status": before},
        after={"status": row.status, **audited},
        reason=note,
    )
    if announce:
        publish(move.event, event_detail(row, actor, previous_status=before, **(extra or {})), domain="disputes")


def _require_move(row: DisputeRow, move: Move) -> None:
    status = DisputeStatus(row.status)
    if status is DisputeStatus.RESOLVED:
        raise DisputeResolved()
    if status not in move.sources:
        raise InvalidState(resource="dispute", current_status=status.value, action=move.name)


def _lost_race(row: DisputeRow, sources: frozenset[DisputeStatus], action: str) -> DomainError:
    row.refresh(consistent_read=True)
    if row.status == DisputeStatus.RESOLVED:
        return DisputeResolved()
    if DisputeStatus(row.status) not in sources:
        return InvalidState(resource="dispute", current_status=row.status, action=action)
    return ConcurrentModification(resource="dispute")


def record(
    row: DisputeRow,
    actor: Actor,
    action: str,
    event: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    write_audit(action, row.dispute_id, actor, before=before, after=after)
    publish(event, event_detail(row, actor, **(extra or {})), domain="disputes")


def event_detail(row: DisputeRow, actor: Actor, **extra: Any) -> dict[str, Any]:
    """What every dispute event carries: enough for the notification function to act without a read."""
    return {
        "dispute_id": row.dispute_id,
        "transaction_id": row.transaction_id,
        "status": row.status,
        "reason": row.reason,
        "buyer_id": row.buyer_id,
        "seller_id": row.seller_id,
        "amount": int(row.amount),
        "currency": row.currency,
        "assigned_to": row.assigned_to,
        "awaiting": row.awaiting,
        "info_request": row.info_request,
        "escalate_at": row.escalate_at,
        "actor_id": actor.id,
        "actor_role": _role(row, actor),
        **extra,
    }


# ---------------------------------------------------------------------------------------- access
def _visible(principal: Principal, dispute_id: str) -> DisputeRow:
    """The dispute if the caller is a party or staff; otherwise not found (ids cannot be probed)."""
    row = store.find(dispute_id)
    if row is None or not (principal.is_staff or principal.user_id in (row.buyer_id, row.seller_id)):
        raise NotFound("dispute")
    return row


def _require_impartial(principal: Principal, row: DisputeRow) -> None:
    """Staff routes declare their role (``create_app(role=...)``); what depends on the dispute is here."""
    # A staff member who is a party to the dispute speaks as that party, never with staff powers.
    if _party(row, principal.user_id):
        raise ConflictOfInterest()


def _party(row: DisputeRow, user_id: str) -> str | None:
    if user_id == row.buyer_id:
        return Party.BUYER.value
    if user_id == row.seller_id:
        return Party.SELLER.value
    return None


def _role(row: DisputeRow, actor: Actor) -> str:
    """How the actor appears on the timeline: ``buyer``/``seller`` for parties, else their role."""
    party = _party(row, actor.id)
    return party.lower() if party else actor.role


def _entry(
    at: str, status: DisputeStatus, event: str, actor_id: str, role: str, note: str | None = None
) -> TimelineEntry:
    return TimelineEntry(  # type: ignore[no-untyped-call]
        at=at, event=event, status=status.value, actor_id=actor_id, actor_role=role, note=note
    )


def _evidence_row(
    dispute_id: str, document_id: str, document: Any, user_id: str, role: str, note: str | None, at: str
) -> DisputeEvidenceRow:
    return DisputeEvidenceRow(
        dispute_id,
        EVIDENCE_PREFIX + document_id,
        document_id=document_id,
        submitted_by=user_id,
        submitter_role=role,
        note=note,
        filename=getattr(document, "filename", None),
        content_type=getattr(document, "content_type", None),
        at=at,
    )
