"""``AdminAlert`` as the notifier parses it (:mod:`paylox.events.envelope`); its name is
:data:`paylox.notify.alerts.ALERT_EVENT`.

Apart from the name so that a function that only raises alerts (a webhook, a late payment's
refund) does not load the notifier's models.
"""

from __future__ import annotations

from pydantic import ConfigDict

from paylox.events.envelope import BusEvent
from paylox.events.schemas import EventDetail


class AlertDetail(EventDetail):
    """What every alert carries; the facts beside ``kind`` are the publisher's (kept as extras)."""

    model_config = ConfigDict(extra="allow")

    kind: str
    reason: str | None = None


class AlertEvent(BusEvent):
    detail: AlertDetail
