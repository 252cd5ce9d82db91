"""Building HTTP API v2.0 events from the fixtures in ``events/`` and invoking handlers with them."""

from __future__ import annotations

import copy
import importlib.util
import json
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from devstack.lambda_context import LambdaContext
from paylox import clock
from paylox.auth import MFA_CLAIM, MFA_TOTP
from tests import iam_usage

EVENTS_DIR = Path(__file__).resolve().parent.parent / "events"

BUYER = "user-buyer-1"
SELLER = "user-seller-1"
STRANGER = "user-stranger-1"
ADMIN = "user-admin-1"
AGENT = "user-agent-1"  # a support agent (Cognito group support)


@cache
def _fixture(name: str) -> dict[str, Any]:
    return json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of ``events/<name>`` (e.g. ``transactions/create.json``)."""
    return copy.deepcopy(_fixture(name))


def api_event(
    name: str,
    *,
    body: Any = ...,
    path: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    sub: str | None = BUYER,
    groups: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
    source_ip: str | None = None,
    mfa: bool = True,
    auth_age: int = 0,
) -> dict[str, Any]:
    """The fixture ``name`` as sent by user ``sub`` (with Cognito ``groups``), with the given
    body, path parameters, query and extra headers. ``sub=None`` drops the authorizer.

    The token says its user signed in with TOTP (``mfa=False``: it does not) ``auth_age`` seconds
    ago by the test clock, as the pool's pre-token-generation trigger and a fresh sign-in would."""
    event = load_event(name)
    if body is not ...:
        event["body"] = body if isinstance(body, str) or body is None else json.dumps(body)
    if path:
        event["pathParameters"] = path
        raw_path = event["requestContext"]["routeKey"].split(" ", 1)[1]
        for key, value in path.items():
            raw_path = raw_path.replace("{" + key + "}", value)
        event["rawPath"] = event["requestContext"]["http"]["path"] = raw_path
    if query is not None:
        event["queryStringParameters"] = query
        event["rawQueryString"] = "&".join(f"{key}={value}" for key, value in query.items())
    if headers:
        event["headers"].update({key.lower(): value for key, value in headers.items()})
    if source_ip:
        event["requestContext"]["http"]["sourceIp"] = source_ip
    if sub is None:
        event["requestContext"].pop("authorizer", None)
        event["headers"].pop("authorization", None)
    elif "authorizer" in event["requestContext"]:
        _sign_in(event["requestContext"]["authorizer"]["jwt"]["claims"], sub, groups, mfa, auth_age)
    return event


def _sign_in(claims: dict[str, Any], sub: str, groups: tuple[str, ...], mfa: bool, auth_age: int) -> None:
    claims.update(sub=sub, email=f"{sub}@example.com", auth_time=str(clock.timestamp() - auth_age))
    if mfa:
        claims[MFA_CLAIM] = MFA_TOTP
    else:
        claims.pop(MFA_CLAIM, None)
    if groups:
        claims["cognito:groups"] = "[" + " ".join(groups) + "]"


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    raw: str

    @property
    def json(self) -> Any:
        return json.loads(self.raw)

    @property
    def code(self) -> str | None:
        """The problem ``code`` of an error response."""
        return self.json.get("code") if self.status >= 400 else None


def invoke(module: ModuleType, event: dict[str, Any]) -> HttpResult:
    handler = _environment_of(module).handler
    response = handler(event, LambdaContext(function_name=module.__name__.rsplit(".", 1)[-1]))
    return HttpResult(
        status=response["statusCode"],
        headers={key.lower(): value for key, value in (response.get("headers") or {}).items()},
        raw=response.get("body") or "",
    )


_environments = threading.local()


def _environment_of(module: ModuleType) -> ModuleType:
    """The handler module as one execution environment has it. Lambda gives each environment one
    request at a time, and the Powertools resolver a module builds keeps the request it serves: a
    race between requests (tests calling from several threads) is a race between environments,
    so each other thread gets its own copy of the module, built as a cold start would."""
    if threading.current_thread() is threading.main_thread():
        return module
    copies: dict[str, ModuleType] = _environments.__dict__.setdefault("copies", {})
    if module.__name__ not in copies:
        spec = importlib.util.spec_from_file_location(f"{module.__name__}_env{threading.get_ident()}", module.__file__)
        assert spec is not None and spec.loader is not None
        environment = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(environment)
        environment.handler = iam_usage.attributed_like(module.handler, environment.handler)
        copies[module.__name__] = environment
    return copies[module.__name__]
