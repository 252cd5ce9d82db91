"""Dispute emails: every template renders in both languages, amounts and labels localised."""

from __future__ import annotations

import itertools

import pytest

from paylox.disputes.emails import TEMPLATES, UPDATES, render

DETAIL = {
    "dispute_id": "dsp_01JD3Z9A7K2M4P6R8T0V1W3X5Y",
    "transaction_id": "txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F",
    "status": "PENDING_INFO",
    "reason": "DAMAGED",
    "buyer_id": "b",
    "seller_id": "s",
    "amount": 123_456_789,
    "currency": "TRY",
    "assigned_to": None,
    "awaiting": "SELLER",
    "info_request": "Fatura?",
    "escalate_at": "2026-11-28T09:00:00.000Z",
    "opened_by_party": "BUYER",
    "description": "Kırık",
    "outcome": "REFUND_TO_BUYER",
    "buyer_amount": 123_456_789,
    "seller_amount": 0,
    "note": "İade",
    "reminder_number": 2,
}


@pytest.mark.parametrize(("kind", "locale"), list(itertools.product(TEMPLATES, ("tr", "en"))))
def test_every_template_renders_completely(kind, locale):
    email = render(kind, locale, DETAIL, "DisputeInfoRequested")

    assert DETAIL["dispute_id"] in email.subject
    assert "{" not in email.subject + email.body
    assert "None" not in email.body


@pytest.mark.parametrize(("event", "locale"), list(itertools.product(UPDATES, ("tr", "en"))))
def test_every_update_has_words_in_both_languages(event, locale):
    body = render("party_update", locale, DETAIL, event).body

    assert UPDATES[event][locale].split("{")[0] in body


def test_amounts_read_as_people_write_them():
    turkish = render("admin_opened", "tr", {**DETAIL, "amount": 150_000}).body
    english = render("admin_opened", "en", {**DETAIL, "amount": 5}).body

    assert "Tutar: 1.500,00 TL" in turkish
    assert "Amount: TRY 0.05" in english


def test_labels_follow_the_language():
    turkish = render("party_resolved", "tr", DETAIL).body
    english = render("party_resolved", "en", DETAIL).body

    assert "Tutar alıcıya iade edildi" in turkish
    assert "The amount was refunded to the buyer" in english
    assert "1.234.567,89 TL" in turkish


def test_missing_values_show_a_dash_not_none():
    body = render("admin_escalated", "en", {**DETAIL, "assigned_to": None}).body

    assert "Assigned to: —" in body
