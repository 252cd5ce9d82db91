"""A query parameter documented as a list arrives from HTTP API comma-joined (or repeated) and is
read as a list; a parameter that takes one value, given twice, is 400 REPEATED_PARAMETER."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Query

from devstack.lambda_context import LambdaContext
from paylox.http import create_app, http_handler
from tests.apigw import load_event

app = create_app(public=True)


@app.get("/api/health")
def listed(status: Annotated[list[str] | None, Query()] = None, limit: Annotated[int, Query()] = 20) -> dict[str, Any]:
    return {"status": status, "limit": limit}


handler = http_handler(app)


def call(raw_query: str) -> tuple[int, dict[str, Any]]:
    event = load_event("ops/health.json")
    event["rawQueryString"] = raw_query
    query: dict[str, str] = {}
    for part in raw_query.split("&"):
        key, _, value = part.partition("=")
        query[key] = f"{query[key]},{value}" if key in query else value  # as HTTP API joins repeats
    event["queryStringParameters"] = query
    response = handler(event, LambdaContext(function_name="health"))
    return response["statusCode"], json.loads(response["body"])


@pytest.mark.parametrize("raw_query", ["status=OPENED,RESOLVED", "status=OPENED&status=RESOLVED"])
def test_a_list_parameter_reads_commas_and_repeats_alike(raw_query: str):
    assert call(raw_query) == (200, {"status": ["OPENED", "RESOLVED"], "limit": 20})


def test_a_single_value_parameter_given_twice_is_400():
    status, body = call("limit=5&limit=6")

    assert status == 400
    assert (body["code"], body["parameter"]) == ("REPEATED_PARAMETER", "limit")


def test_an_undeclared_parameter_given_twice_is_400_too():
    assert call("limit=5&utm=a&utm=b")[0] == 400
