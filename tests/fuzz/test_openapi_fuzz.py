"""Every operation of the document, with generated requests (valid and not), as a user, support
and an admin: no 5xx, and every answer is one the document describes (status, media type, body).

The budget is ``FUZZ_EXAMPLES`` requests per operation and generation mode, each sent by every
caller (``make test``: a few; ``make fuzz``: more). What it finds becomes a regression test in
the tier that owns the fix.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks

from tests.e2e.conftest import DevStack

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
CALLERS = {
    "user": ("fuzz-user", ()),
    "support": ("fuzz-support", ("support",)),
    "admin": ("fuzz-admin", ("admin",)),
}
# API Gateway answers 404 to a method no route takes (not 405): the unsupported-method check does
# not apply. The rest: the answers a client generated from the document can rely on.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="session")
def tokens(stack: DevStack) -> dict[str, str]:
    return {role: stack.token(sub, groups=groups) for role, (sub, groups) in CALLERS.items()}


def _fuzz(operation: Any, tokens: dict[str, str]) -> None:
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        # No shrinking: the stack keeps state, so a failure replayed later may not fail again.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        for token in tokens.values():
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    run()


def _describe(exc: BaseException) -> str:
    """The failure and, for a group, each failure in it (Schemathesis groups its findings)."""
    inner = getattr(exc, "exceptions", ())
    return "\n".join([str(exc), *(_describe(sub) for sub in inner)])


def test_no_operation_answers_5xx_or_outside_the_document(stack: DevStack, tokens: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_url(stack.url + "/openapi.json")
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:
        try:
            _fuzz(operation, tokens)
        except (Exception, BaseExceptionGroup) as exc:  # every operation is tried, all failures reported
            failures.append(f"{operation.label}:\n{_describe(exc)}")
    assert not failures, "\n\n".join(failures)
