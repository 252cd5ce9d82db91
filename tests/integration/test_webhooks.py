"""Jetcheckout payment webhooks through their handlers, against moto.

Security first (IP, signature, timestamp, idempotency, in that order), then what each event does
to a transaction, including the ones that arrive out of order or do not add up.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from devstack import dev_clock
from functions.transactions import get, pay
from functions.webhooks import success
from paylox import clock
from paylox import secrets as paylox_secrets
from paylox.auth import SYSTEM
from paylox.config import get_settings
from paylox.notify.alerts import ALERT_EVENT
from paylox.payments import sandbox
from paylox.transactions import states
from paylox.transactions.service import apply_move, find_transaction
from paylox.webhooks import service
from paylox.webhooks.models import WebhookDelivery
from paylox.webhooks.service import IncomingDelivery
from paylox.webhooks.signature import sign
from paylox.webhooks.store import deliveries_for_event, deliveries_for_transaction
from tests.apigw import BUYER, api_event, invoke
from tests.integration.bus import EventTap, of_type
from tests.integration.disputes.steps import opened
from tests.integration.steps import (
    PROVIDER_IP,
    SECRET,
    completed_transaction,
    confirm_hint,
    deliver,
    deliver_and_confirm,
    event_body,
    funded_transaction,
    gateway_pays,
    last_confirmation,
    pending_transaction,
    send_and_confirm,
    send_event,
    shipped_transaction,
    staff_view,
    status_of,
)

DAY = 24 * 3600


@pytest.fixture
def bus() -> EventTap:
    return EventTap()


# ---------------------------------------------------------------- the happy path


def test_a_signed_success_funds_the_transaction_and_records_the_payment(bus):
    txn_id = pending_transaction(amount=150000)
    bus.drain()

    result = send_event("payment.succeeded", txn_id, amount=150000, payment_id="pay_42")

    assert result.status == 200
    assert result.json["received"] is True and result.json["delivery_id"].startswith("whd_")
    txn = staff_view(txn_id)
    assert txn["status"] == "FUNDED"
    assert txn["payment"]["payment_id"] == "pay_42"
    assert txn["timeline"][-1] == {**txn["timeline"][-1], "status": "FUNDED", "actor_id": "jetcheckout"}
    funded = of_type(bus.drain(), "TransactionFunded")
    assert len(funded) == 1 and funded[0]["detail"]["payment_id"] == "pay_42"


def test_a_failure_marks_the_payment_failed_with_its_reason_and_the_buyer_may_pay_again():
    txn_id = pending_transaction()

    result = send_event("payment.failed", txn_id, reason="insufficient_funds")

    assert result.status == 200
    txn = staff_view(txn_id)
    assert txn["status"] == "FAILED"
    assert txn["payment"]["failure_reason"] == "insufficient_funds"
    again = invoke(pay, api_event("transactions/pay.json", path={"id": txn_id}, sub=BUYER))
    assert again.json["transaction"]["status"] == "PAYMENT_PENDING"


# ---------------------------------------------------------------- security, in order


def test_a_sender_outside_the_allowlist_is_refused_before_its_signature_is_looked_at():
    txn_id = pending_transaction()
    body = event_body("payment.succeeded", txn_id)

    signed = deliver("success", body, source_ip="203.0.113.10")
    unsigned = deliver("success", body, source_ip="203.0.113.10", signature=None)

    assert signed.status == unsigned.status == 403
    assert signed.code == unsigned.code == "IP_NOT_ALLOWED"
    assert status_of(txn_id) == "PAYMENT_PENDING"


@pytest.fixture
def emitted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the metrics the webhook service adds (tests run with metrics output off)."""
    names: list[str] = []
    monkeypatch.setattr(service.metrics, "add_metric", lambda name, **_: names.append(name))
    return names


