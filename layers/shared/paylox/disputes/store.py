"""Reading and writing disputes in DynamoDB: the only module that touches the dispute models.
The other modules decide; this one only persists.

Every change of a dispute's status, owner or deadlines is one conditional update on
``state_version`` that also recomputes the dispute's place in the ``open_by_due`` index
(:func:`_state_changes`), so the index can never disagree with the dispute it points to. Moves
go through :func:`paylox.statemachine.commit_move` with this domain's :data:`MACHINE`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pynamodb.attributes import MapAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from paylox.audit import APPEND_ONLY, AuditRecord
from paylox.auth import Actor
from paylox.db import connection, is_condition_failure, set_actions
from paylox.disputes.deadlines import Deadlines
from paylox.disputes.errors import DisputeResolved
from paylox.disputes.models import (
    DISPUTE_ITEM,
    DUE_SHARD,
    EVIDENCE_PREFIX,
    MESSAGE_PREFIX,
    DisputeEvidenceRow,
    DisputeMessageRow,
    DisputeRow,
    TimelineEntry,
)
from paylox.disputes.parties import role_of, timeline_entry
from paylox.disputes.states import ASSIGN, REASSIGN, DisputeStatus
from paylox.errors import ConcurrentModification, DomainError
from paylox.events import DomainEvent, write_in
from paylox.ids import ID_PATTERN, is_id
from paylox.paging import Keyset
from paylox.statemachine import Machine, Move, Put, commit_move


class Conflict(Exception):
    """A conditional write was refused: the dispute changed since it was read, or a guard failed."""


def find(dispute_id: str) -> DisputeRow | None:
    if not is_id(dispute_id, "dsp"):
        return None
    try:
        return DisputeRow.get(dispute_id, DISPUTE_ITEM, consistent_read=True)
    except DisputeRow.DoesNotExist:
        return None


def messages(dispute_id: str) -> list[DisputeMessageRow]:
    return list(
        DisputeMessageRow.query(dispute_id, DisputeMessageRow.item.startswith(MESSAGE_PREFIX), consistent_read=True)
    )


def evidence(dispute_id: str) -> list[DisputeEvidenceRow]:
    rows = DisputeEvidenceRow.query(
        dispute_id, DisputeEvidenceRow.item.startswith(EVIDENCE_PREFIX), consistent_read=True
    )
    return sorted(rows, key=lambda row: row.at)


def has_item(dispute_id: str, item: str) -> bool:
    """Whether the dispute already holds ``item`` (a message or evidence key)."""
    return DisputeEvidenceRow.count(dispute_id, DisputeEvidenceRow.item == item, consistent_read=True) > 0


def open_dispute_of(transaction_id: str) -> DisputeRow | None:
    """The transaction's dispute that is not resolved yet, if any."""
    for row in DisputeRow.by_transaction.query(transaction_id, scan_index_forward=False):
        if row.status != DisputeStatus.RESOLVED:
            return row
    return None


def of_transaction(transaction_id: str) -> list[DisputeRow]:
    """Every dispute of the transaction, newest first (one Query on ``by_transaction``)."""
    return list(DisputeRow.by_transaction.query(transaction_id, scan_index_forward=False))


def opening_items(row: DisputeRow, evidence_rows: Sequence[DisputeEvidenceRow], audit: AuditRecord) -> list[Put]:
    """What stores a new dispute, its first evidence and its audit record, in the transaction that
    freezes the money."""
    _place_in_due_index(row)
    return [
        Put(row, DisputeRow.dispute_id.does_not_exist()),
        *(Put(evidence_row, DisputeEvidenceRow.item.does_not_exist()) for evidence_row in evidence_rows),
        Put(audit, APPEND_ONLY),
    ]


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
        "actor_role": role_of(row, actor),
        **extra,
    }


