"""Scheduled (EventBridge Scheduler, every minute): payments pending too long are asked about at
the gateway and settled like a confirmed webhook (docs/webhooks.md). The payload carries nothing
the run needs: what is due comes from the transactions' ``by_status`` index."""

from typing import Any

from paylox.observability import entry_point, logger
from paylox.webhooks import reconcile


@entry_point()
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    done = reconcile.run()
    logger.info("payment reconciliation run", extra={"done": done})
    return done
