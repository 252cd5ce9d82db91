"""Least privilege, read from template.yaml: each function's role grants the DynamoDB actions of its
declared allow-list (``least_privilege.yaml``) and nothing else, with no wildcards; the public
functions cannot write user profiles and hold no gateway credential; secrets are granted by exact
name; email can only be sent from the sender identity.

The allow-list is held to the code from the other side by the integration tier
(``tests/iam_usage.py``): every DynamoDB action a handler performs there must be in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.template import load_template
from tests import iam_usage

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
FUNCTIONS = {key: res for key, res in RESOURCES.items() if res["Type"] == "AWS::Serverless::Function"}
ALLOW_LIST = iam_usage.load_allow_list()

# SAM policy templates that grant exactly what they name (one function, one queue...): anything
# else (DynamoDBCrudPolicy, SESCrudPolicy, SSMParameterReadPolicy...) grants more than a function
# uses and is written out as statements instead.
NARROW_SAM_TEMPLATES = frozenset({"LambdaInvokePolicy"})
WRITE_ACTIONS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "ConditionCheckItem", "PartiQLInsert", "PartiQLUpdate"}
)
# The gateway credentials that can move money (charges, refunds, cancels): never in a public function.
GATEWAY_SECRETS = ("/jetcheckout/api-key", "/jetcheckout/api-secret")
# Actions IAM authorises on "*" only (no resource-level permissions).
RESOURCELESS = frozenset({"ssm:DescribeParameters", "xray:PutTraceSegments", "xray:PutTelemetryRecords"})


Statement = dict[str, Any]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements_of(policy: Any) -> Iterator[Statement]:
    """The statements one entry of a function's ``Policies`` grants."""
    if isinstance(policy, dict) and set(policy) == {"Ref"}:
        yield from RESOURCES[policy["Ref"]]["Properties"]["PolicyDocument"]["Statement"]
    elif isinstance(policy, dict) and "Statement" in policy:
        yield from policy["Statement"]
    elif isinstance(policy, dict) and "PolicyDocument" in policy:
        yield from policy["PolicyDocument"]["Statement"]
    elif isinstance(policy, dict) and len(policy) == 1:
        ((name, _),) = policy.items()
        yield {"Effect": "Allow", "Action": [f"sam:{name}"], "Resource": ["*"]}
    else:  # a managed policy by ARN or name
        yield {"Effect": "Allow", "Action": [f"managed:{policy}"], "Resource": ["*"]}


def statements(function: str) -> list[Statement]:
    return [
        statement
        for policy in FUNCTIONS[function]["Properties"].get("Policies") or []
        for statement in _statements_of(policy)
    ]


def resource_text(resource: Any) -> str:
    """A statement's resource as text with the logical ids left in: ``${UsersTable.Arn}/index/x``."""
    if isinstance(resource, str):
        return resource
    ((key, value),) = resource.items()
    if key == "Fn::GetAtt":
        return "${" + ".".join(_as_list(value)) + "}"
    if key == "Fn::Sub":
        return str(value if isinstance(value, str) else value[0])
    if key == "Ref":
        return "${" + str(value) + "}"
    return repr(resource)


_TABLE = re.compile(r"^\$\{(?P<table>\w+)\.Arn\}(?P<rest>/index/[\w*-]+)?$")


def dynamodb_grants(statement_list: list[Statement]) -> set[tuple[str, str]]:
    """(resource, action) pairs granted on tables: ``UsersTable`` or ``UsersTable/index/by_status``."""
    grants: set[tuple[str, str]] = set()
    for statement in statement_list:
        actions = [a for a in _as_list(statement["Action"]) if a.startswith("dynamodb:")]
        for resource in _as_list(statement.get("Resource", [])):
            match = _TABLE.match(resource_text(resource))
            target = f"{match['table']}{match['rest'] or ''}" if match else resource_text(resource)
            grants.update((target, action.split(":", 1)[1]) for action in actions)
    return grants


def public_functions() -> set[str]:
    return {
        key
        for key, res in FUNCTIONS.items()
        for event in (res["Properties"].get("Events") or {}).values()
        if event["Type"] == "HttpApi" and (event["Properties"].get("Auth") or {}).get("Authorizer") == "NONE"
    }