def test_internet_noise_is_counted_but_neither_stored_nor_alarmed(emitted):
    txn_id = pending_transaction()
    junk = b"x" * 60_000
    answers = [deliver("success", junk, source_ip=f"198.51.100.{n}", signature="t=1,v1=00") for n in range(20)]
    answers += [deliver("refund", event_body("refund.succeeded", txn_id), source_ip="203.0.113.10") for _ in range(5)]

    assert {(answer.status, answer.code) for answer in answers} == {(403, "IP_NOT_ALLOWED")}
    assert list(WebhookDelivery.scan()) == []  # test-only inspection: nothing of theirs is stored
    assert emitted.count("WebhookRefusedOutsideAllowlist") == 25
    assert "WebhookRejected" not in emitted  # what WebhookRejectionsAlarm counts


def test_a_bad_signature_from_the_provider_s_own_addresses_is_what_the_alarm_counts(emitted):
    txn_id = pending_transaction()

    refused = deliver("success", event_body("payment.succeeded", txn_id), secrets=("rotated-too-early",))
    stale = deliver("success", event_body("payment.succeeded", txn_id), timestamp=clock.timestamp() - 3600)

    assert (refused.code, stale.code) == ("INVALID_SIGNATURE", "TIMESTAMP_OUT_OF_WINDOW")
    assert emitted.count("WebhookRejected") == 2 and "WebhookRefusedOutsideAllowlist" not in emitted
    assert [row.body for row in WebhookDelivery.scan()] == [None, None]  # summaries only


def test_forwarding_headers_cannot_smuggle_a_sender_into_the_allowlist():
    txn_id = pending_transaction()
    event = api_event(
        "webhooks/success.json",
        body=event_body("payment.succeeded", txn_id).decode(),
        sub=None,
        source_ip="203.0.113.10",
        headers={"X-Forwarded-For": PROVIDER_IP},
    )

    assert invoke(success, event).code == "IP_NOT_ALLOWED"


@pytest.mark.parametrize(
    ("case", "signature"),
    [
        ("missing", None),
        ("empty", ""),
        ("garbage", "not a signature"),
        ("no v1", "t={now}"),
        ("forged with another secret", "{forged}"),
        ("signature of another body", "{other_body}"),
        ("truncated digest", "{truncated}"),
    ],
)
def test_a_missing_or_wrong_signature_is_401_and_changes_nothing(case, signature):
    txn_id = pending_transaction()
    body = event_body("payment.succeeded", txn_id)
    now = clock.timestamp()
    header = (
        signature.format(
            now=now,
            forged=sign(body, ("guessed-secret",), now),
            other_body=sign(body + b" ", (SECRET,), now),
            truncated=sign(body, (SECRET,), now)[:-2],
        )
        if signature is not None
        else None
    )

    result = deliver("success", body, signature=header)

    assert result.status == 401
    assert result.code == "INVALID_SIGNATURE"
    assert status_of(txn_id) == "PAYMENT_PENDING"


@pytest.mark.parametrize(("offset", "accepted"), [(-300, True), (300, True), (-301, False), (301, False)])
def test_the_timestamp_must_be_within_five_minutes_either_way(offset, accepted):
    txn_id = pending_transaction()
    gateway_pays(txn_id, payment_id="pay_1")

    body = event_body("payment.succeeded", txn_id)
    result, _ = deliver_and_confirm("success", body, timestamp=clock.timestamp() + offset)

    if accepted:
        assert result.status == 200
        assert status_of(txn_id) == "FUNDED"
    else:
        assert result.status == 401 and result.code == "TIMESTAMP_OUT_OF_WINDOW"
        assert status_of(txn_id) == "PAYMENT_PENDING"


def test_a_stale_forgery_is_told_its_signature_is_wrong_not_that_it_is_late():
    txn_id = pending_transaction()
    body = event_body("payment.succeeded", txn_id)

    result = deliver("success", body, secrets=("guessed-secret",), timestamp=clock.timestamp() - 3600)

    assert result.code == "INVALID_SIGNATURE"


