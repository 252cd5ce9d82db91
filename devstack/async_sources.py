"""The asynchronous event sources ``template.yaml`` declares, read into plain values.

Function events (``ScheduleV2``, ``Schedule``, ``EventBridgeRule``, ``CloudWatchEvent``, ``S3``,
``SQS``, ``DynamoDB``) and plain resources that target a function (``AWS::Events::Rule``,
``AWS::Scheduler::Schedule``), resolved with the stack's parameter values and physical names.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from devstack import schedules
from devstack.template import ACCOUNT_ID, REGION, Stack
from paylox import clock

DEFAULT_ASYNC_RETRIES = 2  # Lambda's asynchronous invocation retries by default
DEFAULT_STREAM_RETRIES = 3  # AWS retries a stream batch until it expires; a dev stack moves on


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
    bisect: bool = False  # BisectBatchOnFunctionError: a failing batch is split and each half retried


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
                        report_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
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
                        report_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                        filters=_filters(props),
                        bisect=bool(props.get("BisectBatchOnFunctionError", False)),
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
