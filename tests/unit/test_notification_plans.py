"""Who is emailed about which event, in which language, under which key: the notifiers' pure plans,
fed the events in ``events/`` and recipients from a dictionary (no AWS)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from devstack.stack import dev_stack
from paylox.config import SettingsError, load_settings
from paylox.disputes.notifications import DisputeEvent
from paylox.disputes.notifications import plan as plan_dispute
from paylox.documents.notifications import DocumentEvent
from paylox.documents.notifications import plan as plan_document
from paylox.notify.alert_event import AlertEvent
from paylox.notify.alerts import ALERT_EVENT
from paylox.notify.email import Email, one_per_address
from paylox.notify.recipients import Recipient
from paylox.transactions.notifications import NotifierEvent, TransactionEvent, plan_alert
from paylox.transactions.notifications import plan as plan_transaction
from paylox.types import locale_for
from tests.apigw import load_event
from tests.stages import DEPLOYED_STAGE_ENVIRONMENT

BUYER, SELLER, OWNER = "user-buyer-1", "user-seller-1", "user-buyer-1"  # as in the fixtures
PEOPLE = {
    BUYER: Recipient("ayse@example.com", "tr"),
    SELLER: Recipient("john@example.com", "en"),
}
ADMINS = ["ops@paylox.com.tr", "risk@paylox.com.tr"]
SENIORS = ["head@paylox.com.tr"]


def dispute(detail_type: str, **detail: Any) -> DisputeEvent:
    event = load_event("disputes/notify.json")
    event["detail-type"] = detail_type
    event["detail"].update(detail)
    return DisputeEvent.model_validate(event)


def addresses(emails: list[Email]) -> list[str]:
    return [email.to for email in emails]


# ------------------------------------------------------------------------------------ recipients
@pytest.mark.parametrize(
    ("preference", "locale"), [("en", "en"), ("en-GB", "en"), ("EN", "en"), ("tr", "tr"), ("de", "tr"), (None, "tr")]
)
def test_people_are_written_to_in_english_only_when_they_chose_it(preference, locale):
    assert locale_for(preference) == locale


def test_an_address_planned_twice_gets_the_first_email_only():
    first = Email("Ops@paylox.com.tr", "a", "a", "e:admin:ops")
    second = Email("ops@paylox.com.tr", "b", "b", "e:party:ops")

    assert one_per_address([first, second]) == [first]


# ------------------------------------------------------------------------------------ transactions
def test_funding_tells_each_party_in_their_language_keyed_per_event_and_role():
    event = TransactionEvent.model_validate(load_event("transactions/notify.json"))

    buyer, seller = plan_transaction(event, PEOPLE.get)

    assert buyer == Email(
        to="ayse@example.com",
        subject="Paylox: Ödemeniz alındı",
        body=buyer.body,
        key=f"{event.detail.event_id}:buyer:ayse@example.com",
    )
    assert "1.500,00 TL" in buyer.body
    assert seller.subject == "Paylox: Funds are held: ship now" and "TRY 1,500.00" in seller.body
    assert seller.key == f"{event.detail.event_id}:seller:john@example.com"


def test_a_party_without_an_address_is_left_out():
    event = TransactionEvent.model_validate(load_event("transactions/notify.json"))

    assert addresses(plan_transaction(event, {SELLER: PEOPLE[SELLER]}.get)) == ["john@example.com"]


def test_an_event_nobody_is_told_about_plans_nothing():
    raw = load_event("transactions/notify.json")
    raw["detail-type"] = "TransactionCreated"

    assert plan_transaction(TransactionEvent.model_validate(raw), PEOPLE.get) == []


def test_a_payment_alert_goes_to_every_admin_in_both_languages():
    event = AlertEvent.model_validate(load_event("transactions/notify_alert.json"))

    emails = plan_alert(event, ADMINS)

    assert addresses(emails) == ADMINS
    assert [email.key for email in emails] == [f"{event.detail.event_id}:alert:{address}" for address in ADMINS]
    assert "AMOUNT_MISMATCH" in emails[0].subject and "txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F" in emails[0].subject
    assert "tutar veya para birimi" in emails[0].body and "amount or currency" in emails[0].body


def test_the_transaction_notifier_tells_alerts_from_transaction_events():
    parse = TypeAdapter(NotifierEvent).validate_python

    assert isinstance(parse(load_event("transactions/notify_alert.json")), AlertEvent)
    assert isinstance(parse(load_event("transactions/notify.json")), TransactionEvent)


def test_an_event_without_the_parties_is_refused_before_anyone_is_emailed():
    raw = load_event("transactions/notify.json")
    del raw["detail"]["buyer_id"]

    with pytest.raises(ValidationError):
        TransactionEvent.model_validate(raw)


# ------------------------------------------------------------------------------------ disputes
def test_a_new_dispute_tells_the_admins_and_both_parties():
    event = dispute("DisputeOpened")

    emails = plan_dispute(event, PEOPLE.get, ADMINS, SENIORS)

    assert addresses(emails) == [*ADMINS, "ayse@example.com", "john@example.com"]
    assert emails[0].subject == "Yeni itiraz: dsp_01JD3Z9A7K2M4P6R8T0V1W3X5Y"
    assert emails[0].key == f"{event.detail.event_id}:admin_opened:ops@paylox.com.tr"
    assert emails[3].subject == "Update on your dispute dsp_01JD3Z9A7K2M4P6R8T0V1W3X5Y"


def test_an_escalation_goes_to_the_senior_admins_and_the_parties():
    emails = plan_dispute(dispute("DisputeEscalated", status="ESCALATED"), PEOPLE.get, ADMINS, SENIORS)

    assert addresses(emails) == [*SENIORS, "ayse@example.com", "john@example.com"]


def test_an_overdue_first_response_is_for_the_admins_only():
    emails = plan_dispute(dispute("DisputeFirstResponseOverdue"), PEOPLE.get, ADMINS, SENIORS)

    assert addresses(emails) == ADMINS


def test_the_awaited_party_gets_the_question_and_the_other_an_update():
    event = dispute("DisputeInfoRequested", awaiting="SELLER", info_request="Add the receipt.")

    to_buyer, to_seller = plan_dispute(event, PEOPLE.get, ADMINS, SENIORS)

    assert to_seller.subject == "Your information is needed for dispute dsp_01JD3Z9A7K2M4P6R8T0V1W3X5Y"
    assert "Add the receipt." in to_seller.body
    assert to_buyer.subject.startswith("İtirazınızda gelişme")


def test_a_reminder_goes_to_the_awaited_party_alone():
    event = dispute("DisputeInfoReminder", awaiting="BUYER", reminder_number=2)

    [reminder] = plan_dispute(event, PEOPLE.get, ADMINS, SENIORS)

    assert reminder.to == "ayse@example.com" and reminder.subject.startswith("Hatırlatma (2)")


def test_an_admin_who_is_also_a_party_hears_once():
    people = {**PEOPLE, BUYER: Recipient("ops@paylox.com.tr", "tr")}

    emails = plan_dispute(dispute("DisputeOpened"), people.get, ADMINS, SENIORS)

    assert addresses(emails) == [*ADMINS, "john@example.com"]


# ------------------------------------------------------------------------------------ documents
def test_a_quarantine_tells_the_owner_in_their_language_and_the_admins():
    event = DocumentEvent.model_validate(load_event("documents/notify.json"))

    owner, *admins = plan_document(event, {OWNER: Recipient("ayse@example.com", "en")}.get, ADMINS)

    assert owner.subject == "A document you uploaded was quarantined" and '"kanit.pdf"' in owner.body
    assert owner.key == f"{event.detail.event_id}:owner_quarantined:ayse@example.com"
    assert addresses(admins) == ADMINS
    assert "EICAR-Test-File" in admins[0].body and "karantinaya" in admins[0].body


def test_an_owner_without_an_address_leaves_the_admins_told():
    event = DocumentEvent.model_validate(load_event("documents/notify.json"))

    assert addresses(plan_document(event, {}.get, ADMINS)) == ADMINS


def test_no_other_document_event_emails_anyone():
    raw = load_event("documents/notify.json")
    raw["detail-type"] = "DocumentAvailable"

    assert plan_document(DocumentEvent.model_validate(raw), PEOPLE.get, ADMINS) == []


# ------------------------------------------------------------------------------------ event ids
def retried(fixture: str) -> dict[str, Any]:
    """The fixture's event as EventBridge delivers it again after the relay retried ``PutEvents``:
    a new envelope id, the same event (``detail.event_id``)."""
    event = load_event(fixture)
    event["id"] = "d3a9c1e0-7b4f-4e21-8c5a-0f6e2b1d9a37"
    return event


@pytest.mark.parametrize(
    ("fixture", "planned"),
    [
        ("transactions/notify.json", lambda raw: plan_transaction(TransactionEvent.model_validate(raw), PEOPLE.get)),
        ("transactions/notify_alert.json", lambda raw: plan_alert(AlertEvent.model_validate(raw), ADMINS)),
        (
            "disputes/notify.json",
            lambda raw: plan_dispute(DisputeEvent.model_validate(raw), PEOPLE.get, ADMINS, SENIORS),
        ),
        ("documents/notify.json", lambda raw: plan_document(DocumentEvent.model_validate(raw), PEOPLE.get, ADMINS)),
    ],
)
def test_an_event_delivered_again_under_a_new_envelope_id_plans_the_same_keys(fixture, planned):
    # Given the same event in two envelopes (the relay's PutEvents was retried)
    first, again = planned(load_event(fixture)), planned(retried(fixture))

    # Then every email has the same key both times, so nobody gets it twice
    assert first and [email.key for email in again] == [email.key for email in first]
    assert all(email.key.startswith(load_event(fixture)["detail"]["event_id"] + ":") for email in first)


@pytest.mark.parametrize("fixture", ["transactions/notify.json", "disputes/notify.json", "documents/notify.json"])
def test_an_event_without_its_own_id_is_refused_rather_than_keyed_on_its_envelope(fixture):
    raw = load_event(fixture)
    del raw["detail"]["event_id"]

    with pytest.raises(ValidationError):
        {"transactions": TransactionEvent, "disputes": DisputeEvent, "documents": DocumentEvent}[
            fixture.split("/")[0]
        ].model_validate(raw)


# ------------------------------------------------------------------------------------ wiring
def test_the_alert_rule_listens_for_the_one_alert_event():
    notifier = dev_stack().functions["TransactionNotifyFunction"]
    patterns = [event["Properties"]["Pattern"] for event in notifier.events.values()]

    alert_patterns = [pattern for pattern in patterns if pattern["detail-type"] == [ALERT_EVENT]]
    assert len(alert_patterns) == 1
    assert {"paylox.webhooks", "paylox.transactions"} <= set(alert_patterns[0]["source"])


@pytest.mark.parametrize("stage", ["staging", "prod"])
def test_the_console_email_provider_is_refused_outside_dev(stage):
    environment = {**dev_stack().environment(), "AWS_REGION": "eu-central-1", "PAYLOX_STAGE": stage}
    # Everything else a deployed stage needs, so that only the email provider is in question.
    environment |= DEPLOYED_STAGE_ENVIRONMENT

    assert load_settings({**environment, "EMAIL_PROVIDER": "ses"}).email_provider == "ses"
    with pytest.raises(SettingsError, match="EMAIL_PROVIDER=console"):
        load_settings({**environment, "EMAIL_PROVIDER": "console"})


def test_the_dev_stack_writes_emails_to_its_outbox_and_deployments_use_ses():
    template_default = dev_stack().template["Parameters"]["EmailProvider"]["Default"]

    assert dev_stack().environment()["EMAIL_PROVIDER"] == "console"
    assert template_default == "ses"
