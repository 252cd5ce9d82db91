"""The HTTP side of every API function: app factory, authentication, error mapping, handler.

Each endpoint module does::

    app = create_app()

    @app.post("/api/transaction/create")
    def create(body: CreateTransactionRequest) -> Response[TransactionOut]:
        return created(service.create_transaction(current_principal(), body))

    handler = http_handler(app)

A staff or admin route says so once, ``create_app(role="staff")`` or ``create_app(role="admin")``:
everyone else gets ``403 STAFF_ONLY`` / ``403 ADMIN_ONLY`` before the handler runs. A route anyone
may call uses ``paylox.http_public.create_public_app`` (or ``create_app(public=True)``, the same
app): importing this module loads the users domain for the active-profile check, which a public
function has no use for and would pay for in its cold start.

Errors become RFC 9457 ``application/problem+json`` with a stable ``code`` and a message in
Turkish or English by ``Accept-Language`` (Turkish when the client states no preference); that
part, shared with the public routes, lives in ``paylox.http_public`` and is re-exported here.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from paylox import clock
from paylox.auth import RouteRole, require_fresh_auth, require_role
from paylox.context import current_request
from paylox.errors import Unauthorized
from paylox.http_public import (
    PROBLEM_JSON,
    PROBLEM_SCHEMA,
    PROBLEM_TYPE_BASE,
    Audience,
    Header,
    Query,
    audience,
    create_public_app,
    created,
    current_principal,
    http_handler,
    json_response,
    new_app,
    preferred_language,
    problem,
    problem_examples,
    problem_responses,
)
from paylox.users.service import ensure_active_profile

__all__ = [
    "PROBLEM_JSON",
    "PROBLEM_SCHEMA",
    "PROBLEM_TYPE_BASE",
    "Audience",
    "Header",
    "Query",
    "Response",
    "audience",
    "create_app",
    "created",
    "current_principal",
    "http_handler",
    "json_response",
    "preferred_language",
    "problem",
    "problem_examples",
    "problem_responses",
    "requires_fresh_auth",
]

_FRESH_AUTH: weakref.WeakSet[APIGatewayHttpResolver] = weakref.WeakSet()


def _require_active_user(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    meta = current_request.get()
    if meta.principal is None:
        raise Unauthorized()
    ensure_active_profile(meta.principal)
    return next_middleware(app)


def _require(role: RouteRole, fresh_auth: bool) -> Callable[[APIGatewayHttpResolver, NextMiddleware], Response[Any]]:
    def require_role_middleware(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
        require_role(current_principal(), role)
        if fresh_auth:
            require_fresh_auth(current_principal(), clock.timestamp())
        return next_middleware(app)

    return require_role_middleware


def create_app(
    *, public: bool = False, role: RouteRole | None = None, fresh_auth: bool = False
) -> APIGatewayHttpResolver:
    """An HTTP API resolver with validation, problem responses and, unless ``public``, the
    check that the caller has an active profile (created on the first authenticated call).

    ``role`` makes the route staff-only (``"staff"``: admins and support) or admin-only
    (``"admin"``), signed in with TOTP, checked after the active-profile check and before the
    handler runs. ``fresh_auth`` (a staff route that moves money) also wants a sign-in at most
    15 minutes old (``403 REAUTH_REQUIRED``).
    """
    if public and role is not None:
        raise ValueError("a public route cannot require a role")
    if fresh_auth and role is None:
        raise ValueError("fresh_auth is for staff routes")
    if public:
        return create_public_app()
    app = new_app(role or "user")
    app.use(middlewares=[_require_active_user, *([_require(role, fresh_auth)] if role else [])])
    if fresh_auth:
        _FRESH_AUTH.add(app)
    return app


def requires_fresh_auth(app: APIGatewayHttpResolver) -> bool:
    """Whether the routes of ``app`` want a recent sign-in (``403 REAUTH_REQUIRED``), for the API's document."""
    return app in _FRESH_AUTH
