"""EventBridge consumer of ``Dispute*`` events: emails the admins and the parties (tr/en)."""

from typing import Any

from paylox.disputes import notifications
from paylox.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    logger.append_keys(event_id=event.get("id"), detail_type=event.get("detail-type"))
    sent = notifications.notify(event, context=context)
    metrics.add_metric(name="DisputeEmailsSent", unit="Count", value=sent)
    return {"sent": sent}
