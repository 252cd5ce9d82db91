"""Per-user hourly quotas on creating transactions, uploads and disputes: 429 QUOTA_EXCEEDED with
Retry-After; nothing created beyond the quota; a refused request uses none of it; the window is the
clock hour (UTC)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pynamodb.exceptions import TransactWriteError

from devstack import dev_clock
from functions.transactions import create, list_mine
from paylox import clock, quotas
from paylox.audit import audit_record
from paylox.auth import Principal
from paylox.errors import QuotaExceeded
from paylox.transactions import service, store
from paylox.transactions.schemas import CreateTransactionRequest
from tests.apigw import BUYER, SELLER, STRANGER, HttpResult, api_event, invoke
from tests.integration.disputes.steps import open_dispute
from tests.integration.document_steps import start_upload
from tests.integration.steps import funded_transaction

HOUR = 3600


@pytest.fixture(autouse=True)
def _early_in_an_hour() -> None:
    """Each test starts a second into a clock hour, so its creations all fall in the same hour."""
    to_the_hour(1)


def to_the_hour(after: int) -> None:
    """Move the dev clock to ``after`` seconds past the next clock hour (UTC)."""
    dev_clock.advance(HOUR - clock.timestamp() % HOUR + after)


def create_as(sub: str = BUYER, seller: str = SELLER, amount: int = 150_000) -> HttpResult:
    body = {"seller_id": seller, "amount": amount, "currency": "TRY", "description": "Kamera"}
    return invoke(create, api_event("transactions/create.json", body=body, sub=sub))


def transactions_of(sub: str) -> list[dict[str, Any]]:
    listed = invoke(list_mine, api_event("transactions/list_mine.json", query={"limit": "100"}, sub=sub))
    assert listed.status == 200, listed.raw
    return list(listed.json["items"])


def assert_quota_refusal(result: HttpResult, quota: str, limit: int) -> int:
    assert result.status == 429, result.raw
    assert result.code == "QUOTA_EXCEEDED"
    assert result.headers["content-type"].startswith("application/problem+json")
    assert result.json["quota"] == quota and result.json["limit"] == limit
    retry_after = int(result.headers["retry-after"])
    assert 0 < retry_after <= HOUR and result.json["retry_after"] == retry_after
    return retry_after


def test_the_61st_transaction_in_an_hour_is_refused_and_not_created_then_the_window_frees():
    for _ in range(60):
        assert create_as().status == 201
    dev_clock.advance(600)

    refused = create_as()

    retry_after = assert_quota_refusal(refused, "transactions", 60)
    assert HOUR - 600 - 180 < retry_after <= HOUR - 600  # until the end of the clock hour
    assert len(transactions_of(BUYER)) == 60
    dev_clock.advance(retry_after)
    assert create_as().status == 201
    assert len(transactions_of(BUYER)) == 61


def test_concurrent_creates_at_the_limit_never_pass_it(settings_env: Callable[..., None]):
    settings_env(TRANSACTION_QUOTA_PER_HOUR=5)
    assert create_as().status == 201

    # Each Lambda execution environment serves one request at a time, so the race is between
    # environments: many service calls at once, each with its own read of the counter.
    buyer = Principal(user_id=BUYER, groups=frozenset())
    request = CreateTransactionRequest(seller_id=SELLER, amount=150_000, description="Kamera")

    def try_to_create(_: int) -> str:
        try:
            service.create_transaction(buyer, request)
            return "created"
        except QuotaExceeded:
            return "refused"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(try_to_create, range(8)))

    assert sorted(outcomes) == ["created"] * 4 + ["refused"] * 4
    assert len(transactions_of(BUYER)) == 5


def test_one_users_quota_leaves_another_users_alone(settings_env: Callable[..., None]):
    settings_env(TRANSACTION_QUOTA_PER_HOUR=2)
    for _ in range(2):
        assert create_as(BUYER).status == 201
    assert_quota_refusal(create_as(BUYER), "transactions", 2)

    assert create_as(STRANGER).status == 201
    assert create_as(STRANGER).status == 201
    assert len(transactions_of(STRANGER)) == 2


def test_refused_creates_use_none_of_the_quota(settings_env: Callable[..., None]):
    settings_env(TRANSACTION_QUOTA_PER_HOUR=2)
    # invalid body (422), the caller as seller (403/409), an unknown seller: none of them counted
    invalid = [create_as(amount=-5), create_as(seller=BUYER), create_as(seller="usr_nobody")]
    assert all(400 <= result.status < 429 for result in invalid), [r.raw for r in invalid]

    assert [create_as().status for _ in range(3)] == [201, 201, 429]


def test_uploads_have_their_own_hourly_quota(settings_env: Callable[..., None]):
    settings_env(UPLOAD_QUOTA_PER_HOUR=2)
    assert start_upload(content_type="text/x-shellscript").status == 415  # refused: not counted
    assert [start_upload().status for _ in range(2)] == [201, 201]

    refused = start_upload()

    assert_quota_refusal(refused, "uploads", 2)
    assert start_upload(sub=STRANGER).status == 201
    assert create_as().status == 201  # another quota
    dev_clock.advance(HOUR)
    assert start_upload().status == 201


def test_disputes_have_their_own_hourly_quota(settings_env: Callable[..., None]):
    settings_env(DISPUTE_QUOTA_PER_HOUR=1)
    first, second = (funded_transaction(payment_id=f"pay_{n}") for n in (1, 2))
    assert open_dispute(first).status == 201
    assert open_dispute(first).status == 409  # already open: refused, not counted against the seller

    refused = open_dispute(second)

    assert_quota_refusal(refused, "disputes", 1)
    assert open_dispute(second, by=SELLER).status == 201


def test_the_window_is_the_clock_hour_and_resets_at_its_end(settings_env: Callable[..., None]):
    settings_env(TRANSACTION_QUOTA_PER_HOUR=2)
    to_the_hour(HOUR - 60)  # a minute before the next hour
    assert [create_as().status for _ in range(2)] == [201, 201]

    retry_after = assert_quota_refusal(create_as(), "transactions", 2)

    assert retry_after <= 60  # the hour ends, not an hour after the first create
    dev_clock.advance(retry_after)
    assert [create_as().status for _ in range(2)] == [201, 201]
    assert assert_quota_refusal(create_as(), "transactions", 2) > HOUR - 180
    assert len(transactions_of(BUYER)) == 4


def test_a_creation_whose_own_write_is_refused_counts_nothing(settings_env: Callable[..., None]):
    settings_env(TRANSACTION_QUOTA_PER_HOUR=1)
    assert create_as(BUYER).status == 201
    taken = service.get_for(Principal(user_id=BUYER, groups=frozenset()), transactions_of(BUYER)[0]["id"])
    record = audit_record("TRANSACTION_CREATED", taken.id, Principal(user_id=STRANGER, groups=frozenset()).actor)

    # The id is taken: the write is cancelled, and with it the stranger's count.
    with pytest.raises(TransactWriteError):
        store.insert(taken, record, [], quotas.claim(STRANGER, quotas.TRANSACTIONS))

    assert create_as(STRANGER).status == 201
    assert create_as(STRANGER).code == "QUOTA_EXCEEDED"
