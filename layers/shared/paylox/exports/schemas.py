"""The export routes' answers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from paylox.events.envelope import BusEvent
from paylox.events.schemas import EventDetail
from paylox.exports.models import ExportStatus
from paylox.schema import ApiModel

ExportFormat = Literal["csv", "xlsx"]


class ExportAccepted(ApiModel):
    export_id: str
    status: ExportStatus = ExportStatus.PENDING


class ExportOut(ApiModel):
    export_id: str
    status: ExportStatus
    format: ExportFormat
    rows: int = Field(description="Rows written so far (all of them once READY)")
    download_url: str | None = Field(default=None, description="READY only: a presigned URL, valid for 5 minutes")
    expires_at: str = Field(description="When the file is deleted")


class ExportRunDetail(EventDetail):
    export_id: str
    run: int = Field(ge=1)


class ExportRunEvent(BusEvent):
    """``TransactionsExportRequested`` (run 1) or ``TransactionsExportContinued``."""

    detail: ExportRunDetail
