"""PaymentConfirmFunction: asks the gateway and moves money only on its answer (docs/webhooks.md).
Two callers: the EventBridge rule for a stored webhook hint (``PaymentHintReceived``), and the
public browser returns, which invoke it synchronously with ``{"return_of": <transaction id>}`` and
redirect the browser on its ``status``. Not public: the only function on the webhook side that
holds the gateway key."""

from typing import Any

from paylox.events.envelope import parse_bus_event
from paylox.observability import entry_point, logger
from paylox.webhooks.confirm import confirm_delivery, confirm_return
from paylox.webhooks.hint_event import HintEvent


@entry_point()
def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    if isinstance(event.get("return_of"), str):
        logger.append_keys(transaction_id=event["return_of"])
        return {"status": confirm_return(event["return_of"])}
    hint: HintEvent = parse_bus_event(HintEvent, event)
    logger.append_keys(delivery_id=hint.detail.delivery_id, transaction_id=hint.detail.transaction_id)
    return {"delivery_id": hint.detail.delivery_id, "outcome": confirm_delivery(hint.detail.delivery_id)}