# ------------------------------------------------------------------------------ the checks
def problems(
    function: str, statement_list: list[Statement], allowed: dict[str, set[str]], *, public: bool
) -> list[str]:
    """Everything wrong with one function's grants, readable; empty when it is least privilege."""
    found = [*_wildcards(statement_list), *_sam_templates(statement_list), *_secrets(statement_list, public=public)]
    found += _ses(statement_list)
    granted = dynamodb_grants(statement_list)
    declared = {(resource, action) for resource, actions in allowed.items() for action in actions}
    found += [f"grants dynamodb:{a} on {r}, not in its allow-list" for r, a in sorted(granted - declared)]
    found += [
        f"allow-list has dynamodb:{a} on {r}, the template does not grant it" for r, a in sorted(declared - granted)
    ]
    if public:
        found += [
            f"public, yet may write user profiles (dynamodb:{a})"
            for r, a in granted
            if r == "UsersTable" and a in WRITE_ACTIONS
        ]
    return found


def _wildcards(statement_list: list[Statement]) -> list[str]:
    found = []
    for statement in statement_list:
        for action in _as_list(statement["Action"]):
            if "*" in action:
                found.append(f"wildcard action {action}")
            resources = [resource_text(r) for r in _as_list(statement.get("Resource", []))]
            if action.startswith("dynamodb:") and any(r == "*" or r.endswith("/*") for r in resources):
                found.append(f"{action} on a wildcard resource {resources}")
            if "*" in resources and action not in RESOURCELESS and not action.startswith(("sam:", "managed:")):
                found.append(f"{action} on every resource")
    return found


def _sam_templates(statement_list: list[Statement]) -> list[str]:
    return [
        f"SAM policy template {action[4:]} grants more than the function uses: write the statements out"
        for statement in statement_list
        for action in _as_list(statement["Action"])
        if action.startswith("sam:") and action[4:] not in NARROW_SAM_TEMPLATES
    ]


def _secrets(statement_list: list[Statement], *, public: bool) -> list[str]:
    found = []
    for statement in statement_list:
        if not any(a.startswith("ssm:GetParameter") for a in _as_list(statement["Action"])):
            continue
        for resource in map(resource_text, _as_list(statement["Resource"])):
            if "*" in resource:
                found.append(f"SSM parameters by prefix: {resource}")
            if public and resource.endswith(GATEWAY_SECRETS):
                found.append(f"public, yet holds the gateway credential {resource}")
    return found


def _ses(statement_list: list[Statement]) -> list[str]:
    found = []
    for statement in statement_list:
        if not any(a.startswith("ses:Send") for a in _as_list(statement["Action"])):
            continue
        condition = (statement.get("Condition") or {}).get("StringEquals") or {}
        exact = all("*" not in resource_text(r) for r in _as_list(statement["Resource"]))
        if "ses:FromAddress" not in condition and not exact:
            found.append("SES sending from any address: restrict ses:FromAddress or name the identity")
    return found


# ------------------------------------------------------------------------------ the tests
@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_function_is_granted_its_allow_list_and_nothing_else(function: str) -> None:
    assert function in ALLOW_LIST, f"{function} has no entry in tests/contract/least_privilege.yaml"
    found = problems(function, statements(function), ALLOW_LIST[function], public=function in public_functions())
    assert not found, f"{function}:\n" + "\n".join(found)


def test_allow_list_names_only_functions_and_tables_of_the_template() -> None:
    tables = {key for key, res in RESOURCES.items() if res["Type"] == "AWS::DynamoDB::Table"}
    assert set(ALLOW_LIST) <= set(FUNCTIONS)
    named = {resource.split("/", 1)[0] for grants in ALLOW_LIST.values() for resource in grants}
    assert named <= tables


def test_public_functions_are_the_known_ones() -> None:
    # A new public function is a decision: it joins this list knowing what the checks above hold it to.
    assert public_functions() == {
        "HealthFunction",
        "OtpTwilioDeliveryFunction",
        "DocumentShareAccessFunction",
        "PaymentWebhookSuccessFunction",
        "PaymentWebhookFailureFunction",
        "PaymentWebhookRefundFunction",
        "PaymentReturnGetFunction",
        "PaymentReturnPostFunction",
    }


