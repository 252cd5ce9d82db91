"""The template's asynchronous wiring, driven the way AWS drives it.

- Schedules (``ScheduleV2``, ``Schedule``, ``AWS::Scheduler::Schedule``) fire on paylox's clock.
- EventBridge rules (``EventBridgeRule``/``CloudWatchEvent`` events, ``AWS::Events::Rule``) are
  real rules in moto on their bus, targeting an internal SQS queue that is polled here: moto
  matches the patterns and delivers, so pattern semantics are moto's, not ours.
- S3 events: the bucket notifies an internal queue (moto sends puts and presigned POSTs there).
- SQS events: the queue is polled like Lambda's event source mapping (batch size, partial
  batch failures; failed messages come back after their visibility timeout, moto applies the
  queue's redrive policy).
- DynamoDB events: the table's stream is read with shard iterators, from the last record seen
  (:meth:`AsyncWiring.pump_stream`, which the integration tests call to drain the outbox).

Asynchronous invocations (schedules, rules, S3) are retried per the event's ``RetryPolicy`` (else
the function's ``EventInvokeConfig``, else Lambda's two retries), then sent to the event's
``DeadLetterConfig`` (else the function's dead-letter queue or on-failure destination). Nothing
that goes wrong in one delivery stops a poller: it is logged and the loop goes on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import boto3
from botocore.config import Config

from devstack import lambda_events
from devstack.async_sources import (
    AsyncTarget,
    BucketSource,
    QueueSource,
    RuleSource,
    ScheduleSource,
    StreamSource,
    Wiring,
    wiring_from_stack,
)
from devstack.schedules import Ticker
from devstack.template import ACCOUNT_ID, REGION, Stack
from paylox import clock

log = logging.getLogger("paylox.devstack.async")

Invoke = Callable[[str, dict[str, Any]], Any]


def _internal_queue_name(stack: Stack, kind: str, name: str) -> str:
    full = f"{stack.name}-{kind}-{name}"
    if len(full) <= 80:  # SQS's limit on queue names
        return full
    return f"{full[:71]}-{hashlib.sha1(full.encode()).hexdigest()[:8]}"  # noqa: S324 - a name, not a secret


class AsyncWiring:
    """Runs a :class:`Wiring` against the AWS the boto3 clients reach (moto), with ``invoke``."""

    def __init__(
        self,
        stack: Stack,
        invoke: Invoke,
        *,
        wiring: Wiring | None = None,
        poll_interval: float = 0.5,
        retry_delay: float = 1.0,
    ) -> None:
        self.stack = stack
        self.wiring = wiring_from_stack(stack) if wiring is None else wiring
        self._invoke = invoke
        self._poll_interval = poll_interval
        self._retry_delay = retry_delay
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="paylox-async")
        self._internal_queues: dict[str, str] = {}  # source name -> queue url
        self._stream_positions: dict[tuple[str, str], str] = {}  # (stream, shard) -> last sequence number
        self._held_iterators: dict[tuple[str, str], str] = {}
        self._connected = False

    # ------------------------------------------------------------------ setup
    def setup(self) -> None:
        """Create the rules, internal queues and bucket notifications in AWS."""
        self.connect()
        self._setup_rules()

    def connect(self) -> None:
        """Make the AWS clients (``setup`` does; enough by itself for :meth:`pump_stream`)."""
        if self._connected:
            return
        self._sqs = boto3.client("sqs", region_name=REGION)
        self._events = boto3.client("events", region_name=REGION)
        self._s3 = boto3.client("s3", region_name=REGION)
        self._dynamodb = boto3.client("dynamodb", region_name=REGION)
        # botocore would send stream calls to an account-specific host that moto in process ignores.
        self._streams = boto3.client(
            "dynamodbstreams", region_name=REGION, config=Config(account_id_endpoint_mode="disabled")
        )
        self._connected = True

    def _setup_rules(self) -> None:
        """Rules with their internal queues, and the buckets' notifications."""
        for rule in self.wiring.rules:
            url, arn = self._internal_queue("rule", rule.name)
            rule_name = rule.name[:64]
            self._events.put_rule(
                Name=rule_name, EventBusName=rule.bus, EventPattern=json.dumps(rule.pattern), State="ENABLED"
            )
            self._events.put_targets(
                Rule=rule_name, EventBusName=rule.bus, Targets=[{"Id": "paylox-dev-stack", "Arn": arn}]
            )
            self._internal_queues[rule.name] = url
        by_bucket: dict[str, list[BucketSource]] = {}
        for source in self.wiring.buckets:
            by_bucket.setdefault(source.bucket, []).append(source)
        for bucket, sources in by_bucket.items():
            self._configure_bucket(bucket, sources)

    def _internal_queue(self, kind: str, name: str) -> tuple[str, str]:
        url = self._sqs.create_queue(QueueName=_internal_queue_name(self.stack, kind, name))["QueueUrl"]
        arn = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def _configure_bucket(self, bucket: str, sources: list[BucketSource]) -> None:
        configuration: dict[str, Any] = {"QueueConfigurations": []}
        own = self._bucket_notification_properties(bucket)
        if (own.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled"):
            configuration["EventBridgeConfiguration"] = {}
        for queue in own.get("QueueConfigurations") or []:
            configuration["QueueConfigurations"].append(
                {
                    "QueueArn": queue["Queue"],
                    "Events": [queue["Event"]],
                    **lambda_events.s3_filter(queue.get("Filter")),
                }
            )
        for source in sources:
            url, arn = self._internal_queue("s3", source.name)
            self._internal_queues[source.name] = url
            rules = {"S3Key": {"Rules": list(source.filter_rules)}} if source.filter_rules else None
            configuration["QueueConfigurations"].append(
                {
                    "Id": source.name,
                    "QueueArn": arn,
                    "Events": list(source.events),
                    **lambda_events.s3_filter(rules),
                }
            )
        self._s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=configuration)

    def _bucket_notification_properties(self, bucket: str) -> dict[str, Any]:
        for logical_id, res in self.stack.of_type("AWS::S3::Bucket").items():
            if self.stack.physical_name(logical_id) == bucket:
                props = self.stack.resolve(res.get("Properties") or {})
                return dict(props.get("NotificationConfiguration") or {})
        return {}

    # ------------------------------------------------------------------ threads
    def start(self) -> None:
        # The schedules start now, not when their thread gets going: a clock moved right after
        # start() must find them running.
        now = clock.now()
        tickers = [
            (s, Ticker(s.expression, s.timezone, started=now, last_checked=now))
            for s in self.wiring.schedules
            if s.enabled
        ]
        loops: list[tuple[str, Callable[[], None]]] = [("schedules", partial(self._schedule_loop, tickers))]
        loops += [(f"rule:{r.name}", partial(self._pump_rule, r)) for r in self.wiring.rules]
        loops += [(f"s3:{b.name}", partial(self._pump_bucket, b)) for b in self.wiring.buckets]
        loops += [(f"sqs:{q.name}", partial(self._pump_queue, q)) for q in self.wiring.queues]
        loops += [(f"stream:{s.name}", partial(self._pump_stream, s)) for s in self.wiring.streams]
        for name, loop in loops:
            thread = threading.Thread(target=self._forever, args=(name, loop), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._executor.shutdown(wait=True, cancel_futures=True)

    def wake(self) -> None:
        """Check the schedules now (the clock moved)."""
        self._wake.set()

    def _forever(self, name: str, loop: Callable[[], None]) -> None:
        while not self._stop.is_set():
            try:
                loop()
            except Exception:  # a poller must outlive any one failure (moto reset, bad message)
                log.exception("async source %s failed; retrying", name)
                self._stop.wait(self._poll_interval * 4)

    # ------------------------------------------------------------------ delivery
    def deliver(self, target: AsyncTarget, event: Any) -> bool:
        """Invoke asynchronously: retry per the target's policy, then dead-letter. True if it ran."""
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                self._invoke(target.function_id, event)
                return True
            except Exception as exc:
                log.exception("%s failed on an event from %s", target.function_id, target.source_arn)
                error = exc
            attempt += 1
            too_old = time.monotonic() - started > target.max_event_age
            if attempt > target.max_retries or too_old or self._stop.wait(self._backoff(attempt)):
                break
        self._dead_letter(target, event, error)
        return False

    def _backoff(self, attempt: int) -> float:
        return min(self._retry_delay * 2.0 ** (attempt - 1), 30.0)

    def _dead_letter(self, target: AsyncTarget, event: Any, error: Exception) -> None:
        if not target.dead_letter_arn:
            log.error("dropped an event for %s after its retries (no dead-letter queue)", target.function_id)
            return
        url = self._sqs.get_queue_url(QueueName=target.dead_letter_arn.rsplit(":", 1)[-1])["QueueUrl"]
        text = lambda value: {"DataType": "String", "StringValue": str(value)[:256] or "-"}  # noqa: E731
        self._sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps(event, default=str),
            MessageAttributes={
                "ERROR_CODE": text(type(error).__name__),
                "ERROR_MESSAGE": text(error),
                "SOURCE_ARN": text(target.source_arn),
                "TARGET_ARN": text(self.stack.get_att(target.function_id, "Arn")),
            },
        )
        log.error("sent an event for %s to its dead-letter queue", target.function_id)

    # ------------------------------------------------------------------ schedules
    def run_schedule(self, function_id: str) -> Any:
        """Invoke a scheduled function now with its schedule's event (``/_dev/run``)."""
        source = self.wiring.scheduled(function_id)
        if source is None:
            raise LookupError(function_id)
        return self._invoke(function_id, source.event(clock.now()))

    def _schedule_loop(self, tickers: list[tuple[ScheduleSource, Ticker]]) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._poll_interval)
            self._wake.clear()
            now = clock.now()
            for source, ticker in tickers:
                scheduled = ticker.due(now)
                if scheduled is not None:
                    log.info("schedule %s fires", source.name)
                    self._executor.submit(self.deliver, source.target, source.event(scheduled))

    # ------------------------------------------------------------------ queues
    def _receive(self, url: str, count: int) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=max(1, min(count, 10)),
            WaitTimeSeconds=0,  # short polls, so that stopping never waits on a long poll
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        if not messages:
            self._stop.wait(self._poll_interval)
        return messages

    def _pump_rule(self, rule: RuleSource) -> None:
        url = self._internal_queues[rule.name]
        for message in self._receive(url, 10):
            event = json.loads(message["Body"])
            event.pop("ingestion-time", None)  # moto's bookkeeping, not part of an EventBridge event
            event.setdefault("account", ACCOUNT_ID)  # EventBridge always sends it; moto leaves it out
            if rule.input is not None:
                event = json.loads(rule.input)
            elif rule.input_path:
                event = lambda_events.json_path(event, rule.input_path)
            self._executor.submit(self.deliver, rule.target, event)
            self._sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def _pump_bucket(self, source: BucketSource) -> None:
        url = self._internal_queues[source.name]
        for message in self._receive(url, 10):
            event = json.loads(message["Body"])
            for record in event.get("Records", []):
                # S3 form-encodes keys but keeps "/"; moto encodes "/" too.
                obj = record["s3"]["object"]
                obj["key"] = quote_plus(unquote_plus(obj["key"]), safe="/")
            if event.get("Event") != "s3:TestEvent":  # S3's check of a new configuration
                self._executor.submit(self.deliver, source.target, event)
            self._sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def _pump_queue(self, source: QueueSource) -> None:
        queue_name = source.queue_arn.rsplit(":", 1)[-1]
        url = self._sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        while not self._stop.is_set():
            messages = self._receive(url, source.batch_size)
            records = [lambda_events.sqs_record(message, source.queue_arn) for message in messages]
            matching = [
                r
                for r in records
                if lambda_events.passes(source.filters, {**r, "body": lambda_events.maybe_json(r["body"])})
            ]
            # Lambda deletes the messages its filters drop.
            for record in records:
                if record not in matching:
                    self._sqs.delete_message(QueueUrl=url, ReceiptHandle=record["receiptHandle"])
            if not matching:
                continue
            try:
                result = self._invoke(source.function_id, {"Records": matching})
            except Exception:  # the batch returns to the queue after its visibility timeout
                log.exception("%s failed on a batch from %s", source.function_id, queue_name)
                continue
            failed = lambda_events.failed_items(result) if source.report_failures else set()
            for record in matching:
                if record["messageId"] not in failed:
                    self._sqs.delete_message(QueueUrl=url, ReceiptHandle=record["receiptHandle"])

    # ------------------------------------------------------------------ streams
    def _pump_stream(self, source: StreamSource) -> None:
        while not self._stop.is_set():
            if not self.pump_stream(source):
                self._stop.wait(self._poll_interval)

    def pump_stream(self, source: StreamSource) -> int:
        """Hand ``source``'s function the records its table's stream got since the last call, in
        batches, as the event source mapping would; returns how many records were read."""
        self.connect()
        stream_arn = self._dynamodb.describe_table(TableName=source.table)["Table"]["LatestStreamArn"]
        shards = self._streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        read = 0
        for shard in shards:
            position = (stream_arn, shard["ShardId"])
            iterator = self._shard_iterator(source, position)
            while iterator:
                response = self._streams.get_records(ShardIterator=iterator, Limit=source.batch_size)
                records = [lambda_events.stream_record(record, stream_arn) for record in response.get("Records", [])]
                if not records:
                    self._held_iterators[position] = response["NextShardIterator"]
                    break
                self._stream_positions[position] = records[-1]["dynamodb"]["SequenceNumber"]
                read += len(records)
                self._process_stream_batch(source, stream_arn, records)
                iterator = response["NextShardIterator"]
        return read

    def _shard_iterator(self, source: StreamSource, position: tuple[str, str]) -> str:
        # A fresh iterator from the last record seen, rather than the one moto handed back: moto
        # rolls a cancelled TransactWriteItems back by replacing the table with a copy, and an
        # iterator it gave out before keeps reading the old stream, which gets nothing new.
        stream_arn, shard_id = position
        last = self._stream_positions.get(position)
        if last is not None:
            kind: dict[str, str] = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
        elif source.starting_position == "LATEST" and position in self._held_iterators:
            return self._held_iterators[position]  # nothing seen yet: "latest" is where we started
        else:
            kind = {"ShardIteratorType": source.starting_position}
        iterator: str = self._streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard_id, **kind)[
            "ShardIterator"
        ]
        return iterator

    def _process_stream_batch(self, source: StreamSource, stream_arn: str, records: list[dict[str, Any]]) -> None:
        self._deliver_stream_batch(source, stream_arn, [r for r in records if lambda_events.passes(source.filters, r)])

    def _deliver_stream_batch(self, source: StreamSource, stream_arn: str, batch: list[dict[str, Any]]) -> None:
        attempt = 0
        while batch:
            try:
                result = self._invoke(source.function_id, {"Records": batch})
                failed = lambda_events.failed_items(result) if source.report_failures else set()
                if not failed:
                    return
                # Partial failure: retry from the first failed record on (the shard keeps order).
                first = min(i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed)
                batch = batch[first:]
                raise RuntimeError(f"{len(failed)} record(s) reported as failed")
            except Exception:
                log.exception("%s failed on a stream batch from %s", source.function_id, source.table)
            if source.bisect and len(batch) > 1:
                # BisectBatchOnFunctionError: each half is retried on its own, so the records
                # around a poisonous one still get through and only it reaches the failure queue.
                middle = len(batch) // 2
                self._deliver_stream_batch(source, stream_arn, batch[:middle])
                self._deliver_stream_batch(source, stream_arn, batch[middle:])
                return
            attempt += 1
            if attempt > source.max_retries or self._stop.wait(self._backoff(attempt)):
                break
        if batch:
            self._stream_failure(source, stream_arn, batch)

    def _stream_failure(self, source: StreamSource, stream_arn: str, batch: list[dict[str, Any]]) -> None:
        log.error("skipping %d stream record(s) for %s after its retries", len(batch), source.function_id)
        if not source.on_failure_arn:
            return
        url = self._sqs.get_queue_url(QueueName=source.on_failure_arn.rsplit(":", 1)[-1])["QueueUrl"]
        self._sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps(
                {
                    "requestContext": {
                        "requestId": str(uuid.uuid4()),
                        "functionArn": self.stack.get_att(source.function_id, "Arn"),
                        "condition": "RetryAttemptsExhausted",
                        "approximateInvokeCount": source.max_retries + 1,
                    },
                    "DDBStreamBatchInfo": {
                        "shardId": "shardId-dev",
                        "startSequenceNumber": batch[0]["dynamodb"]["SequenceNumber"],
                        "endSequenceNumber": batch[-1]["dynamodb"]["SequenceNumber"],
                        "batchSize": len(batch),
                        "streamArn": stream_arn,
                    },
                }
            ),
        )
