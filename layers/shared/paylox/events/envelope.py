"""The EventBridge envelope of a bus event as its consumers read it (notifiers, the export worker).

The fields of Powertools' ``EventBridgeModel``, and :func:`parse_bus_event` doing what its
``event_parser`` did (a cached ``TypeAdapter`` of the model, a JSON string read as JSON), without
importing Powertools' parser package: its ``__init__`` loads the parser, whose helpers load
pydantic's network types and through them ``importlib.metadata``, a few milliseconds of every
consumer's cold start for one model. A consumer's model derives from :class:`BusEvent` and types
its ``detail``.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from functools import cache
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class BusEvent(BaseModel):
    """An event as EventBridge delivers it to a rule's target."""

    model_config = ConfigDict(populate_by_name=True)

    version: str
    id: str
    source: str
    account: str
    time: datetime
    region: str
    resources: list[str]
    detail_type: str = Field(alias="detail-type")
    detail: Any
    replay_name: str | None = Field(default=None, alias="replay-name")


@cache
def _adapter(model: Hashable) -> TypeAdapter[Any]:
    return TypeAdapter[Any](cast(Any, model))


def parse_bus_event[T](model: type[T] | Any, event: dict[str, Any] | str) -> T:
    """``event`` validated as ``model`` (a :class:`BusEvent` subclass, or an annotated union of
    them); raises pydantic's ``ValidationError`` when it is not one."""
    adapter = _adapter(cast(Hashable, model))
    if isinstance(event, str):
        return cast(T, adapter.validate_json(event))
    return cast(T, adapter.validate_python(event))
