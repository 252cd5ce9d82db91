"""The append-only audit log: who did what to which record, when, from where, and why.

Every state change of money, disputes, documents, users and admin actions writes one record.
Records are keyed by target (``txn_...``) with a time-sortable id, and indexed by actor, by action
and by month (all records, and staff records only), so "what happened to this transaction", "what
did this admin do", "every refund override" and "the whole log, newest first" are each a Query,
never a Scan. Nothing updates or deletes a record: no function's IAM policy allows it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from paylox import clock
from paylox.auth import STAFF_ROLES, Actor
from paylox.context import request_meta
from paylox.db import TableName
from paylox.errors import InvalidCursor
from paylox.ids import ID_PATTERN, id_millis, new_id
from paylox.paging import Keyset


class ByActorIndex(GlobalSecondaryIndex["AuditRecord"]):
    class Meta:
        index_name = "by_actor"
        projection = AllProjection()

    actor_id = UnicodeAttribute(hash_key=True)
    audit_id = UnicodeAttribute(range_key=True)


class ByActionIndex(GlobalSecondaryIndex["AuditRecord"]):
    class Meta:
        index_name = "by_action"
        projection = AllProjection()

    action = UnicodeAttribute(hash_key=True)
    audit_id = UnicodeAttribute(range_key=True)


class ByMonthIndex(GlobalSecondaryIndex["AuditRecord"]):
    """Every record by the UTC month of its id (``YYYY-MM``): the unfiltered log, newest first."""

    class Meta:
        index_name = "by_month"
        projection = AllProjection()

    month = UnicodeAttribute(hash_key=True)
    audit_id = UnicodeAttribute(range_key=True)


class ByStaffMonthIndex(GlobalSecondaryIndex["AuditRecord"]):
    """Sparse: only what admins and support agents did, by month (the staff activity report)."""

    class Meta:
        index_name = "by_staff_month"
        projection = AllProjection()

    staff_month = UnicodeAttribute(hash_key=True)
    audit_id = UnicodeAttribute(range_key=True)


def month_of(audit_id: str) -> str:
    """The UTC month (``YYYY-MM``) of an audit id's time: the ``by_month`` partition it is in."""
    return clock.isoformat(datetime.fromtimestamp(id_millis(audit_id) / 1000, UTC))[:7]


class AuditRecord(Model):
    class Meta:
        table_name = TableName("audit_table")

    target_id = UnicodeAttribute(hash_key=True)
    audit_id = UnicodeAttribute(range_key=True)
    actor_id = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    action = UnicodeAttribute()
    at = UnicodeAttribute()
    before = UnicodeAttribute(null=True)  # JSON: the changed fields as they were
    after = UnicodeAttribute(null=True)  # JSON: the changed fields as they became
    reason = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    source_ip = UnicodeAttribute(null=True)
    month = UnicodeAttribute(null=True)  # month_of(audit_id); absent only on records made before it
    staff_month = UnicodeAttribute(null=True)  # the same, only on records of admins and support agents

    by_actor = ByActorIndex()
    by_action = ByActionIndex()
    by_month = ByMonthIndex()
    by_staff_month = ByStaffMonthIndex()


def audit_record(
    action: str,
    target_id: str,
    actor: Actor,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditRecord:
    """One audit record, not yet stored: a change puts it in the DynamoDB transaction that makes
    the change (:func:`paylox.statemachine.commit_move`, :func:`~paylox.statemachine.commit_change`),
    so there is never a change without its record, nor a record of a change that did not happen.
    The request id and source IP come from the current request."""
    meta = request_meta()
    audit_id = new_id("aud")
    month = month_of(audit_id)
    return AuditRecord(
        target_id,
        audit_id,
        month=month,
        staff_month=month if actor.role in STAFF_ROLES else None,
        actor_id=actor.id,
        actor_role=actor.role,
        action=action,
        at=clock.now_iso(),
        before=json.dumps(before, ensure_ascii=False, default=str) if before is not None else None,
        after=json.dumps(after, ensure_ascii=False, default=str) if after is not None else None,
        reason=reason,
        request_id=meta.request_id,
        source_ip=meta.source_ip,
    )


#: The condition every audit write carries. Append-only: an id collision must never overwrite.
APPEND_ONLY = AuditRecord.audit_id.does_not_exist()


def write_audit(
    action: str,
    target_id: str,
    actor: Actor,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditRecord:
    """Append one audit record on its own, for what changes no DynamoDB item (a view, a download
    link issued, an OTP sent). A change writes its record with it (:func:`audit_record`)."""
    record = audit_record(action, target_id, actor, before=before, after=after, reason=reason)
    record.save(condition=APPEND_ONLY)
    return record


def audit_trail(target_id: str, limit: int = 100, *, newest_first: bool = False) -> list[AuditRecord]:
    """The first ``limit`` audit records of one target, oldest first; with ``newest_first``, the
    ``limit`` newest ones, newest first (what a reader of a long trail wants to see)."""
    return list(AuditRecord.query(target_id, limit=limit, scan_index_forward=not newest_first))


#: One target's trail: oldest first, continued after the last audit id; a cursor is bound to its target.
OLDEST_FIRST: Keyset[AuditRecord] = Keyset(
    "audit",
    key=lambda record: {"target_id": record.target_id, "audit_id": record.audit_id},
    fields={"target_id": r"^\S{1,256}$", "audit_id": ID_PATTERN},
)


def trail_page(target_id: str, limit: int, cursor: str | None) -> tuple[list[AuditRecord], str | None]:
    """One page of the audit records of ``target_id``, oldest first, and the next page's cursor.

    Raises ``InvalidCursor`` for a cursor that is not from this target's trail.
    """
    after = OLDEST_FIRST.after(cursor)
    if after is not None and after["target_id"] != target_id:
        raise InvalidCursor()
    records = AuditRecord.query(
        target_id,
        range_key_condition=AuditRecord.audit_id > after["audit_id"] if after else None,
        limit=limit + 1,
    )
    return OLDEST_FIRST.page(list(records), limit)
