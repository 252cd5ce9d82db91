"""Reading a document and moving it along its life cycle: one conditional write per move,
then the audit record and the domain event. Shared by the request path, the processing
pipeline and the cleanup, so every state change is recorded the same way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from paylox import clock
from paylox.audit import write_audit
from paylox.auth import Actor
from paylox.db import is_condition_failure
from paylox.documents.models import DocumentRow
from paylox.documents.states import DocStatus, Move
from paylox.errors import ConcurrentModification, InvalidState
from paylox.events import publish
from paylox.ids import is_id


def find_document(document_id: str) -> DocumentRow | None:
    """Any document by id (no access check), read consistently."""
    if not is_id(document_id, "doc"):
        return None
    try:
        return DocumentRow.get(document_id, consistent_read=True)
    except DocumentRow.DoesNotExist:
        return None


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


def commit(
    doc: DocumentRow,
    move: Move,
    actor: Actor,
    *,
    actions: Sequence[Action] = (),
    reason: str | None = None,
    audit_after: dict[str, Any] | None = None,
    event_extra: dict[str, Any] | None = None,
) -> DocumentRow:
    """Apply ``move`` to ``doc`` in one write conditioned on its status and version.

    A lost race refreshes ``doc`` in place and raises :class:`InvalidState` (the status moved on)
    or :class:`ConcurrentModification` (same status, other fields changed): callers that can
    decide again (the processing pipeline) re-read ``doc`` and do so.
    """
    previous = DocStatus(doc.status)
    if previous not in move.sources:
        raise InvalidState(resource="document", current_status=previous.value, action=move.name)
    try:
        doc.update(
            actions=[
                DocumentRow.status.set(move.target.value),
                DocumentRow.updated_at.set(clock.now_iso()),
                *actions,
            ],
            condition=DocumentRow.status == previous.value,
        )
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        doc.refresh(consistent_read=True)
        if doc.status == previous.value:
            raise ConcurrentModification(resource="document") from exc
        raise InvalidState(resource="document", current_status=doc.status, action=move.name) from exc
    write_audit(
        move.audit_action,
        doc.id,
        actor,
        before={"status": previous.value},
        after={"status": move.target.value, **(audit_after or {})},
        reason=reason,
    )
    if move.event:
        publish(
            move.event, event_detail(doc, previous_status=previous.value, **(event_extra or {})), domain="documents"
        )
    return doc


def update_in_state(doc: DocumentRow, actions: Sequence[Action]) -> DocumentRow:
    """Change fields of ``doc`` without moving it, provided nobody else wrote in between
    (status and version); otherwise ``doc`` is re-read and the race reported as in :func:`commit`."""
    status = doc.status
    try:
        doc.update(actions=list(actions), condition=DocumentRow.status == status)
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        doc.refresh(consistent_read=True)
        raise ConcurrentModification(resource="document") from exc
    return doc


#: How :func:`commit` and :func:`update_in_state` report that someone else wrote first.
LOST_RACE = (InvalidState, ConcurrentModification)
