"""DocumentQuarantined (EventBridge): email the owner (in their language) and the admins."""

from typing import Any

from paylox.documents.notifications import notify_quarantined
from paylox.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"notified": len(notify_quarantined(event["id"], event.get("detail") or {}, context))}
