"""``GET /api/health`` says what runs; ``GET /api/admin/health`` whether what it needs answers."""

from __future__ import annotations

import re

import pytest

from devstack import dev_clock
from devstack.lambda_context import LambdaContext
from functions.admin import health as admin_health
from functions.ops import health, health_check
from paylox import version
from paylox.health import runner, service
from paylox.health.schemas import HealthReport
from tests.apigw import ADMIN, api_event, invoke, load_event


def test_liveness_answers_the_build_version_and_the_stage(tmp_path, monkeypatch):
    # Given a layer built by `make build`, which wrote the commit beside the version module
    sha_file = tmp_path / "BUILD_SHA"
    sha_file.write_text("3f2c1a9b7d4e\n", encoding="utf-8")
    monkeypatch.setattr(version, "_BUILD_SHA", sha_file)
    version.build_version.cache_clear()
    try:
        # When anyone asks
        result = invoke(health, api_event("ops/health.json", sub=None))
    finally:
        version.build_version.cache_clear()

    # Then it is alive, on the dev stage, running that commit of the release
    assert result.status == 200
    assert result.json == {"status": "ok", "version": f"{version.SEMVER}+3f2c1a9b7d4e", "stage": "dev"}


def test_a_layer_never_built_says_its_commit_is_unknown():
    version.build_version.cache_clear()

    result = invoke(health, api_event("ops/health.json", sub=None))

    assert re.fullmatch(r"\d+\.\d+\.\d+\+[0-9a-z.]+", result.json["version"])
    assert result.json["version"].startswith(version.SEMVER + "+")


# ------------------------------------------------------------------------------------ deep health
@pytest.fixture(autouse=True)
def unhurried(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto on a shared machine is no measure of speed: slowness is tested in the unit tier."""
    monkeypatch.setattr(runner, "RUN_TIMEOUT_SECONDS", 60.0)
    monkeypatch.setattr(runner, "DEGRADED_AFTER_MS", 60_000)


def _check_function() -> HealthReport:
    """HealthCheckFunction as Lambda runs it, in place of the Lambda invoke the route makes."""
    answer = health_check.handler(
        load_event("ops/health_check.json"), LambdaContext(function_name="HealthCheckFunction")
    )
    return HealthReport.model_validate(answer)


def _admin_health(*, groups: tuple[str, ...] = ("support",)):
    return invoke(admin_health, api_event("admin/health.json", sub=ADMIN, groups=groups))


@pytest.fixture
def check_function(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The route's invoke of HealthCheckFunction runs it here; the list records each invoke."""
    calls: list[str] = []

    def invoke_here() -> HealthReport:
        calls.append("invoked")
        return _check_function()

    monkeypatch.setattr(service, "invoke_check_function", invoke_here)
    return calls


def test_the_dev_stack_checks_every_dependency_and_its_providers_report_themselves_ok():
    report = _check_function()

    names = [dependency.name for dependency in report.dependencies]
    assert report.status == "ok", [d for d in report.dependencies if d.status != "ok"]
    assert {"dynamodb:UsersTable", "dynamodb:HealthTable", "s3:documents", "events:bus", "ssm:OTP_HASH_KEY"} <= set(
        names
    )
    assert {"sms:console", "payments:sandbox", "captcha:turnstile"} <= set(names)
    assert len(names) == len(set(names))


def test_staff_get_a_fresh_report_by_invoking_the_check_function_when_none_is_stored(check_function):
    result = _admin_health()

    assert result.status == 200
    assert check_function == ["invoked"]
    assert set(result.json) == {"status", "checked_at", "dependencies"}
    assert result.json["status"] == "ok"
    assert set(result.json["dependencies"][0]) == {"name", "status", "latency_ms", "detail"}


def test_a_report_under_30_seconds_old_is_answered_without_checking_again(check_function):
    _check_function()  # the scheduled run
    dev_clock.advance(29)

    result = _admin_health()

    assert result.status == 200
    assert check_function == []


def test_an_older_report_is_refreshed_first(check_function):
    _check_function()
    dev_clock.advance(31)

    result = _admin_health()

    assert result.status == 200
    assert check_function == ["invoked"]


def test_a_dependency_down_answers_503_and_names_it(check_function, settings_env):
    # Given the documents bucket is gone
    settings_env(DOCUMENTS_BUCKET="paylox-documents-that-does-not-exist")

    result = _admin_health()

    assert result.status == 503
    assert result.json["status"] == "down"
    [bucket] = [dep for dep in result.json["dependencies"] if dep["name"] == "s3:documents"]
    assert bucket["status"] == "down"
    assert bucket["detail"]


def test_a_check_function_that_fails_is_a_503_not_an_error(monkeypatch):
    def broken() -> HealthReport:
        raise RuntimeError("HealthCheckFunction failed: Sandbox.Timedout")

    monkeypatch.setattr(service, "invoke_check_function", broken)

    result = _admin_health()

    assert result.status == 503
    assert [(d["name"], d["status"]) for d in result.json["dependencies"]] == [("health:check-function", "down")]
