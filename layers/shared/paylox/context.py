"""What the current request is, for code far from the handler (audit records, messages).

Set by :mod:`paylox.http` for API requests; non-HTTP functions leave the defaults (system actor,
no source IP). A ``ContextVar`` keeps concurrent requests apart in the dev stack's threads.
"""

from __future__ import annotations

from contextvars import ContextVar

from paylox.auth import Principal
from paylox.values import frozen


@frozen
class RequestMeta:
    request_id: str | None = None
    source_ip: str | None = None
    lang: str = "tr"
    principal: Principal | None = None


# RequestMeta is a frozen dataclass, so sharing the default instance is safe.
current_request: ContextVar[RequestMeta] = ContextVar(
    "current_request",
    default=RequestMeta(),  # noqa: B039
)


def request_meta() -> RequestMeta:
    return current_request.get()
