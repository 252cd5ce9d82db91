"""The HTTP side every API function shares, and the app factory of the public routes.

:func:`create_public_app` is for a route anyone may call (health, provider callbacks, shared
links): it loads no domain code, so those functions start as cheaply as the library allows. Routes
for signed-in callers use ``paylox.http.create_app``, which adds the active-profile and role
checks on top of :func:`new_app` and re-exports everything here.

Errors become RFC 9457 ``application/problem+json`` with a stable ``code`` and a message in
Turkish or English by ``Accept-Language`` (Turkish when the client states no preference).

A route module takes what it needs of Powertools' event handler (``Response``, ``Query``,
``Header``) from here or ``paylox.http``, never from Powertools directly: a handler module that
imported Powertools before any Paylox module would load its event_handler package whole
(``paylox.lazy_packages``).
"""

from __future__ import annotations

import json
import weakref
from collections import Counter
from collections.abc import Callable
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, content_types
from aws_lambda_powertools.event_handler import Response as Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.compat import is_scalar_sequence_field
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header as Header
from aws_lambda_powertools.event_handler.openapi.params import Query as Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel

from paylox.auth import Principal, principal_from_event
from paylox.context import RequestMeta, current_request
from paylox.errors import DomainError, RepeatedParameter, Unauthorized, UnsupportedMediaType
from paylox.observability import entry_point, logger, metrics
from paylox.snapstart import before_snapshot

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://docs.paylox.com.tr/problems/"
M = TypeVar("M", bound=BaseModel)

#: Who may call an app's routes: nobody needs a token, any registered user, staff, admins.
Audience = Literal["public", "user", "staff", "admin"]
_AUDIENCES: weakref.WeakKeyDictionary[APIGatewayHttpResolver, Audience] = weakref.WeakKeyDictionary()


def preferred_language(accept_language: str | None) -> str:
    """``tr`` or ``en`` from an ``Accept-Language`` header, honouring q-values; ``tr`` by default."""
    best, best_q = "tr", -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in ("tr", "en") and q > best_q:
            best, best_q = primary, q
    return best


def problem_body(status: int, code: str, detail: str) -> dict[str, Any]:
    """The RFC 9457 members every problem answer has (answers add ``request_id`` and extras)."""
    return {
        "type": PROBLEM_TYPE_BASE + code.lower().replace("_", "-"),
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "code": code,
        "detail": detail,
    }