def test_a_captured_delivery_replayed_later_is_refused():
    txn_id = pending_transaction()
    body = event_body("payment.failed", txn_id, reason="do_not_honor")
    header = sign(body, (SECRET,), clock.timestamp())
    dev_clock.advance(301)

    replay = deliver("failure", body, signature=header)

    assert replay.code == "TIMESTAMP_OUT_OF_WINDOW"
    assert status_of(txn_id) == "PAYMENT_PENDING"


def test_a_refused_delivery_does_not_use_up_its_event_id():
    txn_id = pending_transaction()
    body = event_body("payment.succeeded", txn_id, event_id="evt_retry_me")

    gateway_pays(txn_id, payment_id="pay_1")

    assert deliver("success", body, secrets=("guessed-secret",)).status == 401
    assert deliver_and_confirm("success", body)[0].status == 200
    assert status_of(txn_id) == "FUNDED"


def test_the_previous_secret_is_accepted_during_a_rotation(monkeypatch):
    txn_id = pending_transaction()
    monkeypatch.setenv("JETCHECKOUT_WEBHOOK_SECRET", "new-secret")
    monkeypatch.setenv("JETCHECKOUT_WEBHOOK_SECRET_PREVIOUS", SECRET)

    old = deliver("success", event_body("payment.succeeded", txn_id), secrets=(SECRET,))
    both = deliver("failure", event_body("payment.failed", txn_id), secrets=("new-secret", SECRET))

    assert old.status == 200 and both.status == 200
    stored = deliveries_for_transaction(txn_id)
    assert [row.secret_used for row in stored] == ["previous", "current"]


def test_once_the_rotation_is_over_the_old_secret_is_refused(monkeypatch):
    txn_id = pending_transaction()
    monkeypatch.setenv("JETCHECKOUT_WEBHOOK_SECRET", "new-secret")

    result = deliver("success", event_body("payment.succeeded", txn_id), secrets=(SECRET,))

    assert result.code == "INVALID_SIGNATURE"


def test_the_secret_can_come_from_parameter_store(monkeypatch):
    monkeypatch.delenv("JETCHECKOUT_WEBHOOK_SECRET")
    boto3.client("ssm", region_name="eu-central-1").put_parameter(
        Name="/paylox/dev/jetcheckout/webhook-secret", Value="stored-secret", Type="SecureString"
    )
    paylox_secrets.forget_cached()
    txn_id = pending_transaction()

    result = deliver("success", event_body("payment.succeeded", txn_id), secrets=("stored-secret",))

    paylox_secrets.forget_cached()
    assert result.status == 200


def test_during_a_rotation_both_secrets_come_from_parameter_store(monkeypatch):
    monkeypatch.delenv("JETCHECKOUT_WEBHOOK_SECRET")
    ssm = boto3.client("ssm", region_name="eu-central-1")
    ssm.put_parameter(Name="/paylox/dev/jetcheckout/webhook-secret", Value="new-secret", Type="SecureString")
    ssm.put_parameter(Name="/paylox/dev/jetcheckout/webhook-secret-previous", Value="old-secret", Type="SecureString")
    paylox_secrets.forget_cached()
    txn_id = pending_transaction()

    old = deliver("success", event_body("payment.succeeded", txn_id), secrets=("old-secret",))
    new = deliver("failure", event_body("payment.failed", txn_id), secrets=("new-secret",))
    stale = deliver("failure", event_body("payment.failed", txn_id), secrets=("older-secret",))

    paylox_secrets.forget_cached()
    assert old.status == new.status == 200
    assert stale.code == "INVALID_SIGNATURE"
    assert [row.secret_used for row in deliveries_for_transaction(txn_id) if row.secret_used] == ["previous", "current"]


def test_the_allowlist_takes_cidr_blocks_of_both_families(monkeypatch):
    monkeypatch.setenv("JETCHECKOUT_IP_ALLOWLIST", "198.51.100.0/24, 2001:db8::/32")
    get_settings.cache_clear()
    try:
        txn_id = pending_transaction()
        inside_v4 = deliver("failure", event_body("payment.failed", txn_id), source_ip="198.51.100.77")
        inside_v6 = deliver("failure", event_body("payment.failed", txn_id), source_ip="2001:db8::5")
        outside = deliver("failure", event_body("payment.failed", txn_id), source_ip=PROVIDER_IP)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

    assert inside_v4.status == inside_v6.status == 200
    assert outside.code == "IP_NOT_ALLOWED"


