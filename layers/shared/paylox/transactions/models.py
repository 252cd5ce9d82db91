"""The stored transaction. The timeline lives on the item, so a move and its timeline entry are
one conditional write."""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from paylox.db import TableName


class TimelineEntry(MapAttribute[str, object]):
    at = UnicodeAttribute()
    status = UnicodeAttribute()
    event = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    note = UnicodeAttribute(null=True)


class PaymentInfo(MapAttribute[str, object]):
    session_id = UnicodeAttribute(null=True)
    payment_id = UnicodeAttribute(null=True)
    payment_url = UnicodeAttribute(null=True)
    failure_reason = UnicodeAttribute(null=True)


class RefundEntry(MapAttribute[str, object]):
    """Money the provider returned to the buyer (one ``payment.refunded`` webhook)."""

    refund_id = UnicodeAttribute()
    amount = NumberAttribute()  # kuruş
    at = UnicodeAttribute()
    event_id = UnicodeAttribute(null=True)


class LatePaymentEntry(MapAttribute[str, object]):
    """A payment that arrived after the transaction was cancelled, and its automatic refund.

    Written when the refund is decided (``attempted_at`` set: one request is refunding it), then
    given ``refund_id`` once the gateway accepted it; ``attempted_at`` is cleared when an attempt
    failed, so the provider's redelivery tries again.
    """

    payment_id = UnicodeAttribute()
    amount = NumberAttribute()  # kuruş, as the provider reported it
    currency = UnicodeAttribute()
    received_at = UnicodeAttribute()
    event_id = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    attempted_at = UnicodeAttribute(null=True)
    refund_id = UnicodeAttribute(null=True)
    refunded_at = UnicodeAttribute(null=True)


class FlagEntry(MapAttribute[str, object]):
    """Something staff must look at (an out-of-order webhook, a second payment); never shown to
    the parties."""

    at = UnicodeAttribute()
    kind = UnicodeAttribute()  # OUT_OF_ORDER, DUPLICATE_PAYMENT, ...
    detail = UnicodeAttribute()
    status = UnicodeAttribute()  # the transaction's status when it was raised
    event_id = UnicodeAttribute(null=True)
    event_type = UnicodeAttribute(null=True)


class ByBuyerIndex(GlobalSecondaryIndex["TransactionRow"]):
    """A buyer's transactions; ids are time-sortable, so the id is the sort key."""

    class Meta:
        index_name = "by_buyer"
        projection = AllProjection()

    buyer_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class BySellerIndex(GlobalSecondaryIndex["TransactionRow"]):
    class Meta:
        index_name = "by_seller"
        projection = AllProjection()

    seller_id = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class ByStatusIndex(GlobalSecondaryIndex["TransactionRow"]):
    """Transactions by status, sorted by id (creation time): the back office's lists by status
    (newest first), the statistics rebuild (all of them) and the reconciler (payments in flight)."""

    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class ByMonthIndex(GlobalSecondaryIndex["TransactionRow"]):
    """Transactions created in one Istanbul month (``YYYY-MM``), newest first: the back office's
    list of everything, a month per partition so that no partition grows without end."""

    class Meta:
        index_name = "by_month"
        projection = AllProjection()

    created_month = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class TransactionRow(Model):
    class Meta:
        table_name = TableName("transactions_table")

    id = UnicodeAttribute(hash_key=True)
    buyer_id = UnicodeAttribute()
    seller_id = UnicodeAttribute()
    amount = NumberAttribute()  # kuruş, integer
    currency = UnicodeAttribute()
    description = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    # ``YYYY-MM`` of ``created_at`` in Europe/Istanbul: the key of :class:`ByMonthIndex`.
    created_month = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    refunded_amount = NumberAttribute(default=0)  # kuruş returned to the buyer so far
    payment = PaymentInfo(null=True)
    refunds = ListAttribute(of=RefundEntry, null=True)
    # The ids of ``refunds``, as a set a write can be conditioned on: each refund is recorded once.
    refund_ids = UnicodeSetAttribute(null=True)
    flags = ListAttribute(of=FlagEntry, null=True)
    late_payments = ListAttribute(of=LatePaymentEntry, null=True)
    # The payment ids of ``late_payments``, as a set the deciding write is conditioned on.
    late_payment_ids = UnicodeSetAttribute(null=True)
    timeline = ListAttribute(of=TimelineEntry, default=list)
    # An admin's refund being sent to the gateway (its intent id): no other move while it is set.
    refund_claim = UnicodeAttribute(null=True)
    version = VersionAttribute()

    by_buyer = ByBuyerIndex()
    by_seller = BySellerIndex()
    by_status = ByStatusIndex()
    by_month = ByMonthIndex()