def problem(
    status: int, code: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> Response[str]:
    meta = current_request.get()
    request_id = {"request_id": meta.request_id} if meta.request_id else {}
    body = {**problem_body(status, code, detail), **request_id, **extra}
    return Response(
        status_code=status,
        content_type=PROBLEM_JSON,
        body=json.dumps(body, ensure_ascii=False, default=str),
        headers=headers,
    )


def _domain_problem(exc: DomainError) -> Response[str]:
    lang = current_request.get().lang
    if exc.status >= 500:
        logger.exception("domain error", extra={"code": exc.code})
    return problem(exc.status, exc.code, exc.message(lang), headers=exc.headers, **exc.extra)


def _validation_problem(exc: RequestValidationError) -> Response[str]:
    lang = current_request.get().lang
    errors = [
        {
            "field": ".".join(str(part) for part in err.get("loc", ()) if part != "body"),
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]
    if any(err["type"] == "json_invalid" for err in errors):
        detail = "İstek gövdesi geçerli JSON değil." if lang == "tr" else "The request body is not valid JSON."
        return problem(400, "MALFORMED_JSON", detail)
    detail = "İstek doğrulanamadı." if lang == "tr" else "The request did not pass validation."
    return problem(422, "VALIDATION_ERROR", detail, errors=errors)


def _not_found(_: NotFoundError) -> Response[str]:
    lang = current_request.get().lang
    return problem(404, "ROUTE_NOT_FOUND", "Böyle bir uç nokta yok." if lang == "tr" else "No such endpoint.")


def _unexpected(exc: Exception) -> Response[str]:
    # Never a bare 500 from API Gateway: the client still gets a problem it can show.
    logger.exception("unhandled error")
    metrics.add_metric(name="UnhandledErrors", unit="Count", value=1)
    return _domain_problem(DomainError())


class _RequestChecks(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, refusing first what it would otherwise take or crash on.

    Only routes that declare a body model get the media-type check: provider callbacks read their
    raw bodies in whatever form the provider sends, and the document upload reads its own.
    """

    def handler(self, app: Any, next_middleware: NextMiddleware) -> Response[Any]:
        route = app.context["_route"]
        event = app.current_event
        if route.dependant.body_params and (event.body or "") and not _is_json(event.headers.get("content-type")):
            raise UnsupportedMediaType()
        _refuse_repeats(event.raw_event.get("rawQueryString") or "", route.dependant.query_params)
        return super().handler(app, next_middleware)


def _is_json(content_type: str | None) -> bool:
    # No Content-Type at all is read as JSON, as Powertools reads it and curl users expect.
    media = (content_type or "application/json").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _refuse_repeats(raw_query: str, params: list[Any]) -> None:
    # HTTP API joins a repeated parameter's values with commas; only a parameter documented as a
    # list may be read that way, any other repeat would silently become one odd value.
    repeatable = {field.alias for field in params if is_scalar_sequence_field(field)}
    counts = Counter(key for key, _ in parse_qsl(raw_query, keep_blank_values=True))
    for name, count in counts.items():
        if count > 1 and name not in repeatable:
            raise RepeatedParameter(parameter=name)


def new_app(who: Audience) -> APIGatewayHttpResolver:
    """An HTTP API resolver with validation and problem responses, for ``who`` (the API's
    document reads it back with :func:`audience`); the callers' checks are the factory's to add."""
    app = APIGatewayHttpResolver(enable_validation=True)
    # Powertools keeps the request validator it puts first in every route's middleware chain here.
    app._request_validation_middleware = _RequestChecks()
    app.exception_handler(DomainError)(_domain_problem)
    app.exception_handler(RequestValidationError)(_validation_problem)
    app.exception_handler(NotFoundError)(_not_found)
    app.exception_handler(Exception)(_unexpected)
    _AUDIENCES[app] = who
    before_snapshot(lambda: _warm(app))
    return app


def create_public_app() -> APIGatewayHttpResolver:
    """An HTTP API resolver for routes anyone may call (``Authorizer: NONE``): validation and
    problem responses, no caller checks, no domain code loaded."""
    return new_app("public")


def _warm(app: APIGatewayHttpResolver) -> None:
    """SnapStart: what the first request would build, built before the snapshot. Powertools makes
    each route's validation (its dependant: parameters, body and response models) on first use."""
    for route in [*app._static_routes, *app._dynamic_routes]:
        _ = route.dependant, route.body_field


def audience(app: APIGatewayHttpResolver) -> Audience:
    """Who may call the routes of ``app`` (made by :func:`create_app`), for the API's document."""
    return _AUDIENCES.get(app, "user")


def http_handler(app: APIGatewayHttpResolver) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda entry point for ``app``: logging with correlation id, tracing, metrics and the
    per-request context that audit records and messages read."""

    @entry_point(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        headers = {key.lower(): value for key, value in (event.get("headers") or {}).items()}
        request_context = event.get("requestContext") or {}
        token = current_request.set(
            RequestMeta(
                request_id=request_context.get("requestId"),
                source_ip=(request_context.get("http") or {}).get("sourceIp"),
                lang=preferred_language(headers.get("accept-language")),
                principal=principal_from_event(event),
            )
        )
        try:
            response = _not_stored(app.resolve(event, context))
        finally:
            current_request.reset(token)
        _log_problem(event, response)
        return response

    return handler


def _log_problem(event: dict[str, Any], response: dict[str, Any]) -> None:
    """One line per 4xx/5xx with its problem code and route: the saved query "errors by code and
    route" counts these (the access log sees the status, not the code)."""
    status = int(response.get("statusCode") or 200)
    if status < 400:
        return
    try:
        code = json.loads(response.get("body") or "{}").get("code")
    except (ValueError, AttributeError):
        code = None
    logger.info("problem answered", extra={"status": status, "code": code, "route": event.get("routeKey")})


def _not_stored(response: dict[str, Any]) -> dict[str, Any]:
    """Every answer says ``Cache-Control: no-store`` unless its route chose otherwise: they are
    personal, and many carry tokens or presigned URLs that no browser or proxy cache may keep."""
    headers = response.setdefault("headers", {})
    if not any(name.lower() == "cache-control" for name in headers):
        headers["Cache-Control"] = "no-store"
    return response


def current_principal() -> Principal:
    """The authenticated caller of the current request."""
    principal = current_request.get().principal
    if principal is None:
        raise Unauthorized()
    return principal


#: The OpenAPI schema of every error body (RFC 9457 problem JSON).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "request_id": {"type": "string"},
    },
}


def problem_responses(*errors: type[DomainError]) -> dict[int, OpenAPIResponse]:
    """OpenAPI ``responses`` for the problems a route may answer, grouped by status, each status
    described by its codes and English messages (``@app.post(..., responses={...})``)."""
    by_status: dict[int, list[type[DomainError]]] = {}
    for error in errors:
        by_status.setdefault(error.status, []).append(error)
    return {
        status: {
            "description": "\n\n".join(f"`{error.code}`: {error.en}" for error in group),
            "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA, "examples": problem_examples(status, group)}},
        }
        for status, group in by_status.items()
    }


def problem_examples(status: int, errors: list[type[DomainError]] | list[tuple[str, str]]) -> dict[str, Any]:
    """OpenAPI ``examples`` of the problem bodies of ``status``, one per error (a
    :class:`DomainError` or its ``(code, English message)``), named by code."""
    examples: dict[str, Any] = {}
    for error in errors:
        code, message = (error.code, error.en) if isinstance(error, type) else error
        examples[code] = {"summary": message, "value": problem_body(status, code, message)}
    return examples


def json_response(status: int, model: BaseModel | dict[str, Any] | list[Any]) -> Response[str]:
    body = model.model_dump(mode="json") if isinstance(model, BaseModel) else model
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, ensure_ascii=False),
    )


def created(model: BaseModel | dict[str, Any]) -> Response[str]:
    return json_response(201, model)
