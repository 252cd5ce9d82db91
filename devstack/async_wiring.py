"""The template's asynchronous wiring, driven the way AWS drives it.

- Schedules (``ScheduleV2``, ``Schedule``, ``AWS::Scheduler::Schedule``) fire on paylox's clock.
- EventBridge rules (``EventBridgeRule``/``CloudWatchEvent`` events, ``AWS::Events::Rule``) are
  real rules in moto on their bus, targeting an internal SQS queue that is polled here: moto
  matches the patterns and delivers, so pattern semantics are moto's, not ours.
- S3 events: the bucket notifies an internal queue (moto sends puts and presigned POSTs there).
- SQS events: the queue is polled like Lambda's event source mapping (batch size, partial
  batch failures; failed messages come back after their visibility timeout, moto applies the
  queue's redrive policy).
- DynamoDB events: the table's stream is read with shard iterators.

Asynchronous invocations (schedules, rules, S3) are retried per the event's ``RetryPolicy`` (else
the function's ``EventInvokeConfig``, else Lambda's two retries), then sent to the event's
``DeadLetterConfig`` (else the function's dead-letter queue or on-failure destination). Nothing
that goes wrong in one delivery stops a poller: it is logged and the loop goes on.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import quote_plus, unquote_plus
from zoneinfo import ZoneInfo

import boto3
from botocore.config import Config
from moto.events.models import EventPattern

from devstack import schedules
from devstack.template import ACCOUNT_ID, REGION, Stack
from paylox import clock

log = logging.getLogger("paylox.devstack.async")

Invoke = Callable[[str, dict[str, Any]], Any]
DEFAULT_ASYNC_RETRIES = 2  # Lambda's asynchronous invocation retries by default
DEFAULT_STREAM_RETRIES = 3  # AWS retries a stream batch until it expires; a dev stack moves on


# ------------------------------------------------------------------------------ declarations
@dataclass(frozen=True)
class AsyncTarget:
    """A function invoked asynchronously, with what happens when it fails."""

    function_id: str
    source_arn: str  # the rule, schedule or bucket that sends the event
    max_retries: int = DEFAULT_ASYNC_RETRIES
    max_event_age: float = 86400.0
    dead_letter_arn: str | None = None


@dataclass(frozen=True)
class ScheduleSource:
    name: str
    target: AsyncTarget
    expression: schedules.Expression
    timezone: str = "UTC"
    input: str | None = None  # the schedule's constant JSON input, if any
    enabled: bool = True
    legacy_rule: bool = False  # Type: Schedule (an EventBridge rule) rather than Scheduler

    def event(self, scheduled: datetime) -> Any:
        """What the schedule sends: its Input, else a scheduled event envelope."""
        if self.input is not None:
            return json.loads(self.input)
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events" if self.legacy_rule else "aws.scheduler",
            "account": ACCOUNT_ID,
            "time": clock.isoformat(scheduled).replace(".000Z", "Z"),
            "region": REGION,
            "resources": [self.target.source_arn],
            "detail": {},
        }


@dataclass(frozen=True)
class RuleSource:
    name: str
    target: AsyncTarget
    bus: str
    pattern: Mapping[str, Any]
    input: str | None = None
    input_path: str | None = None


@dataclass(frozen=True)
class BucketSource:
    name: str
    target: AsyncTarget
    bucket: str
    events: tuple[str, ...]
    filter_rules: tuple[Mapping[str, str], ...] = ()


@dataclass(frozen=True)
class QueueSource:
    name: str
    function_id: str
    queue_arn: str
    batch_size: int = 10
    report_failures: bool = False
    filters: tuple[str, ...] = ()


@dataclass(frozen=True)
class StreamSource:
    name: str
    function_id: str
    table: str
    starting_position: str = "TRIM_HORIZON"
    batch_size: int = 100
    max_retries: int = DEFAULT_STREAM_RETRIES
    on_failure_arn: str | None = None
    report_failures: bool = False
    filters: tuple[str, ...] = ()


@dataclass
class Wiring:
    schedules: list[ScheduleSource] = field(default_factory=list)
    rules: list[RuleSource] = field(default_factory=list)
    buckets: list[BucketSource] = field(default_factory=list)
    queues: list[QueueSource] = field(default_factory=list)
    streams: list[StreamSource] = field(default_factory=list)

    def scheduled(self, function_id: str) -> ScheduleSource | None:
        return next((s for s in self.schedules if s.target.function_id == function_id), None)


def _function_defaults(props: Mapping[str, Any]) -> tuple[int, str | None]:
    """Retries and failure queue of a function's own asynchronous invocation configuration."""
    invoke_config = props.get("EventInvokeConfig") or {}
    retries = int(invoke_config.get("MaximumRetryAttempts", DEFAULT_ASYNC_RETRIES))
    on_failure = ((invoke_config.get("DestinationConfig") or {}).get("OnFailure")) or {}
    dead_letter = props.get("DeadLetterQueue") or {}
    arn = on_failure.get("Destination") if on_failure.get("Type", "SQS") == "SQS" else None
    return retries, arn or dead_letter.get("TargetArn")


