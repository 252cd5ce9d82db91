"""EventBridge consumer of ``Dispute*`` events: emails the admins and the parties (tr/en).

The model to copy for a new notifier: parse the event, plan its emails, send each once.
"""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser

from paylox.disputes.notifications import DisputeEvent, notify
from paylox.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=DisputeEvent)
def handler(event: DisputeEvent, context: Any) -> dict[str, int]:
    logger.append_keys(event_id=event.id, detail_type=event.detail_type)
    return {"sent": notify(event, context=context)}
