"""Scheduled (hourly): expire uploads never completed, purge deleted documents past retention,
remove uploaded objects no document is waiting for. Idempotent."""

from typing import Any

from paylox.documents.cleanup import run_cleanup
from paylox.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_cleanup().as_dict()