def test_a_base64_encoded_body_is_verified_on_its_decoded_bytes():
    txn_id = pending_transaction()
    body = event_body("payment.succeeded", txn_id, description="Çanta – İstanbul")
    gateway_pays(txn_id, payment_id="pay_1")

    result, _ = deliver_and_confirm("success", body, base64_body=True)

    assert result.status == 200
    assert status_of(txn_id) == "FUNDED"


# ---------------------------------------------------------------- idempotency


def test_a_redelivered_event_is_a_duplicate_and_changes_nothing(bus):
    txn_id = pending_transaction()
    body = event_body("payment.succeeded", txn_id, event_id="evt_once")
    gateway_pays(txn_id, payment_id="pay_1")
    first, _ = deliver_and_confirm("success", body)
    bus.drain()

    again = deliver("success", body)  # the provider's retry: same body, newly signed

    assert first.status == 200 and "duplicate" not in first.json
    assert again.status == 200
    assert again.json["received"] is True and again.json["duplicate"] is True
    timeline = staff_view(txn_id)["timeline"]
    assert [entry["status"] for entry in timeline].count("FUNDED") == 1
    assert bus.drain() == []


def test_concurrent_duplicates_make_one_transition_and_one_event(bus):
    # Each Lambda environment serves one delivery at a time; the race is between environments.
    txn_id = pending_transaction()
    body = event_body("payment.succeeded", txn_id, event_id="evt_raced")
    gateway_pays(txn_id, payment_id="pay_1")
    bus.drain()
    header = sign(body, (SECRET,), clock.timestamp())
    incoming = IncomingDelivery(
        route="success", body=body, headers={"x-jetcheckout-signature": header}, source_ip=PROVIDER_IP
    )

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: service.receive(incoming), range(8)))

    [stored] = [answer for answer in answers if not answer.get("duplicate")]
    assert all(answer["received"] for answer in answers)
    assert confirm_hint(stored["delivery_id"]) == "CONFIRMED"
    assert [entry["status"] for entry in staff_view(txn_id)["timeline"]].count("FUNDED") == 1
    assert len(of_type(bus.drain(), "TransactionFunded")) == 1
    assert len(deliveries_for_event("evt_raced")) == 8


def test_the_same_event_id_with_a_different_body_is_refused():
    txn_id = pending_transaction()
    gateway_pays(txn_id, "failed", payment_id="pay_1")
    deliver_and_confirm("failure", event_body("payment.failed", txn_id, event_id="evt_twice", reason="a"))

    result = deliver("failure", event_body("payment.failed", txn_id, event_id="evt_twice", reason="b"))

    assert result.status == 409
    assert result.code == "EVENT_ID_REUSED"
    assert staff_view(txn_id)["payment"]["failure_reason"] == "a"


def test_key_order_and_whitespace_do_not_make_a_different_body():
    txn_id = pending_transaction()
    body = event_body("payment.succeeded", txn_id, event_id="evt_pretty")
    pretty = json.dumps(dict(reversed(json.loads(body).items())), indent=2).encode()

    deliver("success", body)
    result = deliver("success", pretty)

    assert result.status == 200 and result.json["duplicate"] is True


# ---------------------------------------------------------------- money that does not add up


