"""What operators rely on: the version health reports, deep health covering every table."""

from __future__ import annotations

import ast
import dataclasses
import json
import tomllib

from devstack.stack import dev_stack
from devstack.template import ROOT
from paylox.config import Settings
from paylox.health.probes import TABLES
from paylox.version import SEMVER


def test_the_reported_semver_is_the_projects_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    assert project["version"] == SEMVER


def test_the_health_check_describes_every_table_of_the_template_and_may():
    stack = dev_stack()
    tables = set(stack.of_type("AWS::DynamoDB::Table"))
    policy = stack.template["Resources"]["HealthCheckFunction"]["Properties"]["Policies"]
    statements = [statement for item in policy if isinstance(item, dict) for statement in item.get("Statement", [])]
    [describe] = [statement for statement in statements if statement["Action"] == "dynamodb:DescribeTable"]

    assert set(TABLES.values()) == tables
    assert {resource["Fn::GetAtt"][0] for resource in describe["Resource"]} == tables
    assert set(TABLES) == {field.name for field in dataclasses.fields(Settings) if field.name.endswith("_table")}


# ------------------------------------------------------------------------------------ secrets in traces
def test_no_function_lets_the_tracer_capture_what_it_returns():
    environment = dev_stack().template["Globals"]["Function"]["Environment"]["Variables"]
    sources = [*ROOT.joinpath("functions").rglob("*.py"), *ROOT.joinpath("layers", "shared", "paylox").rglob("*.py")]
    enabling = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sources
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.keyword)
        and node.arg == "capture_response"
        and not (isinstance(node.value, ast.Constant) and node.value.value is False)
    ]

    assert environment["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    assert enabling == []


# ------------------------------------------------------------------------------------ monitoring
ALARMS = {
    logical_id: resource["Properties"]
    for logical_id, resource in dev_stack().template["Resources"].items()
    if resource["Type"] == "AWS::CloudWatch::Alarm"
}


def test_no_alarm_is_silent_when_it_fires_or_when_it_clears():
    topic = {"Ref": "AlarmTopic"}
    silent = [
        logical_id
        for logical_id, alarm in ALARMS.items()
        if topic not in alarm.get("AlarmActions", []) or topic not in alarm.get("OKActions", [])
    ]

    assert silent == [], "every alarm notifies AlarmTopic with AlarmActions and OKActions"


def test_the_issues_alarms_exist():
    wanted = {
        "ApiLatencyP99Alarm",
        "LambdaThrottlesAlarm",
        "DynamoDbThrottlesAlarm",
        "DependencyDownAlarm",
        "DisputeSettlementFailuresAlarm",
        "DocumentCleanupFailuresAlarm",
        "StreamProcessingFailuresAlarm",
    }

    assert wanted <= set(ALARMS)
    assert ALARMS["DependencyDownAlarm"]["EvaluationPeriods"] == ALARMS["DependencyDownAlarm"]["DatapointsToAlarm"] == 2


def test_the_dashboard_shows_every_alarm_and_is_valid_json():
    [dashboard] = dev_stack().of_type("AWS::CloudWatch::Dashboard").values()
    body = json.loads(dashboard["Properties"]["DashboardBody"]["Fn::Sub"])
    [alarm_widget] = [widget for widget in body["widgets"] if widget["type"] == "alarm"]
    titles = {widget["properties"].get("title") for widget in body["widgets"]}

    assert {arn.rsplit("${", 1)[1].rstrip("}") for arn in alarm_widget["properties"]["alarms"]} == set(ALARMS)
    assert {"API requests, 4xx, 5xx", "API latency (ms)", "Dead-letter queue depth", "Transactions per hour"} <= titles


def test_saved_queries_cover_errors_exceptions_slow_requests_and_webhook_refusals():
    names = {
        resource["Properties"]["Name"]["Fn::Sub"]
        for resource in dev_stack().of_type("AWS::Logs::QueryDefinition").values()
    }

    assert {
        "paylox-${Stage}/errors-by-code-and-route",
        "paylox-${Stage}/unhandled-exceptions",
        "paylox-${Stage}/slowest-requests",
        "paylox-${Stage}/webhook-refusals-by-reason",
    } <= names
