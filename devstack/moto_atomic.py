"""Make moto's DynamoDB operations atomic, as DynamoDB's are.

moto checks a condition expression and then writes, with nothing in between to stop a second
thread; real DynamoDB evaluates the condition and applies the write as one step per item. The dev
stack serves requests in threads and the concurrency tests race threads on purpose, so without this
two conditional writes could both succeed here where only one would in AWS.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_lock = threading.RLock()
# Reads too: a query iterating moto's dicts while another thread writes can fail with
# "dictionary changed size during iteration", which DynamoDB never does.
_OPERATIONS = (
    "put_item",
    "update_item",
    "delete_item",
    "transact_write_items",
    "get_item",
    "batch_get_item",
    "query",
    "scan",
)


def make_dynamodb_atomic() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    for name in _OPERATIONS:
        original = getattr(DynamoDBBackend, name)
        if getattr(original, "_paylox_atomic", False):
            continue

        def atomic(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with _lock:
                return __original(self, *args, **kwargs)

        functools.update_wrapper(atomic, original)
        atomic._paylox_atomic = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, atomic)
