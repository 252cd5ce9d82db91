"""The stored export jobs: the only module that reads or writes :class:`ExportJobRow`.

Every change of a job after its creation is conditioned on the version read, so of two workers
started for the same job (a redelivered event) one goes on and the other stops.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pynamodb.exceptions import TransactWriteError

from paylox.audit import AuditRecord
from paylox.db import is_condition_failure, set_actions
from paylox.events import DomainEvent
from paylox.exports.models import ExportJobRow
from paylox.ids import is_id
from paylox.statemachine import Put, Update, commit_change


def insert(job: ExportJobRow, record: AuditRecord, events: Sequence[DomainEvent]) -> None:
    """Store a new job with its audit record and the event that starts the worker, in one
    DynamoDB transaction."""
    creation = Put(job, ExportJobRow.export_id.does_not_exist())
    commit_change(puts=[creation], audit=[record], events=events, aggregate_id=job.export_id)


def find(export_id: str) -> ExportJobRow | None:
    """The job ``export_id``, read consistently; None for an id that cannot be one."""
    if not is_id(export_id, "exp"):
        return None
    try:
        return ExportJobRow.get(export_id, consistent_read=True)
    except ExportJobRow.DoesNotExist:
        return None


def save(job: ExportJobRow, changes: Mapping[str, Any], events: Sequence[DomainEvent] = ()) -> bool:
    """Write ``changes`` (and announce ``events`` with them) if ``job`` is still as read; False
    when another worker changed it first. ``job`` is brought up to date either way."""
    update = Update(job, set_actions(ExportJobRow, changes))
    try:
        commit_change(updates=[update], events=events, aggregate_id=job.export_id)
    except TransactWriteError as exc:
        if not is_condition_failure(exc):
            raise
        job.refresh(consistent_read=True)
        return False
    # Written on the version read (which the commit bumped here too): the stored job is the one
    # read with these changes, so it is not read again.
    for name, value in changes.items():
        setattr(job, name, value)
    return True
