"""Dispute tests: in-memory documents and gateway, and the dispute events captured off the bus."""

from __future__ import annotations

import pytest

from paylox.disputes import evidence, settlement
from tests.integration.disputes.steps import ADMIN_2, DisputeEvents, FakeDocuments, FakeGateway, seen_as_staff
from tests.integration.steps import register


@pytest.fixture(autouse=True)
def second_admin(registered_users: None) -> None:
    """The admin a dispute is handed over to has signed up too, and signed in as staff once."""
    register(ADMIN_2)
    seen_as_staff(ADMIN_2)


@pytest.fixture
def documents(monkeypatch: pytest.MonkeyPatch) -> FakeDocuments:
    """The documents domain the evidence endpoints consult (its own service is another package)."""
    fake = FakeDocuments()
    monkeypatch.setattr(evidence, "DOCUMENTS", fake)
    return fake


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> FakeGateway:
    """The payment gateway the resolution refunds through."""
    fake = FakeGateway()
    monkeypatch.setattr(settlement, "get_gateway", lambda: fake)
    return fake


@pytest.fixture
def bus() -> DisputeEvents:
    return DisputeEvents()
