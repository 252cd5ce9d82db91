"""Integration tier: handlers invoked with API Gateway events against moto, fresh per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devstack import dev_clock
from devstack.provision import provision
from devstack.stack import dev_stack
from paylox.config import get_settings
from tests.conftest import _moto
from tests.integration.steps import SECRET
from tests.sms import SmsOutbox


@pytest.fixture(autouse=True)
def aws() -> Iterator[None]:
    """Empty tables, buses, queues and buckets, as created from template.yaml, for every test."""
    _moto.reset()
    provision(dev_stack())
    dev_clock.reset()
    yield
    dev_clock.reset()


@pytest.fixture(autouse=True)
def outbox_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The dev outbox the console email and SMS providers write to, as in the dev stack."""
    path = tmp_path / "outbox.jsonl"
    monkeypatch.setenv("PAYLOX_DEV_OUTBOX", str(path))
    return path


@pytest.fixture(autouse=True)
def provider_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """The webhook secret the payment provider signs with, as the shared steps
    (``tests/integration/steps.py``) sign their deliveries."""
    monkeypatch.setenv("JETCHECKOUT_WEBHOOK_SECRET", SECRET)
    monkeypatch.delenv("JETCHECKOUT_WEBHOOK_SECRET_PREVIOUS", raising=False)


@pytest.fixture
def sms_outbox(outbox_file: Path) -> SmsOutbox:
    """Where the console SMS provider delivers, so a test reads codes as the phone's owner would."""
    return SmsOutbox()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Change settings for one test: ``settings_env(SMS_PROVIDER="twilio")``."""

    def apply(**env: object) -> None:
        for key, value in env.items():
            monkeypatch.setenv(key, str(value))
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()