@pytest.mark.parametrize(("amount", "currency"), [(149999, "TRY"), (150001, "TRY"), (150000, "USD")])
def test_a_success_for_another_amount_or_currency_is_refused_and_alerted(bus, amount, currency):
    txn_id = pending_transaction(amount=150000)
    version = find_transaction(txn_id).version
    bus.drain()

    result = send_event("payment.succeeded", txn_id, amount=amount, currency=currency)

    assert result.status == 422
    assert result.code == "AMOUNT_MISMATCH"
    txn = find_transaction(txn_id)
    assert txn.status == "PAYMENT_PENDING" and txn.version == version  # untouched
    alerts = of_type(bus.drain(), ALERT_EVENT)
    assert [alert["detail"]["kind"] for alert in alerts] == ["AMOUNT_MISMATCH"]
    assert alerts[0]["detail"]["received_amount"] == amount
    assert alerts[0]["detail"]["expected_amount"] == 150000


def test_a_redelivered_mismatch_is_not_alerted_twice(bus):
    txn_id = pending_transaction(amount=150000)
    body = event_body("payment.succeeded", txn_id, amount=1)
    deliver("success", body)
    bus.drain()

    again = deliver("success", body)

    assert again.status == 200 and again.json["duplicate"] is True
    assert bus.drain() == []


# ---------------------------------------------------------------- refunds


def test_a_full_refund_moves_to_refunded(bus):
    txn_id = funded_transaction(amount=150000)
    bus.drain()

    result = send_event("payment.refunded", txn_id, amount=150000, refund_id="rfd_1")

    assert result.status == 200
    txn = staff_view(txn_id)
    assert txn["status"] == "REFUNDED"
    assert txn["refunded_amount"] == 150000
    assert [refund["refund_id"] for refund in txn["refunds"]] == ["rfd_1"]
    assert len(of_type(bus.drain(), "TransactionRefunded")) == 1


def test_partial_refunds_are_recorded_until_the_rest_is_refunded(bus):
    txn_id = funded_transaction(amount=100000)
    bus.drain()

    first = send_event("payment.refunded", txn_id, amount=30000, refund_id="rfd_a")
    middle = staff_view(txn_id)
    rest = send_event("payment.refunded", txn_id, amount=70000, refund_id="rfd_b")

    assert first.status == rest.status == 200
    assert middle["status"] == "FUNDED" and middle["refunded_amount"] == 30000
    final = staff_view(txn_id)
    assert final["status"] == "REFUNDED" and final["refunded_amount"] == 100000
    events = bus.drain()
    assert len(of_type(events, "TransactionPartiallyRefunded")) == 1
    assert of_type(events, "TransactionRefunded")[0]["detail"]["refund_amount"] == 70000


def test_a_refund_above_what_is_left_is_an_amount_mismatch():
    txn_id = funded_transaction(amount=100000)
    send_event("payment.refunded", txn_id, amount=60000, refund_id="rfd_a")

    result = send_event("payment.refunded", txn_id, amount=60000, refund_id="rfd_b")

    assert result.code == "AMOUNT_MISMATCH"
    assert staff_view(txn_id)["refunded_amount"] == 60000


def test_the_same_refund_under_a_new_event_id_is_counted_once():
    txn_id = funded_transaction(amount=100000)
    send_event("payment.refunded", txn_id, amount=30000, refund_id="rfd_a")

    again, outcome = send_and_confirm("payment.refunded", txn_id, amount=30000, refund_id="rfd_a")

    assert again.status == 200 and (outcome, last_confirmation(txn_id)[1]) == ("IGNORED", "already_refunded")
    assert staff_view(txn_id)["refunded_amount"] == 30000


def test_refunds_are_taken_while_shipped_and_while_disputed():
    shipped = shipped_transaction()
    disputed = opened(funded_transaction())["transaction_id"]

    send_event("payment.refunded", shipped, amount=150000)
    send_event("payment.refunded", disputed, amount=150000)

    assert status_of(shipped) == status_of(disputed) == "REFUNDED"


