"""Opening a dispute: the buyer or seller of a funded or shipped transaction freezes its money."""

from __future__ import annotations

from paylox import clock, quotas
from paylox.audit import audit_record
from paylox.auth import Principal
from paylox.disputes import evidence, store
from paylox.disputes.deadlines import escalate_at, first_response_due_at
from paylox.disputes.errors import DisputeAlreadyOpen, TransactionNotDisputable
from paylox.disputes.models import DisputeRow
from paylox.disputes.parties import timeline_entry
from paylox.disputes.schemas import CreateDisputeRequest, DisputeView
from paylox.disputes.states import DisputeStatus, Party
from paylox.errors import DomainError, InvalidState, NotFound
from paylox.events import DomainEvent
from paylox.ids import new_id
from paylox.transactions import states as txn_states
from paylox.transactions.models import TransactionRow
from paylox.transactions.service import apply_move, find_transaction
from paylox.transactions.states import TxnStatus


def open_dispute(
    principal: Principal, request: CreateDisputeRequest, documents: evidence.EvidenceDocuments | None = None
) -> DisputeView:
    """The buyer or seller of a funded or shipped transaction opens a dispute; the transaction
    becomes ``DISPUTED`` (its money frozen) in the same step."""
    txn = find_transaction(request.transaction_id)
    if txn is None or principal.user_id not in (txn.buyer_id, txn.seller_id):
        raise NotFound("transaction")
    _require_disputable(txn)
    checked = [
        evidence.documents(documents).get_downloadable_document(principal.user_id, document_id)
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
        timeline=[timeline_entry(now, DisputeStatus.OPENED, "DisputeOpened", principal.user_id, role, request.reason)],
    )
    items = [
        evidence.evidence_row(row.dispute_id, document_id, document, principal.user_id, role, None, now)
        for document_id, document in zip(request.evidence_document_ids, checked, strict=True)
    ]
    audit = audit_record(
        "DISPUTE_OPENED", row.dispute_id, principal.actor, after={"status": row.status, "reason": row.reason}
    )
    opened_event = store.event_detail(
        row,
        principal.actor,
        description=row.description,
        opened_by=row.opened_by,
        opened_by_party=party.value,
    )
    # The transaction's conditional move is the gate: of concurrent requests exactly one freezes
    # the transaction, and the dispute is stored in the same DynamoDB transaction, so money is
    # never frozen without a dispute to settle it, nor a dispute opened on money that is not.
    # Counted by the same write: a refused request (or a lost race) takes none of the hour's quota.
    quota = quotas.claim(principal.user_id, quotas.DISPUTES)
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
            items=[*store.opening_items(row, items, audit), quota],
            also=[DomainEvent("DisputeOpened", opened_event, "disputes")],
        )
    except InvalidState as exc:
        raise _not_disputable(txn) from exc
    return DisputeView(row, [], items)


def _require_disputable(txn: TransactionRow) -> None:
    if TxnStatus(txn.status) not in txn_states.DISPUTE.sources:
        raise _not_disputable(txn)


def _not_disputable(txn: TransactionRow) -> DomainError:
    if txn.status == TxnStatus.DISPUTED:
        existing = store.open_dispute_of(txn.id)
        return DisputeAlreadyOpen(dispute_id=existing.dispute_id) if existing else DisputeAlreadyOpen()
    return TransactionNotDisputable(current_status=txn.status)
