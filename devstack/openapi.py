"""One OpenAPI document for the whole API, merged from every HTTP function's Powertools app.

Each endpoint module describes its own route from its pydantic models and the problems of its
domain; the template says which routes are public. The merge marks every other route as needing
the bearer JWT, adds the answers every operation shares (:mod:`paylox.openapi`: 401, 403, 413,
415, 422, ...) as problem JSON, and files each operation under its domain's tag, summarised by its
module's docstring and who may call it.
"""

from __future__ import annotations

import json
import logging
from importlib.resources import files
from types import ModuleType
from typing import Any

from devstack.gateway import Route, RouteTable
from devstack.invoker import Invoker
from paylox.http import PROBLEM_JSON, audience, requires_fresh_auth
from paylox.openapi import OperationShape, problem_content, shared_problems

log = logging.getLogger("paylox.devstack.openapi")

TITLE = "Paylox API"
BEARER = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An ID token of the user pool (`sub`, `cognito:groups`, `phone_number`); "
        "the dev stack mints them with `paylox token`.",
    }
}

#: The document's groups: the ``functions/<domain>/`` directory of an operation's handler.
TAGS: dict[str, tuple[str, str]] = {
    "transactions": ("transactions", "Escrow transactions: create, pay, ship, confirm, cancel, read."),
    "otp": ("OTP", "One-time passwords by SMS: phone verification and confirming money moves."),
    "documents": ("documents", "Document upload, review, share links and their audit."),
    "disputes": ("disputes", "Disputes of a funded transaction: opening, evidence, messages, resolution."),
    "webhooks": ("payments", "The payment gateway's callbacks (public; signed by the gateway)."),
    "admin": ("admin", "The back office: staff and admin tools."),
    "ops": ("operations", "Health of the API."),
}
WHO = {
    "public": "Public: no token; the caller is checked by what it sends (signature, share token).",
    "user": "Any registered user, with a bearer token; other people's records answer 404.",
    "staff": "Staff only: admins and support agents (others get `403 STAFF_ONLY`), signed in with TOTP "
    "(`403 MFA_REQUIRED` otherwise).",
    "admin": "Admins only (others get `403 ADMIN_ONLY`), signed in with TOTP (`403 MFA_REQUIRED` otherwise).",
}


def openapi_document(routes: RouteTable, invoker: Invoker, version: str = "0.1.0") -> dict[str, Any]:
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": version,
            "description": "Errors are RFC 9457 problem JSON (`application/problem+json`) with a stable "
            "`code`, in Turkish or English by `Accept-Language`. Amounts are integer kuruş.",
        },
        "security": [{"bearerAuth": []}],
        "tags": [{"name": name, "description": text} for name, text in dict(TAGS.values()).items()],
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": BEARER},
    }
    secured = {(r.method.lower(), r.path): r for r in routes.routes}
    failed: list[str] = []
    for function_id in dict.fromkeys(route.function_id for route in routes.routes):
        try:
            module = invoker.module(function_id)
            schema = json.loads(module.app.get_openapi_json_schema(title=TITLE, version=version))
        except Exception:  # one broken module must not hide the rest of the API
            log.exception("no OpenAPI schema from %s", function_id)
            failed.append(function_id)
            continue
        for path, operations in (schema.get("paths") or {}).items():
            for method, operation in operations.items():
                describe(operation, module, secured.get((method, path)), schema.get("components") or {})
                document["paths"].setdefault(path, {})[method] = operation
        for name, component in ((schema.get("components") or {}).get("schemas") or {}).items():
            document["components"]["schemas"].setdefault(name, component)
    if failed:
        document["x-dev-unavailable-functions"] = failed
    return document


def describe(operation: dict[str, Any], module: ModuleType, route: Route | None, components: dict[str, Any]) -> None:
    """Security, tag, summary, description and the shared answers of one operation, in place."""
    who = audience(module.app) if route is None or route.authorizer is not None else "public"
    operation["security"] = [] if who == "public" else [{"bearerAuth": list(route.scopes if route else ())}]
    domain = module.__name__.split(".")[1]
    operation["tags"] = [TAGS.get(domain, (domain, ""))[0]]
    summary, _, rest = (module.__doc__ or "").strip().partition("\n\n")
    what = summary.split(": ", 1)[-1].replace("\n", " ").strip()
    operation["summary"] = what[:1].upper() + what[1:]
    operation["description"] = "\n\n".join(part for part in (WHO[who], rest.strip()) if part)
    parameters = operation.get("parameters") or []
    shape = OperationShape(
        audience=who,
        has_body="requestBody" in operation,
        has_parameters=bool(parameters),
        names_a_record=any(parameter.get("in") == "path" for parameter in parameters)
        or any(name.endswith(("_id", "_ids")) for name in _body_fields(operation, components)),
        fresh_auth=requires_fresh_auth(module.app),
    )
    responses = operation.setdefault("responses", {})
    for status, response in responses.items():
        if status == "204" or status.startswith("3"):  # no content, or a redirect: no body to describe
            response.pop("content", None)
    _add_shared_answers(responses, shared_problems(shape))


def _body_fields(operation: dict[str, Any], components: dict[str, Any]) -> list[str]:
    """The top-level fields of an operation's JSON body (its schema is a reference or inline)."""
    body = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in body:
        body = (components.get("schemas") or {}).get(body["$ref"].rsplit("/", 1)[-1], {})
    return list((body.get("properties") or {}).keys())


def _add_shared_answers(responses: dict[str, Any], problems: dict[int, list[tuple[str, str]]]) -> None:
    # Powertools documents its own 422 (HTTPValidationError as application/json); ours is a problem.
    if PROBLEM_JSON not in (responses.get("422") or {}).get("content", {}):
        responses.pop("422", None)
    for status, codes in problems.items():
        lines = [f"`{code}`: {message}" for code, message in codes] or ["API Gateway refused the request."]
        response = responses.setdefault(str(status), {"description": "", "content": {}})
        known = response.get("description") or ""
        new = [line for line in lines if line.split(":", 1)[0] not in known]
        response["description"] = "\n\n".join(part for part in (known, *new) if part)
        for media_type, content in problem_content(status, codes).items():
            existing = response.setdefault("content", {}).setdefault(media_type, content)
            if existing is not content:  # the route's own problems of this status come first
                existing["examples"] = {**content["examples"], **existing.get("examples", {})}


_SWAGGER_ASSETS = files("aws_lambda_powertools.event_handler.openapi.swagger_ui")


def swagger_asset(name: str) -> bytes:
    """Swagger UI's script and stylesheet, as shipped inside Powertools (no CDN needed)."""
    return (_SWAGGER_ASSETS / name).read_bytes()


SWAGGER_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Paylox API (dev stack)</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", persistAuthorization: true});
  </script>
</body>
</html>
"""
