"""``PaymentHintReceived`` as its consumer, PaymentConfirmFunction, parses it
(:func:`paylox.events.envelope.parse_bus_event`).

Apart from :mod:`paylox.webhooks.hints`, which the publishing webhook functions use: they name the
event and never parse it, so they do not load its models.
"""

from __future__ import annotations

from paylox.events.envelope import BusEvent
from paylox.events.schemas import EventDetail
from paylox.webhooks.schemas import EventType


class HintDetail(EventDetail):
    """The detail of ``PaymentHintReceived``: which stored delivery to confirm."""

    delivery_id: str
    transaction_id: str
    hint_type: EventType


class HintEvent(BusEvent):
    detail: HintDetail
