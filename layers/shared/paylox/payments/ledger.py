"""Refund intents in DynamoDB: the durable :class:`~paylox.payments.base.RefundLedger`.

The gateway's refund and cancel calls carry no idempotency key, so what stops a retry (a Lambda
retry, a redelivered event, a second staff click, another execution environment) from refunding
twice is a record of our own, written before the call and reconciled with its answer:

    claim   conditional put of ``refund#<intent id>`` (SENDING: id, order, amount, method)
    settle  SENDING → SUCCEEDED with the method the gateway accepted
    release delete, only while SENDING: the gateway refused it or never received it

An intent left SENDING (a timeout after sending, a 5xx, the process died) is in doubt: every later
claim raises ``RefundInDoubt`` until staff check it with the gateway. The records share the
idempotency table (its key ``id``, its TTL ``expiration``) and are kept for years, not days.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, PutError
from pynamodb.models import Model

from paylox import clock
from paylox.db import TableName, is_condition_failure
from paylox.payments.base import RefundMethod, RefundRequest, RefundResult
from paylox.payments.errors import RefundInDoubt

SENDING, SUCCEEDED = "SENDING", "SUCCEEDED"
#: Longer than any chargeback or reconciliation window: the record is what proves a refund was made.
RETENTION_SECONDS = 5 * 366 * 24 * 3600


class RefundIntentRow(Model):
    """One refund we decided to make, and where it stands with the gateway."""

    class Meta:
        table_name = TableName("idempotency_table")

    id = UnicodeAttribute(hash_key=True)  # refund#<intent id>
    status = UnicodeAttribute()  # SENDING | SUCCEEDED
    intent_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    amount = NumberAttribute()  # kuruş
    currency = UnicodeAttribute()
    method = UnicodeAttribute()  # cancel | refund
    claimed_at = UnicodeAttribute()
    settled_at = UnicodeAttribute(null=True)
    result_status = UnicodeAttribute(null=True)  # what the gateway said: succeeded (sandbox: accepted)
    expiration = NumberAttribute()


def _key(intent_id: str) -> str:
    return f"refund#{intent_id}"


class DynamoRefundLedger:
    """Refund intents remembered across invocations and execution environments (module docstring)."""

    def claim(self, request: RefundRequest, method: RefundMethod) -> RefundResult | None:
        """The recorded result when the intent already succeeded; ``None`` once this call holds it.
        Raises ``RefundInDoubt`` when another call holds it or its answer was never known."""
        row = RefundIntentRow(
            _key(request.intent_id),
            status=SENDING,
            intent_id=request.intent_id,
            order_id=request.order_id,
            amount=request.amount,
            currency=request.currency,
            method=method,
            claimed_at=clock.now_iso(),
            expiration=clock.timestamp() + RETENTION_SECONDS,
        )
        try:
            row.save(condition=RefundIntentRow.id.does_not_exist())
            return None
        except PutError as exc:
            if not is_condition_failure(exc):
                raise
        existing = intent(request.intent_id)
        if existing is None or existing.status != SUCCEEDED:
            raise RefundInDoubt(intent_id=request.intent_id)
        return RefundResult(
            refund_id=existing.intent_id,
            status=existing.result_status or "succeeded",
            method="cancel" if existing.method == "cancel" else "refund",
            amount=int(existing.amount),
        )

    def settle(self, result: RefundResult) -> None:
        """The gateway accepted the intent: later claims get this result and send nothing."""
        RefundIntentRow(_key(result.refund_id)).update(
            actions=[
                RefundIntentRow.status.set(SUCCEEDED),
                RefundIntentRow.method.set(result.method),
                RefundIntentRow.result_status.set(result.status),
                RefundIntentRow.settled_at.set(clock.now_iso()),
            ]
        )

    def release(self, intent_id: str) -> None:
        """Forget an intent the gateway refused or never received; a settled one is never forgotten."""
        try:
            RefundIntentRow(_key(intent_id)).delete(condition=RefundIntentRow.status == SENDING)
        except DeleteError as exc:
            if not is_condition_failure(exc):
                raise


def intent(intent_id: str) -> RefundIntentRow | None:
    """The stored intent (consistent read), for callers and staff tools that must know where it stands."""
    try:
        return RefundIntentRow.get(_key(intent_id), consistent_read=True)
    except RefundIntentRow.DoesNotExist:
        return None
