"""The HTTP API in front of the functions: routes from ``template.yaml``, request → payload 2.0
event, the function's result → HTTP response, as API Gateway does it.

Route selection follows HTTP API: the most specific match wins (a literal segment beats
``{param}``, which beats ``{proxy+}``; a named method beats ``ANY``); no match is 404
``{"message":"Not Found"}``. The JWT authorizer runs before the function, CORS preflights are
answered from the API's ``CorsConfiguration``, and Lambda's 6 MB payload limit gives 413.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from devstack.authorizer import (
    AuthorizationError,
    JwtAuthorizer,
    authorizer_configs,
    claims_for_event,
    token_scopes,
)
from devstack.template import ACCOUNT_ID, Stack

log = logging.getLogger("paylox.devstack.gateway")

LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024  # bytes, request and response alike (synchronous invoke)
API_ID = "paylox-dev"

# API Gateway passes only these content types as text; every other body (form posts and a missing
# Content-Type included) reaches the function base64-encoded, as observed on real HTTP APIs.
_TEXT_TYPES = ("application/json", "application/xml", "application/javascript")


# ---------------------------------------------------------------------------------------- HTTP
@dataclass(frozen=True)
class HttpRequest:
    method: str
    raw_path: str
    raw_query: str
    headers: list[tuple[str, str]]  # as received, repeats kept
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return ",".join(values) if values else None


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @classmethod
    def json(cls, status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> HttpResponse:
        body = json.dumps(payload, ensure_ascii=False, default=str).encode()
        return cls(status, [("content-type", "application/json"), *(headers or [])], body)


def message(status: int, text: str) -> HttpResponse:
    """API Gateway's own error responses: ``{"message": "..."}``."""
    return HttpResponse.json(status, {"message": text})


# ------------------------------------------------------------------------------------- routes
@dataclass(frozen=True)
class Route:
    method: str  # GET, POST, ... or ANY
    path: str  # template path, e.g. /api/transaction/{id}; "$default" for the catch-all
    function_id: str
    authorizer: str | None  # None on public routes (Auth.Authorizer: NONE)
    scopes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"

    def match(self, path: str) -> tuple[tuple[int, ...], dict[str, str]] | None:
        """Specificity rank (lower is more specific) and path parameters, if ``path`` matches."""
        if self.path == "$default":
            return (3,), {}
        pattern = self.path.strip("/").split("/")
        segments = path.strip("/").split("/")
        rank: list[int] = []
        params: dict[str, str] = {}
        for index, part in enumerate(pattern):
            if part.startswith("{") and part.endswith("+}"):
                rest = segments[index:]
                if not rest or not rest[0]:
                    return None
                params[part[1:-2]] = unquote("/".join(rest))
                return (*rank, 2), params
            if index >= len(segments):
                return None
            if part.startswith("{") and part.endswith("}"):
                if not segments[index]:
                    return None
                params[part[1:-1]] = unquote(segments[index])
                rank.append(1)
            elif part == segments[index]:
                rank.append(0)
            else:
                return None
        if len(segments) != len(pattern):
            return None
        return tuple(rank), params


@dataclass(frozen=True)
class RouteTable:
    routes: tuple[Route, ...]

    @classmethod
    def from_stack(cls, stack: Stack) -> RouteTable:
        _, default_authorizer = authorizer_configs(stack)
        routes = []
        for spec in stack.functions.values():
            for event in spec.events.values():
                if event.get("Type") != "HttpApi":
                    continue
                props = event.get("Properties") or {}
                auth = props.get("Auth") or {}
                authorizer = auth.get("Authorizer", default_authorizer)
                routes.append(
                    Route(
                        method=str(props.get("Method", "ANY")).upper(),
                        path=str(props.get("Path", "$default")),
                        function_id=spec.logical_id,
                        authorizer=None if authorizer in (None, "NONE") else str(authorizer),
                        scopes=tuple(auth.get("AuthorizationScopes") or ()),
                    )
                )
        return cls(tuple(routes))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        best: tuple[tuple[tuple[int, ...], int], Route, dict[str, str]] | None = None
        for route in self.routes:
            if route.method not in (method.upper(), "ANY"):
                continue
            found = route.match(path)
            if found is None:
                continue
            rank = (found[0], 1 if route.method == "ANY" else 0)
            if best is None or rank < best[0]:
                best = (rank, route, found[1])
        return None if best is None else (best[1], best[2])


