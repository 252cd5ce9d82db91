"""Scheduled (EventBridge Scheduler, every 5 minutes): escalations, reminders, settlement retries.

The schedule's payload carries nothing the run needs: what is due comes from the disputes' index.
"""

from typing import Any

from paylox.disputes import sla
from paylox.observability import entry_point, logger


@entry_point()
def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    done = sla.run_due(time_left_ms=context.get_remaining_time_in_millis)
    logger.info("dispute SLA run", extra={"done": done})
    return done
