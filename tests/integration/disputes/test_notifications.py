"""Dispute emails: sent from the events on the bus by the notify function, to the right people,
in their language, once per event and address, and never in the way of the API call."""

from __future__ import annotations

import boto3
import pytest

from devstack import dev_clock
from devstack.lambda_context import LambdaContext
from devstack.stack import dev_stack
from functions.disputes import notify
from paylox.notify import email as email_delivery
from paylox.notify.once import NotificationFailed
from tests.apigw import ADMIN, BUYER, SELLER, load_event
from tests.integration.disputes.steps import awaiting, do, emails_to, opened, run_sla, sent_emails, under_review
from tests.integration.steps import funded_transaction

OPS = "ops@paylox.com.tr"  # ADMIN_NOTIFICATION_EMAILS of the dev stack
HOUR = 3600

pytestmark = pytest.mark.signed_up(SELLER, locale="en")  # the buyer reads Turkish, the seller English


@pytest.fixture
def parties() -> tuple[str, str]:
    """The parties' addresses: the buyer reads Turkish, the seller English (``pytestmark``)."""
    return f"{BUYER}@example.com", f"{SELLER}@example.com"


def test_admins_hear_of_a_new_dispute_at_once_and_both_parties_are_told(bus, parties):
    buyer, seller = parties
    dispute = opened(funded_transaction(amount=150_000), description="Ekran çatlak geldi.")

    delivered = bus.deliver()

    assert [event["detail-type"] for event in delivered] == ["DisputeOpened"]
    [to_admins] = emails_to(OPS)
    assert to_admins["subject"] == f"Yeni itiraz: {dispute['id']}"
    assert "Ekran çatlak geldi." in to_admins["body"]
    assert "1.500,00 TL" in to_admins["body"]
    assert "Ürün tarif edildiği gibi değil" in to_admins["body"]
    [to_buyer] = emails_to(buyer)
    [to_seller] = emails_to(seller)
    assert to_buyer["subject"] == f"İtirazınızda gelişme: {dispute['id']}"
    assert "alıcı tarafından bir itiraz açıldı" in to_buyer["body"]
    assert to_seller["subject"] == f"Update on your dispute {dispute['id']}"
    assert "the buyer opened a dispute (reason: Not as described)" in to_seller["body"]


def test_both_parties_hear_of_every_update(bus, parties, documents):
    buyer, seller = parties
    dispute = awaiting("BUYER")
    do("message", dispute["id"], BUYER, {"body": "Ekledim."})
    do("evidence", dispute["id"], SELLER, {"document_id": documents.upload(SELLER)})
    dev_clock.advance(48 * HOUR)
    run_sla()

    types = [event["detail-type"] for event in bus.deliver()]

    assert types == [
        "DisputeOpened",
        "DisputeAssigned",
        "DisputeInfoRequested",
        "DisputeMessagePosted",
        "DisputeInfoProvided",
        "DisputeEvidenceAdded",
        "DisputeEscalated",
    ]
    assert len(emails_to(buyer)) == len(emails_to(seller)) == 7
    english = [mail["body"] for mail in emails_to(seller)]
    assert any("a reviewer has taken the dispute on" in body for body in english)
    assert any("our reviewer asked the buyer for more information" in body for body in english)
    assert any("escalated to senior staff" in body for body in english)


def test_the_awaited_party_is_reminded_in_their_language(bus, parties):
    buyer, seller = parties
    dispute = awaiting("SELLER")
    refused = do("request_info", dispute["id"], ADMIN, {"from": "BUYER", "message": "x"})  # already waiting
    bus.drain()

    dev_clock.advance(24 * HOUR)
    run_sla()
    bus.deliver()

    assert refused.status == 409
    [reminder] = emails_to(seller)
    assert reminder["subject"] == f"Reminder (1): dispute {dispute['id']} is waiting for your answer"
    assert "Kargo fotoğraflarını ekleyin." in reminder["body"]
    assert emails_to(buyer) == []  # the reminder is for the awaited party only


