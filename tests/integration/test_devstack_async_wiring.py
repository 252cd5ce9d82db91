"""The dev stack drives the template's asynchronous wiring as AWS would: rules, schedules, S3
notifications, queues and streams invoke their functions (moto in process, a test template)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from devstack import dev_clock
from devstack.async_wiring import AsyncWiring
from devstack.invoker import Invoker
from devstack.provision import provision
from devstack.template import REGION, Stack, load_template
from tests.integration.async_functions import recorder

TEMPLATE = Path(__file__).parent / "async_functions" / "template.yaml"


@pytest.fixture
def stack() -> Stack:
    stack = Stack(load_template(TEMPLATE), name="asynctest")
    provision(stack)
    return stack


@pytest.fixture
def wiring(stack: Stack) -> Iterator[AsyncWiring]:
    recorder.reset()
    wiring = AsyncWiring(stack, Invoker(stack).invoke, poll_interval=0.05, retry_delay=0.0)
    wiring.setup()
    wiring.start()
    yield wiring
    wiring.stop()


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def put_event(bus: str, source: str, detail_type: str, detail: dict[str, Any]) -> None:
    entry = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail), "EventBusName": bus}
    result = boto3.client("events", region_name=REGION).put_events(Entries=[entry])
    assert result["FailedEntryCount"] == 0


def dead_letters(stack: Stack) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.get_queue_url(QueueName=stack.physical_name("DeadLetterQueue"))["QueueUrl"]
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", [])


def test_a_domain_event_matching_a_rule_invokes_its_function_with_the_eventbridge_event(wiring):
    # When a service publishes TransactionFunded on the bus
    put_event("asynctest-bus", "paylox.transactions", "TransactionFunded", {"transaction_id": "txn_1"})

    # Then the subscribed function gets the EventBridge event, as AWS shapes it
    [event] = wait_for(lambda: recorder.events_of("RuleFunction"))
    assert event["source"] == "paylox.transactions"
    assert event["detail-type"] == "TransactionFunded"
    assert event["detail"] == {"transaction_id": "txn_1"}
    assert event["time"].endswith("Z")
    assert event["account"] == "123456789012"
    assert "ingestion-time" not in event


def test_an_aws_service_event_on_the_default_bus_reaches_a_rule_without_a_bus(wiring):
    put_event("default", "aws.guardduty", "GuardDuty Malware Protection Object Scan Result", {"scan": "ok"})

    [event] = wait_for(lambda: recorder.events_of("RuleFunction"))
    assert event["source"] == "aws.guardduty"


def test_a_failing_target_is_retried_then_dead_lettered_and_the_wiring_keeps_running(stack, wiring):
    # Given a function that always fails, with one retry and a dead-letter queue
    put_event("asynctest-bus", "paylox.transactions", "TransactionRefunded", {"transaction_id": "txn_2"})

    # Then it ran twice (the attempt and its retry) and the event went to the dead-letter queue
    [message] = wait_for(lambda: dead_letters(stack))
    assert len(recorder.events_of("FailingFunction")) == 2
    assert json.loads(message["Body"])["detail"] == {"transaction_id": "txn_2"}
    assert message["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "RuntimeError"

    # And later events are still delivered
    put_event("asynctest-bus", "paylox.transactions", "TransactionFunded", {"transaction_id": "txn_3"})
    wait_for(lambda: recorder.events_of("RuleFunction"))


def test_a_rate_schedule_fires_when_the_clock_passes_its_next_tick(wiring):
    # When the dev clock moves past the 5-minute tick
    dev_clock.advance(301)
    wiring.wake()

    # Then the function runs with the schedule's Input, once
    assert wait_for(lambda: recorder.events_of("ReminderFunction")) == [{"job": "reminders"}]


def test_a_cron_schedule_fires_once_for_a_day_skipped_over(wiring):
    dev_clock.advance(86400)
    wiring.wake()

    [event] = wait_for(lambda: recorder.events_of("NightlyFunction"))
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.scheduler"
    assert event["resources"] == ["arn:aws:scheduler:eu-central-1:123456789012:schedule/default/NightlyFunctionNightly"]
    time.sleep(0.3)  # a few more scheduler polls must not fire it again
    assert len(recorder.events_of("NightlyFunction")) == 1


def test_running_a_scheduled_function_now_gives_it_the_schedule_event(wiring):
    assert wiring.run_schedule("ReminderFunction") == {"ok": True}
    assert recorder.events_of("ReminderFunction") == [{"job": "reminders"}]
    with pytest.raises(LookupError):
        wiring.run_schedule("RuleFunction")


def test_an_upload_under_the_filtered_prefix_invokes_the_function_with_the_s3_event(stack, wiring):
    s3 = boto3.client("s3", region_name=REGION)
    bucket = stack.physical_name("UploadBucket")

    # When one object lands outside the prefix and then one inside it
    s3.put_object(Bucket=bucket, Key="public/logo.png", Body=b"x")
    s3.put_object(Bucket=bucket, Key="quarantine/doc_1.pdf", Body=b"%PDF-1.7")

    # Then only the quarantined upload reached the function, as an S3 event
    [event] = wait_for(lambda: recorder.events_of("UploadFunction"))
    [record] = event["Records"]
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"].startswith("ObjectCreated:")
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["object"]["key"] == "quarantine/doc_1.pdf"


def test_a_presigned_post_upload_notifies_the_function_too(stack, wiring):
    # A browser posts to S3 itself: here, to a moto server sharing this process's moto state.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        s3 = boto3.client("s3", region_name=REGION, endpoint_url=f"http://{host}:{port}")
        post = s3.generate_presigned_post(
            stack.physical_name("UploadBucket"),
            "quarantine/id card.pdf",
            Conditions=[["content-length-range", 1, 1024]],
        )
        upload = requests.post(post["url"], data=post["fields"], files={"file": ("id.pdf", b"%PDF-1.7")}, timeout=10)
        assert upload.status_code == 204

        [event] = wait_for(lambda: recorder.events_of("UploadFunction"))
        [record] = event["Records"]
        assert record["eventName"] == "ObjectCreated:Post"
        assert record["s3"]["object"]["key"] == "quarantine/id+card.pdf"  # form-encoded, as S3 sends it
    finally:
        server.stop()


def test_queue_messages_are_processed_and_reported_failures_go_to_the_dead_letter_queue(stack, wiring):
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.get_queue_url(QueueName=stack.physical_name("WorkQueue"))["QueueUrl"]

    # When two good messages and a poison one are queued
    for body in ("first", "poison", "second"):
        sqs.send_message(QueueUrl=url, MessageBody=body)

    # Then the function saw each good message as an SQS record
    def bodies() -> list[str]:
        return [r["body"] for e in recorder.events_of("QueueFunction") for r in e["Records"]]

    wait_for(lambda: {"first", "second"} <= set(bodies()))
    record = recorder.events_of("QueueFunction")[0]["Records"][0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":asynctest-WorkQueue")

    # And the poison message, reported as failed, came back until the redrive policy moved it
    [dead] = wait_for(lambda: dead_letters(stack))
    assert dead["Body"] == "poison"
    assert bodies().count("first") == 1
    assert bodies().count("poison") == 2


def test_a_table_write_reaches_the_stream_function_as_a_dynamodb_record(stack, wiring):
    table = stack.physical_name("LedgerTable")
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=table, Item={"id": {"S": "txn_9"}, "amount": {"N": "1500"}}
    )

    [event] = wait_for(lambda: recorder.events_of("StreamFunction"))
    [record] = event["Records"]
    assert record["eventName"] == "INSERT"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["awsRegion"] == REGION
    assert record["dynamodb"]["NewImage"] == {"id": {"S": "txn_9"}, "amount": {"N": "1500"}}
    assert f"table/{table}/stream/" in record["eventSourceARN"]
    json.dumps(event)  # what Lambda receives is plain JSON
