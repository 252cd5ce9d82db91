"""Recompute the dashboard's day buckets from the source tables (invoked by hand:
``{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}``; ``paylox stats rebuild`` in the dev stack)."""

from dataclasses import asdict
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from paylox.observability import entry_point, logger
from paylox.statistics.rebuild import rebuild


class RebuildRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    start: date = Field(alias="from")
    end: date = Field(alias="to")


@entry_point()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = RebuildRequest.model_validate(event)
    report = rebuild(request.start, request.end)
    logger.info("statistics rebuilt", extra=asdict(report))
    return asdict(report)
