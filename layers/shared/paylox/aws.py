"""AWS clients, created once per execution environment, from one botocore session.

No endpoint is configured here: botocore reads ``AWS_ENDPOINT_URL`` itself, which is how the dev
stack and the tests point every client at moto without a branch in production code.

Every client of the environment (these, the health probes' and PynamoDB's, see ``paylox.db``) comes
from :func:`botocore_session`: a session of its own per client would load and keep botocore's
endpoint, partition and service data once per client, which made a function with a few clients
cost twice the floor's cold start and memory.

The clients are botocore's, which is all a call needs: ``import boto3`` costs a function about
15 ms of cold start for what is only a wrapper around botocore's session and clients, and no
function of the layer loads it.
"""

from __future__ import annotations

import threading
from typing import Any

from paylox import botocore_data
from paylox.snapstart import after_restore

# botocore's client creation is not thread-safe (the dev stack and the health probes run threads):
# every client is made under this lock, re-entrant because boto3 calls back into the session.
lock = threading.RLock()  #: held while any client of the environment is made
_clients: dict[str, Any] = {}
_session: list[Any] = []  # the botocore session, made on first use


def _locked_session_class() -> type:
    from botocore.session import Session

    class LockedSession(Session):  # type: ignore[misc]  # botocore has no type stubs here
        """A botocore session whose clients are made one at a time, whichever thread asks."""

        def create_client(self, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return super().create_client(*args, **kwargs)

    return LockedSession


def botocore_session() -> Any:
    """The botocore session every client of this execution environment is made from."""
    with lock:
        if not _session:
            session = _locked_session_class()()
            botocore_data.install(session)
            _session.append(session)
        return _session[0]


def new_client(service: str, config: Any = None) -> Any:
    """A client of ``service`` of its own (``config``: timeouts, retries), from the shared
    session; the caller keeps it."""
    if service not in botocore_data.SERVICES:
        # The session's data holds these services only (paylox.botocore_data): add it there.
        raise ValueError(f"{service!r} is not in paylox.botocore_data.SERVICES")
    return botocore_session().create_client(service, config=config)


def client(service: str) -> Any:
    """The client of ``service`` for this execution environment, made on first use."""
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