class _Disputes(Machine[DisputeStatus, DisputeRow]):
    resource = "dispute"
    domain = "disputes"
    statuses = DisputeStatus

    def target_id(self, row: DisputeRow) -> str:
        return row.dispute_id

    def bookkeeping(self, row: DisputeRow, changes: Mapping[str, Any]) -> tuple[dict[str, Any], Condition]:
        return _state_changes(row, changes), DisputeRow.state_version == int(row.state_version)

    def timeline_entry(
        self, row: DisputeRow, status: DisputeStatus, event: str, actor: Actor, note: str | None, at: str
    ) -> MapAttribute[str, object]:
        return timeline_entry(at, status, event, actor.id, role_of(row, actor), note)

    def event_detail(
        self, row: DisputeRow, actor: Actor, previous: DisputeStatus | None, extra: Mapping[str, Any]
    ) -> dict[str, Any]:
        if previous is None:
            return event_detail(row, actor, **extra)
        return event_detail(row, actor, previous_status=previous.value, **extra)

    def refine(self, row: DisputeRow, move: Move[DisputeStatus], error: DomainError) -> DomainError:
        status = DisputeStatus(row.status)
        if status is DisputeStatus.RESOLVED and status not in move.sources:
            return DisputeResolved()  # final: nothing moves it and nothing more is written to it
        if move is REASSIGN and status in ASSIGN.sources:
            return ConcurrentModification(resource="dispute")  # taking it on is possible again
        return error


MACHINE = _Disputes()


def apply_move(
    row: DisputeRow,
    move: Move[DisputeStatus],
    actor: Actor,
    changes: Mapping[str, Any] | None = None,
    *,
    note: str | None = None,
    audit_before: Mapping[str, Any] | None = None,
    audit_after: Mapping[str, Any] | None = None,
    event_extra: Mapping[str, Any] | None = None,
    also: Sequence[DomainEvent] = (),
    announced: bool = True,
) -> DisputeRow:
    """Apply ``move`` with ``changes`` (attribute → value; None removes it) to ``row``, updated in
    place (see :func:`paylox.statemachine.commit_move`). The audit record shows ``changes`` unless
    ``audit_after`` says otherwise."""
    return commit_move(
        MACHINE,
        row,
        move,
        actor,
        note=note,
        changes=changes,
        audit_before=audit_before,
        audit_after=_audited(changes or {}) if audit_after is None else audit_after,
        event_extra=event_extra,
        also=also,
        announced=announced,
    )


def _audited(changes: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: value.as_dict() if isinstance(value, MapAttribute) else value  # type: ignore[no-untyped-call]
        for key, value in changes.items()
    }


def _state_changes(row: DisputeRow, changes: Mapping[str, Any]) -> dict[str, Any]:
    """What every state change also writes: the next ``state_version`` and the dispute's place in
    ``open_by_due`` once ``changes`` are applied."""
    due = Deadlines.of(row, dict(changes)).next_due_at()
    return {
        "state_version": int(row.state_version) + 1,
        "due_shard": DUE_SHARD if due else None,
        "next_due_at": due,
    }


def state_actions(
    row: DisputeRow, changes: dict[str, Any], entry: TimelineEntry | None, now: str
) -> tuple[list[Action], Condition]:
    """The update that applies ``changes`` (attribute → value; None removes it) to ``row`` and
    its condition: nobody changed the dispute's state since ``row`` was read."""
    written = {**changes, "updated_at": now, **_state_changes(row, changes)}
    actions = set_actions(DisputeRow, written)
    if entry is not None:
        actions.append(DisputeRow.timeline.set(DisputeRow.timeline.append([entry])))
    return actions, DisputeRow.state_version == int(row.state_version)


def commit(row: DisputeRow, changes: dict[str, Any], entry: TimelineEntry | None, now: str) -> None:
    """Apply a state change to ``row`` (refreshed in place); :class:`Conflict` if it is stale."""
    actions, condition = state_actions(row, changes, entry, now)
    try:
        row.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if not is_condition_failure(exc):
            raise
        raise Conflict from exc


def count_of(row: DisputeRow, item: DisputeMessageRow | DisputeEvidenceRow) -> int:
    """How many items of ``item``'s kind the dispute holds."""
    return int(row.message_count if isinstance(item, DisputeMessageRow) else row.evidence_count)