def test_concurrent_partial_refunds_add_up_exactly():
    txn_id = funded_transaction(amount=100000)
    bodies = [event_body("payment.refunded", txn_id, amount=25000, refund_id=f"rfd_{n}") for n in range(4)]
    for n in range(4):  # the back office refunded a quarter four times
        sandbox.record_refund(f"{txn_id}-1", 25000, "refund", refund_id=f"rfd_{n}")
    now = clock.timestamp()

    def deliver_one(body: bytes) -> dict:
        header = sign(body, (SECRET,), now)
        return service.receive(
            IncomingDelivery(
                route="refund", body=body, headers={"x-jetcheckout-signature": header}, source_ip=PROVIDER_IP
            )
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(deliver_one, bodies))
        outcomes = list(pool.map(confirm_hint, [answer["delivery_id"] for answer in answers]))

    assert all(answer["received"] for answer in answers) and outcomes == ["CONFIRMED"] * 4
    final = staff_view(txn_id)
    assert final["refunded_amount"] == 100000
    assert final["status"] == "REFUNDED"
    assert sorted(refund["refund_id"] for refund in final["refunds"]) == [f"rfd_{n}" for n in range(4)]


def test_the_provider_confirming_a_refund_already_moved_here_only_records_the_money():
    txn_id = funded_transaction(amount=100000)
    apply_move(find_transaction(txn_id), states.REFUND, SYSTEM, note="dispute decided for the buyer")

    result, outcome = send_and_confirm("payment.refunded", txn_id, amount=100000, refund_id="rfd_dispute")

    assert result.status == 200 and outcome == "CONFIRMED"
    txn = staff_view(txn_id)
    assert txn["status"] == "REFUNDED" and txn["refunded_amount"] == 100000 and not txn["flags"]


# ---------------------------------------------------------------- out of order: never backwards


def failed_transaction() -> str:
    txn_id = pending_transaction()
    send_event("payment.failed", txn_id)
    return txn_id


def refunded_transaction() -> str:
    txn_id = funded_transaction()
    send_event("payment.refunded", txn_id, amount=150000, refund_id="rfd_full")
    return txn_id


@pytest.mark.parametrize(
    ("make", "event_type", "status", "flag"),
    [
        (funded_transaction, "payment.failed", "FUNDED", "OUT_OF_ORDER"),  # a failure after success
        (shipped_transaction, "payment.failed", "SHIPPED", "OUT_OF_ORDER"),
        (completed_transaction, "payment.failed", "COMPLETED", "OUT_OF_ORDER"),
        (refunded_transaction, "payment.failed", "REFUNDED", "OUT_OF_ORDER"),
        (refunded_transaction, "payment.succeeded", "REFUNDED", "OUT_OF_ORDER"),  # a success after a refund
        (failed_transaction, "payment.succeeded", "FAILED", "OUT_OF_ORDER"),  # a success after a failure
        # A refund before any success: the gateway took no money, so it cannot confirm a refund.
        (pending_transaction, "payment.refunded", "PAYMENT_PENDING", "HINT_UNCONFIRMED"),
        (failed_transaction, "payment.refunded", "FAILED", "HINT_CONTRADICTED"),  # it shows nothing returned
        (completed_transaction, "payment.refunded", "COMPLETED", "OUT_OF_ORDER"),  # a refund after release
    ],
)
def test_out_of_order_events_are_answered_flagged_and_never_move_backwards(bus, make, event_type, status, flag):
    txn_id = make()
    bus.drain()

    result = send_event(event_type, txn_id, amount=150000, payment_id="pay_1")

    assert result.status == 200 and result.json["received"] is True
    txn = staff_view(txn_id)
    assert txn["status"] == status
    assert [(entry["kind"], entry["event_type"]) for entry in txn["flags"]] == [(flag, event_type)]
    alerts = of_type(bus.drain(), ALERT_EVENT)
    assert [alert["detail"]["kind"] for alert in alerts] == [flag]


def test_flags_are_for_staff_only():
    txn_id = funded_transaction()
    send_event("payment.failed", txn_id)

    buyer = invoke(get, api_event("transactions/get.json", path={"id": txn_id}, sub=BUYER))

    assert buyer.json["flags"] is None
    assert len(staff_view(txn_id)["flags"]) == 1


