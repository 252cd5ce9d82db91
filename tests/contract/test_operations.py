"""What operators rely on: the version health reports, deep health covering every table."""

from __future__ import annotations

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
    assert set(TABLES) == {name for name in Settings.model_fields if name.endswith("_table")}
