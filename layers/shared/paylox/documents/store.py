"""The stored documents and share links: the only module that touches their PynamoDB models.

Moves go through :func:`paylox.statemachine.commit_move` with this domain's :data:`MACHINE`, so
the request path, the processing pipeline and the cleanup record every state change the same
way: one conditional write with its audit record, then the domain event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError

from paylox.audit import AuditRecord
from paylox.auth import Actor
from paylox.db import is_condition_failure, set_actions
from paylox.documents.models import DocumentRow, ShareLinkRow, Sweep
from paylox.documents.states import DocStatus
from paylox.errors import ConcurrentModification
from paylox.events import DomainEvent
from paylox.ids import is_id
from paylox.statemachine import Claim, Machine, Move, Put, Update, commit_change, commit_claiming, commit_move


def event_detail(doc: DocumentRow, **extra: Any) -> dict[str, Any]:
    """What every document event carries: enough for a consumer to act without a read."""
    return {
        "document_id": doc.id,
        "owner_id": doc.owner_id,
        "status": doc.status,
        "purpose": doc.purpose,
        "transaction_id": doc.transaction_id,
        "filename": doc.filename,
        **extra,
    }


class _Documents(Machine[DocStatus, DocumentRow]):
    resource = "document"
    domain = "documents"
    statuses = DocStatus

    def target_id(self, row: DocumentRow) -> str:
        return row.id

    def event_detail(
        self, row: DocumentRow, actor: Actor, previous: DocStatus | None, extra: Mapping[str, Any]
    ) -> dict[str, Any]:
        return event_detail(row, previous_status=previous.value if previous else None, **extra)


MACHINE = _Documents()


def find_document(document_id: str) -> DocumentRow | None:
    """Any document by id (no access check), read consistently."""
    if not is_id(document_id, "doc"):
        return None
    try:
        return DocumentRow.get(document_id, consistent_read=True)
    except DocumentRow.DoesNotExist:
        return None


def insert(doc: DocumentRow, record: AuditRecord, quota: Claim) -> None:
    """Store a new document (its id must be new) with its audit record, in one DynamoDB transaction
    that also makes ``quota`` (the owner's hourly count of uploads): its refusal is raised when the
    quota is used up, and nothing is stored."""
    creation = Put(doc, DocumentRow.id.does_not_exist())
    commit_claiming(
        lambda: commit_change(puts=[creation], audit=[record], aggregate_id=doc.id, claims=[quota]), [quota]
    )


def commit(
    doc: DocumentRow,
    move: Move[DocStatus],
    actor: Actor,
    *,
    changes: Mapping[str, Any] | None = None,
    reason: str | None = None,
    audit_after: dict[str, Any] | None = None,
    event_extra: dict[str, Any] | None = None,
) -> DocumentRow:
    """Apply ``move`` to ``doc`` with ``changes`` (attribute → value; None removes it).

    A lost race re-reads ``doc`` in place and raises :class:`InvalidState` (the status moved on)
    or :class:`ConcurrentModification` (the move is still possible): callers that can decide
    again (the processing pipeline) do so on the re-read ``doc``.
    """
    return commit_move(
        MACHINE, doc, move, actor, note=reason, changes=changes, audit_after=audit_after, event_extra=event_extra
    )


def mark_rescanned(doc: DocumentRow, changes: Mapping[str, Any], record: AuditRecord) -> bool:
    """Make ``changes`` (the rescan's mark) with its audit ``record``, provided the document is still
    in its state and not yet marked: False when another cleanup run marked it first."""
    condition = (DocumentRow.status == doc.status) & DocumentRow.scan_rescanned_at.does_not_exist()
    try:
        commit_change(updates=[Update(doc, set_actions(DocumentRow, changes), condition=condition)], audit=[record])
    except TransactWriteError as exc:
        if not is_condition_failure(exc):
            raise
        return False
    for name, value in changes.items():
        setattr(doc, name, value)
    return True


def update_in_state(
    doc: DocumentRow,
    changes: Mapping[str, Any],
    *,
    record: AuditRecord | None = None,
    events: Sequence[DomainEvent] = (),
) -> DocumentRow:
    """Change fields of ``doc`` without moving it, provided nobody else wrote in between (its
    status), with its audit ``record`` and ``events`` in the same DynamoDB transaction when given;
    otherwise ``doc`` is re-read and the race reported as in :func:`commit`."""
    condition = DocumentRow.status == doc.status
    try:
        if record is None and not events:
            doc.update(actions=set_actions(DocumentRow, changes), condition=condition)
            return doc
        update = Update(doc, set_actions(DocumentRow, changes), condition=condition)
        commit_change(updates=[update], audit=[record] if record else [], events=events, aggregate_id=doc.id)
    except (UpdateError, TransactWriteError) as exc:
        if not is_condition_failure(exc):
            raise
        doc.refresh(consistent_read=True)
        raise ConcurrentModification(resource="document") from exc
    for name, value in changes.items():  # the transaction does not bring the item up to date
        setattr(doc, name, value)
    return doc


def claim_lease(doc: DocumentRow, status: DocStatus, now: str, stale: str) -> bool:
    """Take the processing lease on ``doc`` while it is in ``status`` and nobody holds a lease
    newer than ``stale``; False when refused (``doc`` is then re-read)."""
    try:
        doc.update(
            actions=[DocumentRow.processing_since.set(now)],
            condition=(DocumentRow.status == status.value)
            & (DocumentRow.processing_since.does_not_exist() | (DocumentRow.processing_since < stale)),
        )
        return True
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        doc.refresh(consistent_read=True)
        return False


def release_lease(doc: DocumentRow) -> None:
    try:
        doc.update(actions=[DocumentRow.processing_since.remove()])
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise


def due_for_sweep(sweep: Sweep, now: str, limit: int) -> list[str]:
    """Ids of the documents whose ``sweep`` is due at ``now`` (the sparse ``by_sweep`` index)."""
    rows = DocumentRow.by_sweep.query(sweep.value, DocumentRow.sweep_at <= now, limit=limit)
    return [row.id for row in rows]


# ---------------------------------------------------------------------------- share links
def insert_share(share: ShareLinkRow, record: AuditRecord) -> None:
    """Store a new share link with its audit record, in one DynamoDB transaction."""
    commit_change(puts=[Put(share, ShareLinkRow.share_id.does_not_exist())], audit=[record])


def find_share(share_id: str) -> ShareLinkRow | None:
    if not is_id(share_id, "shr"):
        return None
    try:
        return ShareLinkRow.get(share_id, consistent_read=True)
    except ShareLinkRow.DoesNotExist:
        return None


def revoke_share(share: ShareLinkRow, by: str, at: str, record: AuditRecord) -> bool:
    """Mark ``share`` revoked, with its audit record in the same DynamoDB transaction; False (and
    nothing written) when a concurrent request revoked it first."""
    revoking = Update(
        share,
        [ShareLinkRow.revoked_at.set(at), ShareLinkRow.revoked_by.set(by)],
        condition=ShareLinkRow.revoked_at.does_not_exist(),
    )
    try:
        commit_change(updates=[revoking], audit=[record])
    except TransactWriteError as exc:
        if is_condition_failure(exc):
            return False
        raise
    share.revoked_at, share.revoked_by = at, by
    return True


def count_share_use(share: ShareLinkRow, now: str, record: AuditRecord) -> bool:
    """Count one use of ``share`` while it is still live, with its audit ``record`` in the same
    DynamoDB transaction; False, and nothing written, when it was revoked or expired. The count is
    an atomic increment, so uses of one link at the same moment never refuse each other."""
    using = Update(
        share,
        [ShareLinkRow.use_count.add(1), ShareLinkRow.last_used_at.set(now)],
        condition=ShareLinkRow.revoked_at.does_not_exist() & (ShareLinkRow.expires_at > now),
        versioned=False,
    )
    try:
        commit_change(updates=[using], audit=[record])
    except TransactWriteError as exc:
        if is_condition_failure(exc):
            return False
        raise
    share.use_count, share.last_used_at = int(share.use_count or 0) + 1, now
    return True


def newest_of_owner(owner_id: str, at_most: int) -> list[DocumentRow]:
    """``owner_id``'s newest ``at_most`` documents, deleted ones included: one Query of ``by_owner``."""
    return list(DocumentRow.by_owner.query(owner_id, scan_index_forward=False, limit=at_most))
