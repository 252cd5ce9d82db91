"""boto3 clients, created once per execution environment, from one botocore session.

No endpoint is configured here: botocore reads ``AWS_ENDPOINT_URL`` itself, which is how the dev
stack and the tests point every client at moto without a branch in production code.

Every client of the environment (these, the health probes' and PynamoDB's, see ``paylox.db``) comes
from :func:`botocore_session`: a session of its own per client would load and keep botocore's
endpoint, partition and service data once per client, which made a function with a few clients
cost twice the floor's cold start and memory.
"""

from __future__ import annotations

import threading
from typing import Any

from paylox.snapstart import after_restore

# botocore's client creation is not thread-safe (the dev stack and the health probes run threads):
# every client is made under this lock, re-entrant because boto3 calls back into the session.
lock = threading.RLock()  #: held while any client of the environment is made
_clients: dict[str, Any] = {}
_sessions: dict[str, Any] = {}  # the botocore session and the boto3 one over it, made on first use


def _locked_session_class() -> type:
    from botocore.session import Session

    class LockedSession(Session):  # type: ignore[misc]  # botocore has no type stubs here
        """A botocore session whose clients are made one at a time, whichever thread asks."""

        def create_client(self, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return super().create_client(*args, **kwargs)

    return LockedSession


def _session(kind: str) -> Any:
    with lock:
        if not _sessions:
            import boto3

            _sessions["botocore"] = _locked_session_class()()
            _sessions["boto3"] = boto3.session.Session(botocore_session=_sessions["botocore"])
        return _sessions[kind]


def botocore_session() -> Any:
    """The botocore session every client of this execution environment is made from."""
    return _session("botocore")


def new_client(service: str, config: Any = None) -> Any:
    """A boto3 client of ``service`` of its own (``config``: timeouts, retries), from the shared
    session; the caller keeps it."""
    with lock:
        return _session("boto3").client(service, config=config)


def client(service: str) -> Any:
    """The boto3 client of ``service`` for this execution environment, made on first use."""
    with lock:
        if service not in _clients:
            _clients[service] = new_client(service)
        return _clients[service]


@after_restore
def _drop_connections() -> None:
    # Connections opened before the snapshot are dead in a restored copy (and shared by every
    # copy): the pools are emptied, the clients themselves are kept and reconnect on next use.
    for made in list(_clients.values()):
        made.close()
