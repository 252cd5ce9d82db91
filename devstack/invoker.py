"""Invoking the template's functions in this process, the way Lambda would.

A Lambda execution environment serves one request at a time, and Powertools' resolver keeps
per-request state on the module's ``app``: so each function has a lock and its invocations run one
after the other, while different functions run concurrently. The handler module is imported on
first use (the cold start), so one broken module does not stop the others from serving.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from devstack.lambda_context import LambdaContext
from devstack.template import FunctionSpec, Stack

Handler = Callable[[dict[str, Any], Any], Any]


class UnknownFunction(KeyError):
    """No function with that logical id in the template."""


class Invoker:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self._locks = {logical_id: threading.Lock() for logical_id in stack.functions}

    def spec(self, logical_id: str) -> FunctionSpec:
        try:
            return self.stack.functions[logical_id]
        except KeyError:
            raise UnknownFunction(logical_id) from None

    def module(self, logical_id: str) -> ModuleType:
        return importlib.import_module(self.spec(logical_id).module)

    def handler(self, logical_id: str) -> Handler:
        spec = self.spec(logical_id)
        handler: Handler = getattr(self.module(logical_id), spec.attribute)
        return handler

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Run the function's handler with ``event``; its exceptions propagate to the caller."""
        spec = self.spec(logical_id)
        with self._locks[logical_id]:
            handler = self.handler(logical_id)
            context = LambdaContext(function_name=self.stack.physical_name(logical_id), timeout_seconds=spec.timeout)
            return handler(event, context)
