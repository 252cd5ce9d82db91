"""Email templates: every one renders in both languages, money reads the local way."""

from __future__ import annotations

import re

import pytest

from paylox.transactions.emails import ALERT_EXPLANATIONS, RECIPIENTS, TEMPLATES, format_amount, render, render_alert

DETAIL = {
    "transaction_id": "txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F",
    "amount": 123456789,
    "currency": "TRY",
    "refund_amount": 5000,
    "refunded_amount": 7500,
    "reason": "card_declined",
}


@pytest.mark.parametrize(
    ("kurus", "turkish", "english"),
    [
        (150000, "1.500,00 TL", "TRY 1,500.00"),
        (150050, "1.500,50 TL", "TRY 1,500.50"),
        (5, "0,05 TL", "TRY 0.05"),
        (123456789, "1.234.567,89 TL", "TRY 1,234,567.89"),
    ],
)
def test_amounts_read_the_way_each_language_writes_money(kurus, turkish, english):
    assert format_amount(kurus, "TRY", "tr") == turkish
    assert format_amount(kurus, "TRY", "en") == english


@pytest.mark.parametrize(("event", "role"), list(TEMPLATES))
@pytest.mark.parametrize("locale", ["tr", "en"])
def test_every_template_renders_completely(event, role, locale):
    email = render(event, role, locale, DETAIL)

    assert email.subject.startswith("Paylox: ")
    assert DETAIL["transaction_id"] in email.body
    assert not re.search(r"\{[a-z_]+\}", email.subject + email.body)
    assert email.body.endswith("Paylox")


def test_the_turkish_and_english_emails_differ_and_carry_local_amounts():
    turkish = render("TransactionFunded", "buyer", "tr", DETAIL)
    english = render("TransactionFunded", "buyer", "en", DETAIL)

    assert turkish.subject == "Paylox: Ödemeniz alındı" and english.subject == "Paylox: Payment received"
    assert "1.234.567,89 TL" in turkish.body and "TRY 1,234,567.89" in english.body


def test_buyer_and_seller_both_hear_about_funding():
    assert RECIPIENTS["TransactionFunded"] == ("buyer", "seller")
    assert RECIPIENTS["TransactionPaymentFailed"] == ("buyer",)


@pytest.mark.parametrize("kind", [*ALERT_EXPLANATIONS, "SOMETHING_NEW"])
def test_alerts_are_bilingual_and_carry_the_facts(kind):
    email = render_alert({"kind": kind, "transaction_id": "txn_1", "webhook_event_id": "evt_1", "delivery_id": "whd_1"})

    assert kind in email.subject and "txn_1" in email.subject
    assert "evt_1" in email.body and "whd_1" in email.body
    if kind in ALERT_EXPLANATIONS:
        turkish, english = ALERT_EXPLANATIONS[kind]
        assert email.body.index(turkish) < email.body.index(english)
