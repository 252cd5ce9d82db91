"""AWS round trips counted through botocore's event system: every API call a client makes.

:func:`install` adds a ``before-call`` handler to botocore's built-in handlers, which every botocore
session registers on the clients it creates from then on (PynamoDB's, boto3's, Powertools'), so
the count needs no patching of the code under test. Install it before the first client exists:
clients made earlier are not counted. ``before-call`` fires once per API call (retries of the
same call are not counted again), which is what "round trips per request" means here.

Used by ``python -m bench.roundtrips`` and by the tests that hold a route to its round trips.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore import handlers

_EVENT = "before-call"
_lock = threading.Lock()
_recorders: list[Calls] = []


@dataclass
class Calls:
    """The AWS calls made while :func:`counting` was active, as ``service:Operation`` in order."""

    made: list[str] = field(default_factory=list)

    def of(self, service: str) -> list[str]:
        """The operations called on ``service`` (``"dynamodb"``), in order."""
        return [call.split(":", 1)[1] for call in self.made if call.split(":", 1)[0] == service]

    def count(self, service: str | None = None) -> int:
        return len(self.made) if service is None else len(self.of(service))

    def by_operation(self, service: str) -> dict[str, int]:
        return dict(Counter(self.of(service)))


def _on_call(event_name: str, **kwargs: Any) -> None:
    # event_name is "before-call.<service>.<Operation>"
    _event, service, operation = event_name.split(".", 2)
    with _lock:
        for recorder in _recorders:
            recorder.made.append(f"{service}:{operation}")


def install() -> None:
    """Count the calls of every botocore client created from now on (idempotent)."""
    entry = (_EVENT, _on_call)
    if entry not in handlers.BUILTIN_HANDLERS:
        handlers.BUILTIN_HANDLERS.append(entry)


@contextmanager
def counting() -> Iterator[Calls]:
    """Record the AWS calls made (by any thread) until the block ends."""
    calls = Calls()
    with _lock:
        _recorders.append(calls)
    try:
        yield calls
    finally:
        with _lock:
            _recorders.remove(calls)
