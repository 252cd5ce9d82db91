"""The dev stack's HTTP API front: route selection, payload 2.0 events and responses, as API
Gateway makes them."""

from __future__ import annotations

import base64
import http.client
import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.authorizer import AuthorizerConfig, JwtAuthorizer
from devstack.gateway import (
    LAMBDA_PAYLOAD_LIMIT,
    Cors,
    Gateway,
    HttpRequest,
    Route,
    RouteTable,
    build_event,
    to_http_response,
)
from devstack.server import DevServer
from devstack.stack import DEV_AUDIENCE, DEV_ISSUER, dev_stack
from devstack.state import StateDir
from devstack.tokens import jwks, mint, signing_key

NOW = datetime(2026, 11, 26, 9, 0, 0, tzinfo=UTC)


def request(method: str = "GET", target: str = "/", body: bytes = b"", headers: list | None = None) -> HttpRequest:
    path, _, query = target.partition("?")
    return HttpRequest(method, path, query, headers or [("Host", "127.0.0.1:3000")], body)


# ------------------------------------------------------------------------------------ routes
def test_every_http_function_of_the_template_has_its_route():
    table = RouteTable.from_stack(dev_stack())
    keys = {(route.key, route.function_id) for route in table.routes}
    assert ("GET /api/health", "HealthFunction") in keys
    assert ("POST /api/transaction/{id}/pay", "TransactionPayFunction") in keys
    health = next(route for route in table.routes if route.function_id == "HealthFunction")
    pay = next(route for route in table.routes if route.function_id == "TransactionPayFunction")
    assert health.authorizer is None  # Auth.Authorizer: NONE
    assert pay.authorizer == "CognitoJwt"  # the API's default authorizer


def test_a_literal_segment_beats_a_path_parameter():
    table = RouteTable.from_stack(dev_stack())

    route, params = table.match("GET", "/api/transaction/list")
    assert route.function_id == "TransactionListFunction"
    assert params == {}

    route, params = table.match("GET", "/api/transaction/txn_1")
    assert route.function_id == "TransactionGetFunction"
    assert params == {"id": "txn_1"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/unknown"),
        ("DELETE", "/api/health"),  # right path, wrong method: HTTP API answers 404 too
        ("GET", "/api/transaction/"),  # an empty segment is no parameter value
        ("POST", "/api/transaction/txn_1/pay/extra"),
    ],
)
def test_no_route_matches(method, path):
    assert RouteTable.from_stack(dev_stack()).match(method, path) is None


def test_greedy_and_any_routes_rank_below_specific_ones():
    table = RouteTable(
        (
            Route("ANY", "/files/{proxy+}", "Greedy", None),
            Route("GET", "/files/{name}", "Param", None),
            Route("ANY", "/files/readme", "AnyLiteral", None),
            Route("GET", "/files/readme", "GetLiteral", None),
        )
    )
    assert table.match("GET", "/files/readme")[0].function_id == "GetLiteral"
    assert table.match("POST", "/files/readme")[0].function_id == "AnyLiteral"
    assert table.match("GET", "/files/a.txt") == (table.routes[1], {"name": "a.txt"})
    assert table.match("GET", "/files/a/b%20c.txt") == (table.routes[0], {"proxy": "a/b c.txt"})


