"""Asking for an export and reading how it stands (the HTTP side; the work is in :mod:`.worker`).

An export is a job: its row, its audit record and the event that starts the worker are written in
one DynamoDB transaction (the outbox), so a job that exists is always worked on. Each request is a
new job. Only the admin who asked can read a job (anyone else: 404); every download link issued
is audited.
"""

from __future__ import annotations

from datetime import timedelta

from paylox import clock
from paylox.audit import audit_record, write_audit
from paylox.auth import Principal
from paylox.config import get_settings
from paylox.errors import NotFound
from paylox.events import DomainEvent
from paylox.exports import files, store
from paylox.exports.models import ExportJobRow, ExportStatus
from paylox.exports.schemas import ExportAccepted, ExportFormat, ExportOut
from paylox.ids import new_id
from paylox.transactions.listing import ISTANBUL, TxnFilter

#: How long an export's file is kept: the bucket's lifecycle rule on ``exports/`` says the same.
FILE_DAYS = 7
REQUESTED = "TransactionsExportRequested"
CONTINUED = "TransactionsExportContinued"


def request_export(principal: Principal, fmt: ExportFormat, filters: TxnFilter) -> ExportAccepted:
    """A new export job of the transactions ``filters`` select, started asynchronously."""
    now = clock.now()
    export_id = new_id("exp")
    job = ExportJobRow(
        export_id,
        requested_by=principal.user_id,
        format=fmt,
        filters=filters.to_json(),
        listed_on=now.astimezone(ISTANBUL).date().isoformat(),
        status=ExportStatus.PENDING.value,
        created_at=clock.isoformat(now),
        updated_at=clock.isoformat(now),
        expires_at=clock.isoformat(now + timedelta(days=FILE_DAYS)),
        ttl=now + timedelta(days=FILE_DAYS + 1),
    )
    after = {"format": fmt, "filters": filters.to_json()}
    record = audit_record("TRANSACTIONS_EXPORT_REQUESTED", export_id, principal.actor, after=after)
    store.insert(job, record, [start_event(job, run=1)])
    return ExportAccepted(export_id=export_id)


def start_event(job: ExportJobRow, *, run: int) -> DomainEvent:
    """The event that has the worker do run ``run`` of ``job`` (the first, or a continuation)."""
    detail = {"export_id": job.export_id, "run": run, "requested_by": job.requested_by, "format": job.format}
    return DomainEvent(REQUESTED if run == 1 else CONTINUED, detail, "exports")


def export_status(principal: Principal, export_id: str) -> ExportOut:
    """How the caller's export stands; a download link once it is READY (audited)."""
    job = store.find(export_id)
    if job is None or job.requested_by != principal.user_id:
        raise NotFound("export")
    url = None
    if job.status == ExportStatus.READY and job.object_key:
        seconds = get_settings().export_download_url_seconds
        url = files.download_url(job.object_key, f"paylox-transactions-{export_id}.{job.format}", job.format, seconds)
        write_audit("TRANSACTIONS_EXPORT_DOWNLOADED", export_id, principal.actor, after={"rows": int(job.rows)})
    return ExportOut(
        export_id=export_id,
        status=ExportStatus(job.status),
        format=job.format,  # type: ignore[arg-type]
        rows=int(job.rows),
        download_url=url,
        expires_at=job.expires_at,
    )
