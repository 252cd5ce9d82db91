"""What a consumer reads of every domain event's detail, whatever its type (see :mod:`paylox.events`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class EventDetail(BaseModel):
    """The outbox's part of a detail. ``event_id`` is the key of anything a consumer must do once
    per event: the EventBridge envelope's ``id`` changes when the relay retries a ``PutEvents``."""

    model_config = ConfigDict(extra="allow")

    event_id: str
    occurred_at: str
    request_id: str | None = None
