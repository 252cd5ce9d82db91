"""Development-only endpoints under ``/_dev/`` (plus ``/openapi.json`` and ``/docs``).

They exist only in the dev stack, never in ``template.yaml``: the outbox of sent SMS and email, the
clock every handler reads, running a scheduled function now, registering a user as the stack's
Cognito pool would (``POST /_dev/register``), and the dev issuer's JWKS.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devstack import dev_clock
from devstack.async_wiring import AsyncWiring
from devstack.gateway import HttpRequest, HttpResponse, RouteTable, message
from devstack.invoker import Invoker
from devstack.openapi import SWAGGER_HTML, openapi_document, swagger_asset
from devstack.registration import REGISTER_PATH, REGISTRATION_FUNCTION, claims_from, post_confirmation_event
from devstack.state import StateDir
from paylox import clock, dev_outbox
from paylox.users.service import find_profile

_RUN = re.compile(r"^/_dev/run/([A-Za-z0-9]+)$")
# Lambda's Invoke API (botocore finds it through AWS_ENDPOINT_URL_LAMBDA): one function invoking
# another, e.g. GET /api/admin/health invoking HealthCheckFunction, runs it in this process.
LAMBDA_INVOKE = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")


@dataclass
class DevEndpoints:
    state: StateDir
    wiring: AsyncWiring
    routes: RouteTable
    invoker: Invoker
    jwks: dict[str, Any]

    def handle(self, request: HttpRequest) -> HttpResponse | None:
        """The response for a dev path, or None when the request is for the API itself."""
        if request.raw_path.startswith("/_dev/"):
            return self._dev(request)
        if match := LAMBDA_INVOKE.match(request.raw_path):
            return self._only(request.method, "POST", lambda: self._lambda_invoke(match.group(1), request))
        return self._docs(request.raw_path, request.method)

    def _docs(self, path: str, method: str) -> HttpResponse | None:
        """The OpenAPI document and the Swagger UI that renders it (read-only pages)."""

        def swagger_page() -> HttpResponse:
            return _content(SWAGGER_HTML.encode(), "text/html; charset=utf-8")

        pages: dict[str, Callable[[], HttpResponse]] = {
            "/openapi.json": lambda: HttpResponse.json(200, openapi_document(self.routes, self.invoker)),
            "/docs": swagger_page,
            "/docs/": swagger_page,
            "/docs/swagger-ui-bundle.js": lambda: _content(
                swagger_asset("swagger-ui-bundle.min.js"), "text/javascript"
            ),
            "/docs/swagger-ui.css": lambda: _content(swagger_asset("swagger-ui.min.css"), "text/css"),
        }
        respond = pages.get(path)
        return None if respond is None else self._only(method, "GET", respond)

    def _dev(self, request: HttpRequest) -> HttpResponse:
        path, method = request.raw_path, request.method
        if (path, method) == ("/_dev/outbox", "DELETE"):
            return self._clear_outbox()
        if (path, method) == ("/_dev/clock", "POST"):
            return self._advance_clock(request)
        reads: dict[str, Callable[[], HttpResponse]] = {
            "/_dev/outbox": lambda: HttpResponse.json(200, dev_outbox.read_all()),
            "/_dev/clock": lambda: HttpResponse.json(200, _clock()),
            "/_dev/.well-known/jwks.json": lambda: HttpResponse.json(200, self.jwks),
        }
        if path in reads:
            return self._only(method, "GET", reads[path])
        if path == REGISTER_PATH:
            return self._only(method, "POST", lambda: self._register(request))
        if match := _RUN.match(path):
            return self._only(method, "POST", lambda: self._run(match.group(1)))
        return message(404, "Not Found")

    @staticmethod
    def _only(method: str, allowed: str, respond: Callable[[], HttpResponse]) -> HttpResponse:
        if method != allowed:
            return HttpResponse.json(405, {"message": "Method Not Allowed"}, [("allow", allowed)])
        return respond()

    def _clear_outbox(self) -> HttpResponse:
        self.state.outbox.write_text("", encoding="utf-8")
        return HttpResponse(204)

    def _advance_clock(self, request: HttpRequest) -> HttpResponse:
        try:
            payload = json.loads(request.body or b"{}")
            seconds = payload["advance_seconds"]
        except (ValueError, KeyError, TypeError):
            return message(400, 'expected a JSON body {"advance_seconds": N}')
        valid = isinstance(seconds, int | float) and not isinstance(seconds, bool) and math.isfinite(seconds)
        if not valid or seconds < 0:
            return message(400, "advance_seconds must be a number >= 0: the clock only moves forward")
        dev_clock.advance(seconds)
        # Persisted so that `paylox invoke` in another process runs at the same time.
        self.state.save_clock_offset(dev_clock.offset_seconds())
        self.wiring.wake()  # schedules that became due fire now, not at the next poll
        return HttpResponse.json(200, _clock())

    def _run(self, function_id: str) -> HttpResponse:
        if self.wiring.wiring.scheduled(function_id) is None:
            return message(404, f"no scheduled function {function_id}")
        try:
            result = self.wiring.run_schedule(function_id)
        except Exception as exc:  # the caller sees the failure; the stack keeps running
            return HttpResponse.json(500, {"function": function_id, "error": f"{type(exc).__name__}: {exc}"})
        return HttpResponse.json(200, {"function": function_id, "result": result})

    def _lambda_invoke(self, name: str, request: HttpRequest) -> HttpResponse:
        """A synchronous (RequestResponse) invoke, answered as Lambda answers it: the function's
        result, or its error with ``X-Amz-Function-Error``."""
        by_name = {
            self.invoker.stack.physical_name(logical_id): logical_id for logical_id in self.invoker.stack.functions
        }
        logical_id = by_name.get(name.rsplit(":", 1)[-1], name)
        if logical_id not in self.invoker.stack.functions:
            return HttpResponse.json(404, {"Type": "User", "message": f"Function not found: {name}"})
        try:
            result = self.invoker.invoke(logical_id, json.loads(request.body or b"{}"))
        except Exception as exc:  # the caller sees the failure, as from Lambda; the stack keeps running
            error = {"errorType": type(exc).__name__, "errorMessage": str(exc)}
            return HttpResponse.json(200, error, [("x-amz-function-error", "Unhandled")])
        return HttpResponse.json(200, result)

    def _register(self, request: HttpRequest) -> HttpResponse:
        """Confirm a sign-up: the PostConfirmation event, from the given claims, for the function
        the stack's user pool runs. Registering someone again changes nothing."""
        try:
            claims = claims_from(json.loads(request.body or b"null"))
        except ValueError as exc:
            return message(400, str(exc))
        sub = str(claims["sub"])
        event = post_confirmation_event(sub, email=claims["email"], phone=claims["phone"], locale=claims["locale"])
        existed = find_profile(sub, consistent=True) is not None
        try:
            result = self.invoker.invoke(REGISTRATION_FUNCTION, event)
        except Exception as exc:  # the caller sees the failure; the stack keeps running
            return _failed(REGISTRATION_FUNCTION, f"{type(exc).__name__}: {exc}")
        if result != event:
            return _failed(REGISTRATION_FUNCTION, "the event was not returned unchanged, as Cognito requires")
        return HttpResponse.json(200, {"user_id": sub, "created": not existed})


def _failed(function_id: str, error: str) -> HttpResponse:
    return HttpResponse.json(500, {"function": function_id, "error": error})


def _clock() -> dict[str, Any]:
    return {"now": clock.now_iso(), "offset_seconds": dev_clock.offset_seconds()}


def _content(body: bytes, content_type: str) -> HttpResponse:
    return HttpResponse(200, [("content-type", content_type)], body)
