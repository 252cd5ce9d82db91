"""Integration tier: handlers invoked with API Gateway events against moto, fresh per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack.provision import provision
from devstack.stack import dev_stack
from paylox import clock
from tests.conftest import _moto


@pytest.fixture(autouse=True)
def aws() -> Iterator[None]:
    """Empty tables, buses, queues and buckets, as created from template.yaml, for every test."""
    _moto.reset()
    provision(dev_stack())
    clock.reset()
    yield
    clock.reset()
