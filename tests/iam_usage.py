"""Which DynamoDB actions each function's code really performs, on which table: the IAM check moto
does not make.

Moto enforces no IAM policy, so a handler calling an action its role lacks passes every test and
fails in AWS. :func:`install` wraps the ``handler`` of every function module of ``template.yaml``
so that the DynamoDB requests made while it runs are attributed to that function, as the IAM
actions they need on the table or index they name (a ``TransactWriteItems`` needs the item action
of each of its parts, a ``TransactGetItems`` ``GetItem``). The integration tier checks after every
test that each recorded action is in the function's declared allow-list
(``tests/contract/least_privilege.yaml``), which ``tests/contract/test_least_privilege.py`` holds
equal to what the template grants: code ⊆ allow-list = template.

With ``PAYLOX_IAM_USAGE=<file>`` every recording is also appended to that file (JSON lines);
``python -m tests.iam_usage <file>`` then lists the granted actions no recorded test exercised.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from botocore import handlers

from devstack.stack import dev_stack

ALLOW_LIST = Path(__file__).resolve().parent / "contract" / "least_privilege.yaml"
_EVENT = "before-parameter-build.dynamodb"
# Parts of a TransactWriteItems and the item action IAM authorises each with.
_TRANSACT_PARTS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}

#: (function, resource, action): resource is a table's logical id or ``Table/index/name``.
Use = tuple[str, str, str]

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("paylox_iam_function", default=None)
_lock = threading.Lock()
_recorders: list[set[Use]] = []


@functools.cache
def _tables() -> dict[str, str]:
    """Physical table name (as the dev stack names it) → logical id."""
    stack = dev_stack()
    return {stack.physical_name(logical_id): logical_id for logical_id in stack.of_type("AWS::DynamoDB::Table")}


def _resource(table_name: str, index: str | None = None) -> str:
    logical = _tables().get(table_name, table_name)
    return f"{logical}/index/{index}" if index else logical


def needed_actions(operation: str, params: dict[str, Any]) -> set[tuple[str, str]]:
    """The (resource, IAM action) pairs one DynamoDB request needs."""
    if operation == "TransactWriteItems":
        return {
            (_resource(part[kind]["TableName"]), _TRANSACT_PARTS[kind])
            for part in params.get("TransactItems", [])
            for kind in part
        }
    if operation == "TransactGetItems":
        return {(_resource(part["Get"]["TableName"]), "GetItem") for part in params.get("TransactItems", [])}
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return {(_resource(table), operation) for table in params.get("RequestItems", {})}
    if "TableName" in params:
        return {(_resource(params["TableName"], params.get("IndexName")), operation)}
    return {("*", operation)}  # ListTables and the like: account-wide


def _on_parameters(event_name: str, params: dict[str, Any] | None = None, **_: Any) -> None:
    function = _current.get()
    if function is None or params is None:
        return  # not inside a handler (fixtures, steps reading state): no role to check
    operation = event_name.rsplit(".", 1)[1]
    uses = {(function, resource, action) for resource, action in needed_actions(operation, params)}
    with _lock:
        for recorder in _recorders:
            recorder.update(uses)


def _attributed(function: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(handler)
    def run(*args: Any, **kwargs: Any) -> Any:
        token = _current.set(function)
        try:
            return handler(*args, **kwargs)
        finally:
            _current.reset(token)

    run.__wrapped_for_iam__ = True  # type: ignore[attr-defined]
    run.__function_for_iam__ = function  # type: ignore[attr-defined]
    return run


def attributed_like(original: Callable[..., Any], handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler`` (another copy of ``original``'s module) attributed to the same function."""
    function = getattr(original, "__function_for_iam__", None)
    return handler if function is None else _attributed(function, handler)


def install() -> None:
    """Attribute the DynamoDB requests of every template function (idempotent). The handlers are
    wrapped in their modules, which is what tests and the dev stack call."""
    entry = (_EVENT, _on_parameters)
    if entry not in handlers.BUILTIN_HANDLERS:
        handlers.BUILTIN_HANDLERS.append(entry)
    for logical_id, spec in dev_stack().functions.items():
        module = importlib.import_module(spec.module)
        handler = getattr(module, spec.attribute)
        if not getattr(handler, "__wrapped_for_iam__", False):
            setattr(module, spec.attribute, _attributed(logical_id, handler))


@contextmanager
def recording() -> Iterator[set[Use]]:
    """The uses recorded (by any handler) until the block ends."""
    uses: set[Use] = set()
    with _lock:
        _recorders.append(uses)
    try:
        yield uses
    finally:
        with _lock:
            _recorders.remove(uses)
        target = os.environ.get("PAYLOX_IAM_USAGE")
        if target and uses:
            with Path(target).open("a", encoding="utf-8") as out:
                out.write(json.dumps(sorted(uses)) + "\n")


def load_allow_list(path: Path = ALLOW_LIST) -> dict[str, dict[str, set[str]]]:
    """function → resource → the DynamoDB actions it may perform there (``*`` keys are shared
    groups merged in with YAML merge keys, not functions)."""
    raw: dict[str, dict[str, list[str]]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        function: {resource: set(actions) for resource, actions in grants.items()}
        for function, grants in raw.items()
        if not function.startswith("_")
    }


def not_allowed(uses: set[Use], allow_list: dict[str, dict[str, set[str]]]) -> list[str]:
    """The recorded uses the allow-list does not grant, readable."""
    return sorted(
        f"{function}: dynamodb:{action} on {resource}"
        for function, resource, action in uses
        if action not in allow_list.get(function, {}).get(resource, set())
    )


def never_used(recorded: Path, allow_list: dict[str, dict[str, set[str]]]) -> list[str]:
    """The allow-list's grants no recorded test exercised (``PAYLOX_IAM_USAGE`` file): candidates
    to remove, or paths no test takes."""
    used: set[Use] = set()
    for line in recorded.read_text(encoding="utf-8").splitlines():
        used.update((function, resource, action) for function, resource, action in json.loads(line))
    return sorted(
        f"{function}: dynamodb:{action} on {resource}"
        for function, grants in allow_list.items()
        for resource, actions in grants.items()
        for action in actions
        if (function, resource, action) not in used
    )


if __name__ == "__main__":  # python -m tests.iam_usage <file written with PAYLOX_IAM_USAGE>
    import sys

    print("\n".join(never_used(Path(sys.argv[1]), load_allow_list())))