# ------------------------------------------------------------------------------------ events
def test_the_event_has_the_payload_2_0_shape():
    route = Route("GET", "/api/transaction/{id}", "TransactionGetFunction", "CognitoJwt")
    req = request(
        "GET",
        "/api/transaction/txn_1?tag=a&tag=b&q=hello%20world&empty=",
        headers=[
            ("Host", "127.0.0.1:3000"),
            ("User-Agent", "pytest"),
            ("Accept", "application/json"),
            ("X-Custom", "one"),
            ("X-Custom", "two"),
            ("Cookie", "session=abc; theme=dark"),
        ],
    )
    claims = {"sub": "user-1", "cognito:groups": ["admin"], "exp": 1795687100}

    event = build_event(route, {"id": "txn_1"}, req, claims=claims, request_id="req-1", now=NOW)

    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /api/transaction/{id}"
    assert event["rawPath"] == "/api/transaction/txn_1"
    assert event["rawQueryString"] == "tag=a&tag=b&q=hello%20world&empty="
    assert event["queryStringParameters"] == {"tag": "a,b", "q": "hello world", "empty": ""}
    assert event["pathParameters"] == {"id": "txn_1"}
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-custom"] == "one,two"
    assert event["headers"]["user-agent"] == "pytest"
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert (event["headers"]["x-forwarded-proto"], event["headers"]["x-forwarded-port"]) == ("http", "3000")
    assert event["isBase64Encoded"] is False
    assert "body" not in event
    context = event["requestContext"]
    assert context["http"] == {
        "method": "GET",
        "path": "/api/transaction/txn_1",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "pytest",
    }
    assert context["stage"] == "$default"
    assert context["requestId"] == "req-1"
    assert context["routeKey"] == event["routeKey"]
    assert context["time"] == "26/Nov/2026:09:00:00 +0000"
    assert context["timeEpoch"] == 1795683600000
    assert context["domainName"] == "127.0.0.1"
    assert context["authorizer"]["jwt"] == {
        "claims": {"sub": "user-1", "cognito:groups": "[admin]", "exp": "1795687100"},
        "scopes": None,
    }


def test_a_public_route_without_query_or_parameters_omits_those_fields():
    event = build_event(
        Route("GET", "/api/health", "HealthFunction", None),
        {},
        request(),
        claims=None,
        request_id="r",
        now=NOW,
    )
    assert "queryStringParameters" not in event
    assert "pathParameters" not in event
    assert "cookies" not in event
    assert "authorizer" not in event["requestContext"]


@pytest.mark.parametrize(
    ("content_type", "binary"),
    [
        ("application/json", False),
        ("application/json; charset=utf-8", False),
        ("application/x-www-form-urlencoded", True),
        (None, True),
        ("text/plain", False),
        ("multipart/form-data; boundary=x", True),
        ("image/png", True),
        ("application/octet-stream", True),
    ],
)
def test_non_text_bodies_arrive_base64_encoded(content_type, binary):
    body = b"\x89PNG\r\n\x1a\n" if binary else '{"a": "ğüş"}'.encode()
    req = request("POST", "/upload", body, headers=[("Content-Type", content_type)] if content_type else [])

    event = build_event(Route("POST", "/upload", "F", None), {}, req, claims=None, request_id="r", now=NOW)

    assert event["isBase64Encoded"] is binary
    received = base64.b64decode(event["body"]) if binary else event["body"].encode()
    assert received == body


# --------------------------------------------------------------------------------- responses
def test_a_full_response_keeps_status_headers_cookies_and_decodes_base64():
    response = to_http_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "image/png"},
            "multiValueHeaders": {"X-Trace": ["a", "b"]},
            "cookies": ["a=1; Secure", "b=2"],
            "body": base64.b64encode(b"\x89PNG").decode(),
            "isBase64Encoded": True,
        }
    )
    assert response.status == 201
    assert response.body == b"\x89PNG"
    assert ("content-type", "image/png") in response.headers
    assert [v for k, v in response.headers if k == "x-trace"] == ["a", "b"]
    assert [v for k, v in response.headers if k == "set-cookie"] == ["a=1; Secure", "b=2"]


@pytest.mark.parametrize(
    ("result", "body"),
    [({"status": "ok"}, b'{"status": "ok"}'), ("hello", b"hello"), ([1, 2], b"[1, 2]")],
)
def test_a_result_without_status_code_is_a_simple_response(result, body):
    response = to_http_response(result)
    assert response.status == 200
    assert response.headers == [("content-type", "application/json")]
    assert response.body == body


# ----------------------------------------------------------------------------------- gateway
class Recorder:
    def __init__(self, result: Any = None) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.result = result if result is not None else {"statusCode": 200, "body": "{}"}

    def __call__(self, function_id: str, event: dict[str, Any]) -> Any:
        self.events.append((function_id, event))
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    return signing_key(StateDir(tmp_path_factory.mktemp("state")))


