"""Reading and writing disputes in DynamoDB. The service decides; this module only persists.

Every change of a dispute's status, owner or deadlines goes through :func:`state_actions`: one
conditional update on ``state_version`` that also recomputes the dispute's place in the
``open_by_due`` index, so the index can never disagree with the dispute it points to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from paylox.db import is_condition_failure
from paylox.disputes.deadlines import Deadlines
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
from paylox.disputes.states import DisputeStatus
from paylox.ids import ID_PATTERN, is_id
from paylox.paging import Keyset


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


def create(row: DisputeRow, evidence_rows: list[DisputeEvidenceRow], transaction: TransactWrite) -> None:
    """Add a new dispute and its first evidence to ``transaction`` (the one that freezes the money)."""
    _place_in_due_index(row)
    transaction.save(row, condition=DisputeRow.dispute_id.does_not_exist())
    for evidence_row in evidence_rows:
        transaction.save(evidence_row, condition=DisputeEvidenceRow.item.does_not_exist())


def state_actions(
    row: DisputeRow, changes: dict[str, Any], entry: TimelineEntry | None, now: str
) -> tuple[list[Action], Condition]:
    """The update that applies ``changes`` (attribute → value; None removes it) to ``row`` and
    its condition: nobody changed the dispute's state since ``row`` was read."""
    actions: list[Action] = []
    for name, value in changes.items():
        attribute = getattr(DisputeRow, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    due = Deadlines.of(row, changes).next_due_at()
    actions += [
        DisputeRow.state_version.set(int(row.state_version) + 1),
        DisputeRow.updated_at.set(now),
        *(
            [DisputeRow.due_shard.set(DUE_SHARD), DisputeRow.next_due_at.set(due)]
            if due
            else [DisputeRow.due_shard.remove(), DisputeRow.next_due_at.remove()]
        ),
    ]
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


def append(
    row: DisputeRow,
    item: DisputeMessageRow | DisputeEvidenceRow,
    *,
    counter_actions: list[Action],
    guard: Condition,
    state: tuple[list[Action], Condition] | None = None,
) -> None:
    """Add a message or evidence item and count it on the dispute, in one transaction.

    ``guard`` is checked on the dispute (still open, under its limit); ``state``, when the item
    also changes the dispute's state (the awaited party answering), adds that conditional update.
    """
    actions, condition = list(counter_actions), guard
    if state is not None:
        actions += state[0]
        condition &= state[1]
    try:
        with TransactWrite(connection=Connection()) as transaction:
            transaction.update(row, actions=actions, condition=condition)
            transaction.save(item, condition=type(item).item.does_not_exist())
    except TransactWriteError as exc:
        if not is_condition_failure(exc):
            raise
        raise Conflict from exc
    row.refresh(consistent_read=True)


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
