"""The stored dispute: one DynamoDB item collection per dispute.

    (dispute_id, "DISPUTE")            the dispute itself: status, owner, deadlines, timeline
    (dispute_id, "MSG#<message id>")   one item per message
    (dispute_id, "EVD#<document id>")  one item per evidence document (the key makes it unique)

Messages and evidence live beside the dispute rather than in lists on it, so a long exchange never
approaches DynamoDB's item size limit, and reading a dispute is one GetItem plus two Queries.

Only the dispute item carries the attributes the indexes are keyed on, so every index holds
dispute items alone. ``open_by_due`` is sparse: a dispute is in it only while something about it
is due (escalation, a reminder, a settlement retry), under its earliest deadline.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from paylox.db import TableName

DISPUTE_ITEM = "DISPUTE"
MESSAGE_PREFIX = "MSG#"
EVIDENCE_PREFIX = "EVD#"
#: The one partition of ``open_by_due``: due disputes are few, and one Query reads them in order.
DUE_SHARD = "DUE"


class TimelineEntry(MapAttribute[str, object]):
    at = UnicodeAttribute()
    event = UnicodeAttribute()
    status = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    actor_role = UnicodeAttribute()  # buyer | seller | admin | support | system
    note = UnicodeAttribute(null=True)


class Resolution(MapAttribute[str, object]):
    outcome = UnicodeAttribute()
    buyer_amount = NumberAttribute()  # kuruş returned to the buyer
    seller_amount = NumberAttribute()  # kuruş released to the seller
    note = UnicodeAttribute()
    resolved_by = UnicodeAttribute()
    resolved_at = UnicodeAttribute()
    settlement = UnicodeAttribute()  # PENDING until the money has moved, then SETTLED
    settlement_attempts = NumberAttribute(default=0)
    refund_id = UnicodeAttribute(null=True)
    settled_at = UnicodeAttribute(null=True)


class ByTransactionIndex(GlobalSecondaryIndex["DisputeRow"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by_transaction"
        projection = AllProjection()

    transaction_id = UnicodeAttribute(hash_key=True)
    dispute_id = UnicodeAttribute(range_key=True)


class ByStatusIndex(GlobalSecondaryIndex["DisputeRow"]):  # type: ignore[no-untyped-call]
    """The back office's queue per status; ids sort by time, so newest first is a reverse Query."""

    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    dispute_id = UnicodeAttribute(range_key=True)


class ByAssigneeIndex(GlobalSecondaryIndex["DisputeRow"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "by_assignee"
        projection = AllProjection()

    assigned_to = UnicodeAttribute(hash_key=True)
    dispute_id = UnicodeAttribute(range_key=True)


class OpenByDueIndex(GlobalSecondaryIndex["DisputeRow"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "open_by_due"
        projection = KeysOnlyProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    next_due_at = UnicodeAttribute(range_key=True)


class DisputeRow(Model):
    class Meta:
        table_name = TableName("disputes_table")

    dispute_id = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True, default=DISPUTE_ITEM)
    transaction_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    seller_id = UnicodeAttribute()
    amount = NumberAttribute()  # of the transaction, kuruş
    currency = UnicodeAttribute()
    opened_by = UnicodeAttribute()
    opened_by_party = UnicodeAttribute()  # BUYER | SELLER
    reason = UnicodeAttribute()
    description = UnicodeAttribute()
    status = UnicodeAttribute()
    assigned_to = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # The service-level agreement.
    escalate_at = UnicodeAttribute()
    escalated_at = UnicodeAttribute(null=True)
    first_response_due_at = UnicodeAttribute()
    first_response_reminded_at = UnicodeAttribute(null=True)
    # While PENDING_INFO: who is awaited, what was asked, when they are reminded next.
    awaiting = UnicodeAttribute(null=True)  # BUYER | SELLER
    info_request = UnicodeAttribute(null=True)
    info_reminder_at = UnicodeAttribute(null=True)
    info_reminders_sent = NumberAttribute(default=0)
    resolution = Resolution(null=True)  # type: ignore[no-untyped-call]
    settlement_due_at = UnicodeAttribute(null=True)  # next retry of a settlement that failed
    message_count = NumberAttribute(default=0)
    evidence_count = NumberAttribute(default=0)
    # Every change of status, owner or deadline is conditioned on this and increments it; messages
    # and evidence do not touch it, so they never make a reviewer's action fail.
    state_version = NumberAttribute(default=0)
    due_shard = UnicodeAttribute(null=True)
    next_due_at = UnicodeAttribute(null=True)
    timeline = ListAttribute(of=TimelineEntry, default=list)

    by_transaction = ByTransactionIndex()
    by_status = ByStatusIndex()
    by_assignee = ByAssigneeIndex()
    open_by_due = OpenByDueIndex()


class DisputeMessageRow(Model):
    class Meta:
        table_name = TableName("disputes_table")

    dispute_id = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)  # MSG#<message id>
    message_id = UnicodeAttribute()
    author_id = UnicodeAttribute()
    author_role = UnicodeAttribute()
    body = UnicodeAttribute()
    at = UnicodeAttribute()


class DisputeEvidenceRow(Model):
    class Meta:
        table_name = TableName("disputes_table")

    dispute_id = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)  # EVD#<document id>
    document_id = UnicodeAttribute()
    submitted_by = UnicodeAttribute()
    submitter_role = UnicodeAttribute()
    note = UnicodeAttribute(null=True)
    filename = UnicodeAttribute(null=True)
    content_type = UnicodeAttribute(null=True)
    at = UnicodeAttribute()
