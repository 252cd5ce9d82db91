"""``PaymentHintReceived`` as its consumer, PaymentConfirmFunction, parses it (Powertools' parser).

Apart from :mod:`paylox.webhooks.hints`, which the publishing webhook functions use: they name the
event and never parse it, so they do not load the parser's EventBridge models.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from paylox.events.schemas import EventDetail
from paylox.webhooks.schemas import EventType


class HintDetail(EventDetail):
    """The detail of ``PaymentHintReceived``: which stored delivery to confirm."""

    delivery_id: str
    transaction_id: str
    hint_type: EventType


class HintEvent(EventBridgeModel):
    detail: HintDetail