def test_functions_no_caller_invokes_never_create_or_change_profiles() -> None:
    # Profiles are created by registration and a caller's first request, changed by users' own moves
    # and staff routes: events, schedules and S3 notifications only read them (or check them in a
    # transaction).
    background = {
        key
        for key, res in FUNCTIONS.items()
        if not any(event["Type"] == "HttpApi" for event in (res["Properties"].get("Events") or {}).values())
    } - {"UserRegisteredFunction"}
    writing = {
        function
        for function in background
        for resource, action in dynamodb_grants(statements(function))
        if resource == "UsersTable" and action in WRITE_ACTIONS - {"ConditionCheckItem"}
    }

    assert background and writing == set()


# ------------------------------------------------------------------------------ the checks can fail
def _arn(table: str, rest: str = "") -> dict[str, str]:
    return {"Fn::Sub": "${" + table + ".Arn}" + rest}


BAD_POLICIES: list[tuple[str, list[Statement], str]] = [
    (
        "an action the code never calls",
        [
            {
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:DeleteItem"],
                "Resource": _arn("DocumentsTable"),
            }
        ],
        "grants dynamodb:DeleteItem on DocumentsTable, not in its allow-list",
    ),
    (
        "a scan",
        [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Scan"], "Resource": _arn("DocumentsTable")}],
        "grants dynamodb:Scan on DocumentsTable",
    ),
    (
        "a wildcard action",
        [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": _arn("DocumentsTable")}],
        "wildcard action dynamodb:*",
    ),
    (
        "every index",
        [
            {
                "Effect": "Allow",
                "Action": "dynamodb:GetItem",
                "Resource": [_arn("DocumentsTable"), _arn("DocumentsTable", "/index/*")],
            }
        ],
        "on a wildcard resource",
    ),
    (
        "a SAM template",
        [
            {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": _arn("DocumentsTable")},
            {"Effect": "Allow", "Action": "sam:DynamoDBCrudPolicy", "Resource": "*"},
        ],
        "SAM policy template DynamoDBCrudPolicy",
    ),
    (
        "secrets by prefix",
        [
            {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": _arn("DocumentsTable")},
            {
                "Effect": "Allow",
                "Action": "ssm:GetParameter",
                "Resource": {"Fn::Sub": "arn:aws:ssm:r:a:parameter/paylox/${Stage}/otp/*"},
            },
        ],
        "SSM parameters by prefix",
    ),
    (
        "the gateway key",
        [
            {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": _arn("DocumentsTable")},
            {
                "Effect": "Allow",
                "Action": "ssm:GetParameter",
                "Resource": {"Fn::Sub": "arn:aws:ssm:r:a:parameter/paylox/${Stage}/jetcheckout/api-key"},
            },
        ],
        "public, yet holds the gateway credential",
    ),
    (
        "SES from any address",
        [
            {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": _arn("DocumentsTable")},
            {"Effect": "Allow", "Action": "ses:SendEmail", "Resource": {"Fn::Sub": "arn:aws:ses:r:a:identity/*"}},
        ],
        "SES sending from any address",
    ),
    (
        "a profile write",
        [
            {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": _arn("DocumentsTable")},
            {"Effect": "Allow", "Action": "dynamodb:UpdateItem", "Resource": {"Fn::GetAtt": ["UsersTable", "Arn"]}},
        ],
        "public, yet may write user profiles",
    ),
]


@pytest.mark.parametrize(("why", "bad", "expected"), BAD_POLICIES, ids=[case[0] for case in BAD_POLICIES])
def test_a_bad_policy_is_caught(why: str, bad: list[Statement], expected: str) -> None:
    allowed = {"DocumentsTable": {"GetItem"}}
    assert not problems(
        "Good",
        [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": _arn("DocumentsTable")}],
        allowed,
        public=True,
    )
    found = problems("Bad", bad, allowed, public=True)
    assert any(expected in problem for problem in found), found
