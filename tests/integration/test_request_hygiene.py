"""What every operation refuses before it reads a request: bodies it does not take, unknown
fields, repeated query parameters. Provider callbacks keep taking what the provider sends."""

from __future__ import annotations

import base64
import importlib
import json
from types import ModuleType

import pytest

from devstack.stack import dev_stack
from functions.transactions import create, list_mine
from functions.webhooks import success
from tests.apigw import ADMIN, api_event, invoke


def _body_routes() -> list[tuple[str, str]]:
    """(module, fixture) of every HTTP function whose route declares a JSON body model."""
    found = []
    for spec in dev_stack().functions.values():
        if not any(event["Type"] == "HttpApi" for event in spec.events.values()):
            continue
        module = importlib.import_module(spec.module)
        if any(route.dependant.body_params for route in module.app._static_routes + module.app._dynamic_routes):
            _, *parts = spec.module.split(".")
            found.append((spec.module, "/".join(parts) + ".json"))
    return sorted(found)


BODY_ROUTES = _body_routes()


def _as_admin(fixture: str, **kwargs: object) -> dict[str, object]:
    # The admin passes every role check, so what is refused is the request, not the caller.
    return api_event(fixture, sub=ADMIN, groups=("admin",), **kwargs)  # type: ignore[arg-type]


def test_the_operations_that_take_a_body_are_found():
    modules = {module for module, _ in BODY_ROUTES}
    assert {"functions.transactions.create", "functions.disputes.create", "functions.otp.verify"} <= modules
    # Provider callbacks read their raw bodies (Twilio posts a form): no media-type check there.
    assert not modules & {"functions.otp.twilio_delivery", "functions.webhooks.success"}


@pytest.mark.parametrize("media_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
@pytest.mark.parametrize(("module_name", "fixture"), BODY_ROUTES)
def test_a_body_in_another_media_type_is_415(module_name: str, fixture: str, media_type: str):
    module: ModuleType = importlib.import_module(module_name)
    event = _as_admin(fixture, headers={"content-type": media_type})
    event["body"] = base64.b64encode(b"amount=1").decode()
    event["isBase64Encoded"] = True

    result = invoke(module, event)

    assert result.status == 415, result.raw
    assert result.code == "UNSUPPORTED_MEDIA_TYPE"
    assert result.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("module_name", "fixture"), BODY_ROUTES)
def test_an_unknown_field_is_a_validation_problem(module_name: str, fixture: str):
    module = importlib.import_module(module_name)
    event = _as_admin(fixture)
    body = json.loads(event.get("body") or "{}")
    event["body"] = json.dumps({**body, "unexpected_field": 1})

    result = invoke(module, event)

    assert result.status == 422, result.raw
    assert "unexpected_field" in [error["field"] for error in result.json["errors"]]


def test_a_json_variant_and_a_charset_are_still_json():
    event = api_event("transactions/create.json", headers={"content-type": "application/json; charset=utf-8"})
    assert invoke(create, event).status == 201


def test_a_repeated_query_parameter_that_takes_one_value_is_400():
    event = api_event("transactions/list_mine.json", query={"limit": "5"})
    event["rawQueryString"] = "limit=5&limit=6"
    event["queryStringParameters"] = {"limit": "5,6"}  # as HTTP API joins them

    result = invoke(list_mine, event)

    assert result.status == 400
    assert result.code == "REPEATED_PARAMETER"
    assert result.json["parameter"] == "limit"


def test_the_payment_webhook_reads_its_raw_body_whatever_its_media_type():
    event = api_event("webhooks/success.json", sub=None, headers={"content-type": "text/plain"})

    result = invoke(success, event)

    assert result.status != 415 and result.status < 500


@pytest.mark.parametrize("bad_id", ["x", "txn_", "dsp_01JD3Z9A7K2M4P6R8T0V1W3X5Y", "' OR 1=1 --", "ğüşiöç", "a" * 300])
@pytest.mark.parametrize(
    ("module_name", "fixture"),
    [
        ("functions.transactions.get", "transactions/get.json"),
        ("functions.disputes.get", "disputes/get.json"),
        ("functions.documents.get", "documents/get.json"),
    ],
)
def test_a_path_id_of_the_wrong_shape_is_404(module_name: str, fixture: str, bad_id: str):
    module = importlib.import_module(module_name)

    result = invoke(module, api_event(fixture, path={"id": bad_id}))

    assert result.status == 404, result.raw
    assert result.code == "NOT_FOUND"
