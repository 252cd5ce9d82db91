"""boto3 clients, created once per execution environment.

No endpoint is configured here: botocore reads ``AWS_ENDPOINT_URL`` itself, which is how the dev
stack and the tests point every client at moto without a branch in production code.
"""

from __future__ import annotations

import threading
from typing import Any

from paylox.snapstart import after_restore

_lock = threading.Lock()  # boto3's default session is not thread-safe; the dev stack runs threads
_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    """The boto3 client of ``service`` for this execution environment, made on first use."""
    with _lock:
        if service not in _clients:
            import boto3

            _clients[service] = boto3.session.Session().client(service)  # type: ignore[call-overload]
        return _clients[service]


@after_restore
def _drop_connections() -> None:
    # Connections opened before the snapshot are dead in a restored copy (and shared by every
    # copy): the pools are emptied, the clients themselves are kept and reconnect on next use.
    for made in list(_clients.values()):
        made.close()