def test_the_request_itself_goes_to_the_awaited_party_and_an_update_to_the_other(bus, parties):
    buyer, seller = parties
    dispute = under_review()
    bus.drain()

    do("request_info", dispute["id"], ADMIN, {"from": "BUYER", "message": "Faturayı ekler misiniz?"})
    bus.deliver()

    [to_buyer] = emails_to(buyer)
    [to_seller] = emails_to(seller)
    assert to_buyer["subject"] == f"İtirazınız için bilginiz gerekiyor: {dispute['id']}"
    assert "Faturayı ekler misiniz?" in to_buyer["body"]
    assert "our reviewer asked the buyer for more information" in to_seller["body"]


def test_admins_are_reminded_of_an_unassigned_dispute_and_told_of_an_escalation(bus, parties):
    dispute = opened()
    bus.drain()

    dev_clock.advance(2 * HOUR)
    run_sla()
    dev_clock.advance(46 * HOUR)
    run_sla()
    bus.deliver()

    subjects = [mail["subject"] for mail in emails_to(OPS)]
    assert subjects == [
        f"Hatırlatma: {dispute['id']} numaralı itiraz henüz üstlenilmedi",
        f"Üst yönetime aktarılan itiraz: {dispute['id']}",
    ]


def test_both_parties_learn_the_outcome(bus, parties, gateway):
    buyer, seller = parties
    dispute = under_review()
    bus.drain()

    do("resolve", dispute["id"], ADMIN, {"outcome": "SPLIT", "buyer_amount": 40_000, "note": "Kısmi hasar."})
    bus.deliver()

    [to_buyer] = emails_to(buyer)
    [to_seller] = emails_to(seller)
    assert to_buyer["subject"] == f"İtirazınız sonuçlandı: {dispute['id']}"
    assert "Karar: Tutar taraflar arasında bölüştürüldü" in to_buyer["body"]
    assert "Alıcıya iade edilen: 400,00 TL" in to_buyer["body"]
    assert "Satıcıya aktarılan: 1.100,00 TL" in to_buyer["body"]
    assert "Kısmi hasar." in to_buyer["body"]
    assert "Decision: The amount was split between the parties" in to_seller["body"]
    assert "Released to the seller: TRY 1,100.00" in to_seller["body"]


def test_an_event_delivered_twice_is_emailed_once(bus, parties):
    opened()
    [event] = bus.drain()

    notify.handler(event, LambdaContext(function_name="notify"))
    notify.handler(event, LambdaContext(function_name="notify"))

    assert len(sent_emails()) == 3  # ops, buyer, seller


def test_a_failed_address_is_retried_alone(bus, parties, monkeypatch):
    buyer, seller = parties
    opened()
    [event] = bus.drain()

    real = email_delivery.get_provider()
    failing = {seller}

    class Flaky:
        name = "flaky"

        def send(self, email):
            if email.to in failing:
                failing.discard(email.to)
                raise ConnectionError("SES throttled")
            return real.send(email)

    monkeypatch.setattr(email_delivery, "get_provider", Flaky)

    with pytest.raises(NotificationFailed):
        notify.handler(event, LambdaContext(function_name="notify"))
    assert sorted(mail["to"] for mail in sent_emails()) == sorted([OPS, buyer])

    notify.handler(event, LambdaContext(function_name="notify"))  # Lambda's retry of the event
    assert sorted(mail["to"] for mail in sent_emails()) == sorted([OPS, buyer, seller])


def test_a_broken_mail_service_never_fails_the_api_call(bus, parties, settings_env):
    settings_env(EMAIL_PROVIDER="ses")  # as in AWS
    sender = dev_stack().resolve({"Ref": "SenderEmail"})
    boto3.client("ses", region_name="eu-central-1").delete_identity(Identity=sender)  # SES now refuses

    result = do("message", opened()["id"], BUYER, {"body": "Merhaba"})

    assert result.status == 201
    with pytest.raises(NotificationFailed):
        bus.deliver()
    assert sent_emails() == []


def test_the_notify_function_takes_the_eventbridge_event_as_delivered():
    result = notify.handler(load_event("disputes/notify.json"), LambdaContext(function_name="notify"))

    assert result == {"sent": 3}
    assert [mail["subject"] for mail in emails_to(OPS)] == ["Yeni itiraz: dsp_01JD3Z9A7K2M4P6R8T0V1W3X5Y"]
