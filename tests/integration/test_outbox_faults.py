"""Nothing committed goes unrecorded or unannounced, nothing uncommitted is recorded or announced.

The process dies (a ``BaseException``, so that no ``except Exception`` runs after it) before each
AWS call of a step in turn, and after its last: creating a transaction, paying, the funded webhook,
confirming, opening a dispute and resolving it. Then it recovers the way it would in AWS (the
client or the provider retries, the scheduled settlement retry runs, the outbox stream reaches the
relay), and each record the step touched must look exactly as after a run without the fault: the
same status and timeline, one audit record per change, one event delivered per change, and none
for a change that did not commit. Then the relay's own faults: ``PutEvents`` failing, or refusing
some entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.client
import botocore.exceptions
import pytest

from devstack import dev_clock
from devstack.template import REGION
from functions.transactions import create
from paylox.audit import audit_trail
from paylox.disputes import settlement
from paylox.disputes import store as disputes
from paylox.disputes.models import DISPUTE_ITEM, DisputeRow
from paylox.transactions.models import TransactionRow
from paylox.webhooks.store import (
    CLAIM_LEASE_SECONDS,
    CONFIRMATION_LEASE_SECONDS,
    CONFIRMING,
    PENDING,
    deliveries_for_transaction,
)
from tests.apigw import ADMIN, BUYER, SELLER, api_event, invoke
from tests.integration.bus import EventTap
from tests.integration.disputes.steps import FakeGateway, do, open_dispute, run_sla
from tests.integration.faults import Faults, install_faults
from tests.integration.steps import (
    act,
    confirm_hint,
    confirm_with,
    confirmation_token,
    deliver,
    event_body,
    gateway_pays,
    new_transaction,
    pending_transaction,
    shipped_transaction,
    status_of,
)

SOURCES = ("paylox.transactions", "paylox.disputes", "paylox.webhooks")


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Faults:
    return install_faults(monkeypatch)


@pytest.fixture(autouse=True)
def many_codes(settings_env: Callable[..., None]) -> None:
    """Confirming takes an SMS code each time; the fault runs ask for many in an hour."""
    settings_env(
        OTP_HOURLY_LIMIT_PER_PHONE=10_000,
        OTP_HOURLY_LIMIT_PER_USER=10_000,
        OTP_HOURLY_LIMIT_PER_IP=10_000,
        OTP_AUTOBLOCK_SENDS=10_000,
    )


@pytest.fixture(autouse=True)
def gateway(monkeypatch: pytest.MonkeyPatch) -> FakeGateway:
    fake = FakeGateway()
    monkeypatch.setattr(settlement, "get_gateway", lambda: fake)
    return fake


class World:
    """Every event that reached the bus, and what one record looks like."""

    def __init__(self) -> None:
        self.tap = EventTap(SOURCES, name="outbox-faults")
        self.delivered: list[dict[str, Any]] = []

    def drain(self) -> None:
        self.delivered += self.tap.drain()

    def signature(self, txn_id: str) -> tuple[Any, ...]:
        """The transaction and its disputes as a user, an auditor and a subscriber see them."""
        txn = TransactionRow.get(txn_id, consistent_read=True)
        disputes = tuple(sorted(self._dispute(dispute_id) for dispute_id in self._dispute_ids(txn_id)))
        return (
            txn.status,
            tuple(entry.event for entry in txn.timeline or []),
            tuple(sorted(record.action for record in audit_trail(txn_id))),
            tuple(sorted(e["detail-type"] for e in self.delivered if e["detail"].get("transaction_id") == txn_id)),
            disputes,
        )

    def _dispute_ids(self, txn_id: str) -> set[str]:
        announced = {
            e["detail"]["dispute_id"]
            for e in self.delivered
            if e["source"] == "paylox.disputes" and e["detail"]["transaction_id"] == txn_id
        }
        stored = set(_disputes_of(txn_id))
        assert announced <= stored, "an event announced a dispute that was never stored"
        return stored

    def _dispute(self, dispute_id: str) -> tuple[Any, ...]:
        row = disputes.find(dispute_id)
        assert row is not None
        settled = row.resolution.settlement if row.resolution else None
        return (
            row.status,
            settled,
            tuple(entry.event for entry in row.timeline or []),
            tuple(sorted(record.action for record in audit_trail(dispute_id))),
            tuple(sorted(e["detail-type"] for e in self.delivered if e["detail"].get("dispute_id") == dispute_id)),
        )

    def assert_each_event_once(self) -> None:
        ids = [event["detail"]["event_id"] for event in self.delivered]
        assert len(ids) == len(set(ids)), "an event was delivered twice"


def _disputes_of(txn_id: str) -> list[str]:
    """The disputes stored for a transaction (a Scan: a test's view, never a request path's)."""
    condition = (DisputeRow.transaction_id == txn_id) & (DisputeRow.item == DISPUTE_ITEM)
    return [row.dispute_id for row in DisputeRow.scan(condition, consistent_read=True)]


@pytest.fixture
def world() -> World:
    return World()


# ------------------------------------------------------------------------------------ the steps
@dataclass
class Scenario:
    """``given`` makes a fresh transaction (its id) up to the step; ``step`` is the request that
    may die; ``recover`` is what AWS, the client or the provider does afterwards."""

    given: Callable[[int], str]
    step: Callable[[str, int], Any]
    recover: Callable[[str, int], Any]


def _created(k: int) -> str:
    return f"fault-{k}"  # the description tells this run's transactions apart


def _create(_: str, k: int) -> Any:
    body = {"seller_id": SELLER, "amount": 150_000, "currency": "TRY", "description": _created(k)}
    return invoke(create, api_event("transactions/create.json", body=body, sub=BUYER))


_bodies: dict[str, bytes] = {}


def _paid(k: int) -> str:
    txn_id = pending_transaction()
    gateway_pays(txn_id, payment_id="pay_1")
    return txn_id


def _funded_webhook(txn_id: str, k: int) -> Any:
    """The provider's delivery, then the confirmation of the hint it stored; a retry sends the same
    body again (signed anew)."""
    body = _bodies.setdefault(txn_id, event_body("payment.succeeded", txn_id, event_id=f"evt_fault_{txn_id}"))
    result = deliver("success", body)
    if result.status == 200 and not result.json.get("duplicate"):
        confirm_hint(result.json["delivery_id"])
    return result


def _redeliver(txn_id: str, k: int) -> Any:
    # The claims left by the dead process (event id, hint confirmation) run out.
    dev_clock.advance(max(CLAIM_LEASE_SECONDS, CONFIRMATION_LEASE_SECONDS) + 1)
    result = _funded_webhook(txn_id, k)
    for row in deliveries_for_transaction(txn_id):  # Lambda's retry of a confirmation that died
        if row.confirmation in (PENDING, CONFIRMING):
            confirm_hint(row.delivery_id)
    return result


_tokens: dict[str, str] = {}


def _shipped_with_token(k: int) -> str:
    txn_id = shipped_transaction()
    dev_clock.advance(61)  # the resend cooldown of the previous code
    _tokens[txn_id] = confirmation_token(txn_id)
    return txn_id


def _confirm_again(txn_id: str, k: int) -> Any:
    if status_of(txn_id) != "SHIPPED":
        return None  # the release committed before the process died: nothing to retry
    dev_clock.advance(61)
    return confirm_with(txn_id, confirmation_token(txn_id))


def _disputed(k: int) -> str:
    txn_id = shipped_transaction()
    assert open_dispute(txn_id).status == 201
    return txn_id


def _resolve(txn_id: str, k: int) -> Any:
    [dispute_id] = _disputes_of(txn_id)
    return do("resolve", dispute_id, ADMIN, {"outcome": "REFUND_TO_BUYER", "note": "Ürün iade edildi."})


def _resolve_again(txn_id: str, k: int) -> Any:
    _resolve(txn_id, k)  # the admin tries again: 409 once decided
    dev_clock.advance(3600)  # the settlement retry is due
    return run_sla()


SCENARIOS = {
    "create": Scenario(lambda k: "", _create, _create),
    "pay": Scenario(lambda k: str(new_transaction()["id"]), lambda t, k: act("pay", t), lambda t, k: act("pay", t)),
    "funded webhook": Scenario(_paid, _funded_webhook, _redeliver),
    "confirm": Scenario(_shipped_with_token, lambda t, k: confirm_with(t, _tokens[t]), _confirm_again),
    "open dispute": Scenario(
        lambda k: shipped_transaction(), lambda t, k: open_dispute(t), lambda t, k: open_dispute(t)
    ),
    "resolve": Scenario(_disputed, _resolve, _resolve_again),
}


def _touched(name: str, txn_id: str, k: int) -> list[str]:
    """The transactions the step made or moved."""
    if name != "create":
        return [txn_id]
    return [row.id for row in TransactionRow.by_buyer.query(BUYER) if row.description == _created(k)]


def _runs(name: str, world: World, faults: Faults) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """A clean run (warm: caches filled as in a running function), then one run per point of death."""
    scenario = SCENARIOS[name]
    txn_id = scenario.given(0)
    faults.run(lambda: scenario.step(txn_id, 0))
    calls = len(faults.calls)
    world.drain()
    [clean] = {world.signature(t) for t in _touched(name, txn_id, 0)}
    for k in range(1, calls + 2):
        txn_id = scenario.given(k)
        faults.run(lambda t=txn_id, k=k: scenario.step(t, k), die_at=k - 1)
        scenario.recover(txn_id, k)
        world.drain()
        touched = _touched(name, txn_id, k)
        assert touched, f"{name}: nothing was made after dying before call {k - 1}"
        for t in touched:
            assert world.signature(t) == clean, f"{name}: died before call {k - 1} of {faults.calls}"
        yield k, clean


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_death_between_any_two_steps_leaves_each_change_audited_and_announced_once(name, world, faults):
    # Given a step and each point at which its process can die
    runs = list(_runs(name, world, faults))

    # Then every run was compared with the clean one, and no event reached the bus twice
    assert len(runs) >= 2
    world.assert_each_event_once()


# ------------------------------------------------------------------------------------ the relay's faults
def test_requests_succeed_and_events_arrive_though_the_bus_is_down_while_they_run(world, monkeypatch):
    # Given EventBridge refuses every call while the requests run
    original = botocore.client.BaseClient._make_api_call

    def bus_down(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "PutEvents":
            raise AssertionError("a request path called PutEvents")
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", bus_down)
    txn_id = shipped_transaction()
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", original)

    # When the outbox reaches the relay
    world.drain()

    # Then the events arrived, in the order the transaction moved, with their own ids and requests
    mine = [
        e for e in world.delivered if e["detail"]["transaction_id"] == txn_id and e["source"] == "paylox.transactions"
    ]
    assert [e["detail-type"] for e in mine] == [
        "TransactionCreated",
        "TransactionPaymentStarted",
        "TransactionFunded",
        "TransactionShipped",
    ]
    assert all(e["detail"]["event_id"].startswith("evt_") for e in mine)
    # Funded by the confirming function (no API request); created and shipped by requests.
    assert mine[0]["detail"]["request_id"] and mine[3]["detail"]["request_id"]


def _failing_put_events(monkeypatch: pytest.MonkeyPatch, answer: Callable[[list[dict[str, Any]], int], Any]) -> list:
    original = botocore.client.BaseClient._make_api_call
    calls: list[list[dict[str, Any]]] = []

    def put(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation != "PutEvents":
            return original(client, operation, params)
        calls.append(params["Entries"])
        result = answer(params["Entries"], len(calls))
        return original(client, operation, params) if result is None else result

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", put)
    return calls


def test_a_failed_put_events_is_retried_and_the_event_delivered_once(world, monkeypatch):
    # Given a transaction created while the bus answers the relay's first calls with an error
    txn_id = new_transaction()["id"]

    def unavailable(entries: list[dict[str, Any]], number: int) -> Any:
        if number <= 4:  # the relay's own three tries, then Lambda's retry of the batch succeeds
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "PutEvents"
            )
        return None

    calls = _failing_put_events(monkeypatch, unavailable)

    # When the stream reaches the relay
    world.drain()

    # Then the event was delivered once, after the batch was retried
    assert len(calls) == 5
    assert [e["detail-type"] for e in world.delivered if e["detail"]["transaction_id"] == txn_id] == [
        "TransactionCreated"
    ]


def test_entries_the_bus_refuses_are_retried_by_themselves(world, monkeypatch):
    # Given two changes waiting in the outbox, and a bus that refuses the second entry once
    first, second = new_transaction()["id"], new_transaction()["id"]

    original = botocore.client.BaseClient._make_api_call

    def refuse_second(entries: list[dict[str, Any]], number: int) -> Any:
        if number > 1:
            return None
        accepted = original(boto3.client("events", region_name=REGION), "PutEvents", {"Entries": entries[:1]})
        refused = {"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}
        return {"FailedEntryCount": 1, "Entries": [*accepted["Entries"], refused]}

    calls = _failing_put_events(monkeypatch, refuse_second)

    # When the relay sends them
    world.drain()

    # Then the refused entry alone was sent again, and each event arrived once
    assert [len(entries) for entries in calls] == [2, 1]
    assert calls[1][0] == calls[0][1]
    assert [e["detail"]["transaction_id"] for e in world.delivered if "transaction_id" in e["detail"]] == [
        first,
        second,
    ]
    world.assert_each_event_once()
