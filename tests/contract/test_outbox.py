"""The transactional outbox holds: no request path can put an event on the bus, only the relay can,
and the relay is wired the way the README says (stream, retries, bisecting, partial batch failures,
a dead-letter queue and alarms)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from devstack.stack import dev_stack
from devstack.template import ROOT

STACK = dev_stack()
RESOURCES = STACK.template["Resources"]
RELAY_MODULE = ROOT / "layers" / "shared" / "paylox" / "events" / "relay.py"
RELAY = "OutboxRelayFunction"


def ATT(name: str) -> dict[str, list[str]]:  # reads like the template's !GetAtt
    return {"Fn::GetAtt": name.split(".", 1)}


def _python_files() -> list[Path]:
    return sorted([*(ROOT / "layers" / "shared" / "paylox").rglob("*.py"), *(ROOT / "functions").rglob("*.py")])


#: The scheduled health check describes the bus (events:DescribeEventBus, no PutEvents in its policy).
BUS_DESCRIBER = ROOT / "layers" / "shared" / "paylox" / "health" / "probes.py"


def test_only_the_relay_module_calls_put_events():
    # A call of the events client anywhere else would be a request path reaching the bus directly.
    callers = [
        str(path.relative_to(ROOT))
        for path in _python_files()
        if re.search(r"put_events|client\(\s*[\"']events[\"']\s*\)", path.read_text(encoding="utf-8"))
    ]

    assert "put_events" not in BUS_DESCRIBER.read_text(encoding="utf-8")
    assert sorted(callers) == sorted(str(path.relative_to(ROOT)) for path in (RELAY_MODULE, BUS_DESCRIBER))


def test_only_the_relay_function_may_put_events():
    granted = [logical_id for logical_id, resource in RESOURCES.items() if "events:PutEvents" in json.dumps(resource)]

    assert granted == [RELAY]
    assert RESOURCES[RELAY]["Properties"]["Policies"] == [
        {"Statement": [{"Effect": "Allow", "Action": "events:PutEvents", "Resource": ATT("EventBus.Arn")}]}
    ]


def test_every_function_can_write_the_outbox_and_it_is_one_stream_with_ttl():
    table = RESOURCES["OutboxTable"]["Properties"]
    assert STACK.functions[RELAY].environment["OUTBOX_TABLE"]  # in Globals: every change may write it
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    core = json.dumps(RESOURCES["CoreAccessPolicy"])
    assert json.dumps(ATT("OutboxTable.Arn")) in core and "events:PutEvents" not in core


def _relay_source() -> dict[str, Any]:
    [event] = RESOURCES[RELAY]["Properties"]["Events"].values()
    assert event["Type"] == "DynamoDB"
    props: dict[str, Any] = event["Properties"]
    return props


def test_the_relay_reads_the_outbox_stream_with_retries_bisecting_and_partial_failures():
    source = _relay_source()

    assert source["Stream"] == ATT("OutboxTable.StreamArn")
    assert source["BisectBatchOnFunctionError"] is True
    assert 0 < source["MaximumRetryAttempts"] <= 10
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["FilterCriteria"]["Filters"] == [{"Pattern": '{"eventName": ["INSERT"]}'}]
    assert source["DestinationConfig"]["OnFailure"]["Destination"] == ATT("OutboxDeadLetterQueue.Arn")


def _alarm_on(name: str, value: dict[str, Any]) -> list[str]:
    return [
        logical_id
        for logical_id, resource in RESOURCES.items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        and {"Name": name, "Value": value} in resource["Properties"].get("Dimensions", [])
    ]


def test_the_outbox_dead_letter_queue_and_the_relays_errors_raise_alarms():
    assert _alarm_on("QueueName", ATT("OutboxDeadLetterQueue.QueueName"))
    relay_alarms = _alarm_on("FunctionName", {"Ref": RELAY})
    assert {RESOURCES[a]["Properties"]["MetricName"] for a in relay_alarms} >= {"Errors", "IteratorAge"}
    for alarm in relay_alarms:
        assert RESOURCES[alarm]["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
