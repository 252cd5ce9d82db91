"""Seeing what was published on the domain bus, the way a subscriber would.

A catch-all rule on the bus delivers every Paylox event into an SQS queue (moto routes EventBridge
to SQS like AWS does); :meth:`EventTap.drain` returns the events in the shape a Lambda subscribed
by an ``EventBridgeRule`` receives, so tests can hand them straight to a consumer.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from devstack.stack import dev_stack
from devstack.template import ACCOUNT_ID, REGION


class EventTap:
    """A queue subscribed to the bus with ``pattern`` (by default: every event of ``sources``);
    ``name`` tells two taps in one test apart."""

    def __init__(
        self,
        sources: tuple[str, ...] = ("paylox.transactions", "paylox.webhooks"),
        *,
        pattern: dict[str, Any] | None = None,
        name: str = "test-event-tap",
    ) -> None:
        stack = dev_stack()
        bus = stack.physical_name("EventBus")
        self._sqs = boto3.client("sqs", region_name=REGION)
        events = boto3.client("events", region_name=REGION)
        self._queue_url = self._sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = self._sqs.get_queue_attributes(QueueUrl=self._queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        rule = json.dumps(pattern or {"source": list(sources)})
        events.put_rule(Name=name, EventBusName=bus, EventPattern=rule)
        events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "tap", "Arn": queue_arn}])

    def drain(self) -> list[dict[str, Any]]:
        """Every event published since the last drain, in publishing order."""
        drained: list[dict[str, Any]] = []
        while True:
            response = self._sqs.receive_message(QueueUrl=self._queue_url, MaxNumberOfMessages=10)
            messages = response.get("Messages", [])
            if not messages:
                return drained
            for message in messages:
                event = json.loads(message["Body"])
                event.setdefault("account", ACCOUNT_ID)  # moto leaves it out; EventBridge never does
                drained.append(event)
                self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])


def of_type(events: list[dict[str, Any]], detail_type: str) -> list[dict[str, Any]]:
    return [event for event in events if event["detail-type"] == detail_type]
