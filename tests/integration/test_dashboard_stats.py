"""GET /api/admin/dashboard/stats: figures aggregated from the streams as things happen, by
Istanbul day, widened to whole weeks and months, exact under redelivery, cached five minutes."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import boto3
import pytest
from pynamodb.exceptions import PynamoDBException

from devstack import dev_clock
from devstack.lambda_context import LambdaContext
from devstack.stack import dev_stack
from functions.ops import stats_stream
from paylox.auth import SYSTEM
from paylox.config import get_settings
from paylox.statistics import store
from paylox.statistics.calendar import today
from paylox.statistics.schemas import DashboardStatsOut
from paylox.transactions import service
from paylox.transactions import store as transactions
from tests.apigw import ADMIN, BUYER, load_event
from tests.integration.disputes.steps import opened
from tests.integration.stats_steps import fresh_stats, pump_stats, stats
from tests.integration.steps import (
    completed_transaction,
    fund,
    new_transaction,
    pending_transaction,
    register,
    send_event,
)

TODAY = lambda: today().isoformat()  # noqa: E731 - read after the test moved the clock


def test_only_staff_read_the_statistics():
    assert stats(sub=BUYER, groups=()).code == "STAFF_ONLY"
    assert stats(sub=ADMIN, groups=("admin",)).status == 200
    assert stats().status == 200  # support


def test_a_completed_deal_shows_in_every_figure_of_its_day():
    txn_id = completed_transaction(150_000)
    body = fresh_stats(period="day", **{"from": TODAY(), "to": TODAY()})

    [bucket] = body["series"]
    assert bucket["bucket_start"] == TODAY()
    for figures in (bucket, body["totals"]):
        assert figures["transactions_created"] == 1
        assert figures["transactions_funded"] == 1 and figures["volume_kurus"] == 150_000
        assert figures["transactions_completed"] == 1 and figures["released_kurus"] == 150_000
        assert figures["payment_success_rate"] == 1.0 and figures["completion_rate"] == 1.0
        assert figures["avg_completion_seconds"] is not None and figures["avg_completion_seconds"] >= 0
        assert figures["new_users"] == 5  # the five users the tests register
    assert body["users_total"] == 5 and body["active_disputes"] == 0
    assert body["timezone"] == "Europe/Istanbul" and body["period"] == "day"
    assert DashboardStatsOut.model_validate(body).model_dump(by_alias=True) == body  # what OpenAPI documents
    assert txn_id.startswith("txn_")


def test_rates_are_fractions_and_null_when_there_is_nothing_to_divide_by():
    failed = pending_transaction()
    assert send_event("payment.failed", failed).status == 200
    completed_transaction()
    body = fresh_stats(period="day", **{"from": TODAY(), "to": TODAY()})

    assert body["totals"]["payments_failed"] == 1
    assert body["totals"]["payment_success_rate"] == 0.5
    empty = fresh_stats(period="day", **{"from": "2026-01-01", "to": "2026-01-01"})["totals"]
    assert empty["payment_success_rate"] is None
    assert empty["completion_rate"] is None and empty["avg_completion_seconds"] is None


def test_series_is_dense_and_weeks_and_months_are_widened():
    weeks = fresh_stats(period="week", **{"from": "2026-11-04", "to": "2026-11-18"})
    assert (weeks["from"], weeks["to"]) == ("2026-11-02", "2026-11-22")  # Monday to Sunday
    assert [b["bucket_start"] for b in weeks["series"]] == ["2026-11-02", "2026-11-09", "2026-11-16"]
    assert all(b["transactions_created"] == 0 and b["volume_kurus"] == 0 for b in weeks["series"])

    months = fresh_stats(period="month", **{"from": "2026-01-15", "to": "2026-03-02"})
    assert (months["from"], months["to"]) == ("2026-01-01", "2026-03-31")
    assert [b["bucket_start"] for b in months["series"]] == ["2026-01-01", "2026-02-01", "2026-03-01"]

    days = fresh_stats()  # the last 30 days up to today
    assert len(days["series"]) == 30 and days["to"] == TODAY()


def test_defaults_are_twelve_weeks_and_twelve_months():
    assert len(fresh_stats(period="week")["series"]) == 12
    assert len(fresh_stats(period="month")["series"]) == 12


def test_more_than_400_days_is_refused():
    assert stats(period="day", **{"from": "2025-01-01", "to": "2026-02-04"}).status == 200  # 400 days
    too_long = stats(period="day", **{"from": "2025-01-01", "to": "2026-02-05"})
    assert (too_long.status, too_long.code) == (422, "RANGE_TOO_LARGE")


def test_bad_queries_are_clear_4xx():
    assert stats(**{"from": "2026-02-01", "to": "2026-01-01"}).code == "INVALID_RANGE"
    assert stats(period="year").status == 422
    assert stats(**{"from": "01.02.2026"}).status == 422


def test_an_event_falls_on_its_istanbul_date():
    # 21:30 UTC is 00:30 the next day in Istanbul (UTC+3).
    now = dev_clock.now()
    late = now.replace(hour=21, minute=30, second=0, microsecond=0)
    if late <= now:
        late += timedelta(days=1)
    dev_clock.advance((late - now).total_seconds())
    new_transaction()
    utc_day = late.date().isoformat()
    istanbul = (late.date() + timedelta(days=1)).isoformat()
    body = fresh_stats(**{"from": utc_day, "to": istanbul})

    assert [b["transactions_created"] for b in body["series"]] == [0, 1]


def test_user_growth_compares_with_the_range_just_before():
    dev_clock.advance(3 * 86400)
    for n in range(3):
        register(f"user-late-{n}")
    body = fresh_stats(period="day", **{"from": TODAY(), "to": TODAY()})

    growth = body["user_growth"]
    assert growth == {"new_users": 3, "previous_new_users": 0, "growth_rate": None}
    body = fresh_stats(period="day", **{"from": today().isoformat(), "to": (today() + timedelta(days=2)).isoformat()})
    previous = body["user_growth"]["previous_new_users"]
    assert previous == 5  # the five registered three days before
    assert body["user_growth"]["growth_rate"] == (3 - 5) / 5


def test_the_answer_is_cached_for_five_minutes_by_the_service_clock():
    query = {"period": "day", "from": TODAY(), "to": TODAY()}
    first = fresh_stats(**query)
    new_transaction()
    pump_stats()

    assert stats(**query).json == first  # the same body, generated_at included
    dev_clock.advance(301)
    later = stats(**query).json
    assert later["generated_at"] != first["generated_at"]
    assert later["totals"]["transactions_created"] == first["totals"]["transactions_created"] + 1


def _stream_batch() -> list[dict[str, object]]:
    return copy.deepcopy(load_event("ops/stats_stream.json")["Records"])


def _consume(records: list[dict[str, object]]) -> dict[str, object]:
    response: dict[str, object] = stats_stream.handler(
        {"Records": records}, LambdaContext(function_name="StatsStreamFunction")
    )
    return response


def test_a_redelivered_stream_record_counts_once():
    records = _stream_batch()
    assert _consume(records) == {"batchItemFailures": []}
    assert _consume(records) == {"batchItemFailures": []}  # Lambda retried the whole batch

    day = store.read_days("2026-11-26", "2026-11-26")["2026-11-26"]
    assert day["transactions_funded"] == 1 and day["volume_kurus"] == 150_000
    assert day["transactions_created"] == 0  # the record is a move, not a creation


def test_a_failed_record_is_reported_and_the_retry_counts_each_record_once(monkeypatch: pytest.MonkeyPatch):
    [funded] = _stream_batch()
    second = copy.deepcopy(funded)
    second["eventID"] = "b" * 32
    second["dynamodb"]["SequenceNumber"] = "2200000000017454423012"  # type: ignore[index]
    second["dynamodb"]["Keys"]["id"]["S"] = "txn_01JD3Z8Q4V7C2N5R0M6K9T1B3G"  # type: ignore[index]
    real = store.apply_once
    calls = {"n": 0}

    def flaky(event_id: str, effect: object) -> bool:
        calls["n"] += 1
        if calls["n"] == 2:
            raise PynamoDBException("throttled")
        return real(event_id, effect)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "apply_once", flaky)
    assert _consume([funded, second]) == {"batchItemFailures": [{"itemIdentifier": "2200000000017454423012"}]}
    assert _consume([funded, second]) == {"batchItemFailures": []}  # bisected / retried from the batch start

    day = store.read_days("2026-11-26", "2026-11-26")["2026-11-26"]
    assert day["transactions_funded"] == 2 and day["volume_kurus"] == 300_000


def test_disputes_and_refunds_show_on_the_days_they_happen():
    opened()  # a funded deal, disputed by its buyer
    pending = pending_transaction(90_000)
    fund(pending, 90_000, payment_id="pay_2")
    funded = transactions.find(pending)
    assert funded is not None
    service.record_refund(funded, SYSTEM, refund_id="rf_1", amount=25_000)  # a partial refund
    body = fresh_stats(period="day", **{"from": TODAY(), "to": TODAY()})

    assert body["totals"]["disputes_opened"] == 1 and body["active_disputes"] == 1
    assert body["totals"]["refunded_kurus"] == 25_000
    assert body["totals"]["transactions_refunded"] == 0  # still FUNDED: a partial refund moves nothing


def test_a_record_that_keeps_failing_ends_in_the_dead_letter_queue_and_the_rest_still_counts():
    settings = get_settings()
    dynamodb = boto3.client("dynamodb", region_name="eu-central-1")
    # A transaction the consumer cannot read (no creation time): as corrupt data would be.
    dynamodb.put_item(TableName=settings.transactions_table, Item={"id": {"S": "txn_broken"}})
    new_transaction()
    pump_stats()

    sqs = boto3.client("sqs", region_name="eu-central-1")
    queue = sqs.get_queue_url(QueueName=dev_stack().physical_name("StatisticsDeadLetterQueue"))["QueueUrl"]
    [message] = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert json.loads(message["Body"])["DDBStreamBatchInfo"]["batchSize"] == 1  # bisected down to it
    assert stats(**{"from": TODAY(), "to": TODAY()}).json["totals"]["transactions_created"] == 1
