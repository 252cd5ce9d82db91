"""Killing a Lambda process before each AWS call of a step in turn.

The fault tests (``test_outbox_faults.py``, ``test_document_audit_faults.py``) run a step once per
point of death: :meth:`Faults.run` lets the first ``die_at`` AWS calls through, then raises
:class:`ProcessDied` instead of the next one. It is a ``BaseException``, so that no
``except Exception`` in the code under test runs after it, as none would in a process that ended.
Every call goes through ``BaseClient._make_api_call``, so boto3 and PynamoDB alike are counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import botocore.client
import pytest


class ProcessDied(BaseException):
    """The Lambda process ended here: nothing after this point runs."""


@dataclass
class Faults:
    """Counts the AWS calls made while armed; kills the process before call number ``die_at``."""

    armed: bool = False
    die_at: int | None = None
    calls: list[str] = field(default_factory=list)

    def wrap(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if self.armed:
                if self.die_at == len(self.calls):
                    self.armed = False
                    raise ProcessDied(f"before {operation}")
                self.calls.append(operation)
            return original(client, operation, params)

        return call

    def run(self, step: Callable[[], Any], die_at: int | None = None) -> bool:
        """Run ``step`` armed, dying before call ``die_at`` (when it makes that many); whether it
        died. Without ``die_at`` it only counts the calls (``calls``) of a run that does not die."""
        self.calls, self.die_at, self.armed = [], die_at, True
        try:
            step()
            return False
        except ProcessDied:
            return True  # the caller got no answer
        finally:
            self.armed = False


def install_faults(monkeypatch: pytest.MonkeyPatch) -> Faults:
    """A :class:`Faults` between every AWS client and its calls, for the rest of the test."""
    injector = Faults()
    monkeypatch.setattr(
        botocore.client.BaseClient, "_make_api_call", injector.wrap(botocore.client.BaseClient._make_api_call)
    )
    return injector
