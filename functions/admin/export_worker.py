"""The export worker (EventBridge ``TransactionsExportRequested`` / ``TransactionsExportContinued``):
streams the transactions of one export job to S3, continuing in a new run when time runs short."""

from typing import Any

from paylox.events.envelope import parse_bus_event
from paylox.exports import worker
from paylox.exports.schemas import ExportRunEvent
from paylox.observability import entry_point, logger


@entry_point()
def handler(delivered: dict[str, Any], context: Any) -> dict[str, str]:
    event: ExportRunEvent = parse_bus_event(ExportRunEvent, delivered)
    logger.append_keys(export_id=event.detail.export_id, run=event.detail.run)
    status = worker.run(event.detail.export_id, event.detail.run, context.get_remaining_time_in_millis)
    return {"status": status}
