"""Scheduled (hourly): expire uploads never completed, purge deleted documents past retention,
remove uploaded objects no document is waiting for. Idempotent."""

from typing import Any

from paylox.documents.cleanup import run_cleanup
from paylox.observability import entry_point


@entry_point()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_cleanup().as_dict()