# ------------------------------------------------------------------------------------- events
def is_text(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media.startswith("text/") or media in _TEXT_TYPES


def _request_id() -> str:
    # API Gateway's request ids look like "Jt5Zkj0bFiAEMxA=": base64 of 10 random bytes.
    return base64.b64encode(secrets.token_bytes(10)).decode()


def build_event(
    route: Route,
    path_params: Mapping[str, str],
    request: HttpRequest,
    *,
    claims: Mapping[str, Any] | None,
    request_id: str,
    now: datetime,
) -> dict[str, Any]:
    """The HTTP API payload format 2.0 event for ``request`` matched to ``route``."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        lowered = name.lower()
        if lowered == "cookie":  # cookies travel in their own field, not as a header
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[lowered] = f"{headers[lowered]},{value}" if lowered in headers else value
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded}, {request.source_ip}" if forwarded else request.source_ip
    headers.setdefault("x-forwarded-proto", "http")
    host, _, port = headers.get("host", "localhost").partition(":")
    headers.setdefault("x-forwarded-port", port or "80")
    headers["x-amzn-trace-id"] = f"Root=1-{int(now.timestamp()):08x}-{uuid.uuid4().hex[:24]}"

    query: dict[str, str] = {}
    for key, value in parse_qsl(request.raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value

    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": host,
        "domainPrefix": host.split(".", 1)[0],
        "http": {
            "method": request.method.upper(),
            "path": request.raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route.key,
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims_for_event(claims), "scopes": token_scopes(claims)}}

    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = context
    if path_params:
        event["pathParameters"] = dict(path_params)
    binary = False
    if request.body:
        binary = not is_text(headers.get("content-type"))
        event["body"] = base64.b64encode(request.body).decode() if binary else request.body.decode("utf-8", "replace")
    event["isBase64Encoded"] = binary
    return event


# ---------------------------------------------------------------------------------- responses
def to_http_response(result: Any) -> HttpResponse:
    """What API Gateway makes of a function's result (payload format 2.0).

    A dict with ``statusCode`` is a full response; anything else is the "simple" format: 200,
    ``application/json``, the result as the body (a string as is, anything else as JSON).
    """
    if not isinstance(result, dict) or "statusCode" not in result:
        body = result if isinstance(result, str) else json.dumps(result)
        return HttpResponse(200, [("content-type", "application/json")], body.encode())
    status = result["statusCode"]
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise ValueError(f"invalid statusCode {status!r}")
    headers: list[tuple[str, str]] = [
        (str(name).lower(), str(value)) for name, value in (result.get("headers") or {}).items()
    ]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name).lower(), str(value)) for value in values)
    headers.extend(("set-cookie", str(cookie)) for cookie in result.get("cookies") or [])
    payload = result.get("body")
    if payload is None:
        return HttpResponse(status, headers)
    if result.get("isBase64Encoded"):
        return HttpResponse(status, headers, base64.b64decode(str(payload), validate=True))
    return HttpResponse(status, headers, str(payload).encode())


# -------------------------------------------------------------------------------------- CORS
def _listed(config: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = config.get(key) or ()
    return tuple(str(item) for item in (value if isinstance(value, list) else [value]))


@dataclass(frozen=True)
class Cors:
    allow_origins: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    @classmethod
    def from_stack(cls, stack: Stack) -> Cors | None:
        for res in stack.of_type("AWS::Serverless::HttpApi").values():
            config = (res.get("Properties") or {}).get("CorsConfiguration")
            if not config:
                return None
            config = stack.resolve(config)
            listed = functools.partial(_listed, config)
            return cls(
                allow_origins=listed("AllowOrigins"),
                allow_headers=tuple(h.lower() for h in listed("AllowHeaders")),
                allow_methods=tuple(m.upper() for m in listed("AllowMethods")),
                expose_headers=listed("ExposeHeaders"),
                max_age=int(config["MaxAge"]) if "MaxAge" in config else None,
                allow_credentials=bool(config.get("AllowCredentials", False)),
            )
        return None

    def allowed_origin(self, origin: str | None) -> str | None:
        if not origin:
            return None
        if "*" in self.allow_origins:
            return "*"
        return origin if origin in self.allow_origins else None

    def preflight(self, request: HttpRequest) -> HttpResponse:
        """API Gateway answers preflights itself (204), with CORS headers only for allowed origins."""
        response = HttpResponse(204)
        origin = self.allowed_origin(request.header("origin"))
        method = (request.header("access-control-request-method") or "").upper()
        if origin and (method in self.allow_methods or "*" in self.allow_methods):
            response.headers += [
                ("access-control-allow-origin", origin),
                ("access-control-allow-methods", ",".join(self.allow_methods)),
            ]
            if self.allow_headers:
                response.headers.append(("access-control-allow-headers", ",".join(self.allow_headers)))
            if self.max_age is not None:
                response.headers.append(("access-control-max-age", str(self.max_age)))
            if self.allow_credentials:
                response.headers.append(("access-control-allow-credentials", "true"))
        return response

    def decorate(self, request: HttpRequest, response: HttpResponse) -> None:
        """API Gateway's CORS headers replace whatever the function sent."""
        origin = self.allowed_origin(request.header("origin"))
        if not origin:
            return
        response.headers = [(k, v) for k, v in response.headers if not k.startswith("access-control-")]
        response.headers.append(("access-control-allow-origin", origin))
        if self.expose_headers:
            response.headers.append(("access-control-expose-headers", ",".join(self.expose_headers)))
        if self.allow_credentials:
            response.headers.append(("access-control-allow-credentials", "true"))


# ----------------------------------------------------------------------------------- gateway
Invoke = Callable[[str, dict[str, Any]], Any]


@dataclass
class Gateway:
    """The HTTP API: authorize, build the event, invoke the function, shape the response."""

    routes: RouteTable
    authorizers: Mapping[str, JwtAuthorizer]
    invoke: Invoke
    cors: Cors | None = None
    clock: Callable[[], float] = field(default=time.time)

    def handle(self, request: HttpRequest) -> tuple[HttpResponse, str | None]:
        """The response to ``request`` and the logical id of the function that served it, if any."""
        if self.cors and request.method == "OPTIONS" and request.header("access-control-request-method"):
            return self.cors.preflight(request), None
        response, function_id = self._route(request)
        if self.cors:
            self.cors.decorate(request, response)
        return response, function_id

    def _route(self, request: HttpRequest) -> tuple[HttpResponse, str | None]:
        request_id = _request_id()
        found = self.routes.match(request.method, request.raw_path)
        if found is None:
            return self._stamp(message(404, "Not Found"), request_id), None
        route, params = found
        headers = {name.lower(): value for name, value in request.headers}
        claims: dict[str, Any] | None = None
        if route.authorizer is not None:
            try:
                claims = self.authorizers[route.authorizer].authorize(headers, route.scopes)
            except AuthorizationError as exc:
                log.info("%s %s refused by the authorizer: %s", request.method, request.raw_path, exc.reason)
                response = HttpResponse.json(exc.status, exc.body, [("www-authenticate", exc.www_authenticate)])
                return self._stamp(response, request_id), None
        now = datetime.fromtimestamp(self.clock(), UTC)
        event = build_event(route, params, request, claims=claims, request_id=request_id, now=now)
        if len(json.dumps(event).encode()) > LAMBDA_PAYLOAD_LIMIT:
            return self._stamp(message(413, "Request Entity Too Large"), request_id), route.function_id
        try:
            result = self.invoke(route.function_id, event)
            response = to_http_response(result)
        except Exception:  # a crashed or malformed invocation: API Gateway hides the details
            log.exception("%s failed on %s", route.function_id, route.key)
            return self._stamp(message(500, "Internal Server Error"), request_id), route.function_id
        if len(response.body) > LAMBDA_PAYLOAD_LIMIT:
            log.error("%s returned more than 6 MB", route.function_id)
            return self._stamp(message(500, "Internal Server Error"), request_id), route.function_id
        return self._stamp(response, request_id), route.function_id

    @staticmethod
    def _stamp(response: HttpResponse, request_id: str) -> HttpResponse:
        response.headers.append(("apigw-requestid", request_id))
        return response
