"""The dashboard statistics read as the tables grow: ``python -m bench.stats`` (run by ``make bench``).

The source tables are filled with 1 000, then 100 000 transactions (spread over a year, each with
its history of moves) and the day buckets are written from them through the same facts the
stream consumer uses. Then ``GET /api/admin/dashboard/stats`` (12 months by month, the cache
expiring at once so that every read computes) is handled repeatedly in process against moto,
counting the DynamoDB requests of one read and timing it (wall and CPU time: moto answers in
this process, so both include its work). Reported: all three, and the ratios 100k / 1k, which
O(buckets) reads keep near 1 (the target: the same number of requests, and at most 1.1x the
time). No thresholds; ``.bench/stats.json`` keeps the numbers.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

SIZES = (1_000, 100_000)
READS = 30
RESULTS_NAME = "stats.json"

os.environ.update(
    AWS_ACCESS_KEY_ID="bench",
    AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - moto's, not a secret
    AWS_REGION="eu-central-1",
    AWS_DEFAULT_REGION="eu-central-1",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_DISABLED="true",
    POWERTOOLS_LOG_LEVEL="ERROR",
)
os.environ.pop("AWS_ENDPOINT_URL", None)


PATHS = (
    ["PAYMENT_PENDING", "FUNDED", "SHIPPED", "COMPLETED"],
    ["PAYMENT_PENDING", "FAILED"],
    ["CANCELLED"],
    ["PAYMENT_PENDING", "FUNDED", "REFUNDED"],
    ["PAYMENT_PENDING", "FUNDED"],
)


def _timeline(created: datetime, rng: random.Random) -> tuple[str, list[dict[str, Any]]]:
    """A plausible history: most deals complete, some fail, are cancelled or refunded."""
    path = rng.choices(PATHS, weights=[6, 1, 1, 1, 1])[0]
    at, entries = created, [(created, "CREATED")]
    for status in path:
        at += timedelta(hours=rng.randint(1, 72))
        entries.append((at, status))
    timeline = [
        {"M": {"at": {"S": _iso(when)}, "status": {"S": status}, "event": {"S": status}, "actor_id": {"S": "u"}}}
        for when, status in entries
    ]
    for entry in timeline:
        entry["M"]["actor_role"] = {"S": "buyer"}
    return path[-1], timeline


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def transactions(count: int, end: datetime) -> Iterator[dict[str, Any]]:
    """``count`` transaction items (DynamoDB JSON), created over the year before ``end``."""
    rng = random.Random(count)  # noqa: S311 - reproducible test data
    for n in range(count):
        created = end - timedelta(seconds=rng.randint(0, 365 * 86400))
        status, timeline = _timeline(created, rng)
        yield {
            "id": {"S": f"txn_{n:026d}"},
            "buyer_id": {"S": f"buyer-{n % 997}"},
            "seller_id": {"S": f"seller-{n % 991}"},
            "amount": {"N": str(rng.randint(1_000, 5_000_000))},
            "currency": {"S": "TRY"},
            "description": {"S": "bench"},
            "status": {"S": status},
            "created_at": {"S": _iso(created)},
            "updated_at": {"S": _iso(created)},
            "refunded_amount": {"N": "0"},
            "timeline": {"L": timeline},
            "version": {"N": "1"},
        }


@contextmanager
def counting_requests() -> Iterator[list[str]]:
    """Every DynamoDB API call made meanwhile, by operation name."""
    from botocore.client import BaseClient

    calls: list[str] = []
    original = BaseClient._make_api_call

    def counted(self: BaseClient, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(self, operation, params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def fill(count: int) -> None:
    """The tables as production would hold them with ``count`` transactions, their buckets
    written from the same facts the stream consumer applies."""
    import boto3
    from boto3.dynamodb.types import TypeDeserializer

    from paylox import clock
    from paylox.config import get_settings
    from paylox.statistics import store
    from paylox.statistics.facts import Facts, transaction_facts

    client = boto3.client("dynamodb")
    table = get_settings().transactions_table
    deserializer, facts, batch = TypeDeserializer(), Facts(), []
    for item in transactions(count, clock.now()):
        facts += transaction_facts({key: deserializer.deserialize(value) for key, value in item.items()})
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == 25:
            client.batch_write_item(RequestItems={table: batch})
            batch = []
    if batch:
        client.batch_write_item(RequestItems={table: batch})
    store.replace_days(sorted({day for day, _ in facts.days}), facts, totals=True)


def measure_reads() -> dict[str, Any]:
    from devstack.lambda_context import LambdaContext
    from functions.admin import dashboard_stats

    event = json.loads((ROOT / "events" / "admin" / "dashboard_stats.json").read_text(encoding="utf-8"))
    event["queryStringParameters"] = {"period": "month"}
    event["rawQueryString"] = "period=month"
    context = LambdaContext(function_name="AdminDashboardStatsFunction")
    assert dashboard_stats.handler(event, context)["statusCode"] == 200  # warm: imports, clients
    timings, cpu, requests = [], [], []
    for _ in range(READS):
        with counting_requests() as calls:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = dashboard_stats.handler(event, context)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        assert response["statusCode"] == 200, response
        requests.append(len(calls))
    return {
        "read_ms_median": statistics.median(timings),
        "cpu_ms_median": statistics.median(cpu),
        "requests_per_read": max(requests),
        "operations": sorted(set(calls)),
        "transactions_created": json.loads(response["body"])["totals"]["transactions_created"],
    }


def main() -> None:
    from moto import mock_aws

    from devstack.moto_atomic import make_dynamodb_atomic

    make_dynamodb_atomic()
    aws = mock_aws()
    aws.start()
    try:
        results = {count: measure_size(aws, count) for count in SIZES}
    finally:
        aws.stop()
    small, large = results[SIZES[0]], results[SIZES[-1]]
    ratios = {
        "requests_ratio": large["requests_per_read"] / small["requests_per_read"],
        "time_ratio": large["read_ms_median"] / small["read_ms_median"],
        "cpu_ratio": large["cpu_ms_median"] / small["cpu_ms_median"],
    }
    print(report(results, ratios))
    RESULTS_DIR.mkdir(exist_ok=True)
    document = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "reads": READS}
    document |= {"results": {str(k): v for k, v in results.items()}, **ratios}
    (RESULTS_DIR / RESULTS_NAME).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {(RESULTS_DIR / RESULTS_NAME).relative_to(ROOT)}")


def measure_size(aws: Any, count: int) -> dict[str, Any]:
    """Fresh tables holding ``count`` transactions, then the reads."""
    from devstack.provision import provision
    from devstack.stack import dev_stack
    from paylox.config import get_settings
    from paylox.users.models import UserProfile

    aws.reset()
    os.environ.update(dev_stack().environment(), STATS_CACHE_SECONDS="0")  # every read computes
    get_settings.cache_clear()
    provision(dev_stack())
    now = datetime.now(UTC).isoformat()
    UserProfile("user-admin-1", created_at=now, updated_at=now, staff_role="admin").save()  # the caller
    print(f"  filling the tables with {count} transactions", file=sys.stderr)
    fill(count)
    return measure_reads()


def report(results: dict[int, dict[str, Any]], ratios: dict[str, float]) -> str:
    lines = [f"Dashboard statistics read (12 months by month, cache off), median of {READS} reads"]
    lines.append(f"{'transactions':>12} {'requests':>9} {'read ms':>8} {'cpu ms':>8}  operations")
    for count, row in results.items():
        lines.append(
            f"{count:>12} {row['requests_per_read']:>9} {row['read_ms_median']:>8.2f} {row['cpu_ms_median']:>8.2f}"
            f"  {', '.join(row['operations'])}"
        )
    lines.append(
        f"ratio {SIZES[-1]} / {SIZES[0]}: requests {ratios['requests_ratio']:.2f}x, "
        f"time {ratios['time_ratio']:.2f}x, cpu {ratios['cpu_ratio']:.2f}x (target: 1.00x requests, <= 1.10x time)"
    )
    return "\n".join(lines)


from devstack.template import ROOT  # noqa: E402 - after the environment is fixed

RESULTS_DIR = ROOT / ".bench"

if __name__ == "__main__":
    main()
