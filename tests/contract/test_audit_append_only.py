"""The audit table is append-only by IAM: whatever a function's code does, no policy in the
template lets it update or delete an audit record (docs/admin.md, "Audit")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devstack.template import load_template

AUDIT = "AuditTable"
#: What could change or remove an existing item (BatchWriteItem deletes too; PartiQL writes as well).
FORBIDDEN = {
    "dynamodb:updateitem",
    "dynamodb:deleteitem",
    "dynamodb:batchwriteitem",
    "dynamodb:partiqlupdate",
    "dynamodb:partiqldelete",
    "dynamodb:deletetable",
    "dynamodb:updatetable",
}
#: SAM policy templates that grant writes beyond PutItem on the table they name.
WRITING_TEMPLATES = {"DynamoDBCrudPolicy", "DynamoDBWritePolicy", "DynamoDBReconfigurePolicy"}


def _names_audit_table(value: Any) -> bool:
    """Whether a resource (Ref, GetAtt, Sub or a plain string) is the audit table or one of its indexes."""
    text = repr(value)
    return AUDIT in text or value == "*" or value == ["*"]


def _allows_forbidden(actions: Any) -> list[str]:
    listed = [actions] if isinstance(actions, str) else list(actions or [])
    return [
        action
        for action in listed
        if action.lower() in FORBIDDEN or action in ("*", "dynamodb:*") or action.lower().endswith("dynamodb:*")
    ]


def _statements(policy: Any) -> Iterator[dict[str, Any]]:
    statement = (policy or {}).get("Statement", [])
    yield from [statement] if isinstance(statement, dict) else statement


def _policies() -> Iterator[tuple[str, Any]]:
    """(owner, policy) for every function's Policies entry and every IAM policy or role resource."""
    resources: dict[str, Any] = load_template()["Resources"]
    for logical_id, resource in resources.items():
        properties = resource.get("Properties") or {}
        if resource["Type"] == "AWS::Serverless::Function":
            for policy in properties.get("Policies") or []:
                yield logical_id, policy
        elif resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            yield logical_id, properties.get("PolicyDocument")
        elif resource["Type"] == "AWS::IAM::Role":
            for inline in properties.get("Policies") or []:
                yield logical_id, inline.get("PolicyDocument")


def violations() -> list[str]:
    found = []
    for owner, policy in _policies():
        if not isinstance(policy, dict):
            continue  # a Ref to a managed policy: checked as its own resource
        for name in WRITING_TEMPLATES & set(policy):
            if _names_audit_table(policy[name]):
                found.append(f"{owner}: {name} on the audit table")
        for statement in _statements(policy):
            forbidden = _allows_forbidden(statement.get("Action"))
            if statement.get("Effect") == "Allow" and forbidden and _names_audit_table(statement.get("Resource")):
                found.append(f"{owner}: {forbidden} on {statement.get('Resource')}")
    return found


def test_no_function_may_update_or_delete_audit_records():
    assert violations() == []


def test_functions_append_to_the_audit_table_through_the_core_policy():
    policy = load_template()["Resources"]["CoreAccessPolicy"]["Properties"]["PolicyDocument"]
    [audit] = [s for s in _statements(policy) if _names_audit_table(s["Resource"])]

    # Append only; reading the audit is granted to the few functions that show it (least privilege).
    assert audit["Action"] == "dynamodb:PutItem"


@pytest.mark.parametrize(
    "policy",
    [
        {"DynamoDBCrudPolicy": {"TableName": {"Ref": AUDIT}}},
        {
            "Statement": [
                {"Effect": "Allow", "Action": "dynamodb:DeleteItem", "Resource": {"Fn::GetAtt": [AUDIT, "Arn"]}}
            ]
        },
        {"Statement": [{"Effect": "Allow", "Action": ["dynamodb:*"], "Resource": "*"}]},
    ],
)
def test_the_check_catches_a_policy_that_would_allow_it(policy, monkeypatch):
    template = load_template()
    template["Resources"]["SomeFunction"] = {"Type": "AWS::Serverless::Function", "Properties": {"Policies": [policy]}}
    monkeypatch.setattr(f"{__name__}.load_template", lambda: template)

    assert violations() != []