def test_harmless_repeats_are_ignored_without_a_flag(bus):
    funded = funded_transaction(payment_id="pay_1")
    failed = failed_transaction()
    bus.drain()

    send_event("payment.succeeded", funded, payment_id="pay_1")
    send_event("payment.failed", failed)

    assert last_confirmation(funded) == ("IGNORED", "already_funded")
    assert last_confirmation(failed) == ("IGNORED", "already_failed")
    assert staff_view(funded)["flags"] == [] and staff_view(failed)["flags"] == []
    assert of_type(bus.drain(), ALERT_EVENT) == []


def test_a_second_payment_for_a_funded_transaction_is_flagged_for_a_refund():
    txn_id = funded_transaction(payment_id="pay_1")

    _, outcome = send_and_confirm("payment.succeeded", txn_id, payment_id="pay_2")

    assert (outcome, last_confirmation(txn_id)[1]) == ("IGNORED", "duplicate_payment")
    assert [flag["kind"] for flag in staff_view(txn_id)["flags"]] == ["DUPLICATE_PAYMENT"]
    assert staff_view(txn_id)["payment"]["payment_id"] == "pay_1"


def test_the_refund_of_another_payment_leaves_the_escrow_alone():
    txn_id = funded_transaction(payment_id="pay_1")

    _, outcome = send_and_confirm("payment.refunded", txn_id, payment_id="pay_2", amount=150000)

    assert outcome == "UNCONFIRMED"  # the gateway's payment of this order is pay_1, not pay_2
    assert status_of(txn_id) == "FUNDED"


# ---------------------------------------------------------------- what is not an event for us


def test_an_unknown_transaction_is_answered_200_so_the_provider_stops_and_admins_are_alerted(bus):
    result = send_event("payment.succeeded", "txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F")

    assert result.status == 200
    assert result.json["unknown_transaction"] is True
    alerts = of_type(bus.drain(), ALERT_EVENT)
    assert [alert["detail"]["kind"] for alert in alerts] == ["UNKNOWN_TRANSACTION"]
    stored = deliveries_for_transaction("txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F")
    assert [row.outcome for row in stored] == ["UNKNOWN_TRANSACTION"]


@pytest.mark.parametrize(
    ("route", "event_type"),
    [("success", "payment.failed"), ("failure", "payment.refunded"), ("refund", "payment.succeeded")],
)
def test_the_route_and_the_event_type_must_agree(route, event_type):
    txn_id = pending_transaction()
    body = event_body(event_type, txn_id, event_id="evt_misrouted")

    result = deliver(route, body)

    assert result.status == 400
    assert result.code == "EVENT_TYPE_MISMATCH"
    assert status_of(txn_id) == "PAYMENT_PENDING"
    # Not claimed: the same event sent to the right route is still processed.
    right = {"payment.failed": "failure", "payment.refunded": "refund", "payment.succeeded": "success"}[event_type]
    assert "duplicate" not in deliver(right, body).json


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "MALFORMED_JSON"),
        (b"[1, 2]", 400, "MALFORMED_JSON"),
        (b"\xff\xfe\x00", 400, "MALFORMED_JSON"),
        (b'{"id": "evt_1", "type": "payment.succeeded"}', 422, "VALIDATION_ERROR"),
        (
            b'{"id":"evt_1","type":"payment.succeeded","created":1,"data":{"transaction_id":"t","payment_id":"p",'
            b'"amount":100.5,"currency":"TRY"}}',
            422,
            "VALIDATION_ERROR",
        ),
        (
            b'{"id":"evt_1","type":"payment.disputed","created":1,"data":{"transaction_id":"t","payment_id":"p",'
            b'"amount":100,"currency":"TRY"}}',
            422,
            "VALIDATION_ERROR",
        ),
        (b'{"padding": "' + b"x" * 70000 + b'"}', 413, "PAYLOAD_TOO_LARGE"),
    ],
)
def test_a_signed_body_that_is_not_a_valid_event_is_refused_clearly(body, status, code):
    result = deliver("success", body)

    assert result.status == status
    assert result.code == code


# ---------------------------------------------------------------- the deliveries log


