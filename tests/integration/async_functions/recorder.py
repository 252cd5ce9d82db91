"""A test-only Lambda function for the dev stack's async wiring: it records every event it gets.

Which function of the test template is running comes from the Lambda context's function name, so
one module serves them all. ``FailingFunction`` always raises; ``QueueFunction`` reports the
messages whose body is ``poison`` as failed (partial batch response).
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
received: list[tuple[str, Any]] = []  # (logical id, event), in invocation order


def handler(event: dict[str, Any], context: Any) -> dict[str, Any] | None:
    logical_id = context.function_name.rsplit("-", 1)[-1]
    with _lock:
        received.append((logical_id, event))
    if logical_id == "FailingFunction":
        raise RuntimeError("this function always fails")
    if logical_id == "QueueFunction":
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "poison"]
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
    return {"ok": True}


def events_of(logical_id: str) -> list[Any]:
    with _lock:
        return [event for name, event in received if name == logical_id]


def reset() -> None:
    with _lock:
        received.clear()