def _target(
    stack: Stack,
    function_id: str,
    source_arn: str,
    retry: Mapping[str, Any] | None,
    dlq: Mapping[str, Any] | None,
) -> AsyncTarget:
    props = stack.resolve(stack.resources[function_id].get("Properties") or {})
    retries, dead_letter = _function_defaults(props)
    retry = retry or {}
    return AsyncTarget(
        function_id=function_id,
        source_arn=source_arn,
        max_retries=int(retry.get("MaximumRetryAttempts", retries)),
        max_event_age=float(retry.get("MaximumEventAgeInSeconds", 86400)),
        dead_letter_arn=(dlq or {}).get("Arn") or dead_letter,
    )


def _schedule_arn(name: str) -> str:
    return f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/{name}"


def _rule_arn(bus: str, name: str) -> str:
    path = name if bus == "default" else f"{bus}/{name}"
    return f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{path}"


def _filters(props: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(f["Pattern"]) for f in (props.get("FilterCriteria") or {}).get("Filters") or [])


def wiring_from_stack(stack: Stack) -> Wiring:
    """Every asynchronous event source the template declares, resolved with the stack's values."""
    wiring = Wiring()
    for function_id, spec in stack.functions.items():
        for event_name, event in spec.events.items():
            kind = event.get("Type")
            props = event.get("Properties") or {}
            name = f"{function_id}{event_name}"
            if kind in ("ScheduleV2", "Schedule"):
                legacy = kind == "Schedule"
                arn = _rule_arn("default", name) if legacy else _schedule_arn(name)
                state = props.get("State", "ENABLED" if props.get("Enabled", True) else "DISABLED")
                wiring.schedules.append(
                    ScheduleSource(
                        name=name,
                        target=_target(
                            stack, function_id, arn, props.get("RetryPolicy"), props.get("DeadLetterConfig")
                        ),
                        expression=schedules.parse(
                            str(props["Schedule" if legacy else "ScheduleExpression"]),
                            str(props.get("ScheduleExpressionTimezone", "UTC")),
                        ),
                        timezone=str(props.get("ScheduleExpressionTimezone", "UTC")),
                        input=props.get("Input"),
                        enabled=state == "ENABLED",
                        legacy_rule=legacy,
                    )
                )
            elif kind in ("EventBridgeRule", "CloudWatchEvent"):
                bus = _bus_name(props.get("EventBusName"))
                wiring.rules.append(
                    RuleSource(
                        name=name,
                        target=_target(
                            stack,
                            function_id,
                            _rule_arn(bus, name),
                            props.get("RetryPolicy"),
                            props.get("DeadLetterConfig"),
                        ),
                        bus=bus,
                        pattern=props["Pattern"],
                        input=props.get("Input"),
                        input_path=props.get("InputPath"),
                    )
                )
            elif kind == "S3":
                events = props.get("Events") or []
                rules = ((props.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
                wiring.buckets.append(
                    BucketSource(
                        name=name,
                        target=_target(stack, function_id, f"arn:aws:s3:::{props['Bucket']}", None, None),
                        bucket=str(props["Bucket"]),
                        events=tuple(events if isinstance(events, list) else [events]),
                        filter_rules=tuple(rules),
                    )
                )
            elif kind == "SQS" and props.get("Enabled", True):
                wiring.queues.append(
                    QueueSource(
                        name=name,
                        function_id=function_id,
                        queue_arn=str(props["Queue"]),
                        batch_size=int(props.get("BatchSize", 10)),
                        report_failures="ReportBatchItemFailures"
                        in (props.get("FunctionResponseTypes") or []),
                        filters=_filters(props),
                    )
                )
            elif kind == "DynamoDB" and props.get("Enabled", True):
                retries = int(props.get("MaximumRetryAttempts", -1))
                on_failure = ((props.get("DestinationConfig") or {}).get("OnFailure")) or {}
                wiring.streams.append(
                    StreamSource(
                        name=name,
                        function_id=function_id,
                        table=_table_of_stream(str(props["Stream"])),
                        starting_position=str(props.get("StartingPosition", "TRIM_HORIZON")),
                        batch_size=int(props.get("BatchSize", 100)),
                        max_retries=DEFAULT_STREAM_RETRIES if retries < 0 else retries,
                        on_failure_arn=on_failure.get("Destination"),
                        report_failures="ReportBatchItemFailures"
                        in (props.get("FunctionResponseTypes") or []),
                        filters=_filters(props),
                    )
                )
    _add_resource_wiring(stack, wiring)
    return wiring


def _add_resource_wiring(stack: Stack, wiring: Wiring) -> None:
    """Rules and schedules declared as plain CloudFormation resources that target a function."""
    by_arn = {stack.get_att(fid, "Arn"): fid for fid in stack.functions}
    for logical_id, res in stack.of_type("AWS::Events::Rule").items():
        props = stack.resolve(res.get("Properties") or {})
        if props.get("State", "ENABLED") != "ENABLED":
            continue
        bus = _bus_name(props.get("EventBusName"))
        for target in props.get("Targets") or []:
            function_id = by_arn.get(str(target.get("Arn")))
            if function_id is None:
                continue
            name = f"{logical_id}{target.get('Id', '')}"
            async_target = _target(
                stack,
                function_id,
                _rule_arn(bus, name),
                target.get("RetryPolicy"),
                target.get("DeadLetterConfig"),
            )
            if "ScheduleExpression" in props:
                wiring.schedules.append(
                    ScheduleSource(
                        name=name,
                        target=async_target,
                        expression=schedules.parse(str(props["ScheduleExpression"])),
                        input=target.get("Input"),
                        legacy_rule=True,
                    )
                )
            elif "EventPattern" in props:
                wiring.rules.append(
                    RuleSource(
                        name=name,
                        target=async_target,
                        bus=bus,
                        pattern=props["EventPattern"],
                        input=target.get("Input"),
                        input_path=target.get("InputPath"),
                    )
                )
    for logical_id, res in stack.of_type("AWS::Scheduler::Schedule").items():
        props = stack.resolve(res.get("Properties") or {})
        target = props.get("Target") or {}
        function_id = by_arn.get(str(target.get("Arn")))
        if function_id is None:
            continue
        timezone = str(props.get("ScheduleExpressionTimezone", "UTC"))
        wiring.schedules.append(
            ScheduleSource(
                name=logical_id,
                target=_target(
                    stack,
                    function_id,
                    _schedule_arn(logical_id),
                    target.get("RetryPolicy"),
                    target.get("DeadLetterConfig"),
                ),
                expression=schedules.parse(str(props["ScheduleExpression"]), timezone),
                timezone=timezone,
                input=target.get("Input"),
                enabled=props.get("State", "ENABLED") == "ENABLED",
            )
        )


def _bus_name(value: Any) -> str:
    if not value:
        return "default"
    return str(value).rsplit("/", 1)[-1] if str(value).startswith("arn:") else str(value)


def _table_of_stream(stream_arn: str) -> str:
    # arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL
    return stream_arn.split(":", 5)[5].split("/")[1]


def _internal_queue_name(stack: Stack, kind: str, name: str) -> str:
    full = f"{stack.name}-{kind}-{name}"
    if len(full) <= 80:  # SQS's limit on queue names
        return full
    return f"{full[:71]}-{hashlib.sha1(full.encode()).hexdigest()[:8]}"  # noqa: S324 - a name, not a secret


# ---------------------------------------------------------------------------------- runtime
@dataclass
class _ScheduleState:
    source: ScheduleSource
    started: datetime
    last_checked: datetime
    done: bool = False  # one-time at() schedules

    def due(self, now: datetime) -> datetime | None:
        """The scheduled time of a tick that came due since the last check, if any.

        A clock jumped forward over many ticks fires once, with the latest tick: what a
        function must do anyway, as schedules may be late or retried.
        """
        expression = self.source.expression
        previous, self.last_checked = self.last_checked, now
        if isinstance(expression, schedules.Rate):
            tick = expression.next_after(self.started, previous)
            if tick > now:
                return None
            return expression.next_after(self.started, now) - expression.interval
        if isinstance(expression, schedules.At):
            if self.done or expression.moment > now:
                return None
            self.done = True
            return expression.moment
        return expression.latest_match(previous, now, ZoneInfo(self.source.timezone))


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

    # ------------------------------------------------------------------ setup
    def setup(self) -> None:
        """Create the rules, internal queues and bucket notifications in AWS."""
        self._sqs = boto3.client("sqs", region_name=REGION)
        self._events = boto3.client("events", region_name=REGION)
        self._s3 = boto3.client("s3", region_name=REGION)
        self._dynamodb = boto3.client("dynamodb", region_name=REGION)
        # botocore would send stream calls to an account-specific host that moto in process ignores.
        self._streams = boto3.client(
            "dynamodbstreams", region_name=REGION, config=Config(account_id_endpoint_mode="disabled")
        )
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
        arn = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return url, arn

    def _configure_bucket(self, bucket: str, sources: list[BucketSource]) -> None:
        configuration: dict[str, Any] = {"QueueConfigurations": []}
        own = self._bucket_notification_properties(bucket)
        if (own.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled"):
            configuration["EventBridgeConfiguration"] = {}
        for queue in own.get("QueueConfigurations") or []:
            configuration["QueueConfigurations"].append(
                {"QueueArn": queue["Queue"], "Events": [queue["Event"]], **_s3_filter(queue.get("Filter"))}
            )
        for source in sources:
            url, arn = self._internal_queue("s3", source.name)
            self._internal_queues[source.name] = url
            rules = {"S3Key": {"Rules": list(source.filter_rules)}} if source.filter_rules else None
            configuration["QueueConfigurations"].append(
                {"Id": source.name, "QueueArn": arn, "Events": list(source.events), **_s3_filter(rules)}
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
        loops: list[tuple[str, Callable[[], None]]] = [("schedules", self._schedule_loop)]
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

    def _schedule_loop(self) -> None:
        now = clock.now()
        states = [
            _ScheduleState(s, started=now, last_checked=now) for s in self.wiring.schedules if s.enabled
        ]
        for state in states:
            expression = state.source.expression
            state.done = isinstance(expression, schedules.At) and expression.moment <= now
        while not self._stop.is_set():
            self._wake.wait(self._poll_interval)
            self._wake.clear()
            now = clock.now()
            for state in states:
                scheduled = state.due(now)
                if scheduled is not None:
                    log.info("schedule %s fires", state.source.name)
                    self._executor.submit(self.deliver, state.source.target, state.source.event(scheduled))

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
            if rule.input is not None:
                event = json.loads(rule.input)
            elif rule.input_path:
                event = _json_path(event, rule.input_path)
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
            records = [_sqs_record(message, source.queue_arn) for message in messages]
            matching = [r for r in records if _passes(source.filters, {**r, "body": _maybe_json(r["body"])})]
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
            failed = _failed_items(result) if source.report_failures else set()
            for record in matching:
                if record["messageId"] not in failed:
                    self._sqs.delete_message(QueueUrl=url, ReceiptHandle=record["receiptHandle"])

    # ------------------------------------------------------------------ streams
    def _pump_stream(self, source: StreamSource) -> None:
        stream_arn = self._dynamodb.describe_table(TableName=source.table)["Table"]["LatestStreamArn"]
        shards = self._streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        iterators = [
            self._streams.get_shard_iterator(
                StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType=source.starting_position
            )["ShardIterator"]
            for shard in shards
        ]
        while not self._stop.is_set():
            busy = False
            for index, iterator in enumerate(iterators):
                response = self._streams.get_records(ShardIterator=iterator, Limit=source.batch_size)
                iterators[index] = response["NextShardIterator"]
                records = [_stream_record(record, stream_arn) for record in response.get("Records", [])]
                if records:
                    busy = True
                    self._process_stream_batch(source, stream_arn, records)
            if not busy:
                self._stop.wait(self._poll_interval)

    def _process_stream_batch(
        self, source: StreamSource, stream_arn: str, records: list[dict[str, Any]]
    ) -> None:
        batch = [r for r in records if _passes(source.filters, r)]
        attempt = 0
        while batch:
            try:
                result = self._invoke(source.function_id, {"Records": batch})
                failed = _failed_items(result) if source.report_failures else set()
                if not failed:
                    return
                # Partial failure: retry from the first failed record on (the shard keeps order).
                first = min(i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed)
                batch = batch[first:]
                raise RuntimeError(f"{len(failed)} record(s) reported as failed")
            except Exception:
                log.exception("%s failed on a stream batch from %s", source.function_id, source.table)
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


# ------------------------------------------------------------------------------ event shapes
def _s3_filter(rules: Mapping[str, Any] | None) -> dict[str, Any]:
    key_rules = ((rules or {}).get("S3Key") or {}).get("Rules") or []
    if not key_rules:
        return {}
    return {"Filter": {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in key_rules]}}}


def _sqs_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    attributes = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        binary = value.get("BinaryValue")
        attributes[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": base64.b64encode(binary).decode() if binary is not None else None,
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": [base64.b64encode(b).decode() for b in value.get("BinaryListValues", [])],
            "dataType": value.get("DataType"),
        }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": attributes,
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def _stream_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    shaped: dict[str, Any] = _jsonable(dict(record))
    shaped["awsRegion"] = REGION
    shaped["eventSourceARN"] = stream_arn
    return shaped


def _jsonable(value: Any) -> Any:
    """boto3's parsed stream record back to the JSON Lambda receives (epoch seconds, base64)."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    return value


def _maybe_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _passes(filters: Iterable[str], record: Mapping[str, Any]) -> bool:
    """Lambda's event filtering: a record goes through if any filter pattern matches it."""
    patterns = list(filters)
    return not patterns or any(EventPattern.load(p).matches_event(dict(record)) for p in patterns)  # type: ignore[arg-type]


def _failed_items(result: Any) -> set[str]:
    if not isinstance(result, dict):
        return set()
    return {str(item.get("itemIdentifier")) for item in result.get("batchItemFailures") or []}


def _json_path(event: Mapping[str, Any], path: str) -> Any:
    """EventBridge's InputPath (``$.detail``, ``$.detail.x``)."""
    value: Any = event
    for part in path.removeprefix("$").strip(".").split("."):
        if part:
            value = value[part]
    return value
