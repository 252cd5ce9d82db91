"""SnapStart: every environment restored from one snapshot is its own (paylox.snapstart hooks).

A "copy" here is the module state as the snapshot left it, put back before each simulated restore:
what two execution environments started from the same snapshot would both begin with.
"""

from __future__ import annotations

import random

import pytest

from paylox import clock, ids, snapstart
from paylox.aws import client
from paylox.users.models import UserProfile


def restored_copies(snapshot: object, restore: object, draw: object, copies: int = 2) -> list[object]:
    """What ``draw()`` gives first in each of ``copies`` environments restored from one snapshot."""
    drawn = []
    for _ in range(copies):
        restore(snapshot)  # type: ignore[operator]
        snapstart.run_after_restore()
        drawn.append(draw())  # type: ignore[operator]
    return drawn


def test_two_restored_copies_never_make_the_same_id_in_the_same_millisecond(monkeypatch):
    frozen = clock.now()
    monkeypatch.setattr(clock, "now", lambda: frozen)
    ids.new_id("txn")  # made during init: the snapshot holds this id's state
    snapshot = ids._last

    def put_back(state: tuple[int, int]) -> None:
        ids._last = state

    first, second = restored_copies(snapshot, put_back, lambda: ids.new_id("txn"))

    assert first != second
    assert ids.is_id(str(first), "txn") and ids.is_id(str(second), "txn")


def test_two_restored_copies_draw_different_random_numbers():
    snapshot = random.getstate()

    first, second = restored_copies(snapshot, random.setstate, lambda: random.getrandbits(64))

    assert first != second


def test_a_client_made_before_the_snapshot_still_answers_after_a_restore():
    dynamodb = client("dynamodb")
    dynamodb.list_tables()  # a connection opened before the snapshot

    snapstart.run_after_restore()

    assert "TableNames" in dynamodb.list_tables()
    assert client("dynamodb") is dynamodb  # the client is kept, only its connections are dropped


def test_before_the_snapshot_the_models_have_their_client_and_the_routes_their_validation():
    from functions.transactions import create

    snapstart.run_before_snapshot()

    assert UserProfile._connection is not None and UserProfile._connection.connection._client is not None
    route = next(route for route in create.app._static_routes if route.rule.pattern.startswith("^/api/transaction"))
    assert route._dependant is not None


@pytest.mark.parametrize("hook", ["before", "after"])
def test_hooks_run_in_the_order_they_were_registered(monkeypatch, hook):
    ran: list[int] = []
    register = snapstart.before_snapshot if hook == "before" else snapstart.after_restore
    run = snapstart.run_before_snapshot if hook == "before" else snapstart.run_after_restore
    monkeypatch.setattr(snapstart, "_before_snapshot", [])
    monkeypatch.setattr(snapstart, "_after_restore", [])

    register(lambda: ran.append(1))
    register(lambda: ran.append(2))
    run()

    assert ran == [1, 2]


def test_before_the_snapshot_the_clients_a_first_request_would_make_are_made(monkeypatch):
    # Presigning documents, asking SSM for secrets, invoking the confirmation: each a client of its
    # own, which the first request after a restore would otherwise pay for.
    from paylox import aws, secrets
    from paylox.documents import storage
    from paylox.webhooks import returns

    storage._presigner.cache_clear()
    returns._lambda.cache_clear()
    monkeypatch.delitem(aws._clients, "ssm", raising=False)
    monkeypatch.setenv("JETCHECKOUT_WEBHOOK_SECRET_PARAMETER", "/paylox/dev/jetcheckout/webhook-secret")

    snapstart.run_before_snapshot()

    assert storage._presigner.cache_info().currsize == 1
    assert returns._lambda.cache_info().currsize == 1
    assert "ssm" in aws._clients
    assert secrets._cached == {}  # clients only: no secret value is kept in a snapshot


def test_the_models_share_one_client_and_it_answers_after_a_restore():
    from paylox.db import connection
    from paylox.transactions.models import TransactionRow

    users = UserProfile._get_connection().connection.client
    users.list_tables()  # a connection opened before the snapshot

    snapstart.run_after_restore()

    assert TransactionRow._get_connection().connection.client is users  # paylox.db: one per settings
    assert connection().client is users
    assert "TableNames" in users.list_tables()
