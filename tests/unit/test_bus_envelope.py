"""Bus consumers read EventBridge's envelope without Powertools' parser: the same fields, the same
values, the same refusals as its EventBridgeModel and event_parser."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ValidationError

from paylox.events.envelope import BusEvent, parse_bus_event

DELIVERED = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "DisputeOpened",
    "source": "paylox.disputes",
    "account": "123456789012",
    "time": "2026-11-29T19:55:00Z",
    "region": "eu-central-1",
    "resources": [],
    "detail": {"event_id": "evt_1", "dispute_id": "dsp_1"},
}


class Detail(BaseModel):
    event_id: str
    dispute_id: str


class Opened(BusEvent):
    detail: Detail


def test_the_envelope_reads_as_powertools_read_it():
    ours, theirs = parse_bus_event(BusEvent, DELIVERED), EventBridgeModel.model_validate(DELIVERED)

    assert ours.model_dump() == theirs.model_dump()
    assert set(BusEvent.model_fields) == set(EventBridgeModel.model_fields)


def test_a_consumer_gets_its_typed_detail_from_a_dict_or_json():
    for delivered in (DELIVERED, json.dumps(DELIVERED)):
        event = parse_bus_event(Opened, delivered)
        assert (event.detail_type, event.detail.dispute_id, event.time.year) == ("DisputeOpened", "dsp_1", 2026)


@pytest.mark.parametrize("broken", [{**DELIVERED, "detail": {"event_id": "evt_1"}}, {"id": "x"}])
def test_an_event_that_is_not_the_model_is_refused(broken):
    with pytest.raises(ValidationError):
        parse_bus_event(Opened, broken)