def append(
    row: DisputeRow,
    item: DisputeMessageRow | DisputeEvidenceRow,
    now: str,
    *,
    limit: int,
    answer: tuple[dict[str, Any], TimelineEntry] | None = None,
    audit: Sequence[AuditRecord] = (),
    events: Sequence[DomainEvent] = (),
) -> None:
    """Add a message or evidence item and count it on the dispute, in one transaction with its
    ``audit`` records and ``events``, with the dispute still open and under ``limit`` items of that
    kind; :class:`Conflict` otherwise.

    ``answer``, when the item is the awaited party's answer, is the state change (and timeline
    entry) that goes with it, conditioned like any state change. ``row`` is re-read after.
    """
    counter = DisputeRow.message_count if isinstance(item, DisputeMessageRow) else DisputeRow.evidence_count
    actions: list[Action] = [counter.add(1)]
    condition = (DisputeRow.status != DisputeStatus.RESOLVED.value) & (counter < limit)
    if answer is not None:
        state, state_condition = state_actions(row, answer[0], answer[1], now)
        actions += state
        condition &= state_condition
    else:
        actions.append(DisputeRow.updated_at.set(now))
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.update(row, actions=actions, condition=condition)
            transaction.save(item, condition=type(item).item.does_not_exist())
            for record in audit:
                transaction.save(record, condition=APPEND_ONLY)
            write_in(transaction, events, aggregate_id=row.dispute_id)
    except TransactWriteError as exc:
        if not is_condition_failure(exc):
            raise
        raise Conflict from exc
    row.refresh(consistent_read=True)


def refresh(row: DisputeRow) -> DisputeRow:
    """``row`` re-read in place."""
    row.refresh(consistent_read=True)
    return row


def due_ids(now: str, page_size: int = 50) -> Iterator[str]:
    """Ids of the disputes with something due at ``now``, earliest first (a Query, never a Scan)."""
    for key in DisputeRow.open_by_due.query(DUE_SHARD, DisputeRow.next_due_at <= now, page_size=page_size):
        yield key.dispute_id


#: The back office's dispute list: newest first, continued after the last dispute id.
NEWEST_FIRST: Keyset[DisputeRow] = Keyset(
    "disputes", key=lambda row: {"dispute_id": row.dispute_id}, fields={"dispute_id": ID_PATTERN}
)


def page(
    *, status: str | None, assigned_to: str | None, limit: int, cursor: str | None
) -> tuple[list[DisputeRow], str | None]:
    """Disputes newest first through the status or assignee index, and the next page's cursor.

    Without filters, the per-status queries are merged (the statuses are few), as the transaction
    list merges its two indexes. Raises ``InvalidCursor`` for a cursor this list did not issue.
    """
    after = NEWEST_FIRST.after(cursor)
    range_condition = DisputeRow.dispute_id < after["dispute_id"] if after else None
    kwargs: dict[str, Any] = {"scan_index_forward": False, "limit": limit + 1}
    if assigned_to is not None:
        rows = list(
            DisputeRow.by_assignee.query(
                assigned_to,
                range_condition,
                filter_condition=DisputeRow.status == status if status else None,
                **kwargs,
            )
        )
    else:
        statuses = [status] if status else list(DisputeStatus)
        rows = [row for each in statuses for row in DisputeRow.by_status.query(each, range_condition, **kwargs)]
    rows.sort(key=lambda row: row.dispute_id, reverse=True)
    return NEWEST_FIRST.page(rows, limit)


def _place_in_due_index(row: DisputeRow) -> None:
    due = Deadlines.of(row).next_due_at()
    row.due_shard, row.next_due_at = (DUE_SHARD, due) if due else (None, None)


def every_dispute() -> Iterator[DisputeRow]:
    """Every dispute item, status by status through the ``by_status`` index (never a Scan): for
    recomputing the statistics."""
    for status in DisputeStatus:
        yield from DisputeRow.by_status.query(status.value)
