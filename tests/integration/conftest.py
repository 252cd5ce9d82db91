"""Integration tier: handlers invoked with API Gateway events against moto, fresh per test."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devstack import dev_clock
from devstack.lambda_context import LambdaContext
from devstack.provision import provision
from devstack.stack import dev_stack
from functions.webhooks import confirm_hint
from paylox.config import get_settings
from paylox.webhooks import returns
from tests import iam_usage
from tests.apigw import ADMIN, AGENT, BUYER, SELLER, STRANGER
from tests.conftest import _moto
from tests.integration.bus import reset_relay
from tests.integration.stats_steps import reset_stats_pump
from tests.integration.steps import PHONE, SECRET, register
from tests.sms import SmsOutbox


@pytest.fixture(autouse=True)
def aws() -> Iterator[None]:
    """Empty tables, buses, queues and buckets, as created from template.yaml, for every test."""
    _moto.reset()
    reset_relay()
    reset_stats_pump()
    provision(dev_stack())
    dev_clock.reset()
    yield
    dev_clock.reset()


iam_usage.install()


@pytest.fixture(autouse=True)
def least_privilege() -> Iterator[None]:
    """Moto enforces no IAM: every DynamoDB action a function performed in the test must be in its
    allow-list (tests/contract/least_privilege.yaml, held equal to template.yaml's grants)."""
    with iam_usage.recording() as uses:
        yield
    missing = iam_usage.not_allowed(uses, iam_usage.load_allow_list())
    assert not missing, "actions the function's role does not grant:\n" + "\n".join(missing)


@pytest.fixture(autouse=True)
def confirm_function_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The browser returns invoke PaymentConfirmFunction through Lambda (they hold no gateway key);
    here that invocation runs its handler in this process, with the payload Lambda would carry.
    The dev stack answers the real Invoke call (tests/e2e)."""

    def invoke(transaction_id: str) -> returns.ReturnStatus:
        payload = json.loads(json.dumps({"return_of": transaction_id}))
        answer = confirm_hint.handler(payload, LambdaContext(function_name="PaymentConfirmFunction"))
        return json.loads(json.dumps(answer))["status"]  # type: ignore[no-any-return]

    monkeypatch.setattr(returns, "ask_confirm_function", invoke)


#: Everyone the tests act as by default has signed up before the test starts.
STANDARD_USERS = (BUYER, SELLER, STRANGER, ADMIN, AGENT)


@pytest.fixture(autouse=True)
def registered_users(aws: None, request: pytest.FixtureRequest) -> None:
    """BUYER, SELLER, STRANGER, ADMIN and AGENT are registered through the registration function,
    each with what the fixtures' tokens say (``<id>@example.com`` verified, the fixtures' phone,
    Turkish), unless the test says otherwise: ``@pytest.mark.signed_up(SELLER, locale="en")``.
    Anyone else is unregistered until a test calls ``steps.register``."""
    attributes: dict[str, dict[str, object]] = {}
    for marker in reversed(list(request.node.iter_markers("signed_up"))):  # the closest marker wins
        attributes.setdefault(marker.args[0], {}).update(marker.kwargs)
    for user in STANDARD_USERS:
        register(user, **{"phone": PHONE, **attributes.get(user, {})})  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def outbox_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The dev outbox the console email and SMS providers write to, as in the dev stack."""
    path = tmp_path / "outbox.jsonl"
    monkeypatch.setenv("PAYLOX_DEV_OUTBOX", str(path))
    return path


@pytest.fixture(autouse=True)
def sandbox_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sandbox gateway's own record of payments, empty for every test, as in the dev stack."""
    path = tmp_path / "sandbox-gateway.jsonl"
    monkeypatch.setenv("PAYLOX_DEV_SANDBOX_GATEWAY", str(path))
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
