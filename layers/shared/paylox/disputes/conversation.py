"""Messages and evidence: what the parties and staff add to a dispute while it is open.

From the party a reviewer awaits, a message or evidence is also their answer: the dispute moves
back to ``UNDER_REVIEW`` in the same DynamoDB transaction that stores it. That transaction also
holds the audit records and the domain events of both.
"""

from __future__ import annotations

from typing import Any

from paylox import clock
from paylox.audit import AuditRecord, audit_record
from paylox.auth import Actor, Principal
from paylox.disputes import evidence, store
from paylox.disputes.access import visible
from paylox.disputes.assignment import NOT_AWAITING
from paylox.disputes.errors import DisputeLimitReached, DisputeResolved, EvidenceAlreadySubmitted
from paylox.disputes.models import MESSAGE_PREFIX, DisputeEvidenceRow, DisputeMessageRow, DisputeRow, TimelineEntry
from paylox.disputes.parties import party_of, role_of, timeline_entry
from paylox.disputes.reading import view_of
from paylox.disputes.schemas import DisputeView
from paylox.disputes.states import PROVIDE_INFO, DisputeStatus
from paylox.errors import ConcurrentModification
from paylox.events import DomainEvent
from paylox.ids import new_id

MAX_MESSAGES = 200
MAX_EVIDENCE = 20


def post_message(principal: Principal, dispute_id: str, body: str) -> DisputeView:
    """A party or staff member writes to the dispute. From the awaited party it is their answer."""
    row = visible(principal, dispute_id)
    now = clock.now_iso()
    message_id = new_id("msg")
    item = DisputeMessageRow(
        row.dispute_id,
        MESSAGE_PREFIX + message_id,
        message_id=message_id,
        author_id=principal.user_id,
        author_role=role_of(row, principal.actor),
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
    documents: evidence.EvidenceDocuments | None = None,
) -> DisputeView:
    """Attach one of the submitter's own downloadable documents. From the awaited party it is
    their answer."""
    row = visible(principal, dispute_id)
    if row.status == DisputeStatus.RESOLVED:
        raise DisputeResolved()
    document = evidence.documents(documents).get_downloadable_document(principal.user_id, document_id)
    now = clock.now_iso()
    item = evidence.evidence_row(
        row.dispute_id, document_id, document, principal.user_id, role_of(row, principal.actor), note, now
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


def _records(
    row: DisputeRow,
    actor: Actor,
    addition: tuple[str, str, dict[str, str]],
    answer: tuple[dict[str, Any], TimelineEntry] | None,
) -> tuple[list[AuditRecord], list[DomainEvent]]:
    """The audit records and events of an addition (``(action, event, reference)``) and of the
    answer it is, built before the write so that they join its transaction; the events show the
    dispute as the write leaves it."""
    action, event, reference = addition
    changed = answer[0] if answer is not None else {}
    detail = store.event_detail(row, actor)
    after = {key: value for key, value in changed.items() if key in detail}
    audit = [audit_record(action, row.dispute_id, actor, after=reference)]
    events = [DomainEvent(event, {**detail, **after, **reference}, "disputes")]
    if answer is not None:
        assert PROVIDE_INFO.event is not None
        waiting = DisputeStatus.PENDING_INFO.value
        audit.append(
            audit_record(
                PROVIDE_INFO.audit,
                row.dispute_id,
                actor,
                before={"status": waiting},
                after={"status": changed["status"]},
            )
        )
        events.append(DomainEvent(PROVIDE_INFO.event, {**detail, **after, "previous_status": waiting}, "disputes"))
    return audit, events


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
    _append(row, item, actor, now, what=what, addition=(action, event, reference))
    return view_of(row)


def _append(
    row: DisputeRow,
    item: DisputeMessageRow | DisputeEvidenceRow,
    actor: Actor,
    now: str,
    *,
    what: str,
    addition: tuple[str, str, dict[str, str]],
) -> bool:
    """Store ``item`` with the dispute still open and under its limit; True when it was the
    awaited party's answer (and so moved the dispute back to ``UNDER_REVIEW``)."""
    limit = MAX_MESSAGES if what == "messages" else MAX_EVIDENCE
    party = party_of(row, actor.id)
    for _ in range(3):
        if row.status == DisputeStatus.RESOLVED:
            raise DisputeResolved()
        if store.count_of(row, item) >= limit:
            raise DisputeLimitReached(what, limit)
        if isinstance(item, DisputeEvidenceRow) and store.has_item(row.dispute_id, item.item):
            raise EvidenceAlreadySubmitted()
        answering = row.status == DisputeStatus.PENDING_INFO and party is not None and row.awaiting == party
        answer = None
        if answering:
            assert PROVIDE_INFO.target is not None and PROVIDE_INFO.event is not None
            entry = timeline_entry(now, PROVIDE_INFO.target, PROVIDE_INFO.event, actor.id, role_of(row, actor))
            answer = ({"status": PROVIDE_INFO.target.value, **NOT_AWAITING}, entry)
        try:
            audit, events = _records(row, actor, addition, answer)
            store.append(row, item, now, limit=limit, answer=answer, audit=audit, events=events)
            return answering
        except store.Conflict:
            store.refresh(row)  # re-decide on what is stored now
    raise ConcurrentModification(resource="dispute")
