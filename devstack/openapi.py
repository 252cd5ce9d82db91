"""One OpenAPI document for the whole API, merged from every HTTP function's Powertools app.

Each endpoint module describes its own route from its pydantic models; the template says which
routes are public. The merged document marks every other route as needing the bearer JWT.
"""

from __future__ import annotations

import json
import logging
from importlib.resources import files
from typing import Any

from devstack.gateway import RouteTable
from devstack.invoker import Invoker

log = logging.getLogger("paylox.devstack.openapi")

TITLE = "Paylox API"
BEARER = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}


def openapi_document(routes: RouteTable, invoker: Invoker, version: str = "0.1.0") -> dict[str, Any]:
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": version},
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": BEARER},
    }
    secured = {(r.method.lower(), r.path): r for r in routes.routes}
    failed: list[str] = []
    for function_id in dict.fromkeys(route.function_id for route in routes.routes):
        try:
            app = invoker.module(function_id).app
            schema = json.loads(app.get_openapi_json_schema(title=TITLE, version=version))
        except Exception:  # one broken module must not hide the rest of the API
            log.exception("no OpenAPI schema from %s", function_id)
            failed.append(function_id)
            continue
        for path, operations in (schema.get("paths") or {}).items():
            for method, operation in operations.items():
                route = secured.get((method, path))
                if route is not None and route.authorizer is not None:
                    operation["security"] = [{"bearerAuth": list(route.scopes)}]
                else:
                    operation.pop("security", None)
                document["paths"].setdefault(path, {})[method] = operation
        for name, component in ((schema.get("components") or {}).get("schemas") or {}).items():
            document["components"]["schemas"].setdefault(name, component)
    if failed:
        document["x-dev-unavailable-functions"] = failed
    return document


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