def gateway(key, invoke) -> Gateway:
    stack = dev_stack()
    authorizer = JwtAuthorizer(AuthorizerConfig("CognitoJwt", DEV_ISSUER, (DEV_AUDIENCE,)), jwks(key))
    return Gateway(RouteTable.from_stack(stack), {"CognitoJwt": authorizer}, invoke, Cors.from_stack(stack))


def test_an_unknown_route_is_404_not_found_json(key):
    invoke = Recorder()
    response, function_id = gateway(key, invoke).handle(request("GET", "/nope"))
    assert (response.status, json.loads(response.body)) == (404, {"message": "Not Found"})
    assert function_id is None
    assert invoke.events == []


def test_the_authorizer_refuses_before_the_function_runs(key):
    invoke = Recorder()
    response, _ = gateway(key, invoke).handle(request("GET", "/api/transaction/list"))
    assert (response.status, json.loads(response.body)) == (401, {"message": "Unauthorized"})
    assert invoke.events == []


def test_an_authorized_request_reaches_its_function_with_the_verified_claims(key):
    invoke = Recorder()
    token = mint(key, sub="user-7", groups=["support"])
    headers = [("Host", "127.0.0.1:3000"), ("Authorization", f"Bearer {token}")]

    response, function_id = gateway(key, invoke).handle(
        request("GET", "/api/transaction/list?limit=5", headers=headers)
    )

    assert response.status == 200
    assert function_id == "TransactionListFunction"
    [(_, event)] = invoke.events
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert (claims["sub"], claims["cognito:groups"]) == ("user-7", "[support]")
    assert event["queryStringParameters"] == {"limit": "5"}
    assert ("apigw-requestid", event["requestContext"]["requestId"]) in response.headers


def test_a_crashing_function_is_a_bare_500(key):
    response, _ = gateway(key, Recorder(RuntimeError("boom"))).handle(request("GET", "/api/health"))
    assert (response.status, json.loads(response.body)) == (500, {"message": "Internal Server Error"})


def test_a_request_over_lambdas_6_mb_is_413_and_never_invoked(key):
    invoke = Recorder()
    body = b"x" * (LAMBDA_PAYLOAD_LIMIT - 1000)  # fits raw, not once base64-encoded in the event
    req = request("GET", "/api/health", body, headers=[("Content-Type", "application/octet-stream")])

    response, _ = gateway(key, invoke).handle(req)

    assert response.status == 413
    assert invoke.events == []


def test_cors_preflight_is_answered_by_the_gateway_for_allowed_origins(key):
    invoke = Recorder()
    preflight = [("Origin", "http://localhost:3000"), ("Access-Control-Request-Method", "POST")]

    response, _ = gateway(key, invoke).handle(request("OPTIONS", "/api/transaction/create", headers=preflight))

    assert response.status == 204
    headers = dict(response.headers)
    assert headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "POST" in headers["access-control-allow-methods"].split(",")
    assert "authorization" in headers["access-control-allow-headers"].split(",")
    assert headers["access-control-max-age"] == "600"
    assert invoke.events == []

    evil = [("Origin", "https://evil.example.com"), ("Access-Control-Request-Method", "POST")]
    response, _ = gateway(key, invoke).handle(request("OPTIONS", "/api/transaction/create", headers=evil))
    assert not any(name.startswith("access-control-") for name, _ in response.headers)


def test_responses_to_an_allowed_origin_carry_the_cors_header(key):
    response, _ = gateway(key, Recorder()).handle(
        request("GET", "/api/health", headers=[("Origin", "http://localhost:3000")])
    )
    assert ("access-control-allow-origin", "http://localhost:3000") in response.headers


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "CONNECT"])
def test_a_method_no_route_takes_is_404_over_http_not_501(key, method):
    # Found by the fuzz tier: http.server answered 501 before the gateway could route.
    invoke = Recorder()
    server = DevServer(("127.0.0.1", 0), gateway(key, invoke).handle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
        connection.request(method, "/api/health")
        response = connection.getresponse()
        assert (response.status, json.loads(response.read())) == (404, {"message": "Not Found"})
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
    assert invoke.events == []
