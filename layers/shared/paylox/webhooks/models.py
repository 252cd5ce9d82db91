"""Stored rows: every delivery as received, and the claim on each event id."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from paylox.db import TableName


class ByTransactionIndex(GlobalSecondaryIndex["WebhookDelivery"]):
    """A transaction's deliveries, oldest first (delivery ids sort by time). Sparse: deliveries
    that never named a transaction (refused before parsing) are not in it."""

    class Meta:
        index_name = "by_transaction"
        projection = AllProjection()

    transaction_id = UnicodeAttribute(hash_key=True)
    delivery_id = UnicodeAttribute(range_key=True)


class ByEventIndex(GlobalSecondaryIndex["WebhookDelivery"]):
    """Every delivery of one provider event (retries, duplicates), for reconciliation."""

    class Meta:
        index_name = "by_event"
        projection = AllProjection()

    event_id = UnicodeAttribute(hash_key=True)
    delivery_id = UnicodeAttribute(range_key=True)


class UnsettledHintsIndex(GlobalSecondaryIndex["WebhookDelivery"]):
    """Hints not yet settled by the gateway's answer (stored, being confirmed, or left at
    ``GATEWAY_ERROR``) by when they are next due: what the reconciler confirms again, the longest
    due first. Each retry moves a hint to the back, so hints the gateway never answers about do
    not hold the others back. Sparse: a hint leaves it when its confirmation ends in anything but
    a gateway error."""

    class Meta:
        index_name = "by_unsettled"
        projection = AllProjection()

    unsettled = UnicodeAttribute(hash_key=True)
    retry_at = UnicodeAttribute(range_key=True)


class WebhookDelivery(Model):
    """One HTTP delivery, as received, with what we made of it."""

    class Meta:
        table_name = TableName("webhook_deliveries_table")

    delivery_id = UnicodeAttribute(hash_key=True)  # whd_<ulid>
    received_at = UnicodeAttribute()
    provider = UnicodeAttribute(default="jetcheckout")
    route = UnicodeAttribute()  # success | failure | refund
    source_ip = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    headers = UnicodeAttribute()  # JSON: the headers that matter (signature, content type, ...)
    body = UnicodeAttribute(null=True)  # not kept when verification failed, nor above the size cap
    body_encoding = UnicodeAttribute(default="utf-8")  # or "base64" for bytes that are not UTF-8
    body_sha256 = UnicodeAttribute()
    body_size = NumberAttribute()
    verification = UnicodeAttribute()  # VERIFIED, UNSIGNED_CALLBACK or the refusal code (INVALID_SIGNATURE, ...)
    secret_used = UnicodeAttribute(null=True)  # current | previous: shows who still signs with the old one
    signature_timestamp = NumberAttribute(null=True)
    event_id = UnicodeAttribute(null=True)
    event_type = UnicodeAttribute(null=True)
    transaction_id = UnicodeAttribute(null=True)
    payment_id = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(null=True)  # PROCESSED, DUPLICATE, IGNORED, UNKNOWN_TRANSACTION or an error code
    detail = UnicodeAttribute(null=True)  # why it was ignored, or the refusal's detail
    answer_status = NumberAttribute(null=True)
    # A hint stored for the gateway's confirmation (webhooks/hints.py), and what became of it:
    # PENDING, CONFIRMING (lease_until), then CONFIRMED, IGNORED, UNCONFIRMED, AMOUNT_MISMATCH or
    # GATEWAY_ERROR (left to the reconciler).
    hint = UnicodeAttribute(null=True)
    confirmation = UnicodeAttribute(null=True)
    confirmation_detail = UnicodeAttribute(null=True)
    confirmation_lease_until = NumberAttribute(null=True)
    confirmed_at = UnicodeAttribute(null=True)
    unsettled = UnicodeAttribute(null=True)  # "HINT" while the hint awaits the gateway's answer (by_unsettled)
    retry_at = UnicodeAttribute(null=True)  # ISO time from which the reconciler may confirm it again
    expires_at = NumberAttribute(null=True)  # TTL: every delivery (store.ACCEPTED_RETENTION_SECONDS, REFUSED_...)

    by_transaction = ByTransactionIndex()
    by_event = ByEventIndex()
    by_unsettled = UnsettledHintsIndex()


class WebhookEventClaim(Model):
    """The first delivery of an event id claims it (conditional put) in the idempotency table;
    every later delivery of that id finds the claim. Powertools' records share the table under
    other keys; the attribute names follow theirs (``id``, ``status``, ``expiration``)."""

    class Meta:
        table_name = TableName("idempotency_table")

    id = UnicodeAttribute(hash_key=True)  # webhook#jetcheckout#<event id>
    status = UnicodeAttribute()  # IN_PROGRESS | COMPLETED
    body_hash = UnicodeAttribute()
    owner = UnicodeAttribute()  # the delivery processing it
    lease_until = NumberAttribute()  # epoch seconds: after this an IN_PROGRESS claim may be taken over
    expiration = NumberAttribute()  # epoch seconds, the table's TTL attribute
    outcome = UnicodeAttribute(null=True)
    transaction_id = UnicodeAttribute(null=True)
