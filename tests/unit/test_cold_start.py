"""What a cold start loads: no X-Ray SDK unless it is asked for.

The costs themselves are `make bench` ratios (docs/operations.md, "Cold starts"), never timed here.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import pytest

from devstack.stack import dev_stack
from devstack.template import ROOT
from paylox.observability import Untraced, xray_sdk_enabled

IN_LAMBDA = {"AWS_LAMBDA_FUNCTION_NAME": "paylox-HealthFunction"}


def loaded_by_import(module: str, **environment: str) -> set[str]:
    """The modules and top-level packages a fresh interpreter has loaded after importing ``module``."""
    script = f"import sys, json, {module}; print(json.dumps([*sys.modules, *{{n.split('.')[0] for n in sys.modules}}]))"
    # The environment of the tests (moto credentials, the stack's variables), as a function has it.
    env = {**os.environ, **environment}
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(result.stdout))


@pytest.mark.parametrize(
    ("environment", "enabled"),
    [
        ({**IN_LAMBDA, "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({**IN_LAMBDA, "POWERTOOLS_TRACE_DISABLED": "false"}, True),
        (IN_LAMBDA, True),
        ({"POWERTOOLS_TRACE_DISABLED": "false"}, False),  # not in Lambda: nobody to send traces to
        ({**IN_LAMBDA, "POWERTOOLS_TRACE_DISABLED": "false", "AWS_SAM_LOCAL": "true"}, False),
    ],
)
def test_the_xray_sdk_is_on_only_in_lambda_when_not_disabled(environment, enabled):
    assert xray_sdk_enabled(environment) is enabled


def test_a_function_with_the_sdk_off_never_imports_it():
    loaded = loaded_by_import("functions.transactions.create", **IN_LAMBDA, POWERTOOLS_TRACE_DISABLED="true")

    assert "aws_xray_sdk" not in loaded


def test_a_function_with_the_sdk_on_traces_with_it():
    loaded = loaded_by_import("functions.ops.health", **IN_LAMBDA, POWERTOOLS_TRACE_DISABLED="false")

    assert "aws_xray_sdk" in loaded


def test_without_the_sdk_the_tracer_decorators_leave_handlers_as_they_are():
    tracer = Untraced()

    def handler(event: dict[str, str], context: object) -> dict[str, str]:
        return event

    assert tracer.capture_lambda_handler(handler) is handler
    assert tracer.capture_lambda_handler(capture_response=False)(handler) is handler
    assert tracer.capture_method(handler) is handler
    assert handler({"a": "b"}, None) == {"a": "b"}


@pytest.mark.parametrize(
    "module", ["functions.transactions.create", "functions.otp.send", "functions.webhooks.success"]
)
def test_a_route_function_makes_its_clients_without_boto3(module):
    # botocore's session and clients are all a call needs; boto3 is a wrapper costing ~15 ms (paylox.aws).
    assert "boto3" not in loaded_by_import(module, **IN_LAMBDA, POWERTOOLS_TRACE_DISABLED="true")


@pytest.mark.parametrize("module", ["functions.ops.stats_stream", "functions.ops.stats_rebuild"])
def test_the_statistics_read_dynamodb_json_without_boto3(module):
    # DynamoDB's JSON is read by paylox.statistics.wire: boto3 cost them ~10 ms for its TypeDeserializer.
    assert "boto3" not in loaded_by_import(module, **IN_LAMBDA, POWERTOOLS_TRACE_DISABLED="true")


def test_the_garbage_collector_waits_for_the_end_of_the_start_and_then_runs_as_python_s():
    # paylox.collector: collections during the imports scanned the same long-lived objects ~40 times.
    script = """
import gc, json
defaults = gc.get_threshold()
from devstack.lambda_context import LambdaContext
from paylox.http_public import create_public_app, http_handler
app = create_public_app()
app.get("/api/ping")(lambda: {"pong": True})
starting = gc.get_threshold()
event = {"version": "2.0", "routeKey": "GET /api/ping", "rawPath": "/api/ping", "rawQueryString": "",
         "headers": {}, "requestContext": {"http": {"method": "GET", "path": "/api/ping", "sourceIp": "127.0.0.1"},
         "requestId": "r-1", "stage": "$default"}, "isBase64Encoded": False}
answer = http_handler(app)(event, LambdaContext("ping"))
print(json.dumps([defaults, starting, gc.get_threshold(), gc.get_freeze_count() > 0, answer["statusCode"]]))
"""
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], env=os.environ, cwd=ROOT, capture_output=True, text=True, check=True
    )
    defaults, starting, after_first_request, frozen, status = json.loads(result.stdout.splitlines()[-1])

    assert status == 200
    assert starting[0] > defaults[0]
    assert after_first_request == defaults
    assert frozen


@pytest.mark.parametrize("spec", dev_stack().functions.values(), ids=lambda spec: spec.logical_id)
def test_every_function_starts_at_the_entry_point_that_ends_its_cold_start(spec):
    # paylox.observability.entry_point: logging, tracing, metrics, and the collector settled after
    # the first event (a function without it would keep collecting at the cold start's count).
    handler = getattr(importlib.import_module(spec.module), spec.attribute)

    assert getattr(handler, "paylox_entry_point", False) is True
