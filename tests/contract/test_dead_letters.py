"""Every EventBridge rule with a dead-letter queue may actually send to it: the queue's policy
lets EventBridge in for that rule, whichever bus the rule is on."""

from __future__ import annotations

from typing import Any

from devstack.template import load_template

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]


def _statements_for(queue: str) -> list[dict[str, Any]]:
    return [
        statement
        for res in RESOURCES.values()
        if res.get("Type") == "AWS::SQS::QueuePolicy" and {"Ref": queue} in res["Properties"]["Queues"]
        for statement in res["Properties"]["PolicyDocument"]["Statement"]
    ]


def _allowed(queue: str, rule_id: str, bus: Any) -> bool:
    """Whether the policy of ``queue`` lets EventBridge deliver for the rule ``rule_id`` on ``bus``."""
    for statement in _statements_for(queue):
        if statement.get("Principal") != {"Service": "events.amazonaws.com"}:
            continue
        condition = statement.get("Condition", {})
        if condition.get("ArnEquals", {}).get("aws:SourceArn") == {"Fn::GetAtt": [rule_id, "Arn"]}:
            return True
        pattern = condition.get("ArnLike", {}).get("aws:SourceArn")
        if bus is not None and isinstance(pattern, dict) and "${EventBus}/*" in str(pattern.get("Fn::Sub")):
            return bus == {"Ref": "EventBus"}
    return False


def test_every_rule_with_a_dead_letter_queue_may_send_to_it():
    refused = []
    for function_id, res in RESOURCES.items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        for event_id, event in (res["Properties"].get("Events") or {}).items():
            if event["Type"] != "EventBridgeRule" or "DeadLetterConfig" not in event["Properties"]:
                continue
            queue = event["Properties"]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
            bus = event["Properties"].get("EventBusName")  # absent: the account's default bus
            if not _allowed(queue, f"{function_id}{event_id}", bus):
                refused.append(f"{function_id}.{event_id}")

    assert refused == []
