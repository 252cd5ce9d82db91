"""Emails for transaction events and payment-webhook alerts (EventBridge rule on the domain bus).

Buyer and seller in their own language; admins for alerts. Idempotent per event and recipient.
"""

from typing import Any

from paylox.observability import logger, metrics, tracer
from paylox.transactions.notifications import notify


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    return {"recipients": len(notify(event, context))}
