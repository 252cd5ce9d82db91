"""The relay's rules, with a fake ``PutEvents`` (no AWS): events in commit order per record, at most
ten per call, refused entries sent again by themselves, and the batch handed back from the first
item it could not send."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from paylox import clock
from paylox.context import RequestMeta, current_request
from paylox.events import DomainEvent, message_for
from paylox.events.relay import relay
from paylox.ids import is_id
from tests.apigw import load_event


def record(sequence: int, aggregate: str, *types: str, event_name: str = "INSERT") -> dict[str, Any]:
    """An outbox stream record like ``events/ops/outbox_relay.json``, with events of ``types``."""
    template = load_event("ops/outbox_relay.json")["Records"][0]
    shaped = copy.deepcopy(template)
    events = [
        {
            "source": "paylox.transactions",
            "detail_type": kind,
            "detail": {
                "transaction_id": aggregate,
                "event_id": f"evt_{aggregate}_{kind}",
                "occurred_at": "2026-11-26T09:00:00.000Z",
            },
        }
        for kind in types
    ]
    shaped["eventName"] = event_name
    shaped["dynamodb"]["SequenceNumber"] = str(sequence)
    shaped["dynamodb"]["NewImage"]["aggregate_id"] = {"S": aggregate}
    shaped["dynamodb"]["NewImage"]["events"] = {"S": json.dumps(events)}
    return shaped


class FakeBus:
    """``PutEvents`` that refuses what ``refuse`` says (entry → error code), or raises."""

    def __init__(self, refuse: Any = None, down: int = 0) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.refuse = refuse or (lambda entry, attempt: None)
        self.down = down

    def __call__(self, *, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(Entries)
        if len(self.calls) <= self.down:
            raise ClientError({"Error": {"Code": "InternalFailure", "Message": "down"}}, "PutEvents")
        answers = [self.refuse(entry, len(self.calls)) for entry in Entries]
        return {
            "FailedEntryCount": sum(1 for a in answers if a),
            "Entries": [{"ErrorCode": a, "ErrorMessage": a} if a else {"EventId": "e"} for a in answers],
        }

    def sent(self) -> list[str]:
        return [json.loads(entry["Detail"])["event_id"] for call in self.calls for entry in call]


def no_pause(seconds: float) -> None:
    pass


def test_the_fixture_is_relayed_as_its_events_in_order_on_the_bus():
    bus = FakeBus()

    result = relay(load_event("ops/outbox_relay.json")["Records"], put_events=bus, pause=no_pause)

    assert result == {"batchItemFailures": []}
    [entries] = bus.calls
    assert [(e["Source"], e["DetailType"]) for e in entries] == [
        ("paylox.transactions", "TransactionDisputed"),
        ("paylox.disputes", "DisputeOpened"),
    ]
    assert {e["EventBusName"] for e in entries} == {"paylox-dev"}
    assert json.loads(entries[1]["Detail"])["event_id"] == "evt_01JD3ZB2E9V7B3J9D6XS5T0Y2A"
    assert entries[0]["Time"].isoformat().startswith("2026-11-26T09:00:00")


def test_a_records_later_change_waits_for_its_earlier_one_and_calls_hold_ten_entries_at_most():
    records = [record(1, "txn_a", "A1"), record(2, "txn_b", *[f"B{i}" for i in range(9)]), record(3, "txn_a", "A2")]
    bus = FakeBus()

    relay(records, put_events=bus, pause=no_pause)

    # txn_a's second change is not in the call of its first; B's nine do not fit beside A1 and A2
    assert [len(call) for call in bus.calls] == [10, 1]
    assert bus.sent()[-1] == "evt_txn_a_A2"


def test_refused_entries_are_sent_again_by_themselves():
    bus = FakeBus(
        refuse=lambda entry, attempt: "ThrottlingException" if attempt == 1 and "B" in entry["Detail"] else None
    )

    result = relay([record(1, "txn_a", "A"), record(2, "txn_b", "B")], put_events=bus, pause=no_pause)

    assert result == {"batchItemFailures": []}
    assert [len(call) for call in bus.calls] == [2, 1]
    assert bus.sent() == ["evt_txn_a_A", "evt_txn_b_B", "evt_txn_b_B"]


def test_what_cannot_be_sent_is_handed_back_from_the_first_item_and_nothing_after_it_is_sent():
    always = lambda entry, attempt: "InternalFailure" if "txn_b" in entry["Detail"] else None  # noqa: E731
    bus = FakeBus(refuse=always)
    records = [record(1, "txn_a", "A"), record(2, "txn_b", "B"), record(3, "txn_c", "C"), record(4, "txn_b", "B2")]

    result = relay(records, put_events=bus, pause=no_pause)

    assert result == {"batchItemFailures": [{"itemIdentifier": "2"}]}
    assert "evt_txn_b_B2" not in bus.sent()  # B2 must not overtake B


def test_a_failing_call_is_tried_again_then_handed_back():
    bus = FakeBus(down=3)

    result = relay([record(7, "txn_a", "A")], put_events=bus, pause=no_pause)

    assert result == {"batchItemFailures": [{"itemIdentifier": "7"}]}
    assert len(bus.calls) == 3


def test_an_expired_item_is_no_news():
    bus = FakeBus()

    assert relay([record(1, "txn_a", "A", event_name="REMOVE")], put_events=bus) == {"batchItemFailures": []}
    assert bus.calls == []


# ------------------------------------------------------------------------------------ the outbox item
def test_each_event_gets_its_own_id_the_time_and_the_request_in_its_detail():
    token = current_request.set(RequestMeta(request_id="Jt5Zkj0bFiAEMxA="))
    try:
        message = message_for(
            [DomainEvent("A", {"transaction_id": "txn_1"}, "transactions"), DomainEvent("B", {}, "disputes")]
        )
    finally:
        current_request.reset(token)

    assert message is not None and message.aggregate_id == "txn_1"
    first, second = (json.loads(entry["Detail"]) for entry in message.entries())
    assert first["event_id"] != second["event_id"] and is_id(first["event_id"], "evt")
    assert first["request_id"] == second["request_id"] == "Jt5Zkj0bFiAEMxA="
    assert message.expires_at > clock.timestamp() + 24 * 3600  # outlives the stream's day


def test_a_detail_cannot_take_the_outboxs_names():
    with pytest.raises(ValueError, match="event_id"):
        message_for([DomainEvent("AdminAlert", {"event_id": "evt_from_a_webhook"}, "webhooks")])
