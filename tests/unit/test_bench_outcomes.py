"""`make bench` cannot time a refusal: a function whose first event answers anything but its
expected outcome fails the run, and the report says what it answered.

The costs themselves are bench ratios (docs/operations.md, "Cold starts"), never timed here.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from bench import seed
from bench.__main__ import FLOOR, Subject, first_unexpected, report, with_ratios
from devstack.template import ROOT


def _coldstart() -> Any:
    """``bench/coldstart.py`` as the bench runs it: a script, not a module of the package."""
    spec = importlib.util.spec_from_file_location("coldstart", ROOT / "bench" / "coldstart.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(kind: str, cpu_ms: float, subject: Subject, runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": kind,
        "cpu_ms": cpu_ms,
        "peak_rss_kib": 50_000,
        "restored_cpu_ms": None,
        "expected": subject.expected,
        **first_unexpected(subject, runs),
    }


def test_a_refusal_fails_the_run_however_cheap_it_was() -> None:
    floor = Subject(FLOOR, {"modules": ["boto3"]}, {})
    refused = Subject("TransactionShipFunction", {"modules": []}, {}, "http")
    runs = [{"outcome": 200, "detail": ""}, {"outcome": 403, "detail": "NOT_REGISTERED"}]  # cold, restored

    results = with_ratios(
        {FLOOR: _row("other", 200, floor, [{"outcome": "ok"}]), refused.name: _row("http", 100, refused, runs)}
    )

    assert not results[refused.name]["passed"]
    assert "TransactionShipFunction: unexpected outcome 403, expected 200 (NOT_REGISTERED)" in report(results, repeat=1)


def test_each_function_expects_its_designed_success() -> None:
    assert Subject("TransactionCreateFunction", {}, {}, "http").expected == 201
    assert Subject("DocumentShareAccessFunction", {}, {}, "http").expected == 302
    assert Subject("TransactionShipFunction", {}, {}, "http").expected == 200
    assert Subject("DisputeSlaFunction", {}, {}, "other").expected == "ok"
    assert set(seed.EXPECTED) <= set(seed.PREPARE), "a success the bench expects but never prepares"


def test_the_child_reports_status_and_problem_code_of_what_the_handler_answered() -> None:
    outcome = _coldstart().outcome

    assert outcome({"statusCode": 201, "body": "{}"}) == (201, "")
    assert outcome({"statusCode": 403, "body": '{"code": "NOT_REGISTERED"}'}) == (403, "NOT_REGISTERED")
    assert outcome({"batchItemFailures": []}) == ("ok", "")
    assert outcome(ValueError("String set attributes are not supported")) == (
        "ValueError",
        "String set attributes are not supported",
    )