def test_every_delivery_is_stored_with_its_verification_and_outcome():
    txn_id = pending_transaction()
    body = event_body("payment.succeeded", txn_id, event_id="evt_logged")
    deliver("success", body, secrets=("guessed-secret",))
    deliver("success", body)
    deliver("success", body)
    deliver("success", body, source_ip="203.0.113.10")
    unsigned = json.dumps({"is_success": True, "order_id": f"{txn_id}-1", "transaction_id": "gw_1"}).encode()
    deliver("success", unsigned, signature=None)

    everything = sorted(WebhookDelivery.scan(), key=lambda row: row.delivery_id)  # test-only inspection
    by_transaction = deliveries_for_transaction(txn_id)

    # The sender outside the allowlist is counted, not stored.
    assert [(row.verification, row.outcome, row.answer_status) for row in everything] == [
        ("INVALID_SIGNATURE", "INVALID_SIGNATURE", 401),
        ("VERIFIED", "RECEIVED", 200),
        ("VERIFIED", "DUPLICATE", 200),
        ("UNSIGNED_CALLBACK", "RECEIVED", 200),
    ]
    # Only verified deliveries and allowlisted callbacks are attached to the transaction they name.
    assert [row.delivery_id for row in by_transaction] == [row.delivery_id for row in everything[1:]]
    assert [row.delivery_id for row in deliveries_for_event("evt_logged")] == [
        row.delivery_id for row in by_transaction[:2]
    ]
    refused, processed, _, callback = everything
    assert processed.hint is not None and processed.confirmation == "PENDING"  # stored, not yet confirmed
    assert json.loads(callback.hint)["signed"] is False
    assert processed.body == body.decode() and processed.event_type == "payment.succeeded"
    assert "x-jetcheckout-signature" in json.loads(processed.headers)
    assert processed.source_ip == PROVIDER_IP and processed.secret_used == "current"
    # failed verification: a bounded summary (hash, size, the signature header), not what it claimed
    assert refused.body is None and refused.body_sha256 and refused.body_size == len(body)
    assert set(json.loads(refused.headers)) <= {"content-type", "user-agent", "x-jetcheckout-signature"}
    # Personal data is kept no longer than needed: verified deliveries 180 days, refused ones 3.
    now = clock.timestamp()
    for row in (processed, callback):
        assert now + 180 * DAY - 60 <= (row.expires_at or 0) <= now + 180 * DAY
    assert now + 3 * DAY - 60 <= (refused.expires_at or 0) <= now + 3 * DAY


def test_a_verified_delivery_past_its_retention_is_no_longer_shown():
    # Given a transaction paid by a verified webhook
    txn_id = pending_transaction(amount=150000)
    send_event("payment.succeeded", txn_id, amount=150000, payment_id="pay_42")
    assert len(deliveries_for_transaction(txn_id)) == 1

    # When 180 days pass (TTL deletion may lag up to two days)
    dev_clock.advance(180 * DAY + 1)

    # Then the delivery and its body are gone from what staff and reconciliation read
    assert deliveries_for_transaction(txn_id) == []


def test_staff_see_the_webhooks_a_transaction_received_and_the_parties_do_not():
    txn_id = pending_transaction(amount=150000)
    send_event("payment.succeeded", txn_id, amount=150000, payment_id="pay_42")
    send_event("payment.succeeded", txn_id, amount=999, payment_id="pay_43")  # a second, refused payment

    deliveries = staff_view(txn_id)["payment_deliveries"]
    buyer_view = invoke(get, api_event("transactions/get.json", path={"id": txn_id}, sub=BUYER)).json

    assert [(d["event_type"], d["verification"], d["outcome"], d["confirmation"]) for d in deliveries] == [
        ("payment.succeeded", "VERIFIED", "RECEIVED", "CONFIRMED"),
        ("payment.succeeded", "VERIFIED", "RECEIVED", "IGNORED"),  # a success after success never moves money twice
    ]
    assert buyer_view["payment_deliveries"] is None
