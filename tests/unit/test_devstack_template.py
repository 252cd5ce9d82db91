"""Reading template.yaml as CloudFormation would: intrinsic functions, conditions, names."""

from __future__ import annotations

import textwrap
from pathlib import Path

from devstack.stack import DEV_ISSUER, dev_stack
from devstack.template import Stack, load_template


def stack_from(tmp_path: Path, text: str, **overrides: str) -> Stack:
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return Stack(load_template(path), name="t", parameter_overrides=overrides)


def test_intrinsics_resolve_against_parameters_conditions_and_physical_names(tmp_path):
    stack = stack_from(
        tmp_path,
        """
        Parameters:
          Stage: {Type: String, Default: dev}
          Origins: {Type: CommaDelimitedList, Default: "a,b"}
          Issuer: {Type: String, Default: ""}
        Conditions:
          IsProd: !Equals [!Ref Stage, prod]
          HasIssuer: !Not [!Equals [!Ref Issuer, ""]]
        Resources:
          Queue: {Type: AWS::SQS::Queue}
          Table: {Type: AWS::DynamoDB::Table}
          Bucket: {Type: AWS::S3::Bucket}
          ProdOnly: {Type: AWS::SQS::Queue, Condition: IsProd}
        """,
        Issuer="https://issuer.example.com",
    )
    resolve = stack.resolve
    assert resolve({"Ref": "Stage"}) == "dev"
    assert resolve({"Ref": "Origins"}) == ["a", "b"]
    assert resolve({"Ref": "Queue"}) == "https://sqs.eu-central-1.amazonaws.com/123456789012/t-Queue"
    assert resolve({"Fn::GetAtt": ["Queue", "Arn"]}) == "arn:aws:sqs:eu-central-1:123456789012:t-Queue"
    assert resolve({"Fn::GetAtt": ["Table", "StreamArn"]}).startswith(
        "arn:aws:dynamodb:eu-central-1:123456789012:table/t-Table/stream/"
    )
    assert resolve({"Ref": "Bucket"}) == "t-bucket"  # bucket names are lower case
    assert resolve({"Fn::Sub": "paylox-${Stage}-${AWS::Region}"}) == "paylox-dev-eu-central-1"
    assert resolve({"Fn::Sub": "${Table.Arn}/index/*"}).endswith(":table/t-Table/index/*")
    assert resolve({"Fn::Sub": ["${X}-${Stage}", {"X": {"Ref": "AWS::AccountId"}}]}) == "123456789012-dev"
    assert resolve({"Fn::If": ["HasIssuer", {"Ref": "Issuer"}, "none"]}) == "https://issuer.example.com"
    assert resolve({"Fn::Join": ["/", ["a", {"Ref": "Stage"}]]}) == "a/dev"
    assert resolve({"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}) == "y"
    assert stack.conditions == {"IsProd": False, "HasIssuer": True}
    assert "ProdOnly" not in stack.resources


def test_the_dev_stack_gives_functions_their_deployed_environment():
    stack = dev_stack()
    create = stack.functions["TransactionCreateFunction"]
    assert create.module == "functions.transactions.create"
    assert create.attribute == "handler"
    assert create.environment["TRANSACTIONS_TABLE"] == "paylox-dev-TransactionsTable"
    assert create.environment["EVENT_BUS_NAME"] == "paylox-dev"
    assert create.timeout == 10
    # The JWT authorizer's issuer is the dev issuer, as `paylox token` signs it
    api = stack.resolve(stack.resources["HttpApi"]["Properties"]["Auth"])
    assert api["Authorizers"]["CognitoJwt"]["JwtConfiguration"]["issuer"] == DEV_ISSUER
