"""PaymentConfirmFunction (EventBridge rule, ``PaymentHintReceived``): asks the gateway about a
stored webhook hint and moves money only on its answer (docs/webhooks.md). Not public: the only
function on the webhook side that holds the gateway key."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser

from paylox.observability import logger, metrics, tracer
from paylox.webhooks.confirm import confirm_delivery
from paylox.webhooks.hints import HintEvent


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=HintEvent)
def handler(event: HintEvent, context: Any) -> dict[str, str]:
    logger.append_keys(delivery_id=event.detail.delivery_id, transaction_id=event.detail.transaction_id)
    return {"delivery_id": event.detail.delivery_id, "outcome": confirm_delivery(event.detail.delivery_id)}
