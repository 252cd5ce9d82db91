"""Seeing what was published on the domain bus, the way a subscriber would.

Changes write their events to the outbox table; its stream reaches the bus only through the relay
(``OutboxRelayFunction``). :func:`relay_outbox` plays the stream's event source mapping: it hands
the relay every outbox record written since its last call, as the dev stack does continuously.
A catch-all rule on the bus delivers every Paylox event into an SQS queue (moto routes EventBridge
to SQS like AWS does); :meth:`EventTap.drain` relays the outbox, then returns the events in the
shape a Lambda subscribed by an ``EventBridgeRule`` receives, so tests can hand them straight to a
consumer.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from devstack.async_sources import StreamSource
from devstack.async_wiring import AsyncWiring
from devstack.invoker import Invoker
from devstack.stack import dev_stack
from devstack.template import ACCOUNT_ID, REGION

RELAY = "OutboxRelayFunction"

_relay: tuple[AsyncWiring, StreamSource] | None = None


def relay_outbox() -> int:
    """Hand the relay every outbox stream record written since the last call (retries, partial
    batch failures and the on-failure queue as the template sets them); how many records."""
    global _relay
    if _relay is None:
        stack = dev_stack()
        wiring = AsyncWiring(stack, Invoker(stack).invoke, retry_delay=0.0)
        [source] = [stream for stream in wiring.wiring.streams if stream.function_id == RELAY]
        _relay = wiring, source
    wiring, source = _relay
    return wiring.pump_stream(source)


def reset_relay() -> None:
    """Forget the stream positions (the tables were made anew)."""
    global _relay
    _relay = None


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
        # What was committed before the subscription has reached the bus already, as it would in
        # AWS by the time a new subscriber exists: this tap sees what is committed after it.
        relay_outbox()
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
        """Every event committed since the last drain, in commit order (per record changed)."""
        relay_outbox()
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
