"""The notifier: bus events become emails in each recipient's language, once each (read from the dev
outbox, where the dev stack's console provider puts them; SES, on moto, where AWS sends them)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from devstack.lambda_context import LambdaContext
from functions.transactions import notify, ship
from paylox import clock, dev_outbox
from paylox.config import get_settings
from paylox.notify import email as email_delivery
from paylox.notify.alerts import ALERT_EVENT
from paylox.notify.email import Email
from paylox.notify.once import NotificationFailed, send_email_once
from paylox.webhooks import service
from paylox.webhooks.service import IncomingDelivery
from paylox.webhooks.signature import sign
from tests.apigw import BUYER, SELLER, api_event, invoke
from tests.integration.bus import EventTap, of_type
from tests.integration.steps import (
    PROVIDER_IP,
    SECRET,
    confirm_hint,
    confirm_receipt,
    event_body,
    gateway_pays,
    pending_transaction,
    send_event,
)

ADMINS = ["ops@paylox.com.tr"]  # the dev stack's AdminNotificationEmails


@pytest.fixture
def bus() -> EventTap:
    return EventTap()


#: The seller signed up in English, with their own address.
seller_speaks_english = pytest.mark.signed_up(SELLER, locale="en", email="seller@example.com")


def run_notifier(events: list[dict]) -> None:
    # The notifier's rules never hand it the webhook hints, which are for PaymentConfirmFunction.
    for event in [event for event in events if event["detail-type"] != "PaymentHintReceived"]:
        notify.handler(event, LambdaContext(function_name="TransactionNotifyFunction"))


def emails_to(address: str) -> list[dict]:
    return [item for item in dev_outbox.read_all() if item["channel"] == "email" and item["to"] == address]


def ses_sent() -> int:
    return int(boto3.client("ses", region_name="eu-central-1").get_send_quota()["SentLast24Hours"])


@seller_speaks_english
def test_funding_tells_the_buyer_and_the_seller_each_in_their_language(bus):
    txn_id = pending_transaction(amount=150050)  # the buyer's profile says "tr"
    send_event("payment.succeeded", txn_id, amount=150050)

    run_notifier(of_type(bus.drain(), "TransactionFunded"))

    [buyer] = emails_to(f"{BUYER}@example.com")
    [seller] = emails_to("seller@example.com")
    assert buyer["subject"] == "Paylox: Ödemeniz alındı"
    assert "1.500,50 TL" in buyer["body"] and txn_id in buyer["body"]
    assert seller["subject"] == "Paylox: Funds are held: ship now"
    assert "TRY 1,500.50" in seller["body"] and "ship the item now" in seller["body"]
    assert ses_sent() == 0  # the dev stack's console provider sends nothing out


def test_in_aws_the_emails_go_through_ses_and_nowhere_else(bus, settings_env):
    settings_env(EMAIL_PROVIDER="ses")
    txn_id = pending_transaction()
    send_event("payment.succeeded", txn_id)

    run_notifier(of_type(bus.drain(), "TransactionFunded"))

    assert ses_sent() == 2  # the buyer and the seller, both registered
    assert dev_outbox.read_all() == []


@seller_speaks_english
def test_a_redelivered_event_sends_nothing_twice(bus):
    txn_id = pending_transaction()
    send_event("payment.succeeded", txn_id)
    events = of_type(bus.drain(), "TransactionFunded")

    run_notifier(events)
    run_notifier(events)  # EventBridge delivers at least once

    assert len(dev_outbox.read_all()) == 2


@seller_speaks_english
def test_concurrent_duplicate_webhooks_end_in_one_email_each(bus):
    txn_id = pending_transaction()
    gateway_pays(txn_id, payment_id="pay_1")
    bus.drain()
    body = event_body("payment.succeeded", txn_id, event_id="evt_raced")
    incoming = IncomingDelivery(
        route="success",
        body=body,
        headers={"x-jetcheckout-signature": sign(body, (SECRET,), clock.timestamp())},
        source_ip=PROVIDER_IP,
    )

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: service.receive(incoming), range(6)))
        # Each stored hint is confirmed (one was stored; a repeated confirmation does nothing).
        list(pool.map(confirm_hint, [a["delivery_id"] for a in answers if not a.get("duplicate")] * 2))
    run_notifier(bus.drain())

    assert len(emails_to(f"{BUYER}@example.com")) == 1
    assert len(emails_to("seller@example.com")) == 1


@seller_speaks_english
def test_a_retry_after_a_failed_send_sends_only_what_is_missing(bus, monkeypatch):
    txn_id = pending_transaction()
    send_event("payment.succeeded", txn_id)
    events = of_type(bus.drain(), "TransactionFunded")
    real = email_delivery.get_provider()
    failures = iter([True])

    class Flaky:
        name = "flaky"

        def send(self, email):
            if email.to == "seller@example.com" and next(failures, False):
                raise ConnectionError("SES throttled")
            return real.send(email)

    monkeypatch.setattr(email_delivery, "get_provider", Flaky)

    with pytest.raises(NotificationFailed):
        run_notifier(events)
    run_notifier(events)  # Lambda's asynchronous retry

    assert len(emails_to(f"{BUYER}@example.com")) == 1
    assert len(emails_to("seller@example.com")) == 1


def test_a_failed_payment_tells_the_buyer_why_and_that_they_can_pay_again(bus):
    txn_id = pending_transaction()
    send_event("payment.failed", txn_id, reason="insufficient_funds")

    run_notifier(of_type(bus.drain(), "TransactionPaymentFailed"))

    [email] = emails_to(f"{BUYER}@example.com")
    assert email["subject"] == "Paylox: Ödemeniz tamamlanamadı"
    assert "insufficient_funds" in email["body"] and "yeniden ödeme" in email["body"]


@pytest.mark.signed_up(SELLER, email_verified=False)
def test_a_party_without_an_address_is_skipped_and_the_other_still_hears(bus):
    txn_id = pending_transaction()  # the seller never verified their email: no address
    send_event("payment.succeeded", txn_id)

    run_notifier(of_type(bus.drain(), "TransactionFunded"))

    assert [item["to"] for item in dev_outbox.read_all()] == [f"{BUYER}@example.com"]


def test_webhook_alerts_reach_the_admins_in_both_languages(bus):
    txn_id = pending_transaction(amount=150000)
    send_event("payment.succeeded", txn_id, amount=99, event_id="evt_short")

    run_notifier(of_type(bus.drain(), ALERT_EVENT))

    [alert] = emails_to(ADMINS[0])
    assert "AMOUNT_MISMATCH" in alert["subject"] and txn_id in alert["subject"]
    assert "tutar veya para birimi" in alert["body"] and "amount or currency" in alert["body"]
    assert "received: 99 kuruş TRY" in alert["body"] and "expected: 150000 kuruş TRY" in alert["body"]
    assert "evt_short" in alert["body"]


@seller_speaks_english
def test_the_full_escrow_story_is_told(bus):
    txn_id = pending_transaction()
    send_event("payment.succeeded", txn_id)
    invoke(ship, api_event("transactions/ship.json", path={"id": txn_id}, sub=SELLER))
    assert confirm_receipt(txn_id).status == 200

    run_notifier(bus.drain())

    assert [item["subject"] for item in emails_to(f"{BUYER}@example.com")] == [
        "Paylox: Ödemeniz alındı",
        "Paylox: Ürününüz gönderildi",
        "Paylox: İşleminiz tamamlandı",
    ]
    assert [item["subject"] for item in emails_to("seller@example.com")] == [
        "Paylox: Funds are held: ship now",
        "Paylox: Funds released",
    ]


@seller_speaks_english
def test_a_buyer_confirming_after_a_partial_refund_releases_the_remainder_and_everyone_is_told_so(bus):
    # Given a 1 500 TRY escrow of which the provider refunded 300 TRY, then shipped
    txn_id = pending_transaction()
    send_event("payment.succeeded", txn_id)
    send_event("payment.refunded", txn_id, amount=30_000, refund_id="rf_part")
    invoke(ship, api_event("transactions/ship.json", path={"id": txn_id}, sub=SELLER))
    bus.drain()

    # When the buyer confirms receipt
    assert confirm_receipt(txn_id).status == 200

    # Then the event and both emails say 1 200 TRY was released, not 1 500
    events = bus.drain()
    [completed] = of_type(events, "TransactionCompleted")
    assert (completed["detail"]["amount"], completed["detail"]["released_amount"]) == (150_000, 120_000)
    run_notifier(events)
    [seller] = emails_to("seller@example.com")
    [buyer] = emails_to(f"{BUYER}@example.com")
    assert "TRY 1,200.00" in seller["body"] and "1,500.00" not in seller["body"]
    assert "1.200,00 TL" in buyer["body"] and "1.500,00" not in buyer["body"]


def test_the_once_only_record_of_an_email_expires_after_a_week_and_holds_no_address():
    # Given an email sent once
    email = Email(to="ayse.retention@example.com", subject="Paylox", body="Merhaba", key="evt_ret:funded:ayse")
    send_email_once(email)

    # Then its record in the idempotency table expires (TTL) a week later, keyed by a hash
    table = boto3.client("dynamodb", region_name="eu-central-1")
    items = table.scan(TableName=get_settings().idempotency_table)["Items"]  # test-only inspection
    [record] = [item for item in items if "email" in item["id"]["S"]]
    now = clock.timestamp()
    assert now + 7 * 24 * 3600 - 60 <= int(record["expiration"]["N"]) <= now + 7 * 24 * 3600
    assert "ayse.retention" not in str(record)
