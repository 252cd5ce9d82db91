"""The OpenAPI document (``/openapi.json`` of the dev stack) is the truth about the API: every
route of the template, grouped by domain, saying what it does and who may call it, with every
status it can answer and the problem JSON those answers carry."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from devstack.gateway import RouteTable
from devstack.invoker import Invoker
from devstack.openapi import openapi_document
from devstack.stack import dev_stack

DOMAIN_TAGS = {"transactions", "OTP", "documents", "disputes", "payments", "admin", "operations"}
ROUTES = RouteTable.from_stack(dev_stack()).routes


@cache
def document() -> dict[str, Any]:
    stack = dev_stack()
    return openapi_document(RouteTable.from_stack(stack), Invoker(stack))


def operation(route_key: str) -> dict[str, Any]:
    method, path = route_key.split(" ", 1)
    found: dict[str, Any] = document()["paths"][path][method.lower()]
    return found


def test_every_function_gives_its_schema():
    assert "x-dev-unavailable-functions" not in document()


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_every_route_is_grouped_by_domain_and_says_what_it_does_and_who_may_call_it(route):
    op = operation(route.key)

    assert len(op["tags"]) == 1 and op["tags"][0] in DOMAIN_TAGS
    assert op["summary"] and route.path not in op["summary"]
    assert any(who in op["description"] for who in ("Public", "Any registered user", "Staff only", "Admins only"))


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_every_route_documents_the_statuses_it_shares_with_its_kind(route):
    op = operation(route.key)
    statuses = set(op["responses"])
    parameters = op.get("parameters") or []

    expected = {"400"}  # a repeated query parameter, on any route
    if route.authorizer is not None:
        expected |= {"401", "403"}
    if "requestBody" in op:
        expected |= {"400", "413", "415", "422"}
    if parameters:
        expected.add("422")
    if any(parameter["in"] == "path" for parameter in parameters):
        expected.add("404")
    assert expected <= statuses, f"{route.key} does not document {sorted(expected - statuses)}"


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_every_error_is_problem_json_with_a_stable_code_and_an_example(route):
    for status, response in operation(route.key)["responses"].items():
        if not status.startswith(("4", "5")) or status == "413":
            continue
        if status == "503" and "application/json" in response["content"]:
            continue  # deep health: the report itself, with a dependency down, is the answer
        content = response["content"]["application/problem+json"]
        schema = content["schema"]
        assert {"code", "status", "detail"} <= set(schema["required"]), f"{route.key} {status}"
        codes = [example["value"]["code"] for example in content["examples"].values()]
        assert codes and all(f"`{code}`" in response["description"] for code in codes), f"{route.key} {status}"
        assert {example["value"]["status"] for example in content["examples"].values()} == {int(status)}


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_public_routes_are_marked_and_the_rest_need_the_bearer_token(route):
    op = operation(route.key)
    if route.authorizer is None:
        assert op["security"] == []
    else:
        assert op["security"] == [{"bearerAuth": list(route.scopes)}]


def test_the_document_declares_its_security_scheme_and_groups():
    doc = document()
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert doc["security"] == [{"bearerAuth": []}]
    assert {tag["name"] for tag in doc["tags"]} == DOMAIN_TAGS


@pytest.mark.parametrize(
    "route", ["POST /api/transaction/create", "POST /api/document/upload", "POST /api/dispute/create"]
)
def test_creations_with_a_quota_document_their_429(route):
    answer = operation(route)["responses"]["429"]

    assert "QUOTA_EXCEEDED" in answer["content"]["application/problem+json"]["examples"]
