"""The export worker (EventBridge ``TransactionsExportRequested`` / ``TransactionsExportContinued``):
streams the transactions of one export job to S3, continuing in a new run when time runs short."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser

from paylox.exports import worker
from paylox.exports.schemas import ExportRunEvent
from paylox.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ExportRunEvent)
def handler(event: ExportRunEvent, context: Any) -> dict[str, str]:
    logger.append_keys(export_id=event.detail.export_id, run=event.detail.run)
    status = worker.run(event.detail.export_id, event.detail.run, context.get_remaining_time_in_millis)
    return {"status": status}
