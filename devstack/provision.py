"""Create the template's stateful resources (tables, buses, queues, buckets) in whatever AWS the
boto3 clients reach: moto in process for tests, the embedded moto server for the dev stack."""

from __future__ import annotations

import json
from typing import Any

import boto3

from devstack.template import Stack

_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
)
_QUEUE_ATTRIBUTES = (
    "FifoQueue",
    "ContentBasedDeduplication",
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
)


def provision(stack: Stack) -> None:
    """Create every table, event bus, queue and bucket of ``stack`` (idempotent per fresh AWS)."""
    dynamodb = boto3.client("dynamodb", region_name="eu-central-1")
    for logical_id, res in stack.of_type("AWS::DynamoDB::Table").items():
        props = stack.resolve(res.get("Properties") or {})
        name = stack.physical_name(logical_id)
        params: dict[str, Any] = {key: props[key] for key in _TABLE_KEYS if key in props}
        if "StreamSpecification" in params:
            params["StreamSpecification"] = {"StreamEnabled": True, **params["StreamSpecification"]}
        dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **params)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )

    events = boto3.client("events", region_name="eu-central-1")
    for logical_id in stack.of_type("AWS::Events::EventBus"):
        events.create_event_bus(Name=stack.physical_name(logical_id))

    sqs = boto3.client("sqs", region_name="eu-central-1")
    redrives: dict[str, str] = {}
    for logical_id, res in stack.of_type("AWS::SQS::Queue").items():
        props = stack.resolve(res.get("Properties") or {})
        attributes = {
            key: str(props[key]).lower() if isinstance(props[key], bool) else str(props[key])
            for key in _QUEUE_ATTRIBUTES
            if key in props
        }
        url = sqs.create_queue(QueueName=stack.physical_name(logical_id), Attributes=attributes)["QueueUrl"]
        if "RedrivePolicy" in props:
            redrives[url] = json.dumps(props["RedrivePolicy"])
    # After every queue exists: a redrive policy names its dead-letter queue, which must exist.
    for url, policy in redrives.items():
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": policy})

    s3 = boto3.client("s3", region_name="eu-central-1")
    for logical_id in stack.of_type("AWS::S3::Bucket"):
        s3.create_bucket(
            Bucket=stack.physical_name(logical_id),
            CreateBucketConfiguration={"LocationConstraint": "eu-central-1"},
        )

    ses = boto3.client("ses", region_name="eu-central-1")
    for res in stack.of_type("AWS::SES::EmailIdentity").values():
        ses.verify_email_identity(EmailAddress=stack.resolve(res["Properties"]["EmailIdentity"]))
