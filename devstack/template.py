"""Reading ``template.yaml`` the way CloudFormation would, for the resources the dev stack needs.

Intrinsic functions are resolved against parameter values (defaults plus overrides), conditions,
and the physical names the dev stack gives resources (``paylox-dev-UsersTable``), so a function's
environment here is what it would be after a deploy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"
ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "eu-central-1"

_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "Join": "Fn::Join",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "FindInMap": "Fn::FindInMap",
    "ImportValue": "Fn::ImportValue",
    "Base64": "Fn::Base64",
    "GetAZs": "Fn::GetAZs",
}


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that understands CloudFormation's short-form tags (``!Ref``, ``!Sub``, ...)."""


def _make_constructor(full_name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if full_name == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {full_name: value}

    return construct


for _tag, _full in _TAGS.items():
    _CfnLoader.add_constructor(f"!{_tag}", _make_constructor(_full))


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    template: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    return template


@dataclass
class Stack:
    """The template resolved for one local stack."""

    template: dict[str, Any]
    name: str = "paylox-dev"
    parameter_overrides: dict[str, str] = field(default_factory=dict)

    @cached_property
    def parameters(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key, spec in (self.template.get("Parameters") or {}).items():
            value = self.parameter_overrides.get(key, spec.get("Default", ""))
            if spec.get("Type") == "CommaDelimitedList" and isinstance(value, str):
                value = [part.strip() for part in value.split(",")]
            values[key] = value
        return values

    @cached_property
    def conditions(self) -> dict[str, bool]:
        result: dict[str, bool] = {}
        for key, expr in (self.template.get("Conditions") or {}).items():
            result[key] = bool(self.resolve(expr, conditions=result))
        return result

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        """Resources whose condition (if any) holds."""
        return {
            key: res
            for key, res in (self.template.get("Resources") or {}).items()
            if "Condition" not in res or self.conditions.get(res["Condition"], False)
        }

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {key: res for key, res in self.resources.items() if res.get("Type") == resource_type}

    # ------------------------------------------------------------------ physical names
    def physical_name(self, logical_id: str) -> str:
        resource = self.template["Resources"][logical_id]
        props = resource.get("Properties") or {}
        explicit = {
            "AWS::Events::EventBus": "Name",
            "AWS::S3::Bucket": "BucketName",
            "AWS::SQS::Queue": "QueueName",
            "AWS::DynamoDB::Table": "TableName",
            "AWS::SNS::Topic": "TopicName",
        }.get(resource["Type"])
        if explicit and explicit in props:
            return str(self.resolve(props[explicit]))
        name = f"{self.name}-{logical_id}"
        if resource["Type"] == "AWS::S3::Bucket":
            return name.lower()
        return name

    def ref(self, logical_id: str) -> Any:
        """The value of ``!Ref``: a string, a list (``CommaDelimitedList``) or None (``AWS::NoValue``)."""
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": self.name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }
        if logical_id in pseudo:
            return pseudo[logical_id]
        if logical_id in self.parameters:
            return self.parameters[logical_id]
        resource = self.template["Resources"][logical_id]
        if resource["Type"] == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{self.physical_name(logical_id)}"
        return self.physical_name(logical_id)

    def get_att(self, logical_id: str, attribute: str) -> str:
        resource = self.template["Resources"][logical_id]
        kind = resource["Type"]
        name = self.physical_name(logical_id)
        arns = {
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}",
            "AWS::Events::EventBus": f"arn:aws:events:{REGION}:{ACCOUNT_ID}:event-bus/{name}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}",
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::Serverless::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
            "AWS::SNS::Topic": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{name}",
        }
        if attribute == "Arn":
            return arns.get(kind, f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:{kind}/{name}")
        if attribute in ("QueueName", "Name"):
            return name
        if attribute == "StreamArn":
            return arns[kind] + "/stream/dev"
        return f"{name}.{attribute}"

    # ------------------------------------------------------------------ intrinsics
    def resolve(self, value: Any, conditions: dict[str, bool] | None = None) -> Any:
        conds = self.conditions if conditions is None else conditions
        if isinstance(value, list):
            return [self.resolve(item, conds) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: self.resolve(item, conds) for key, item in value.items()}
        ((key, arg),) = value.items()
        intrinsic = _INTRINSICS.get(key)
        if intrinsic is None:
            return {key: self.resolve(arg, conds)}
        return intrinsic(self, arg, conds)

    # ------------------------------------------------------------------ functions
    @cached_property
    def functions(self) -> dict[str, FunctionSpec]:
        globals_ = (self.template.get("Globals") or {}).get("Function") or {}
        global_env = ((globals_.get("Environment") or {}).get("Variables")) or {}
        specs = {}
        for logical_id, res in self.of_type("AWS::Serverless::Function").items():
            props = res.get("Properties") or {}
            env = {**global_env, **(((props.get("Environment") or {}).get("Variables")) or {})}
            code_uri = str(props.get("CodeUri", globals_.get("CodeUri", ""))).strip("/")
            handler = str(props.get("Handler") or globals_["Handler"])
            module_file, attribute = handler.rsplit(".", 1)
            specs[logical_id] = FunctionSpec(
                logical_id=logical_id,
                module=".".join([*Path(code_uri).parts, *module_file.split("/")]),
                attribute=attribute,
                environment={key: str(self.resolve(val)) for key, val in env.items()},
                events={name: self.resolve(event) for name, event in (props.get("Events") or {}).items()},
                timeout=int(props.get("Timeout", globals_.get("Timeout", 3))),
            )
        return specs

    def environment(self) -> dict[str, str]:
        """The union of every function's environment (they share one process in the dev stack)."""
        merged: dict[str, str] = {}
        for spec in self.functions.values():
            merged.update(spec.environment)
        merged.pop("POWERTOOLS_SERVICE_NAME", None)
        return merged


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    module: str  # importable module path, e.g. functions.transactions.create
    attribute: str  # the handler attribute in that module
    environment: dict[str, str]
    events: dict[str, dict[str, Any]]
    timeout: int


# ---------------------------------------------------------------------- intrinsic functions
# Each takes the stack, the function's argument as written and the conditions in force.
_Intrinsic = Callable[[Stack, Any, dict[str, bool]], Any]


def _sub(stack: Stack, arg: Any, conds: dict[str, bool]) -> str:
    template, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
    resolved_vars = {key: stack.resolve(val, conds) for key, val in variables.items()}

    def replace(match: re.Match[str]) -> str:
        token = match.group(1)
        if token in resolved_vars:
            return str(resolved_vars[token])
        if "." in token:
            logical_id, attribute = token.split(".", 1)
            return stack.get_att(logical_id, attribute)
        return str(stack.ref(token))

    return re.sub(r"\$\{([^}!]+)\}", replace, template)


def _get_att(stack: Stack, arg: Any, conds: dict[str, bool]) -> str:
    logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
    return stack.get_att(logical_id, attribute)


def _if(stack: Stack, arg: Any, conds: dict[str, bool]) -> Any:
    name, when_true, when_false = arg
    return stack.resolve(when_true if conds[name] else when_false, conds)


def _equals(stack: Stack, arg: Any, conds: dict[str, bool]) -> bool:
    left, right = (stack.resolve(item, conds) for item in arg)
    return str(left) == str(right)


def _join(stack: Stack, arg: Any, conds: dict[str, bool]) -> str:
    separator, items = arg
    return str(separator).join(str(item) for item in stack.resolve(items, conds))


def _select(stack: Stack, arg: Any, conds: dict[str, bool]) -> Any:
    index, items = arg
    return stack.resolve(items, conds)[int(index)]


def _split(stack: Stack, arg: Any, conds: dict[str, bool]) -> list[str]:
    separator, text = arg
    return str(stack.resolve(text, conds)).split(separator)


_INTRINSICS: dict[str, _Intrinsic] = {
    "Ref": lambda stack, arg, conds: stack.ref(arg),
    "Condition": lambda stack, arg, conds: conds[arg],
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::Not": lambda stack, arg, conds: not stack.resolve(arg[0], conds),
    "Fn::And": lambda stack, arg, conds: all(stack.resolve(item, conds) for item in arg),
    "Fn::Or": lambda stack, arg, conds: any(stack.resolve(item, conds) for item in arg),
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
}
